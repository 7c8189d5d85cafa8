/* test_password.c - the password grant through real PAM (pam_wrapper, with
 * pam_set_items.so setting PAM_TTY / PAM_RHOST / PAM_AUTHTOK from the
 * environment) against the test IdP with a confidential client: the right
 * password on a trusted tty logs alice in, a wrong one is PAM_AUTH_ERR, a
 * remote session never gets the password grant, an untrusted tty gets the
 * device grant, use_first_pass takes the earlier module's password (and
 * never asks), try_first_pass asks once when the IdP refused it (not when the
 * IdP is down), sshd's "bad password" marker is refused before the IdP is
 * asked, an IdP failure is PAM_AUTHINFO_UNAVAIL, and every way real
 * providers refuse (403 invalid_grant, an empty 403, 429, 400 with a string,
 * 200 with an error) is a refusal, never "unavailable". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"

static struct oa2t_idp idp;

static int setup(void **state)
{
	static const char rest[] = "http_timeout = 5\ndevice_timeout = 10\n";

	*state = &idp;
	if (oa2t_idp_start(&idp, "password", "--interval 1") != 0)
		return -1;
	oa2t_write_config("oa2.conf", &idp, "pam-confidential", "cache", rest);
	/* Configuration B: the same IdP, another file (another pam_oauth2 line). */
	oa2t_write_config("oa2-b.conf", &idp, "pam-confidential", "cache", rest);
	return 0;
}

static int reset(void **state)
{
	oa2t_unset_items(state);
	return oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL) == 200 ? 0 : -1;
}

static int console_login(const char *service, const char *user, const char *password,
			 struct oa2t_conv *conv)
{
	conv->answers[0] = password;
	conv->nanswers = password ? 1 : 0;
	return oa2t_auth(service, user, conv, true);
}

/* console_login of alice (alice-pass) where the device grant is expected
 * instead: the code shown is denied at the IdP at once. */
static int console_login_device_denied(const char *service, struct oa2t_conv *conv)
{
	struct oa2t_screen_action deny = oa2t_device_approver(&idp, NULL, 0);
	int rc;

	conv->on_message = oa2t_screen_act;
	conv->user = &deny;
	rc = console_login(service, "alice", "alice-pass", conv);
	conv->user = NULL;
	return rc;
}

/* How the token endpoint answers a password grant, and the PAM result. */
struct answer {
	int status;
	const char *json; /* NULL: the plain text below */
	const char *text;
	int pam;
	const char *log;
};

static const struct answer answers[] = {
	/* Auth0: a wrong password is 403 invalid_grant */
	{403, "{\"error\":\"invalid_grant\",\"error_description\":\"Wrong email or password.\"}",
	 NULL, PAM_AUTH_ERR, "refused the password (HTTP status 403)"},
	/* glewlwyd: 403 and nothing else */
	{403, NULL, NULL, PAM_AUTH_ERR, "refused with HTTP status 403 and no OAuth error"},
	/* rate limiters, with and without an OAuth error: a throttle */
	{429, NULL, "Too Many Requests", PAM_AUTH_ERR,
	 "token endpoint: the identity provider limits the requests from this host (HTTP status "
	 "429, no Retry-After)"},
	{429, "{\"error\":\"too_many_attempts\"}", NULL, PAM_AUTH_ERR,
	 "token endpoint: the identity provider limits the requests from this host (HTTP status "
	 "429 too_many_attempts, no Retry-After)"},
	/* 400 with a string, not an OAuth error object */
	{400, NULL, "invalid_grant", PAM_AUTH_ERR, "refused with HTTP status 400"},
	{400, "\"invalid_grant\"", NULL, PAM_AUTH_ERR, "refused with HTTP status 400"},
	/* GitHub style: 200 with an error member */
	{200, "{\"error\":\"invalid_grant\"}", NULL, PAM_AUTH_ERR, "refused the password"},
	/* Auth0: a blocked user */
	{401, "{\"error\":\"unauthorized\",\"error_description\":\"user is blocked\"}", NULL,
	 PAM_AUTH_ERR, "token endpoint refused: unauthorized user is blocked"},
	/* the client itself is refused: configuration */
	{401, "{\"error\":\"invalid_client\"}", NULL, PAM_SERVICE_ERR,
	 "refused this client: invalid_client"},
	/* outages: 5xx, or the IdP saying it is unavailable */
	{503, "{\"error\":\"temporarily_unavailable\"}", NULL, PAM_AUTHINFO_UNAVAIL,
	 "HTTP status 503, temporarily_unavailable"},
	{502, NULL, "Bad Gateway", PAM_AUTHINFO_UNAVAIL, "token endpoint: HTTP status 502"},
};

