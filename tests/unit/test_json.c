/* test_json.c - strict JSON parsing and typed getters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shared/json.h"

static json_object *parse(const char *s)
{
	oa2_error err = {0};

	return oa2_json_parse(s, strlen(s), "test", &err);
}

static void refuses_malformed(void **state)
{
	static const char *bad[] = {
		"", "{", "[]", "\"str\"", "42", "{\"a\":1} x", "{\"a\":1}{}",
		"{\"a\":01}", "{\"a\":1,}", "nul",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		oa2_error err = {0};
		json_object *o = oa2_json_parse(bad[i], strlen(bad[i]), "doc", &err);

		assert_null(o);
		assert_int_equal(err.kind, OA2_ERR_PROTOCOL);
		assert_non_null(strstr(err.msg, "doc"));
	}
}

/* What json-c's strict mode alone would still take. */
static void refuses_non_rfc8259_json(void **state)
{
	static const char *bad[] = {
		"{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":-Infinity}", "{'a':1}",
		"{\"a\":\"x\ty\"}", "{\"a\":\"x\ny\"}", "{\"a\":1.}", "{\"a\":1.e5}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		oa2_error err = {0};

		if (oa2_json_parse(bad[i], strlen(bad[i]), "doc", &err) != NULL)
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(err.kind, OA2_ERR_PROTOCOL);
	}
}

/* The byte-by-byte check json.c ran before its table-driven one: the
 * reference for what the lexical pass must keep refusing. */
static int reference_lexical(const char *buf, size_t len)
{
	int in_string = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (in_string) {
			if (c < 0x20)
				return -1;
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
			continue;
		}
		if (c == '\0')
			break;
		else if (c == '"')
			in_string = 1;
		else if (c == '.') {
			if (i + 1 >= len || buf[i + 1] < '0' || buf[i + 1] > '9')
				return -1;
		} else if (strchr(" \t\r\n{}[]:,0123456789-+eEtruefalsn", c) == NULL)
			return -1;
	}
	return 0;
}

/* Every one-byte change of a few documents: what the reference check
 * refuses is refused, and a document the parser takes passes the
 * reference. */
static void lexical_pass_as_strict_as_reference(void **state)
{
	static const char *seeds[] = {
		"{\"a\":\"x\\\"y\",\"b\":[1.5,-2e3,true,null]}",
		"{\"s\":\"\\\\\",\"t\":{\"u\":\"\\u00e9\"}} ",
		"{\"n\":0.25}",
	};
	char doc[64];

	(void)state;
	for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
		size_t len = strlen(seeds[k]);

		for (size_t i = 0; i < len; i++) {
			for (int c = 0; c < 256; c++) {
				oa2_error err = {0};
				json_object *o;

				memcpy(doc, seeds[k], len);
				doc[i] = (char)c;
				o = oa2_json_parse(doc, len, "doc", &err);
				if (o != NULL && reference_lexical(doc, len) != 0)
					fail_msg("seed %zu: byte %zu = 0x%02x accepted", k, i, c);
				json_object_put(o);
			}
		}
	}
}

static void accepts_every_rfc8259_form(void **state)
{
	const char *good = "{\"s\":\"a\\\"b\\\\c\\n\\u00e9 'q' NaN\",\"n\":-1.5e-3,\"i\":0,"
			   "\"E\":2E+10,\"t\":true,\"f\":false,\"z\":null,\"a\":[1,{}]}";
	json_object *o = parse(good);

	(void)state;
	if (o == NULL)
		fail_msg("refused %s", good);
	json_object_put(o);
}

static void accepts_object_with_trailing_space(void **state)
{
	json_object *o = parse("{\"a\":\"b\"}\r\n ");
	const char *v = NULL;

	(void)state;
	assert_non_null(o);
	assert_int_equal(oa2_json_string(o, "a", &v), 0);
	assert_string_equal(v, "b");
	json_object_put(o);
}

/* Regression (found by tests/fuzz/fuzz_json.c): NUL bytes after the object
 * passed the trailing white space check. */
