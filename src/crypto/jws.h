/* jws.h - JWS compact serialization (RFC 7515): parse, then verify with a JWKS.
 *
 * Parsing refuses what must never be verified: a missing or unknown "alg",
 * "none" in any case, every HMAC algorithm (a public key must never become a
 * shared secret), a "crit" header (we implement no extension) and "b64"
 * (RFC 7797 unencoded payloads). Header parameters that carry or point at
 * keys (jwk, jku, x5u, x5c, x5t, x5t#S256) are ignored: the signing key only
 * ever comes from the JWKS the administrator configured. A "typ", when
 * present, must name a JWT: "JWT" or "at+jwt" (RFC 9068), with or without
 * the "application/" prefix, in any case; any other type (a logout token, a
 * DPoP proof...) is refused so that one kind of token cannot pass for
 * another. Claims (iss, aud, exp...) are checked elsewhere (claims.c). */
#ifndef OA2_JWS_H
#define OA2_JWS_H

#include <openssl/evp.h>
#include <stdbool.h>

#include "jwk.h"
#include "shared/error.h"
#include "shared/jscan.h"

#define OA2_JWS_MAX_SIZE (16 * 1024) /* characters of compact JWS */

/* oa2_jws_verify: no key in the JWKS carries the token's kid. The JWKS may be
 * stale (key rotation): the caller may refetch it once, rate-limited. */
#define OA2_JWS_NO_KEY 1

typedef struct oa2_jws oa2_jws;

/* Parse "header.payload.signature": the header is decoded and checked, the
 * signature decoded; the payload is left as it came, to be hashed. Returns
 * NULL with err set (OA2_ERR_DENIED, or OA2_ERR_INTERNAL when out of memory)
 * on any refusal. */
oa2_jws *oa2_jws_parse(const char *compact, oa2_error *err);

void oa2_jws_free(oa2_jws *jws);

const char *oa2_jws_alg(const oa2_jws *jws);
const char *oa2_jws_kid(const oa2_jws *jws); /* NULL when absent */
/* The header's "typ" declares an RFC 9068 access token: "at+jwt" or
 * "application/at+jwt", in any case. Such a token is signed by the same
 * keys as ID tokens: an ID token must not be one, an access token is read
 * with the access token's claim rules. */
bool oa2_jws_is_access_token(const oa2_jws *jws);

/* Verify the signature with the key oa2_jwks_find(jwks, kid, alg) picks.
 * Returns 0 when valid; -1 when not (err set, OA2_ERR_DENIED);
 * OA2_JWS_NO_KEY (err set too) when the JWKS has no key of that kid. */
int oa2_jws_verify(oa2_jws *jws, const oa2_jwks *jwks, oa2_error *err);

/* The claims: the payload checked as a strict JSON object and indexed
 * (jscan.h), borrowed, living as long as jws. Only once oa2_jws_verify has
 * returned 0: the JSON scanner never sees claims nobody signed, and a forged
 * token costs no parsing. Scanned on the first call, shared by later ones.
 * NULL with err set (OA2_ERR_DENIED, OA2_ERR_INTERNAL when out of memory)
 * before a successful verification or when the payload is not base64url or
 * not a JSON object. No tree is built: the helper hands the text on
 * (oa2_jws_payload) and the module builds the one tree it maps. */
oa2_jobj *oa2_jws_claims(oa2_jws *jws, oa2_error *err);

/* The claims as JSON text (NUL-terminated, *len its length), once
 * oa2_jws_claims has returned them; else NULL. Borrowed. */
const char *oa2_jws_payload(const oa2_jws *jws, size_t *len);

/* The primitive under oa2_jws_verify: check sig over input with key for the
 * JWS algorithm alg. The key's type (and curve) must suit alg; RSA keys must
 * have at least OA2_RSA_MIN_BITS; ES* signatures are raw r||s. Returns 0
 * when valid, -1 otherwise (err set, OA2_ERR_DENIED). */
int oa2_jws_verify_signature(const char *alg, EVP_PKEY *key, const unsigned char *input,
			     size_t inlen, const unsigned char *sig, size_t siglen, oa2_error *err);

#endif
