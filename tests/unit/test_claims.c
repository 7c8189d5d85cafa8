/* test_claims.c - iss, aud, azp, exp, nbf, iat, sub and introspection checks;
 * the two narrow iss exceptions: Google's scheme-less iss for Google's issuer
 * only, and a tenant's own issuer (from its tid) under Entra ID's template. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper/claims.h"

/* The claims as the helper holds them: json scanned and indexed (it must
 * stay unchanged until put). NULL when it is not a strict JSON object. */
static oa2_jobj *parse(const char *json)
{
	oa2_jobj *c = calloc(1, sizeof(*c));

	if (c == NULL || oa2_jscan_object(c, json, strlen(json), "test claims", NULL) != 0) {
		free(c);
		return NULL;
	}
	return c;
}

static void put(oa2_jobj *c)
{
	if (c != NULL)
		oa2_jobj_clear(c);
	free(c);
}

#define NOW 1700000000
#define LEEWAY 60

/* Pieces of a valid ID token claim set (NOW as above). */
#define ISS "\"iss\":\"https://idp.example\""
#define AUD "\"aud\":\"pam\""
#define EXP "\"exp\":1700000300"
#define IAT "\"iat\":1699999990"
#define SUB "\"sub\":\"alice\""

static const struct oa2_claims_policy policy = {"https://idp.example", "pam", NOW, LEEWAY, NULL};

enum kind { ID_TOKEN, INTROSPECTION };

static int run(enum kind k, const char *json, oa2_error *err)
{
	oa2_jobj *c = parse(json);
	int rc;

	if (c == NULL)
		fail_msg("test JSON does not parse: %s", json);
	oa2_error_clear(err);
	rc = k == ID_TOKEN ? oa2_claims_check_id_token(c, &policy, err)
			   : oa2_claims_check_introspection(c, &policy, err);
	put(c);
	return rc;
}

/* The claims must pass. */
static void accepted(int line, enum kind k, const char *json)
{
	oa2_error err = {0};

	if (run(k, json, &err) != 0 || err.kind != OA2_OK)
		fail_msg("line %d: refused (%s) but should pass: %s", line, err.msg, json);
}

/* The claims must be refused with this kind and a message holding frag. */
static void refused(int line, enum kind k, const char *json, enum oa2_errkind kind,
		    const char *frag)
{
	oa2_error err = {0};

	if (run(k, json, &err) != -1)
		fail_msg("line %d: accepted but should be refused: %s", line, json);
	if (err.kind != kind)
		fail_msg("line %d: refused as %s, want %s (%s): %s", line,
			 oa2_errkind_name(err.kind),
			 oa2_errkind_name(kind), err.msg, json);
	if (strstr(err.msg, frag) == NULL)
		fail_msg("line %d: message '%s' lacks '%s': %s", line, err.msg, frag, json);
}

#define ID_OK(json) accepted(__LINE__, ID_TOKEN, json)
#define ID_NO(json, frag) refused(__LINE__, ID_TOKEN, json, OA2_ERR_DENIED, frag)

static void valid_id_token_passes(void **state)
{
	oa2_jobj *c = parse("{" ISS "," AUD "," EXP "," IAT "," SUB "}");
	oa2_error err = {0};

	(void)state;
	assert_non_null(c);
	assert_int_equal(oa2_claims_check_id_token(c, &policy, &err), 0);
	assert_int_equal(err.kind, OA2_OK);
	assert_string_equal(oa2_claims_sub(c), "alice");
	put(c);
	/* Optional claims, correct, do not disturb. */
	ID_OK("{" ISS "," AUD "," EXP "," IAT "," SUB ",\"azp\":\"pam\",\"nbf\":1699999990}");
}

