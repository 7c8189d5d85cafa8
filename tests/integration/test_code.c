/* test_code.c - the authorization code grant with PKCE (grant = code)
 * through the real PAM stack against the test IdP's real authorization
 * endpoint and login page.
 *
 * The "browser" is libcurl with a cookie jar: it opens the URL the module
 * printed, signs in on the IdP's login form, and stops at the redirect to
 * redirect_uri (a host that does not exist: its address is what the user
 * copies). The conversation then pastes that address, or just the code.
 * Proves: alice signing in for alice logs in (address or bare code); bob
 * signing in for alice is refused; a state from another login, a code used
 * twice, an error=access_denied redirect and garbage are refused; grant =
 * auto falls back to the code grant when the IdP offers no device grant for
 * the client; a configuration without redirect_uri is refused. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* cmocka needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

#define REDIRECT "https://pam-oauth2.example/callback"

static struct oa2t_idp idp;

static void write_config(const char *extra)
{
	char rest[1024];

	snprintf(rest, sizeof(rest),
		 "http_timeout = 5\ndevice_timeout = 30\nredirect_uri = " REDIRECT "\n%s",
		 extra ? extra : "grant = code\n");
	oa2t_write_config("code.conf", &idp, "pam-code", "cache", rest);
}

static int setup(void **state)
{
	*state = &idp;
	if (oa2t_idp_start(&idp, "code", "--interval 1") != 0)
		return -1;
	write_config(NULL);
	return 0;
}

static size_t discard(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

/* One step of the browser: GET (or POST form) url without following
 * redirects; *next gets the absolute Location (malloc'd) or NULL. */
static long step(CURL *c, const char *url, const char *form, char **next)
{
	char *loc = NULL;
	long status = 0;

	*next = NULL;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(c, CURLOPT_HTTPGET, form == NULL ? 1L : 0L);
	if (form != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
	if (curl_easy_perform(c) != CURLE_OK)
		return -1;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc);
	if (loc != NULL)
		*next = strdup(loc);
	return status;
}

/* Sign in as user (password pass; NULL: press Cancel) at url; return the
 * address the IdP finally sends the browser to at redirect_uri, or NULL. */
static char *browser_login(const char *url, const char *user, const char *pass)
{
	CURL *c = curl_easy_init();
	char *cur = strdup(url), *next = NULL, *result = NULL;
	char form[256], action[512];
	int logged_in = 0;

	assert_non_null(c);
	curl_easy_setopt(c, CURLOPT_CAINFO, idp.ca);
	curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	for (int hops = 0; hops < 20 && cur != NULL; hops++) {
		long st;

		if (strncmp(cur, REDIRECT, strlen(REDIRECT)) == 0) {
			result = cur;
			cur = NULL;
			break;
		}
		st = step(c, cur, NULL, &next);
		if (st == 200 && next == NULL && strstr(cur, "/interaction/") != NULL && !logged_in) {
			/* the login page: sign in, or cancel */
			const char *uid = strstr(cur, "/interaction/") + strlen("/interaction/");

			if (user == NULL) {
				snprintf(action, sizeof(action), "%.*s/interaction/%s/abort",
					 (int)(strstr(cur, "/interaction/") - cur), cur, uid);
				st = step(c, action, NULL, &next);
			} else {
				snprintf(action, sizeof(action), "%s/login", cur);
				snprintf(form, sizeof(form), "username=%s&password=%s", user, pass);
				st = step(c, action, form, &next);
			}
			logged_in = 1;
		}
		free(cur);
		cur = next;
		next = NULL;
		if (st < 0)
			break;
	}
	free(cur);
	curl_easy_cleanup(c);
	return result;
}

/* The conversation: when the instructions arrive, play the browser and
 * have the answer ready for the "Code or address" prompt. */
struct browse {
	const char *user, *pass;
	int bare_code;      /* paste only the code */
	const char *forced; /* paste this instead (NULL: what the browser got) */
	char answer[4096];
	char url[2048];
	char landed[4096];
};

static void on_message(struct oa2t_conv *conv, int style, const char *msg)
{
	struct browse *b = conv->user;
	const char *p = strstr(msg, "https://");
	char *landed;
	size_t n;

	(void)style;
	if (p == NULL || b->url[0] != '\0')
		return;
	n = strcspn(p, " \n");
	snprintf(b->url, sizeof(b->url), "%.*s", (int)n, p);
	landed = browser_login(b->url, b->user, b->pass);
	if (landed != NULL) {
		snprintf(b->landed, sizeof(b->landed), "%s", landed);
		free(landed);
	}
	if (b->forced != NULL) {
		snprintf(b->answer, sizeof(b->answer), "%s", b->forced);
	} else if (b->bare_code) {
		const char *c = strstr(b->landed, "code=");

		snprintf(b->answer, sizeof(b->answer), "%.*s", c ? (int)strcspn(c + 5, "&") : 0,
			 c ? c + 5 : "");
	} else {
		snprintf(b->answer, sizeof(b->answer), "%s", b->landed);
	}
	conv->answers[0] = b->answer;
	conv->nanswers = 1;
}

static int login_as(const char *user, struct browse *b)
{
	struct oa2t_conv conv = {0};

	conv.on_message = on_message;
	conv.user = b;
	return oa2t_auth("code", user, &conv, true);
}

