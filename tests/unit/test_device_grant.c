/* test_device_grant.c - the device authorization response parser (RFC 8628
 * 3.2): required fields, types, URLs, expires_in and interval bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "device_grant.h"

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
		"\"expires_in\":\"60\"}",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":\"https://i/d\","
		"\"expires_in\":60,\"interval\":0}",
		"{\"device_code\":\"d\",\"user_code\":\"U\",\"verification_uri\":\"https://i/d\","
		"\"expires_in\":60,\"interval\":61}",
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
		cmocka_unit_test(refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
