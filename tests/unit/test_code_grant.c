/* test_code_grant.c - the authorization request (PKCE S256, state, nonce)
 * and the reading of what the user pastes back. */
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/b64url.h"
#include "helper/code_grant.h"
#include "shared/config.h"

#define STATE "s7Kq2mN9pQ4rT1vX8yZ0aB"

static char *parse(const char *answer, oa2_error *err)
{
	char *code = NULL;

	oa2_error_clear(err);
	if (oa2_code_answer_parse(answer, STATE, &code, err) != 0)
		assert_null(code);
	return code;
}

static void address_and_bare_code_are_read(void **state)
{
	oa2_error err;
	char *c;

	(void)state;
	c = parse("https://pam-oauth2.example/callback?code=abc.DEF-123_x&state=" STATE, &err);
	assert_string_equal(c, "abc.DEF-123_x");
	free(c);
	/* order, other parameters, white space around, percent escapes */
	c = parse("  https://x/cb?iss=https%3A%2F%2Fidp&state=" STATE "&code=a%2Bb&session_state=1 \n",
		  &err);
	assert_string_equal(c, "a+b");
	free(c);
	/* only the query */
	c = parse("code=zz&state=" STATE, &err);
	assert_string_equal(c, "zz");
	free(c);
	/* the response in the fragment */
	c = parse("https://x/cb#code=ff&state=" STATE, &err);
	assert_string_equal(c, "ff");
	free(c);
	/* a bare code: PKCE binds it to this login */
	c = parse("0.AXkAv6-very_long.code", &err);
	assert_string_equal(c, "0.AXkAv6-very_long.code");
	free(c);
}

static void refusals(void **state)
{
	static const struct {
		const char *answer, *why;
	} cases[] = {
		{"https://x/cb?code=a&state=other", "belongs to another login"},
		{"https://x/cb?code=a", "belongs to another login"},
		{"https://x/cb?code=a&state=" STATE "x", "belongs to another login"},
		{"https://x/cb?state=" STATE, "holds no code"},
		{"https://x/cb?code=&state=" STATE, "holds no code"},
		{"https://x/cb?error=access_denied&state=" STATE, "denied at the identity provider"},
		{"https://x/cb?error=login_required&error_description=x&state=" STATE,
		 "refused the login: login_required"},
		{"https://x/cb?code=a&code=b&state=" STATE, "names a parameter twice"},
		{"https://x/cb?code=a%zz&state=" STATE, "not well-formed"},
		{"https://x/cb?code=a%00b&state=" STATE, "not well-formed"},
		{"https://x/cb?code=a%0Ab&state=" STATE, "holds no code"},
		{"two words", "not well-formed"},
		{"", "nothing was pasted"},
		{"   \t", "nothing was pasted"},
	};
	oa2_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *c = parse(cases[i].answer, &err);

		if (c != NULL)
			fail_msg("accepted: %s", cases[i].answer);
		assert_int_equal(err.kind, OA2_ERR_DENIED);
		if (strstr(err.msg, cases[i].why) == NULL)
			fail_msg("%s: got '%s', want '%s'", cases[i].answer, err.msg, cases[i].why);
	}
}

static void overlong_answer_is_refused(void **state)
{
	char *big = malloc(OA2_CODE_ANSWER_MAX + 2);
	oa2_error err;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', OA2_CODE_ANSWER_MAX + 1);
	big[OA2_CODE_ANSWER_MAX + 1] = '\0';
	assert_null(parse(big, &err));
	assert_non_null(strstr(err.msg, "longer than"));
	big[OA2_CODE_ANSWER_MAX] = '\0'; /* exactly the limit is fine */
	free(parse(big, &err));
	assert_int_equal(err.kind, OA2_OK);
	free(big);
}

/* An address of total characters (a bogus code, this login's state last)
 * cut after keep characters, as the OpenSSH client cuts an answer at 1023. */
static char *cut_address(size_t total, size_t keep, const char *state_value)
{
	const char *head = "https://pam-oauth2.example/callback?code=";
	char *s = malloc(total + 1);
	size_t tail = strlen("&state=") + strlen(state_value);

	assert_non_null(s);
	memcpy(s, head, strlen(head));
	memset(s + strlen(head), 'B', total - strlen(head) - tail);
	snprintf(s + total - tail, tail + 1, "&state=%s", state_value);
	s[keep] = '\0';
	return s;
}

