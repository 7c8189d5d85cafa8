/* test_ciba.c - CIBA in poll mode (grant = ciba, docs/ciba.md) through real
 * PAM transactions (pam_wrapper, nss_wrapper accounts alice/bob/carol)
 * against the test IdP, which approves or denies through its control API as
 * the phone would: approve (the binding message on screen is the one the
 * IdP got; a warm login asks for nothing but the request and the polls),
 * deny, approved by another account, expiry, slow_down, sshd-style prompts
 * (Enter before the approval, 'cancel'), a hint for a user
 * the IdP does not know (a refusal, never "unavailable"), a PAM user not
 * usable in the hint (nothing sent), an IdP without CIBA and one without
 * poll mode (configuration errors), a 5xx at the backchannel endpoint
 * (unavailable, and no offline entry is tried); grant = auto: CIBA on local
 * sessions with a hint, the device grant only where nothing was sent; a
 * binding message the IdP refuses (invalid_binding_message). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

static struct oa2t_idp idp;

#define SCREEN_LINE "Approve the login on your phone: "
#define ALICE_SUB "6f1c2a7e-0b4d-4c8a-9e21-a11ce0000001"

static void write_config_hint(const struct oa2t_idp *i, const char *cache, const char *grant,
			      const char *hint, const char *extra)
{
	char rest[1024];

	snprintf(rest, sizeof(rest),
		 "http_timeout = 5\ndevice_timeout = 60\ngrant = %s\nciba_login_hint = %s\n%s", grant,
		 hint, extra ? extra : "");
	oa2t_write_config("oa2.conf", i, "pam-confidential", cache, rest);
}

static void write_config_grant(const struct oa2t_idp *i, const char *cache, const char *grant,
			       const char *extra)
{
	write_config_hint(i, cache, grant, "%u@example.test", extra);
}

static void write_config_for(const struct oa2t_idp *i, const char *cache, const char *extra)
{
	write_config_grant(i, cache, "ciba", extra);
}

static int setup(void **state)
{
	*state = &idp;
	if (oa2t_idp_start(&idp, "ciba", "--interval 1") != 0)
		return -1;
	write_config_for(&idp, "cache", NULL);
	return 0;
}

/* What the phone does once the binding message is on screen: act at the
 * IdP by the binding message (only the request whose message is on this
 * screen can be meant) through route, as username. */
#define APPROVE "/ciba/approve"
#define DENY "/ciba/deny"
#define EXPIRE "/ciba/expire"
static struct oa2t_screen_action phone(const struct oa2t_idp *i, const char *route,
				       const char *username, int delay_ms)
{
	struct oa2t_screen_action ph = {
		.idp = i,
		.find = OA2T_KEY_BINDING,
		.route = route,
		.username = username ? username : "alice",
		.delay_ms = delay_ms,
	};

	return ph;
}

static int login_to(const char *service, const char *user, struct oa2t_screen_action *ph,
		    struct oa2t_conv *conv)
{
	return oa2t_login(service, user, oa2t_screen_act, ph, conv);
}

static int login(const char *user, struct oa2t_screen_action *ph, struct oa2t_conv *conv)
{
	return login_to("oa2", user, ph, conv);
}

/* HOST.SERVICE.NNNN: the binding message format of docs/ciba.md */
static void expect_binding_format(const char *b)
{
	char host[256];
	char want[300];
	size_t n = strlen(b);

	assert_true(n <= 20);
	assert_true(gethostname(host, sizeof(host) - 1) == 0);
	host[strcspn(host, ".")] = '\0';
	host[9] = '\0';
	for (char *c = host; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-'))
			*c = '-';
	}
	snprintf(want, sizeof(want), "%s.oa2.", host);
	if (strncmp(b, want, strlen(want)) != 0 || n != strlen(want) + 4 ||
	    strspn(b + strlen(want), "0123456789") != 4)
		fail_msg("binding message '%s' is not '%sNNNN'", b, want);
}