static void every_idp_answer_has_its_result(void **state)
{
	struct oa2t_conv conv;

	(void)state;
	setenv("PAM_TTY", "tty1", 1);
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		const struct answer *a = &answers[i];
		int rc;

		memset(&conv, 0, sizeof(conv));
		assert_int_equal(oa2t_answer(&idp, "token", 1, a->status, a->json, a->text), 200);
		rc = console_login("login-oa2", "alice", "alice-pass", &conv);
		if (rc != a->pam || !oa2t_log_has(a->log))
			fail_msg("HTTP %d %s: PAM result %d, want %d with '%s'; log:\n%s", a->status,
				 a->json ? a->json : a->text ? a->text : "(empty)", rc, a->pam, a->log,
				 oa2t_log_text());
	}
	/* and the IdP answering normally logs alice in again */
	memset(&conv, 0, sizeof(conv));
	assert_int_equal(console_login("login-oa2", "alice", "alice-pass", &conv), PAM_SUCCESS);
}

static void right_password_on_tty1(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "/dev/tty1", 1);
	assert_int_equal(console_login("login-oa2", "alice", "alice-pass", &conv), PAM_SUCCESS);
	oa2t_expect_log("login accepted: service=login-oa2 user=alice");
	oa2t_expect_log("grant=password evidence=id_token");
	assert_int_equal(conv.prompts, 1);
	assert_non_null(strstr(conv.text, "Password for alice: "));
	assert_int_equal(oa2t_count(&idp, "token"), 1);
	assert_null(strstr(oa2t_log_text(), "alice-pass")); /* never logged */
}

static void wrong_password_is_auth_err(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "tty1", 1);
	assert_int_equal(console_login("login-oa2", "alice", "bob-pass", &conv), PAM_AUTH_ERR);
	oa2t_expect_log("refused the password");
	assert_null(strstr(oa2t_log_text(), "bob-pass"));
}

static void empty_password_is_refused_without_asking_idp(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "tty1", 1);
	assert_int_equal(console_login("login-oa2", "alice", "", &conv), PAM_AUTH_ERR);
	oa2t_expect_log("empty password");
	assert_int_equal(oa2t_count(&idp, "token"), 0);
}

/* sshd's marker in place of the typed password: refused before the IdP is
 * asked. */
static void sshd_marker_password_is_refused(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "tty1", 1);
	assert_int_equal(console_login("login-oa2", "alice", "\b\n\r\177INCORRECT\b\n", &conv),
			 PAM_AUTH_ERR);
	oa2t_expect_log("reason=denied: sshd replaced the answer with its marker");
	assert_int_equal(oa2t_count(&idp, "token"), 0);
}

static void remote_session_gets_device_grant(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "tty1", 1);
	setenv("PAM_RHOST", "192.0.2.7", 1);
	assert_int_equal(console_login_device_denied("login-oa2", &conv), PAM_AUTH_ERR);
	oa2t_expect_log("grant=device");
	assert_null(strstr(conv.text, "Password"));
	assert_int_equal(oa2t_count(&idp, "device_authorization"), 1);
}

