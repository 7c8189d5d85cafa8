/* test_offline.c - offline console logins through real PAM (pam_wrapper with
 * pam_set_items.so for PAM_TTY/PAM_RHOST): an online password login leaves a
 * yescrypt entry; with the IdP unreachable the right password works, a wrong
 * one does not, repeated wrong ones are rate-limited, an old entry is
 * refused; with the IdP answering there is no offline path at all, whatever
 * status its refusal has (403, 429, 400 with a string; 4xx from discovery or
 * the JWKS), while a 5xx is an outage; a password the IdP refuses retires
 * the entry; an entry logs in only under the issuer and client that wrote
 * it; remote sessions and unknown users never get one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>

#include "harness.h"

static struct oa2t_idp idp;

/* A configuration for issuer with the client lines given, trusting ca;
 * every one shares the same offline_dir. */
static void write_config_for(const char *issuer, const char *ca, const char *cache,
			     const char *client, const char *extra)
{
	char body[2048];

	snprintf(body, sizeof(body),
		 "issuer = %s\n%sca_file = %s\ncache_dir = %s/cache-%s\n"
		 "http_timeout = 3\ndevice_timeout = 10\noffline_dir = %s/offline\n"
		 "offline_max_age = 3600\n%s",
		 issuer, client, ca, oa2t_tmp(), cache, oa2t_tmp(),
		 extra ? extra : "offline_cache = yes\n");
	oa2t_write("offline.conf", body, 0644);
}

/* up: the real IdP; down: the same issuer, unreachable (its TLS
 * certificate does not verify: an outage like a refused connection). */
static void write_config(int up, const char *extra)
{
	char other_ca[300];

	snprintf(other_ca, sizeof(other_ca), "%s/other-ca.pem", idp.dir);
	write_config_for(idp.issuer, up ? idp.ca : other_ca, up ? "up" : "down",
			 "client_id = pam-public\n", extra);
}

static int setup(void **state)
{
	*state = &idp;
	return oa2t_idp_start(&idp, "offline", "--interval 1");
}

static int reset(void **state)
{
	(void)state;
	setenv("PAM_TTY", "tty1", 1);
	unsetenv("PAM_RHOST");
	return 0;
}

static int console(const char *user, const char *password)
{
	struct oa2t_conv conv = {0};

	conv.answers[0] = password;
	conv.nanswers = 1;
	return oa2t_auth("login-offline", user, &conv, true);
}

/* A fresh entry for alice from an online login. */
static void online_alice(void)
{
	write_config(1, NULL);
	assert_int_equal(console("alice", "alice-pass"), PAM_SUCCESS);
	oa2t_expect_log("evidence=id_token");
}

static void online_login_leaves_private_hashed_entry(void **state)
{
	char path[300], buf[8192];
	struct stat st;
	FILE *f;
	size_t n;

	(void)state;
	online_alice();
	snprintf(path, sizeof(path), "%s/offline/alice", oa2t_tmp());
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_uid, 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\"hash\":\"$y$"));
	assert_null(strstr(buf, "alice-pass"));
}

static void idp_down_right_password_works(void **state)
{
	(void)state;
	online_alice();
	write_config(0, NULL);
	assert_int_equal(console("alice", "alice-pass"), PAM_SUCCESS);
	oa2t_expect_log("trying the offline entry for alice");
	oa2t_expect_log("login accepted: service=login-offline user=alice");
	oa2t_expect_log("grant=password (offline) evidence=offline entry");
}

static void idp_down_wrong_password_refused(void **state)
{
	(void)state;
	online_alice();
	write_config(0, NULL);
	assert_int_equal(console("alice", "bob-pass"), PAM_AUTH_ERR);
	oa2t_expect_log("offline: wrong password for alice");
}

static void wrong_passwords_are_rate_limited(void **state)
{
	(void)state;
	online_alice();
	write_config(0, NULL);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(console("alice", "guess"), PAM_AUTH_ERR);
		oa2t_expect_log("wrong password");
	}
	/* now even the right password waits */
	assert_int_equal(console("alice", "alice-pass"), PAM_AUTH_ERR);
	oa2t_expect_log("too many wrong passwords for alice");
}

static void old_entry_is_refused(void **state)
{
	char cmd[600];

	(void)state;
	online_alice();
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys,time; p=sys.argv[1]; d=json.load(open(p)); "
		 "d[\"created\"]=int(time.time())-7200; open(p,\"w\").write(json.dumps(d))' "
		 "'%s/offline/alice'", oa2t_tmp());
	assert_int_equal(system(cmd), 0);
	write_config(0, NULL);
	assert_int_equal(console("alice", "alice-pass"), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("offline entry for alice is too old");
}

