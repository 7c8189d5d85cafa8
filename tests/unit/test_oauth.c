/* test_oauth.c - how an IdP's answer to an OAuth request is sorted: an
 * "error" member is that OAuth error whatever the status, any other 4xx is
 * a refusal, only a 5xx is an outage; and what each refusal becomes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "helper/oauth.h"
#include "shared/refusal.h"

/* One answer: status, body; what oa2_oauth_answer returns, the error code it
 * read, and the error kind of the outcome (oa2_oauth_refused for refusals). */
struct row {
	long status;
	const char *body;
	int rc;
	const char *code;
	enum oa2_errkind kind;
};

static const struct row rows[] = {
	/* tokens */
	{200, "{\"access_token\":\"a\",\"token_type\":\"Bearer\"}", 0, "", OA2_OK},
	/* an error member decides, whatever the status */
	{400, "{\"error\":\"invalid_grant\"}", 1, "invalid_grant", OA2_ERR_DENIED},
	{403, "{\"error\":\"invalid_grant\",\"error_description\":\"Wrong email or password.\"}", 1,
	 "invalid_grant", OA2_ERR_DENIED},
	{200, "{\"error\":\"authorization_pending\"}", 1, "authorization_pending", OA2_ERR_DENIED},
	{428, "{\"error\":\"authorization_pending\"}", 1, "authorization_pending", OA2_ERR_DENIED},
	{403, "{\"error\":\"slow_down\"}", 1, "slow_down", OA2_ERR_DENIED},
	{429, "{\"error\":\"too_many_attempts\"}", 1, "too_many_attempts", OA2_ERR_DENIED},
	{401, "{\"error\":\"unauthorized\",\"error_description\":\"user is blocked\"}", 1,
	 "unauthorized", OA2_ERR_DENIED},
	{500, "{\"error\":\"invalid_grant\"}", 1, "invalid_grant", OA2_ERR_DENIED},
	{401, "{\"error\":\"invalid_client\"}", 1, "invalid_client", OA2_ERR_CONFIG},
	{400, "{\"error\":\"invalid_scope\"}", 1, "invalid_scope", OA2_ERR_CONFIG},
	{503, "{\"error\":\"temporarily_unavailable\"}", 1, "temporarily_unavailable",
	 OA2_ERR_UNAVAIL},
	{500, "{\"error\":\"server_error\"}", 1, "server_error", OA2_ERR_UNAVAIL},
	/* other 4xx: a refusal, never an outage */
	{403, "", 1, "", OA2_ERR_DENIED},
	{429, "", 1, "", OA2_ERR_DENIED},
	{429, "Too Many Requests", 1, "", OA2_ERR_DENIED},
	{400, "Bad Request", 1, "", OA2_ERR_DENIED},
	{400, "\"invalid_grant\"", 1, "", OA2_ERR_DENIED},
	{401, "{\"error\":7}", 1, "", OA2_ERR_DENIED},
	{404, "<html>not found</html>", 1, "", OA2_ERR_DENIED},
	/* 5xx without an error member: an outage */
	{500, "", -1, "", OA2_ERR_UNAVAIL},
	{502, "<html>Bad Gateway</html>", -1, "", OA2_ERR_UNAVAIL},
	{503, "{\"message\":\"down\"}", -1, "", OA2_ERR_UNAVAIL},
	/* anything else is not an outage either */
	{204, "", -1, "", OA2_ERR_PROTOCOL},
	{302, "", -1, "", OA2_ERR_PROTOCOL},
};

static void sorts_every_answer(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		char body[256];
		struct oa2_http_response resp = {r->status, body, strlen(r->body), -1, 0, ""};
		struct oa2_oauth_refusal why;
		oa2_error err = {0};
		int rc;

		snprintf(body, sizeof(body), "%s", r->body);
		rc = oa2_oauth_answer(&resp, "token endpoint", &why, &err);
		if (rc == 1)
			assert_int_equal(oa2_oauth_refused(&why, "token endpoint", &err), -1);
		if (rc != r->rc || strcmp(why.code, r->code) != 0 || err.kind != r->kind)
			fail_msg("HTTP %ld %s: rc %d code '%s' kind %s; want rc %d code '%s' kind %s",
				 r->status, r->body, rc, why.code, oa2_errkind_name(err.kind), r->rc,
				 r->code, oa2_errkind_name(r->kind));
		if (rc == 1)
			assert_int_equal(why.status, r->status);
	}
}

static void messages_name_status_and_stay_printable(void **state)
{
	char body[] = "{\"error\":\"access_denied\",\"error_description\":\"no\\nway\"}";
	struct oa2_http_response resp = {403, body, sizeof(body) - 1, -1, 0, ""};
	struct oa2_oauth_refusal why;
	oa2_error err = {0};

	(void)state;
	assert_int_equal(oa2_oauth_answer(&resp, "token endpoint", &why, &err), 1);
	oa2_oauth_refused(&why, "token endpoint", &err);
	assert_string_equal(err.msg, "token endpoint refused: access_denied no\\x0away (HTTP status 403)");

	memset(&err, 0, sizeof(err));
	resp.status = 429;
	resp.body = NULL;
	resp.len = 0;
	assert_int_equal(oa2_oauth_answer(&resp, "device authorization", &why, &err), 1);
	oa2_oauth_refused(&why, "device authorization", &err);
	assert_string_equal(err.msg, "device authorization: " OA2_THROTTLED_REASON
			    " (HTTP status 429, no Retry-After)");
	/* the user reads why, not "could not be verified" */
	assert_string_equal(oa2_refusal_line(&err),
			    "The identity provider refuses more logins from this host for now "
			    "(too many requests); try again later.");

	/* Retry-After as sent, and an OAuth error with it (Auth0's rate limit) */
	memset(&err, 0, sizeof(err));
	snprintf(resp.retry_after, sizeof(resp.retry_after), "%s", "3600");
	assert_int_equal(oa2_oauth_answer(&resp, "device authorization", &why, &err), 1);
	oa2_oauth_refused(&why, "device authorization", &err);
	assert_string_equal(err.msg, "device authorization: " OA2_THROTTLED_REASON
			    " (HTTP status 429, Retry-After: 3600)");
	memset(&err, 0, sizeof(err));
	body[0] = '\0';
	snprintf(body, sizeof(body), "%s", "{\"error\":\"too_many_requests\"}");
	resp.body = body;
	resp.len = strlen(body);
	assert_int_equal(oa2_oauth_answer(&resp, "token endpoint", &why, &err), 1);
	oa2_oauth_refused(&why, "token endpoint", &err);
	assert_int_equal(err.kind, OA2_ERR_DENIED);
	assert_string_equal(err.msg, "token endpoint: " OA2_THROTTLED_REASON
			    " (HTTP status 429 too_many_requests, Retry-After: 3600)");
	resp.retry_after[0] = '\0';
	resp.body = NULL;
	resp.len = 0;

	memset(&err, 0, sizeof(err));
	resp.status = 504;
	assert_int_equal(oa2_oauth_answer(&resp, "token endpoint", &why, &err), -1);
	assert_string_equal(err.msg, "token endpoint: HTTP status 504");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sorts_every_answer),
		cmocka_unit_test(messages_name_status_and_stay_printable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
