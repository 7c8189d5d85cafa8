/* test_password.c - the password grant through real PAM (pam_wrapper, with
 * pam_set_items.so setting PAM_TTY / PAM_RHOST / PAM_AUTHTOK from the
 * environment) against the test IdP with a confidential client: the right
 * password on a trusted tty logs alice in, a wrong one is PAM_AUTH_ERR, a
 * remote session never gets the password grant, an untrusted tty gets the
 * device grant, use_first_pass takes the earlier module's password, sshd's
 * "bad password" marker is refused before the IdP is asked, and an IdP
 * failure is PAM_AUTHINFO_UNAVAIL. */
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
	char body[2048];
	const char *secret;

	(void)state;
	if (oa2t_idp_start(&idp, "password", "--interval 1") != 0)
		return -1;
	secret = oa2t_write("secret", "confidential-secret\n", 0600);
	snprintf(body, sizeof(body),
		 "issuer = %s\nclient_id = pam-confidential\nclient_secret_file = %s\n"
		 "ca_file = %s\ncache_dir = %s/cache\nhttp_timeout = 5\ndevice_timeout = 10\n",
		 idp.issuer, secret, idp.ca, oa2t_tmp());
	oa2t_write("oa2.conf", body, 0644);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	oa2t_idp_stop(&idp);
	return 0;
}

static int reset(void **state)
{
	(void)state;
	unsetenv("PAM_TTY");
	unsetenv("PAM_RHOST");
	unsetenv("PAM_AUTHTOK");
	return oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL) == 200 ? 0 : -1;
}

static int console_login(const char *service, const char *user, const char *password,
			 struct oa2t_conv *conv)
{
	conv->answers[0] = password;
	conv->nanswers = password ? 1 : 0;
	return oa2t_auth(service, user, conv, true);
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
	struct oa2t_device_action deny = {&idp, NULL, 0, 0, ""};
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "tty1", 1);
	setenv("PAM_RHOST", "192.0.2.7", 1);
	conv.on_message = oa2t_device_act;
	conv.user = &deny;
	assert_int_equal(console_login("login-oa2", "alice", "alice-pass", &conv), PAM_AUTH_ERR);
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
	struct oa2t_device_action deny = {&idp, NULL, 0, 0, ""};
	struct oa2t_conv conv = {0};

	(void)state;
	setenv("PAM_TTY", "/dev/pts/3", 1);
	conv.on_message = oa2t_device_act;
	conv.user = &deny;
	assert_int_equal(console_login("login-oa2", "alice", "alice-pass", &conv), PAM_AUTH_ERR);
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
		cmocka_unit_test_setup(bob_password_cannot_log_in_as_alice, reset),
		cmocka_unit_test_setup(idp_failure_is_unavailable, reset),
	};

	oa2t_init(argc, argv, services);
	return cmocka_run_group_tests(tests, setup, teardown);
}
