/* test_device.c - the device grant through real PAM transactions (pam_wrapper,
 * nss_wrapper accounts alice/bob/carol) against the test IdP: approve, deny,
 * expiry, slow_down (also Google's 403 slow_down after a 428
 * authorization_pending, and a bare 429), refusals of the polls (Entra ID's
 * authorization_declined and bad_verification_code among them) and of the
 * device authorization request that are not outages, the IdP going away
 * mid-poll, bob approving alice's login, sshd-style prompts (Enter too
 * early, cancel), a login with no PAM user, a warm login that asks the IdP
 * for nothing but the device code and the polls, log lines that a hostile
 * PAM user name or `sub` cannot forge, an IdP user named daemon refused for
 * the local system account, user_map_only refusing an identity the map does
 * not name, sshd's "bad password" marker in place of the Enter answer, and
 * provider dialects through PAM: Entra ID's device and token answers
 * (numbers as strings, BEARER), Zitadel's roles object under a claim name
 * with ':', require_claims (tenant, email_verified) and Entra's groups
 * overage, each refusal PAM_PERM_DENIED with its reason; a hung-up terminal
 * on stdin ends the login with PAM_ABORT before any request to the IdP, a
 * closed pipe there does not. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

static struct oa2t_idp idp;

static void write_config(const char *extra)
{
	char rest[1024];

	snprintf(rest, sizeof(rest), "http_timeout = 5\ndevice_timeout = 60\n%s", extra ? extra : "");
	oa2t_write_config("oa2.conf", &idp, "pam-public", "cache", rest);
}

static int setup(void **state)
{
	*state = &idp;
	if (oa2t_idp_start(&idp, "device", "--interval 1 --device-ttl 60") != 0)
		return -1;
	write_config(NULL);
	return 0;
}

/* Log in to service as user; the IdP user `approver` approves (NULL: deny). */
static int login(const char *service, const char *user, const char *approver, int delay_ms,
		 struct oa2t_conv *conv)
{
	static struct oa2t_screen_action act;

	act = oa2t_device_approver(&idp, approver, delay_ms);
	return oa2t_login(service, user, oa2t_screen_act, &act, conv);
}

static void approve_logs_alice_in(void **state)
{
	struct oa2t_conv conv = {0};
	char code[32];

	(void)state;
	write_config(NULL);
	assert_int_equal(login("oa2", "alice", "alice", 0, &conv), PAM_SUCCESS);
	oa2t_expect_log("login accepted: service=oa2 user=alice");
	oa2t_expect_log("grant=device evidence=id_token");
	/* what the user saw: URL, code, validity and a QR code */
	assert_true(oa2t_user_code(conv.text, code, sizeof(code)));
	assert_non_null(strstr(conv.text, "/device"));
	assert_non_null(strstr(conv.text, "QR code"));
	assert_non_null(strstr(conv.text, "\xe2\x96\x88")); /* U+2588 full block */
	assert_non_null(strstr(conv.text, "The code is valid for 60 seconds."));
	assert_int_equal(conv.prompts, 0);
}

static void deny_is_refused(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	assert_int_equal(login("oa2", "alice", NULL, 0, &conv), PAM_AUTH_ERR);
	oa2t_expect_log("denied at the identity provider");
	assert_non_null(strstr(conv.text, "denied at the identity provider"));
}

static void bob_cannot_approve_for_alice(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	assert_int_equal(login("oa2", "alice", "bob", 0, &conv), PAM_AUTH_ERR);
	oa2t_expect_log("maps to 'bob', not to 'alice'");
	oa2t_expect_log("sub=");
	/* the person is told, without naming the other account */
	assert_non_null(strstr(conv.text, "This login was approved by an account that is not alice.\n"));
	assert_null(strstr(conv.text, "bob"));
}

static void unknown_local_user_is_refused(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	/* carol exists at the IdP and locally; "dave" exists nowhere locally */
	assert_int_equal(login("oa2", "dave", "carol", 0, &conv), PAM_AUTH_ERR);
	oa2t_expect_log("maps to 'carol', not to 'dave'");
}

