/* test_token_login.c - grant = token through real PAM (pam_wrapper) against
 * the test IdP: a token presented as the password.
 *
 * Proves: a real ID token from the IdP logs alice in, and a warm token login
 * makes no request to the IdP at all (GET /counts); an RFC 9068 access token
 * (typ at+jwt) logs in where token_audience names its audience; refused as
 * PAM_AUTH_ERR, each with its log line: a token for another audience (before
 * any request), one older than token_max_age, an expired one, one from
 * another issuer, a tampered signature, bob's token for alice, typ confusion
 * (a logout token, an access token without RFC 9068's client_id/jti), a
 * replayed jti with token_single_use (also when eight logins race with one
 * token: exactly one wins), a token without jti there; an opaque access token
 * is introspected by the confidential client (and refused when issued to
 * another client, and by a public client without any request); an opaque
 * token whose introspection answer has a jti but no iat is refused without
 * token_single_use, and with it logs in once and is still refused after
 * token_max_age + leeway have passed (a real wait), its entry kept until the
 * token's exp (and without exp either it is refused); two logins with one
 * token that both pass the store's check (a slow userinfo holds them) are
 * decided by the record after the module's decision: one wins, and the
 * account phase does not vouch for the one refused there; tokens the module
 * refuses (another user's, one without the required group) take no room in
 * the single-use store, so a flood of them against an almost full store
 * leaves room for a real login; a password,
 * an empty answer or other garbage typed at the prompt is PAM_AUTH_ERR
 * without any request to the IdP; use_first_pass takes PAM_AUTHTOK without
 * asking, try_first_pass asks once when it is not a token. A signed token
 * whose nested member names hold \u0000 (json-c would cut them: ZITADEL's
 * role "admins\u0000-not" read as "admins", Keycloak's "roles\u0000" read as
 * "roles") or repeat (json-c would keep the last) is refused with the
 * scanner's reason, where require_groups would otherwise have let it in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <libpamtest.h>

#include "harness.h"

#define API "https://api.example.test"

static struct oa2t_idp idp;

static const char *const endpoints[] = {"discovery", "jwks", "device_authorization", "token",
					"userinfo", "introspection", "other", NULL};

static long all_requests(void)
{
	long n = 0;

	for (const char *const *e = endpoints; *e; e++)
		n += oa2t_count(&idp, *e);
	return n;
}

static int setup(void **state)
{
	static const char rest[] = "http_timeout = 5\ngrant = token\n";

	*state = &idp;
	if (oa2t_idp_start(&idp, "token", "--interval 1") != 0)
		return -1;
	oa2t_write_config("tok.conf", &idp, "pam-public", "cache", rest);
	oa2t_write_config("tok-conf.conf", &idp, "pam-confidential", "cache", rest);
	return 0;
}

static int reset(void **state)
{
	(void)state;
	unsetenv("PAM_AUTHTOK");
	return oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL) == 200 &&
			       oa2t_control(&idp, "POST", "/introspection-shape", "{}", NULL) == 200
		       ? 0
		       : -1;
}

/* The string value of "key" in a flat JSON answer (malloc'd). */
static char *json_field(const char *body, const char *key)
{
	char pat[64];
	const char *p;
	size_t n;
	char *out;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = body != NULL ? strstr(body, pat) : NULL;
	if (p == NULL)
		return NULL;
	p += strlen(pat);
	n = strcspn(p, "\"");
	out = malloc(n + 1);
	assert_non_null(out);
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

/* The JWS the IdP's POST /sign answers req with (malloc'd). */
static char *signed_by_idp(const char *req)
{
	char *body = NULL, *jws;

	assert_int_equal(oa2t_control(&idp, "POST", "/sign", req, &body), 200);
	jws = json_field(body, "jws");
	free(body);
	assert_non_null(jws);
	return jws;
}

/* A JWS signed by the IdP's own key (POST /sign). */
static char *sign(const char *alg, const char *header, const char *claims)
{
	char req[4096];

	snprintf(req, sizeof(req), "{\"alg\":\"%s\",\"header\":%s,\"claims\":%s}", alg,
		 header ? header : "{}", claims);
	return signed_by_idp(req);
}

/* A JWS whose payload is the text claims byte for byte (POST /sign with
 * "payload"): for documents a JSON object cannot hold. */
static char *sign_text(const char *claims)
{
	char req[4096];
	size_t k = (size_t)snprintf(req, sizeof(req), "{\"alg\":\"RS256\",\"payload\":\"");

	for (const char *c = claims; *c != '\0' && k + 4 < sizeof(req); c++) {
		if (*c == '"' || *c == '\\')
			req[k++] = '\\';
		req[k++] = *c;
	}
	assert_true(k + 3 < sizeof(req));
	memcpy(req + k, "\"}", 3);
	return signed_by_idp(req);
}

/* ID token claims for user (sub from the IdP's table) at times iat, exp. */
static char *id_claims(const char *user, const char *sub, const char *aud, long iat, long exp,
		       const char *extra)
{
	static char c[2048];

	snprintf(c, sizeof(c),
		 "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"iat\":%ld,\"exp\":%ld,"
		 "\"preferred_username\":\"%s\",\"groups\":[\"users\"]%s%s}",
		 idp.issuer, sub, aud, iat, exp, user, extra ? "," : "", extra ? extra : "");
	return c;
}

#define ALICE "6f1c2a7e-0b4d-4c8a-9e21-a11ce0000001"
#define BOB "3d9b5e10-7f2c-4a61-8b3e-b0b000000002"

static char *alice_id_token(long age, long ttl, const char *extra)
{
	long now = (long)time(NULL);

	return sign("RS256", NULL, id_claims("alice", ALICE, "pam-public", now - age, now + ttl,
					     extra));
}

/* A real token from the IdP's password grant: field "id_token" or
 * "access_token" of client (secret NULL: public). */
static char *idp_token(const char *client, const char *secret, const char *user,
		       const char *field)
{
	char form[512], *body = NULL, *tok;

	snprintf(form, sizeof(form),
		 "grant_type=password&username=%s&password=%s-pass&scope=openid%%20profile"
		 "%%20email&client_id=%s",
		 user, user, client);
	assert_int_equal(oa2t_idp_post(&idp, "/token", form, secret ? client : NULL, secret,
				       &body), 200);
	tok = json_field(body, field);
	free(body);
	assert_non_null(tok);
	return tok;
}

static int login(const char *service, const char *user, const char *answer,
		 struct oa2t_conv *conv)
{
	memset(conv, 0, sizeof(*conv));
	conv->answers[0] = answer;
	conv->nanswers = 1;
	return oa2t_auth(service, user, conv, true);
}

/* false, having said why, when the login's result or log is not as wanted */
static bool outcome(const char *service, const char *user, const char *token, int want,
		    const char *log)
{
	struct oa2t_conv conv;
	int rc = login(service, user, token, &conv);

	if (rc == want && (log == NULL || oa2t_log_has(log)))
		return true;
	print_error("%s as %s: PAM result %d, want %d with '%s'; log:\n%s\n", service, user, rc,
		    want, log ? log : "", oa2t_log_text());
	return false;
}

static void expect(const char *service, const char *user, const char *token, int want,
		   const char *log)
{
	if (!outcome(service, user, token, want, log))
		fail();
}

/* ---- accepted ---- */

static void real_id_token_logs_in_and_warm_login_asks_nothing(void **state)
{
	char *tok = idp_token("pam-public", NULL, "alice", "id_token");
	struct oa2t_conv conv;
	char *tok2;

	(void)state;
	assert_int_equal(login("tok", "alice", tok, &conv), PAM_SUCCESS);
	assert_non_null(strstr(conv.text, "Token for alice: "));
	oa2t_expect_log("grant=token evidence=id_token");
	/* warm: discovery and keys from the cache, no request at all */
	tok2 = alice_id_token(5, 600, NULL);
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	expect("tok", "alice", tok2, PAM_SUCCESS, "login accepted");
	assert_int_equal(all_requests(), 0);
	free(tok);
	free(tok2);
}

static void access_token_at_jwt_for_the_api_logs_in(void **state)
{
	long now = (long)time(NULL);
	char claims[1024], *tok;

	(void)state;
	snprintf(claims, sizeof(claims),
		 "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"iat\":%ld,\"exp\":%ld,"
		 "\"client_id\":\"ci-runner\",\"jti\":\"at-1\",\"scope\":\"openid deploy\","
		 "\"preferred_username\":\"alice\"}",
		 idp.issuer, ALICE, API, now, now + 300);
	tok = sign("ES256", "{\"typ\":\"at+jwt\"}", claims);
	expect("tok-api", "alice", tok, PAM_SUCCESS, "grant=token evidence=access_token");
	/* the same token where token_audience is the default (client_id) */
	expect("tok", "alice", tok, PAM_AUTH_ERR, "audience mismatch");
	free(tok);
}

static void use_first_pass_takes_the_token_without_asking(void **state)
{
	char *tok = alice_id_token(0, 600, NULL);
	struct oa2t_conv conv;

	(void)state;
	setenv("PAM_AUTHTOK", tok, 1);
	assert_int_equal(login("tok-fp", "alice", NULL, &conv), PAM_SUCCESS);
	assert_int_equal(conv.prompts, 0);
	free(tok);
}

static void try_first_pass_asks_once_when_authtok_is_no_token(void **state)
{
	char *tok = alice_id_token(0, 600, NULL);
	struct oa2t_conv conv;

	(void)state;
	setenv("PAM_AUTHTOK", "alice-pass", 1);
	assert_int_equal(login("tok-tfp", "alice", tok, &conv), PAM_SUCCESS);
	assert_int_equal(conv.prompts, 1);
	assert_int_equal(all_requests(), 0);
	free(tok);
}

/* ---- refused ---- */

static void wrong_audience_is_refused_without_a_request(void **state)
{
	long now = (long)time(NULL);
	char *tok = sign("RS256", NULL, id_claims("alice", ALICE, "other-client", now, now + 600,
						   NULL));

	(void)state;
	expect("tok", "alice", tok, PAM_AUTH_ERR, "audience mismatch");
	assert_int_equal(all_requests(), 0);
	free(tok);
}

static void too_old_token_is_refused(void **state)
{
	char *tok = alice_id_token(7200, 3600, NULL);
	char *young = alice_id_token(300, 3600, NULL);

	(void)state;
	/* 7200 s, or a few more on a slow machine */
	expect("tok", "alice", tok, PAM_AUTH_ERR, "token too old: issued 720");
	/* token_max_age = 60 on this service (plus 60 s leeway): five minutes is too old */
	expect("tok-short", "alice", young, PAM_AUTH_ERR, "token_max_age is 60");
	expect("tok", "alice", young, PAM_SUCCESS, "login accepted");
	free(tok);
	free(young);
}

static void expired_token_is_refused(void **state)
{
	char *tok = alice_id_token(900, -600, NULL);

	(void)state;
	expect("tok", "alice", tok, PAM_AUTH_ERR, "token expired");
	free(tok);
}

static void other_issuer_is_refused(void **state)
{
	long now = (long)time(NULL);
	char claims[1024], *tok;

	(void)state;
	snprintf(claims, sizeof(claims),
		 "{\"iss\":\"https://evil.example\",\"sub\":\"%s\",\"aud\":\"pam-public\","
		 "\"iat\":%ld,\"exp\":%ld,\"preferred_username\":\"alice\"}",
		 ALICE, now, now + 600);
	tok = sign("RS256", NULL, claims);
	expect("tok", "alice", tok, PAM_AUTH_ERR, "issuer mismatch");
	free(tok);
}

static void tampered_token_is_refused(void **state)
{
	char *tok = alice_id_token(0, 600, NULL);
	char *bob = sign("RS256", NULL, id_claims("bob", BOB, "pam-public", (long)time(NULL),
						  (long)time(NULL) + 600, NULL));
	char *forged;
	const char *d1 = strchr(tok, '.'), *d2 = strchr(d1 + 1, '.');
	const char *b1 = strchr(bob, '.'), *b2 = strchr(b1 + 1, '.');

	(void)state;
	/* bob's payload under alice's signature */
	forged = calloc(1, strlen(tok) + strlen(bob) + 1);
	assert_non_null(forged);
	memcpy(forged, tok, (size_t)(d1 - tok));
	memcpy(forged + strlen(forged), b1, (size_t)(b2 - b1));
	strcat(forged, d2);
	expect("tok", "bob", forged, PAM_AUTH_ERR, "signature");
	free(forged);
	free(tok);
	free(bob);
}

static void bobs_token_does_not_log_in_alice(void **state)
{
	char *tok = idp_token("pam-public", NULL, "bob", "id_token");

	(void)state;
	expect("tok", "alice", tok, PAM_AUTH_ERR, "maps to 'bob', not to 'alice'");
	free(tok);
}

static void typ_confusion_is_refused(void **state)
{
	long now = (long)time(NULL);
	char *logout, *bare;

	(void)state;
	logout = sign("RS256", "{\"typ\":\"logout+jwt\"}",
		      id_claims("alice", ALICE, "pam-public", now, now + 600, NULL));
	expect("tok", "alice", logout, PAM_AUTH_ERR, "typ");
	/* at+jwt must carry RFC 9068's client_id and jti */
	bare = sign("RS256", "{\"typ\":\"at+jwt\"}",
		    id_claims("alice", ALICE, API, now, now + 600, NULL));
	expect("tok-api", "alice", bare, PAM_AUTH_ERR, "'client_id' or 'jti' is missing");
	free(logout);
	free(bare);
}

static void replay_is_refused_with_single_use(void **state)
{
	char *tok = alice_id_token(0, 600, "\"jti\":\"once-1\"");
	char *nojti = alice_id_token(0, 600, NULL);
	char path[400];
	struct stat st;

	(void)state;
	expect("tok-once", "alice", tok, PAM_SUCCESS, "login accepted");
	expect("tok-once", "alice", tok, PAM_AUTH_ERR, "token replayed");
	expect("tok-once", "alice", nojti, PAM_AUTH_ERR, "no usable 'jti'");
	/* without token_single_use the same token still logs in */
	expect("tok", "alice", tok, PAM_SUCCESS, "login accepted");
	snprintf(path, sizeof(path), "%s/replay/replay", oa2t_tmp());
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(tok);
	free(nojti);
}

/* n logins as alice with one token at once, each its own process (the
 * account phase follows a refused authentication on the same handle, as in
 * a stack where another auth module may still let the user in); how many
 * succeeded. *vouched: how many refused logins the account phase still
 * accepted (pam_oauth2 must not vouch for a login it refused). */
static int race(const char *service, const char *token, int n, int *vouched)
{
	pid_t pids[8];
	int wins = 0, status;

	assert_true(n <= 8);
	*vouched = 0;
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			const char *answers[] = {token, NULL};
			struct pamtest_conv_data conv = {.in_echo_off = answers};
			struct pam_testcase cases[] = {
				pam_test(PAMTEST_AUTHENTICATE, PAM_AUTH_ERR),
				pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
			};

			cases[1].op_rv = -1;
			(void)run_pamtest(service, "alice", &conv, cases, NULL);
			_exit(cases[0].op_rv == PAM_SUCCESS ? 0 : cases[1].op_rv == PAM_SUCCESS ? 2 : 1);
		}
	}
	for (int i = 0; i < n; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		wins += WIFEXITED(status) && WEXITSTATUS(status) == 0;
		*vouched += WIFEXITED(status) && WEXITSTATUS(status) == 2;
	}
	return wins;
}

