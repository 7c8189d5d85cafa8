/* test_jws.c - JWS parsing and verification: RFC vectors, every alg, and attacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/jws.h"
#include "shared/json.h"
#include "vectors/rfc_jose.h"
#include "vectors/testkeys.h"

#define PAYLOAD "{\"iss\":\"https://idp.example\",\"sub\":\"alice\",\"aud\":\"pam\"}"

static EVP_PKEY *rsa2048, *rsa3072, *p256, *p384, *p521, *ed, *evil_ec, *evil_rsa;
static oa2_jwks *jwks; /* kids: rsa, rsa3, p256, p384, p521, ed */

static oa2_jwks *make_jwks(void)
{
	char *k[6] = {
		tk_jwk(rsa2048, "\"kid\":\"rsa\",\"use\":\"sig\","),
		tk_jwk(rsa3072, "\"kid\":\"rsa3\","),
		tk_jwk(p256, "\"kid\":\"p256\","),
		tk_jwk(p384, "\"kid\":\"p384\","),
		tk_jwk(p521, "\"kid\":\"p521\","),
		tk_jwk(ed, "\"kid\":\"ed\","),
	};
	char *doc = tk_fmt("{\"keys\":[%s,%s,%s,%s,%s,%s]}", k[0], k[1], k[2], k[3], k[4], k[5]);
	oa2_error err = { 0 };
	oa2_jwks *set = oa2_jwks_parse(doc, strlen(doc), &err);

	for (int i = 0; i < 6; i++)
		free(k[i]);
	free(doc);
	return set;
}

static int setup(void **state)
{
	(void)state;
	rsa2048 = tk_rsa(2048);
	rsa3072 = tk_rsa(3072);
	p256 = tk_ec("P-256");
	p384 = tk_ec("P-384");
	p521 = tk_ec("P-521");
	ed = tk_ed25519();
	evil_ec = tk_ec("P-256");
	evil_rsa = tk_rsa(2048);
	jwks = make_jwks();
	return jwks != NULL && oa2_jwks_count(jwks) == 6 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	oa2_jwks_free(jwks);
	EVP_PKEY *all[] = { rsa2048, rsa3072, p256, p384, p521, ed, evil_ec, evil_rsa };
	for (size_t i = 0; i < 8; i++)
		EVP_PKEY_free(all[i]);
	return 0;
}

/* Parse and verify token against set, then read its claims; returns
 * verify's result, -2 when parsing refused the token, -3 when its claims
 * were refused after a good signature. err holds the reason. */
static int check(const char *token, const oa2_jwks *set, oa2_error *err)
{
	oa2_jws *jws;
	int rc;

	oa2_error_clear(err);
	jws = oa2_jws_parse(token, err);
	if (jws == NULL) {
		assert_int_not_equal(err->kind, OA2_OK);
		return -2;
	}
	rc = oa2_jws_verify(jws, set, err);
	if (rc != 0) {
		assert_int_equal(err->kind, OA2_ERR_DENIED);
		/* No claims from a token whose signature did not verify. */
		assert_null(oa2_jws_claims(jws, NULL));
	} else if (oa2_jws_claims(jws, err) == NULL) {
		assert_int_not_equal(err->kind, OA2_OK);
		/* Asked again, refused again (and nothing of the first try is
		 * kept: the sanitizer and valgrind runs would see a leak). */
		assert_null(oa2_jws_claims(jws, NULL));
		assert_null(oa2_jws_payload(jws, &(size_t){0}));
		rc = -3;
	} else {
		/* Parsed once, then shared. */
		assert_ptr_equal(oa2_jws_claims(jws, NULL), oa2_jws_claims(jws, NULL));
	}
	oa2_jws_free(jws);
	return rc;
}

/* Sign PAYLOAD with key under header {"alg":alg,"kid":kid} and check it. */
static int signed_check(EVP_PKEY *key, const char *alg, const char *kid, oa2_error *err)
{
	char *h = kid ? tk_fmt("{\"alg\":\"%s\",\"kid\":\"%s\"}", alg, kid) : tk_fmt("{\"alg\":\"%s\"}", alg);
	char *t = tk_sign(key, alg, h, PAYLOAD);
	int rc = check(t, jwks, err);

	free(h);
	free(t);
	return rc;
}