static void approve_logs_alice_in(void **state)
{
	struct oa2t_conv conv = {0};
	struct oa2t_screen_action ph = phone(&idp, APPROVE, "alice", 0);

	(void)state;
	write_config_for(&idp, "cache", NULL);
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	assert_int_equal(login("alice", &ph, &conv), PAM_SUCCESS);
	/* the IdP found the request by the message shown on this screen */
	assert_int_equal(ph.status, 200);
	expect_binding_format(ph.key);
	oa2t_expect_log("login accepted: service=oa2 user=alice");
	oa2t_expect_log("grant=ciba evidence=id_token");
	assert_non_null(strstr(conv.text, "The request is valid for 60 seconds."));
	assert_int_equal(conv.prompts, 0);
	assert_int_equal(oa2t_count(&idp, "backchannel_authentication"), 1);

	/* warm: one backchannel request and the polls, no discovery, no JWKS */
	memset(&conv, 0, sizeof(conv));
	ph = phone(&idp, APPROVE, "alice", 0);
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	assert_int_equal(login("alice", &ph, &conv), PAM_SUCCESS);
	assert_int_equal(oa2t_count(&idp, "backchannel_authentication"), 1);
	assert_int_equal(oa2t_count(&idp, "discovery"), 0);
	assert_int_equal(oa2t_count(&idp, "jwks"), 0);
	assert_true(oa2t_count(&idp, "token") >= 1);
}

static void deny_is_refused(void **state)
{
	struct oa2t_conv conv = {0};
	struct oa2t_screen_action ph = phone(&idp, DENY, NULL, 0);

	(void)state;
	assert_int_equal(login("alice", &ph, &conv), PAM_AUTH_ERR);
	assert_int_equal(ph.status, 200);
	oa2t_expect_log("denied at the identity provider");
	assert_non_null(strstr(conv.text, "The login was denied at the identity provider."));
}

static void bob_cannot_approve_for_alice(void **state)
{
	struct oa2t_conv conv = {0};
	struct oa2t_screen_action ph = phone(&idp, APPROVE, "bob", 0);

	(void)state;
	assert_int_equal(login("alice", &ph, &conv), PAM_AUTH_ERR);
	assert_int_equal(ph.status, 200);
	oa2t_expect_log("maps to 'bob', not to 'alice'");
	assert_non_null(strstr(conv.text, "This login was approved by an account that is not alice.\n"));
	assert_null(strstr(conv.text, "bob"));
}

static void expiry_is_refused(void **state)
{
	struct oa2t_conv conv = {0};
	struct oa2t_screen_action ph = phone(&idp, EXPIRE, NULL, 0);

	(void)state;
	assert_int_equal(login("alice", &ph, &conv), PAM_AUTH_ERR);
	assert_int_equal(ph.status, 200);
	oa2t_expect_log("the request expired before it was approved");
	assert_non_null(strstr(conv.text, "The request expired before it was approved."));
}

static void slow_down_is_honoured(void **state)
{
	struct oa2t_conv conv = {0};
	struct oa2t_screen_action ph = phone(&idp, APPROVE, "alice", 1500);
	double t[64] = {0};
	int n;

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/polls/reset", "{}", NULL), 200);
	assert_int_equal(oa2t_control(&idp, "POST", "/fault",
				      "{\"endpoint\":\"token\",\"kind\":\"slow_down\",\"count\":1}",
				      NULL), 200);
	assert_int_equal(login("alice", &ph, &conv), PAM_SUCCESS);
	/* only this login's CIBA polls since the reset */
	n = oa2t_poll_times(&idp, t, 64);
	assert_true(n >= 2);
	/* interval 1 s; slow_down adds 5 s for every later poll */
	oa2t_expect_poll_gaps(t, n, 5.95);
}

/* sshd-style service: the binding message travels with the device grant's
 * prompt; Enter pressed at once, the approval 2.5 s later: a success;
 * 'cancel' ends the login. */
