/* test_jscan.c - the strict JSON scanner: what it takes and refuses (RFC 8259
 * grammar, UTF-8, escapes, depth), the member index of a top-level object
 * (duplicates, \u0000 names, the member cap), the typed getters, array
 * walking, and oa2_json_parse refusing what json-c alone would take. json-c
 * serves as a second oracle wherever the two must agree. Duplicate and
 * \u0000 names are refused at every depth, by oa2_jscan_valid as by the
 * index: json-c keeps the last of two members and cuts a name at its NUL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/jscan.h"
#include "shared/json.h"

/* A document with its length, for documents holding NUL bytes. */
struct doc {
	const char *s;
	size_t n;
};
#define DOC(lit) {lit, sizeof(lit) - 1}

static int valid_n(const char *s, size_t n)
{
	oa2_error err = {0};
	int rc = oa2_jscan_valid(s, n, "doc", &err);

	if (rc == 0) {
		assert_int_equal(err.kind, OA2_OK);
	} else {
		/* Every refusal is a protocol error naming the document. */
		assert_int_equal(rc, -1);
		assert_int_equal(err.kind, OA2_ERR_PROTOCOL);
		assert_non_null(strstr(err.msg, "doc"));
	}
	return rc;
}

static int valid(const char *s)
{
	return valid_n(s, strlen(s));
}

/* Index doc into *o; the test fails when it is refused. */
static void index_ok(oa2_jobj *o, const char *doc)
{
	oa2_error err = {0};

	if (oa2_jscan_object(o, doc, strlen(doc), "doc", &err) != 0)
		fail_msg("refused %s: %s", doc, err.msg);
	assert_int_equal(err.kind, OA2_OK);
}

/* oa2_jscan_object refuses doc[0..n) with a protocol error whose message
 * holds why (when not NULL); the index is left empty. */
static void index_refused(const char *doc, size_t n, const char *why)
{
	oa2_error err = {0};
	oa2_jobj o;
	struct oa2_jval v;

	if (oa2_jscan_object(&o, doc, n, "doc", &err) == 0)
		fail_msg("accepted %.*s (%zu bytes)", n < 80 ? (int)n : 80, doc, n);
	assert_int_equal(err.kind, OA2_ERR_PROTOCOL);
	assert_non_null(strstr(err.msg, "doc"));
	if (why != NULL && strstr(err.msg, why) == NULL)
		fail_msg("%.*s: \"%s\" does not say \"%s\"", (int)n, doc, err.msg, why);
	assert_int_equal(o.n, 0);
	assert_int_equal(oa2_jobj_get(&o, "a", &v), 1);
	oa2_jobj_clear(&o);
}

/* Documents whose grammar is fine that only the member index refuses, each
 * with a message holding why. */
static void index_alone_refuses(const char *const *docs, size_t n, const char *why)
{
	for (size_t i = 0; i < n; i++) {
		if (valid(docs[i]) != 0)
			fail_msg("oa2_jscan_valid refused %s", docs[i]);
		index_refused(docs[i], strlen(docs[i]), why);
	}
}

/* doc[0..n) is refused, with a message holding why, by oa2_jscan_valid, by
 * the index (when it is an object) and by oa2_json_parse; json-c alone
 * takes it, so the refusal is the scanner's. */
static void refused_everywhere(const char *doc, size_t n, const char *why)
{
	oa2_error err = {0};
	json_object *j;

	if (oa2_jscan_valid(doc, n, "doc", &err) == 0)
		fail_msg("oa2_jscan_valid accepted %.*s", n < 200 ? (int)n : 200, doc);
	assert_int_equal(err.kind, OA2_ERR_PROTOCOL);
	if (strstr(err.msg, why) == NULL)
		fail_msg("%.*s: \"%s\" does not say \"%s\"", n < 200 ? (int)n : 200, doc, err.msg,
			 why);
	if (doc[strspn(doc, " \t\r\n")] == '{') {
		index_refused(doc, n, why);
		oa2_error_clear(&err);
		j = oa2_json_parse(doc, n, "doc", &err);
		if (j != NULL)
			fail_msg("oa2_json_parse accepted %.*s", n < 200 ? (int)n : 200, doc);
		assert_non_null(strstr(err.msg, why));
	}
	j = json_tokener_parse(doc);
	if (j == NULL)
		fail_msg("json-c refuses %.*s: the test proves nothing", n < 200 ? (int)n : 200,
			 doc);
	json_object_put(j);
}

static void refused_list(const char *const *docs, size_t n, const char *why)
{
	for (size_t i = 0; i < n; i++)
		refused_everywhere(docs[i], strlen(docs[i]), why);
}

/* inner (an object) inside 0 to 14 containers, arrays and objects in turn
 * from the outside, the first an array (or an object): refused at each
 * depth. */
static void refused_at_every_depth(const char *inner, bool array_first, const char *why)
{
	char doc[512];

	for (int depth = 1; depth < OA2_JSON_MAX_DEPTH; depth++) {
		size_t k = 0;

		for (int d = 1; d < depth; d++)
			k += (size_t)snprintf(doc + k, sizeof(doc) - k, "%s",
					      (d % 2 != 0) == array_first ? "[0," : "{\"n\":");
		k += (size_t)snprintf(doc + k, sizeof(doc) - k, "%s", inner);
		for (int d = depth - 1; d >= 1; d--)
			k += (size_t)snprintf(doc + k, sizeof(doc) - k, "%s",
					      (d % 2 != 0) == array_first ? "]" : "}");
		refused_everywhere(doc, k, why);
	}
}

/* ---- accepted documents --------------------------------------------------- */

static void accepts_every_value_type(void **state)
{
	static const char *const good[] = {
		"{}",
		"[]",
		"0",
		"-0",
		"1",
		"\"\"",
		"\"x\"",
		"true",
		"false",
		"null",
		" \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n1 \t\r\n, \"b\":[ ] } \t\r\n",
		"{\"s\":\"str\",\"i\":42,\"n\":-1.5e-3,\"z\":0,\"e\":2E+10,\"e2\":1e5,"
		"\"e3\":3.25e-2,\"t\":true,\"f\":false,\"u\":null,"
		"\"o\":{\"k\":[1,{\"x\":[]}]},\"a\":[[],{},\"\",0]}",
		"[1,-1,0.5,-0.0e0,1E-0,123456789012345678901234567890,1e999,-1e-999]",
		"{\"\":\"\"}",
		"[\"'single' NaN Infinity // not a comment /* nor this */\"]",
		"{\"esc\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041 \\u00e9 \\uD83D\\uDE00\"}",
		"{\"del\":\"\x7f\",\"utf8\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}",
		/* The edges of each UTF-8 length and around the surrogates. */
		"[\"\xc2\x80\",\"\xdf\xbf\",\"\xe0\xa0\x80\",\"\xed\x9f\xbf\",\"\xee\x80\x80\","
		"\"\xef\xbf\xbf\",\"\xf0\x90\x80\x80\",\"\xf4\x8f\xbf\xbf\"]",
		"{\"\xc3\xa9t\xc3\xa9\":1}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		oa2_error err = {0};
		json_object *j;

		if (valid(good[i]) != 0)
			fail_msg("refused %s", good[i]);
		if (good[i][strspn(good[i], " \t\r\n")] != '{')
			continue;
		/* An object: oa2_json_parse (scanner then json-c) takes it too. */
		j = oa2_json_parse(good[i], strlen(good[i]), "doc", &err);
		if (j == NULL)
			fail_msg("oa2_json_parse refused %s: %s", good[i], err.msg);
		json_object_put(j);
	}
}