static void racing_logins_with_one_token_let_one_in(void **state)
{
	char *tok = alice_id_token(0, 600, "\"jti\":\"race-1\"");

	int vouched;

	(void)state;
	assert_int_equal(race("tok-once", tok, 8, &vouched), 1);
	assert_int_equal(vouched, 0);
	free(tok);
}

static void opaque_token_is_introspected_by_the_confidential_client(void **state)
{
	char *at = idp_token("pam-confidential", "confidential-secret", "alice", "access_token");
	char *pub = idp_token("pam-public", NULL, "alice", "access_token");

	(void)state;
	assert_null(strchr(at, '.'));
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	expect("tok-conf", "alice", at, PAM_SUCCESS, "grant=token evidence=introspection");
	assert_int_equal(oa2t_count(&idp, "introspection"), 1);
	expect("tok-conf", "bob", at, PAM_AUTH_ERR, "maps to 'alice', not to 'bob'");
	/* issued to another client */
	expect("tok-conf", "alice", pub, PAM_AUTH_ERR, "issued to client 'pam-public'");
	/* a public client cannot introspect: refused before any request */
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	expect("tok", "alice", at, PAM_AUTH_ERR, "opaque tokens need introspection");
	assert_int_equal(all_requests(), 0);
	free(at);
	free(pub);
}

