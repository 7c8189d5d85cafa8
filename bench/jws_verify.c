/* jws_verify.c - how many JWS verifications per second (parse + find + verify).
 *
 * Each iteration parses a realistic ID token (header with typ and a
 * thumbprint kid, about 900 bytes of claims), picks its key by kid in a
 * four-key JWKS (two RSA, two EC, as during a key rotation) and verifies the
 * signature: everything oa2_token_verify_id_token does before the claims.
 * The "+claims" rows then do the rest of it, as every login does once: the
 * claims checked as a strict JSON object and indexed (oa2_jws_claims), iss,
 * aud, azp, exp, nbf, iat and sub checked (oa2_claims_check_id_token) and
 * the text copied out for the module: the whole cost of an ID token in the
 * helper, short of fetching the keys.
 *
 * Each row prints our rate, then the rate of a bare EVP_PKEY_verify of a
 * SHA-256 digest with the same key and a context made once (what "openssl
 * speed" times), run in turns of 20 ms with ours over the same seconds: a
 * busy machine slows both alike.
 * Usage: jws_verify [seconds per row, default 2] */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/b64url.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"
#include "helper/claims.h"

/* Claims as Keycloak or Azure AD put them in an ID token. */
static const char payload[] =
	"{\"exp\":1900000000,\"iat\":1899999700,\"auth_time\":1899999690,"
	"\"jti\":\"5f1c2a7e-93d4-4b8e-a1f0-6c2d9e8b7a31\","
	"\"iss\":\"https://login.example.com/realms/corporate\","
	"\"aud\":[\"pam-oauth2-host-17\",\"account\"],"
	"\"sub\":\"f3b2c1d0-8e7f-4a6b-9c5d-2e1f0a9b8c7d\",\"typ\":\"ID\","
	"\"azp\":\"pam-oauth2-host-17\",\"nonce\":\"Zb3kQ9xW2mL7vT1sR8pY4nC6\","
	"\"sid\":\"0a1b2c3d-4e5f-6789-abcd-ef0123456789\","
	"\"at_hash\":\"kL2mN3oP4qR5sT6uV7wX8y\",\"acr\":\"1\",\"amr\":[\"pwd\",\"otp\"],"
	"\"email_verified\":true,\"name\":\"Alice Liddell-Hargreaves\","
	"\"preferred_username\":\"alice\",\"given_name\":\"Alice\","
	"\"family_name\":\"Liddell-Hargreaves\",\"email\":\"alice.liddell@example.com\","
	"\"locale\":\"en-GB\",\"zoneinfo\":\"Europe/London\","
	"\"groups\":[\"/staff\",\"/staff/engineering\",\"/unix/sudo\",\"/unix/docker\","
	"\"/vpn-users\"],\"realm_access\":{\"roles\":[\"offline_access\",\"uma_authorization\","
	"\"default-roles-corporate\",\"linux-login\"]},"
	"\"resource_access\":{\"account\":{\"roles\":[\"manage-account\",\"view-profile\"]}}}";

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
	char *p = oa2_b64url_encode((const unsigned char *)payload, strlen(payload));
	char input[4096], *out, *sb;
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

/* The token's issuer, client and a time within its validity. */
static const struct oa2_claims_policy policy = { "https://login.example.com/realms/corporate",
						 "pam-oauth2-host-17", 1899999800, 60, NULL };

/* One verification of token; with claims, the claims checked and copied
 * out too. */
static void ours(const char *token, const oa2_jwks *jwks, int claims)
{
	oa2_error err = { 0 };
	oa2_jws *jws = oa2_jws_parse(token, &err);
	oa2_jobj *c;
	const char *text;
	size_t len = 0;

	if (jws == NULL || oa2_jws_verify(jws, jwks, &err) != 0) {
		fprintf(stderr, "verification failed: %s\n", err.msg);
		exit(1);
	}
	if (claims) {
		c = oa2_jws_claims(jws, &err);
		if (c == NULL || oa2_claims_check_id_token(c, &policy, &err) != 0 ||
		    (text = oa2_jws_payload(jws, &len)) == NULL) {
			fprintf(stderr, "claims refused: %s\n", err.msg);
			exit(1);
		}
		free(strndup(text, len));
	}
	oa2_jws_free(jws);
}