/* ---- refused documents ---------------------------------------------------- */

static void refuses_every_grammar_fault(void **state)
{
	static const struct doc bad[] = {
		/* empty or white space only */
		DOC(""), DOC(" "), DOC("\r\n\t"),
		/* numbers */
		DOC("NaN"), DOC("[NaN]"), DOC("{\"a\":NaN}"), DOC("Infinity"), DOC("-Infinity"),
		DOC("{\"a\":Infinity}"), DOC("[1.]"), DOC("{\"a\":1.}"), DOC("1."), DOC(".5"),
		DOC("[.5]"), DOC("01"), DOC("[01]"), DOC("{\"a\":01}"), DOC("-01"), DOC("00"),
		DOC("-"), DOC("[-]"), DOC("{\"a\":-}"), DOC("+1"), DOC("[+1]"), DOC("1e"),
		DOC("[1e]"), DOC("1e+"), DOC("1E-"), DOC("1.e5"), DOC("1.5e"), DOC("0x10"),
		DOC("--1"), DOC("- 1"), DOC("1 2"), DOC("[1 2]"), DOC("1_000"), DOC("[-.5]"),
		/* literals */
		DOC("tru"), DOC("nul"), DOC("True"), DOC("NULL"), DOC("falsey"), DOC("[nulll]"),
		DOC("undefined"),
		/* quotes and comments */
		DOC("'a'"), DOC("{'a':1}"), DOC("{\"a\":'b'}"), DOC("// c\n{}"), DOC("{} // c"),
		DOC("/* c */{}"), DOC("{/* c */}"), DOC("# c\n{}"),
		/* commas, colons, names */
		DOC("[1,]"), DOC("{\"a\":1,}"), DOC("[,1]"), DOC("{,}"), DOC("[1,,2]"),
		DOC("{\"a\" 1}"), DOC("{\"a\"}"), DOC("{\"a\":}"), DOC("{\"a\"::1}"),
		DOC("{\"a\":1 \"b\":2}"), DOC("{\"a\":1;\"b\":2}"), DOC("{1:2}"), DOC("{a:1}"),
		DOC("{null:1}"), DOC("[\"a\":1]"), DOC("{\"a\",1}"),
		/* unterminated */
		DOC("{"), DOC("["), DOC("\"abc"), DOC("{\"a\":"), DOC("{\"a\":1"), DOC("[1,"),
		DOC("{\"a\":[1}"), DOC("[{]}"), DOC("\""), DOC("{\"a"), DOC("}"), DOC("]"),
		/* trailing data */
		DOC("{}{}"), DOC("{} {}"), DOC("{}x"), DOC("[]]"), DOC("{}}"), DOC("1 x"),
		DOC("{}\0"), DOC("{} \0 "), DOC("\"a\"\"b\""),
		/* white space RFC 8259 does not name; a byte order mark */
		DOC("\f{}"), DOC("{}\v"), DOC("{\xc2\xa0}"), DOC("\xef\xbb\xbf{}"),
		/* raw control characters and NUL */
		DOC("\"a\tb\""), DOC("\"a\nb\""), DOC("\"a\rb\""), DOC("\"\x01\""),
		DOC("\"\x1f\""), DOC("{\"a\":\"x\0y\"}"), DOC("{\"a\0\":1}"), DOC("\0"),
		DOC("{\0}"), DOC("[1,\0 2]"), DOC("\0{}"),
		/* bad escapes */
		DOC("\"\\x41\""), DOC("\"\\u12\""), DOC("\"\\u12"), DOC("\"\\u12G4\""),
		DOC("\"\\U0041\""), DOC("\"\\a\""), DOC("\"\\'\""), DOC("\"\\0\""), DOC("\"\\"),
		DOC("\"\\\""), DOC("\"\\ \""), DOC("\"\\\xc3\xa9\""), DOC("\"\\u\""),
		DOC("\"\\u00e\""), DOC("{\"\\q\":1}"),
		/* lone surrogates */
		DOC("\"\\ud800\""), DOC("\"\\uD800x\""), DOC("\"\\udbff\\u0041\""),
		DOC("\"\\ud800\\ud800\""), DOC("\"\\ud800\\n\""), DOC("\"\\ud800\\u\""),
		DOC("\"\\ud800\\udc0\""), DOC("\"\\ud800\\\\udc00\""), DOC("\"\\udc00\""),
		DOC("\"\\uDFFF\""), DOC("\"\\udc00\\ud800\""), DOC("{\"\\ud800\":1}"),
		DOC("\"\\ud800"), DOC("\"\\ud800\\"), DOC("\"\\ud800\\udc"),
		/* invalid UTF-8 in a value and in a name */
		DOC("\"\x80\""), DOC("\"\xbf\""), DOC("\"\xc0\x80\""), DOC("\"\xc1\xbf\""),
		DOC("\"\xe0\x80\x80\""), DOC("\"\xe0\x9f\xbf\""), DOC("\"\xed\xa0\x80\""),
		DOC("\"\xed\xbf\xbf\""), DOC("\"\xf0\x80\x80\x80\""), DOC("\"\xf0\x8f\xbf\xbf\""),
		DOC("\"\xf4\x90\x80\x80\""), DOC("\"\xf5\x80\x80\x80\""),
		DOC("\"\xf7\xbf\xbf\xbf\""), DOC("\"\xf8\x88\x80\x80\x80\""), DOC("\"\xfe\""),
		DOC("\"\xff\""), DOC("{\"\xc0\x80\":1}"), DOC("{\"a\":\"\xed\xa0\x80\"}"),
		/* truncated sequences: before the quote, before ASCII, at the end */
		DOC("\"\xc3\""), DOC("\"\xc3x\""), DOC("\"\xe2\x82\""), DOC("\"\xe2\x82x\""),
		DOC("\"\xf0\x9f\x98\""), DOC("\"\xf0\x9f\""), DOC("\"\xc3"), DOC("\"\xf0\x9f\x98"),
		DOC("\"\xe2\xe2\x82\xac\""), DOC("\"\xc3\xc3\xa9\""),
		/* UTF-8 outside a string */
		DOC("\xc3\xa9"), DOC("[\xc3\xa9]"), DOC("{\"a\":1}\xc3\xa9"),
	};

	oa2_error err = {0};
	char doc[80];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (valid_n(bad[i].s, bad[i].n) == 0)
			fail_msg("bad[%zu] accepted: %.*s", i, (int)bad[i].n, bad[i].s);
		/* As a member value (when it is not already an object), the
		 * index refuses it too, and so does oa2_json_parse. */
		if (bad[i].n > 0 && bad[i].s[0] == '{')
			continue;
		assert_true(bad[i].n + 6 <= sizeof(doc));
		memcpy(doc, "{\"v\":", 5);
		memcpy(doc + 5, bad[i].s, bad[i].n);
		doc[5 + bad[i].n] = '}';
		index_refused(doc, bad[i].n + 6, NULL);
		oa2_error_clear(&err);
		assert_null(oa2_json_parse(doc, bad[i].n + 6, "doc", &err));
		assert_int_equal(err.kind, OA2_ERR_PROTOCOL);
	}
	oa2_error_clear(&err);
	assert_int_equal(oa2_jscan_valid(NULL, 0, "doc", &err), -1);
	assert_int_equal(err.kind, OA2_ERR_PROTOCOL);
}