/* The store's live lines (after the magic line) and the largest "until". */
static int store_lines(const char *name, long long *max_until)
{
	char path[400], line[256];
	int n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/replay", oa2t_tmp(), name);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	*max_until = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		long long u = atoll(line);

		if (n >= 0 && u > *max_until)
			*max_until = u;
		n++;
	}
	fclose(f);
	return n;
}

static void opaque_token_without_iat_is_used_once_until_it_expires(void **state)
{
	char *at, *noexp;
	long long until = 0;

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/introspection-shape",
				      "{\"drop\":[\"iat\"],\"jti\":true}", NULL), 200);
	at = idp_token("pam-confidential", "confidential-secret", "alice", "access_token");
	/* without token_single_use nothing would bound its use: refused */
	expect("tok-conf", "alice", at, PAM_AUTH_ERR, "no 'iat', so token_max_age cannot");
	/* with it: once, and remembered until exp (about an hour), not until
	 * now + token_max_age (10 s here, leeway 0) */
	expect("tok-once-conf", "alice", at, PAM_SUCCESS, "grant=token evidence=introspection");
	expect("tok-once-conf", "alice", at, PAM_AUTH_ERR, "token replayed");
	assert_int_equal(store_lines("replay-opaque", &until), 1);
	assert_true(until > (long long)time(NULL) + 3000);
	sleep(12);
	expect("tok-once-conf", "alice", at, PAM_AUTH_ERR, "token replayed");
	/* neither iat nor exp: how long to remember it would be unknown
	 * (introspection requires exp anyway, claims.c) */
	assert_int_equal(oa2t_control(&idp, "POST", "/introspection-shape",
				      "{\"drop\":[\"iat\",\"exp\"],\"jti\":true}", NULL), 200);
	noexp = idp_token("pam-confidential", "confidential-secret", "alice", "access_token");
	expect("tok-once-conf", "alice", noexp, PAM_AUTH_ERR, "'exp' is missing");
	assert_int_equal(store_lines("replay-opaque", &until), 1);
	free(at);
	free(noexp);
}

