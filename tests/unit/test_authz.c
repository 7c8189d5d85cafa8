/* test_authz.c - claim conditions (require_claims), groups in every shape
 * providers send (array, string, Zitadel's object, Entra's overage), scope,
 * acr and amr requirements; refusals are PERM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "module/authz.h"

static struct oa2_config *new_cfg(void)
{
	struct oa2_config *cfg = calloc(1, sizeof(*cfg));

	assert_non_null(cfg);
	cfg->username_claim = strdup("preferred_username");
	cfg->groups_claim = strdup("groups");
	assert_non_null(cfg->groups_claim);
	return cfg;
}

static void set(char **field, const char *value)
{
	free(*field);
	*field = value ? strdup(value) : NULL;
}

static int run(const struct oa2_config *cfg, const char *json, const char *scope,
	       oa2_error *err)
{
	json_object *c = json_tokener_parse(json);
	int rc;

	if (c == NULL)
		fail_msg("test JSON does not parse: %s", json);
	oa2_error_clear(err);
	rc = oa2_authz_check(cfg, c, scope, err);
	json_object_put(c);
	return rc;
}

static void allowed(int line, const struct oa2_config *cfg, const char *json, const char *scope)
{
	oa2_error err = {0};

	if (run(cfg, json, scope, &err) != 0 || err.kind != OA2_OK)
		fail_msg("line %d: refused (%s) but should pass: %s", line, err.msg, json);
}

static void denied(int line, const struct oa2_config *cfg, const char *json, const char *scope,
		   const char *frag)
{
	oa2_error err = {0};

	if (run(cfg, json, scope, &err) != -1)
		fail_msg("line %d: allowed but should be refused: %s (scope %s)", line, json,
			 scope ? scope : "NULL");
	if (err.kind != OA2_ERR_PERM)
		fail_msg("line %d: refused as %s, want PERM (%s): %s", line,
			 oa2_errkind_name(err.kind), err.msg, json);
	if (strstr(err.msg, frag) == NULL)
		fail_msg("line %d: message '%s' lacks '%s': %s", line, err.msg, frag, json);
}

#define ALLOW(cfg, json, scope) allowed(__LINE__, cfg, json, scope)
#define DENY(cfg, json, scope, frag) denied(__LINE__, cfg, json, scope, frag)
#define NOGROUP "not in any required group"

static void no_requirement_allows(void **state)
{
	struct oa2_config *cfg = *state;

	ALLOW(cfg, "{\"sub\":\"a\"}", NULL);
}

static void groups_array(void **state)
{
	struct oa2_config *cfg = *state;

	set(&cfg->require_groups, "admins ops");
	ALLOW(cfg, "{\"groups\":[\"users\",\"ops\"]}", NULL);
	ALLOW(cfg, "{\"groups\":[\"admins\"]}", NULL);
	DENY(cfg, "{\"groups\":[\"users\"]}", NULL, NOGROUP " (admins ops)");
	DENY(cfg, "{\"groups\":[]}", NULL, NOGROUP);
	DENY(cfg, "{\"sub\":\"a\"}", NULL, NOGROUP);
	DENY(cfg, "{\"groups\":null}", NULL, NOGROUP);
	/* Prefixes, superstrings, case, separators inside a name: no match. */
	DENY(cfg, "{\"groups\":[\"admin\",\"op\"]}", NULL, NOGROUP);
	DENY(cfg, "{\"groups\":[\"admins2\",\"xops\",\"Ops\",\"ADMINS\"]}", NULL, NOGROUP);
	DENY(cfg, "{\"groups\":[\"admins ops\",\"ops,x\",\" ops\"]}", NULL, NOGROUP);
	DENY(cfg, "{\"groups\":[\"ops\\u0000x\"]}", NULL, NOGROUP);
	/* Non-string members are ignored, not fatal, and never match. */
	DENY(cfg, "{\"groups\":[1,{\"ops\":true},[\"ops\"],null,true]}", NULL, NOGROUP);
	ALLOW(cfg, "{\"groups\":[1,{\"x\":1},[\"admins\"],\"ops\"]}", NULL);
	/* A scalar of another type is no group list, and the refusal says so. */
	DENY(cfg, "{\"groups\":42}", NULL, NOGROUP " (admins ops): claim 'groups' is a number");
	DENY(cfg, "{\"groups\":true}", NULL, "claim 'groups' is a boolean, not an array");
	DENY(cfg, "{\"groups\":4.5}", NULL, "claim 'groups' is a number");
	DENY(cfg, "{\"groups\":{\"ops\":\"ops\"}}", NULL, NOGROUP);
	DENY(cfg, "{\"sub\":\"a\"}", NULL, "the token has no 'groups' claim");
	set(&cfg->require_groups, "admin");
	DENY(cfg, "{\"groups\":[\"admins\"]}", NULL, NOGROUP " (admin)");
	ALLOW(cfg, "{\"groups\":[\"admins\",\"admin\"]}", NULL);
}