/* The message says what went wrong and where. */
static void refusal_names_the_fault(void **state)
{
	oa2_error err = {0};

	(void)state;
	assert_int_equal(oa2_jscan_valid("{\"a\":01}", 8, "token", &err), -1);
	assert_string_equal(err.msg, "token: invalid JSON (expected ',' or '}' at byte 6)");
	oa2_error_clear(&err);
	assert_int_equal(oa2_jscan_valid("[\"\xc0\x80\"]", 6, "token", &err), -1);
	assert_non_null(strstr(err.msg, "not UTF-8"));
	oa2_error_clear(&err);
	assert_int_equal(oa2_jscan_valid("[\"\\ud800\"]", 10, "token", &err), -1);
	assert_non_null(strstr(err.msg, "bad escape"));
}

/* Generic UTF-8 decoding as RFC 3629 defines it, written independently of
 * the scanner's tables: 0 when s[0..n) is well formed. */
static int reference_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		long cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return -1;
		}
		if (n - i < len)
			return -1;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return -1;
		i += len;
	}
	return 0;
}

/* Every lead byte with every second byte, followed by a few telling bytes:
 * the scanner takes exactly the well-formed strings. */
static void utf8_matches_a_reference_decoder(void **state)
{
	static const unsigned char tail[] = {0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0,
					     0xff};
	unsigned char doc[8];

	(void)state;
	for (int b0 = 0x20; b0 < 0x100; b0++) {
		for (int b1 = 0x20; b1 < 0x100; b1++) {
			if (b0 == '"' || b0 == '\\' || b1 == '"' || b1 == '\\')
				continue;
			for (size_t t2 = 0; t2 < sizeof(tail); t2++) {
				for (size_t t3 = 0; t3 < sizeof(tail); t3++) {
					const unsigned char body[4] = {(unsigned char)b0,
								       (unsigned char)b1, tail[t2],
								       tail[t3]};
					int want = reference_utf8(body, 4);

					doc[0] = '"';
					memcpy(doc + 1, body, 4);
					doc[5] = '"';
					if ((valid_n((const char *)doc, 6) == 0) != (want == 0))
						fail_msg("%02x %02x %02x %02x: scanner %s it", b0,
							 b1, tail[t2], tail[t3],
							 want == 0 ? "refuses" : "takes");
				}
			}
		}
	}
}

/* ---- escapes decoded ------------------------------------------------------ */

/* The UTF-8 form of a code point, written out longhand. */
static size_t reference_encode(long cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 + cp / 64);
		out[1] = (unsigned char)(0x80 + cp % 64);
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 + cp / 4096);
		out[1] = (unsigned char)(0x80 + cp / 64 % 64);
		out[2] = (unsigned char)(0x80 + cp % 64);
		return 3;
	}
	out[0] = (unsigned char)(0xf0 + cp / 262144);
	out[1] = (unsigned char)(0x80 + cp / 4096 % 64);
	out[2] = (unsigned char)(0x80 + cp / 64 % 64);
	out[3] = (unsigned char)(0x80 + cp % 64);
	return 4;
}

/* The string member "s" of doc decodes to exactly want[0..n). */
static void decodes_to(const char *doc, const char *want, size_t n)
{
	oa2_jobj o;
	const char *s = NULL;

	index_ok(&o, doc);
	if (oa2_jobj_string(&o, "s", &s) != 0)
		fail_msg("%s: no string", doc);
	if (strlen(s) != n || memcmp(s, want, n) != 0)
		fail_msg("%s: decoded to \"%s\"", doc, s);
	oa2_jobj_clear(&o);
}

static void decodes_escapes(void **state)
{
	(void)state;
	decodes_to("{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", "\"\\/\b\f\n\r\t", 8);
	decodes_to("{\"s\":\"plain\"}", "plain", 5);
	decodes_to("{\"s\":\"\"}", "", 0);
	decodes_to("{\"s\":\"\\u0041\\u007f\"}", "A\x7f", 2);
	decodes_to("{\"s\":\"\\u0080\\u00e9\\u07FF\"}", "\xc2\x80\xc3\xa9\xdf\xbf", 6);
	decodes_to("{\"s\":\"\\u0800\\u20ac\\uffff\"}", "\xe0\xa0\x80\xe2\x82\xac\xef\xbf\xbf", 9);
	/* Surrogate pairs: the lowest, an emoji, upper-case hex, the highest. */
	decodes_to("{\"s\":\"\\ud800\\udc00\"}", "\xf0\x90\x80\x80", 4);
	decodes_to("{\"s\":\"\\ud83d\\ude00\"}", "\xf0\x9f\x98\x80", 4);
	decodes_to("{\"s\":\"\\uD834\\uDD1E\"}", "\xf0\x9d\x84\x9e", 4);
	decodes_to("{\"s\":\"\\udbff\\udfff\"}", "\xf4\x8f\xbf\xbf", 4);
	decodes_to("{\"s\":\"a\\ud83d\\ude00b\\ud83d\\ude01c\"}",
		   "a\xf0\x9f\x98\x80" "b\xf0\x9f\x98\x81" "c", 11);
	/* Raw multibyte UTF-8 is kept as it is, next to escapes. */
	decodes_to("{\"s\":\"\xc3\xa9\\u00e9\xf0\x9f\x98\x80\\n\"}",
		   "\xc3\xa9\xc3\xa9\xf0\x9f\x98\x80\n", 9);
	/* An escaped member name is found by its decoded form. */
	decodes_to("{\"\\u0073\":\"x\"}", "x", 1);
	decodes_to("{\"\\\"q\\\"\":1,\"s\":\"y\"}", "y", 1);
}

/* Every \uXXXX outside the surrogates decodes to its UTF-8 form, as json-c
 * decodes it; every surrogate alone is refused. */
static void every_u_escape_decodes_like_json_c(void **state)
{
	char doc[32];

	(void)state;
	for (long cp = 0; cp <= 0xffff; cp++) {
		unsigned char want[4];
		size_t wn = reference_encode(cp, want);
		int n = snprintf(doc, sizeof(doc), "{\"s\":\"\\u%04lx\"}", cp);
		oa2_error err = {0};
		json_object *j;
		const char *s = NULL;
		oa2_jobj o;

		if (cp >= 0xd800 && cp <= 0xdfff) {
			index_refused(doc, (size_t)n, "bad escape");
			continue;
		}
		index_ok(&o, doc);
		if (cp == 0) {
			assert_int_equal(oa2_jobj_string(&o, "s", &s), -1);
		} else {
			assert_int_equal(oa2_jobj_string(&o, "s", &s), 0);
			if (strlen(s) != wn || memcmp(s, want, wn) != 0)
				fail_msg("\\u%04lx decoded wrongly", cp);
		}
		j = oa2_json_parse(doc, (size_t)n, "doc", &err);
		assert_non_null(j);
		if (cp != 0) {
			json_object *v = NULL;

			assert_true(json_object_object_get_ex(j, "s", &v));
			assert_int_equal(json_object_get_string_len(v), wn);
			assert_memory_equal(json_object_get_string(v), s, wn);
		}
		json_object_put(j);
		oa2_jobj_clear(&o);
	}
}

/* Every low half with a few high halves makes its supplementary code point;
 * a high half followed by anything but a low half is refused. D836 and D837
 * make code points with D800-DFFF in their low 16 bits, which json-c 0.16
 * decodes to U+FFFD (its pull request 893): not compared with json-c. */