static void iss_must_match_exactly(void **state)
{
	(void)state;
	ID_NO("{\"iss\":\"https://evil.example\"," AUD "," EXP "," IAT "," SUB "}",
	      "issuer mismatch");
	ID_NO("{" AUD "," EXP "," IAT "," SUB "}", "'iss' is missing");
	ID_NO("{\"iss\":null," AUD "," EXP "," IAT "," SUB "}", "'iss' is missing");
	ID_NO("{\"iss\":42," AUD "," EXP "," IAT "," SUB "}", "'iss' is not a string");
	ID_NO("{\"iss\":[\"https://idp.example\"]," AUD "," EXP "," IAT "," SUB "}",
	      "'iss' is not a string");
	ID_NO("{\"iss\":\"https://idp.example/\"," AUD "," EXP "," IAT "," SUB "}",
	      "issuer mismatch");
	ID_NO("{\"iss\":\"https://IDP.example\"," AUD "," EXP "," IAT "," SUB "}",
	      "issuer mismatch");
	ID_NO("{\"iss\":\"https://idp.example.evil\"," AUD "," EXP "," IAT "," SUB "}",
	      "issuer mismatch");
	/* An embedded NUL must not make the C string compare equal. */
	ID_NO("{\"iss\":\"https://idp.example\\u0000x\"," AUD "," EXP "," IAT "," SUB "}",
	      "'iss' is not a string");
}

static void aud_must_name_client(void **state)
{
	(void)state;
	ID_NO("{" ISS ",\"aud\":\"other\"," EXP "," IAT "," SUB "}", "audience mismatch");
	ID_NO("{" ISS ",\"aud\":\"pam2\"," EXP "," IAT "," SUB "}", "audience mismatch");
	ID_NO("{" ISS ",\"aud\":\"PAM\"," EXP "," IAT "," SUB "}", "audience mismatch");
	ID_NO("{" ISS "," EXP "," IAT "," SUB "}", "'aud' is missing");
	ID_NO("{" ISS ",\"aud\":7," EXP "," IAT "," SUB "}", "'aud' is missing or not");
	ID_NO("{" ISS ",\"aud\":[\"a\",\"b\"]," EXP "," IAT "," SUB "}",
	      "client_id not in 'aud'");
	ID_NO("{" ISS ",\"aud\":[]," EXP "," IAT "," SUB "}", "client_id not in 'aud'");
	ID_NO("{" ISS ",\"aud\":[\"pam\",3]," EXP "," IAT "," SUB "}", "holds a non-string");
	ID_NO("{" ISS ",\"aud\":[{\"x\":\"pam\"},\"pam\"]," EXP "," IAT "," SUB "}",
	      "holds a non-string");
	ID_NO("{" ISS ",\"aud\":[\"pam\\u0000\"]," EXP "," IAT "," SUB "}", "holds a non-string");
	ID_OK("{" ISS ",\"aud\":[\"pam\"]," EXP "," IAT "," SUB "}");
	ID_OK("{" ISS ",\"aud\":[\"other\",\"pam\"],\"azp\":\"pam\"," EXP "," IAT "," SUB "}");
}

static void azp_must_be_client(void **state)
{
	(void)state;
	ID_NO("{" ISS "," AUD ",\"azp\":\"other\"," EXP "," IAT "," SUB "}",
	      "authorized party mismatch");
	ID_NO("{" ISS ",\"aud\":[\"pam\",\"other\"],\"azp\":\"other\"," EXP "," IAT "," SUB "}",
	      "authorized party mismatch");
	ID_NO("{" ISS "," AUD ",\"azp\":5," EXP "," IAT "," SUB "}", "'azp' is not a string");
}