static void refuses_trailing_nul_bytes(void **state)
{
	static const char one[] = "{\"a\":1}\0";
	static const char many[] = "{\"a\":1} \0\0\n";
	oa2_error err = {0};

	(void)state;
	assert_null(oa2_json_parse(one, sizeof(one) - 1, "doc", &err));
	assert_non_null(strstr(err.msg, "trailing data"));
	oa2_error_clear(&err);
	assert_null(oa2_json_parse(many, sizeof(many) - 1, "doc", &err));
	assert_non_null(strstr(err.msg, "trailing data"));
}

static void refuses_deep_nesting(void **state)
{
	char buf[256] = "";
	json_object *o;

	(void)state;
	for (int i = 0; i < 40; i++)
		strcat(buf, "{\"a\":");
	strcat(buf, "1");
	for (int i = 0; i < 40; i++)
		strcat(buf, "}");
	o = parse(buf);
	assert_null(o);
}

static void getters_tell_absent_from_wrong_type(void **state)
{
	json_object *o = parse("{\"s\":\"x\",\"i\":5,\"d\":7.9,\"b\":true,\"n\":null,"
			       "\"o\":{},\"a\":[],\"nul\":\"al\\u0000ice\"}");
	const char *s;
	int64_t i;
	bool b;
	json_object *sub;

	(void)state;
	assert_non_null(o);
	assert_int_equal(oa2_json_string(o, "s", &s), 0);
	assert_int_equal(oa2_json_string(o, "missing", &s), 1);
	assert_int_equal(oa2_json_string(o, "n", &s), 1);
	assert_int_equal(oa2_json_string(o, "i", &s), -1);
	assert_int_equal(oa2_json_string(o, "nul", &s), -1);
	assert_int_equal(oa2_json_int64(o, "i", &i), 0);
	assert_int_equal(i, 5);
	assert_int_equal(oa2_json_int64(o, "d", &i), 0);
	assert_int_equal(i, 7);
	assert_int_equal(oa2_json_int64(o, "s", &i), -1);
	assert_int_equal(oa2_json_bool(o, "b", &b), 0);
	assert_true(b);
	assert_int_equal(oa2_json_bool(o, "i", &b), -1);
	assert_int_equal(oa2_json_object(o, "o", &sub), 0);
	assert_int_equal(oa2_json_object(o, "a", &sub), -1);
	assert_int_equal(oa2_json_array(o, "a", &sub), 0);
	assert_int_equal(oa2_json_array(o, "o", &sub), -1);
	json_object_put(o);
}