static void prompt_mode_as_the_device_grant(void **state)
{
	struct oa2t_conv conv = {0};
	struct oa2t_screen_action ph = phone(&idp, APPROVE, "alice", 2500);

	(void)state;
	oa2t_expect_prompt_mode(login_to("sshd-oa2", "alice", &ph, &conv), &conv, "sshd-oa2",
				"alice");
	assert_non_null(strstr(conv.text, SCREEN_LINE));

	memset(&conv, 0, sizeof(conv));
	ph = phone(&idp, APPROVE, "alice", 0);
	ph.done = 1; /* the phone stays silent */
	conv.answers[0] = "cancel";
	conv.nanswers = 1;
	oa2t_expect_cancelled(login_to("sshd-oa2", "alice", &ph, &conv), &conv);
}

static void unknown_hint_is_a_refusal(void **state)
{
	struct oa2t_conv conv = {0};
	struct oa2t_screen_action ph = phone(&idp, APPROVE, "carol", 0);

	(void)state;
	/* dave exists nowhere: the IdP answers unknown_user_id */
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	assert_int_equal(login("dave", &ph, &conv), PAM_AUTH_ERR);
	oa2t_expect_log("the IdP refused the login hint 'dave@example.test' (unknown_user_id");
	assert_false(oa2t_log_has("offline"));
	assert_non_null(strstr(conv.text,
			       "The identity provider cannot send an approval request for this user."));
	assert_int_equal(oa2t_count(&idp, "token"), 0);
	/* invalid_request for a hint, as some providers answer: the same */
	assert_int_equal(oa2t_answer(&idp, "backchannel_authentication", 1, 400,
				     "{\"error\":\"invalid_request\",\"error_description\":\"bad hint\"}",
				     NULL), 200);
	memset(&conv, 0, sizeof(conv));
	assert_int_equal(login("alice", &ph, &conv), PAM_AUTH_ERR);
	oa2t_expect_log("(invalid_request: bad hint)");
	assert_int_equal(oa2t_count(&idp, "token"), 0);
}

static void unusable_user_name_sends_nothing(void **state)
{
	struct oa2t_conv conv = {0};
	struct oa2t_screen_action ph = phone(&idp, APPROVE, "alice", 0);
	int rc;

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	/* a valid PAM user name ('$' ends machine accounts), not a safe hint */
	rc = login("alice$", &ph, &conv);
	assert_true(rc != PAM_SUCCESS && rc != PAM_AUTHINFO_UNAVAIL);
	oa2t_expect_log("not usable in a CIBA login hint");
	assert_int_equal(oa2t_count(&idp, "backchannel_authentication"), 0);
}

static void idp_without_ciba_is_a_config_error(void **state)
{
	struct oa2t_idp plain = {0};
	struct oa2t_conv conv = {0};
	struct oa2t_screen_action ph = phone(&idp, APPROVE, "alice", 0);
	int rc;

	(void)state;
	assert_int_equal(oa2t_idp_start(&plain, "plain", "--interval 1 --no-ciba"), 0);
	write_config_for(&plain, "cache-plain", NULL);
	rc = login("alice", &ph, &conv);
	oa2t_idp_stop(&plain);
	write_config_for(&idp, "cache", NULL);
	assert_int_equal(rc, PAM_SERVICE_ERR);
	oa2t_expect_log("the IdP does not offer CIBA (no backchannel_authentication_endpoint");
}

static void idp_without_poll_mode_is_a_config_error(void **state)
{
	struct oa2t_conv conv = {0};
	struct oa2t_screen_action ph = phone(&idp, APPROVE, "alice", 0);
	int rc;

	(void)state;
	assert_int_equal(oa2t_control(&idp, "POST", "/discovery-override",
				      "{\"set\":{\"backchannel_token_delivery_modes_supported\":"
				      "[\"ping\",\"push\"]}}",
				      NULL), 200);
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	write_config_for(&idp, "cache-nopoll", NULL);
	rc = login("alice", &ph, &conv);
	assert_int_equal(oa2t_control(&idp, "POST", "/discovery-override", "{\"set\":{}}", NULL),
			 200);
	write_config_for(&idp, "cache", NULL);
	assert_int_equal(rc, PAM_SERVICE_ERR);
	oa2t_expect_log("does not offer CIBA in poll mode");
	assert_int_equal(oa2t_count(&idp, "backchannel_authentication"), 0);
}