static void alice_pastes_the_address(void **state)
{
	struct browse b = {"alice", "alice-pass", 0, NULL, "", "", ""};

	(void)state;
	assert_int_equal(login_as("alice", &b), PAM_SUCCESS);
	assert_non_null(strstr(b.url, "code_challenge_method=S256"));
	assert_non_null(strstr(b.url, "state="));
	assert_non_null(strstr(b.url, "nonce="));
	assert_non_null(strstr(b.landed, "code="));
	oa2t_expect_log("login accepted: service=code user=alice");
	oa2t_expect_log("grant=code");
	/* the code and the verifier never reach the log */
	assert_false(oa2t_log_has("code_verifier"));
}

static void alice_pastes_the_bare_code(void **state)
{
	struct browse b = {"alice", "alice-pass", 1, NULL, "", "", ""};

	(void)state;
	assert_int_equal(login_as("alice", &b), PAM_SUCCESS);
}

static void bob_signing_in_for_alice_is_refused(void **state)
{
	struct browse b = {"bob", "bob-pass", 0, NULL, "", "", ""};

	(void)state;
	assert_int_equal(login_as("alice", &b), PAM_AUTH_ERR);
	oa2t_expect_log("maps to 'bob', not to 'alice'");
}

static void cancel_at_the_idp_is_denied(void **state)
{
	struct browse b = {NULL, NULL, 0, NULL, "", "", ""};

	(void)state;
	assert_int_equal(login_as("alice", &b), PAM_AUTH_ERR);
	assert_non_null(strstr(b.landed, "error=access_denied"));
	oa2t_expect_log("the login was denied at the identity provider");
}

/* A first login of alice succeeds (bare: pasting the bare code); a second
 * one is given what the first pasted (bare) or the address its browser
 * landed on, and is refused with log. */
static void second_login_pasting_the_first(int bare, const char *log)
{
	struct browse first = {"alice", "alice-pass", bare, NULL, "", "", ""};
	struct browse second = {"alice", "alice-pass", 0, NULL, "", "", ""};
	char old[4096];

	assert_int_equal(login_as("alice", &first), PAM_SUCCESS);
	snprintf(old, sizeof(old), "%s", bare ? first.answer : first.landed);
	second.forced = old;
	assert_int_equal(login_as("alice", &second), PAM_AUTH_ERR);
	oa2t_expect_log(log);
}

static void state_of_another_login_is_refused(void **state)
{
	(void)state;
	/* an address from a first login, pasted into a second one */
	second_login_pasting_the_first(0, "belongs to another login");
}

static void code_used_twice_is_refused(void **state)
{
	(void)state;
	/* the same bare code again: redeemed already, and another login's */
	second_login_pasting_the_first(1, "the identity provider refused the code");
}

static void garbage_is_refused(void **state)
{
	struct browse b = {"alice", "alice-pass", 0, "https://x/?state=1&code=2&code=3", "", "", ""};
	struct browse b2 = {"alice", "alice-pass", 0, "not a code", "", "", ""};

	(void)state;
	assert_int_equal(login_as("alice", &b), PAM_AUTH_ERR);
	oa2t_expect_log("names a parameter twice");
	assert_int_equal(login_as("alice", &b2), PAM_AUTH_ERR);
	oa2t_expect_log("not well-formed");
}

static void auto_falls_back_when_device_grant_is_refused(void **state)
{
	struct browse b = {"alice", "alice-pass", 0, NULL, "", "", ""};
	int rc;

	(void)state;
	/* the IdP refuses the device authorization request for this client */
	write_config("grant = auto\n");
	assert_int_equal(oa2t_answer(&idp, "device_authorization", 1, 400,
				     "{\"error\":\"unauthorized_client\"}", NULL),
			 200);
	rc = login_as("alice", &b);
	write_config(NULL);
	assert_int_equal(rc, PAM_SUCCESS);
	oa2t_expect_log("using the code grant");
}

static void without_redirect_uri_is_a_config_error(void **state)
{
	struct oa2t_conv conv = {0};

	(void)state;
	oa2t_write_config("code.conf", &idp, "pam-code", "cache", "grant = code\n");
	assert_int_equal(oa2t_auth("code", "alice", &conv, false), PAM_SERVICE_ERR);
	write_config(NULL);
	oa2t_expect_log("grant = code needs redirect_uri");
}

int main(int argc, char **argv)
{
	static const struct oa2t_service services[] = {
		{"code", "config=%T/code.conf debug", false},
		{NULL, NULL, false},
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(alice_pastes_the_address),
		cmocka_unit_test(alice_pastes_the_bare_code),
		cmocka_unit_test(bob_signing_in_for_alice_is_refused),
		cmocka_unit_test(cancel_at_the_idp_is_denied),
		cmocka_unit_test(state_of_another_login_is_refused),
		cmocka_unit_test(code_used_twice_is_refused),
		cmocka_unit_test(garbage_is_refused),
		cmocka_unit_test(auto_falls_back_when_device_grant_is_refused),
		cmocka_unit_test(without_redirect_uri_is_a_config_error),
	};

	oa2t_init(argc, argv, services);
	return cmocka_run_group_tests(tests, setup, oa2t_idp_teardown);
}