/* Verify the signature part of a compact vector with the key for (kid, alg). */
static int raw_check(const char *token, const char *jwks_json, const char *kid, const char *alg)
{
	oa2_error err = { 0 };
	oa2_jwks *set = oa2_jwks_parse(jwks_json, strlen(jwks_json), &err);
	const char *dot = strrchr(token, '.');
	unsigned char *sig;
	size_t siglen;
	int rc;

	assert_non_null(set);
	assert_int_equal(oa2_b64url_decode(dot + 1, strlen(dot + 1), &sig, &siglen), 0);
	rc = oa2_jws_verify_signature(alg, oa2_jwks_find(set, kid, alg), (const unsigned char *)token,
				      (size_t)(dot - token), sig, siglen, &err);
	free(sig);
	oa2_jwks_free(set);
	return rc;
}

static void test_rfc7515_a2_rs256_verifies(void **state)
{
	oa2_error err = { 0 };
	oa2_jwks *set = oa2_jwks_parse(RFC7515_A2_JWKS, strlen(RFC7515_A2_JWKS), &err);
	oa2_jws *jws = oa2_jws_parse(RFC7515_A2_JWS, &err);
	const char *iss, *text;
	size_t len = 0;
	bool root = false;

	(void)state;
	assert_non_null(jws);
	assert_string_equal(oa2_jws_alg(jws), "RS256");
	assert_null(oa2_jws_kid(jws));
	/* The claims come only after the signature verified. */
	assert_null(oa2_jws_claims(jws, &err));
	assert_int_equal(err.kind, OA2_ERR_DENIED);
	oa2_error_clear(&err);
	assert_int_equal(oa2_jws_verify(jws, set, &err), 0);
	assert_null(oa2_jws_payload(jws, &len)); /* not before the claims were read */
	assert_int_equal(oa2_jobj_string(oa2_jws_claims(jws, &err), "iss", &iss), 0);
	assert_string_equal(iss, "joe");
	assert_int_equal(oa2_jobj_bool(oa2_jws_claims(jws, &err), "http://example.com/is_root",
				       &root), 0);
	assert_true(root);
	/* the text handed on is the payload as signed */
	text = oa2_jws_payload(jws, &len);
	assert_non_null(text);
	assert_int_equal(len, strlen(text));
	assert_string_equal(text, "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n "
				  "\"http://example.com/is_root\":true}");
	oa2_jws_free(jws);
	/* ...and not with some other RSA key. */
	assert_int_equal(check(RFC7515_A2_JWS, jwks, &err), -1);
	oa2_jwks_free(set);
}

static void test_rfc7515_a3_es256_verifies(void **state)
{
	oa2_error err = { 0 };
	oa2_jwks *set = oa2_jwks_parse(RFC7515_A3_JWKS, strlen(RFC7515_A3_JWKS), &err);

	(void)state;
	assert_int_equal(check(RFC7515_A3_JWS, set, &err), 0);
	oa2_jwks_free(set);
}

static void test_rfc7515_a1_hs256_refused(void **state)
{
	oa2_error err;

	(void)state;
	assert_int_equal(check(RFC7515_A1_JWS, jwks, &err), -2);
	assert_non_null(strstr(err.msg, "HMAC"));
}

static void test_rfc8037_a4_ed25519_verifies(void **state)
{
	oa2_error err;

	(void)state;
	oa2_jwks *set = oa2_jwks_parse(RFC8037_JWKS, strlen(RFC8037_JWKS), &err);

	assert_int_equal(raw_check(RFC8037_A4_JWS, RFC8037_JWKS, NULL, "EdDSA"), 0);
	/* Its payload is text, not a JSON object: no claims for us. */
	assert_non_null(set);
	assert_int_equal(check(RFC8037_A4_JWS, set, &err), -3);
	assert_non_null(strstr(err.msg, "JWS payload"));
	oa2_jwks_free(set);
}

