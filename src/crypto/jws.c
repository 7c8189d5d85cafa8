/* jws.c - compact JWS parsing and signature verification with OpenSSL 3. */
#include "autoconfig.h"

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "b64url.h"
#include "jws.h"

enum family {
	FAM_RSA, /* RSASSA-PKCS1-v1_5 */
	FAM_PSS, /* RSASSA-PSS, MGF1 with the same hash, salt = hash length */
	FAM_EC,  /* ECDSA, signature is raw r || s */
	FAM_ED,  /* Ed25519 */
};

/* The allow-list: anything not named here is refused at parse time. The
 * digest and padding of each are set in jwk.c (oa2_jwk_verifier_init). */
static const struct alg {
	const char *name;
	enum family fam;
	const char *group; /* EC curve (OpenSSL short name) */
	size_t coord;      /* bytes of r and of s */
} algs[] = {
	{ "RS256", FAM_RSA, NULL, 0 },
	{ "RS384", FAM_RSA, NULL, 0 },
	{ "RS512", FAM_RSA, NULL, 0 },
	{ "PS256", FAM_PSS, NULL, 0 },
	{ "PS384", FAM_PSS, NULL, 0 },
	{ "PS512", FAM_PSS, NULL, 0 },
	{ "ES256", FAM_EC, "prime256v1", 32 },
	{ "ES384", FAM_EC, "secp384r1", 48 },
	{ "ES512", FAM_EC, "secp521r1", 66 },
	{ "EdDSA", FAM_ED, NULL, 0 },
};

/* Media types a token may declare in "typ" (RFC 7515 §4.1.9, RFC 9068). */
static const char *const typs[] = {
	"JWT", "application/jwt", "at+jwt", "application/at+jwt",
};

struct oa2_jws {
	char *compact; /* a copy of the token; the signing input is its start */
	size_t len;
	size_t inlen;   /* "header.payload": up to the second dot */
	size_t hlen;    /* the header part: up to the first dot */
	unsigned char *sig;
	size_t siglen;
	unsigned char *htext; /* the decoded header */
	size_t htlen;
	oa2_jobj header;      /* indexes htext */
	unsigned char *ptext; /* the decoded payload, once the signature verified */
	size_t ptlen;
	oa2_jobj claims; /* indexes ptext */
	bool scanned;    /* claims holds the payload's members */
	bool verified;
	const struct alg *alg;
	const char *kid, *typ; /* decoded from the header, NULL when absent */
};

static const struct alg *find_alg(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(name, algs[i].name) == 0)
			return &algs[i];
	return NULL;
}

/* Names from the token are quoted cut short; oa2_fail makes them printable. */
static int check_alg(const char *name, const struct alg **out, oa2_error *err)
{
	if (strcasecmp(name, "none") == 0)
		return oa2_fail(err, OA2_ERR_DENIED, "JWS: unsigned token (alg none) refused");
	if (strncasecmp(name, "HS", 2) == 0)
		return oa2_fail(err, OA2_ERR_DENIED, "JWS: HMAC algorithm %.23s refused", name);
	*out = find_alg(name);
	if (*out == NULL)
		return oa2_fail(err, OA2_ERR_DENIED, "JWS: algorithm \"%.23s\" not allowed",
				name);
	return 0;
}

static bool typ_allowed(const char *typ)
{
	for (size_t i = 0; i < sizeof(typs) / sizeof(typs[0]); i++)
		if (strcasecmp(typ, typs[i]) == 0)
			return true;
	return false;
}

static int check_header(oa2_jws *jws, oa2_error *err)
{
	oa2_jobj *h = &jws->header;
	const char *alg;
	int rc;

	if (oa2_jobj_string(h, "alg", &alg) != 0)
		return oa2_fail(err, OA2_ERR_DENIED, "JWS: \"alg\" missing or not a string");
	if (check_alg(alg, &jws->alg, err) != 0)
		return -1;
	/* We understand no extension, so any "crit" must be refused (§4.1.11);
	 * present at all, even as null. */
	if (oa2_jobj_has(h, "crit"))
		return oa2_fail(err, OA2_ERR_DENIED, "JWS: \"crit\" header refused");
	if (oa2_jobj_has(h, "b64"))
		return oa2_fail(err, OA2_ERR_DENIED, "JWS: \"b64\" header refused");
	rc = oa2_jobj_string(h, "typ", &jws->typ);
	if (rc < 0 || (rc == 0 && !typ_allowed(jws->typ)))
		return oa2_fail(err, OA2_ERR_DENIED, "JWS: \"typ\" is not a JWT type");
	if (rc != 0)
		jws->typ = NULL;
	rc = oa2_jobj_string(h, "kid", &jws->kid);
	if (rc < 0)
		return oa2_fail(err, OA2_ERR_DENIED, "JWS: \"kid\" is not a string");
	if (rc != 0)
		jws->kid = NULL;
	return 0;
}

