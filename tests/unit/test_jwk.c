/* test_jwk.c - JWKS parsing: which keys are kept, which skipped, how one is chosen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/jwk.h"
#include "vectors/rfc_jose.h"
#include "vectors/testkeys.h"

static EVP_PKEY *rsa1024, *rsa2048, *p256, *p384, *ed;

static int setup(void **state)
{
	(void)state;
	rsa1024 = tk_rsa(1024);
	rsa2048 = tk_rsa(2048);
	p256 = tk_ec("P-256");
	p384 = tk_ec("P-384");
	ed = tk_ed25519();
	return rsa1024 && rsa2048 && p256 && p384 && ed ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(rsa1024);
	EVP_PKEY_free(rsa2048);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(ed);
	return 0;
}

/* Parse {"keys":[k1,k2...]} built from JWK texts; returns the set or NULL. */
static oa2_jwks *parse_keys(oa2_error *err, const char *k1, const char *k2)
{
	char *doc = tk_fmt("{\"keys\":[%s%s%s]}", k1, k2 ? "," : "", k2 ? k2 : "");
	oa2_jwks *jwks;

	oa2_error_clear(err);
	jwks = oa2_jwks_parse(doc, strlen(doc), err);
	free(doc);
	return jwks;
}

/* Count the usable keys of a set made of one JWK text (0 when refused). */
static size_t kept(const char *jwk)
{
	oa2_error err;
	oa2_jwks *jwks = parse_keys(&err, jwk, NULL);
	size_t n = oa2_jwks_count(jwks);

	if (jwks == NULL)
		assert_int_equal(err.kind, OA2_ERR_PROTOCOL);
	oa2_jwks_free(jwks);
	return n;
}

static void test_rfc_keys_load(void **state)
{
	static const char *const docs[] = { RFC7515_A2_JWKS, RFC7515_A3_JWKS, RFC8037_JWKS };
	oa2_error err = { 0 };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		oa2_jwks *jwks = oa2_jwks_parse(docs[i], strlen(docs[i]), &err);

		assert_non_null(jwks);
		assert_int_equal(oa2_jwks_count(jwks), 1);
		oa2_jwks_free(jwks);
	}
	oa2_jwks *jwks = oa2_jwks_parse(RFC7520_JWKS, strlen(RFC7520_JWKS), &err);
	assert_int_equal(oa2_jwks_count(jwks), 2);
	assert_true(oa2_jwks_has_kid(jwks, RFC7520_KID));
	assert_true(EVP_PKEY_is_a(oa2_jwks_find(jwks, RFC7520_KID, "RS256"), "RSA"));
	assert_true(EVP_PKEY_is_a(oa2_jwks_find(jwks, RFC7520_KID, "ES512"), "EC"));
	assert_null(oa2_jwks_find(jwks, RFC7520_KID, "ES256"));
	oa2_jwks_free(jwks);
}

static void test_generated_keys_of_every_type_load(void **state)
{
	EVP_PKEY *keys[] = { rsa2048, p256, p384, ed };

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		char *j = tk_jwk(keys[i], "\"use\":\"sig\",");

		assert_int_equal(kept(j), 1);
		free(j);
	}
	EVP_PKEY *p521 = tk_ec("P-521");
	char *j = tk_jwk(p521, "");
	assert_int_equal(kept(j), 1);
	free(j);
	EVP_PKEY_free(p521);
}

static void test_small_rsa_key_skipped(void **state)
{
	char *small = tk_jwk(rsa1024, "\"kid\":\"small\",");
	char *big = tk_jwk(rsa2048, "\"kid\":\"big\",");
	oa2_error err;
	oa2_jwks *jwks;

	(void)state;
	assert_int_equal(kept(small), 0);
	jwks = parse_keys(&err, small, big);
	assert_int_equal(oa2_jwks_count(jwks), 1);
	assert_false(oa2_jwks_has_kid(jwks, "small"));
	assert_true(oa2_jwks_has_kid(jwks, "big"));
	oa2_jwks_free(jwks);
	jwks = parse_keys(&err, small, NULL);
	assert_null(jwks);
	assert_non_null(strstr(err.msg, "1024 bits"));
	free(small);
	free(big);
}