static void outage_is_unavailable_never_offline(void **state)
{
	struct oa2t_conv conv = {0};
	struct oa2t_screen_action ph = phone(&idp, APPROVE, "alice", 0);

	(void)state;
	write_config_for(&idp, "cache", "offline_cache = yes\n");
	assert_int_equal(oa2t_answer(&idp, "backchannel_authentication", 1, 503, NULL, NULL), 200);
	assert_int_equal(login("alice", &ph, &conv), PAM_AUTHINFO_UNAVAIL);
	write_config_for(&idp, "cache", NULL);
	assert_false(oa2t_log_has("trying the offline entry"));
	assert_false(oa2t_log_has("offline entry for"));
}

/* The hint from the reverse of user_map_file, in Auth0's iss_sub form:
 * the IdP gets {"format":"iss_sub","iss":ISSUER,"sub":alice's sub} and
 * pushes to alice; a PAM user without a map entry gets nothing sent. */
static void reverse_map_hint_in_iss_sub_form(void **state)
{
	struct oa2t_conv conv = {0};
	struct oa2t_screen_action ph = phone(&idp, APPROVE, "alice", 0);
	char extra[512], want[512], *pending = NULL;

	(void)state;
	snprintf(extra, sizeof(extra),
		 "user_map_file = %s\nuser_map_only = yes\nusername_claim = sub\n"
		 "ciba_login_hint_format = iss_sub\n",
		 oa2t_write("map", "# sub local-user\n" ALICE_SUB " alice\n"
			    "3d9b5e10-7f2c-4a61-8b3e-b0b000000002 bob\n", 0644));
	write_config_hint(&idp, "cache", "ciba", "%i", extra);
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	ph.peek = &pending;
	ph.peek_route = "/ciba/pending";
	assert_int_equal(login("alice", &ph, &conv), PAM_SUCCESS);
	assert_int_equal(ph.status, 200);
	assert_non_null(pending);
	/* the JSON text as sent, escaped once more inside the control API's JSON */
	snprintf(want, sizeof(want),
		 "\"login_hint\":\"{\\\"format\\\":\\\"iss_sub\\\",\\\"iss\\\":\\\"%s\\\","
		 "\\\"sub\\\":\\\"" ALICE_SUB "\\\"}\"", idp.issuer);
	if (strstr(pending, want) == NULL)
		fail_msg("pending %s lacks %s", pending, want);
	free(pending);
	oa2t_expect_log("login accepted: service=oa2 user=alice");

	/* carol is in no map entry: refused before anything is sent */
	memset(&conv, 0, sizeof(conv));
	ph = phone(&idp, APPROVE, "alice", 0);
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	assert_int_equal(login("carol", &ph, &conv), PAM_AUTH_ERR);
	write_config_for(&idp, "cache", NULL);
	oa2t_expect_log("no entry of user_map_file maps an identity to carol");
	assert_non_null(strstr(conv.text,
			       "The identity provider cannot send an approval request for this user."));
	assert_int_equal(oa2t_count(&idp, "backchannel_authentication"), 0);
}

/* grant = auto: what a phone and a device-grant approver do, whichever
 * the module shows. */
struct either {
	struct oa2t_screen_action ph;
	struct oa2t_screen_action dev;
};
/* the phone acts through route as user; alice approves the device code */
#define EITHER(route, user, dev_idp) \
	{phone(&idp, route, user, 0), oa2t_device_approver(dev_idp, "alice", 0)}

static void either_acts(struct oa2t_conv *conv, int style, const char *msg)
{
	struct either *e = conv->user;

	conv->user = &e->ph;
	oa2t_screen_act(conv, style, msg);
	conv->user = &e->dev;
	oa2t_screen_act(conv, style, msg);
	conv->user = e;
}

/* grant = auto as sudo runs it: PAM_RUSER (the requesting user) is ruser
 * (NULL: unset, as login leaves it); through items-oa2, whose
 * pam_set_items.so sets the items from the environment. */
static int auto_login_by(const char *ruser, const char *user, struct either *e,
			 struct oa2t_conv *conv)
{
	int rc;

	if (ruser != NULL)
		setenv("PAM_RUSER", ruser, 1);
	rc = oa2t_login("items-oa2", user, either_acts, e, conv);
	unsetenv("PAM_RUSER");
	return rc;
}