/* Exactly one decision line, and none of the injected text starts a line. */
static void expect_one_decision_line(const char *decision)
{
	if (oa2t_log_lines("): login ", false) != 1 || oa2t_log_lines(decision, false) != 1)
		fail_msg("want exactly one '%s' line:\n%s", decision, oa2t_log_text());
	if (oa2t_log_lines("login accepted", true) != 0 || oa2t_log_lines("\x1b", false) != 0 ||
	    oa2t_log_lines("\x07", false) != 0 || oa2t_log_lines("\r", false) != 0)
		fail_msg("injected text reached the log raw:\n%s", oa2t_log_text());
}

/* The PAM user comes from the ssh client: a newline in it must not forge a
 * second "login accepted" line, nor an escape sequence reach the log. */
static void forged_user_name_cannot_forge_a_log_line(void **state)
{
	static const char user[] = "alice\nlogin accepted: service=oa2 user=root sub=x "
				   "grant=device evidence=id_token\x1b[2J\x07\r\\x0a";
	struct oa2t_conv conv = {0};

	(void)state;
	assert_int_equal(login("oa2", user, "alice", 0, &conv), PAM_AUTH_ERR);
	expect_one_decision_line("SYSLOG(4): login refused: service=oa2 "
				 "user=alice\\x0alogin accepted: service=oa2 user=root");
	oa2t_expect_log("evidence=id_token\\x1b[2J\\x07\\x0d\\\\x0a sub=");
}

/* A sub the IdP signed with a newline and escape sequences in it is
 * logged escaped, on the one decision line. */
static void hostile_sub_cannot_forge_a_log_line(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	assert_int_equal(login("oa2", "mallory", "mallory", 0, &conv), PAM_SUCCESS);
	expect_one_decision_line("SYSLOG(5): login accepted: service=oa2 user=mallory "
				 "sub=mallory-05\\x0alogin accepted: service=oa2 user=root");
	oa2t_expect_log("evidence=id_token\\x1b]0;owned\\x07\\x1b[2J\\x0d\\\\x0a grant=device");
}

/* An IdP user named daemon (chosen by whoever registered it) never logs
 * into the local daemon (uid 1): refused by the default min_uid. */
static void system_account_name_is_refused(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	write_config(NULL);
	assert_int_equal(login("oa2", "daemon", "daemon", 0, &conv), PAM_PERM_DENIED);
	oa2t_expect_log("login refused: service=oa2 user=daemon");
	oa2t_expect_log("'daemon' is a system account (uid 1, below min_uid ");
	/* the same with no PAM user: the identity does not become daemon */
	memset(&conv, 0, sizeof(conv));
	assert_int_equal(login("oa2", NULL, "daemon", 0, &conv), PAM_PERM_DENIED);
	oa2t_expect_log("below min_uid");
	/* only an administrator's min_uid lets it in */
	write_config("min_uid = 1\n");
	memset(&conv, 0, sizeof(conv));
	assert_int_equal(login("oa2", "daemon", "daemon", 0, &conv), PAM_SUCCESS);
	write_config(NULL);
}

/* user_map_only: the map file is the only source of truth. */
static void map_only_refuses_unmapped_identity(void **state)
{
	struct oa2t_conv conv = {0};
	char extra[512];

	(void)state;
	snprintf(extra, sizeof(extra), "user_map_file = %s\nuser_map_only = yes\n",
		 oa2t_write("users.map", "alice alice\ndaemon daemon\n", 0644));
	write_config(extra);
	assert_int_equal(login("oa2", "alice", "alice", 0, &conv), PAM_SUCCESS);
	memset(&conv, 0, sizeof(conv));
	assert_int_equal(login("oa2", "bob", "bob", 0, &conv), PAM_AUTH_ERR);
	oa2t_expect_log("identity 'bob' is not in the user map (user_map_only)");
	/* a map entry does not lift min_uid */
	memset(&conv, 0, sizeof(conv));
	assert_int_equal(login("oa2", "daemon", "daemon", 0, &conv), PAM_PERM_DENIED);
	oa2t_expect_log("below min_uid");
	write_config(NULL);
}

static void no_pam_user_becomes_mapped_user(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	assert_int_equal(login("oa2", NULL, "carol", 0, &conv), PAM_SUCCESS);
	oa2t_expect_log("login accepted: service=oa2 user=carol");
}

static void require_groups_refuses_non_member(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	write_config("require_groups = admins\n");
	assert_int_equal(login("oa2", "bob", "bob", 0, &conv), PAM_PERM_DENIED);
	oa2t_expect_log("not in any required group (admins)");
	memset(&conv, 0, sizeof(conv));
	assert_int_equal(login("oa2", "alice", "alice", 0, &conv), PAM_SUCCESS);
	write_config(NULL);
}

