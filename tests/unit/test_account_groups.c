/* test_account_groups.c - group_map's memberships (helper/account_groups.c)
 * on a scratch directory, with the machine's real groups (sudo, root,
 * nogroup).
 *
 * Proves: only pairs whose IdP group the identity holds count (byte for
 * byte), with the groups claim in every form real IdPs send it (a top-level
 * array or string, Keycloak's dotted realm_access.roles, ZITADEL's object of
 * role names, Entra's object IDs), and a claim of another type refused when
 * group_map is set; a system group (GID below UID_MIN, or 0) is refused without '!'
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
#include "shared/json.h"

static char top[] = "/tmp/oa2-test-groups.XXXXXX";
static char db[600], reg[600];

/* plan for newbob whose claims are the JSON text doc, groups in claim */
static int plan_in(const char *map, const char *doc, const char *claim,
		   struct oa2_groups_wanted *w, oa2_error *err)
{
	json_object *claims = oa2_json_parse(doc, strlen(doc), "claims", err);
	int rc;

	assert_non_null(claims);
	memset(err, 0, sizeof(*err));
	rc = oa2_account_groups_plan("newbob", map, claims, claim, w, err);
	json_object_put(claims);
	return rc;
}

static int plan(const char *map, const char *doc, struct oa2_groups_wanted *w, oa2_error *err)
{
	return plan_in(map, doc, "groups", w, err);
}

static void test_plan(void **state)
{
	static const char idp[] = "{\"groups\":[\"users\",\"Admins\",\"x:y\",7,[\"admins\"]]}";
	struct oa2_groups_wanted w;
	oa2_error err;

	(void)state;
	assert_int_equal(plan("users:nogroup admins:sudo! x:y:sudo!", idp, &w, &err), 0);
	assert_int_equal(w.n, 2); /* "admins" is not "Admins", nor in a nested array */
	assert_string_equal(w.name[0], "nogroup");
	assert_string_equal(w.name[1], "sudo"); /* the last ':' splits */
	assert_int_equal(plan("users:sudo", idp, &w, &err), -1);
	assert_non_null(strstr(err.msg, "system group"));
	assert_int_equal(plan("users:root", idp, &w, &err), -1);
	assert_int_equal(plan("users:root!", idp, &w, &err), 0);
	assert_int_equal(plan("users:oa2-no-such-group", idp, &w, &err), -1);
	assert_non_null(strstr(err.msg, "does not exist"));
	assert_int_equal(plan("users", idp, &w, &err), -1);
	assert_int_equal(plan("users:", idp, &w, &err), -1);
	assert_int_equal(plan("users:!", idp, &w, &err), -1);
	assert_int_equal(plan("users:-x", idp, &w, &err), -1);
	assert_int_equal(plan("users:newbob", idp, &w, &err), 0);
	assert_int_equal(w.n, 0); /* its own group */
	assert_int_equal(plan(NULL, idp, &w, &err), 0);
	assert_int_equal(w.n, 0);
	/* a pair the identity's groups do not hit is not looked at */
	assert_int_equal(plan("others:oa2-no-such-group", idp, &w, &err), 0);
	/* GROUP+: not looked up here, marked for creation (accounts.c) */
	assert_int_equal(plan("users:oa2-no-such-group+ Admins:nogroup", idp, &w, &err), 0);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.name[0], "oa2-no-such-group");
	assert_true(w.create[0]);
	assert_false(w.create[1]);
}

/* The forms of the groups claim real IdPs send, read as require_groups
 * reads them (shared/claim_groups.h). */
static void test_plan_claim_forms(void **state)
{
	static const char keycloak[] =
		"{\"realm_access\":{\"roles\":[\"offline_access\",\"admins\"]},"
		"\"resource_access\":{\"pam\":{\"roles\":[\"users\"]}}}";
	static const char zitadel[] =
		"{\"urn:zitadel:iam:org:project:roles\":{\"admins\":{\"2739\":\"acme.example\"},"
		"\"users\":false,\"ops\":true,\"dev\":\"2739\"}}";
	static const char entra[] =
		"{\"groups\":[\"5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b\"],\"name\":\"Admins\"}";
	struct oa2_groups_wanted w;
	oa2_error err;

	(void)state;
	/* Keycloak: a dotted path */
	assert_int_equal(plan_in("admins:sudo! users:nogroup", keycloak, "realm_access.roles", &w,
				 &err), 0);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.name[0], "sudo");
	assert_int_equal(plan_in("admins:sudo! users:nogroup", keycloak,
				 "resource_access.pam.roles", &w, &err), 0);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.name[0], "nogroup");
	/* the top-level "groups" is absent: no groups, nothing refused */
	assert_int_equal(plan("admins:sudo!", keycloak, &w, &err), 0);
	assert_int_equal(w.n, 0);
	/* ZITADEL: the member names of an object; an object or true counts,
	 * false and a string do not */
	assert_int_equal(plan_in("admins:sudo! users:nogroup ops:root! dev:nogroup", zitadel,
				 "urn:zitadel:iam:org:project:roles", &w, &err), 0);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.name[0], "sudo");
	assert_string_equal(w.name[1], "root");
	/* Entra ID: the object ID is the group; its display name is nothing */
	assert_int_equal(plan("5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b:sudo! Admins:nogroup", entra,
			      &w, &err), 0);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.name[0], "sudo");
	/* one space-separated string */
	assert_int_equal(plan("admins:sudo!", "{\"groups\":\"users admins\"}", &w, &err), 0);
	assert_int_equal(w.n, 1);
	/* a number or a boolean is no form of groups: refused with group_map
	 * set, ignored without */
	assert_int_equal(plan("admins:sudo!", "{\"groups\":42}", &w, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_DENIED);
	assert_non_null(strstr(err.msg, "claim 'groups' is a number"));
	assert_int_equal(plan_in("admins:sudo!", "{\"realm_access\":{\"roles\":true}}",
				 "realm_access.roles", &w, &err), -1);
	assert_int_equal(plan(NULL, "{\"groups\":42}", &w, &err), 0);
	assert_int_equal(w.n, 0);
}

static bool exists(const char *name)
{
	char p[700];

	snprintf(p, sizeof(p), "%s/%s", db, name);
	return access(p, F_OK) == 0;
}

static void test_apply(void **state)
{
	static const char both[] = "{\"groups\":[\"users\",\"admins\"]}";
	static const char one[] = "{\"groups\":\"admins\"}";
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
	assert_int_equal(plan("users:nogroup admins:sudo!", both, &w, &err), 0);
	assert_int_equal(oa2_account_groups(&s, "newbob", &w, &err), 0);
	assert_true(exists("newbob:nogroup.membership") && exists("newbob:sudo.membership"));
	snprintf(p, sizeof(p), "%s/newbob:sudo.membership", db);
	assert_int_equal(stat(p, &st), 0);
	assert_true(st.st_size > 0 && (st.st_mode & 0777) == 0644);
	/* "users" gone at the IdP: its membership goes at the next login */
	assert_int_equal(plan("users:nogroup admins:sudo!", one, &w, &err), 0);
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
		cmocka_unit_test(test_plan_claim_forms),
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