static void forced_password_grant_refused_for_remote(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_RHOST", "192.0.2.7", 1);
	assert_int_equal(console_login("pw-forced", "alice", "alice-pass", &conv), PAM_PERM_DENIED);
	oa2t_expect_log("not used for remote sessions");
	assert_int_equal(conv.prompts, 0);
	assert_int_equal(oa2t_count(&idp, "token"), 0);
}

static void untrusted_tty_gets_device_grant(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "/dev/pts/3", 1);
	assert_int_equal(console_login_device_denied("login-oa2", &conv), PAM_AUTH_ERR);
	oa2t_expect_log("grant=device");
	assert_null(strstr(conv.text, "Password"));
}

static void use_first_pass_takes_earlier_password(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "tty1", 1);
	setenv("PAM_AUTHTOK", "alice-pass", 1);
	assert_int_equal(console_login("pw-first", "alice", NULL, &conv), PAM_SUCCESS);
	assert_int_equal(conv.prompts, 0);
	oa2t_expect_log("grant=password");
}

static void use_first_pass_without_password_fails(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "tty1", 1);
	assert_int_equal(console_login("pw-first", "alice", "alice-pass", &conv), PAM_AUTH_ERR);
	assert_int_equal(conv.prompts, 0);
	oa2t_expect_log("use_first_pass: no password from an earlier module");
}

/* try_first_pass (pam_unix's convention): the earlier module's password is
 * tried first; when the IdP refuses it, the user is asked once. */
static void try_first_pass_asks_once_after_refusal(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "tty1", 1);
	setenv("PAM_AUTHTOK", "unix-pass", 1);
	assert_int_equal(console_login("pw-try", "alice", "alice-pass", &conv), PAM_SUCCESS);
	assert_int_equal(conv.prompts, 1);
	assert_non_null(strstr(conv.text, "Password for alice: "));
	assert_int_equal(oa2t_count(&idp, "token"), 2);
	oa2t_expect_log("login accepted: service=pw-try user=alice");
	assert_null(strstr(oa2t_log_text(), "unix-pass"));
	assert_null(strstr(oa2t_log_text(), "alice-pass"));
}

static void try_first_pass_takes_right_earlier_password(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "tty1", 1);
	setenv("PAM_AUTHTOK", "alice-pass", 1);
	assert_int_equal(console_login("pw-try", "alice", "never-asked", &conv), PAM_SUCCESS);
	assert_int_equal(conv.prompts, 0);
	assert_int_equal(oa2t_count(&idp, "token"), 1);
}

static void try_first_pass_asks_only_once(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "tty1", 1);
	setenv("PAM_AUTHTOK", "unix-pass", 1);
	conv.answers[1] = "alice-pass"; /* a second prompt would get it */
	conv.nanswers = 2;
	conv.answers[0] = "also-wrong";
	assert_int_equal(oa2t_auth("pw-try", "alice", &conv, true), PAM_AUTH_ERR);
	assert_int_equal(conv.prompts, 1);
	assert_int_equal(oa2t_count(&idp, "token"), 2);
	oa2t_expect_log("refused the password");
}

/* An outage is not a wrong password: no prompt, the IdP is not asked again. */
static void try_first_pass_does_not_ask_after_outage(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "tty1", 1);
	setenv("PAM_AUTHTOK", "alice-pass", 1);
	assert_int_equal(oa2t_control(&idp, "POST", "/fault",
				      "{\"endpoint\":\"token\",\"kind\":\"status500\",\"count\":1}",
				      NULL), 200);
	assert_int_equal(console_login("pw-try", "alice", "alice-pass", &conv),
			 PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(conv.prompts, 0);
	assert_int_equal(oa2t_count(&idp, "token"), 1);
}

static void use_first_pass_never_asks_after_refusal(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "tty1", 1);
	setenv("PAM_AUTHTOK", "unix-pass", 1);
	assert_int_equal(console_login("pw-first", "alice", "alice-pass", &conv), PAM_AUTH_ERR);
	assert_int_equal(conv.prompts, 0);
	assert_int_equal(oa2t_count(&idp, "token"), 1);
	oa2t_expect_log("refused the password");
}