static void test_rfc7520_rs256_ps384_es512_verify(void **state)
{
	(void)state;
	assert_int_equal(raw_check(RFC7520_4_1_JWS, RFC7520_JWKS, RFC7520_KID, "RS256"), 0);
	assert_int_equal(raw_check(RFC7520_4_2_JWS, RFC7520_JWKS, RFC7520_KID, "PS384"), 0);
	assert_int_equal(raw_check(RFC7520_4_3_JWS, RFC7520_JWKS, RFC7520_KID, "ES512"), 0);
	/* The same signatures under the wrong scheme fail. */
	assert_int_equal(raw_check(RFC7520_4_1_JWS, RFC7520_JWKS, RFC7520_KID, "PS256"), -1);
	assert_int_equal(raw_check(RFC7520_4_2_JWS, RFC7520_JWKS, RFC7520_KID, "RS384"), -1);
	assert_int_equal(raw_check(RFC7520_4_2_JWS, RFC7520_JWKS, RFC7520_KID, "PS512"), -1);
}

static void test_every_alg_verifies(void **state)
{
	static const struct {
		const char *alg, *kid;
	} cases[] = {
		{ "RS256", "rsa" }, { "RS384", "rsa" }, { "RS512", "rsa" },
		{ "PS256", "rsa" }, { "PS384", "rsa" }, { "PS512", "rsa" },
		{ "RS256", "rsa3" }, { "PS512", "rsa3" },
		{ "ES256", "p256" }, { "ES384", "p384" }, { "ES512", "p521" },
		{ "EdDSA", "ed" },
	};
	oa2_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EVP_PKEY *k = cases[i].kid[0] == 'e' ? ed :
			      strcmp(cases[i].kid, "rsa") == 0 ? rsa2048 :
			      strcmp(cases[i].kid, "rsa3") == 0 ? rsa3072 :
			      strcmp(cases[i].kid, "p256") == 0 ? p256 :
			      strcmp(cases[i].kid, "p384") == 0 ? p384 : p521;

		assert_int_equal(signed_check(k, cases[i].alg, cases[i].kid, &err), 0);
	}
	/* Without a kid, the only key that suits the alg is used. */
	assert_int_equal(signed_check(p384, "ES384", NULL, &err), 0);
	assert_int_equal(signed_check(ed, "EdDSA", NULL, &err), 0);
}

static void test_alg_none_refused_in_any_case(void **state)
{
	static const char *const nones[] = { "none", "None", "NONE", "nOnE" };
	oa2_error err;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		char *h = tk_fmt("{\"alg\":\"%s\",\"kid\":\"rsa\"}", nones[i]);
		char *hb = tk_b64(h, strlen(h));
		char *pb = tk_b64(PAYLOAD, strlen(PAYLOAD));
		char *t1 = tk_fmt("%s.%s.", hb, pb);
		char *t2 = tk_fmt("%s.%s.AAAA", hb, pb);

		assert_int_equal(check(t1, jwks, &err), -2);
		assert_int_equal(check(t2, jwks, &err), -2);
		assert_non_null(strstr(err.msg, "none"));
		free(h);
		free(hb);
		free(pb);
		free(t1);
		free(t2);
	}
}

static void test_hs256_with_public_key_as_secret_refused(void **state)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem, *h, *p, *input, *s, *t;
	long pemlen;
	unsigned char mac[32];
	size_t maclen;
	oa2_error err;

	(void)state;
	PEM_write_bio_PUBKEY(bio, rsa2048);
	pemlen = BIO_get_mem_data(bio, &pem);
	h = tk_b64("{\"alg\":\"HS256\",\"kid\":\"rsa\"}", 27);
	p = tk_b64(PAYLOAD, strlen(PAYLOAD));
	input = tk_fmt("%s.%s", h, p);
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, pem, (size_t)pemlen,
				  (unsigned char *)input, strlen(input), mac, sizeof(mac), &maclen));
	s = tk_b64(mac, maclen);
	t = tk_fmt("%s.%s", input, s);
	assert_int_equal(check(t, jwks, &err), -2);
	assert_non_null(strstr(err.msg, "HMAC"));
	/* Even the primitive refuses HS256 outright. */
	assert_int_equal(oa2_jws_verify_signature("HS256", rsa2048, (unsigned char *)input,
						  strlen(input), mac, maclen, &err), -1);
	free(h);
	free(p);
	free(input);
	free(s);
	free(t);
	BIO_free(bio);
}

