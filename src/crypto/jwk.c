/* jwk.c - JSON Web Key Set parsing into OpenSSL 3 public keys. */
#include "autoconfig.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "jwk.h"
#include "shared/json.h"

/* What a key is, as far as choosing it for an "alg" goes. */
enum kind {
	KIND_NONE = 0,
	KIND_RSA,
	KIND_P256,
	KIND_P384,
	KIND_P521,
	KIND_ED25519,
};

#define N_ALGS 10 /* entries in alg_kinds */

struct jwk {
	char *kid; /* NULL when the JWK has none */
	char *alg; /* NULL when the JWK has none */
	enum kind kind;
	EVP_PKEY *pkey;
	/* By alg_kinds index; made only for the algorithms the key may serve. */
	struct oa2_jwk_verifier ver[N_ALGS];
};

struct oa2_jwks {
	struct jwk *keys;
	size_t count;
};

static const struct curve {
	const char *crv;   /* JWK "crv" */
	const char *group; /* OpenSSL group name */
	size_t len;        /* bytes in one coordinate */
	enum kind kind;
} curves[] = {
	{ "P-256", "prime256v1", 32, KIND_P256 },
	{ "P-384", "secp384r1", 48, KIND_P384 },
	{ "P-521", "secp521r1", 66, KIND_P521 },
};

static const struct alg_kind {
	const char *alg;
	enum kind kind;
	const char *md; /* digest of the signing input; NULL for EdDSA */
	int padding;    /* RSA padding; 0 for the others */
} alg_kinds[N_ALGS] = {
	{ "RS256", KIND_RSA, "SHA256", RSA_PKCS1_PADDING },
	{ "RS384", KIND_RSA, "SHA384", RSA_PKCS1_PADDING },
	{ "RS512", KIND_RSA, "SHA512", RSA_PKCS1_PADDING },
	/* RSASSA-PSS: MGF1 with the same hash, salt as long as the hash. */
	{ "PS256", KIND_RSA, "SHA256", RSA_PKCS1_PSS_PADDING },
	{ "PS384", KIND_RSA, "SHA384", RSA_PKCS1_PSS_PADDING },
	{ "PS512", KIND_RSA, "SHA512", RSA_PKCS1_PSS_PADDING },
	{ "ES256", KIND_P256, "SHA256", 0 },
	{ "ES384", KIND_P384, "SHA384", 0 },
	{ "ES512", KIND_P521, "SHA512", 0 },
	{ "EdDSA", KIND_ED25519, NULL, 0 },
};

/* Members that only a private key has (RFC 7518 §6.2.2, §6.3.2, §6.4). */
static const char *const private_members[] = {
	"d", "p", "q", "dp", "dq", "qi", "oth", "k",
};

/* The alg_kinds index of alg, or -1. */
static int alg_index(const char *alg)
{
	if (alg == NULL)
		return -1;
	for (int i = 0; i < N_ALGS; i++)
		if (strcmp(alg, alg_kinds[i].alg) == 0)
			return i;
	return -1;
}

static enum kind kind_of_alg(const char *alg)
{
	int i = alg_index(alg);

	return i < 0 ? KIND_NONE : alg_kinds[i].kind;
}

static int set_padding(const struct alg_kind *a, EVP_PKEY_CTX *ctx, EVP_MD *md)
{
	if (a->padding == 0)
		return 0;
	if (EVP_PKEY_CTX_set_rsa_padding(ctx, a->padding) <= 0)
		return -1;
	if (a->padding != RSA_PKCS1_PSS_PADDING)
		return 0;
	if (EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) <= 0)
		return -1;
	return 0;
}

int oa2_jwk_verifier_init(struct oa2_jwk_verifier *v, EVP_PKEY *pkey, const char *alg)
{
	int i = alg_index(alg);
	const struct alg_kind *a;

	memset(v, 0, sizeof(*v));
	if (i < 0 || pkey == NULL)
		return -1;
	a = &alg_kinds[i];
	v->pkey = pkey;
	if (a->md == NULL)
		return 0;
	v->md = EVP_MD_fetch(NULL, a->md, NULL);
	v->ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (v->md == NULL || v->ctx == NULL || EVP_PKEY_verify_init(v->ctx) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(v->ctx, v->md) <= 0 || set_padding(a, v->ctx, v->md) != 0) {
		oa2_jwk_verifier_clear(v);
		ERR_clear_error();
		return -1;
	}
	return 0;
}

void oa2_jwk_verifier_clear(struct oa2_jwk_verifier *v)
{
	if (v == NULL)
		return;
	EVP_PKEY_CTX_free(v->ctx);
	EVP_MD_free(v->md);
	memset(v, 0, sizeof(*v));
}