static void groups_string(void **state)
{
	struct oa2_config *cfg = *state;

	set(&cfg->require_groups, "admins,ops");
	ALLOW(cfg, "{\"groups\":\"users ops\"}", NULL);
	ALLOW(cfg, "{\"groups\":\"  admins  \"}", NULL);
	ALLOW(cfg, "{\"groups\":\"ops\"}", NULL);
	DENY(cfg, "{\"groups\":\"users admin op\"}", NULL, NOGROUP);
	DENY(cfg, "{\"groups\":\"adminsops\"}", NULL, NOGROUP);
	DENY(cfg, "{\"groups\":\"\"}", NULL, NOGROUP);
	DENY(cfg, "{\"groups\":\"users ops\\u0000\"}", NULL, NOGROUP);
}

static void groups_dotted_path(void **state)
{
	struct oa2_config *cfg = *state;

	set(&cfg->groups_claim, "realm_access.roles");
	set(&cfg->require_groups, "admin");
	ALLOW(cfg, "{\"realm_access\":{\"roles\":[\"user\",\"admin\"]}}", NULL);
	DENY(cfg, "{\"realm_access\":{\"roles\":[\"user\"]}}", NULL, NOGROUP);
	DENY(cfg, "{\"realm_access\":{\"groups\":[\"admin\"]}}", NULL, NOGROUP);
	DENY(cfg, "{\"realm_access\":[\"admin\"]}", NULL, NOGROUP);
	DENY(cfg, "{\"roles\":[\"admin\"]}", NULL, NOGROUP);
	/* The plain "groups" claim does not count for another groups_claim. */
	DENY(cfg, "{\"groups\":[\"admin\"],\"realm_access\":{\"roles\":[]}}", NULL, NOGROUP);
}

/* Claim names with ':' and '/' (Zitadel, Auth0): the exact member name
 * first, then the dotted path. */
static void groups_claim_names_with_punctuation(void **state)
{
	struct oa2_config *cfg = *state;

	set(&cfg->groups_claim, "https://example.com/groups");
	set(&cfg->require_groups, "admins");
	ALLOW(cfg, "{\"https://example.com/groups\":[\"admins\"]}", NULL);
	DENY(cfg, "{\"https://example.com/groups\":[\"users\"]}", NULL, NOGROUP);
	DENY(cfg, "{\"groups\":[\"admins\"]}", NULL, "no 'https://example.com/groups' claim");
	/* the whole name wins over a path through "https://example" */
	DENY(cfg, "{\"https://example\":{\"com/groups\":[\"admins\"]},"
		  "\"https://example.com/groups\":[]}", NULL, NOGROUP);
	ALLOW(cfg, "{\"https://example\":{\"com/groups\":[\"admins\"]}}", NULL);
	set(&cfg->groups_claim, "resource_access.pam-client.roles");
	ALLOW(cfg, "{\"resource_access\":{\"pam-client\":{\"roles\":[\"admins\"]}}}", NULL);
	DENY(cfg, "{\"resource_access\":{\"other\":{\"roles\":[\"admins\"]}}}", NULL, NOGROUP);
}