static void surrogate_pairs_decode_to_their_code_point(void **state)
{
	static const long highs[] = {0xd800, 0xd801, 0xd836, 0xd837, 0xd83d, 0xdbfe, 0xdbff};
	static const long not_low[] = {0x0000, 0x0041, 0xd7ff, 0xd800, 0xdbff, 0xe000, 0xffff};
	char doc[40];

	(void)state;
	for (size_t h = 0; h < sizeof(highs) / sizeof(highs[0]); h++) {
		for (long lo = 0xdc00; lo <= 0xdfff; lo++) {
			long cp = 0x10000 + ((highs[h] - 0xd800) << 10) + (lo - 0xdc00);
			unsigned char want[4];
			size_t wn = reference_encode(cp, want);

			int n = snprintf(doc, sizeof(doc), "{\"s\":\"\\u%04lX\\u%04lx\"}",
					 highs[h], lo);

			assert_int_equal(wn, 4);
			/* json-c 0.16 reads these as U+FFFD: refused, so that the
			 * module's tree never holds another string */
			if ((cp & 0xffff) >= 0xd800 && (cp & 0xffff) <= 0xdfff)
				index_refused(doc, (size_t)n, "bad escape");
			else
				decodes_to(doc, (const char *)want, wn);
		}
		for (size_t k = 0; k < sizeof(not_low) / sizeof(not_low[0]); k++) {
			int n = snprintf(doc, sizeof(doc), "{\"s\":\"\\u%04lx\\u%04lx\"}", highs[h],
					 not_low[k]);

			index_refused(doc, (size_t)n, "bad escape");
		}
	}
}

/* ---- depth ---------------------------------------------------------------- */

/* n containers: the top object, then objects and arrays in turn, the
 * innermost holding 1 (or nothing when empty). */
static size_t nest_doc(char *buf, int n, bool empty)
{
	char close[64];
	size_t k = 0, c = 0;

	/* Odd levels (1, 3, ...) are objects, even ones arrays; an object
	 * holds its child (or the 1) as member "a". */
	for (int i = 1; i <= n; i++) {
		bool obj = i % 2 == 1;

		buf[k++] = obj ? '{' : '[';
		close[c++] = obj ? '}' : ']';
		if (obj && (i < n || !empty)) {
			memcpy(buf + k, "\"a\":", 4);
			k += 4;
		}
	}
	if (!empty)
		buf[k++] = '1';
	while (c > 0)
		buf[k++] = close[--c];
	buf[k] = '\0';
	return k;
}

static void depth_limit_is_json_c_s(void **state)
{
	char buf[256];
	oa2_jobj o;
	oa2_error err = {0};
	json_object *j;

	(void)state;
	/* 15 containers, the top object included: the deepest json-c takes at
	 * OA2_JSON_MAX_DEPTH with a value inside. */
	for (int n = 1; n <= OA2_JSON_MAX_DEPTH - 1; n++) {
		size_t len = nest_doc(buf, n, false);

		if (valid(buf) != 0)
			fail_msg("%d levels refused", n);
		index_ok(&o, buf);
		assert_int_equal(o.n, 1);
		oa2_jobj_clear(&o);
		j = oa2_json_parse(buf, len, "doc", &err);
		if (j == NULL)
			fail_msg("oa2_json_parse refused %d levels: %s", n, err.msg);
		json_object_put(j);
	}
	/* 16 and more: refused, with a value inside or empty (json-c would
	 * take 16 empty ones: it counts the value inside as a level). */
	for (int n = OA2_JSON_MAX_DEPTH; n <= OA2_JSON_MAX_DEPTH + 2; n++) {
		for (int e = 0; e < 2; e++) {
			size_t len = nest_doc(buf, n, e == 1);

			assert_int_equal(valid(buf), -1);
			index_refused(buf, len, "nested too deep");
			oa2_error_clear(&err);
			assert_null(oa2_json_parse(buf, len, "doc", &err));
		}
	}
	/* The same count for arrays alone at the top. */
	memset(buf, '[', 15);
	buf[15] = '1';
	memset(buf + 16, ']', 15);
	assert_int_equal(valid_n(buf, 31), 0);
	memset(buf, '[', 16);
	buf[16] = '1';
	memset(buf + 17, ']', 16);
	assert_int_equal(valid_n(buf, 33), -1);
	/* Wide is not deep. */
	strcpy(buf, "{\"a\":[");
	for (int i = 0; i < 40; i++)
		strcat(buf, "[],");
	strcat(buf, "{}]}");
	assert_int_equal(valid(buf), 0);
}

/* ---- the member index ----------------------------------------------------- */

static void refuses_duplicate_names(void **state)
{
	static const char *const dups[] = {
		"{\"iss\":\"a\",\"iss\":\"b\"}",
		"{\"iss\":\"a\",\"\\u0069ss\":\"b\"}",
		"{\"\\u0069ss\":\"a\",\"iss\":\"b\"}",
		"{\"\\u0069ss\":\"a\",\"i\\u0073\\u0073\":\"b\"}",
		"{\"a/b\":1,\"a\\/b\":2}",
		"{\"\xc3\xa9\":1,\"\\u00e9\":2}",
		"{\"\xf0\x9f\x98\x80\":1,\"\\ud83d\\ude00\":2}",
		"{\"\":1,\"x\":2,\"\":3}",
		"{\"a\":null,\"a\":null}",
		"{\"sub\":\"alice\",\"aud\":\"x\",\"exp\":1,\"sub\":\"root\"}",
	};
	oa2_jobj o;
	const char *s;

	(void)state;
	refused_list(dups, sizeof(dups) / sizeof(dups[0]), "two members of the same name");
	/* Names that only look alike are distinct members. */
	index_ok(&o, "{\"iss\":\"a\",\"ISS\":\"b\",\"iss \":\"c\",\"\\u0069s\":\"d\"}");
	assert_int_equal(o.n, 4);
	assert_int_equal(oa2_jobj_string(&o, "iss", &s), 0);
	assert_string_equal(s, "a");
	assert_int_equal(oa2_jobj_string(&o, "is", &s), 0);
	assert_string_equal(s, "d");
	oa2_jobj_clear(&o);
}

/* A nested object in an object or an array, a member of a container or the
 * container of a member: json-c keeps the last of two members, so each
 * depth is checked as the top one. */
static void refuses_nested_duplicate_names(void **state)
{
	static const char *const dups[] = {
		"[{\"a\":1,\"a\":2}]",
		"{\"o\":{\"a\":1,\"a\":2}}",
		"{\"p\":[{\"b\":1,\"b\":2}]}",
		"{\"realm_access\":{\"roles\":[\"users\"],\"roles\":[\"admins\"]}}",
		"{\"resource_access\":{\"pam\":{\"roles\":[\"u\"]},"
		"\"pam\":{\"roles\":[\"admins\"]}}}",
		"{\"a\":[1,{\"x\":{}},[{\"y\":1,\"z\":{\"k\":1,\"k\":2}}]]}",
		"[[], {}, {\"a\":{\"b\":{\"c\":[{\"d\":1,\"e\":2,\"d\":3}]}}}]",
		/* written differently, the same decoded name */
		"{\"o\":{\"\\u0061\":1,\"a\":2}}",
		"[{\"\xc3\xa9\":1,\"\\u00E9\":2}]",
		"{\"o\":[{\"\xf0\x9f\x98\x80\":1,\"\\uD83D\\uDE00\":2}]}",
		"{\"o\":{\"\\/\":1,\"/\":2}}",
		"{\"o\":{\"\\n\":1,\"\\u000a\":2}}",
		"{\"o\":{\"\":1,\"\":2}}",
		/* a later member of the same object, not only the next one */
		"{\"o\":{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"a\":5}}",
	};
	oa2_jobj o;

	(void)state;
	refused_list(dups, sizeof(dups) / sizeof(dups[0]), "two members of the same name");
	/* at every depth json-c takes (15 containers), in arrays and objects */
	refused_at_every_depth("{\"k\":1,\"m\":0,\"k\":2}", true, "two members of the same name");
	refused_at_every_depth("{\"k\":1,\"m\":0,\"k\":2}", false, "two members of the same name");
	/* the same names in different objects, or only alike, are fine */
	index_ok(&o, "{\"a\":{\"a\":{\"a\":1},\"b\":{\"a\":2}},\"b\":[{\"a\":1},{\"a\":2}],"
		     "\"c\":{\"x\":1,\"X\":2,\"x \":3,\"\\u0078x\":4,\"\xc3\xa9\":5,\"e\":6}}");
	assert_int_equal(o.n, 3);
	oa2_jobj_clear(&o);
}