static void test_alg_key_type_mismatch_refused(void **state)
{
	oa2_error err;
	unsigned char sig[64] = { 1 };

	(void)state;
	/* ES256 header naming the RSA key (signed with RSA). */
	char *t = tk_sign(rsa2048, "RS256", "{\"alg\":\"ES256\",\"kid\":\"rsa\"}", PAYLOAD);
	assert_int_equal(check(t, jwks, &err), -1);
	free(t);
	/* RS256 header naming the EC key. */
	t = tk_sign(p256, "ES256", "{\"alg\":\"RS256\",\"kid\":\"p256\"}", PAYLOAD);
	assert_int_equal(check(t, jwks, &err), -1);
	free(t);
	/* ES256 token made with the P-384 key, naming it. */
	t = tk_sign(p384, "ES384", "{\"alg\":\"ES256\",\"kid\":\"p384\"}", PAYLOAD);
	assert_int_equal(check(t, jwks, &err), -1);
	free(t);
	/* EdDSA naming an EC key, ES512 naming the Ed25519 key. */
	assert_int_equal(signed_check(ed, "EdDSA", "p256", &err), -1);
	assert_int_equal(signed_check(p521, "ES512", "ed", &err), -1);
	/* The primitive checks type and curve on its own. */
	assert_int_equal(oa2_jws_verify_signature("ES256", rsa2048, sig, 1, sig, 64, &err), -1);
	assert_int_equal(oa2_jws_verify_signature("ES256", p384, sig, 1, sig, 64, &err), -1);
	assert_int_equal(oa2_jws_verify_signature("RS256", p256, sig, 1, sig, 64, &err), -1);
	assert_int_equal(oa2_jws_verify_signature("EdDSA", p256, sig, 1, sig, 64, &err), -1);
	assert_int_equal(oa2_jws_verify_signature("ES256", ed, sig, 1, sig, 64, &err), -1);
}

static void test_ps_rs_confusion_refused(void **state)
{
	oa2_error err;
	char *t;

	(void)state;
	/* PKCS#1 v1.5 signature presented as PSS, and the reverse. */
	t = tk_sign(rsa2048, "RS256", "{\"alg\":\"PS256\",\"kid\":\"rsa\"}", PAYLOAD);
	assert_int_equal(check(t, jwks, &err), -1);
	free(t);
	t = tk_sign(rsa2048, "PS256", "{\"alg\":\"RS256\",\"kid\":\"rsa\"}", PAYLOAD);
	assert_int_equal(check(t, jwks, &err), -1);
	free(t);
	/* Hash mismatch: signed with SHA-384, labelled SHA-256. */
	t = tk_sign(rsa2048, "PS384", "{\"alg\":\"PS256\",\"kid\":\"rsa\"}", PAYLOAD);
	assert_int_equal(check(t, jwks, &err), -1);
	free(t);
}

static void test_forbidden_headers_refused(void **state)
{
	static const char *const headers[] = {
		"{\"alg\":\"RS256\",\"kid\":\"rsa\",\"crit\":[\"exp\"],\"exp\":1}",
		"{\"alg\":\"RS256\",\"kid\":\"rsa\",\"crit\":[]}",
		"{\"alg\":\"RS256\",\"kid\":\"rsa\",\"b64\":false,\"crit\":[\"b64\"]}",
		"{\"alg\":\"RS256\",\"kid\":\"rsa\",\"b64\":true}",
		"{\"kid\":\"rsa\"}",
		"{\"alg\":256,\"kid\":\"rsa\"}",
		"{\"alg\":null,\"kid\":\"rsa\"}",
		"{\"alg\":\"RS1\",\"kid\":\"rsa\"}",
		"{\"alg\":\"rs256\",\"kid\":\"rsa\"}",
		"{\"alg\":\"ES256K\",\"kid\":\"rsa\"}",
		"{\"alg\":\"HS512\",\"kid\":\"rsa\"}",
		"{\"alg\":\"RS256\",\"kid\":7}",
		"{\"alg\":\"RS256\",\"kid\":\"rsa\",\"typ\":\"logout+jwt\"}",
		"{\"alg\":\"RS256\",\"kid\":\"rsa\",\"typ\":\"dpop+jwt\"}",
		"{\"alg\":\"RS256\",\"kid\":\"rsa\",\"typ\":[\"JWT\"]}",
	};
	oa2_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		char *t = tk_sign(rsa2048, "RS256", headers[i], PAYLOAD);

		assert_int_equal(check(t, jwks, &err), -2);
		free(t);
	}
}

