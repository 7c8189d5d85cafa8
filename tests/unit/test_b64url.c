/* test_b64url.c - strict base64url: round trips and every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/b64url.h"

static int decode(const char *s, size_t len)
{
	unsigned char *out = (unsigned char *)"x";
	size_t outlen = 99;
	int rc = oa2_b64url_decode(s, len, &out, &outlen);

	if (rc != 0) {
		assert_null(out);
		assert_int_equal(outlen, 0);
	}
	free(out);
	return rc;
}

static void test_rfc4648_vectors_encode_and_decode(void **state)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		char *e = oa2_b64url_encode((const unsigned char *)plain[i], strlen(plain[i]));
		unsigned char *d;
		size_t dlen;

		assert_string_equal(e, enc[i]);
		assert_int_equal(oa2_b64url_decode(e, strlen(e), &d, &dlen), 0);
		assert_int_equal(dlen, strlen(plain[i]));
		assert_memory_equal(d, plain[i], dlen);
		assert_int_equal(d[dlen], '\0');
		free(e);
		free(d);
	}
}

static void test_round_trip_all_byte_values_and_lengths(void **state)
{
	unsigned char buf[300];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	for (size_t len = 0; len <= sizeof(buf); len++) {
		char *e = oa2_b64url_encode(buf, len);
		unsigned char *d;
		size_t dlen;

		assert_non_null(e);
		assert_null(strpbrk(e, "+/="));
		assert_int_equal(oa2_b64url_decode(e, strlen(e), &d, &dlen), 0);
		assert_int_equal(dlen, len);
		assert_memory_equal(d, buf, len);
		free(e);
		free(d);
	}
}

static void test_url_safe_alphabet_used(void **state)
{
	const unsigned char b[] = { 0xfb, 0xff, 0xbf };
	char *e = oa2_b64url_encode(b, sizeof(b));

	(void)state;
	assert_string_equal(e, "-_-_");
	free(e);
	assert_int_equal(decode("-_-_", 4), 0);
}

static void test_padding_refused(void **state)
{
	(void)state;
	assert_int_equal(decode("Zg==", 4), -1);
	assert_int_equal(decode("Zm8=", 4), -1);
	assert_int_equal(decode("Zg=", 3), -1);
}

static void test_standard_alphabet_refused(void **state)
{
	(void)state;
	assert_int_equal(decode("-_-_", 4), 0);
	assert_int_equal(decode("+/+/", 4), -1);
	assert_int_equal(decode("ab+c", 4), -1);
	assert_int_equal(decode("ab/c", 4), -1);
}

static void test_white_space_refused(void **state)
{
	(void)state;
	assert_int_equal(decode("Zm9v Yg", 7), -1);
	assert_int_equal(decode("Zm9v\nYg", 7), -1);
	assert_int_equal(decode("Zm9vYg\r", 7), -1);
	assert_int_equal(decode("\tZm9vYg", 7), -1);
}

static void test_length_mod_4_equal_1_refused(void **state)
{
	(void)state;
	assert_int_equal(decode("Z", 1), -1);
	assert_int_equal(decode("Zm9vY", 5), -1);
}

static void test_non_zero_trailing_bits_refused(void **state)
{
	(void)state;
	/* "Zg" is 'f'; "Zh".."Zv" decode to 'f' too with low bits set. */
	assert_int_equal(decode("Zg", 2), 0);
	assert_int_equal(decode("Zh", 2), -1);
	assert_int_equal(decode("Zv", 2), -1);
	assert_int_equal(decode("Zm8", 3), 0);
	assert_int_equal(decode("Zm9", 3), -1);
}

static void test_embedded_nul_refused(void **state)
{
	(void)state;
	assert_int_equal(decode("Zm\0v", 4), -1);
	assert_int_equal(decode("Zm9v\0\0\0\0", 8), -1);
}

static void test_other_bytes_refused(void **state)
{
	char s[5] = "Zm9v";

	(void)state;
	for (int c = 1; c < 256; c++) {
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_';

		s[3] = (char)c;
		assert_int_equal(decode(s, 4), ok ? 0 : -1);
	}
}

static void test_empty_input_decodes_to_empty(void **state)
{
	unsigned char *d;
	size_t dlen;

	(void)state;
	assert_int_equal(oa2_b64url_decode("", 0, &d, &dlen), 0);
	assert_int_equal(dlen, 0);
	assert_int_equal(d[0], '\0');
	free(d);
	assert_int_equal(decode(NULL, 0), 0);
	assert_int_equal(decode(NULL, 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors_encode_and_decode),
		cmocka_unit_test(test_round_trip_all_byte_values_and_lengths),
		cmocka_unit_test(test_url_safe_alphabet_used),
		cmocka_unit_test(test_padding_refused),
		cmocka_unit_test(test_standard_alphabet_refused),
		cmocka_unit_test(test_white_space_refused),
		cmocka_unit_test(test_length_mod_4_equal_1_refused),
		cmocka_unit_test(test_non_zero_trailing_bits_refused),
		cmocka_unit_test(test_embedded_nul_refused),
		cmocka_unit_test(test_other_bytes_refused),
		cmocka_unit_test(test_empty_input_decodes_to_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