static int auto_login(const char *user, struct either *e, struct oa2t_conv *conv)
{
	return auto_login_by(user, user, e, conv);
}

/* A local session (no PAM_RHOST) with a hint at an IdP offering CIBA in
 * poll mode: CIBA, and no device authorization request. */
static void auto_uses_ciba_on_a_local_session(void **state)
{
	struct oa2t_conv conv = {0};
	struct either e = EITHER(APPROVE, "alice", &idp);

	(void)state;
	write_config_grant(&idp, "cache", "auto", NULL);
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	assert_int_equal(auto_login("alice", &e, &conv), PAM_SUCCESS);
	write_config_for(&idp, "cache", NULL);
	assert_int_equal(e.ph.status, 200);
	assert_int_equal(e.dev.done, 0);
	assert_non_null(strstr(conv.text, SCREEN_LINE));
	assert_int_equal(oa2t_count(&idp, "backchannel_authentication"), 1);
	assert_int_equal(oa2t_count(&idp, "device_authorization"), 0);
	oa2t_expect_log("grant=ciba-or-device evidence=id_token");
	assert_false(oa2t_log_has("CIBA not used"));
}

/* Someone asking for another account (su: PAM_RUSER bob, PAM_USER alice)
 * or nobody named (login: no PAM_RUSER) never rings a phone through
 * grant = auto: the device grant. */
static void auto_uses_ciba_only_for_oneself(void **state)
{
	struct oa2t_conv conv = {0}, conv2 = {0};
	struct either e = EITHER(APPROVE, "alice", &idp);
	struct either e2 = EITHER(APPROVE, "alice", &idp);
	int rc, rc2;

	(void)state;
	write_config_grant(&idp, "cache", "auto", NULL);
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	rc = auto_login_by("bob", "alice", &e, &conv);
	rc2 = auto_login_by(NULL, "alice", &e2, &conv2);
	write_config_for(&idp, "cache", NULL);
	assert_int_equal(rc, PAM_SUCCESS);
	assert_int_equal(rc2, PAM_SUCCESS);
	assert_int_equal(e.dev.done, 1);
	assert_int_equal(e2.dev.done, 1);
	assert_int_equal(e.ph.done + e2.ph.done, 0);
	assert_int_equal(oa2t_count(&idp, "backchannel_authentication"), 0);
	assert_int_equal(oa2t_count(&idp, "device_authorization"), 2);
}

/* Without a hint, grant = auto is what it always was: the device grant. */
static void auto_without_hint_is_the_device_grant(void **state)
{
	struct oa2t_conv conv = {0};
	struct either e = EITHER(APPROVE, "alice", &idp);

	(void)state;
	oa2t_write_config("oa2.conf", &idp, "pam-confidential", "cache", "http_timeout = 5\n");
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	assert_int_equal(auto_login("alice", &e, &conv), PAM_SUCCESS);
	write_config_for(&idp, "cache", NULL);
	assert_int_equal(e.dev.done, 1);
	assert_int_equal(oa2t_count(&idp, "backchannel_authentication"), 0);
	oa2t_expect_log("grant=device ");
}

/* A remote session (PAM_RHOST set: sshd) never gets CIBA from grant = auto:
 * anyone who reaches sshd could make the user's phone ring. */
static void auto_keeps_the_device_grant_for_remote_sessions(void **state)
{
	struct oa2t_conv conv = {0};
	struct either e = EITHER(APPROVE, "alice", &idp);
	int rc;

	(void)state;
	write_config_grant(&idp, "cache", "auto", NULL);
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	setenv("PAM_RHOST", "192.0.2.7", 1);
	rc = auto_login("alice", &e, &conv);
	unsetenv("PAM_RHOST");
	write_config_for(&idp, "cache", NULL);
	assert_int_equal(rc, PAM_SUCCESS);
	assert_int_equal(e.dev.done, 1);
	assert_int_equal(e.ph.done, 0);
	assert_int_equal(oa2t_count(&idp, "backchannel_authentication"), 0);
	oa2t_expect_log("grant=device ");
}