static void test_typ_values_accepted(void **state)
{
	static const char *const typs[] = { "JWT", "jwt", "at+jwt", "AT+JWT", "application/jwt",
					    "application/at+jwt" };
	oa2_error err;

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		char *h = tk_fmt("{\"alg\":\"RS256\",\"kid\":\"rsa\",\"typ\":\"%s\"}", typs[i]);
		char *t = tk_sign(rsa2048, "RS256", h, PAYLOAD);

		assert_int_equal(check(t, jwks, &err), 0);
		free(h);
		free(t);
	}
}

static void test_embedded_key_headers_ignored(void **state)
{
	char *evil = tk_jwk(evil_ec, "");
	char *h = tk_fmt("{\"alg\":\"ES256\",\"jwk\":%s}", evil);
	char *t = tk_sign(evil_ec, "ES256", h, PAYLOAD);
	oa2_error err;

	(void)state;
	/* The attacker's own key travels in the header; the real P-256 key is used. */
	assert_int_equal(check(t, jwks, &err), -1);
	free(h);
	free(t);
	h = tk_fmt("{\"alg\":\"ES256\",\"kid\":\"p256\",\"jwk\":%s}", evil);
	t = tk_sign(evil_ec, "ES256", h, PAYLOAD);
	assert_int_equal(check(t, jwks, &err), -1);
	free(h);
	free(t);
	/* jku / x5u / x5c pointing at attacker keys: never fetched, never used. */
	static const char *const hs[] = {
		"{\"alg\":\"RS256\",\"kid\":\"rsa\",\"jku\":\"https://evil.example/jwks\"}",
		"{\"alg\":\"RS256\",\"kid\":\"rsa\",\"x5u\":\"https://evil.example/cert\"}",
		"{\"alg\":\"RS256\",\"kid\":\"rsa\",\"x5c\":[\"MIIB\"],\"x5t\":\"AAAA\"}",
	};
	for (size_t i = 0; i < 3; i++) {
		t = tk_sign(evil_rsa, "RS256", hs[i], PAYLOAD);
		assert_int_equal(check(t, jwks, &err), -1);
		free(t);
		/* ...while the same headers on an honest token are harmless. */
		t = tk_sign(rsa2048, "RS256", hs[i], PAYLOAD);
		assert_int_equal(check(t, jwks, &err), 0);
		free(t);
	}
	free(evil);
}

static void test_unknown_kid_reports_no_key(void **state)
{
	oa2_error err;

	(void)state;
	assert_int_equal(signed_check(rsa2048, "RS256", "rotated-key", &err), OA2_JWS_NO_KEY);
	assert_int_equal(err.kind, OA2_ERR_DENIED);
	assert_non_null(strstr(err.msg, "rotated-key"));
	/* Control characters in a kid do not reach the log line. */
	assert_int_equal(signed_check(rsa2048, "RS256", "a\\nb", &err), OA2_JWS_NO_KEY);
	assert_null(strchr(err.msg, '\n'));
}

static void test_no_kid_with_two_suitable_keys_refused(void **state)
{
	oa2_error err;

	(void)state;
	assert_int_equal(signed_check(rsa2048, "RS256", NULL, &err), -1);
	assert_int_equal(signed_check(rsa3072, "PS256", NULL, &err), -1);
}

/* Sign, then apply an edit to the compact form, and check. */
static int tampered(void (*edit)(char *t), oa2_error *err)
{
	char *t = tk_sign(p256, "ES256", "{\"alg\":\"ES256\",\"kid\":\"p256\"}", PAYLOAD);
	int rc;

	edit(t);
	rc = check(t, jwks, err);
	free(t);
	return rc;
}

static void flip_payload(char *t)
{
	char *p = strchr(t, '.') + 5;

	*p = *p == 'A' ? 'B' : 'A';
}

