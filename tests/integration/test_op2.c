/* test_op2.c - real PAM logins (pam_wrapper, nss_wrapper accounts) against a
 * second, independent OpenID Provider: Debian's glewlwyd (tests/op2/), run
 * with its own configuration, database, certificate and port. Nothing here
 * is faked at the OP: device codes are approved through glewlwyd's own web
 * endpoints (password login, consent, the verification URL), as its login
 * page does in a browser.
 *
 * Device grant (public client): alice approving logs alice in; bob
 * approving alice's login is refused (the ID token names bob); a code
 * nobody approves is refused at its expiry. Password grant (confidential
 * client, trusted console): the right password logs alice in; a wrong one,
 * bob's password for alice's account, a public client (which glewlwyd
 * refuses with a bare 403) and a wrong client secret (a bare 400) are
 * PAM_AUTH_ERR, never "IdP unavailable"; a client glewlwyd does not know is
 * a configuration error (PAM_SERVICE_ERR).
 *
 * SKIP (77) when glewlwyd is not there (tests/op2/install.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

#define OP2_SH SRCDIR "/tests/op2/op2.sh"

struct op2 {
	char dir[300];
	char issuer[200];       /* plugin "oidc": device codes live 60 s */
	char issuer_short[200]; /* plugin "oidc-short": device codes live 4 s */
	char ca[360];
};

static struct op2 op;