/* Decode one base64url part holding a JSON object into *text and index it
 * into *obj. */
static int decode_json(const char *part, size_t len, const char *what, unsigned char **text,
		       size_t *tlen, oa2_jobj *obj, oa2_error *err)
{
	oa2_error jerr = {0};

	if (oa2_b64url_decode(part, len, text, tlen) != 0)
		return oa2_fail(err, OA2_ERR_DENIED, "%s: not base64url", what);
	if (oa2_jscan_object(obj, (const char *)*text, *tlen, what, &jerr) != 0) {
		/* nothing kept: a later call starts afresh */
		explicit_bzero(*text, *tlen);
		free(*text);
		*text = NULL;
		*tlen = 0;
		return oa2_fail_text(err, jerr.kind == OA2_ERR_INTERNAL ? OA2_ERR_INTERNAL
									: OA2_ERR_DENIED,
				     jerr.msg);
	}
	return 0;
}

/* Split compact into its three parts; dots[0] and dots[1] point at the dots. */
static int split(const char *compact, size_t len, const char *dots[2], oa2_error *err)
{
	const char *end = compact + len;

	dots[0] = memchr(compact, '.', len);
	dots[1] = dots[0] ? memchr(dots[0] + 1, '.', (size_t)(end - dots[0] - 1)) : NULL;
	if (dots[1] == NULL || memchr(dots[1] + 1, '.', (size_t)(end - dots[1] - 1)) != NULL)
		return oa2_fail(err, OA2_ERR_DENIED, "JWS: not three dot-separated parts");
	if (dots[0] == compact || dots[1] == dots[0] + 1 || dots[1] + 1 == end)
		return oa2_fail(err, OA2_ERR_DENIED, "JWS: empty part");
	return 0;
}

oa2_jws *oa2_jws_parse(const char *compact, oa2_error *err)
{
	oa2_jws *jws = NULL;
	const char *dots[2];
	size_t len;

	if (compact == NULL) {
		oa2_fail(err, OA2_ERR_DENIED, "JWS: no token");
		return NULL;
	}
	len = strnlen(compact, OA2_JWS_MAX_SIZE + 1);
	if (len > OA2_JWS_MAX_SIZE) {
		oa2_fail(err, OA2_ERR_DENIED, "JWS: token longer than %d characters", OA2_JWS_MAX_SIZE);
		return NULL;
	}
	if (split(compact, len, dots, err) != 0)
		return NULL;
	jws = calloc(1, sizeof(*jws));
	if (jws == NULL || (jws->compact = strndup(compact, len)) == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "JWS: out of memory");
		goto fail;
	}
	jws->len = len;
	jws->hlen = (size_t)(dots[0] - compact);
	jws->inlen = (size_t)(dots[1] - compact);
	if (decode_json(compact, jws->hlen, "JWS header", &jws->htext, &jws->htlen, &jws->header,
			err) != 0 ||
	    check_header(jws, err) != 0)
		goto fail;
	/* The payload is only hashed here: it is parsed once its signature
	 * has been verified (oa2_jws_claims). */
	if (oa2_b64url_decode(dots[1] + 1, len - jws->inlen - 1, &jws->sig, &jws->siglen) != 0) {
		oa2_fail(err, OA2_ERR_DENIED, "JWS signature: not base64url");
		goto fail;
	}
	return jws;
fail:
	oa2_jws_free(jws);
	return NULL;
}

void oa2_jws_free(oa2_jws *jws)
{
	if (jws == NULL)
		return;
	/* The token is a bearer credential: leave no copy of it in freed memory. */
	if (jws->compact != NULL)
		explicit_bzero(jws->compact, jws->len);
	free(jws->compact);
	free(jws->sig);
	oa2_jobj_clear(&jws->header);
	oa2_jobj_clear(&jws->claims);
	free(jws->htext);
	if (jws->ptext != NULL)
		explicit_bzero(jws->ptext, jws->ptlen);
	free(jws->ptext);
	free(jws);
}

const char *oa2_jws_alg(const oa2_jws *jws)
{
	return jws == NULL ? NULL : jws->alg->name;
}

const char *oa2_jws_kid(const oa2_jws *jws)
{
	return jws == NULL ? NULL : jws->kid;
}