static void test_ec_point_not_on_curve_refused(void **state)
{
	char *x = tk_bn(p256, OSSL_PKEY_PARAM_EC_PUB_X, 32);
	char *y = tk_bn(p256, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
	char *good = tk_fmt("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}", x, y);
	char *bad;

	(void)state;
	assert_int_equal(kept(good), 1);
	/* Change one bit of y: (x, y') is not on P-256. */
	y[10] = y[10] == 'A' ? 'B' : 'A';
	bad = tk_fmt("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}", x, y);
	assert_int_equal(kept(bad), 0);
	free(bad);
	/* The P-256 point claimed to be on P-384: wrong lengths. */
	bad = tk_fmt("{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"%s\",\"y\":\"%s\"}", x, y);
	assert_int_equal(kept(bad), 0);
	free(bad);
	free(good);
	free(x);
	free(y);
}

static void test_ec_coordinate_lengths_exact(void **state)
{
	unsigned char buf[33] = { 0 };
	char *x = tk_bn(p256, OSSL_PKEY_PARAM_EC_PUB_X, 32);
	char *y = tk_bn(p256, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
	char *x33, *j;
	unsigned char *raw;
	size_t len;

	(void)state;
	assert_int_equal(oa2_b64url_decode(x, strlen(x), &raw, &len), 0);
	memcpy(buf + 1, raw, 32);
	free(raw);
	x33 = tk_b64(buf, 33); /* same number with a leading zero byte */
	j = tk_fmt("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}", x33, y);
	assert_int_equal(kept(j), 0);
	free(j);
	free(x33);
	free(x);
	free(y);
}

static void test_private_key_material_skipped(void **state)
{
	static const char *const members[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k" };

	(void)state;
	for (size_t i = 0; i < 8; i++) {
		char *extra = tk_fmt("\"%s\":\"AQAB\",", members[i]);
		char *j = tk_jwk(rsa2048, extra);

		assert_int_equal(kept(j), 0);
		free(j);
		free(extra);
	}
	/* The RFC 7520 §4.8 set: two private keys and an HMAC key, nothing usable. */
	assert_int_equal(kept(RFC7520_JWKS), 0);
}

static void test_rfc7520_private_jwks_refused(void **state)
{
	static const char doc[] =
		"{\"keys\":[{\"kty\":\"EC\",\"kid\":\"bilbo.baggins@hobbiton.example\",\"use\":\"sig\","
		"\"crv\":\"P-521\",\"x\":\"" RFC7520_EC_X "\",\"y\":\"" RFC7520_EC_Y "\","
		"\"d\":\"AAhRON2r9cqXX1hg-RoI6R1tX5p2rUAYdmpHZoC1XNM56KtscrX6zbKipQrCW9CGZH3T4ubpnoTKLDYJ_fF3_rJt\"},"
		"{\"kty\":\"oct\",\"kid\":\"018c0ae5-4d9b-471b-bfd6-eef314bc7037\",\"use\":\"sig\",\"alg\":\"HS256\","
		"\"k\":\"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg\"}]}";
	oa2_error err = { 0 };

	(void)state;
	assert_null(oa2_jwks_parse(doc, strlen(doc), &err));
	assert_int_equal(err.kind, OA2_ERR_PROTOCOL);
	assert_non_null(strstr(err.msg, "no usable"));
}

static void test_use_and_key_ops(void **state)
{
	static const struct {
		const char *extra;
		size_t kept;
	} cases[] = {
		{ "\"use\":\"sig\",", 1 },
		{ "\"use\":\"enc\",", 0 },
		{ "\"use\":\"SIG\",", 0 },
		{ "\"use\":1,", 0 },
		{ "\"key_ops\":[\"verify\"],", 1 },
		{ "\"key_ops\":[\"sign\",\"verify\"],", 1 },
		{ "\"key_ops\":[\"encrypt\"],", 0 },
		{ "\"key_ops\":\"verify\",", 0 },
		{ "\"kid\":7,", 0 },
		{ "\"alg\":\"RS256\",", 1 },
		{ "\"alg\":\"ES256\",", 0 },
		{ "\"alg\":\"RSA-OAEP\",", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *j = tk_jwk(rsa2048, cases[i].extra);

		assert_int_equal(kept(j), cases[i].kept);
		free(j);
	}
}

static void test_unknown_types_and_curves_skipped(void **state)
{
	(void)state;
	assert_int_equal(kept("{\"kty\":\"oct\",\"k\":\"AAAA\"}"), 0);
	assert_int_equal(kept("{\"kty\":\"oct\"}"), 0);
	assert_int_equal(kept("{\"kty\":\"RSA\"}"), 0);
	assert_int_equal(kept("{\"n\":\"AQAB\"}"), 0);
	assert_int_equal(kept("\"a string\""), 0);
	assert_int_equal(kept("{\"kty\":\"OKP\",\"crv\":\"X25519\","
			      "\"x\":\"3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08\"}"), 0);
	assert_int_equal(kept("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"}"), 0);
	assert_int_equal(kept("{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":\"AAAA\",\"y\":\"AAAA\"}"), 0);
	assert_int_equal(kept("{\"kty\":\"RSA\",\"n\":\"AQAB=\",\"e\":\"AQAB\"}"), 0);
}

static void test_document_limits(void **state)
{
	char *one = tk_jwk(ed, "");
	size_t len = strlen(one);
	char *doc = malloc(70 * (len + 1) + 16);
	char *big;
	oa2_error err = { 0 };
	oa2_jwks *jwks;

	(void)state;
	/* 64 keys: accepted; 65: refused. */
	for (size_t n = 64; n <= 65; n++) {
		char *p = doc + sprintf(doc, "{\"keys\":[");
		for (size_t i = 0; i < n; i++)
			p += sprintf(p, "%s%s", i ? "," : "", one);
		strcpy(p, "]}");
		oa2_error_clear(&err);
		jwks = oa2_jwks_parse(doc, strlen(doc), &err);
		assert_int_equal(oa2_jwks_count(jwks), n == 64 ? 64 : 0);
		oa2_jwks_free(jwks);
	}
	/* Larger than 256 KiB, even if well formed. */
	big = malloc(OA2_JWKS_MAX_SIZE + len + 64);
	len = (size_t)sprintf(big, "{\"keys\":[%s],\"pad\":\"", one);
	memset(big + len, 'a', OA2_JWKS_MAX_SIZE);
	strcpy(big + len + OA2_JWKS_MAX_SIZE, "\"}");
	oa2_error_clear(&err);
	assert_null(oa2_jwks_parse(big, strlen(big), &err));
	assert_non_null(strstr(err.msg, "larger"));
	free(big);
	free(doc);
	free(one);
	/* Not JSON, no keys, keys not an array, empty. */
	static const char *const bad[] = { "", "{", "[]", "{}", "{\"keys\":{}}", "{\"keys\":[]}",
					   "{\"keys\":null}" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		oa2_error_clear(&err);
		assert_null(oa2_jwks_parse(bad[i], strlen(bad[i]), &err));
		assert_int_equal(err.kind, OA2_ERR_PROTOCOL);
	}
}

static void test_find_rules(void **state)
{
	char *r = tk_jwk(rsa2048, "\"kid\":\"r\",\"alg\":\"RS256\",");
	char *e = tk_jwk(p256, "\"kid\":\"e\",");
	oa2_error err;
	oa2_jwks *jwks = parse_keys(&err, r, e);

	(void)state;
	assert_int_equal(oa2_jwks_count(jwks), 2);
	assert_ptr_not_equal(oa2_jwks_find(jwks, "r", "RS256"), NULL);
	assert_null(oa2_jwks_find(jwks, "r", "PS256"));      /* JWK says RS256 only */
	assert_null(oa2_jwks_find(jwks, "r", "ES256"));      /* wrong type */
	assert_null(oa2_jwks_find(jwks, "R", "RS256"));      /* kid is exact */
	assert_null(oa2_jwks_find(jwks, "e", "ES384"));      /* wrong curve */
	assert_ptr_not_equal(oa2_jwks_find(jwks, "e", "ES256"), NULL);
	assert_ptr_not_equal(oa2_jwks_find(jwks, NULL, "ES256"), NULL); /* the only one */
	assert_null(oa2_jwks_find(jwks, "e", "none"));
	assert_null(oa2_jwks_find(jwks, "e", "HS256"));
	assert_null(oa2_jwks_find(jwks, "e", NULL));
	assert_true(oa2_jwks_has_kid(jwks, "e"));
	assert_false(oa2_jwks_has_kid(jwks, "x"));
	assert_false(oa2_jwks_has_kid(jwks, NULL));
	oa2_jwks_free(jwks);
	free(r);
	free(e);
	/* Two RSA keys and no kid: ambiguous, refused. */
	r = tk_jwk(rsa2048, "\"kid\":\"a\",");
	e = tk_jwk(rsa2048, "\"kid\":\"b\",");
	jwks = parse_keys(&err, r, e);
	assert_null(oa2_jwks_find(jwks, NULL, "RS256"));
	assert_ptr_not_equal(oa2_jwks_find(jwks, "b", "RS256"), NULL);
	oa2_jwks_free(jwks);
	free(r);
	free(e);
	assert_null(oa2_jwks_find(NULL, "a", "RS256"));
	assert_int_equal(oa2_jwks_count(NULL), 0);
	oa2_jwks_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_keys_load),
		cmocka_unit_test(test_generated_keys_of_every_type_load),
		cmocka_unit_test(test_small_rsa_key_skipped),
		cmocka_unit_test(test_ec_point_not_on_curve_refused),
		cmocka_unit_test(test_ec_coordinate_lengths_exact),
		cmocka_unit_test(test_private_key_material_skipped),
		cmocka_unit_test(test_rfc7520_private_jwks_refused),
		cmocka_unit_test(test_use_and_key_ops),
		cmocka_unit_test(test_unknown_types_and_curves_skipped),
		cmocka_unit_test(test_document_limits),
		cmocka_unit_test(test_find_rules),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