/* Decode the base64url string member name; 0 on success. */
static int get_bytes(const json_object *jwk, const char *name, unsigned char **out,
		     size_t *len, oa2_error *why)
{
	const char *s;

	*out = NULL;
	if (oa2_json_string(jwk, name, &s) != 0)
		return oa2_fail(why, OA2_ERR_PROTOCOL, "\"%s\" missing or not a string", name);
	if (oa2_b64url_decode(s, strlen(s), out, len) != 0 || *len == 0)
		return oa2_fail(why, OA2_ERR_PROTOCOL, "\"%s\" is not base64url", name);
	return 0;
}

/* Build a public key of the given OpenSSL type from the parameters. */
static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *bld, oa2_error *why)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		oa2_fail(why, OA2_ERR_PROTOCOL, "OpenSSL refused the %s key", type);
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static EVP_PKEY *load_rsa(const json_object *jwk, oa2_error *why)
{
	unsigned char *nb = NULL, *eb = NULL;
	size_t nlen, elen;
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;
	int bits;

	if (get_bytes(jwk, "n", &nb, &nlen, why) != 0 || get_bytes(jwk, "e", &eb, &elen, why) != 0)
		goto out;
	if (nlen > OA2_RSA_MAX_BITS / 8 + 1 || elen > 8) {
		oa2_fail(why, OA2_ERR_PROTOCOL, "RSA key too large");
		goto out;
	}
	n = BN_bin2bn(nb, (int)nlen, NULL);
	e = BN_bin2bn(eb, (int)elen, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (n == NULL || e == NULL || bld == NULL) {
		oa2_fail(why, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	bits = BN_num_bits(n);
	if (bits < OA2_RSA_MIN_BITS || bits > OA2_RSA_MAX_BITS) {
		oa2_fail(why, OA2_ERR_PROTOCOL, "RSA modulus of %d bits refused", bits);
		goto out;
	}
	if (!BN_is_odd(n) || !BN_is_odd(e) || BN_num_bits(e) < 2) {
		oa2_fail(why, OA2_ERR_PROTOCOL, "RSA key is malformed");
		goto out;
	}
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)) {
		oa2_fail(why, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	pkey = from_params("RSA", bld, why);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(nb);
	free(eb);
	return pkey;
}

/* Refuse an EC point that is not on its curve (invalid-curve attacks). */
static int check_public(EVP_PKEY *pkey, oa2_error *why)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	int ok = ctx != NULL && EVP_PKEY_public_check(ctx) == 1;

	EVP_PKEY_CTX_free(ctx);
	if (!ok)
		return oa2_fail(why, OA2_ERR_PROTOCOL, "EC public key is not a point on its curve");
	return 0;
}

static EVP_PKEY *load_ec(const json_object *jwk, enum kind *kind, oa2_error *why)
{
	const struct curve *c = NULL;
	const char *crv;
	unsigned char *x = NULL, *y = NULL, *point = NULL;
	size_t xlen, ylen;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;

	if (oa2_json_string(jwk, "crv", &crv) != 0) {
		oa2_fail(why, OA2_ERR_PROTOCOL, "EC key without \"crv\"");
		goto out;
	}
	for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (strcmp(crv, curves[i].crv) == 0)
			c = &curves[i];
	if (c == NULL) {
		oa2_fail(why, OA2_ERR_PROTOCOL, "unsupported EC curve \"%.40s\"", crv);
		goto out;
	}
	if (get_bytes(jwk, "x", &x, &xlen, why) != 0 || get_bytes(jwk, "y", &y, &ylen, why) != 0)
		goto out;
	if (xlen != c->len || ylen != c->len) {
		oa2_fail(why, OA2_ERR_PROTOCOL, "%s coordinates must be %zu bytes", c->crv, c->len);
		goto out;
	}
	point = malloc(1 + 2 * c->len);
	bld = OSSL_PARAM_BLD_new();
	if (point == NULL || bld == NULL) {
		oa2_fail(why, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	point[0] = 0x04; /* uncompressed: 04 || x || y */
	memcpy(point + 1, x, c->len);
	memcpy(point + 1 + c->len, y, c->len);
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, c->group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * c->len)) {
		oa2_fail(why, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	pkey = from_params("EC", bld, why);
	if (pkey != NULL && check_public(pkey, why) != 0) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	*kind = c->kind;
out:
	OSSL_PARAM_BLD_free(bld);
	free(point);
	free(x);
	free(y);
	return pkey;
}

static EVP_PKEY *load_okp(const json_object *jwk, oa2_error *why)
{
	const char *crv;
	unsigned char *x = NULL;
	size_t xlen;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;

	if (oa2_json_string(jwk, "crv", &crv) != 0 || strcmp(crv, "Ed25519") != 0) {
		oa2_fail(why, OA2_ERR_PROTOCOL, "OKP key is not Ed25519");
		goto out;
	}
	if (get_bytes(jwk, "x", &x, &xlen, why) != 0)
		goto out;
	if (xlen != 32) {
		oa2_fail(why, OA2_ERR_PROTOCOL, "Ed25519 key must be 32 bytes");
		goto out;
	}
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL || !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, x, xlen)) {
		oa2_fail(why, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	pkey = from_params("ED25519", bld, why);
out:
	OSSL_PARAM_BLD_free(bld);
	free(x);
	return pkey;
}

/* True when the JSON array holds the string s. */
static bool array_has(json_object *arr, const char *s)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *v = json_object_array_get_idx(arr, i);

		if (oa2_json_is_clean_string(v) && strcmp(json_object_get_string(v), s) == 0)
			return true;
	}
	return false;
}

/* Check what the JWK says about its purpose: 0 when it may verify signatures. */
static int check_purpose(const json_object *jwk, oa2_error *why)
{
	const char *use;
	json_object *ops;
	int rc;

	for (size_t i = 0; i < sizeof(private_members) / sizeof(private_members[0]); i++)
		if (json_object_object_get_ex(jwk, private_members[i], NULL))
			return oa2_fail(why, OA2_ERR_PROTOCOL, "key carries private member \"%s\"",
					private_members[i]);
	rc = oa2_json_string(jwk, "use", &use);
	if (rc < 0 || (rc == 0 && strcmp(use, "sig") != 0))
		return oa2_fail(why, OA2_ERR_PROTOCOL, "key is not for signatures (use)");
	rc = oa2_json_array(jwk, "key_ops", &ops);
	if (rc < 0 || (rc == 0 && !array_has(ops, "verify")))
		return oa2_fail(why, OA2_ERR_PROTOCOL, "key is not for verification (key_ops)");
	return 0;
}

static EVP_PKEY *load_key(const json_object *jwk, enum kind *kind, oa2_error *why)
{
	const char *kty;

	if (oa2_json_string(jwk, "kty", &kty) != 0) {
		oa2_fail(why, OA2_ERR_PROTOCOL, "key without \"kty\"");
		return NULL;
	}
	if (strcmp(kty, "RSA") == 0) {
		*kind = KIND_RSA;
		return load_rsa(jwk, why);
	}
	if (strcmp(kty, "EC") == 0)
		return load_ec(jwk, kind, why);
	if (strcmp(kty, "OKP") == 0) {
		*kind = KIND_ED25519;
		return load_okp(jwk, why);
	}
	oa2_fail(why, OA2_ERR_PROTOCOL, "unsupported kty \"%.40s\"", kty);
	return NULL;
}

static void clear_key(struct jwk *k)
{
	for (int i = 0; i < N_ALGS; i++)
		oa2_jwk_verifier_clear(&k->ver[i]);
	EVP_PKEY_free(k->pkey);
	free(k->kid);
	free(k->alg);
}

/* A verifier for each algorithm the key may serve: its kind, its "alg". */
static int make_verifiers(struct jwk *k)
{
	for (int i = 0; i < N_ALGS; i++) {
		if (alg_kinds[i].kind != k->kind ||
		    (k->alg != NULL && strcmp(k->alg, alg_kinds[i].alg) != 0))
			continue;
		if (oa2_jwk_verifier_init(&k->ver[i], k->pkey, alg_kinds[i].alg) != 0)
			return -1;
	}
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

/* Append one usable key to jwks; 0 when kept, -1 (why set) when skipped. */
static int add_key(oa2_jwks *jwks, const json_object *obj, oa2_error *why)
{
	struct jwk k = { 0 };
	const char *kid = NULL, *alg = NULL;

	if (!json_object_is_type(obj, json_type_object))
		return oa2_fail(why, OA2_ERR_PROTOCOL, "key is not a JSON object");
	if (oa2_json_string(obj, "kid", &kid) < 0 || oa2_json_string(obj, "alg", &alg) < 0)
		return oa2_fail(why, OA2_ERR_PROTOCOL, "\"kid\" or \"alg\" is not a string");
	if (check_purpose(obj, why) != 0)
		return -1;
	k.pkey = load_key(obj, &k.kind, why);
	if (k.pkey == NULL)
		goto fail;
	if (alg != NULL && kind_of_alg(alg) != k.kind) {
		oa2_fail(why, OA2_ERR_PROTOCOL, "key \"alg\" %.20s does not suit the key", alg);
		goto fail;
	}
	k.kid = dup_or_null(kid);
	k.alg = dup_or_null(alg);
	if ((kid != NULL && k.kid == NULL) || (alg != NULL && k.alg == NULL) ||
	    make_verifiers(&k) != 0) {
		oa2_fail(why, OA2_ERR_INTERNAL, "out of memory");
		goto fail;
	}
	jwks->keys[jwks->count++] = k;
	return 0;
fail:
	ERR_clear_error();
	clear_key(&k);
	return -1;
}

oa2_jwks *oa2_jwks_parse(const char *json, size_t len, oa2_error *err)
{
	json_object *doc = NULL, *keys = NULL;
	oa2_jwks *jwks = NULL;
	oa2_error why = { 0 };
	size_t n;

	if (len > OA2_JWKS_MAX_SIZE) {
		oa2_fail(err, OA2_ERR_PROTOCOL, "JWKS: document larger than %d bytes", OA2_JWKS_MAX_SIZE);
		goto out;
	}
	doc = oa2_json_parse(json, len, "JWKS", err);
	if (doc == NULL)
		goto out;
	if (oa2_json_array(doc, "keys", &keys) != 0) {
		oa2_fail(err, OA2_ERR_PROTOCOL, "JWKS: no \"keys\" array");
		goto out;
	}
	n = json_object_array_length(keys);
	if (n > OA2_JWKS_MAX_KEYS) {
		oa2_fail(err, OA2_ERR_PROTOCOL, "JWKS: %zu keys, at most %d accepted", n, OA2_JWKS_MAX_KEYS);
		goto out;
	}
	jwks = calloc(1, sizeof(*jwks));
	if (jwks == NULL || (jwks->keys = calloc(n + 1, sizeof(*jwks->keys))) == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "JWKS: out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		oa2_error_clear(&why);
		add_key(jwks, json_object_array_get_idx(keys, i), &why);
	}
	if (jwks->count == 0) {
		char text[OA2_ERRMSG_MAX] = "JWKS: no usable signature key";

		if (why.kind != OA2_OK)
			snprintf(text, sizeof(text),
				 "JWKS: no usable signature key (last one skipped: %.180s)", why.msg);
		oa2_fail_text(err, OA2_ERR_PROTOCOL, text);
		goto fail;
	}
	goto out;
fail:
	oa2_jwks_free(jwks);
	jwks = NULL;
out:
	json_object_put(doc);
	return jwks;
}

void oa2_jwks_free(oa2_jwks *jwks)
{
	if (jwks == NULL)
		return;
	for (size_t i = 0; i < jwks->count; i++)
		clear_key(&jwks->keys[i]);
	free(jwks->keys);
	free(jwks);
}

size_t oa2_jwks_count(const oa2_jwks *jwks)
{
	return jwks == NULL ? 0 : jwks->count;
}

static bool suits(const struct jwk *k, const char *kid, const char *alg, enum kind want)
{
	if (kid != NULL && (k->kid == NULL || strcmp(k->kid, kid) != 0))
		return false;
	if (k->kind != want)
		return false;
	return k->alg == NULL || strcmp(k->alg, alg) == 0;
}

const struct oa2_jwk_verifier *oa2_jwks_find_verifier(const oa2_jwks *jwks, const char *kid,
						      const char *alg)
{
	int a = alg_index(alg);
	const struct jwk *found = NULL;
	size_t matches = 0;

	if (jwks == NULL || a < 0)
		return NULL;
	for (size_t i = 0; i < jwks->count; i++) {
		if (suits(&jwks->keys[i], kid, alg, alg_kinds[a].kind)) {
			found = &jwks->keys[i];
			matches++;
		}
	}
	/* Two candidates would mean guessing: refuse instead. */
	if (matches != 1 || found->ver[a].pkey == NULL)
		return NULL;
	return &found->ver[a];
}

EVP_PKEY *oa2_jwks_find(const oa2_jwks *jwks, const char *kid, const char *alg)
{
	const struct oa2_jwk_verifier *v = oa2_jwks_find_verifier(jwks, kid, alg);

	return v == NULL ? NULL : v->pkey;
}

bool oa2_jwks_has_kid(const oa2_jwks *jwks, const char *kid)
{
	if (jwks == NULL || kid == NULL)
		return false;
	for (size_t i = 0; i < jwks->count; i++)
		if (jwks->keys[i].kid != NULL && strcmp(jwks->keys[i].kid, kid) == 0)
			return true;
	return false;
}

int oa2_jwks_key_info(const oa2_jwks *jwks, size_t i, struct oa2_jwk_info *info)
{
	static const char *const types[] = {
		[KIND_NONE] = "?",        [KIND_RSA] = "RSA",         [KIND_P256] = "EC P-256",
		[KIND_P384] = "EC P-384", [KIND_P521] = "EC P-521", [KIND_ED25519] = "OKP Ed25519",
	};
	const struct jwk *k;

	if (jwks == NULL || i >= jwks->count)
		return -1;
	k = &jwks->keys[i];
	info->kid = k->kid;
	info->alg = k->alg;
	info->type = types[k->kind];
	info->bits = EVP_PKEY_get_bits(k->pkey);
	return 0;
}