/* Zitadel: {"role": {"orgid": "org.domain"}}; the member names are the
 * groups. A member whose value could mean "no" does not count. */
static void groups_object_keys(void **state)
{
	struct oa2_config *cfg = *state;

	set(&cfg->groups_claim, "urn:zitadel:iam:org:project:roles");
	set(&cfg->require_groups, "admins");
	ALLOW(cfg, "{\"urn:zitadel:iam:org:project:roles\":{\"admins\":{\"2349\":\"acme.zitadel."
		   "cloud\"},\"users\":{\"2349\":\"acme\"}}}", NULL);
	ALLOW(cfg, "{\"urn:zitadel:iam:org:project:roles\":{\"admins\":{}}}", NULL);
	ALLOW(cfg, "{\"urn:zitadel:iam:org:project:roles\":{\"admins\":true}}", NULL);
	DENY(cfg, "{\"urn:zitadel:iam:org:project:roles\":{\"users\":{\"2349\":\"acme\"}}}",
	     NULL, NOGROUP);
	DENY(cfg, "{\"urn:zitadel:iam:org:project:roles\":{}}", NULL, NOGROUP);
	DENY(cfg, "{\"urn:zitadel:iam:org:project:roles\":{\"admins\":false}}", NULL, NOGROUP);
	DENY(cfg, "{\"urn:zitadel:iam:org:project:roles\":{\"admins\":null}}", NULL, NOGROUP);
	DENY(cfg, "{\"urn:zitadel:iam:org:project:roles\":{\"admins\":\"no\"}}", NULL, NOGROUP);
	DENY(cfg, "{\"urn:zitadel:iam:org:project:roles\":{\"admins\":0}}", NULL, NOGROUP);
	DENY(cfg, "{\"urn:zitadel:iam:org:project:roles\":{\"Admins\":{},\"admins2\":{}}}",
	     NULL, NOGROUP);
	/* values are not group names */
	DENY(cfg, "{\"urn:zitadel:iam:org:project:roles\":{\"x\":{\"admins\":\"admins\"}}}",
	     NULL, NOGROUP);
}

/* Entra ID with too many groups: no "groups", but a reference to Graph. */
static void groups_overage_is_refused_clearly(void **state)
{
	struct oa2_config *cfg = *state;
	const char *overage = "{\"_claim_names\":{\"groups\":\"src1\"},\"_claim_sources\":"
			      "{\"src1\":{\"endpoint\":\"https://graph.windows.net/t/users/u/"
			      "getMemberObjects\"}}}";

	set(&cfg->require_groups, "admins");
	DENY(cfg, overage, NULL, "the IdP sent a groups overage reference instead of the groups "
	     "(too many groups): 'groups' is in _claim_names (source 'src1')");
	DENY(cfg, overage, NULL, "use app roles or group filtering");
	/* a reference for another claim is no overage of the groups */
	DENY(cfg, "{\"_claim_names\":{\"roles\":\"src1\"}}", NULL,
	     "the token has no 'groups' claim");
	DENY(cfg, "{\"_claim_names\":[\"groups\"]}", NULL, "the token has no 'groups' claim");
	/* the groups, when present, decide */
	ALLOW(cfg, "{\"groups\":[\"admins\"],\"_claim_names\":{\"groups\":\"src1\"}}", NULL);
	/* without require_groups, no groups are needed */
	set(&cfg->require_groups, NULL);
	ALLOW(cfg, overage, NULL);
	/* for roles as groups_claim */
	set(&cfg->groups_claim, "roles");
	set(&cfg->require_groups, "linux");
	DENY(cfg, "{\"_claim_names\":{\"roles\":7}}", NULL, "'roles' is in _claim_names "
	     "(source '?')");
}