static void expiry_is_refused(void **state)
{
	struct oa2t_idp short_idp;
	struct oa2t_conv conv = {0};
	int rc;

	(void)state;
	assert_int_equal(oa2t_idp_start(&short_idp, "short", "--interval 1 --device-ttl 3"), 0);
	oa2t_write_config("oa2.conf", &short_idp, "pam-public", "cache-short", NULL);
	rc = oa2t_auth("oa2", "alice", &conv, false); /* nobody approves */
	oa2t_idp_stop(&short_idp);
	write_config(NULL);
	assert_int_equal(rc, PAM_AUTH_ERR);
	/* the module stops at the code's expiry; a poll landing on that very
	 * second may instead get the IdP's expired_token: both refuse */
	if (!oa2t_log_has("not approved in time") &&
	    !oa2t_log_has("the code expired before it was approved"))
		fail_msg("no expiry refusal in the log:\n%s", oa2t_log_text());
}

/* Seconds of the token polls, from the IdP's own record. */
static int poll_times(double *t, int max)
{
	int n = oa2t_poll_times(&idp, t, max);

	assert_true(n >= 0);
	return n;
}

static void slow_down_is_honoured(void **state)
{
	struct oa2t_conv conv = {0};
	double t[64];
	int n;

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/polls/reset", "{}", NULL), 200);
	assert_int_equal(oa2t_control(&idp, "POST", "/fault",
				      "{\"endpoint\":\"token\",\"kind\":\"slow_down\",\"count\":1}",
				      NULL), 200);
	/* approval comes while the module waits out the longer interval */
	assert_int_equal(login("oa2", "alice", "alice", 1500, &conv), PAM_SUCCESS);
	n = poll_times(t, 64);
	assert_true(n >= 2);
	/* interval 1 s, slow_down adds 5 s: every poll after it is >= 6 s later */
	oa2t_expect_poll_gaps(t, n, 5.95);
}

/* After the answers queued at the IdP: alice logs in (approved after 0.5 s)
 * with n token polls; the gap before poll i must be at least min_s[i]. */
static void polls_keep_going(int n, const double *min_s)
{
	struct oa2t_conv conv = {0};
	double t[64];

	assert_int_equal(login("oa2", "alice", "alice", 500, &conv), PAM_SUCCESS);
	assert_int_equal(poll_times(t, 64), n);
	for (int i = 1; i < n; i++) {
		if (t[i] - t[i - 1] < min_s[i] - 0.05)
			fail_msg("poll %d came %.2f s after the previous one (want >= %.0f)", i,
				 t[i] - t[i - 1], min_s[i]);
	}
}

/* Google's device flow: 428 authorization_pending, 403 slow_down. The error
 * member decides: keep polling, slower after slow_down, and log in. */
static void google_style_answers_keep_polling(void **state)
{
	static const double min_s[] = {0, 1, 6};

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/polls/reset", "{}", NULL), 200);
	assert_int_equal(oa2t_answer(&idp, "token", 1, 428,
				     "{\"error\":\"authorization_pending\"}", NULL), 200);
	assert_int_equal(oa2t_answer(&idp, "token", 1, 403, "{\"error\":\"slow_down\"}", NULL),
			 200);
	polls_keep_going(3, min_s);
}

/* A bare 429 while polling: poll more slowly, as after slow_down. */
static void bare_429_slows_polling(void **state)
{
	static const double min_s[] = {0, 6};

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/polls/reset", "{}", NULL), 200);
	assert_int_equal(oa2t_answer(&idp, "token", 1, 429, NULL, "Too Many Requests"), 200);
	polls_keep_going(2, min_s);
}

/* A 429 on the device authorization request with Retry-After: the log line
 * carries the header as sent, the user reads that the IdP refuses more
 * logins for now (not that it cannot be reached). */
static void device_429_with_retry_after(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/fault",
				      "{\"endpoint\":\"device_authorization\",\"kind\":\"answer\","
				      "\"count\":1,\"status\":429,\"json\":{\"error\":"
				      "\"too_many_requests\"},\"headers\":{\"Retry-After\":\"120\"}}",
				      NULL),
			 200);
	assert_int_equal(oa2t_auth("oa2", "alice", &conv, false), PAM_AUTH_ERR);
	oa2t_expect_log("device authorization: the identity provider limits the requests from this "
			"host (HTTP status 429 too_many_requests, Retry-After: 120)");
	if (strstr(conv.text, "refuses more logins from this host for now (too many requests)") ==
	    NULL)
		fail_msg("no throttle line on the screen:\n%s", conv.text);
}

