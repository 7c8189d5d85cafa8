/* testkeys.h - test-only helpers: make keys, export them as JWK, sign JWS. */
#ifndef OA2_TEST_TESTKEYS_H
#define OA2_TEST_TESTKEYS_H

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/b64url.h"

static inline EVP_PKEY *tk_rsa(size_t bits)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
}

static inline EVP_PKEY *tk_ec(const char *group)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
}

static inline EVP_PKEY *tk_ed25519(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
}

/* A malloc'ed printf. */
static inline char *tk_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static inline char *tk_b64(const void *p, size_t n)
{
	return oa2_b64url_encode(p, n);
}

/* BIGNUM parameter as base64url, left-padded with zeros to pad bytes. */
static inline char *tk_bn(EVP_PKEY *k, const char *param, size_t pad)
{
	BIGNUM *bn = NULL;
	unsigned char buf[1100];
	char *s = NULL;
	size_t n;

	if (EVP_PKEY_get_bn_param(k, param, &bn) != 1)
		return NULL;
	n = pad ? pad : (size_t)BN_num_bytes(bn);
	if (n <= sizeof(buf) && BN_bn2binpad(bn, buf, (int)n) == (int)n)
		s = tk_b64(buf, n);
	BN_free(bn);
	return s;
}

static inline size_t tk_coord(EVP_PKEY *k, const char **crv)
{
	char g[64];

	EVP_PKEY_get_group_name(k, g, sizeof(g), NULL);
	if (strcmp(g, "prime256v1") == 0 || strcmp(g, "P-256") == 0)
		return *crv = "P-256", 32;
	if (strcmp(g, "secp384r1") == 0 || strcmp(g, "P-384") == 0)
		return *crv = "P-384", 48;
	return *crv = "P-521", 66;
}

/* The public JWK of k; extra ("\"kid\":\"a\",") is placed first. */
static inline char *tk_jwk(EVP_PKEY *k, const char *extra)
{
	char *a = NULL, *b = NULL, *s = NULL;
	const char *crv;
	unsigned char raw[32];
	size_t len;

	if (EVP_PKEY_is_a(k, "RSA")) {
		a = tk_bn(k, OSSL_PKEY_PARAM_RSA_N, 0);
		b = tk_bn(k, OSSL_PKEY_PARAM_RSA_E, 0);
		s = tk_fmt("{%s\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\"}", extra, a, b);
	} else if (EVP_PKEY_is_a(k, "EC")) {
		len = tk_coord(k, &crv);
		a = tk_bn(k, OSSL_PKEY_PARAM_EC_PUB_X, len);
		b = tk_bn(k, OSSL_PKEY_PARAM_EC_PUB_Y, len);
		s = tk_fmt("{%s\"kty\":\"EC\",\"crv\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"}", extra, crv, a, b);
	} else if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, raw, sizeof(raw), &len) == 1) {
		a = tk_b64(raw, len);
		s = tk_fmt("{%s\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"}", extra, a);
	}
	free(a);
	free(b);
	return s;
}

static inline const char *tk_md(const char *alg)
{
	if (strcmp(alg, "EdDSA") == 0)
		return NULL;
	if (strstr(alg, "384"))
		return "SHA384";
	if (strstr(alg, "512"))
		return "SHA512";
	return "SHA256";
}

/* DER ECDSA signature to raw r || s of coordinate size n. */
static inline size_t tk_der_to_raw(const unsigned char *der, size_t len, unsigned char *out, size_t n)
{
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &der, (long)len);
	const BIGNUM *r, *s;

	if (es == NULL)
		return 0;
	ECDSA_SIG_get0(es, &r, &s);
	BN_bn2binpad(r, out, (int)n);
	BN_bn2binpad(s, out + n, (int)n);
	ECDSA_SIG_free(es);
	return 2 * n;
}

/* Sign header.payload with k the way alg says (raw_ec: JOSE r||s, else DER);
 * returns the compact JWS. sign_alg may differ from the header's alg. */
static inline char *tk_sign_ex(EVP_PKEY *k, const char *sign_alg, const char *header,
			       const char *payload, int raw_ec)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	char *h = tk_b64(header, strlen(header));
	char *p = tk_b64(payload, strlen(payload));
	char *input = tk_fmt("%s.%s", h, p);
	unsigned char sig[1200], raw[200];
	size_t siglen = sizeof(sig);
	char *sb = NULL, *out = NULL;
	const char *crv;

	if (EVP_DigestSignInit_ex(md, &pctx, tk_md(sign_alg), NULL, NULL, k, NULL) != 1)
		goto out;
	if (sign_alg[0] == 'P') {
		EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
	}
	if (EVP_DigestSign(md, sig, &siglen, (unsigned char *)input, strlen(input)) != 1)
		goto out;
	if (sign_alg[0] == 'E' && sign_alg[1] == 'S' && raw_ec) {
		siglen = tk_der_to_raw(sig, siglen, raw, tk_coord(k, &crv));
		sb = tk_b64(raw, siglen);
	} else {
		sb = tk_b64(sig, siglen);
	}
	out = tk_fmt("%s.%s", input, sb);
out:
	EVP_MD_CTX_free(md);
	free(h);
	free(p);
	free(input);
	free(sb);
	return out;
}

static inline char *tk_sign(EVP_PKEY *k, const char *alg, const char *header, const char *payload)
{
	return tk_sign_ex(k, alg, header, payload, 1);
}

#endif
