/* jwk.h - a JSON Web Key Set (RFC 7517) turned into OpenSSL public keys.
 *
 * Only public signature-verification keys are kept: RSA (2048 bits or more),
 * EC P-256 / P-384 / P-521 (point checked to be on the curve) and OKP
 * Ed25519. A key meant for something else (use other than "sig", key_ops
 * without "verify"), of an unknown type or curve, malformed, or carrying
 * private parts is skipped, not fatal: an IdP may publish keys we have no use
 * for. A set in which no key survives is an error. */
#ifndef OA2_JWK_H
#define OA2_JWK_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

#include "shared/error.h"

#define OA2_JWKS_MAX_SIZE (256 * 1024) /* bytes of JSON */
#define OA2_JWKS_MAX_KEYS 64           /* entries in "keys" */
#define OA2_RSA_MIN_BITS 2048
#define OA2_RSA_MAX_BITS 16384

typedef struct oa2_jwks oa2_jwks;

/* Parse len bytes of a JWK Set document. Returns NULL with err set
 * (OA2_ERR_PROTOCOL) when the document is malformed, too large, has more
 * than OA2_JWKS_MAX_KEYS entries or no usable key. */
oa2_jwks *oa2_jwks_parse(const char *json, size_t len, oa2_error *err);

void oa2_jwks_free(oa2_jwks *jwks);

/* Number of usable keys kept. */
size_t oa2_jwks_count(const oa2_jwks *jwks);

/* The key to check a signature made with alg (a JWS "alg" value) by the key
 * named kid (NULL when the token names none). The key's type and curve must
 * suit alg, and a key that states its own "alg" must state this one. With a
 * kid, the one key of that kid that suits alg; without, the one key of the
 * whole set that suits alg. NULL when there is none or more than one.
 * The key is borrowed: it lives as long as jwks. */
EVP_PKEY *oa2_jwks_find(const oa2_jwks *jwks, const char *kid, const char *alg);

/* What checking a signature of one JWS algorithm with one key needs, made
 * once so that a verification fetches nothing by name: the digest of the
 * signing input (md) and an EVP_PKEY_verify context with that digest and the
 * algorithm's padding set (ctx). ctx is a template that must not change:
 * verify with a copy of it (EVP_PKEY_CTX_dup). md and ctx are NULL for
 * EdDSA, which signs the message itself. pkey is borrowed. */
struct oa2_jwk_verifier {
	EVP_PKEY *pkey;
	EVP_MD *md;
	EVP_PKEY_CTX *ctx;
};

/* Make v ready to check alg (a JWS "alg" value) signatures with pkey. The
 * key's type is not checked here. Returns 0, or -1 when alg is unknown or
 * OpenSSL refuses (v is then cleared). */
int oa2_jwk_verifier_init(struct oa2_jwk_verifier *v, EVP_PKEY *pkey, const char *alg);

/* Free what oa2_jwk_verifier_init made; v may be all zero. */
void oa2_jwk_verifier_clear(struct oa2_jwk_verifier *v);

/* The key oa2_jwks_find picks, with its verifier for alg, made when the set
 * was parsed (one per algorithm the key may serve: up to six for an RSA key
 * that states no "alg"). Borrowed: lives as long as jwks. */
const struct oa2_jwk_verifier *oa2_jwks_find_verifier(const oa2_jwks *jwks, const char *kid,
						      const char *alg);

/* One usable key, described for the diagnostic tool. */
struct oa2_jwk_info {
	const char *kid;  /* NULL when the JWK has none; borrowed */
	const char *alg;  /* the JWK's own "alg", NULL when none; borrowed */
	const char *type; /* "RSA", "EC P-256", "EC P-384", "EC P-521", "OKP Ed25519" */
	int bits;         /* key size as OpenSSL reports it */
};

/* Describe key i (0 .. oa2_jwks_count - 1). -1 when i is out of range. */
int oa2_jwks_key_info(const oa2_jwks *jwks, size_t i, struct oa2_jwk_info *info);

/* True when some usable key has exactly this kid. */
bool oa2_jwks_has_kid(const oa2_jwks *jwks, const char *kid);

#endif