static void flip_signature(char *t)
{
	char *p = strrchr(t, '.') + 10;

	*p = *p == 'A' ? 'B' : 'A';
}

/* Re-encode the signature without its last byte (a valid base64url). */
static void truncate_signature(char *t)
{
	char *dot = strrchr(t, '.');
	unsigned char *sig;
	size_t len;
	char *s;

	assert_int_equal(oa2_b64url_decode(dot + 1, strlen(dot + 1), &sig, &len), 0);
	s = tk_b64(sig, len - 1);
	strcpy(dot + 1, s);
	free(s);
	free(sig);
}

static void test_tampering_detected(void **state)
{
	oa2_error err;

	(void)state;
	assert_true(tampered(flip_payload, &err) < 0);
	assert_int_equal(tampered(flip_signature, &err), -1);
	assert_int_equal(tampered(truncate_signature, &err), -1);
	/* A payload changed into other valid JSON. */
	char *t = tk_sign(rsa2048, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa\"}", PAYLOAD);
	char *dot = strchr(t, '.');
	char *p2 = tk_b64("{\"sub\":\"root\"}", 14);
	char *forged = tk_fmt("%.*s.%s%s", (int)(dot - t), t, p2, strrchr(t, '.'));
	assert_int_equal(check(forged, jwks, &err), -1);
	free(t);
	free(p2);
	free(forged);
	/* Truncated RSA signature. */
	t = tk_sign(rsa2048, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa\"}", PAYLOAD);
	truncate_signature(t);
	assert_int_equal(check(t, jwks, &err), -1);
	free(t);
}

static void test_ecdsa_der_signature_refused(void **state)
{
	char *t = tk_sign_ex(p256, "ES256", "{\"alg\":\"ES256\",\"kid\":\"p256\"}", PAYLOAD, 0);
	oa2_error err;

	(void)state;
	assert_int_equal(check(t, jwks, &err), -1);
	free(t);
	t = tk_sign_ex(p521, "ES512", "{\"alg\":\"ES512\",\"kid\":\"p521\"}", PAYLOAD, 0);
	assert_int_equal(check(t, jwks, &err), -1);
	free(t);
}

static void test_malformed_compact_refused(void **state)
{
	char *good = tk_sign(rsa2048, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa\"}", PAYLOAD);
	char *h = tk_b64("{\"alg\":\"RS256\",\"kid\":\"rsa\"}", 27);
	char *p = tk_b64(PAYLOAD, strlen(PAYLOAD));
	const char *sig = strrchr(good, '.') + 1;
	char *arr = tk_b64("[1]", 3);
	char *str = tk_b64("\"x\"", 3);
	char *cases[] = {
		tk_fmt("%s.%s.%s.%s", h, p, sig, sig),   /* 4 parts */
		tk_fmt("%s.%s", h, p),                    /* 2 parts */
		tk_fmt("%s", h),                          /* 1 part */
		tk_fmt(".%s.%s", p, sig),                 /* empty header */
		tk_fmt("%s..%s", h, sig),                 /* empty payload */
		tk_fmt("%s.%s.", h, p),                   /* empty signature */
		tk_fmt(".."),
		tk_fmt("%s.%s.%s", arr, p, sig),          /* header not an object */
		tk_fmt("%s.%s.%s", str, p, sig),
		tk_fmt("%s=.%s.%s", h, p, sig),           /* padding */
		tk_fmt("%s.%s.%s=", h, p, sig),
		tk_fmt("%s.%s. %s", h, p, sig),           /* white space */
		tk_fmt("%s.%s.%s", "e30", p, sig),        /* {} : no alg */
		tk_fmt(""),
	};
	/* Signed, yet no claims: the payload must be a strict JSON object (the
	 * last, empty, is refused by the parse). */
	const char *bad_claims[] = {
		"[1]", "\"x\"", "{\"a\":1}x", "{\"a\":NaN}", "{'a':1}", "{\"a\":\"\t\"}", "{\"a\":1.}", "",
	};
	oa2_error err;

	(void)state;
	assert_int_equal(check(good, jwks, &err), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(check(cases[i], jwks, &err), -2);
		free(cases[i]);
	}
	for (size_t i = 0; i < sizeof(bad_claims) / sizeof(bad_claims[0]); i++) {
		char *t = tk_sign(rsa2048, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa\"}", bad_claims[i]);

		assert_int_equal(check(t, jwks, &err), i + 1 < sizeof(bad_claims) / sizeof(bad_claims[0]) ? -3 : -2);
		free(t);
	}
	assert_null(oa2_jws_parse(NULL, &err));
	free(good);
	free(h);
	free(p);
	free(arr);
	free(str);
}

