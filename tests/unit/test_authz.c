/* test_authz.c - groups, scope, acr and amr requirements; refusals are PERM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"

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
	/* A scalar of another type is no group list. */
	DENY(cfg, "{\"groups\":42}", NULL, NOGROUP);
	DENY(cfg, "{\"groups\":{\"ops\":\"ops\"}}", NULL, NOGROUP);
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
	ALLOW(cfg, good, "ssh");
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
		cmocka_unit_test_setup_teardown(scope_all_of, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(long_required_scope_not_ignored, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(acr_one_of, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(amr_any_of, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(every_requirement_applies, cfg_new, cfg_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