static void refuses_nul_in_a_name(void **state)
{
	static const char *const nul[] = {
		"{\"a\\u0000b\":1}",
		"{\"\\u0000\":1}",
		"{\"ok\":1,\"sub\\u0000x\":\"root\"}",
	};
	oa2_jobj o;
	const char *s;

	(void)state;
	refused_list(nul, sizeof(nul) / sizeof(nul[0]), "a member name holds U+0000");
	/* In a value it is no fault of the document: the getter refuses it. */
	index_ok(&o, "{\"o\":{\"a\":\"x\\u0000\"},\"s\":\"a\\u0000b\"}");
	assert_int_equal(o.n, 2);
	assert_int_equal(oa2_jobj_string(&o, "s", &s), -1);
	oa2_jobj_clear(&o);
}

/* json-c cuts a name at \u0000: "admins\u0000-not" would be read as the
 * role "admins", "roles\u0000" as (and over) "roles". */
static void refuses_nul_in_a_nested_name(void **state)
{
	static const char *const nul[] = {
		"{\"urn:zitadel:iam:org:project:roles\":{\"admins\\u0000-not\":{}}}",
		"{\"realm_access\":{\"roles\":[\"user\"],\"roles\\u0000\":[\"admins\"]}}",
		"[{\"\\u0000\":1}]",
		"{\"a\":[1,[{\"b\":{\"c\\u0000\":null}}]]}",
		"{\"o\":{\"ok\":1,\"\\u0000x\":2}}",
	};
	json_object *j, *v;

	(void)state;
	refused_list(nul, sizeof(nul) / sizeof(nul[0]), "a member name holds");
	refused_at_every_depth("{\"k\":1,\"k\\u0000\":2}", true, "a member name holds");
	refused_at_every_depth("{\"k\":1,\"k\\u0000\":2}", false, "a member name holds");
	/* What json-c alone makes of the first two: the attack the scanner
	 * stops. */
	j = json_tokener_parse(nul[0]);
	assert_non_null(j);
	assert_true(json_object_object_get_ex(
		json_object_object_get(j, "urn:zitadel:iam:org:project:roles"), "admins", &v));
	json_object_put(j);
	j = json_tokener_parse(nul[1]);
	assert_non_null(j);
	assert_true(json_object_object_get_ex(json_object_object_get(j, "realm_access"), "roles",
					      &v));
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 0)), "admins");
	json_object_put(j);
}

/* Past the 64 names kept on the stack (for all open objects) an object's
 * names go to a table on the heap: duplicates are found there too, wherever
 * they are, as decoded names. */
static void large_nested_objects(void **state)
{
	static const size_t sizes[] = {15, 16, 17, 63, 64, 65, 2000};
	size_t cap = 64 + 2000 * 32;
	char *doc = malloc(cap);
	oa2_error err = {0};
	json_object *j;

	(void)state;
	assert_non_null(doc);
	for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		size_t n = sizes[z];

		/* dup < n: member dup written again, escaped, as the last one;
		 * dup == n: no duplicate */
		for (size_t dup = 0; dup <= n; dup += dup + 1 < n ? (n / 7 + 1) : 1) {
			size_t k = 0;

			k += (size_t)snprintf(doc + k, cap - k, "{\"x\":[{\"first\":0");
			for (size_t i = 0; i < n; i++)
				k += (size_t)snprintf(doc + k, cap - k, ",\"m%zu\":%zu", i, i);
			if (dup < n)
				k += (size_t)snprintf(doc + k, cap - k, ",\"\\u006d%zu\":0", dup);
			k += (size_t)snprintf(doc + k, cap - k, "}]}");
			if (dup < n) {
				refused_everywhere(doc, k, "two members of the same name");
				continue;
			}
			oa2_error_clear(&err);
			j = oa2_json_parse(doc, k, "doc", &err);
			if (j == NULL)
				fail_msg("%zu members refused: %s", n, err.msg);
			assert_int_equal(json_object_object_length(json_object_array_get_idx(
						 json_object_object_get(j, "x"), 0)),
					 n + 1);
			json_object_put(j);
		}
		/* "first" again, at the end */
		doc[strlen(doc) - 3] = '\0';
		strcat(doc, ",\"first\":1}]}");
		refused_everywhere(doc, strlen(doc), "two members of the same name");
	}
	/* A parent's names and its child's together overflow the names kept
	 * on the stack: the child's go to a table, the parent's stay, and a
	 * duplicate in either is still found, the parent's after the child. */
	for (int last = 0; last < 3; last++) {
		size_t k = 0;

		k += (size_t)snprintf(doc + k, cap - k, "{\"o\":{\"p0\":0");
		for (int i = 1; i < 40; i++)
			k += (size_t)snprintf(doc + k, cap - k, ",\"p%d\":0", i);
		k += (size_t)snprintf(doc + k, cap - k, ",\"c\":{\"c0\":0");
		for (int i = 1; i < 40; i++)
			k += (size_t)snprintf(doc + k, cap - k, ",\"c%d\":0", i);
		k += (size_t)snprintf(doc + k, cap - k, "%s}%s}}", last == 1 ? ",\"c5\":1" : "",
				      last == 2 ? ",\"p7\":1" : ",\"q\":[{\"p7\":1}]");
		if (last != 0) {
			refused_everywhere(doc, k, "two members of the same name");
			continue;
		}
		oa2_error_clear(&err);
		j = oa2_json_parse(doc, k, "doc", &err);
		if (j == NULL)
			fail_msg("refused: %s", err.msg);
		assert_int_equal(json_object_object_length(json_object_object_get(j, "o")), 42);
		json_object_put(j);
	}
	free(doc);
}

/* An object of n members "m0".."m<n-1>", member i holding the number i. */
static char *members_doc(size_t n, size_t *len)
{
	size_t cap = 16 + n * 24, k = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	buf[k++] = '{';
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(buf + k, cap - k, "%s\"m%zu\":%zu", i ? "," : "", i, i);
	buf[k++] = '}';
	buf[k] = '\0';
	*len = k;
	return buf;
}