/* An account line with another configuration does not vouch for a login
 * that only the auth line's configuration authenticated. */
static void account_line_with_other_config_does_not_vouch(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "tty1", 1);
	assert_int_equal(console_login("two-configs", "alice", "alice-pass", &conv),
			 PAM_PERM_DENIED);
	oa2t_expect_log("login accepted: service=two-configs user=alice");
	oa2t_expect_log("account: no login by this configuration to vouch for");
	/* The same file on both lines vouches (the control case). */
	memset(&conv, 0, sizeof(conv));
	assert_int_equal(console_login("login-oa2", "alice", "alice-pass", &conv), PAM_SUCCESS);
}

static void bob_password_cannot_log_in_as_alice(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	/* the IdP user is the PAM user: bob's own credentials are sent as
	 * "alice" and refused; there is no path for bob to become alice */
	setenv("PAM_TTY", "tty1", 1);
	assert_int_equal(console_login("login-oa2", "alice", "bob-pass", &conv), PAM_AUTH_ERR);
	memset(&conv, 0, sizeof(conv));
	assert_int_equal(console_login("login-oa2", "bob", "bob-pass", &conv), PAM_SUCCESS);
	oa2t_expect_log("login accepted: service=login-oa2 user=bob");
}

static void idp_failure_is_unavailable(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "tty1", 1);
	assert_int_equal(oa2t_control(&idp, "POST", "/fault",
				      "{\"endpoint\":\"token\",\"kind\":\"status500\",\"count\":1}",
				      NULL), 200);
	assert_int_equal(console_login("login-oa2", "alice", "alice-pass", &conv),
			 PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("token endpoint: HTTP status 500");
}

int main(int argc, char **argv)
{
	static const struct oa2t_service services[] = {
		{"login-oa2", "config=%T/oa2.conf debug", true},
		{"pw-forced", "config=%T/oa2.conf grant=password", true},
		{"pw-first", "config=%T/oa2.conf use_first_pass", true},
		{"pw-try", "config=%T/oa2.conf try_first_pass", true},
		{"two-configs", "config=%T/oa2.conf | config=%T/oa2-b.conf debug", true},
		{NULL, NULL, false},
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(right_password_on_tty1, reset),
		cmocka_unit_test_setup(wrong_password_is_auth_err, reset),
		cmocka_unit_test_setup(empty_password_is_refused_without_asking_idp, reset),
		cmocka_unit_test_setup(sshd_marker_password_is_refused, reset),
		cmocka_unit_test_setup(remote_session_gets_device_grant, reset),
		cmocka_unit_test_setup(forced_password_grant_refused_for_remote, reset),
		cmocka_unit_test_setup(untrusted_tty_gets_device_grant, reset),
		cmocka_unit_test_setup(use_first_pass_takes_earlier_password, reset),
		cmocka_unit_test_setup(use_first_pass_without_password_fails, reset),
		cmocka_unit_test_setup(try_first_pass_asks_once_after_refusal, reset),
		cmocka_unit_test_setup(try_first_pass_takes_right_earlier_password, reset),
		cmocka_unit_test_setup(try_first_pass_asks_only_once, reset),
		cmocka_unit_test_setup(try_first_pass_does_not_ask_after_outage, reset),
		cmocka_unit_test_setup(use_first_pass_never_asks_after_refusal, reset),
		cmocka_unit_test_setup(account_line_with_other_config_does_not_vouch, reset),
		cmocka_unit_test_setup(bob_password_cannot_log_in_as_alice, reset),
		cmocka_unit_test_setup(idp_failure_is_unavailable, reset),
		cmocka_unit_test_setup(every_idp_answer_has_its_result, reset),
	};

	oa2t_init(argc, argv, services);
	return cmocka_run_group_tests(tests, setup, oa2t_idp_teardown);
}
