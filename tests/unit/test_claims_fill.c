/* test_claims_fill.c - claims_source = auto: a thin ID token completed
 * from userinfo, never overridden by it (helper/claims_fill.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "helper/claims_fill.h"

/* GitLab: the ID token has sub, email and groups_direct; userinfo also has
 * the user name and the inherited groups. */
#define GITLAB_ID "{\"iss\":\"https://gitlab.example\",\"sub\":\"42\",\"email\":\"a@x\"," \
		  "\"groups_direct\":[\"corp/admins\"]}"
#define GITLAB_INFO "{\"sub\":\"42\",\"preferred_username\":\"alice\",\"email\":\"evil@x\"," \
		    "\"iss\":\"https://evil\",\"groups\":[\"corp\",\"corp/admins\"]}"

static char *fill(const char *id, const char *info, const char *a, const char *b,
		  size_t *added)
{
	const char *names[2] = {a, b};
	oa2_error err = {0};
	char *out = NULL;

	if (oa2_claims_fill(id, info, names, 2, &out, added, &err) != 0)
		fail_msg("refused: %s", err.msg);
	return out;
}

static void takes_only_the_lacking_claims(void **state)
{
	size_t added;
	char *out;

	(void)state;
	out = fill(GITLAB_ID, GITLAB_INFO, "preferred_username", "groups", &added);
	assert_int_equal(added, 2);
	assert_string_equal(out, "{\"iss\":\"https://gitlab.example\",\"sub\":\"42\",\"email\":\"a@x\","
				 "\"groups_direct\":[\"corp/admins\"],\"preferred_username\":\"alice\","
				 "\"groups\":[\"corp\",\"corp/admins\"]}");
	free(out);
	/* the ID token's groups_direct and email stay the ID token's */
	out = fill(GITLAB_ID, GITLAB_INFO, "email", "groups_direct", &added);
	assert_int_equal(added, 0);
	assert_string_equal(out, GITLAB_ID);
	free(out);
	/* iss is never asked for, and a name userinfo lacks adds nothing */
	out = fill(GITLAB_ID, GITLAB_INFO, "nickname", NULL, &added);
	assert_int_equal(added, 0);
	assert_string_equal(out, GITLAB_ID);
	free(out);
}

/* A dotted name: the ID token's member of its first segment is never
 * completed from userinfo, even when it lacks the path. */
static void dotted_names_by_first_member(void **state)
{
	const char *id = "{\"sub\":\"1\",\"realm_access\":{\"roles\":[]}}";
	const char *info = "{\"sub\":\"1\",\"realm_access\":{\"roles\":[\"admins\"]},"
			   "\"resource_access\":{\"c\":{\"roles\":[\"x\"]}}}";
	size_t added;
	char *out;

	(void)state;
	out = fill(id, info, "realm_access.roles", "resource_access.c.roles", &added);
	assert_int_equal(added, 1);
	assert_string_equal(out, "{\"sub\":\"1\",\"realm_access\":{\"roles\":[]},"
				 "\"resource_access\":{\"c\":{\"roles\":[\"x\"]}}}");
	free(out);
	/* two names on the same member: taken once */
	out = fill("{\"sub\":\"1\"}", info, "realm_access.roles", "realm_access.x", &added);
	assert_int_equal(added, 1);
	assert_string_equal(out, "{\"sub\":\"1\",\"realm_access\":{\"roles\":[\"admins\"]}}");
	free(out);
	/* a whole name with dots and quotes, as written */
	out = fill("{\"sub\":\"1\"}", "{\"sub\":\"1\",\"https://ex.com/g\\\"\":[\"a\"]}",
		   "https://ex.com/g\"", NULL, &added);
	assert_int_equal(added, 1);
	assert_string_equal(out, "{\"sub\":\"1\",\"https://ex.com/g\\\"\":[\"a\"]}");
	free(out);
}

static void lack_rules(void **state)
{
	const char *id = "{\"sub\":\"1\",\"a\":null,\"b\":{\"c\":1},\"d.e\":2}";
	oa2_jobj o;

	(void)state;
	assert_int_equal(oa2_jscan_object(&o, id, strlen(id), "t", NULL), 0);
	assert_true(oa2_claims_lack(&o, "a"));  /* null is absent */
	assert_true(oa2_claims_lack(&o, "x"));
	assert_false(oa2_claims_lack(&o, "b"));
	assert_false(oa2_claims_lack(&o, "b.c"));
	assert_false(oa2_claims_lack(&o, "b.z")); /* b is the ID token's */
	assert_false(oa2_claims_lack(&o, "d.e"));
	assert_true(oa2_claims_lack(&o, "x.y"));
	oa2_jobj_clear(&o);
	/* Entra's groups overage: groups held elsewhere, not lacking */
	id = "{\"sub\":\"1\",\"_claim_names\":{\"groups\":\"src1\"},\"_claim_sources\":{}}";
	assert_int_equal(oa2_jscan_object(&o, id, strlen(id), "t", NULL), 0);
	assert_false(oa2_claims_lack(&o, "groups"));
	assert_false(oa2_claims_lack(&o, "groups.x"));
	assert_true(oa2_claims_lack(&o, "roles"));
	oa2_jobj_clear(&o);
}

/* A member null in the ID token may come from userinfo; an empty ID
 * token object gets no leading comma; bad input is refused. */
static void edges(void **state)
{
	const char *names[1] = {"a"};
	oa2_error err = {0};
	size_t added;
	char *out;

	(void)state;
	out = fill("{}", "{\"sub\":\"1\",\"a\":\"x\"}", "a", NULL, &added);
	assert_string_equal(out, "{\"a\":\"x\"}");
	free(out);
	/* "a": null in the ID token counts as absent, but the member exists:
	 * never a second member of the same name */
	out = fill("{\"a\":null}", "{\"a\":\"x\"}", "a", NULL, &added);
	assert_int_equal(added, 0);
	assert_string_equal(out, "{\"a\":null}");
	free(out);
	assert_int_equal(oa2_claims_fill("{\"a\":1", "{}", names, 1, &out, &added, &err), -1);
	assert_null(out);
	assert_int_equal(oa2_claims_fill("{}", "[1]", names, 1, &out, &added, &err), -1);
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(takes_only_the_lacking_claims),
		cmocka_unit_test(dotted_names_by_first_member),
		cmocka_unit_test(lack_rules),
		cmocka_unit_test(edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