static void member_cap(void **state)
{
	/* Around the inline index, each growth step, and the cap. */
	static const size_t sizes[] = {0, 1, 39, 40, 41, 79, 80, 81, 160, 161, 640, 641,
				       OA2_JSCAN_MAX_MEMBERS - 1, OA2_JSCAN_MAX_MEMBERS};
	char name[32];

	(void)state;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t len;
		char *doc = members_doc(sizes[k], &len);
		oa2_jobj o;
		oa2_error err = {0};

		if (oa2_jscan_object(&o, doc, len, "doc", &err) != 0)
			fail_msg("%zu members refused: %s", sizes[k], err.msg);
		assert_int_equal(o.n, sizes[k]);
		for (size_t i = 0; i < sizes[k]; i++) {
			int64_t v = -1;

			snprintf(name, sizeof(name), "m%zu", i);
			assert_int_equal(oa2_jobj_int64(&o, name, &v), 0);
			assert_int_equal(v, i);
		}
		snprintf(name, sizeof(name), "m%zu", sizes[k]);
		assert_int_equal(oa2_jobj_get(&o, name, &(struct oa2_jval){0}), 1);
		oa2_jobj_clear(&o);
		free(doc);
	}
	/* One more than the cap, and far more. */
	for (size_t n = OA2_JSCAN_MAX_MEMBERS + 1; n <= 4 * OA2_JSCAN_MAX_MEMBERS;
	     n += OA2_JSCAN_MAX_MEMBERS + 1) {
		size_t len;
		char *doc = members_doc(n, &len);

		index_refused(doc, len, "too many members");
		assert_int_equal(valid_n(doc, len), 0); /* only the index has a cap */
		free(doc);
	}
}

static void index_wants_an_object(void **state)
{
	static const char *const others[] = {
		"[]", "[{\"a\":1}]", "1", "-0", "\"s\"", "true", "false", "null", " [1] ", "\"{}\"",
	};

	(void)state;
	index_alone_refuses(others, sizeof(others) / sizeof(others[0]), "not a JSON object");
	index_refused("", 0, "empty document");
	index_refused(NULL, 0, "empty document");
	index_refused("   ", 3, "not a JSON object");
	index_refused(" {", 2, "expected a member name");
}

/* ---- getters -------------------------------------------------------------- */

static void getters_tell_absent_from_wrong_type(void **state)
{
	oa2_jobj o;
	const char *s = NULL;
	int64_t i = 0;
	bool b = false;
	struct oa2_jval v;

	(void)state;
	index_ok(&o, "{\"s\":\"x\",\"i\":5,\"d\":7.9,\"b\":true,\"f\":false,\"n\":null,"
		     "\"o\":{\"s\":\"inner\"},\"a\":[1],\"nul\":\"al\\u0000ice\",\"e\":\"\"}");
	assert_int_equal(o.n, 10);

	assert_int_equal(oa2_jobj_string(&o, "s", &s), 0);
	assert_string_equal(s, "x");
	assert_int_equal(oa2_jobj_string(&o, "e", &s), 0);
	assert_string_equal(s, "");
	assert_int_equal(oa2_jobj_string(&o, "missing", &s), 1);
	assert_int_equal(oa2_jobj_string(&o, "n", &s), 1);
	assert_int_equal(oa2_jobj_string(&o, "nul", &s), -1);
	assert_int_equal(oa2_jobj_string(&o, "inner", &s), 1); /* not a top-level member */
	for (const char *const *k = (const char *const[]){"i", "d", "b", "o", "a", NULL}; *k; k++)
		assert_int_equal(oa2_jobj_string(&o, *k, &s), -1);

	assert_int_equal(oa2_jobj_int64(&o, "i", &i), 0);
	assert_int_equal(i, 5);
	assert_int_equal(oa2_jobj_int64(&o, "d", &i), 0);
	assert_int_equal(i, 7);
	assert_int_equal(oa2_jobj_int64(&o, "n", &i), 1);
	assert_int_equal(oa2_jobj_int64(&o, "missing", &i), 1);
	for (const char *const *k = (const char *const[]){"s", "b", "o", "a", "nul", NULL}; *k; k++)
		assert_int_equal(oa2_jobj_int64(&o, *k, &i), -1);

	assert_int_equal(oa2_jobj_bool(&o, "b", &b), 0);
	assert_true(b);
	assert_int_equal(oa2_jobj_bool(&o, "f", &b), 0);
	assert_false(b);
	assert_int_equal(oa2_jobj_bool(&o, "n", &b), 1);
	assert_int_equal(oa2_jobj_bool(&o, "missing", &b), 1);
	for (const char *const *k = (const char *const[]){"s", "i", "o", "a", NULL}; *k; k++)
		assert_int_equal(oa2_jobj_bool(&o, *k, &b), -1);

	assert_int_equal(oa2_jobj_array(&o, "a", &v), 0);
	assert_int_equal(v.type, OA2_J_ARRAY);
	assert_int_equal(v.n, 3);
	assert_memory_equal(v.p, "[1]", 3);
	assert_int_equal(oa2_jobj_array(&o, "n", &v), 1);
	assert_int_equal(oa2_jobj_array(&o, "missing", &v), 1);
	for (const char *const *k = (const char *const[]){"s", "i", "b", "o", NULL}; *k; k++)
		assert_int_equal(oa2_jobj_array(&o, *k, &v), -1);

	/* oa2_jobj_get: the value's text and type; null is absent. */
	assert_int_equal(oa2_jobj_get(&o, "o", &v), 0);
	assert_int_equal(v.type, OA2_J_OBJECT);
	assert_int_equal(v.n, strlen("{\"s\":\"inner\"}"));
	assert_memory_equal(v.p, "{\"s\":\"inner\"}", v.n);
	assert_int_equal(oa2_jobj_get(&o, "s", &v), 0);
	assert_int_equal(v.type, OA2_J_STRING);
	assert_int_equal(v.n, 3); /* with its quotes */
	assert_int_equal(oa2_jobj_get(&o, "d", &v), 0);
	assert_int_equal(v.type, OA2_J_NUMBER);
	assert_memory_equal(v.p, "7.9", 3);
	assert_int_equal(oa2_jobj_get(&o, "n", &v), 1);
	oa2_jobj_clear(&o);
}

struct num {
	const char *text;
	int rc;
	int64_t want;
};

/* NumericDate as json.h reads it: integers exactly, fractions floored,
 * exponents, and -1 beyond +-9e18 (or what is not finite). */
static const struct num numbers[] = {
	{"0", 0, 0},
	{"-0", 0, 0},
	{"1", 0, 1},
	{"-1", 0, -1},
	{"1700000000", 0, 1700000000},
	{"-1700000000", 0, -1700000000},
	{"1.9", 0, 1},
	{"1.0", 0, 1},
	{"0.999999", 0, 0},
	{"-1.5", 0, -2},
	{"-0.5", 0, -1},
	{"-0.0", 0, 0},
	{"1700000000.75", 0, 1700000000},
	{"1e3", 0, 1000},
	{"1E+3", 0, 1000},
	{"2.5e1", 0, 25},
	{"17e8", 0, 1700000000},
	{"1.7e9", 0, 1700000000},
	{"1e-3", 0, 0},
	{"-1e-3", 0, -1},
	{"0e0", 0, 0},
	{"1e-999", 0, 0},
	{"123456789012345678", 0, 123456789012345678},
	{"-123456789012345678", 0, -123456789012345678},
	{"999999999999999999", 0, 999999999999999999},
	{"1000000000000000001", 0, 1000000000000000001},
	{"-1000000000000000001", 0, -1000000000000000001},
	{"8999999999999999999", 0, 8999999999999999999},
	{"9000000000000000000", 0, 9000000000000000000},
	{"-9000000000000000000", 0, -9000000000000000000},
	{"9e18", 0, 9000000000000000000},
	{"-9e18", 0, -9000000000000000000},
	/* Integers are read exactly over all of int64, as json.h reads them;
	 * only past it they are refused (json-c would clamp). */
	{"9000000000000000001", 0, 9000000000000000001},
	{"-9000000000000000001", 0, -9000000000000000001},
	{"9223372036854775807", 0, INT64_MAX},
	{"-9223372036854775808", 0, INT64_MIN},
	{"9223372036854775808", -1, 0},
	{"18446744073709551616", -1, 0},
	{"123456789012345678901234567890", -1, 0},
	{"9.1e18", -1, 0},
	{"-9.1e18", -1, 0},
	{"1e19", -1, 0},
	{"-1e19", -1, 0},
	{"1e308", -1, 0},
	{"1e999", -1, 0},
	{"-1e999", -1, 0},
	/* Long text is still a number. */
	{"1700000000.0000000000000000000000000000000000000000000000000000000000001", 0,
	 1700000000},
	{"0.00000000000000000000000000000000000000000000000000000000000000000017e72", 0,
	 170000},
};