/* An IdP without CIBA: the device grant, said in the log; nothing sent to
 * a backchannel endpoint. */
static void auto_without_ciba_at_the_idp_is_the_device_grant(void **state)
{
	struct oa2t_idp plain = {0};
	struct oa2t_conv conv = {0};
	struct either e = EITHER(APPROVE, "alice", &plain);
	int rc;

	(void)state;
	assert_int_equal(oa2t_idp_start(&plain, "plain", "--interval 1 --no-ciba"), 0);
	write_config_grant(&plain, "cache-plain-auto", "auto", NULL);
	rc = auto_login("alice", &e, &conv);
	oa2t_idp_stop(&plain);
	write_config_for(&idp, "cache", NULL);
	assert_int_equal(rc, PAM_SUCCESS);
	assert_int_equal(e.dev.done, 1);
	assert_null(strstr(conv.text, SCREEN_LINE));
	oa2t_expect_log("CIBA not used (the IdP does not offer CIBA (no "
			"backchannel_authentication_endpoint");
	oa2t_expect_log("using the device grant");
}

/* The IdP knows no user by the hint (nothing was pushed): the device grant,
 * without the CIBA refusal line; the identity must still map to alice. */
static void auto_unknown_hint_is_the_device_grant(void **state)
{
	struct oa2t_conv conv = {0};
	struct either e = EITHER(APPROVE, "alice", &idp);

	(void)state;
	write_config_grant(&idp, "cache", "auto", NULL);
	assert_int_equal(oa2t_answer(&idp, "backchannel_authentication", 1, 400,
				     "{\"error\":\"unknown_user_id\",\"error_description\":\"no such user\"}",
				     NULL), 200);
	assert_int_equal(auto_login("alice", &e, &conv), PAM_SUCCESS);
	assert_int_equal(e.dev.done, 1);
	assert_null(strstr(conv.text, "cannot send an approval request"));
	oa2t_expect_log("CIBA not used (the IdP refused the login hint 'alice@example.test' "
			"(unknown_user_id: no such user)); using the device grant");

	/* bob approves the device code shown for alice: refused as ever */
	memset(&conv, 0, sizeof(conv));
	e.ph = phone(&idp, APPROVE, "alice", 0);
	e.ph.done = 1;
	e.dev = oa2t_device_approver(&idp, "bob", 0);
	assert_int_equal(oa2t_answer(&idp, "backchannel_authentication", 1, 400,
				     "{\"error\":\"unknown_user_id\"}", NULL), 200);
	assert_int_equal(auto_login("alice", &e, &conv), PAM_AUTH_ERR);
	write_config_for(&idp, "cache", NULL);
	oa2t_expect_log("maps to 'bob', not to 'alice'");
}

/* After a push: a denial, an expiry or an outage are the end; the device
 * grant is never offered in their place. */
static void auto_never_falls_back_after_a_push_or_an_outage(void **state)
{
	struct oa2t_conv conv = {0};
	struct either e = EITHER(DENY, NULL, &idp);

	(void)state;
	write_config_grant(&idp, "cache", "auto", "offline_cache = yes\n");
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	assert_int_equal(auto_login("alice", &e, &conv), PAM_AUTH_ERR);
	assert_int_equal(e.ph.status, 200);
	assert_int_equal(e.dev.done, 0);
	assert_non_null(strstr(conv.text, "The login was denied at the identity provider."));
	assert_int_equal(oa2t_count(&idp, "device_authorization"), 0);
	assert_false(oa2t_log_has("CIBA not used"));

	memset(&conv, 0, sizeof(conv));
	e.ph = phone(&idp, EXPIRE, NULL, 0);
	e.dev = oa2t_device_approver(&idp, "alice", 0);
	assert_int_equal(auto_login("alice", &e, &conv), PAM_AUTH_ERR);
	assert_non_null(strstr(conv.text, "The request expired before it was approved."));
	assert_int_equal(oa2t_count(&idp, "device_authorization"), 0);

	memset(&conv, 0, sizeof(conv));
	e.ph.done = 1;
	e.dev.done = 0;
	assert_int_equal(oa2t_answer(&idp, "backchannel_authentication", 1, 503, NULL, NULL), 200);
	assert_int_equal(auto_login("alice", &e, &conv), PAM_AUTHINFO_UNAVAIL);
	write_config_for(&idp, "cache", NULL);
	assert_int_equal(e.dev.done, 0);
	assert_int_equal(oa2t_count(&idp, "device_authorization"), 0);
	assert_false(oa2t_log_has("CIBA not used"));
	assert_false(oa2t_log_has("offline entry"));
}

