/* jws_verify.c - how many JWS verifications per second (parse + find + verify). */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "b64url.h"
#include "jwk.h"
#include "jws.h"

#define PAYLOAD "{\"iss\":\"https://idp.example\",\"sub\":\"alice\",\"aud\":\"pam\",\"exp\":1900000000}"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *b64_bn(EVP_PKEY *k, const char *param, size_t pad)
{
	BIGNUM *bn = NULL;
	unsigned char buf[600];
	char *s;
	size_t n;

	EVP_PKEY_get_bn_param(k, param, &bn);
	n = pad ? pad : (size_t)BN_num_bytes(bn);
	BN_bn2binpad(bn, buf, (int)n);
	s = oa2_b64url_encode(buf, n);
	BN_free(bn);
	return s;
}

/* Sign header.payload; ECDSA signatures are turned into raw r || s. */
static char *sign(EVP_PKEY *k, const char *header, int ec)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char *h = oa2_b64url_encode((const unsigned char *)header, strlen(header));
	char *p = oa2_b64url_encode((const unsigned char *)PAYLOAD, strlen(PAYLOAD));
	char input[1024], *out, *sb;
	unsigned char sig[600], raw[64];
	size_t siglen = sizeof(sig);

	snprintf(input, sizeof(input), "%s.%s", h, p);
	EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, k, NULL);
	EVP_DigestSign(md, sig, &siglen, (unsigned char *)input, strlen(input));
	if (ec) {
		const unsigned char *q = sig;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)siglen);
		const BIGNUM *r, *s;

		ECDSA_SIG_get0(es, &r, &s);
		BN_bn2binpad(r, raw, 32);
		BN_bn2binpad(s, raw + 32, 32);
		ECDSA_SIG_free(es);
		sb = oa2_b64url_encode(raw, 64);
	} else {
		sb = oa2_b64url_encode(sig, siglen);
	}
	out = malloc(strlen(input) + strlen(sb) + 2);
	sprintf(out, "%s.%s", input, sb);
	free(h);
	free(p);
	free(sb);
	EVP_MD_CTX_free(md);
	return out;
}

/* Verify token repeatedly for about secs seconds; returns verifications/s. */
static double run(const char *token, const oa2_jwks *jwks, double secs)
{
	double start = now(), t;
	long n = 0;

	do {
		for (int i = 0; i < 50; i++) {
			oa2_error err = { 0 };
			oa2_jws *jws = oa2_jws_parse(token, &err);

			if (jws == NULL || oa2_jws_verify(jws, jwks, &err) != 0) {
				fprintf(stderr, "verification failed: %s\n", err.msg);
				exit(1);
			}
			oa2_jws_free(jws);
			n++;
		}
		t = now() - start;
	} while (t < secs);
	return (double)n / t;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	char *n = b64_bn(rsa, OSSL_PKEY_PARAM_RSA_N, 0), *e = b64_bn(rsa, OSSL_PKEY_PARAM_RSA_E, 0);
	char *x = b64_bn(ec, OSSL_PKEY_PARAM_EC_PUB_X, 32), *y = b64_bn(ec, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
	char doc[2048];
	oa2_error err = { 0 };
	oa2_jwks *jwks;
	char *rs, *es;

	snprintf(doc, sizeof(doc),
		 "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\",\"n\":\"%s\",\"e\":\"%s\"},"
		 "{\"kty\":\"EC\",\"kid\":\"e\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}]}", n, e, x, y);
	jwks = oa2_jwks_parse(doc, strlen(doc), &err);
	if (jwks == NULL) {
		fprintf(stderr, "JWKS: %s\n", err.msg);
		return 1;
	}
	rs = sign(rsa, "{\"alg\":\"RS256\",\"kid\":\"r\"}", 0);
	es = sign(ec, "{\"alg\":\"ES256\",\"kid\":\"e\"}", 1);
	printf("RS256 %.0f\n", run(rs, jwks, secs));
	printf("ES256 %.0f\n", run(es, jwks, secs));
	oa2_jwks_free(jwks);
	free(rs);
	free(es);
	free(n);
	free(e);
	free(x);
	free(y);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	return 0;
}
