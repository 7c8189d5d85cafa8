/* test_account_groups.c - group_map's memberships (helper/account_groups.c)
 * on a scratch directory, with the machine's real groups (sudo, root,
 * nogroup).
 *
 * Proves: only pairs whose IdP group the identity holds count (byte for
 * byte); a system group (GID below UID_MIN, or 0) is refused without '!'
 * and accepted with it; a missing group, a pair without ':' or without a
 * group and an invalid group name are refused; the account's own private
 * group is skipped; applying writes non-empty USER:GROUP.membership files
 * and removes the account's others (a group gone at the IdP is gone), never
 * another user's; dropping removes them all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "helper/account_groups.h"

static char top[] = "/tmp/oa2-test-groups.XXXXXX";
static char db[600], reg[600];

static int plan(const char *map, const char *const *idp, size_t n, struct oa2_groups_wanted *w,
		oa2_error *err)
{
	memset(err, 0, sizeof(*err));
	return oa2_account_groups_plan("newbob", map, idp, n, w, err);
}

static void test_plan(void **state)
{
	static const char *const idp[] = {"users", "Admins", "x:y"};
	struct oa2_groups_wanted w;
	oa2_error err;

	(void)state;
	assert_int_equal(plan("users:nogroup admins:sudo! x:y:sudo!", idp, 3, &w, &err), 0);
	assert_int_equal(w.n, 2); /* "admins" is not "Admins" */
	assert_string_equal(w.name[0], "nogroup");
	assert_string_equal(w.name[1], "sudo"); /* the last ':' splits */
	assert_int_equal(plan("users:sudo", idp, 3, &w, &err), -1);
	assert_non_null(strstr(err.msg, "system group"));
	assert_int_equal(plan("users:root", idp, 3, &w, &err), -1);
	assert_int_equal(plan("users:root!", idp, 3, &w, &err), 0);
	assert_int_equal(plan("users:oa2-no-such-group", idp, 3, &w, &err), -1);
	assert_non_null(strstr(err.msg, "does not exist"));
	assert_int_equal(plan("users", idp, 3, &w, &err), -1);
	assert_int_equal(plan("users:", idp, 3, &w, &err), -1);
	assert_int_equal(plan("users:!", idp, 3, &w, &err), -1);
	assert_int_equal(plan("users:-x", idp, 3, &w, &err), -1);
	assert_int_equal(plan("users:newbob", idp, 3, &w, &err), 0);
	assert_int_equal(w.n, 0); /* its own group */
	assert_int_equal(plan(NULL, idp, 3, &w, &err), 0);
	assert_int_equal(w.n, 0);
	/* a pair the identity's groups do not hit is not looked at */
	assert_int_equal(plan("others:oa2-no-such-group", idp, 3, &w, &err), 0);
}

static bool exists(const char *name)
{
	char p[700];

	snprintf(p, sizeof(p), "%s/%s", db, name);
	return access(p, F_OK) == 0;
}

static void test_apply(void **state)
{
	static const char *const both[] = {"users", "admins"}, *const one[] = {"admins"};
	struct oa2_account_store s;
	struct oa2_groups_wanted w;
	oa2_error err = {0};
	struct stat st;
	char p[700];
	FILE *f;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.registry_dir = reg;
	s.userdb_dir = db;
	s.lock_wait_ms = 5000;
	snprintf(p, sizeof(p), "%s/other:nogroup.membership", db);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("{}\n", f);
	fclose(f);
	assert_int_equal(plan("users:nogroup admins:sudo!", both, 2, &w, &err), 0);
	assert_int_equal(oa2_account_groups(&s, "newbob", &w, &err), 0);
	assert_true(exists("newbob:nogroup.membership") && exists("newbob:sudo.membership"));
	snprintf(p, sizeof(p), "%s/newbob:sudo.membership", db);
	assert_int_equal(stat(p, &st), 0);
	assert_true(st.st_size > 0 && (st.st_mode & 0777) == 0644);
	/* "users" gone at the IdP: its membership goes at the next login */
	assert_int_equal(plan("users:nogroup admins:sudo!", one, 1, &w, &err), 0);
	assert_int_equal(oa2_account_groups(&s, "newbob", &w, &err), 0);
	assert_false(exists("newbob:nogroup.membership"));
	assert_true(exists("newbob:sudo.membership") && exists("other:nogroup.membership"));
	assert_int_equal(oa2_account_groups_drop(db, "newbob", &err), 0);
	assert_false(exists("newbob:sudo.membership"));
	assert_true(exists("other:nogroup.membership"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_apply),
	};
	char cmd[700];
	int rc;

	if (mkdtemp(top) == NULL)
		return 1;
	chmod(top, 0755);
	snprintf(db, sizeof(db), "%s/db", top);
	snprintf(reg, sizeof(reg), "%s/reg", top);
	if (mkdir(db, 0755) != 0 || mkdir(reg, 0700) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0 && rc == 0)
		rc = 1;
	return rc;
}