/* Two logins with one opaque token, both past the store's check before
 * either is decided (userinfo answers slowly, after the check): the record
 * after the module's decision lets one in, and the other is refused there. */
static void racing_past_the_check_the_record_lets_one_in(void **state)
{
	char *at;
	int vouched;

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/introspection-shape", "{\"jti\":true}",
				      NULL), 200);
	at = idp_token("pam-confidential", "confidential-secret", "alice", "access_token");
	assert_int_equal(oa2t_control(&idp, "POST", "/fault",
				      "{\"endpoint\":\"userinfo\",\"kind\":\"slow\",\"ms\":3000,"
				      "\"count\":2}",
				      NULL), 200);
	assert_int_equal(race("tok-once-conf", at, 2, &vouched), 1);
	assert_int_equal(oa2t_count(&idp, "userinfo"), 2); /* both got past the check */
	/* the loser was accepted by the mapping and the policy, then refused:
	 * the account phase must not vouch for it */
	assert_int_equal(vouched, 0);
	assert_int_equal(oa2t_control(&idp, "POST", "/fault/clear", "{}", NULL), 200);
	free(at);
}

/* An ID token for user with groups (a JSON array) and a jti. */
static char *grouped_token(const char *user, const char *sub, const char *groups, const char *jti)
{
	long now = (long)time(NULL);
	char c[1024];

	snprintf(c, sizeof(c),
		 "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"pam-public\",\"iat\":%ld,"
		 "\"exp\":%ld,\"preferred_username\":\"%s\",\"groups\":%s,\"jti\":\"%s\"}",
		 idp.issuer, sub, now, now + 600, user, groups, jti);
	return sign("RS256", NULL, c);
}