/* OIDC Core 3.1.3.7: with several audiences azp must be there (and be us). */
static void azp_required_with_several_audiences(void **state)
{
	(void)state;
	ID_NO("{" ISS ",\"aud\":[\"pam\",\"other\"]," EXP "," IAT "," SUB "}",
	      "'azp' is missing although 'aud' has 2 values");
	ID_NO("{" ISS ",\"aud\":[\"other\",\"pam\",\"third\"]," EXP "," IAT "," SUB "}",
	      "'azp' is missing although 'aud' has 3 values");
	ID_NO("{" ISS ",\"aud\":[\"pam\",\"other\"],\"azp\":null," EXP "," IAT "," SUB "}",
	      "'azp' is missing");
	ID_NO("{" ISS ",\"aud\":[\"pam\",\"other\"],\"azp\":[\"pam\"]," EXP "," IAT "," SUB "}",
	      "'azp' is not a string");
	ID_OK("{" ISS ",\"aud\":[\"pam\",\"other\"],\"azp\":\"pam\"," EXP "," IAT "," SUB "}");
	/* One audience, in either form, needs no azp. */
	ID_OK("{" ISS ",\"aud\":[\"pam\"]," EXP "," IAT "," SUB "}");
	ID_OK("{" ISS "," AUD "," EXP "," IAT "," SUB "}");
	/* Introspection answers are not ID tokens: no azp rule there. */
	accepted(__LINE__, INTROSPECTION,
		 "{\"active\":true," ISS ",\"aud\":[\"pam\",\"other\"]," EXP "," SUB "}");
}

static void exp_is_enforced_with_leeway(void **state)
{
	(void)state;
	/* Expired 61 s ago with 60 s leeway: refused. Exactly at the edge too. */
	ID_NO("{" ISS "," AUD ",\"exp\":1699999939," IAT "," SUB "}", "token expired 61 s ago");
	ID_NO("{" ISS "," AUD ",\"exp\":1699999940," IAT "," SUB "}", "token expired");
	ID_NO("{" ISS "," AUD ",\"exp\":1000," IAT "," SUB "}", "token expired");
	/* Expired 30 s ago: within the leeway. */
	ID_OK("{" ISS "," AUD ",\"exp\":1699999970," IAT "," SUB "}");
	ID_NO("{" ISS "," AUD "," IAT "," SUB "}", "'exp' is missing");
	ID_NO("{" ISS "," AUD ",\"exp\":\"1700000300\"," IAT "," SUB "}", "'exp' is not a number");
	ID_NO("{" ISS "," AUD ",\"exp\":true," IAT "," SUB "}", "'exp' is not a number");
	ID_NO("{" ISS "," AUD ",\"exp\":1e300," IAT "," SUB "}", "'exp' is not a number");
	ID_NO("{" ISS "," AUD ",\"exp\":-9223372036854775808," IAT "," SUB "}", "token expired");
}

static void huge_exp_does_not_overflow(void **state)
{
	(void)state;
	/* exp far in the future is valid; exp + leeway must not wrap round. */
	ID_OK("{" ISS "," AUD ",\"exp\":9000000000000000000," IAT "," SUB "}");
	ID_OK("{" ISS "," AUD ",\"exp\":9223372036854775807," IAT "," SUB "}");
}

static void fractional_times(void **state)
{
	(void)state;
	ID_OK("{" ISS "," AUD ",\"exp\":1700000300.75," IAT "," SUB "}");
	ID_OK("{" ISS "," AUD "," EXP ",\"iat\":1699999990.5," SUB "}");
	ID_NO("{" ISS "," AUD ",\"exp\":1699999939.9," IAT "," SUB "}", "token expired");
	ID_NO("{" ISS "," AUD "," EXP ",\"iat\":1700000061.5," SUB "}", "issued in the future");
	/* A fraction is floored: half a second past the leeway still counts as within it. */
	ID_OK("{" ISS "," AUD "," EXP ",\"iat\":1700000060.5," SUB "}");
}