/* What the IdP said crosses from the helper to the module's log line
 * escaped once: a backslash in its error_description is logged as "\\"
 * (as oa2_esc writes it), not "\\\\" (escaped again at each layer). */
static void idp_text_is_escaped_once_on_its_way_to_the_log(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/fault",
				      "{\"endpoint\":\"device_authorization\",\"kind\":\"answer\","
				      "\"count\":1,\"status\":400,\"json\":{\"error\":"
				      "\"access_denied\",\"error_description\":\"C:\\\\scope\\n\"}}",
				      NULL),
			 200);
	assert_int_equal(oa2t_auth("oa2", "alice", &conv, false), PAM_AUTH_ERR);
	oa2t_expect_log("device authorization refused: access_denied C:\\\\scope\\x0a "
			"(HTTP status 400)");
}

/* Refusals of the device grant (polls and the device authorization request
 * alike) are refusals: PAM_AUTH_ERR, or PAM_SERVICE_ERR for the client;
 * only a 5xx is PAM_AUTHINFO_UNAVAIL. */
static void refusals_are_not_outages(void **state)
{
	static const struct {
		const char *endpoint;
		int status;
		const char *json;
		int pam;
		const char *log;
	} rows[] = {
		{"token", 403, NULL, PAM_AUTH_ERR,
		 "token endpoint: the identity provider refused with HTTP status 403"},
		{"token", 400, "{\"error\":\"invalid_grant\"}", PAM_AUTH_ERR,
		 "token endpoint refused: invalid_grant"},
		/* Entra ID's own codes: a denial, and a code it does not know */
		{"token", 400, "{\"error\":\"authorization_declined\"}", PAM_AUTH_ERR,
		 "the login was denied at the identity provider"},
		{"token", 400, "{\"error\":\"bad_verification_code\"}", PAM_AUTH_ERR,
		 "does not know this device code (bad_verification_code)"},
		{"token", 400, "{\"error\":\"made_up_code\"}", PAM_AUTH_ERR,
		 "token endpoint refused: made_up_code"},
		{"device_authorization", 403, NULL, PAM_AUTH_ERR,
		 "device authorization: the identity provider refused with HTTP status 403"},
		{"device_authorization", 429, NULL, PAM_AUTH_ERR,
		 "device authorization: the identity provider limits the requests from this host "
		 "(HTTP status 429, no Retry-After)"},
		{"device_authorization", 400, "{\"error\":\"invalid_client\"}", PAM_SERVICE_ERR,
		 "device authorization: the identity provider refused this client: invalid_client"},
		{"device_authorization", 503, NULL, PAM_AUTHINFO_UNAVAIL,
		 "device authorization: HTTP status 503"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct oa2t_conv conv = {0};
		int rc;

		assert_int_equal(oa2t_answer(&idp, rows[i].endpoint, 1, rows[i].status, rows[i].json,
					     NULL), 200);
		rc = oa2t_auth("oa2", "alice", &conv, false); /* nobody approves */
		if (rc != rows[i].pam || !oa2t_log_has(rows[i].log))
			fail_msg("%s HTTP %d: PAM result %d, want %d with '%s'; log:\n%s",
				 rows[i].endpoint, rows[i].status, rc, rows[i].pam, rows[i].log,
				 oa2t_log_text());
	}
}

static void polls_never_faster_than_interval(void **state)
{
	struct oa2t_conv conv = {0};
	double t[64];
	int n;

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/polls/reset", "{}", NULL), 200);
	assert_int_equal(login("oa2", "alice", "alice", 3500, &conv), PAM_SUCCESS);
	n = poll_times(t, 64);
	assert_true(n >= 3);
	for (int i = 1; i < n; i++) {
		if (t[i] - t[i - 1] < 0.95)
			fail_msg("poll %d came %.2f s after the previous one (interval 1 s)", i,
				 t[i] - t[i - 1]);
	}
}

static void idp_down_mid_poll_is_unavailable(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/fault",
				      "{\"endpoint\":\"token\",\"kind\":\"status500\"}", NULL), 200);
	assert_int_equal(login("oa2", "alice", "alice", 0, &conv), PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("token endpoint: HTTP status 500");
	assert_int_equal(oa2t_control(&idp, "POST", "/fault/clear", "{}", NULL), 200);
}