/* Copy a value that must fit (no silent truncation of paths and URLs). */
static int take(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static int read_env(struct op2 *o)
{
	int bad = 0;

	char path[400], line[400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/op2.env", o->dir);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "OP2_ISSUER=", 11) == 0)
			bad |= take(o->issuer, sizeof(o->issuer), line + 11);
		else if (strncmp(line, "OP2_ISSUER_SHORT=", 17) == 0)
			bad |= take(o->issuer_short, sizeof(o->issuer_short), line + 17);
		else if (strncmp(line, "OP2_CA=", 7) == 0)
			bad |= take(o->ca, sizeof(o->ca), line + 7);
	}
	fclose(f);
	return !bad && o->issuer[0] && o->issuer_short[0] && o->ca[0] ? 0 : -1;
}

static void write_config(const char *name, const char *issuer, const char *client,
			 const char *extra)
{
	char body[2048];

	snprintf(body, sizeof(body),
		 "issuer = %s\nclient_id = %s\nca_file = %s\ncache_dir = %s/cache-%s\n"
		 "scope = openid\nusername_claim = preferred_username\n"
		 "http_timeout = 5\ndevice_timeout = 30\ndevice_ui = info\n%s",
		 issuer, client, op.ca, oa2t_tmp(), name, extra ? extra : "");
	oa2t_write(name, body, 0644);
}

static int setup(void **state)
{
	char cmd[1024], extra[600];
	const char *secret;

	(void)state;
	snprintf(op.dir, sizeof(op.dir), "%s/op2", oa2t_tmp());
	snprintf(cmd, sizeof(cmd), "OP2_PARENT_PID=%d sh '%s' start '%s' >&2", (int)getpid(),
		 OP2_SH, op.dir);
	if (system(cmd) != 0 || read_env(&op) != 0) {
		fprintf(stderr, "test_op2: glewlwyd did not start\n");
		return -1;
	}
	write_config("op2-device.conf", op.issuer, "pam-public", NULL);
	write_config("op2-short.conf", op.issuer_short, "pam-public", NULL);
	secret = oa2t_write("op2-secret", "confidential-secret\n", 0600);
	snprintf(extra, sizeof(extra), "client_secret_file = %s\npassword_ttys = tty1\n", secret);
	write_config("op2-password.conf", op.issuer, "pam-confidential", extra);
	write_config("op2-public-password.conf", op.issuer, "pam-public", "password_ttys = tty1\n");
	secret = oa2t_write("op2-bad-secret", "not-the-secret\n", 0600);
	snprintf(extra, sizeof(extra), "client_secret_file = %s\npassword_ttys = tty1\n", secret);
	write_config("op2-bad-secret.conf", op.issuer, "pam-confidential", extra);
	write_config("op2-unknown-client.conf", op.issuer, "pam-nobody", NULL);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "sh '%s' stop '%s' >&2", OP2_SH, op.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_op2: stopping glewlwyd failed\n");
	return 0;
}

/* Who approves the device code shown to the user, at which plugin. The
 * approval runs in a child (op2.sh approve) while the module polls. */
struct approval {
	const char *plugin;
	const char *username; /* NULL: nobody approves */
	const char *password;
	pid_t pid;
	char user_code[32];
};

static void approve_on_code(struct oa2t_conv *conv, int style, const char *msg)
{
	struct approval *a = conv->user;
	char cmd[1024];
	pid_t pid;

	(void)style;
	if (a == NULL || a->username == NULL || a->pid != 0 ||
	    !oa2t_user_code(msg, a->user_code, sizeof(a->user_code)))
		return;
	snprintf(cmd, sizeof(cmd), "sh '%s' approve '%s' '%s' '%s' '%s' '%s' >>'%s/approve.log' 2>&1",
		 OP2_SH, op.dir, a->plugin, a->user_code, a->username, a->password, op.dir);
	pid = fork();
	if (pid == 0) {
		int rc = system(cmd);

		_exit(rc == 0 ? 0 : 1);
	}
	a->pid = pid;
}

/* Log in to service as user, the device code approved per *a; fails the
 * test when an approval was attempted and did not go through. */
static int device_login(const char *service, const char *user, struct approval *a,
			struct oa2t_conv *conv)
{
	int rc, status = 0;

	conv->on_message = approve_on_code;
	conv->user = a;
	rc = oa2t_auth(service, user, conv, true);
	if (a->pid > 0) {
		if (waitpid(a->pid, &status, 0) != a->pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			fail_msg("approving %s as %s at glewlwyd failed (see %s/approve.log)",
				 a->user_code, a->username, op.dir);
	}
	return rc;
}

static int console_login(const char *service, const char *user, const char *password,
			 struct oa2t_conv *conv)
{
	setenv("PAM_TTY", "tty1", 1);
	conv->answers[0] = password;
	conv->nanswers = 1;
	return oa2t_auth(service, user, conv, true);
}

static void alice_approves_and_logs_in(void **state)
{
	struct approval a = {"oidc", "alice", "alice-pass", 0, ""};
	struct oa2t_conv conv = {0};

	(void)state;
	assert_int_equal(device_login("op2-device", "alice", &a, &conv), PAM_SUCCESS);
	oa2t_expect_log("login accepted: service=op2-device user=alice");
	oa2t_expect_log("grant=device evidence=id_token");
	/* the user was sent to glewlwyd's own verification page */
	assert_non_null(strstr(conv.text, "/api/oidc/device"));
	assert_non_null(strstr(conv.text, a.user_code));
}

static void bob_approving_for_alice_is_refused(void **state)
{
	struct approval a = {"oidc", "bob", "bob-pass", 0, ""};
	struct oa2t_conv conv = {0};

	(void)state;
	assert_int_equal(device_login("op2-device", "alice", &a, &conv), PAM_AUTH_ERR);
	oa2t_expect_log("maps to 'bob', not to 'alice'");
	assert_non_null(strstr(conv.text, "This login was approved by an account that is not alice."));
}

/* glewlwyd has no "deny" for a device code: a person who does not approve
 * leaves it pending until it expires (4 s at plugin oidc-short). */
static void code_nobody_approves_is_refused_at_expiry(void **state)
{
	struct approval a = {"oidc-short", NULL, NULL, 0, ""};
	struct oa2t_conv conv = {0};
	time_t t0 = time(NULL);

	(void)state;
	assert_int_equal(device_login("op2-short", "alice", &a, &conv), PAM_AUTH_ERR);
	/* the module stops at expires_in; a poll in that last second may get
	 * glewlwyd's 400 expired_token instead: both refuse */
	if (!oa2t_log_has("not approved in time") &&
	    !oa2t_log_has("the code expired before it was approved"))
		fail_msg("no expiry refusal in the log:\n%s", oa2t_log_text());
	assert_false(oa2t_log_has("login accepted"));
	assert_true(time(NULL) - t0 < 20);
}

static void right_password_logs_in(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	assert_int_equal(console_login("op2-password", "alice", "alice-pass", &conv), PAM_SUCCESS);
	oa2t_expect_log("login accepted: service=op2-password user=alice");
	oa2t_expect_log("grant=password evidence=id_token");
	assert_int_equal(conv.prompts, 1);
	assert_null(strstr(oa2t_log_text(), "alice-pass"));
}

/* A console login through service with password is refused with pam and
 * the module's log names why; the password itself is never logged. */
static void expect_console_refusal(const char *service, const char *password, int pam,
				   const char *log)
{
	struct oa2t_conv conv = {0};

	assert_int_equal(console_login(service, "alice", password, &conv), pam);
	oa2t_expect_log(log);
	assert_null(strstr(oa2t_log_text(), password));
}

/* glewlwyd answers a wrong password with HTTP 403 and an empty body: a
 * refusal, not an outage. */
static void wrong_password_is_auth_err(void **state)
{
	(void)state;
	expect_console_refusal("op2-password", "wrong-pass", PAM_AUTH_ERR,
			       "refused with HTTP status 403 and no OAuth error");
}

/* glewlwyd checks the password of the user named in the request. */
static void bob_password_cannot_log_in_as_alice(void **state)
{
	(void)state;
	expect_console_refusal("op2-password", "bob-pass", PAM_AUTH_ERR,
			       "refused with HTTP status 403 and no OAuth error");
}

/* glewlwyd refuses the password grant to a public client that names
 * itself, with the same bare 403 as a wrong password: even the right
 * password is refused (a configuration problem the module cannot tell
 * from a wrong password). Still PAM_AUTH_ERR, never PAM_AUTHINFO_UNAVAIL. */
static void public_client_password_grant_is_refused(void **state)
{
	(void)state;
	expect_console_refusal("op2-public-password", "alice-pass", PAM_AUTH_ERR,
			       "refused with HTTP status 403 and no OAuth error");
}

/* A wrong client secret: glewlwyd answers HTTP 400 with an empty body, so
 * the module cannot tell it from any other refusal; a refusal it is, not an
 * outage. */
static void wrong_client_secret_is_refused(void **state)
{
	(void)state;
	expect_console_refusal("op2-bad-secret", "alice-pass", PAM_AUTH_ERR,
			       "refused with HTTP status 400 and no OAuth error");
}

/* A client glewlwyd does not know: 403 unauthorized_client at the device
 * authorization endpoint, a configuration error. */
static void unknown_client_is_a_configuration_error(void **state)
{
	struct approval a = {"oidc", NULL, NULL, 0, ""};
	struct oa2t_conv conv = {0};

	(void)state;
	assert_int_equal(device_login("op2-unknown-client", "alice", &a, &conv), PAM_SERVICE_ERR);
	oa2t_expect_log("refused this client: unauthorized_client");
}

int main(int argc, char **argv)
{
	static const struct oa2t_service services[] = {
		{"op2-device", "config=%T/op2-device.conf debug", false},
		{"op2-short", "config=%T/op2-short.conf debug", false},
		{"op2-password", "config=%T/op2-password.conf grant=password debug", true},
		{"op2-public-password", "config=%T/op2-public-password.conf grant=password debug",
		 true},
		{"op2-bad-secret", "config=%T/op2-bad-secret.conf grant=password debug", true},
		{"op2-unknown-client", "config=%T/op2-unknown-client.conf debug", false},
		{NULL, NULL, false},
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(alice_approves_and_logs_in, oa2t_unset_items),
		cmocka_unit_test_setup(bob_approving_for_alice_is_refused, oa2t_unset_items),
		cmocka_unit_test_setup(code_nobody_approves_is_refused_at_expiry, oa2t_unset_items),
		cmocka_unit_test_setup(right_password_logs_in, oa2t_unset_items),
		cmocka_unit_test_setup(wrong_password_is_auth_err, oa2t_unset_items),
		cmocka_unit_test_setup(bob_password_cannot_log_in_as_alice, oa2t_unset_items),
		cmocka_unit_test_setup(public_client_password_grant_is_refused, oa2t_unset_items),
		cmocka_unit_test_setup(wrong_client_secret_is_refused, oa2t_unset_items),
		cmocka_unit_test_setup(unknown_client_is_a_configuration_error, oa2t_unset_items),
	};

	/* after oa2t_init: only the test process goes on, without pam_wrapper
	 * in LD_PRELOAD (which would follow the shell and leave its /tmp/pam.X) */
	oa2t_init(argc, argv, services);
	if (system("sh '" OP2_SH "' available") != 0) {
		printf("SKIP: glewlwyd (the second test OP) is not installed; "
		       "run tests/op2/install.sh (scripts/install-deps.sh does)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
