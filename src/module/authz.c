/* authz.c - claim conditions, groups, scope, acr and amr requirements. */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "shared/claim_groups.h"
#include "shared/json.h"
#include "shared/strutil.h"

/* A group of the token (claim_groups.h) that is a word of wanted[0] ends
 * the walk, noted in wanted[1]. */
static int wanted_group(const char *group, size_t len, void *arg)
{
	const char **wanted = arg;

	if (!oa2_list_contains_n(wanted[0], group, len))
		return 0;
	wanted[1] = group;
	return 1;
}

/* Entra ID's "groups overage": too many groups, so the token names a
 * source to fetch them from (_claim_names / _claim_sources) instead of
 * holding them. The module follows no such reference: say so. */
static int refuse_overage(const json_object *claims, const char *name, oa2_error *err)
{
	json_object *names = NULL;
	const char *source = NULL;

	if (oa2_json_object(claims, "_claim_names", &names) != 0 ||
	    !json_object_object_get_ex(names, name, NULL))
		return 0;
	if (oa2_json_string(names, name, &source) != 0)
		source = "?";
	return oa2_fail(err, OA2_ERR_PERM,
			"the IdP sent a groups overage reference instead of the groups (too many "
			"groups): '%.64s' is in _claim_names (source '%.64s'), not in the token; "
			"use app roles or group filtering",
			name, source);
}

/* Is the user in one of cfg->require_groups? 0 yes, -1 (err) no. */
static int check_groups(const struct oa2_config *cfg, const json_object *claims, oa2_error *err)
{
	const char *name = cfg->groups_claim, *want = cfg->require_groups, *type = "?";
	const char *found[2] = {want, NULL};
	int k = oa2_claim_groups(claims, name, wanted_group, found, &type);

	if (k == 1) {
		if (refuse_overage(claims, name, err) != 0)
			return -1;
		return oa2_fail(err, OA2_ERR_PERM,
				"not in any required group (%.100s): the token has no '%.64s' claim",
				want, name);
	}
	if (k < 0)
		return oa2_fail(err, OA2_ERR_PERM,
				"not in any required group (%.100s): claim '%.64s' is %s, not an "
				"array, a string or an object of groups",
				want, name, type);
	if (found[1] != NULL)
		return 0;
	return oa2_fail(err, OA2_ERR_PERM, "not in any required group (%.100s)", want);
}

/* Does a scalar claim read as value? Strings byte for byte, booleans as
 * "true"/"false", integers as their decimal text; a number with a fraction,
 * null, arrays and objects never. */
static bool scalar_is(const json_object *v, const char *value)
{
	char num[32];
	int64_t i;

	switch (json_object_get_type(v)) {
	case json_type_string:
		return oa2_json_is_clean_string(v) &&
		       strcmp(json_object_get_string((json_object *)v), value) == 0;
	case json_type_boolean:
		return strcmp(value, json_object_get_boolean(v) ? "true" : "false") == 0;
	case json_type_int:
		i = json_object_get_int64(v);
		if (i == INT64_MAX) /* saturated: the value may be a larger uint64 */
			snprintf(num, sizeof(num), "%" PRIu64, json_object_get_uint64(v));
		else
			snprintf(num, sizeof(num), "%" PRId64, i);
		return strcmp(num, value) == 0;
	default:
		return false;
	}
}

/* A claim's value for a message: 'text', true, 42, or its type. */
static const char *describe(const json_object *v, char *buf, size_t len)
{
	if (oa2_json_is_clean_string(v))
		snprintf(buf, len, "'%.100s'", json_object_get_string((json_object *)v));
	else if (json_object_is_type(v, json_type_boolean))
		snprintf(buf, len, "%s", json_object_get_boolean(v) ? "true" : "false");
	else if (json_object_is_type(v, json_type_int))
		snprintf(buf, len, "%" PRId64, json_object_get_int64(v));
	else
		snprintf(buf, len, "%s", oa2_json_type_name(v));
	return buf;
}

