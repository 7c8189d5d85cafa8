/* test_device_grant.c - the device authorization response parser (RFC 8628
 * 3.2): required fields, types, URLs, expires_in and interval bounds; the
 * answers of Entra ID (numbers as digit strings, a message member) and
 * Google (verification_url, no interval) are read too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "helper/device_grant.h"

static int parse(const char *body, struct oa2_device_code *dc, oa2_error *err)
{
	memset(dc, 0, sizeof(*dc));
	memset(err, 0, sizeof(*err));
	return oa2_device_code_parse(body, strlen(body), dc, err);
}

static void parses_a_full_answer(void **state)
{
	struct oa2_device_code dc;
	oa2_error err;

	(void)state;
	assert_int_equal(parse("{\"device_code\":\"dc1\",\"user_code\":\"ABCD-EFGH\","
			       "\"verification_uri\":\"https://idp.example/device\","
			       "\"verification_uri_complete\":\"https://idp.example/device?c=ABCD\","
			       "\"expires_in\":600,\"interval\":7}", &dc, &err), 0);
	assert_string_equal(dc.device_code, "dc1");
	assert_string_equal(dc.user_code, "ABCD-EFGH");
	assert_string_equal(dc.uri, "https://idp.example/device");
	assert_string_equal(dc.uri_complete, "https://idp.example/device?c=ABCD");
	assert_int_equal(dc.expires_in, 600);
	assert_int_equal(dc.interval, 7);
	oa2_device_code_clear(&dc);
	assert_null(dc.device_code);
	oa2_device_code_clear(NULL);
}

static void defaults_and_spelling(void **state)
{
	struct oa2_device_code dc;
	oa2_error err;

	(void)state;
	assert_int_equal(parse("{\"device_code\":\"d\",\"user_code\":\"U\","
			       "\"verification_url\":\"https://idp.example/d\",\"expires_in\":1}",
			       &dc, &err), 0);
	assert_string_equal(dc.uri, "https://idp.example/d");
	assert_null(dc.uri_complete);
	assert_int_equal(dc.interval, 5);
	oa2_device_code_clear(&dc);
}

/* Entra ID's answer: numbers as strings of digits, verification_uri, and a
 * "message" member the module does not show (it writes its own text). */
static void entra_answer(void **state)
{
	struct oa2_device_code dc;
	oa2_error err;

	(void)state;
	assert_int_equal(parse("{\"user_code\":\"FJ8XQ2KLP\",\"device_code\":\"DAQABAAEAAA\","
			       "\"verification_uri\":\"https://microsoft.com/devicelogin\","
			       "\"expires_in\":\"900\",\"interval\":\"5\",\"message\":\"To sign in, "
			       "use a web browser to open the page https://microsoft.com/devicelogin "
			       "and enter the code FJ8XQ2KLP to authenticate.\"}", &dc, &err), 0);
	assert_string_equal(dc.user_code, "FJ8XQ2KLP");
	assert_string_equal(dc.uri, "https://microsoft.com/devicelogin");
	assert_int_equal(dc.expires_in, 900);
	assert_int_equal(dc.interval, 5);
	oa2_device_code_clear(&dc);
	/* Google: verification_url, numbers as numbers; no interval: 5 s. */
	assert_int_equal(parse("{\"device_code\":\"AH-1Ng\",\"user_code\":\"GQVQ-JKEC\","
			       "\"verification_url\":\"https://www.google.com/device\","
			       "\"expires_in\":1800}", &dc, &err), 0);
	assert_string_equal(dc.uri, "https://www.google.com/device");
	assert_int_equal(dc.expires_in, 1800);
	assert_int_equal(dc.interval, 5);
	oa2_device_code_clear(&dc);
	/* The largest accepted string, and a string interval at the limit. */
	assert_int_equal(parse("{\"device_code\":\"d\",\"user_code\":\"U\","
			       "\"verification_uri\":\"https://i/d\",\"expires_in\":\"999999999\","
			       "\"interval\":\"60\"}", &dc, &err), 0);
	assert_int_equal(dc.expires_in, 999999999);
	assert_int_equal(dc.interval, 60);
	oa2_device_code_clear(&dc);
}

/* The required members of a valid answer, before expires_in and interval. */
#define HEAD "{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":\"https://i/d\","

static void refusals(void **state)
{
	static const char *bad[] = {
		"{}",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"expires_in\":60}",
		"{\"device_code\":\"\",\"user_code\":\"U\",\"verification_uri\":\"https://i/d\","
		"\"expires_in\":60}",
		"{\"device_code\":\"d\",\"user_code\":\"U V\",\"verification_uri\":\"https://i/d\","
		"\"expires_in\":60}",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":\"http://i/d\","
		"\"expires_in\":60}",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":\"https://i/d\","
		"\"verification_uri_complete\":\"javascript:x\",\"expires_in\":60}",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":\"https://i/d\"}",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":\"https://i/d\","
		"\"expires_in\":0}",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":\"https://i/d\","
		"\"expires_in\":\"0\"}",
		/* numbers as strings: digits only, at most 9 of them */
		HEAD "\"expires_in\":\"60s\"}",
		HEAD "\"expires_in\":\"-60\"}",
		HEAD "\"expires_in\":\" 60\"}",
		HEAD "\"expires_in\":\"6e1\"}",
		HEAD "\"expires_in\":\"\"}",
		HEAD "\"expires_in\":\"1234567890\"}",
		HEAD "\"expires_in\":\"6\\u00000\"}",
		HEAD "\"expires_in\":[60]}",
		HEAD "\"expires_in\":60,\"interval\":\"0\"}",
		HEAD "\"expires_in\":60,\"interval\":\"61\"}",
		HEAD "\"expires_in\":60,\"interval\":\"5.0\"}",
		HEAD "\"expires_in\":60,\"interval\":true}",
		HEAD "\"expires_in\":60,\"interval\":0}",
		HEAD "\"expires_in\":60,\"interval\":61}",
		"{\"device_code\":7,\"user_code\":\"U\",\"verification_uri\":\"https://i/d\","
		"\"expires_in\":60}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct oa2_device_code dc;
		oa2_error err;

		assert_int_equal(parse(bad[i], &dc, &err), -1);
		assert_int_equal(err.kind, OA2_ERR_PROTOCOL);
		oa2_device_code_clear(&dc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_a_full_answer),
		cmocka_unit_test(defaults_and_spelling),
		cmocka_unit_test(entra_answer),
		cmocka_unit_test(refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