static void no_offline_path_when_idp_answers(void **state)
{
	(void)state;
	online_alice();
	/* IdP up: a wrong password is refused by the IdP, never checked offline */
	assert_int_equal(console("alice", "guess"), PAM_AUTH_ERR);
	oa2t_expect_log("refused the password");
	assert_false(oa2t_log_has("trying the offline entry"));
	/* and the right one is an online login */
	assert_int_equal(console("alice", "alice-pass"), PAM_SUCCESS);
	oa2t_expect_log("evidence=id_token");
	assert_false(oa2t_log_has("trying the offline entry"));
}

/* The IdP answers, refusing, as real providers do: never an outage, so the
 * right (offline) password of a fresh entry does not log in. */
static void idp_refusal_never_opens_offline(void **state)
{
	static const struct {
		int status;
		const char *json, *text;
	} refusals[] = {
		{403, "{\"error\":\"invalid_grant\"}", NULL}, /* Auth0 */
		{403, NULL, NULL},                            /* glewlwyd */
		{429, NULL, "Too Many Requests"},             /* a rate limiter */
		{429, "{\"error\":\"too_many_attempts\"}", NULL},
		{400, NULL, "invalid_grant"},
		{401, "{\"error\":\"unauthorized\",\"error_description\":\"user is blocked\"}", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		online_alice();
		assert_int_equal(oa2t_answer(&idp, "token", 1, refusals[i].status, refusals[i].json,
					     refusals[i].text), 200);
		assert_int_equal(console("alice", "alice-pass"), PAM_AUTH_ERR);
		if (oa2t_log_has("trying the offline entry"))
			fail_msg("HTTP %d opened the offline path:\n%s", refusals[i].status,
				 oa2t_log_text());
	}
}

static bool has_entry(const char *user)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "%s/offline/%s", oa2t_tmp(), user);
	return stat(path, &st) == 0;
}

/* A password the IdP refuses (changed, revoked, account disabled) must not
 * log in offline later: the refusal retires the entry. */