/* on_message: stop the IdP (conv->user) as soon as the code is shown. */
static void stop_idp_on_code(struct oa2t_conv *conv, int style, const char *msg)
{
	char code[32];

	(void)style;
	if (oa2t_user_code(msg, code, sizeof(code)))
		oa2t_idp_stop(conv->user);
}

static void idp_gone_mid_poll_is_unavailable(void **state)
{
	struct oa2t_idp gone;
	struct oa2t_conv conv = {0};
	int rc;

	(void)state;
	assert_int_equal(oa2t_idp_start(&gone, "gone", "--interval 1"), 0);
	oa2t_write_config("oa2.conf", &gone, "pam-public", "cache-gone", "http_timeout = 3\n");
	conv.on_message = stop_idp_on_code;
	conv.user = &gone;
	rc = oa2t_auth("oa2", "alice", &conv, false);
	write_config(NULL);
	assert_int_equal(rc, PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("Couldn't connect");
}

static void prompt_mode_waits_after_early_enter(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	/* sshd-style service: instructions travel with a prompt; Enter is
	 * pressed at once, approval comes 2.5 s later: still a success */
	oa2t_expect_prompt_mode(login("sshd-oa2", "alice", "alice", 2500, &conv), &conv, "sshd-oa2",
				"alice");
}

/* Over sshd, an invalid user's (or a refused root's) answers arrive as
 * sshd's marker: refused at once, before any poll, even once approved. */
static void sshd_marker_answer_is_refused(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	conv.answers[0] = "\b\n\r\177INCOR";
	conv.nanswers = 1;
	assert_int_equal(login("sshd-oa2", "alice", "alice", 0, &conv), PAM_AUTH_ERR);
	oa2t_expect_log("reason=denied: sshd replaced the answer with its marker");
	assert_int_equal(conv.prompts, 1);
	assert_int_equal(oa2t_count(&idp, "token"), 0);
}

static void prompt_mode_cancel(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	conv.answers[0] = "cancel";
	conv.nanswers = 1;
	/* the user gave up: PAM_ABORT, on which sudo and login stop asking */
	oa2t_expect_cancelled(oa2t_auth("sshd-oa2", "alice", &conv, false), &conv);
	oa2t_expect_log("reason=aborted: the user cancelled the login");
}

/* ---- provider dialects, through PAM ---- */

#define TID "9188040d-6c67-4c5b-b112-36a304b66dad"

/* A token from the IdP's own signing key (POST /sign) with these claims
 * added to a valid set for alice; the compact JWS into jws. */
static void sign_for_alice(const char *extra, char *jws, size_t len)
{
	char req[2048], *body = NULL, *p, *end;
	long now = (long)time(NULL);

	snprintf(req, sizeof(req),
		 "{\"alg\":\"RS256\",\"claims\":{\"iss\":\"%s\",\"aud\":\"pam-public\","
		 "\"exp\":%ld,\"iat\":%ld,\"sub\":\"6f1c2a7e-0b4d-4c8a-9e21-a11ce0000001\","
		 "\"preferred_username\":\"alice\"%s}}",
		 idp.issuer, now + 300, now - 5, extra);
	assert_int_equal(oa2t_control(&idp, "POST", "/sign", req, &body), 200);
	p = strstr(body, "\"jws\":\"");
	assert_non_null(p);
	p += 7;
	end = strchr(p, '"');
	assert_non_null(end);
	assert_true((size_t)(end - p) < len);
	snprintf(jws, len, "%.*s", (int)(end - p), p);
	free(body);
}

/* Queue Entra ID's answers: the device code with numbers as strings and a
 * message, one authorization_pending, then a token answer whose token_type
 * is BEARER and expires_in a string, holding jws. */
static void queue_entra_answers(const char *jws)
{
	char req[8192];

	snprintf(req, sizeof(req),
		 "{\"endpoint\":\"device_authorization\",\"kind\":\"answer\",\"count\":1,"
		 "\"status\":200,\"json\":{\"user_code\":\"FJ8XQ2KLP\",\"device_code\":\"DAQAB\","
		 "\"verification_uri\":\"%s/device\",\"expires_in\":\"900\",\"interval\":\"1\","
		 "\"message\":\"To sign in, use a web browser.\"}}",
		 idp.issuer);
	assert_int_equal(oa2t_control(&idp, "POST", "/fault", req, NULL), 200);
	assert_int_equal(oa2t_answer(&idp, "token", 1, 400, "{\"error\":\"authorization_pending\"}",
				     NULL), 200);
	snprintf(req, sizeof(req),
		 "{\"endpoint\":\"token\",\"kind\":\"answer\",\"count\":1,\"status\":200,"
		 "\"json\":{\"token_type\":\"BEARER\",\"scope\":\"openid profile\","
		 "\"expires_in\":\"3599\",\"ext_expires_in\":\"3599\",\"access_token\":\"at\","
		 "\"id_token\":\"%s\"}}",
		 jws);
	assert_int_equal(oa2t_control(&idp, "POST", "/fault", req, NULL), 200);
}

/* Run one login of alice against the queued answers; nobody approves at
 * the IdP (the answers are canned). */
static int dialect_login(const char *extra_claims, const char *config)
{
	struct oa2t_conv conv = {0};
	char jws[4096];
	int rc;

	sign_for_alice(extra_claims, jws, sizeof(jws));
	write_config(config);
	queue_entra_answers(jws);
	rc = oa2t_auth("oa2", "alice", &conv, false);
	assert_int_equal(oa2t_control(&idp, "POST", "/fault/clear", "{}", NULL), 200);
	write_config(NULL);
	assert_non_null(strstr(conv.text, "FJ8XQ2KLP"));
	return rc;
}

/* Entra-style answers, Zitadel-style roles under a claim name with ':',
 * and require_claims: accepted; each condition, the roles and the overage
 * refused as PAM_PERM_DENIED with the reason in the log. */
static void dialect_answers_and_claims(void **state)
{
	static const char roles[] = ",\"tid\":\"" TID "\",\"email_verified\":true,"
				    "\"urn:zitadel:iam:org:project:roles\":{\"admins\":{\"1\":\"acme\"}}";
	static const char config[] = "groups_claim = urn:zitadel:iam:org:project:roles\n"
				     "require_groups = admins\n"
				     "require_claims = email_verified=true tid=" TID "\n";

	(void)state;
	assert_int_equal(dialect_login(roles, config), PAM_SUCCESS);
	oa2t_expect_log("login accepted: service=oa2 user=alice");
	assert_int_equal(dialect_login(",\"tid\":\"72f988bf-86f1-41af-91ab-2d7cd011db47\","
				       "\"email_verified\":true,\"urn:zitadel:iam:org:project:roles\":"
				       "{\"admins\":{}}",
				       config),
			 PAM_PERM_DENIED);
	oa2t_expect_log("claim condition 'tid=" TID "' not met: 'tid' is "
			"'72f988bf-86f1-41af-91ab-2d7cd011db47'");
	assert_int_equal(dialect_login(",\"tid\":\"" TID "\",\"email_verified\":\"false\","
				       "\"urn:zitadel:iam:org:project:roles\":{\"admins\":{}}",
				       config),
			 PAM_PERM_DENIED);
	oa2t_expect_log("'email_verified=true' not met: 'email_verified' is 'false'");
	assert_int_equal(dialect_login(",\"tid\":\"" TID "\",\"email_verified\":true,"
				       "\"urn:zitadel:iam:org:project:roles\":{\"users\":{}}",
				       config),
			 PAM_PERM_DENIED);
	oa2t_expect_log("not in any required group (admins)");
	assert_int_equal(dialect_login(",\"_claim_names\":{\"groups\":\"src1\"},"
				       "\"_claim_sources\":{\"src1\":{\"endpoint\":\"https://graph."
				       "windows.net/x\"}}",
				       "require_groups = admins\n"),
			 PAM_PERM_DENIED);
	oa2t_expect_log("the IdP sent a groups overage reference instead of the groups");
}

/* fd 0 becomes a pseudo-terminal whose other side is closed (a hung-up
 * terminal, as a host without a controlling terminal has it after the user
 * closed the window); returns a copy of the old fd 0. */
static int stdin_hung_up_terminal(void)
{
	int saved = dup(0), master = posix_openpt(O_RDWR | O_NOCTTY), slave = -1;

	assert_true(saved >= 0 && master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	assert_int_equal(dup2(slave, 0), 0);
	close(slave);
	close(master);
	return saved;
}

static void restore_stdin(int saved)
{
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
}

/* A terminal on fd 0 that is already hung up: PAM_ABORT (sudo, su and login
 * stop asking) before the helper asks the IdP for a code nobody would see. */
static void hung_up_terminal_aborts_before_any_request(void **state)
{
	struct oa2t_conv conv = {0};
	int saved, rc;

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	saved = stdin_hung_up_terminal();
	rc = oa2t_auth("oa2", "alice", &conv, false);
	restore_stdin(saved);
	assert_int_equal(rc, PAM_ABORT);
	oa2t_expect_log("reason=aborted: the user's terminal went away (hang-up)");
	assert_int_equal(oa2t_count(&idp, "device_authorization"), 0);
	assert_int_equal(oa2t_count(&idp, "token"), 0);
	assert_null(strstr(conv.text, "/device"));
}

/* A pipe on fd 0 whose writer is gone reads as POLLHUP too, but it is no
 * terminal: the login goes on (sudo in `: | sudo cmd` talks over /dev/tty). */
static void closed_pipe_on_stdin_is_no_hang_up(void **state)
{
	struct oa2t_conv conv = {0};
	int saved = dup(0), fds[2], rc;

	(void)state;
	assert_true(saved >= 0);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(dup2(fds[0], 0), 0);
	close(fds[0]);
	close(fds[1]);
	rc = login("oa2", "alice", "alice", 0, &conv);
	restore_stdin(saved);
	assert_int_equal(rc, PAM_SUCCESS);
	oa2t_expect_log("login accepted: service=oa2 user=alice");
}

static void warm_login_asks_only_code_and_polls(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	assert_int_equal(login("oa2", "alice", "alice", 0, &conv), PAM_SUCCESS); /* warm up */
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	memset(&conv, 0, sizeof(conv));
	assert_int_equal(login("oa2", "alice", "alice", 0, &conv), PAM_SUCCESS);
	assert_int_equal(oa2t_count(&idp, "discovery"), 0);
	assert_int_equal(oa2t_count(&idp, "jwks"), 0);
	assert_int_equal(oa2t_count(&idp, "device_authorization"), 1);
	assert_int_equal(oa2t_count(&idp, "userinfo"), 0);
	assert_int_equal(oa2t_count(&idp, "introspection"), 0);
	assert_int_equal(oa2t_count(&idp, "token"), 1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(approve_logs_alice_in),
		cmocka_unit_test(deny_is_refused),
		cmocka_unit_test(bob_cannot_approve_for_alice),
		cmocka_unit_test(unknown_local_user_is_refused),
		cmocka_unit_test(forged_user_name_cannot_forge_a_log_line),
		cmocka_unit_test(hostile_sub_cannot_forge_a_log_line),
		cmocka_unit_test(system_account_name_is_refused),
		cmocka_unit_test(map_only_refuses_unmapped_identity),
		cmocka_unit_test(no_pam_user_becomes_mapped_user),
		cmocka_unit_test(require_groups_refuses_non_member),
		cmocka_unit_test(expiry_is_refused),
		cmocka_unit_test(slow_down_is_honoured),
		cmocka_unit_test(google_style_answers_keep_polling),
		cmocka_unit_test(bare_429_slows_polling),
		cmocka_unit_test(device_429_with_retry_after),
		cmocka_unit_test(idp_text_is_escaped_once_on_its_way_to_the_log),
		cmocka_unit_test(refusals_are_not_outages),
		cmocka_unit_test(polls_never_faster_than_interval),
		cmocka_unit_test(idp_down_mid_poll_is_unavailable),
		cmocka_unit_test(idp_gone_mid_poll_is_unavailable),
		cmocka_unit_test(prompt_mode_waits_after_early_enter),
		cmocka_unit_test(prompt_mode_cancel),
		cmocka_unit_test(sshd_marker_answer_is_refused),
		cmocka_unit_test(hung_up_terminal_aborts_before_any_request),
		cmocka_unit_test(closed_pipe_on_stdin_is_no_hang_up),
		cmocka_unit_test(warm_login_asks_only_code_and_polls),
		cmocka_unit_test(dialect_answers_and_claims),
	};

	oa2t_init(argc, argv, oa2t_services_oa2);
	return cmocka_run_group_tests(tests, setup, oa2t_idp_teardown);
}