/* Check one "name=value" condition (n bytes at cond). */
static int check_condition(const json_object *claims, const char *cond, size_t n,
			   oa2_error *err)
{
	char *name = strndup(cond, n), *value;
	char shown[128];
	json_object *v;
	int rc = -1;

	if (name == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	value = strchr(name, '=');
	if (value == NULL || value == name || value[1] == '\0') {
		oa2_fail(err, OA2_ERR_CONFIG, "require_claims: '%.100s' is not name=value", name);
		goto out;
	}
	*value++ = '\0';
	v = oa2_json_path(claims, name);
	if (v == NULL) {
		oa2_fail(err, OA2_ERR_PERM, "claim condition '%.100s=%.100s' not met: the token "
			 "has no '%.100s' claim", name, value, name);
		goto out;
	}
	if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			if (scalar_is(json_object_array_get_idx(v, i), value)) {
				rc = 0;
				goto out;
			}
		}
		oa2_fail(err, OA2_ERR_PERM, "claim condition '%.100s=%.100s' not met: '%.100s' is "
			 "an array without that value", name, value, name);
		goto out;
	}
	if (scalar_is(v, value)) {
		rc = 0;
		goto out;
	}
	oa2_fail(err, OA2_ERR_PERM, "claim condition '%.100s=%.100s' not met: '%.100s' is %s", name,
		 value, name, describe(v, shown, sizeof(shown)));
out:
	free(name);
	return rc;
}

static int check_conditions(const char *list, const json_object *claims, oa2_error *err)
{
	const char *p = list, *cond;
	size_t n;

	while (oa2_list_next(&p, OA2_LIST_SEPS, &cond, &n)) {
		if (check_condition(claims, cond, n, err) != 0)
			return -1;
	}
	return 0;
}

/* Every scope in required must be in granted; the first one missing is
 * copied (possibly shortened) to missing for the message. */
static int all_scopes_granted(const char *granted, const char *required, char *missing,
			      size_t len)
{
	const char *p = required, *scope;
	size_t n;

	while (oa2_list_next(&p, OA2_LIST_SEPS, &scope, &n)) {
		if (granted == NULL || !oa2_list_contains_n(granted, scope, n)) {
			snprintf(missing, len, "%.*s", (int)(n < len ? n : len - 1), scope);
			return 0;
		}
	}
	return 1;
}

int oa2_authz_check(const struct oa2_config *cfg, const json_object *claims,
		    const char *granted_scope, oa2_error *err)
{
	char missing[128];
	const char *acr = NULL;

	if (cfg->require_claims != NULL && check_conditions(cfg->require_claims, claims, err) != 0)
		return -1;
	if (cfg->require_groups != NULL && check_groups(cfg, claims, err) != 0)
		return -1;
	if (cfg->require_scope != NULL &&
	    !all_scopes_granted(granted_scope, cfg->require_scope, missing, sizeof(missing)))
		return oa2_fail(err, OA2_ERR_PERM, "scope '%s' was not granted", missing);
	if (cfg->require_acr != NULL) {
		if (oa2_json_string(claims, "acr", &acr) != 0 ||
		    !oa2_list_contains(cfg->require_acr, acr))
			return oa2_fail(err, OA2_ERR_PERM, "acr '%.60s' is not one of '%.100s'",
					acr ? acr : "(none)", cfg->require_acr);
	}
	if (cfg->require_amr != NULL) {
		json_object *amr = NULL;
		const char *found[2] = {cfg->require_amr, NULL};

		/* amr is an array (RFC 8176): a string does not count; its
		 * string members are read as the groups of an array are */
		if (oa2_json_array(claims, "amr", &amr) != 0 ||
		    oa2_claim_groups(claims, "amr", wanted_group, found, NULL) != 0 ||
		    found[1] == NULL)
			return oa2_fail(err, OA2_ERR_PERM, "no authentication method of '%.100s' in amr",
					cfg->require_amr);
	}
	return 0;
}