bool oa2_jws_is_access_token(const oa2_jws *jws)
{
	const char *typ = jws == NULL ? NULL : jws->typ;

	if (typ == NULL)
		return false;
	if (strncasecmp(typ, "application/", 12) == 0)
		typ += 12;
	return strcasecmp(typ, "at+jwt") == 0;
}

oa2_jobj *oa2_jws_claims(oa2_jws *jws, oa2_error *err)
{
	if (jws == NULL || !jws->verified) {
		oa2_fail(err, OA2_ERR_DENIED, "JWS: claims read before the signature was verified");
		return NULL;
	}
	if (!jws->scanned) {
		if (decode_json(jws->compact + jws->hlen + 1, jws->inlen - jws->hlen - 1,
				"JWS payload", &jws->ptext, &jws->ptlen, &jws->claims, err) != 0)
			return NULL;
		jws->scanned = true;
	}
	return &jws->claims;
}

const char *oa2_jws_payload(const oa2_jws *jws, size_t *len)
{
	if (jws == NULL || !jws->scanned)
		return NULL;
	*len = jws->ptlen;
	return (const char *)jws->ptext;
}

static int group_nid(const char *name)
{
	int nid = EC_curve_nist2nid(name);

	return nid != NID_undef ? nid : OBJ_sn2nid(name);
}

/* The key must be of the type (and curve) the algorithm names. */
static int check_key(const struct alg *a, EVP_PKEY *key, oa2_error *err)
{
	char group[64];

	switch (a->fam) {
	case FAM_RSA:
	case FAM_PSS:
		if (!EVP_PKEY_is_a(key, "RSA"))
			break;
		if (EVP_PKEY_get_bits(key) < OA2_RSA_MIN_BITS)
			return oa2_fail(err, OA2_ERR_DENIED, "JWS: RSA key too small");
		return 0;
	case FAM_EC:
		if (!EVP_PKEY_is_a(key, "EC") ||
		    EVP_PKEY_get_group_name(key, group, sizeof(group), NULL) != 1)
			break;
		if (group_nid(group) == NID_undef || group_nid(group) != OBJ_sn2nid(a->group))
			break;
		return 0;
	case FAM_ED:
		if (EVP_PKEY_is_a(key, "ED25519"))
			return 0;
		break;
	}
	return oa2_fail(err, OA2_ERR_DENIED, "JWS: key type does not suit %s", a->name);
}

/* JWS carries ECDSA signatures as r || s; OpenSSL wants DER. */
static int ec_to_der(const struct alg *a, const unsigned char *sig, size_t siglen,
		     unsigned char **der, size_t *derlen, oa2_error *err)
{
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	int n, rc = -1;

	*der = NULL;
	if (siglen != 2 * a->coord) {
		oa2_fail(err, OA2_ERR_DENIED, "JWS: %s signature must be %zu bytes, not %zu",
			 a->name, 2 * a->coord, siglen);
		goto out;
	}
	r = BN_bin2bn(sig, (int)a->coord, NULL);
	s = BN_bin2bn(sig + a->coord, (int)a->coord, NULL);
	es = ECDSA_SIG_new();
	if (r == NULL || s == NULL || es == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		oa2_fail(err, OA2_ERR_INTERNAL, "JWS: out of memory");
		goto out;
	}
	r = s = NULL; /* now owned by es */
	n = i2d_ECDSA_SIG(es, der);
	if (n <= 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "JWS: cannot encode the ECDSA signature");
		goto out;
	}
	*derlen = (size_t)n;
	rc = 0;
out:
	ECDSA_SIG_free(es);
	BN_free(r);
	BN_free(s);
	return rc;
}

/* Check the signature length the algorithm and key demand. */
static int check_length(const struct alg *a, EVP_PKEY *key, size_t siglen, oa2_error *err)
{
	size_t want;

	if (a->fam == FAM_EC)
		return 0; /* ec_to_der checks */
	want = a->fam == FAM_ED ? 64 : (size_t)EVP_PKEY_get_size(key);
	if (siglen != want)
		return oa2_fail(err, OA2_ERR_DENIED, "JWS: %s signature must be %zu bytes, not %zu",
				a->name, want, siglen);
	return 0;
}