#define COND "claim condition "

static void claims_string_bool_number(void **state)
{
	struct oa2_config *cfg = *state;

	set(&cfg->require_claims, "hd=example.com email_verified=true");
	ALLOW(cfg, "{\"hd\":\"example.com\",\"email_verified\":true}", NULL);
	DENY(cfg, "{\"hd\":\"example.org\",\"email_verified\":true}", NULL,
	     COND "'hd=example.com' not met: 'hd' is 'example.org'");
	DENY(cfg, "{\"hd\":\"example.com\",\"email_verified\":false}", NULL,
	     COND "'email_verified=true' not met: 'email_verified' is false");
	DENY(cfg, "{\"email_verified\":true}", NULL,
	     COND "'hd=example.com' not met: the token has no 'hd' claim");
	DENY(cfg, "{\"hd\":null,\"email_verified\":true}", NULL, "has no 'hd' claim");
	DENY(cfg, "{\"hd\":\"example.com\"}", NULL, "has no 'email_verified' claim");
	/* strings byte for byte: no case folding, no prefix, no NUL trick */
	DENY(cfg, "{\"hd\":\"Example.com\",\"email_verified\":true}", NULL, "'Example.com'");
	DENY(cfg, "{\"hd\":\"example.com.evil\",\"email_verified\":true}", NULL, COND);
	DENY(cfg, "{\"hd\":\"example.co\",\"email_verified\":true}", NULL, COND);
	DENY(cfg, "{\"hd\":\"example.com\\u0000x\",\"email_verified\":true}", NULL, COND);
	/* Google once sent "email_verified": "true": a string equal to the text */
	ALLOW(cfg, "{\"hd\":\"example.com\",\"email_verified\":\"true\"}", NULL);
	DENY(cfg, "{\"hd\":\"example.com\",\"email_verified\":\"True\"}", NULL, COND);
	DENY(cfg, "{\"hd\":\"example.com\",\"email_verified\":1}", NULL,
	     "'email_verified' is 1");
	DENY(cfg, "{\"hd\":\"example.com\",\"email_verified\":{}}", NULL,
	     "'email_verified' is an object");
	/* numbers as their decimal text; a fraction never matches */
	set(&cfg->require_claims, "level=3");
	ALLOW(cfg, "{\"level\":3}", NULL);
	ALLOW(cfg, "{\"level\":\"3\"}", NULL);
	DENY(cfg, "{\"level\":3.0}", NULL, "'level' is a number");
	DENY(cfg, "{\"level\":30}", NULL, "'level' is 30");
	DENY(cfg, "{\"level\":-3}", NULL, "'level' is -3");
	set(&cfg->require_claims, "big=18446744073709551615");
	ALLOW(cfg, "{\"big\":18446744073709551615}", NULL);
	DENY(cfg, "{\"big\":9223372036854775807}", NULL, COND);
	set(&cfg->require_claims, "neg=-9223372036854775808");
	ALLOW(cfg, "{\"neg\":-9223372036854775808}", NULL);
	set(&cfg->require_claims, "flag=false");
	ALLOW(cfg, "{\"flag\":false}", NULL);
	DENY(cfg, "{\"flag\":true}", NULL, "'flag' is true");
	DENY(cfg, "{\"flag\":null}", NULL, "has no 'flag' claim");
}