#define FLOOD_ROOM 3

static void refused_tokens_take_no_room_in_the_store(void **state)
{
	char dir[400], path[420], jti[32], *tok;
	long long until = 0;
	long now = (long)time(NULL);
	FILE *f;

	(void)state;
	/* a store with room for FLOOD_ROOM more tokens (a version 1 store, as
	 * an earlier release left it) */
	snprintf(dir, sizeof(dir), "%s/replay-flood", oa2t_tmp());
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/replay", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "pam_oauth2-replay 1\n");
	for (int i = 0; i < 4096 - FLOOD_ROOM; i++)
		fprintf(f, "%ld %064x\n", now + 600, i);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
	/* twice as many tokens as there is room, each refused by the module:
	 * another user's, or without the required group */
	for (int i = 0; i < 2 * FLOOD_ROOM; i++) {
		snprintf(jti, sizeof(jti), "flood-%d", i);
		if (i % 2) {
			tok = grouped_token("bob", BOB, "[\"users\",\"admins\"]", jti);
			expect("tok-once-admins", "alice", tok, PAM_AUTH_ERR,
			       "maps to 'bob', not to 'alice'");
		} else {
			tok = grouped_token("alice", ALICE, "[\"users\"]", jti);
			expect("tok-once-admins", "alice", tok, PAM_PERM_DENIED, "admins");
		}
		free(tok);
	}
	assert_int_equal(store_lines("replay-flood", &until), 4096 - FLOOD_ROOM);
	/* the host's real user still gets in, once */
	tok = grouped_token("alice", ALICE, "[\"users\",\"admins\"]", "real-1");
	expect("tok-once-admins", "alice", tok, PAM_SUCCESS, "login accepted");
	expect("tok-once-admins", "alice", tok, PAM_AUTH_ERR, "token replayed");
	assert_int_equal(store_lines("replay-flood", &until), 4096 - FLOOD_ROOM + 1);
	free(tok);
}