/* Check sig over the digest of input with a copy of v's template context. */
static int verify_digest(const struct alg *a, const struct oa2_jwk_verifier *v,
			 const unsigned char *input, size_t inlen, const unsigned char *sig,
			 size_t siglen, oa2_error *err)
{
	unsigned char dgst[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	EVP_PKEY_CTX *ctx = NULL;
	int rc = -1;

	if (EVP_Digest(input, inlen, dgst, &dlen, v->md, NULL) != 1 ||
	    (ctx = EVP_PKEY_CTX_dup(v->ctx)) == NULL) {
		oa2_fail(err, OA2_ERR_DENIED, "JWS: cannot set up %s verification", a->name);
		goto out;
	}
	if (EVP_PKEY_verify(ctx, sig, siglen, dgst, dlen) != 1) {
		oa2_fail(err, OA2_ERR_DENIED, "JWS: %s signature does not verify", a->name);
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* EdDSA signs the message itself: one-shot EVP_DigestVerify. */
static int verify_message(const struct alg *a, EVP_PKEY *key, const unsigned char *input,
			  size_t inlen, const unsigned char *sig, size_t siglen, oa2_error *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = -1;

	if (md == NULL || EVP_DigestVerifyInit_ex(md, NULL, NULL, NULL, NULL, key, NULL) != 1) {
		oa2_fail(err, OA2_ERR_DENIED, "JWS: cannot set up %s verification", a->name);
		goto out;
	}
	if (EVP_DigestVerify(md, sig, siglen, input, inlen) != 1) {
		oa2_fail(err, OA2_ERR_DENIED, "JWS: %s signature does not verify", a->name);
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

/* Check the key, the signature length, then the signature, with v. */
static int verify_with(const struct alg *a, const struct oa2_jwk_verifier *v,
		       const unsigned char *input, size_t inlen, const unsigned char *sig,
		       size_t siglen, oa2_error *err)
{
	unsigned char *der = NULL;
	size_t derlen = 0;
	int rc = -1;

	if (check_key(a, v->pkey, err) != 0 || check_length(a, v->pkey, siglen, err) != 0)
		goto out;
	if (a->fam == FAM_EC) {
		if (ec_to_der(a, sig, siglen, &der, &derlen, err) != 0)
			goto out;
		sig = der;
		siglen = derlen;
	}
	if (a->fam == FAM_ED)
		rc = verify_message(a, v->pkey, input, inlen, sig, siglen, err);
	else if (v->ctx != NULL && v->md != NULL)
		rc = verify_digest(a, v, input, inlen, sig, siglen, err);
	else
		oa2_fail(err, OA2_ERR_DENIED, "JWS: cannot set up %s verification", a->name);
out:
	if (rc != 0)
		ERR_clear_error(); /* what a refusal left in OpenSSL's queue */
	OPENSSL_free(der);
	return rc;
}

int oa2_jws_verify_signature(const char *alg, EVP_PKEY *key, const unsigned char *input,
			     size_t inlen, const unsigned char *sig, size_t siglen, oa2_error *err)
{
	const struct alg *a = find_alg(alg);
	struct oa2_jwk_verifier v = { 0 };
	int rc = -1;

	if (a == NULL || key == NULL || input == NULL || sig == NULL) {
		oa2_fail(err, OA2_ERR_DENIED, "JWS: no usable algorithm or key");
		goto out;
	}
	/* The key's type first: only then make a context for it. */
	if (check_key(a, key, err) != 0)
		goto out;
	if (oa2_jwk_verifier_init(&v, key, a->name) != 0) {
		oa2_fail(err, OA2_ERR_DENIED, "JWS: cannot set up %s verification", a->name);
		goto out;
	}
	rc = verify_with(a, &v, input, inlen, sig, siglen, err);
out:
	oa2_jwk_verifier_clear(&v);
	ERR_clear_error();
	return rc;
}

int oa2_jws_verify(oa2_jws *jws, const oa2_jwks *jwks, oa2_error *err)
{
	const struct oa2_jwk_verifier *v;
	int rc;

	if (jws == NULL || jwks == NULL)
		return oa2_fail(err, OA2_ERR_DENIED, "JWS: no token or no JWKS");
	if (jws->kid != NULL && !oa2_jwks_has_kid(jwks, jws->kid)) {
		oa2_fail(err, OA2_ERR_DENIED, "JWS: no key with kid \"%.64s\" in the JWKS",
			 jws->kid);
		return OA2_JWS_NO_KEY;
	}
	v = oa2_jwks_find_verifier(jwks, jws->kid, jws->alg->name);
	if (v == NULL)
		return oa2_fail(err, OA2_ERR_DENIED, "JWS: no single key in the JWKS suits %s%s",
				jws->alg->name, jws->kid ? " with that kid" : "");
	rc = verify_with(jws->alg, v, (const unsigned char *)jws->compact, jws->inlen, jws->sig,
			 jws->siglen, err);
	jws->verified = rc == 0;
	return rc;
}