static void nbf_and_iat_not_in_future(void **state)
{
	(void)state;
	ID_NO("{" ISS "," AUD "," EXP "," IAT "," SUB ",\"nbf\":1700000061}", "not valid before");
	ID_OK("{" ISS "," AUD "," EXP "," IAT "," SUB ",\"nbf\":1700000060}");
	ID_OK("{" ISS "," AUD "," EXP "," IAT "," SUB ",\"nbf\":1700000030}");
	ID_NO("{" ISS "," AUD "," EXP "," IAT "," SUB ",\"nbf\":\"0\"}", "'nbf' is not a number");
	ID_NO("{" ISS "," AUD "," EXP ",\"iat\":1700000061," SUB "}", "issued in the future");
	ID_NO("{" ISS "," AUD "," EXP ",\"iat\":1800000000," SUB "}", "issued in the future");
	ID_OK("{" ISS "," AUD "," EXP ",\"iat\":1700000060," SUB "}");
	ID_NO("{" ISS "," AUD "," EXP "," SUB "}", "'iat' is missing");
	ID_NO("{" ISS "," AUD "," EXP ",\"iat\":[1]," SUB "}", "'iat' is not a number");
}

static void sub_must_be_sane(void **state)
{
	char json[1024], sub[301];

	(void)state;
	ID_NO("{" ISS "," AUD "," EXP "," IAT "}", "'sub' is missing");
	ID_NO("{" ISS "," AUD "," EXP "," IAT ",\"sub\":\"\"}", "'sub' is missing, empty");
	ID_NO("{" ISS "," AUD "," EXP "," IAT ",\"sub\":42}", "'sub' is missing, empty");
	ID_NO("{" ISS "," AUD "," EXP "," IAT ",\"sub\":\"al\\u0000ice\"}", "'sub' is missing");
	memset(sub, 'a', 300);
	sub[300] = '\0';
	snprintf(json, sizeof(json), "{" ISS "," AUD "," EXP "," IAT ",\"sub\":\"%s\"}", sub);
	ID_NO(json, "'sub' is missing, empty");
	sub[255] = '\0';
	snprintf(json, sizeof(json), "{" ISS "," AUD "," EXP "," IAT ",\"sub\":\"%s\"}", sub);
	ID_OK(json);
}

/* Google may send iss without the scheme; taken only for Google's issuer. */
static void google_iss_without_scheme(void **state)
{
	struct oa2_claims_policy g = policy;
	const char *rest = AUD "," EXP "," IAT "," SUB "}";
	static const char *const refused_iss[] = {
		"accounts.google.com/", "accounts.google.com ", "Accounts.google.com",
		"http://accounts.google.com", "//accounts.google.com", "accounts.google.co",
		"https://accounts.google.com/", "xaccounts.google.com",
	};
	char json[512];
	oa2_error err = {0};
	oa2_jobj *c;

	(void)state;
	g.issuer = OA2_GOOGLE_ISSUER;
	for (int ok = 0; ok < 2; ok++) {
		snprintf(json, sizeof(json), "{\"iss\":\"%s\",%s",
			 ok ? "https://accounts.google.com" : "accounts.google.com", rest);
		c = parse(json);
		assert_int_equal(oa2_claims_check_id_token(c, &g, &err), 0);
		put(c);
	}
	for (size_t i = 0; i < sizeof(refused_iss) / sizeof(refused_iss[0]); i++) {
		snprintf(json, sizeof(json), "{\"iss\":\"%s\",%s", refused_iss[i], rest);
		c = parse(json);
		oa2_error_clear(&err);
		if (oa2_claims_check_id_token(c, &g, &err) == 0)
			fail_msg("iss '%s' accepted for Google", refused_iss[i]);
		assert_non_null(strstr(err.msg, "issuer mismatch"));
		put(c);
	}
	/* Any other configured issuer: the scheme-less form is a mismatch. */
	ID_NO("{\"iss\":\"idp.example\"," AUD "," EXP "," IAT "," SUB "}", "issuer mismatch");
	g.issuer = "https://accounts.google.com/";
	c = parse("{\"iss\":\"accounts.google.com\"," AUD "," EXP "," IAT "," SUB "}");
	assert_int_equal(oa2_claims_check_id_token(c, &g, &err), -1);
	put(c);
}

#define TENANT "9188040d-6c67-4c5b-b112-36a304b66dad"
#define MS "https://login.microsoftonline.com/"