static void int64_reads_numeric_dates(void **state)
{
	char doc[160];

	(void)state;
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		const struct num *t = &numbers[i];
		int n = snprintf(doc, sizeof(doc), "{\"exp\":%s}", t->text);
		oa2_error err = {0};
		json_object *j;
		int64_t v = 0, jv = 0;
		oa2_jobj o;
		int rc;

		assert_true(n > 0 && (size_t)n < sizeof(doc));
		index_ok(&o, doc);
		rc = oa2_jobj_int64(&o, "exp", &v);
		if (rc != t->rc || (rc == 0 && v != t->want))
			fail_msg("%s: rc %d value %lld, want rc %d value %lld", t->text, rc,
				 (long long)v, t->rc, (long long)t->want);
		oa2_jobj_clear(&o);
		/* Where the scanner reads a value, json.h reads the same. */
		j = oa2_json_parse(doc, (size_t)n, "doc", &err);
		assert_non_null(j);
		if (rc == 0) {
			assert_int_equal(oa2_json_int64(j, "exp", &jv), 0);
			if (jv != v)
				fail_msg("%s: json.h reads %lld, jscan %lld", t->text,
					 (long long)jv, (long long)v);
		}
		json_object_put(j);
	}
}

/* A locale whose decimal separator is a comma must not change what "1.5"
 * means. */
