/* test_strutil.c - list stepping and membership used by every list key, and
 * the escaping every log line and terminal message goes through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "shared/error.h"
#include "shared/strutil.h"

static void list_next_steps_over_separators(void **state)
{
	const char *p = " ,a,,bc\t d ", *w;
	const char *want[] = {"a", "bc", "d"};
	size_t n;
	int i = 0;

	(void)state;
	while (oa2_list_next(&p, OA2_LIST_SEPS, &w, &n)) {
		assert_true(i < 3);
		assert_int_equal(n, strlen(want[i]));
		assert_memory_equal(w, want[i], n);
		i++;
	}
	assert_int_equal(i, 3);
	p = "";
	assert_false(oa2_list_next(&p, OA2_LIST_SEPS, &w, &n));
	p = " ,\t";
	assert_false(oa2_list_next(&p, OA2_LIST_SEPS, &w, &n));
}

static void contains_matches_whole_words_only(void **state)
{
	(void)state;
	assert_true(oa2_list_contains("users, admins\twheel", "admins"));
	assert_true(oa2_list_contains("users, admins\twheel", "wheel"));
	assert_false(oa2_list_contains("users, admins", "admin"));
	assert_false(oa2_list_contains("users, admins", "Admins"));
	assert_false(oa2_list_contains("users", ""));
	assert_false(oa2_list_contains(NULL, "users"));
	assert_true(oa2_list_contains_n("openid email", "emailX", 5));
	assert_false(oa2_list_contains_n("openid email", "email", 4));
}

static void esc_leaves_plain_text_alone(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(oa2_esc("alice sub=6f1c-01 'x'", out, sizeof(out)),
			    "alice sub=6f1c-01 'x'");
	assert_string_equal(oa2_esc("", out, sizeof(out)), "");
	assert_string_equal(oa2_esc(NULL, out, sizeof(out)), "(null)");
}

/* Nothing that ends a line, starts an escape sequence (ESC, CSI, the UTF-8
 * form of a C1 control) or is not ASCII survives; a backslash is doubled so
 * that a typed "\x0a" cannot pass for an escaped newline. */
static void esc_escapes_controls_non_ascii_and_backslash(void **state)
{
	char out[128];

	(void)state;
	assert_string_equal(oa2_esc("a\nb\rc\td", out, sizeof(out)), "a\\x0ab\\x0dc\\x09d");
	assert_string_equal(oa2_esc("\x1b]0;t\x07\x1b[2J\xc2\x9b\x7f\xff", out, sizeof(out)),
			    "\\x1b]0;t\\x07\\x1b[2J\\xc2\\x9b\\x7f\\xff");
	assert_string_equal(oa2_esc("a\\x0ab", out, sizeof(out)), "a\\\\x0ab");
	for (const char *p = oa2_esc("\x01\x1f\x80 \x7e", out, sizeof(out)); *p; p++)
		assert_true(*p >= 0x20 && *p <= 0x7e);
}

/* The result fits the buffer, ends with "..." when shortened, and never
 * holds half an escape. */
static void esc_cuts_at_whole_escapes(void **state)
{
	char out[12], big[600];
	const char *r;

	(void)state;
	assert_string_equal(oa2_esc("0123456789a", out, sizeof(out)), "0123456789a");
	assert_string_equal(oa2_esc("0123456789ab", out, sizeof(out)), "01234567...");
	assert_string_equal(oa2_esc("0123\n56789", out, sizeof(out)), "0123\\x0a...");
	assert_string_equal(oa2_esc("01234\n6789", out, sizeof(out)), "01234...");
	assert_string_equal(oa2_esc("0123456\n", out, sizeof(out)), "0123456\\x0a");
	assert_string_equal(oa2_esc("01234567\n", out, sizeof(out)), "01234567...");
	assert_string_equal(oa2_esc("\\\\\\\\\\\\", out, sizeof(out)), "\\\\\\\\\\\\\\\\...");
	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	r = OA2_ESC(big);
	assert_true(strlen(r) <= OA2_ESC_SIZE - 1);
	assert_string_equal(r + strlen(r) - 7, "\\x0a...");
}

/* sshd's marker, whole, repeated or cut to the typed length; nothing else. */
static void sshd_marker_is_recognised(void **state)
{
	(void)state;
	assert_true(oa2_is_sshd_marker("\b\n\r\177INCORRECT"));
	assert_true(oa2_is_sshd_marker("\b"));
	assert_true(oa2_is_sshd_marker("\b\n\r\177INC"));
	assert_true(oa2_is_sshd_marker("\b\n\r\177INCORRECT\b\n\r"));
	assert_false(oa2_is_sshd_marker(""));
	assert_false(oa2_is_sshd_marker("INCORRECT"));
	assert_false(oa2_is_sshd_marker("\b\n\r\177INCORRECTX"));
	assert_false(oa2_is_sshd_marker("\b\n\r\177INCORRECT\n"));
	assert_false(oa2_is_sshd_marker("alice-pass"));
	assert_false(oa2_is_sshd_marker("cancel"));
}

/* An error's text is escaped once, where it is first recorded; handing it on
 * (an inner error, the helper's over the channel) keeps that form. */
static void error_text_is_escaped_once(void **state)
{
	oa2_error inner = {0}, outer = {0}, wrapped = {0}, bad = {0};

	(void)state;
	assert_int_equal(oa2_fail(&inner, OA2_ERR_DENIED, "path %s", "C:\\x\n"), -1);
	assert_string_equal(inner.msg, "path C:\\\\x\\x0a");
	assert_int_equal(oa2_fail_text(&outer, OA2_ERR_PROTOCOL, inner.msg), -1);
	assert_int_equal(outer.kind, OA2_ERR_PROTOCOL);
	assert_string_equal(outer.msg, inner.msg);
	assert_int_equal(oa2_fail_wrap(&wrapped, OA2_ERR_USER, "jwks: ", &inner), -1);
	assert_string_equal(wrapped.msg, "jwks: path C:\\\\x\\x0a");
	/* the first reason stays */
	assert_int_equal(oa2_fail_text(&outer, OA2_ERR_USER, "later"), -1);
	assert_string_equal(outer.msg, inner.msg);
	/* text that did not come from oa2_esc still cannot break a line */
	assert_int_equal(oa2_fail_text(&bad, OA2_ERR_PROTOCOL, "a\nb\x1b[2J\xc3\xa9"), -1);
	assert_string_equal(bad.msg, "a?b?[2J??");
	oa2_error_clear(&bad);
	assert_int_equal(oa2_fail_text(&bad, OA2_ERR_PROTOCOL, NULL), -1);
	assert_string_equal(bad.msg, "(no reason)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(list_next_steps_over_separators),
		cmocka_unit_test(contains_matches_whole_words_only),
		cmocka_unit_test(esc_leaves_plain_text_alone),
		cmocka_unit_test(esc_escapes_controls_non_ascii_and_backslash),
		cmocka_unit_test(esc_cuts_at_whole_escapes),
		cmocka_unit_test(sshd_marker_is_recognised),
		cmocka_unit_test(error_text_is_escaped_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