static void test_oversized_token_refused(void **state)
{
	char *pad = malloc(OA2_JWS_MAX_SIZE + 1);
	char *payload, *t;
	oa2_error err;

	(void)state;
	memset(pad, 'a', OA2_JWS_MAX_SIZE);
	pad[OA2_JWS_MAX_SIZE] = '\0';
	payload = tk_fmt("{\"pad\":\"%.*s\"}", OA2_JWS_MAX_SIZE * 3 / 4 - 400, pad);
	t = tk_sign(rsa2048, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa\"}", payload);
	assert_true(strlen(t) <= OA2_JWS_MAX_SIZE);
	assert_int_equal(check(t, jwks, &err), 0);
	free(payload);
	free(t);
	payload = tk_fmt("{\"pad\":\"%s\"}", pad);
	t = tk_sign(rsa2048, "RS256", "{\"alg\":\"RS256\",\"kid\":\"rsa\"}", payload);
	assert_int_equal(check(t, jwks, &err), -2);
	assert_non_null(strstr(err.msg, "longer"));
	free(payload);
	free(t);
	free(pad);
}

static void test_jwk_alg_must_match(void **state)
{
	char *j = tk_jwk(rsa2048, "\"kid\":\"r\",\"alg\":\"RS256\",");
	char *doc = tk_fmt("{\"keys\":[%s]}", j);
	oa2_error err = { 0 };
	oa2_jwks *set = oa2_jwks_parse(doc, strlen(doc), &err);
	char *t = tk_sign(rsa2048, "PS256", "{\"alg\":\"PS256\",\"kid\":\"r\"}", PAYLOAD);

	(void)state;
	assert_int_equal(check(t, set, &err), -1);
	free(t);
	t = tk_sign(rsa2048, "RS256", "{\"alg\":\"RS256\",\"kid\":\"r\"}", PAYLOAD);
	assert_int_equal(check(t, set, &err), 0);
	free(t);
	oa2_jwks_free(set);
	free(doc);
	free(j);
}

static void test_null_arguments(void **state)
{
	oa2_error err = { 0 };

	(void)state;
	assert_int_equal(oa2_jws_verify(NULL, jwks, &err), -1);
	assert_null(oa2_jws_alg(NULL));
	assert_null(oa2_jws_claims(NULL, &err));
	oa2_jws_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7515_a2_rs256_verifies),
		cmocka_unit_test(test_rfc7515_a3_es256_verifies),
		cmocka_unit_test(test_rfc7515_a1_hs256_refused),
		cmocka_unit_test(test_rfc8037_a4_ed25519_verifies),
		cmocka_unit_test(test_rfc7520_rs256_ps384_es512_verify),
		cmocka_unit_test(test_every_alg_verifies),
		cmocka_unit_test(test_alg_none_refused_in_any_case),
		cmocka_unit_test(test_hs256_with_public_key_as_secret_refused),
		cmocka_unit_test(test_alg_key_type_mismatch_refused),
		cmocka_unit_test(test_ps_rs_confusion_refused),
		cmocka_unit_test(test_forbidden_headers_refused),
		cmocka_unit_test(test_typ_values_accepted),
		cmocka_unit_test(test_embedded_key_headers_ignored),
		cmocka_unit_test(test_unknown_kid_reports_no_key),
		cmocka_unit_test(test_no_kid_with_two_suitable_keys_refused),
		cmocka_unit_test(test_tampering_detected),
		cmocka_unit_test(test_ecdsa_der_signature_refused),
		cmocka_unit_test(test_malformed_compact_refused),
		cmocka_unit_test(test_oversized_token_refused),
		cmocka_unit_test(test_jwk_alg_must_match),
		cmocka_unit_test(test_null_arguments),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