/* A binding message the IdP refuses (a provider whose limit is stricter
 * than ours): grant = ciba is a refusal naming it, on screen and in the log,
 * PAM_SERVICE_ERR, never "unreachable", never the offline entry; grant =
 * auto uses the device grant (nothing was sent to a phone). */
static void refused_binding_message(void **state)
{
	struct oa2t_conv conv = {0}, conv2 = {0};
	struct oa2t_screen_action ph = phone(&idp, APPROVE, "alice", 0);
	struct either e = EITHER(APPROVE, "alice", &idp);
	long tokens;
	int rc, rc2;

	(void)state;
	write_config_for(&idp, "cache", "offline_cache = yes\n");
	assert_int_equal(oa2t_control(&idp, "POST", "/ciba/binding-limit", "{\"max\":5}", NULL),
			 200);
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	rc = login("alice", &ph, &conv);
	tokens = oa2t_count(&idp, "token");
	write_config_grant(&idp, "cache", "auto", NULL);
	rc2 = auto_login("alice", &e, &conv2);
	oa2t_control(&idp, "POST", "/ciba/binding-limit", "{\"max\":null}", NULL);
	write_config_for(&idp, "cache", NULL);

	assert_int_equal(rc, PAM_SERVICE_ERR);
	assert_int_equal(tokens, 0);
	oa2t_expect_log("the IdP refused the binding message '");
	oa2t_expect_log("(invalid_binding_message: binding_message longer than 5 characters)");
	assert_false(oa2t_log_has("unreachable"));
	assert_false(oa2t_log_has("offline entry"));
	assert_non_null(strstr(conv.text, "The identity provider refused the message of the "
					  "approval request (binding message); please tell the "
					  "administrator."));
	assert_null(strstr(conv.text, "cannot be reached"));
	assert_int_equal(ph.done, 0); /* no approval line: nothing is pending */

	assert_int_equal(rc2, PAM_SUCCESS);
	assert_int_equal(e.dev.done, 1);
	oa2t_expect_log("CIBA not used (the IdP refused the binding message '");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(approve_logs_alice_in),
		cmocka_unit_test(deny_is_refused),
		cmocka_unit_test(bob_cannot_approve_for_alice),
		cmocka_unit_test(expiry_is_refused),
		cmocka_unit_test(slow_down_is_honoured),
		cmocka_unit_test(prompt_mode_as_the_device_grant),
		cmocka_unit_test(unknown_hint_is_a_refusal),
		cmocka_unit_test(unusable_user_name_sends_nothing),
		cmocka_unit_test(idp_without_ciba_is_a_config_error),
		cmocka_unit_test(idp_without_poll_mode_is_a_config_error),
		cmocka_unit_test(outage_is_unavailable_never_offline),
		cmocka_unit_test(reverse_map_hint_in_iss_sub_form),
		cmocka_unit_test(auto_uses_ciba_on_a_local_session),
		cmocka_unit_test(auto_uses_ciba_only_for_oneself),
		cmocka_unit_test(auto_without_hint_is_the_device_grant),
		cmocka_unit_test(auto_keeps_the_device_grant_for_remote_sessions),
		cmocka_unit_test(auto_without_ciba_at_the_idp_is_the_device_grant),
		cmocka_unit_test(auto_unknown_hint_is_the_device_grant),
		cmocka_unit_test(auto_never_falls_back_after_a_push_or_an_outage),
		cmocka_unit_test(refused_binding_message),
	};

	oa2t_init(argc, argv, oa2t_services_oa2);
	return cmocka_run_group_tests(tests, setup, oa2t_idp_teardown);
}