static void answer_cut_by_the_client_is_named(void **state)
{
	static const struct {
		size_t total, keep;
		const char *state, *why;
	} cases[] = {
		/* cut in the code: no state left */
		{1500, 1023, STATE, "the client may have cut it"},
		/* cut inside the state */
		{1030, 1023, STATE, "the client may have cut it"},
		/* sudo's 511 */
		{600, 511, STATE, "paste only the code"},
		/* whole, of that length, another login's state: not a cut */
		{1023, 1023, "t7Kq2mN9pQ4rT1vX8yZ0aB", "belongs to another login"},
		/* no state at a length no client cuts at */
		{1500, 1000, STATE, "belongs to another login"},
		/* cut at 1023 but what is left of the state is not this login's */
		{1030, 1023, "zzzzzzzzzzzzzzzzzzzzzz", "belongs to another login"},
	};
	oa2_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *a = cut_address(cases[i].total, cases[i].keep, cases[i].state);
		char *c = parse(a, &err);

		assert_int_equal(strlen(a), cases[i].keep);
		if (c != NULL)
			fail_msg("accepted: case %zu", i);
		assert_int_equal(err.kind, OA2_ERR_DENIED);
		if (strstr(err.msg, cases[i].why) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, err.msg, cases[i].why);
		free(a);
	}
}

/* The value of parameter name in url (malloc'd), undecoded. */
static char *param(const char *url, const char *name)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "%s=", name);
	p = strstr(url, key);
	assert_non_null(p);
	p += strlen(key);
	return strndup(p, strcspn(p, "&"));
}

static void request_has_pkce_state_and_nonce(void **state)
{
	struct oa2_config cfg = {0};
	struct oa2_discovery disc = {0};
	struct oa2_code_request a, b;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *want, *got;
	oa2_error err = {0};

	(void)state;
	cfg.client_id = "pam-code";
	cfg.scope = "openid profile";
	cfg.redirect_uri = "https://pam-oauth2.example/callback";
	disc.authorization_endpoint = "https://idp.example/auth";
	assert_int_equal(oa2_code_request_new(&cfg, &disc, &a, &err), 0);
	assert_int_equal(oa2_code_request_new(&cfg, &disc, &b, &err), 0);
	assert_true(strncmp(a.url, "https://idp.example/auth?response_type=code&", 44) == 0);
	assert_int_equal(strlen(a.verifier), 43);
	assert_int_equal(strlen(a.state), 22);
	assert_int_equal(strlen(a.nonce), 22);
	assert_string_not_equal(a.verifier, b.verifier);
	assert_string_not_equal(a.state, b.state);
	assert_string_not_equal(a.nonce, b.nonce);
	assert_non_null(strstr(a.url, "code_challenge_method=S256"));
	assert_non_null(strstr(a.url, "redirect_uri=https%3A%2F%2Fpam-oauth2.example%2Fcallback"));
	assert_null(strstr(a.url, a.verifier)); /* the verifier never leaves */
	/* the challenge is BASE64URL(SHA256(verifier)) */
	assert_int_equal(EVP_Digest(a.verifier, strlen(a.verifier), md, &mdlen, EVP_sha256(), NULL), 1);
	want = oa2_b64url_encode(md, mdlen);
	got = param(a.url, "code_challenge");
	assert_string_equal(got, want);
	free(want);
	free(got);
	got = param(a.url, "state");
	assert_string_equal(got, a.state);
	free(got);
	oa2_code_request_clear(&a);
	oa2_code_request_clear(&b);
	/* an endpoint that already has a query keeps it */
	disc.authorization_endpoint = "https://idp.example/auth?p=1";
	assert_int_equal(oa2_code_request_new(&cfg, &disc, &a, &err), 0);
	assert_true(strncmp(a.url, "https://idp.example/auth?p=1&response_type=code", 47) == 0);
	oa2_code_request_clear(&a);
	/* no authorization endpoint, no redirect_uri: configuration errors */
	disc.authorization_endpoint = NULL;
	assert_int_equal(oa2_code_request_new(&cfg, &disc, &a, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_CONFIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(address_and_bare_code_are_read),
		cmocka_unit_test(refusals),
		cmocka_unit_test(overlong_answer_is_refused),
		cmocka_unit_test(answer_cut_by_the_client_is_named),
		cmocka_unit_test(request_has_pkce_state_and_nonce),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