#define ZROLES "\"urn:zitadel:iam:org:project:roles\":"

/* require_groups = admins over ZITADEL's roles object and Keycloak's
 * realm_access.roles: the genuine claims log in, a \u0000 in a nested name
 * does not make bob's "admins" out of another name. */
static void nul_in_a_nested_name_is_refused(void **state)
{
	static const struct {
		const char *service, *extra;
		int want;
		const char *log;
	} cases[] = {
		{"tok-zroles", ZROLES "{\"admins\":{\"3141\":\"acme.example\"}}", PAM_SUCCESS,
		 "login accepted"},
		{"tok-zroles", ZROLES "{\"users\":{}}", PAM_PERM_DENIED,
		 "not in any required group"},
		{"tok-zroles", ZROLES "{\"admins\\u0000-not\":{}}", PAM_AUTH_ERR,
		 "a member name holds"},
		{"tok-realm", "\"realm_access\":{\"roles\":[\"admins\"]}", PAM_SUCCESS,
		 "login accepted"},
		{"tok-realm", "\"realm_access\":{\"roles\":[\"user\"]}", PAM_PERM_DENIED,
		 "not in any required group"},
		{"tok-realm",
		 "\"realm_access\":{\"roles\":[\"user\"],\"roles\\u0000\":[\"admins\"]}",
		 PAM_AUTH_ERR, "a member name holds"},
		{"tok-realm",
		 "\"x\":[{\"ok\":1,\"\\u0000\":2}],\"realm_access\":{\"roles\":[\"admins\"]}",
		 PAM_AUTH_ERR, "a member name holds"},
	};
	int wrong = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *tok = sign("RS256", NULL,
				 id_claims("bob", BOB, "pam-public", (long)time(NULL),
					   (long)time(NULL) + 600, cases[i].extra));

		wrong += !outcome(cases[i].service, "bob", tok, cases[i].want, cases[i].log);
		free(tok);
	}
	assert_int_equal(wrong, 0);
}

/* The same member twice in a nested object, or in an object inside an
 * array: json-c would keep the last, the helper would have checked both. */
static void nested_duplicate_names_are_refused(void **state)
{
	static const struct {
		const char *service, *extra;
	} cases[] = {
		{"tok-realm", "\"realm_access\":{\"roles\":[\"users\"],\"roles\":[\"admins\"]}"},
		{"tok-realm",
		 "\"realm_access\":{\"roles\":[\"users\"],\"\\u0072oles\":[\"admins\"]}"},
		{"tok-zroles", ZROLES "{\"admins\":false,\"admins\":{}}"},
		{"tok-realm",
		 "\"realm_access\":{\"roles\":[\"admins\"]},\"a\":[{\"b\":1,\"b\":2}]"},
	};
	int wrong = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *tok = sign_text(id_claims("bob", BOB, "pam-public", (long)time(NULL),
						(long)time(NULL) + 600, cases[i].extra));

		wrong += !outcome(cases[i].service, "bob", tok, PAM_AUTH_ERR,
				  "two members of the same name");
		free(tok);
	}
	assert_int_equal(wrong, 0);
}