static void int64_ignores_the_locale(void **state)
{
	static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "de_DE"};
	const char *got = NULL;
	oa2_jobj o;
	int64_t v = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && got == NULL; i++)
		got = setlocale(LC_ALL, names[i]);
	if (got == NULL || strcmp(localeconv()->decimal_point, ",") != 0) {
		setlocale(LC_ALL, "C");
		print_message("[  NOTE    ] no de_DE locale here: locale check skipped\n");
		skip();
		return;
	}
	index_ok(&o, "{\"a\":1.5,\"b\":-2.5e0,\"c\":1700000000.9,\"d\":3e2}");
	assert_int_equal(oa2_jobj_int64(&o, "a", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(oa2_jobj_int64(&o, "b", &v), 0);
	assert_int_equal(v, -3);
	assert_int_equal(oa2_jobj_int64(&o, "c", &v), 0);
	assert_int_equal(v, 1700000000);
	assert_int_equal(oa2_jobj_int64(&o, "d", &v), 0);
	assert_int_equal(v, 300);
	oa2_jobj_clear(&o);
	/* And "1,5" is no number whatever the locale. */
	assert_int_equal(valid("{\"a\":1,5}"), -1);
	setlocale(LC_ALL, "C");
}

/* ---- arrays --------------------------------------------------------------- */

static void next_walks_mixed_arrays(void **state)
{
	static const struct {
		enum oa2_jtype type;
		const char *text;
	} want[] = {
		{OA2_J_NUMBER, "1"},
		{OA2_J_STRING, "\"two\""},
		{OA2_J_BOOL, "true"},
		{OA2_J_NULL, "null"},
		{OA2_J_ARRAY, "[]"},
		{OA2_J_ARRAY, "[ 3 , [4] ]"},
		{OA2_J_OBJECT, "{\"k\":[5],\"l\":\"]\"}"},
		{OA2_J_NUMBER, "-1.5e2"},
		{OA2_J_STRING, "\"\\u00e9,]\""},
		{OA2_J_OBJECT, "{}"},
		{OA2_J_BOOL, "false"},
	};
	oa2_jobj o;
	struct oa2_jval a, e, inner;
	size_t pos = 0, ipos = 0, k = 0;
	const char *s;

	(void)state;
	index_ok(&o, "{\"a\": [ 1 ,\"two\",true , null,[],[ 3 , [4] ],{\"k\":[5],\"l\":\"]\"},"
		     "-1.5e2,\"\\u00e9,]\" ,{}\n,false\t] ,\"empty\":[ ],\"one\":[\"x\"]}");
	assert_int_equal(oa2_jobj_array(&o, "a", &a), 0);
	while (oa2_jval_next(&a, &pos, &e)) {
		assert_true(k < sizeof(want) / sizeof(want[0]));
		assert_int_equal(e.type, want[k].type);
		if (e.n != strlen(want[k].text) || memcmp(e.p, want[k].text, e.n) != 0)
			fail_msg("element %zu: %.*s", k, (int)e.n, e.p);
		k++;
	}
	assert_int_equal(k, sizeof(want) / sizeof(want[0]));
	/* At the end it stays at the end. */
	assert_false(oa2_jval_next(&a, &pos, &e));

	/* Into a nested array: 3, then [4], then 4 inside that. */
	pos = 0;
	for (k = 0; k < 6; k++)
		assert_true(oa2_jval_next(&a, &pos, &inner));
	assert_int_equal(inner.type, OA2_J_ARRAY);
	assert_true(oa2_jval_next(&inner, &ipos, &e));
	assert_int_equal(e.type, OA2_J_NUMBER);
	assert_memory_equal(e.p, "3", 1);
	assert_true(oa2_jval_next(&inner, &ipos, &e));
	assert_int_equal(e.type, OA2_J_ARRAY);
	{
		size_t p2 = 0;
		struct oa2_jval four;

		assert_true(oa2_jval_next(&e, &p2, &four));
		assert_memory_equal(four.p, "4", 1);
		assert_false(oa2_jval_next(&e, &p2, &four));
	}
	assert_false(oa2_jval_next(&inner, &ipos, &e));

	/* Strings in an array decode through oa2_jval_string. */
	pos = 0;
	k = 0;
	while (oa2_jval_next(&a, &pos, &e)) {
		if (e.type == OA2_J_STRING) {
			assert_int_equal(oa2_jval_string(&o, &e, &s), 0);
			assert_string_equal(s, k == 0 ? "two" : "\xc3\xa9,]");
			k++;
		} else {
			assert_int_equal(oa2_jval_string(&o, &e, &s), -1);
		}
	}
	assert_int_equal(k, 2);

	/* Empty arrays have no element; a non-array none either. */
	assert_int_equal(oa2_jobj_array(&o, "empty", &a), 0);
	pos = 0;
	assert_false(oa2_jval_next(&a, &pos, &e));
	assert_int_equal(oa2_jobj_array(&o, "one", &a), 0);
	pos = 0;
	assert_true(oa2_jval_next(&a, &pos, &e));
	assert_false(oa2_jval_next(&a, &pos, &e));
	assert_int_equal(oa2_jobj_get(&o, "one", &a), 0);
	a.type = OA2_J_STRING;
	pos = 0;
	assert_false(oa2_jval_next(&a, &pos, &e));
	oa2_jobj_clear(&o);
}

/* An aud array as a token carries it, element strings with \u0000 refused. */
static void next_reads_an_audience_list(void **state)
{
	oa2_jobj o;
	struct oa2_jval a, e;
	size_t pos = 0, n = 0;
	const char *s;
	int rc[4];

	(void)state;
	index_ok(&o, "{\"aud\":[\"pam\",\"a\\u0000b\",\"\\u0070am\",7]}");
	assert_int_equal(oa2_jobj_array(&o, "aud", &a), 0);
	while (oa2_jval_next(&a, &pos, &e)) {
		assert_true(n < 4);
		rc[n++] = oa2_jval_string(&o, &e, &s);
		if (rc[n - 1] == 0)
			assert_string_equal(s, "pam");
	}
	assert_int_equal(n, 4);
	assert_int_equal(rc[0], 0);
	assert_int_equal(rc[1], -1);
	assert_int_equal(rc[2], 0);
	assert_int_equal(rc[3], -1);
	oa2_jobj_clear(&o);
}

/* ---- lifetime ------------------------------------------------------------- */

/* Every decoded string (names and values) stays put until oa2_jobj_clear,
 * however many more are decoded after it; clear leaves an empty index and
 * may run again. Under ASan or valgrind a use after free or a leak fails. */
static void decoded_strings_live_until_clear(void **state)
{
	char doc[8192];
	const char *held[100];
	char want[100][16];
	size_t k = 0;
	oa2_jobj o;
	struct oa2_jval v;

	(void)state;
	k += (size_t)snprintf(doc + k, sizeof(doc) - k, "{");
	for (int i = 0; i < 100; i++)
		k += (size_t)snprintf(doc + k, sizeof(doc) - k, "%s\"\\u006b%d\":\"v\\u00e9%d\"",
				      i ? "," : "", i, i);
	snprintf(doc + k, sizeof(doc) - k, "}");
	index_ok(&o, doc);
	assert_int_equal(o.n, 100);
	for (int i = 0; i < 100; i++) {
		char name[16];

		snprintf(name, sizeof(name), "k%d", i);
		snprintf(want[i], sizeof(want[i]), "v\xc3\xa9%d", i);
		assert_int_equal(oa2_jobj_string(&o, name, &held[i]), 0);
		/* The same member again: another copy, the first one kept. */
		assert_int_equal(oa2_jobj_string(&o, name, &(const char *){NULL}), 0);
	}
	for (int i = 0; i < 100; i++)
		assert_string_equal(held[i], want[i]);
	oa2_jobj_clear(&o);
	assert_int_equal(o.n, 0);
	assert_null(o.strs);
	assert_int_equal(oa2_jobj_get(&o, "k0", &v), 1);
	oa2_jobj_clear(&o);
	oa2_jobj_clear(NULL);

	/* The object can be used again for another document. */
	index_ok(&o, "{\"\\u0061\":\"b\"}");
	assert_int_equal(oa2_jobj_string(&o, "a", &held[0]), 0);
	assert_string_equal(held[0], "b");
	oa2_jobj_clear(&o);
}

/* A document refused after members were indexed (and names decoded) leaves
 * nothing behind. */
static void refusal_late_in_a_document_frees_the_index(void **state)
{
	char doc[4096];
	size_t k = 0;

	(void)state;
	k += (size_t)snprintf(doc + k, sizeof(doc) - k, "{");
	for (int i = 0; i < 60; i++)
		k += (size_t)snprintf(doc + k, sizeof(doc) - k, "\"\\u006e%d\":\"x\",", i);
	k += (size_t)snprintf(doc + k, sizeof(doc) - k, "\"last\":NaN}");
	index_refused(doc, k, "unexpected character");
}

/* ---- oa2_json_parse goes through the scanner ------------------------------ */

static void json_parse_refuses_bad_utf8_and_lone_surrogates(void **state)
{
	static const struct doc bad[] = {
		DOC("{\"a\":\"\xc0\x80\"}"),          DOC("{\"a\":\"\xe0\x80\x80\"}"),
		DOC("{\"a\":\"\xed\xa0\x80\"}"),      DOC("{\"a\":\"\xf5\x80\x80\x80\"}"),
		DOC("{\"a\":\"\xff\"}"),              DOC("{\"a\":\"\x80\"}"),
		DOC("{\"a\":\"\xc3\"}"),              DOC("{\"a\":\"\xf0\x9f\x98\"}"),
		DOC("{\"\xc3\":1}"),                  DOC("{\"a\":[\"ok\",\"\xe2\x82\"]}"),
		DOC("{\"a\":\"\\ud800\"}"),           DOC("{\"a\":\"\\udc00\"}"),
		DOC("{\"a\":\"\\ud800\\u0041\"}"),    DOC("{\"a\":\"\\udfff\\ud800\"}"),
		DOC("{\"\\ud83d\":1}"),               DOC("{\"a\":{\"b\":[\"\\udbff\"]}}"),
	};
	static const char good[] = "{\"a\":\"\xf0\x9f\x98\x80\\ud83d\\ude00\"}";
	oa2_error err = {0};
	json_object *j;
	const char *s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		oa2_error_clear(&err);
		j = oa2_json_parse(bad[i].s, bad[i].n, "doc", &err);
		if (j != NULL)
			fail_msg("bad[%zu] accepted: %s", i, bad[i].s);
		assert_int_equal(err.kind, OA2_ERR_PROTOCOL);
		assert_non_null(strstr(err.msg, "doc"));
		/* json-c alone, strict as it is, takes every one of them. */
		j = json_tokener_parse(bad[i].s);
		if (j == NULL)
			fail_msg("json-c refuses bad[%zu]: the test proves nothing", i);
		json_object_put(j);
	}
	/* Valid UTF-8 and pairs still pass, decoded by json-c as by jscan. */
	oa2_error_clear(&err);
	j = oa2_json_parse(good, strlen(good), "doc", &err);
	assert_non_null(j);
	assert_int_equal(oa2_json_string(j, "a", &s), 0);
	assert_string_equal(s, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
	json_object_put(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_every_value_type),
		cmocka_unit_test(refuses_every_grammar_fault),
		cmocka_unit_test(refusal_names_the_fault),
		cmocka_unit_test(utf8_matches_a_reference_decoder),
		cmocka_unit_test(decodes_escapes),
		cmocka_unit_test(every_u_escape_decodes_like_json_c),
		cmocka_unit_test(surrogate_pairs_decode_to_their_code_point),
		cmocka_unit_test(depth_limit_is_json_c_s),
		cmocka_unit_test(refuses_duplicate_names),
		cmocka_unit_test(refuses_nested_duplicate_names),
		cmocka_unit_test(refuses_nul_in_a_name),
		cmocka_unit_test(refuses_nul_in_a_nested_name),
		cmocka_unit_test(large_nested_objects),
		cmocka_unit_test(member_cap),
		cmocka_unit_test(index_wants_an_object),
		cmocka_unit_test(getters_tell_absent_from_wrong_type),
		cmocka_unit_test(int64_reads_numeric_dates),
		cmocka_unit_test(int64_ignores_the_locale),
		cmocka_unit_test(next_walks_mixed_arrays),
		cmocka_unit_test(next_reads_an_audience_list),
		cmocka_unit_test(decoded_strings_live_until_clear),
		cmocka_unit_test(refusal_late_in_a_document_frees_the_index),
		cmocka_unit_test(json_parse_refuses_bad_utf8_and_lone_surrogates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
