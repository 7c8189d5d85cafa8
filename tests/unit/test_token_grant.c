/* test_token_grant.c - grant = token: the checks on a presented token, with
 * real signatures (RSA and EC keys made here) and a warm disk cache of
 * discovery and JWKS. Every endpoint is on https://idp.example, where
 * nothing is reached: a check that tried the network would fail as
 * OA2_ERR_UNAVAIL, so each accepted token also proves "no request".
 *
 * Proves: which answers are JWTs, opaque tokens or neither; an ID token and
 * an RFC 9068 access token (typ at+jwt, scope kept) are accepted; refused
 * (OA2_ERR_DENIED): another audience, several audiences without a matching
 * azp, older than token_max_age, no iat, expired, not yet valid, another
 * issuer, another key, at+jwt without client_id or jti, other JWT types, a
 * replayed jti with token_single_use (recorded only when the caller records
 * it after the decision, until exp + leeway), a token without jti there, an opaque
 * token for a public client, a password. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helper/cache.h"
#include "helper/replay.h"
#include "helper/token_grant.h"
#include "shared/strutil.h"
#include "vectors/testkeys.h"

#define ISSUER "https://idp.example"

static EVP_PKEY *rsa, *ec, *evil;
static char dir[64], cache_dir[96], replay_dir[96];
static struct oa2_config *cfg;
static time_t now;

static int setup(void **state)
{
	char name[128];
	char *k1, *e1, *jwks;
	const char *disc = "{\"issuer\":\"" ISSUER "\",\"jwks_uri\":\"" ISSUER "/jwks\","
			   "\"token_endpoint\":\"" ISSUER "/token\","
			   "\"introspection_endpoint\":\"" ISSUER "/introspect\","
			   "\"userinfo_endpoint\":\"" ISSUER "/me\"}";
	oa2_error err = {0};

	(void)state;
	now = time(NULL);
	rsa = tk_rsa(2048);
	ec = tk_ec("P-256");
	evil = tk_rsa(2048);
	snprintf(dir, sizeof(dir), "/tmp/oa2-tg-XXXXXX");
	if (rsa == NULL || ec == NULL || evil == NULL || mkdtemp(dir) == NULL ||
	    chmod(dir, 0700) != 0)
		return -1;
	snprintf(cache_dir, sizeof(cache_dir), "%s/cache", dir);
	snprintf(replay_dir, sizeof(replay_dir), "%s/replay", dir);
	k1 = tk_jwk(rsa, "\"kid\":\"k1\",");
	e1 = tk_jwk(ec, "\"kid\":\"e1\",");
	jwks = tk_fmt("{\"keys\":[%s,%s]}", k1, e1);
	if (oa2_cache_name(ISSUER, "jwks", name, sizeof(name)) != 0 ||
	    oa2_cache_put(cache_dir, name, jwks, strlen(jwks), now, 3600, &err) != 0 ||
	    oa2_cache_name(ISSUER, "discovery", name, sizeof(name)) != 0 ||
	    oa2_cache_put(cache_dir, name, disc, strlen(disc), now, 3600, &err) != 0)
		return -1;
	free(k1);
	free(e1);
	free(jwks);
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return -1;
	cfg->issuer = strdup(ISSUER);
	cfg->client_id = strdup("pam");
	cfg->cache_dir = strdup(cache_dir);
	cfg->token_replay_dir = strdup(replay_dir);
	cfg->leeway = 60;
	cfg->http_timeout = 2;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	oa2_config_free(cfg);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(evil);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int fresh(void **state)
{
	(void)state;
	now = time(NULL);
	free(cfg->token_audience);
	cfg->token_audience = NULL;
	cfg->token_max_age = 3600;
	cfg->token_single_use = 0;
	oa2_free_secret(cfg->client_secret);
	cfg->client_secret = NULL;
	return 0;
}

/* Claims: iss, sub, iat = now - age, exp = now + ttl, then extra. */
static char *claims(const char *aud, long age, long ttl, const char *extra)
{
	return tk_fmt("{\"iss\":\"" ISSUER "\",\"sub\":\"s-alice\",\"aud\":%s,\"iat\":%lld,"
		      "\"exp\":%lld,\"preferred_username\":\"alice\"%s}",
		      aud, (long long)now - age, (long long)now + ttl, extra);
}