static void claims_arrays_paths_and_lists(void **state)
{
	struct oa2_config *cfg = *state;

	/* an array claim: the value must be one of its members */
	set(&cfg->require_claims, "amr=mfa");
	ALLOW(cfg, "{\"amr\":[\"pwd\",\"mfa\"]}", NULL);
	DENY(cfg, "{\"amr\":[\"pwd\"]}", NULL, "'amr' is an array without that value");
	DENY(cfg, "{\"amr\":[]}", NULL, "an array without that value");
	DENY(cfg, "{\"amr\":[[\"mfa\"],{\"mfa\":true}]}", NULL, "an array without");
	set(&cfg->require_claims, "ids=7");
	ALLOW(cfg, "{\"ids\":[1,7]}", NULL);
	/* names with ':' and '/', and dotted paths */
	set(&cfg->require_claims, "https://example.com/tenant=acme,org.id=42");
	ALLOW(cfg, "{\"https://example.com/tenant\":\"acme\",\"org\":{\"id\":42}}", NULL);
	DENY(cfg, "{\"https://example.com/tenant\":\"acme\",\"org\":{\"id\":43}}", NULL,
	     COND "'org.id=42' not met: 'org.id' is 43");
	DENY(cfg, "{\"https://example.com/tenant\":\"evil\",\"org\":{\"id\":42}}", NULL,
	     COND "'https://example.com/tenant=acme' not met");
	/* all must hold, in any order; the first failing one is named */
	set(&cfg->require_claims, " tid=t1 , ver=2.0 ");
	ALLOW(cfg, "{\"ver\":\"2.0\",\"tid\":\"t1\"}", NULL);
	DENY(cfg, "{\"ver\":\"1.0\",\"tid\":\"t1\"}", NULL, "'ver=2.0' not met");
	DENY(cfg, "{\"ver\":\"2.0\",\"tid\":\"t2\"}", NULL, "'tid=t1' not met: 'tid' is 't2'");
	/* a value may hold '=' (only the first one splits) */
	set(&cfg->require_claims, "x=a=b");
	ALLOW(cfg, "{\"x\":\"a=b\"}", NULL);
	DENY(cfg, "{\"x\":\"a\"}", NULL, COND "'x=a=b'");
	/* hostile values reach the message escaped */
	set(&cfg->require_claims, "hd=example.com");
	DENY(cfg, "{\"hd\":\"a\nlogin accepted\"}", NULL, "'hd' is 'a\\x0alogin accepted'");
}

/* A condition the configuration check would refuse is never "met". */
static void malformed_condition_fails_closed(void **state)
{
	struct oa2_config *cfg = *state;
	oa2_error err = {0};
	static const char *const bad[] = {"hd", "=x", "hd=", "a=b hd"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set(&cfg->require_claims, bad[i]);
		assert_int_equal(run(cfg, "{\"hd\":\"x\",\"a\":\"b\"}", NULL, &err), -1);
		assert_int_equal(err.kind, OA2_ERR_CONFIG);
	}
}

static void scope_all_of(void **state)
{
	struct oa2_config *cfg = *state;

	set(&cfg->require_scope, "openid ssh");
	ALLOW(cfg, "{}", "openid profile ssh");
	ALLOW(cfg, "{}", "ssh openid");
	DENY(cfg, "{}", "openid profile", "scope 'ssh' was not granted");
	DENY(cfg, "{}", "profile ssh", "scope 'openid' was not granted");
	DENY(cfg, "{}", "openid sshd", "scope 'ssh' was not granted");
	DENY(cfg, "{}", "openid ss", "scope 'ssh' was not granted");
	DENY(cfg, "{}", "", "scope 'openid' was not granted");
	DENY(cfg, "{}", NULL, "scope 'openid' was not granted");
	/* The scope claim of the token does not stand in for the granted scope. */
	DENY(cfg, "{\"scope\":\"openid ssh\"}", NULL, "was not granted");
}

/* A required scope longer than the internal buffer must still be required. */
static void long_required_scope_not_ignored(void **state)
{
	struct oa2_config *cfg = *state;
	char scope[200];

	memset(scope, 's', 150);
	scope[150] = '\0';
	set(&cfg->require_scope, scope);
	DENY(cfg, "{}", "openid", "was not granted");
	DENY(cfg, "{}", NULL, "was not granted");
	ALLOW(cfg, "{}", scope);
}