static void refused_password_retires_entry(void **state)
{
	(void)state;
	online_alice();
	assert_true(has_entry("alice"));
	assert_int_equal(console("alice", "guess"), PAM_AUTH_ERR); /* 400 invalid_grant */
	assert_false(has_entry("alice"));
	write_config(0, NULL);
	assert_int_equal(console("alice", "alice-pass"), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("alice has no usable offline entry");

	/* the very password of the entry, refused the Auth0 way */
	online_alice();
	assert_int_equal(oa2t_answer(&idp, "token", 1, 403, "{\"error\":\"invalid_grant\"}", NULL),
			 200);
	assert_int_equal(console("alice", "alice-pass"), PAM_AUTH_ERR);
	assert_false(has_entry("alice"));
	write_config(0, NULL);
	assert_int_equal(console("alice", "alice-pass"), PAM_AUTHINFO_UNAVAIL);

	/* an outage keeps it */
	online_alice();
	assert_int_equal(oa2t_answer(&idp, "token", 1, 502, NULL, NULL), 200);
	assert_int_equal(console("alice", "guess"), PAM_AUTH_ERR);
	oa2t_expect_log("offline: wrong password for alice");
	assert_true(has_entry("alice"));
}

/* The IdP accepts the password but the policy now refuses (alice left the
 * required group): the old entry, with the old claims, must not pass that
 * policy offline later, so the refusal retires it too. */
static void policy_refusal_retires_entry(void **state)
{
	(void)state;
	online_alice();
	assert_true(has_entry("alice"));
	write_config(1, "offline_cache = yes\nrequire_groups = no-such-group\n");
	assert_int_equal(console("alice", "alice-pass"), PAM_PERM_DENIED);
	assert_false(has_entry("alice"));
	write_config(0, NULL);
	assert_int_equal(console("alice", "alice-pass"), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("alice has no usable offline entry");
}

/* An entry written under one configuration (issuer, client) does not log
 * in under another sharing the same offline_dir. */
static void entry_is_bound_to_issuer_and_client(void **state)
{
	char client[600];

	(void)state;
	online_alice();
	/* another issuer, unreachable */
	write_config_for("https://localhost:1", idp.ca, "other-issuer", "client_id = pam-public\n",
			 NULL);
	assert_int_equal(console("alice", "alice-pass"), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("offline entry for alice was written for another issuer or client");
	/* the same issuer, failing, but another client of it */
	snprintf(client, sizeof(client),
		 "client_id = pam-confidential\nclient_secret_file = %s\n",
		 oa2t_write("secret", "confidential-secret\n", 0600));
	write_config_for(idp.issuer, idp.ca, "up", client, NULL);
	assert_int_equal(oa2t_answer(&idp, "token", 1, 503, NULL, NULL), 200);
	assert_int_equal(console("alice", "alice-pass"), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("trying the offline entry for alice");
	oa2t_expect_log("offline entry for alice was written for another issuer or client");
	/* the configuration that wrote it still can */
	write_config(0, NULL);
	assert_int_equal(console("alice", "alice-pass"), PAM_SUCCESS);
	oa2t_expect_log("grant=password (offline) evidence=offline entry");
}

static void drop_cache(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/cache-up'", oa2t_tmp());
	assert_int_equal(system(cmd), 0);
}

/* A 4xx from discovery or the JWKS is the IdP answering, not an outage. */
static void metadata_refusal_never_opens_offline(void **state)
{
	(void)state;
	online_alice();
	drop_cache();
	assert_int_equal(oa2t_answer(&idp, "discovery", 1, 404, NULL, "not found"), 200);
	assert_int_equal(console("alice", "alice-pass"), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("HTTP status 404");
	assert_false(oa2t_log_has("trying the offline entry"));
	online_alice();
	drop_cache();
	assert_int_equal(oa2t_answer(&idp, "jwks", 1, 403, NULL, NULL), 200);
	assert_int_equal(console("alice", "alice-pass"), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("HTTP status 403");
	assert_false(oa2t_log_has("trying the offline entry"));
}

/* A 5xx is an outage: the offline entry serves. */
static void idp_5xx_opens_offline(void **state)
{
	(void)state;
	online_alice();
	assert_int_equal(oa2t_answer(&idp, "token", 1, 503, NULL, "Service Unavailable"), 200);
	assert_int_equal(console("alice", "alice-pass"), PAM_SUCCESS);
	oa2t_expect_log("trying the offline entry for alice");
	oa2t_expect_log("grant=password (offline) evidence=offline entry");
}

static void disabled_means_unavailable(void **state)
{
	(void)state;
	online_alice();
	write_config(0, "offline_cache = no\n");
	assert_int_equal(console("alice", "alice-pass"), PAM_AUTHINFO_UNAVAIL);
	assert_false(oa2t_log_has("offline entry"));
}

static void remote_session_never_offline(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	online_alice();
	write_config(0, NULL);
	setenv("PAM_RHOST", "192.0.2.9", 1);
	conv.answers[0] = "alice-pass";
	conv.nanswers = 1;
	assert_int_equal(oa2t_auth("login-offline", "alice", &conv, true), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("grant=device");
	assert_false(oa2t_log_has("offline entry"));
}

static void user_without_entry_is_unavailable(void **state)
{
	(void)state;
	write_config(0, NULL);
	assert_int_equal(console("bob", "bob-pass"), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("bob has no usable offline entry");
}

int main(int argc, char **argv)
{
	static const struct oa2t_service services[] = {
		{"login-offline", "config=%T/offline.conf debug", true},
		{NULL, NULL, false},
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(online_login_leaves_private_hashed_entry, reset),
		cmocka_unit_test_setup(idp_down_right_password_works, reset),
		cmocka_unit_test_setup(idp_down_wrong_password_refused, reset),
		cmocka_unit_test_setup(wrong_passwords_are_rate_limited, reset),
		cmocka_unit_test_setup(old_entry_is_refused, reset),
		cmocka_unit_test_setup(no_offline_path_when_idp_answers, reset),
		cmocka_unit_test_setup(idp_refusal_never_opens_offline, reset),
		cmocka_unit_test_setup(metadata_refusal_never_opens_offline, reset),
		cmocka_unit_test_setup(idp_5xx_opens_offline, reset),
		cmocka_unit_test_setup(refused_password_retires_entry, reset),
		cmocka_unit_test_setup(policy_refusal_retires_entry, reset),
		cmocka_unit_test_setup(entry_is_bound_to_issuer_and_client, reset),
		cmocka_unit_test_setup(disabled_means_unavailable, reset),
		cmocka_unit_test_setup(remote_session_never_offline, reset),
		cmocka_unit_test_setup(user_without_entry_is_unavailable, reset),
	};

	oa2t_init(argc, argv, services);
	return cmocka_run_group_tests(tests, setup, oa2t_idp_teardown);
}