static int check_tenant(const char *iss, const char *tid, oa2_error *err)
{
	struct oa2_claims_policy t = policy;
	char json[512];
	oa2_jobj *c;
	int rc;

	t.issuer = MS "organizations/v2.0";
	t.tenant_issuer = MS "{tenantid}/v2.0";
	snprintf(json, sizeof(json), "{\"iss\":\"%s\"%s%s%s," AUD "," EXP "," IAT "," SUB "}",
		 iss, tid ? ",\"tid\":\"" : "", tid ? tid : "", tid ? "\"" : "");
	c = parse(json);
	assert_non_null(c);
	oa2_error_clear(err);
	rc = oa2_claims_check_id_token(c, &t, err);
	put(c);
	return rc;
}

/* Under a {tenantid} template, iss is the token's own tenant's issuer. */
static void tenant_iss_follows_tid(void **state)
{
	static const struct {
		const char *iss, *tid, *frag;
	} refused[] = {
		{MS "{tenantid}/v2.0", TENANT, "not the issuer of its tenant"},
		{MS "organizations/v2.0", TENANT, "not the issuer of its tenant"},
		{MS "72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0", TENANT, "not the issuer"},
		{MS TENANT "/v2.0/", TENANT, "not the issuer"},
		{MS TENANT, TENANT, "not the issuer"},
		{"https://sts.windows.net/" TENANT "/", TENANT, "not the issuer"},
		{MS TENANT "/v2.0", NULL, "claim 'tid' is missing or not a tenant id"},
		{MS "9188040D-6C67-4C5B-B112-36A304B66DAD/v2.0", "9188040D-6C67-4C5B-B112-36A304B66DAD",
		 "not a tenant id"},
		{MS "x/v2.0", "x", "not a tenant id"},
		{MS "../v2.0", "..", "not a tenant id"},
		{MS TENANT "/v2.0", TENANT "/v2.0", "not a tenant id"},
		{MS "9188040d-6c67-4c5b-b112-36a304b66da/v2.0", "9188040d-6c67-4c5b-b112-36a304b66da",
		 "not a tenant id"},
		{MS "9188040d-6c67-4c5b-b112_36a304b66dad/v2.0", "9188040d-6c67-4c5b-b112_36a304b66dad",
		 "not a tenant id"},
		{MS "9188040d6c67-4c5b-b112-36a304b66dad0/v2.0", "9188040d6c67-4c5b-b112-36a304b66dad0",
		 "not a tenant id"},
		{MS "g188040d-6c67-4c5b-b112-36a304b66dad/v2.0", "g188040d-6c67-4c5b-b112-36a304b66dad",
		 "not a tenant id"},
	};
	oa2_error err = {0};

	(void)state;
	if (check_tenant(MS TENANT "/v2.0", TENANT, &err) != 0)
		fail_msg("refused: %s", err.msg);
	assert_int_equal(check_tenant(MS "72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
				      "72f988bf-86f1-41af-91ab-2d7cd011db47", &err), 0);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (check_tenant(refused[i].iss, refused[i].tid, &err) != -1)
			fail_msg("iss '%s' tid '%s' accepted", refused[i].iss, refused[i].tid);
		if (err.kind != OA2_ERR_DENIED || strstr(err.msg, refused[i].frag) == NULL)
			fail_msg("iss '%s': '%s' lacks '%s'", refused[i].iss, err.msg, refused[i].frag);
	}
	assert_true(oa2_claims_tenant_id_valid(TENANT));
	assert_false(oa2_claims_tenant_id_valid(""));
	assert_false(oa2_claims_tenant_id_valid(TENANT "0"));
}

/* ---- introspection (RFC 7662) ---- */

#define INTRO_OK(json) accepted(__LINE__, INTROSPECTION, json)
#define INTRO_NO(json, kind, frag) refused(__LINE__, INTROSPECTION, json, kind, frag)

