/* test_strutil.c - list stepping and membership used by every list key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "strutil.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(list_next_steps_over_separators),
		cmocka_unit_test(contains_matches_whole_words_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