static int grant(EVP_PKEY *k, const char *header, char *payload, struct oa2_identity *id,
		 oa2_error *err)
{
	char *tok = tk_sign(k, k == ec ? "ES256" : "RS256", header, payload);
	int rc;

	assert_non_null(tok);
	oa2_error_clear(err);
	rc = oa2_token_grant(cfg, tok, now, id, err);
	free(tok);
	free(payload);
	return rc;
}

#define H_ID "{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"JWT\"}"
#define H_AT "{\"alg\":\"ES256\",\"kid\":\"e1\",\"typ\":\"at+jwt\"}"

static void refused(EVP_PKEY *k, const char *header, char *payload, const char *why)
{
	struct oa2_identity id = {0};
	oa2_error err = {0};

	assert_int_equal(grant(k, header, payload, &id, &err), -1);
	if (err.kind != OA2_ERR_DENIED || strstr(err.msg, why) == NULL)
		fail_msg("want DENIED with '%s', got kind %d: %s", why, err.kind, err.msg);
	assert_null(id.claims);
}

static void shapes(void **state)
{
	(void)state;
	assert_int_equal(oa2_token_shape("aaa.bbb.ccc"), OA2_TOKEN_JWT);
	assert_int_equal(oa2_token_shape("aaa.bbb.ccc.ddd"), OA2_TOKEN_NONE);
	assert_int_equal(oa2_token_shape("aaa..ccc"), OA2_TOKEN_NONE);
	assert_int_equal(oa2_token_shape("aaa.bbb."), OA2_TOKEN_NONE);
	assert_int_equal(oa2_token_shape(".bbb.ccc"), OA2_TOKEN_NONE);
	assert_int_equal(oa2_token_shape("aaa.b+b.ccc"), OA2_TOKEN_NONE);
	assert_int_equal(oa2_token_shape("Vq2xHhWmQ0e8e3w4Yz2L0nq9c-_~+/AbCdEfGh=="), OA2_TOKEN_OPAQUE);
	assert_int_equal(oa2_token_shape("Vq2xHhWmQ0e8e3w4Yz2L0nq9c.AbCdEfGhIjKl"), OA2_TOKEN_NONE);
	assert_int_equal(oa2_token_shape("short-token-31-characters-long!"), OA2_TOKEN_NONE);
	assert_int_equal(oa2_token_shape("alice-pass"), OA2_TOKEN_NONE);
	assert_int_equal(oa2_token_shape("correct horse battery staple and more"), OA2_TOKEN_NONE);
	assert_int_equal(oa2_token_shape("=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), OA2_TOKEN_NONE);
	assert_int_equal(oa2_token_shape(""), OA2_TOKEN_NONE);
}

static void id_token_is_accepted(void **state)
{
	struct oa2_identity id = {0};
	oa2_error err = {0};

	(void)state;
	assert_int_equal(grant(rsa, H_ID, claims("\"pam\"", 10, 300, ""), &id, &err), 0);
	assert_string_equal(id.source, "id_token");
	assert_int_equal(id.fetched.jwks, 0);
	oa2_identity_clear(&id);
	/* several audiences: azp names the one configured */
	cfg->token_audience = strdup("other pam");
	assert_int_equal(grant(rsa, H_ID, claims("[\"x\",\"pam\"]", 10, 300, ",\"azp\":\"pam\""),
			       &id, &err), 0);
	oa2_identity_clear(&id);
}

static void access_token_is_accepted(void **state)
{
	struct oa2_identity id = {0};
	oa2_error err = {0};

	(void)state;
	cfg->token_audience = strdup("https://api.example");
	assert_int_equal(grant(ec, H_AT,
			       claims("\"https://api.example\"", 0, 300,
				      ",\"client_id\":\"ci\",\"jti\":\"j1\",\"scope\":\"deploy\""),
			       &id, &err), 0);
	assert_string_equal(id.source, "access_token");
	assert_string_equal(id.scope, "deploy");
	oa2_identity_clear(&id);
}

static void audience_rules(void **state)
{
	(void)state;
	refused(rsa, H_ID, claims("\"other\"", 0, 300, ""), "audience mismatch");
	refused(rsa, H_ID, claims("[\"other\",\"pam\"]", 0, 300, ""), "'azp' is missing");
	refused(rsa, H_ID, claims("[\"other\",\"pam\"]", 0, 300, ",\"azp\":\"other\""),
		"authorized party mismatch");
	/* an access token for the API where only client_id is expected */
	refused(ec, H_AT,
		claims("\"https://api.example\"", 0, 300, ",\"client_id\":\"ci\",\"jti\":\"j\""),
		"audience mismatch");
}

static void time_rules(void **state)
{
	(void)state;
	refused(rsa, H_ID, claims("\"pam\"", 3600 + 61, 300, ""), "token too old");
	cfg->token_max_age = 60;
	refused(rsa, H_ID, claims("\"pam\"", 121, 300, ""), "token_max_age is 60");
	refused(rsa, H_ID, claims("\"pam\"", 10, -61, ""), "token expired");
	refused(rsa, H_ID, claims("\"pam\"", 0, 300, ",\"nbf\":9999999999"), "not valid before");
	refused(rsa, H_ID,
		tk_fmt("{\"iss\":\"" ISSUER "\",\"sub\":\"s\",\"aud\":\"pam\",\"exp\":%lld}",
		       (long long)now + 300),
		"'iat' is missing");
}

static void issuer_key_and_type_rules(void **state)
{
	(void)state;
	refused(rsa, H_ID,
		tk_fmt("{\"iss\":\"https://evil.example\",\"sub\":\"s\",\"aud\":\"pam\","
		       "\"iat\":%lld,\"exp\":%lld}",
		       (long long)now, (long long)now + 300),
		"issuer mismatch");
	refused(evil, H_ID, claims("\"pam\"", 0, 300, ""), "signature");
	refused(rsa, "{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"logout+jwt\"}",
		claims("\"pam\"", 0, 300, ""), "typ");
	refused(ec, H_AT, claims("\"pam\"", 0, 300, ",\"jti\":\"j\""), "'client_id' or 'jti'");
	refused(ec, H_AT, claims("\"pam\"", 0, 300, ",\"client_id\":\"c\""), "'client_id' or 'jti'");
}

static void single_use(void **state)
{
	struct oa2_identity id = {0};
	oa2_error err = {0};

	(void)state;
	cfg->token_single_use = 1;
	assert_int_equal(grant(rsa, H_ID, claims("\"pam\"", 0, 300, ",\"jti\":\"u1\""), &id, &err),
			 0);
	/* validating records nothing: the module has not decided yet */
	assert_true(id.use_once.set);
	assert_int_equal(id.use_once.until, (long long)now + 300 + cfg->leeway);
	oa2_identity_clear(&id);
	assert_false(id.use_once.set);
	assert_int_equal(grant(rsa, H_ID, claims("\"pam\"", 0, 300, ",\"jti\":\"u1\""), &id, &err),
			 0);
	/* the module accepted the login: the helper records it (main.c) */
	assert_int_equal(oa2_replay_record(cfg->token_replay_dir, &id.use_once, now, &err), 0);
	oa2_identity_clear(&id);
	refused(rsa, H_ID, claims("\"pam\"", 0, 300, ",\"jti\":\"u1\""), "token replayed");
	refused(rsa, H_ID, claims("\"pam\"", 0, 300, ""), "no usable 'jti'");
	refused(rsa, H_ID, claims("\"pam\"", 0, 300, ",\"jti\":\"\""), "no usable 'jti'");
}

static void not_tokens_are_refused_without_network(void **state)
{
	static const char *const junk[] = {"alice-pass", "", "a.b.c",
					   "Vq2xHhWmQ0e8e3w4Yz2L0nq9cAbCdEfGhIjKl", NULL};
	struct oa2_identity id = {0};
	oa2_error err = {0};

	(void)state;
	for (const char *const *j = junk; *j; j++) {
		oa2_error_clear(&err);
		assert_int_equal(oa2_token_grant(cfg, *j, now, &id, &err), -1);
		if (err.kind != OA2_ERR_DENIED)
			fail_msg("'%s': kind %d (%s)", *j, err.kind, err.msg);
	}
	assert_non_null(strstr(err.msg, "confidential client"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shapes),
		cmocka_unit_test_setup(id_token_is_accepted, fresh),
		cmocka_unit_test_setup(access_token_is_accepted, fresh),
		cmocka_unit_test_setup(audience_rules, fresh),
		cmocka_unit_test_setup(time_rules, fresh),
		cmocka_unit_test_setup(issuer_key_and_type_rules, fresh),
		cmocka_unit_test_setup(single_use, fresh),
		cmocka_unit_test_setup(not_tokens_are_refused_without_network, fresh),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