/* Seconds in OAuth answers: numbers, or digit strings; nothing looser. */
static void seconds_take_digit_strings(void **state)
{
	json_object *o = parse("{\"i\":900,\"d\":5.5,\"s\":\"900\",\"z\":\"007\",\"n\":null,"
			       "\"big\":\"999999999\",\"long\":\"1000000000\",\"neg\":\"-1\","
			       "\"plus\":\"+1\",\"sp\":\"1 \",\"frac\":\"1.5\",\"e\":\"1e3\","
			       "\"empty\":\"\",\"nul\":\"1\\u00002\",\"b\":true,\"a\":[\"1\"]}");
	static const char *const wrong[] = {"long", "neg", "plus", "sp", "frac",
					    "e", "empty", "nul", "b", "a"};
	int64_t v = -1;

	(void)state;
	assert_non_null(o);
	assert_int_equal(oa2_json_seconds(o, "i", &v), 0);
	assert_int_equal(v, 900);
	assert_int_equal(oa2_json_seconds(o, "d", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(oa2_json_seconds(o, "s", &v), 0);
	assert_int_equal(v, 900);
	assert_int_equal(oa2_json_seconds(o, "z", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(oa2_json_seconds(o, "big", &v), 0);
	assert_int_equal(v, 999999999);
	assert_int_equal(oa2_json_seconds(o, "n", &v), 1);
	assert_int_equal(oa2_json_seconds(o, "missing", &v), 1);
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		if (oa2_json_seconds(o, wrong[i], &v) != -1)
			fail_msg("'%s' accepted as seconds", wrong[i]);
	}
	/* The NumericDate getter stays strict. */
	assert_int_equal(oa2_json_int64(o, "s", &v), -1);
	json_object_put(o);
}

static void path_follows_dots(void **state)
{
	json_object *o = parse("{\"realm_access\":{\"roles\":[\"admin\"]},"
			       "\"https://x.io/groups\":[\"g\"],\"a\":{\"b\":{\"c\":\"deep\"}}}");
	json_object *v;

	(void)state;
	assert_non_null(o);
	v = oa2_json_path(o, "realm_access.roles");
	assert_non_null(v);
	assert_true(json_object_is_type(v, json_type_array));
	assert_non_null(oa2_json_path(o, "https://x.io/groups"));
	v = oa2_json_path(o, "a.b.c");
	assert_non_null(v);
	assert_string_equal(json_object_get_string(v), "deep");
	assert_null(oa2_json_path(o, "a.b.c.d"));
	assert_null(oa2_json_path(o, "a..b"));
	assert_null(oa2_json_path(o, ""));
	assert_null(oa2_json_path(o, "missing.x"));
	json_object_put(o);
}

/* Every string value, however deep, is zeroed before the document is freed
 * (the test keeps its own references to look at the buffers afterwards). */
static void put_wiped_zeroes_every_string(void **state)
{
	static const char doc[] = "{\"access_token\":\"at-secret-1\",\"nested\":{\"id_token\":"
				  "\"it-secret-22\",\"list\":[\"code-333\",7,{\"x\":\"deep-4444\"}]}}";
	json_object *o = oa2_json_parse(doc, strlen(doc), "test", NULL);
	json_object *held[4];
	const char *paths[] = {"access_token", "nested.id_token", NULL, NULL};
	size_t lens[4];

	(void)state;
	assert_non_null(o);
	held[0] = oa2_json_path(o, paths[0]);
	held[1] = oa2_json_path(o, paths[1]);
	held[2] = json_object_array_get_idx(oa2_json_path(o, "nested.list"), 0);
	held[3] = oa2_json_path(json_object_array_get_idx(oa2_json_path(o, "nested.list"), 2), "x");
	for (int i = 0; i < 4; i++) {
		assert_non_null(held[i]);
		lens[i] = (size_t)json_object_get_string_len(held[i]);
		assert_true(lens[i] > 0);
		json_object_get(held[i]);
	}
	oa2_json_put_wiped(o);
	for (int i = 0; i < 4; i++) {
		const char *b = json_object_get_string(held[i]);

		for (size_t j = 0; j < lens[i]; j++)
			assert_int_equal(b[j], 0);
		json_object_put(held[i]);
	}
	oa2_json_put_wiped(NULL);
}

/* One member zeroed, the others (shared elsewhere) left alone. */
static void wipe_member_zeroes_only_that_string(void **state)
{
	static const char doc[] = "{\"hash\":\"$y$j9T$salt$hash\",\"user\":\"alice\",\"n\":1}";
	json_object *o = oa2_json_parse(doc, strlen(doc), "test", NULL);
	const char *h = NULL, *u = NULL;

	(void)state;
	assert_non_null(o);
	assert_int_equal(oa2_json_string(o, "hash", &h), 0);
	oa2_json_wipe_member(o, "hash");
	oa2_json_wipe_member(o, "n");       /* not a string: untouched */
	oa2_json_wipe_member(o, "missing"); /* absent: nothing */
	for (size_t i = 0; i < strlen("$y$j9T$salt$hash"); i++)
		assert_int_equal(h[i], 0);
	assert_int_equal(oa2_json_string(o, "user", &u), 0);
	assert_string_equal(u, "alice");
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refuses_malformed),
		cmocka_unit_test(put_wiped_zeroes_every_string),
		cmocka_unit_test(wipe_member_zeroes_only_that_string),
		cmocka_unit_test(refuses_non_rfc8259_json),
		cmocka_unit_test(lexical_pass_as_strict_as_reference),
		cmocka_unit_test(accepts_every_rfc8259_form),
		cmocka_unit_test(accepts_object_with_trailing_space),
		cmocka_unit_test(refuses_trailing_nul_bytes),
		cmocka_unit_test(refuses_deep_nesting),
		cmocka_unit_test(getters_tell_absent_from_wrong_type),
		cmocka_unit_test(seconds_take_digit_strings),
		cmocka_unit_test(path_follows_dots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