static void passwords_and_garbage_never_reach_the_idp(void **state)
{
	static const char *const junk[] = {
		"alice-pass", "correct horse battery staple", "a.b.c", "..", "x.y.",
		"p@ssw0rd-with-symbols!-and-length-over-32", "\xc3\xa9t\xc3\xa9-\xc3\xa9t\xc3\xa9",
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.", NULL,
	};

	(void)state;
	for (const char *const *j = junk; *j; j++) {
		expect("tok", "alice", *j, PAM_AUTH_ERR, NULL);
		expect("tok-conf", "alice", *j, PAM_AUTH_ERR, NULL);
	}
	expect("tok", "alice", "", PAM_AUTH_ERR, "empty token");
	expect("tok", "alice", "\b\n\r\177INCORRECT", PAM_AUTH_ERR, NULL);
	expect("tok-conf", "alice", "hunter2", PAM_AUTH_ERR, "nothing was sent to the IdP");
	assert_int_equal(all_requests(), 0);
}

int main(int argc, char **argv)
{
	static const struct oa2t_service services[] = {
		{"tok", "config=%T/tok.conf debug", false},
		{"tok-api", "config=%T/tok.conf token_audience=" API ",pam-public debug", false},
		{"tok-short", "config=%T/tok.conf token_max_age=60 debug", false},
		{"tok-once",
		 "config=%T/tok.conf token_single_use=yes token_replay_dir=%T/replay debug", false},
		{"tok-conf", "config=%T/tok-conf.conf debug", false},
		{"tok-once-conf",
		 "config=%T/tok-conf.conf token_single_use=yes token_replay_dir=%T/replay-opaque "
		 "token_max_age=10 leeway=0 debug",
		 false},
		{"tok-once-admins",
		 "config=%T/tok.conf token_single_use=yes token_replay_dir=%T/replay-flood "
		 "require_groups=admins debug",
		 false},
		{"tok-zroles",
		 "config=%T/tok.conf groups_claim=urn:zitadel:iam:org:project:roles "
		 "require_groups=admins debug",
		 false},
		{"tok-realm",
		 "config=%T/tok.conf groups_claim=realm_access.roles require_groups=admins debug",
		 false},
		{"tok-fp", "config=%T/tok.conf use_first_pass debug", true},
		{"tok-tfp", "config=%T/tok.conf try_first_pass debug", true},
		{NULL, NULL, false},
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(real_id_token_logs_in_and_warm_login_asks_nothing, reset),
		cmocka_unit_test_setup(access_token_at_jwt_for_the_api_logs_in, reset),
		cmocka_unit_test_setup(use_first_pass_takes_the_token_without_asking, reset),
		cmocka_unit_test_setup(try_first_pass_asks_once_when_authtok_is_no_token, reset),
		cmocka_unit_test_setup(wrong_audience_is_refused_without_a_request, reset),
		cmocka_unit_test_setup(too_old_token_is_refused, reset),
		cmocka_unit_test_setup(expired_token_is_refused, reset),
		cmocka_unit_test_setup(other_issuer_is_refused, reset),
		cmocka_unit_test_setup(tampered_token_is_refused, reset),
		cmocka_unit_test_setup(bobs_token_does_not_log_in_alice, reset),
		cmocka_unit_test_setup(typ_confusion_is_refused, reset),
		cmocka_unit_test_setup(replay_is_refused_with_single_use, reset),
		cmocka_unit_test_setup(racing_logins_with_one_token_let_one_in, reset),
		cmocka_unit_test_setup(opaque_token_is_introspected_by_the_confidential_client,
				       reset),
		cmocka_unit_test_setup(opaque_token_without_iat_is_used_once_until_it_expires, reset),
		cmocka_unit_test_setup(racing_past_the_check_the_record_lets_one_in, reset),
		cmocka_unit_test_setup(refused_tokens_take_no_room_in_the_store, reset),
		cmocka_unit_test_setup(nul_in_a_nested_name_is_refused, reset),
		cmocka_unit_test_setup(nested_duplicate_names_are_refused, reset),
		cmocka_unit_test_setup(passwords_and_garbage_never_reach_the_idp, reset),
	};

	oa2t_init(argc, argv, services);
	return cmocka_run_group_tests(tests, setup, oa2t_idp_teardown);
}