static void introspection_valid(void **state)
{
	(void)state;
	INTRO_OK("{\"active\":true,\"client_id\":\"pam\"," EXP "," SUB "}");
	INTRO_OK("{\"active\":true,\"client_id\":\"pam\"," ISS "," EXP "," SUB "}");
	INTRO_OK("{\"active\":true," AUD "," EXP "," SUB "}");
	INTRO_OK("{\"active\":true,\"aud\":[\"api\",\"pam\"]," EXP "," SUB "}");
}

static void introspection_refusals(void **state)
{
	(void)state;
	INTRO_NO("{\"active\":false,\"client_id\":\"pam\"," EXP "," SUB "}", OA2_ERR_DENIED,
		 "token is not active");
	INTRO_NO("{\"client_id\":\"pam\"," EXP "," SUB "}", OA2_ERR_PROTOCOL,
		 "'active' missing or not boolean");
	INTRO_NO("{\"active\":\"true\",\"client_id\":\"pam\"," EXP "," SUB "}", OA2_ERR_PROTOCOL,
		 "'active' missing or not boolean");
	INTRO_NO("{\"active\":1,\"client_id\":\"pam\"," EXP "," SUB "}", OA2_ERR_PROTOCOL,
		 "'active' missing or not boolean");
	INTRO_NO("{\"active\":true,\"client_id\":\"other\"," EXP "," SUB "}", OA2_ERR_DENIED,
		 "issued to client 'other'");
	/* client_id names another client even though aud names us. */
	INTRO_NO("{\"active\":true,\"client_id\":\"other\"," AUD "," EXP "," SUB "}",
		 OA2_ERR_DENIED, "issued to client 'other'");
	INTRO_NO("{\"active\":true,\"client_id\":5," EXP "," SUB "}", OA2_ERR_DENIED,
		 "'client_id' is not a string");
	INTRO_NO("{\"active\":true,\"aud\":\"other\"," EXP "," SUB "}", OA2_ERR_DENIED,
		 "audience mismatch");
	INTRO_NO("{\"active\":true," EXP "," SUB "}", OA2_ERR_DENIED, "'aud' is missing");
	INTRO_NO("{\"active\":true,\"client_id\":\"pam\",\"exp\":1699999900," SUB "}",
		 OA2_ERR_DENIED, "token expired");
	INTRO_NO("{\"active\":true,\"client_id\":\"pam\",\"iss\":\"https://evil.example\"," EXP
		 "," SUB "}",
		 OA2_ERR_DENIED, "issuer mismatch");
	INTRO_NO("{\"active\":true,\"client_id\":\"pam\",\"iss\":3," EXP "," SUB "}",
		 OA2_ERR_DENIED, "'iss' is not a string");
	INTRO_NO("{\"active\":true,\"client_id\":\"pam\"," EXP "}", OA2_ERR_DENIED,
		 "'sub' is missing");
	INTRO_NO("{\"active\":true,\"client_id\":\"pam\"," EXP ",\"sub\":\"\"}", OA2_ERR_DENIED,
		 "'sub' is missing");
	INTRO_NO("{\"active\":true,\"client_id\":\"pam\"," EXP "," SUB ",\"nbf\":1800000000}",
		 OA2_ERR_DENIED, "not valid before");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_id_token_passes),
		cmocka_unit_test(iss_must_match_exactly),
		cmocka_unit_test(aud_must_name_client),
		cmocka_unit_test(azp_must_be_client),
		cmocka_unit_test(azp_required_with_several_audiences),
		cmocka_unit_test(exp_is_enforced_with_leeway),
		cmocka_unit_test(huge_exp_does_not_overflow),
		cmocka_unit_test(fractional_times),
		cmocka_unit_test(nbf_and_iat_not_in_future),
		cmocka_unit_test(sub_must_be_sane),
		cmocka_unit_test(google_iss_without_scheme),
		cmocka_unit_test(tenant_iss_follows_tid),
		cmocka_unit_test(introspection_valid),
		cmocka_unit_test(introspection_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