/* A bare verification: sig over dgst with ctx, made once. */
static void bare(EVP_PKEY_CTX *ctx, const unsigned char *sig, size_t siglen,
		 const unsigned char *dgst)
{
	if (EVP_PKEY_verify(ctx, sig, siglen, dgst, 32) != 1) {
		fprintf(stderr, "bare verification failed\n");
		exit(1);
	}
}

/* Verify token (ours) and a digest signed by key (bare) in turns for about
 * secs seconds; print "name ours/s bare/s". */
static void run(const char *name, const char *token, const oa2_jwks *jwks, EVP_PKEY *key,
		double secs, int claims)
{
	unsigned char dgst[32] = { 1, 2, 3 }, sig[600];
	size_t siglen = sizeof(sig);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	double t[2] = { 0, 0 }, start = now(), t0;
	long n[2] = { 0, 0 };

	if (ctx == NULL || EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_sign(ctx, sig, &siglen, dgst, sizeof(dgst)) != 1 ||
	    EVP_PKEY_verify_init(ctx) != 1 || EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1) {
		fprintf(stderr, "cannot set up a bare verification\n");
		exit(1);
	}
	while (now() - start < secs) {
		for (int side = 0; side < 2; side++) {
			t0 = now();
			do {
				if (side == 0)
					ours(token, jwks, claims);
				else
					bare(ctx, sig, siglen, dgst);
				n[side]++;
			} while (now() - t0 < 0.02);
			t[side] += now() - t0;
		}
	}
	printf("%s %.0f %.0f\n", name, (double)n[0] / t[0], (double)n[1] / t[1]);
	EVP_PKEY_CTX_free(ctx);
}

/* A JWK for k: RSA when ec is 0, else P-256; NULL when k is NULL. */
static char *jwk(EVP_PKEY *k, const char *kid, int ec)
{
	char *a = b64_bn(k, ec ? OSSL_PKEY_PARAM_EC_PUB_X : OSSL_PKEY_PARAM_RSA_N, ec ? 32 : 0);
	char *b = b64_bn(k, ec ? OSSL_PKEY_PARAM_EC_PUB_Y : OSSL_PKEY_PARAM_RSA_E, ec ? 32 : 0);
	char *out = malloc(1024);

	if (ec)
		snprintf(out, 1024, "{\"kty\":\"EC\",\"use\":\"sig\",\"alg\":\"ES256\",\"kid\":\"%s\","
			 "\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}", kid, a, b);
	else
		snprintf(out, 1024, "{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"%s\","
			 "\"n\":\"%s\",\"e\":\"%s\"}", kid, a, b);
	free(a);
	free(b);
	return out;
}

#define KID_R1 "Xq3vJ8mN2pL5kR9tW1yB4cF7hD0sG6aE-zU_iO3lQwE"
#define KID_R2 "b7Tn2LqP9xW4mK1vR8sJ5cH3gF6dA0zE-yU_iN2oMeQ"
#define KID_E1 "pQ4wE8rT2yU6iO0aS3dF7gH1jK5lZ9xC-vB_nM2qWeR"
#define KID_E2 "Lk9Jh8Gf7Ds6Aa5Qw4Er3Ty2Ui1Op0Zx-Cv_Bn3MqWe"

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *rsa2 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *ec2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	char *k[4] = { jwk(rsa2, KID_R2, 0), jwk(rsa, KID_R1, 0), jwk(ec2, KID_E2, 1),
		       jwk(ec, KID_E1, 1) };
	char doc[8192];
	oa2_error err = { 0 };
	oa2_jwks *jwks;
	char *rs, *es;

	snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s,%s,%s]}", k[0], k[1], k[2], k[3]);
	jwks = oa2_jwks_parse(doc, strlen(doc), &err);
	if (jwks == NULL) {
		fprintf(stderr, "JWKS: %s\n", err.msg);
		return 1;
	}
	rs = sign(rsa, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" KID_R1 "\"}", 0);
	es = sign(ec, "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"" KID_E1 "\"}", 1);
	printf("# claims %zu bytes; tokens RS256 %zu, ES256 %zu characters\n", strlen(payload),
	       strlen(rs), strlen(es));
	run("RS256", rs, jwks, rsa, secs, 0);
	run("ES256", es, jwks, ec, secs, 0);
	run("RS256+claims", rs, jwks, rsa, secs, 1);
	run("ES256+claims", es, jwks, ec, secs, 1);
	oa2_jwks_free(jwks);
	for (int i = 0; i < 4; i++)
		free(k[i]);
	free(rs);
	free(es);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(rsa2);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(ec2);
	return 0;
}