static void acr_one_of(void **state)
{
	struct oa2_config *cfg = *state;

	set(&cfg->require_acr, "urn:mfa gold");
	ALLOW(cfg, "{\"acr\":\"gold\"}", NULL);
	ALLOW(cfg, "{\"acr\":\"urn:mfa\"}", NULL);
	DENY(cfg, "{\"acr\":\"silver\"}", NULL, "acr 'silver' is not one of 'urn:mfa gold'");
	DENY(cfg, "{\"acr\":\"gol\"}", NULL, "acr 'gol'");
	DENY(cfg, "{\"acr\":\"urn:mfa gold\"}", NULL, "is not one of");
	DENY(cfg, "{\"acr\":\"\"}", NULL, "is not one of");
	DENY(cfg, "{}", NULL, "acr '(none)'");
	DENY(cfg, "{\"acr\":[\"gold\"]}", NULL, "acr '(none)'");
	DENY(cfg, "{\"acr\":\"gold\\u0000x\"}", NULL, "acr '(none)'");
}

static void amr_any_of(void **state)
{
	struct oa2_config *cfg = *state;

	set(&cfg->require_amr, "otp hwk");
	ALLOW(cfg, "{\"amr\":[\"pwd\",\"otp\"]}", NULL);
	ALLOW(cfg, "{\"amr\":[\"hwk\"]}", NULL);
	DENY(cfg, "{\"amr\":[\"pwd\"]}", NULL, "no authentication method of 'otp hwk'");
	DENY(cfg, "{\"amr\":[\"otpx\",\"hw\"]}", NULL, "no authentication method");
	DENY(cfg, "{\"amr\":[]}", NULL, "no authentication method");
	DENY(cfg, "{}", NULL, "no authentication method");
	/* amr is an array (RFC 8176); a string is refused even when it matches. */
	DENY(cfg, "{\"amr\":\"otp\"}", NULL, "no authentication method");
	DENY(cfg, "{\"amr\":\"pwd otp\"}", NULL, "no authentication method");
	DENY(cfg, "{\"amr\":[1,true,[\"otp\"]]}", NULL, "no authentication method");
}

static void every_requirement_applies(void **state)
{
	struct oa2_config *cfg = *state;
	const char *good = "{\"groups\":[\"ops\"],\"acr\":\"gold\",\"amr\":[\"otp\"]}";

	set(&cfg->require_groups, "ops");
	set(&cfg->require_scope, "ssh");
	set(&cfg->require_acr, "gold");
	set(&cfg->require_amr, "otp");
	set(&cfg->require_claims, "acr=gold");
	ALLOW(cfg, good, "ssh");
	set(&cfg->require_claims, "acr=silver");
	DENY(cfg, good, "ssh", "'acr=silver' not met");
	set(&cfg->require_claims, NULL);
	DENY(cfg, good, "openid", "scope 'ssh'");
	DENY(cfg, "{\"groups\":[\"ops\"],\"acr\":\"gold\",\"amr\":[\"pwd\"]}", "ssh",
	     "no authentication method");
	DENY(cfg, "{\"groups\":[\"ops\"],\"acr\":\"bronze\",\"amr\":[\"otp\"]}", "ssh",
	     "acr 'bronze'");
	DENY(cfg, "{\"groups\":[\"dev\"],\"acr\":\"gold\",\"amr\":[\"otp\"]}", "ssh", NOGROUP);
}

static int cfg_new(void **state)
{
	*state = new_cfg();
	return 0;
}

static int cfg_free(void **state)
{
	oa2_config_free(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(no_requirement_allows, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(groups_array, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(groups_string, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(groups_dotted_path, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(groups_claim_names_with_punctuation, cfg_new,
						cfg_free),
		cmocka_unit_test_setup_teardown(groups_object_keys, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(groups_overage_is_refused_clearly, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(claims_string_bool_number, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(claims_arrays_paths_and_lists, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(malformed_condition_fails_closed, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(scope_all_of, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(long_required_scope_not_ignored, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(acr_one_of, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(amr_any_of, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(every_requirement_applies, cfg_new, cfg_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
