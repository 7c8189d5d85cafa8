/* authz.c - groups, scope, acr and amr requirements. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "authz.h"
#include "json.h"
#include "strutil.h"

/* Does the claim (array of strings, or a space-separated string) hold any
 * word of wanted? */
static int claim_has_any(const json_object *claims, const char *path, const char *wanted)
{
	json_object *v = oa2_json_path(claims, path);

	if (v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);

		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(v, i);

			if (oa2_json_is_clean_string(e) &&
			    oa2_list_contains(wanted, json_object_get_string(e)))
				return 1;
		}
		return 0;
	}
	if (oa2_json_is_clean_string(v)) {
		const char *p = json_object_get_string(v), *word;
		size_t n;

		while (oa2_list_next(&p, " ", &word, &n)) {
			if (oa2_list_contains_n(wanted, word, n))
				return 1;
		}
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

	if (cfg->require_groups != NULL &&
	    !claim_has_any(claims, cfg->groups_claim, cfg->require_groups))
		return oa2_fail(err, OA2_ERR_PERM, "not in any required group (%.100s)",
				cfg->require_groups);
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

		if (oa2_json_array(claims, "amr", &amr) != 0 ||
		    !claim_has_any(claims, "amr", cfg->require_amr))
			return oa2_fail(err, OA2_ERR_PERM, "no authentication method of '%.100s' in amr",
					cfg->require_amr);
	}
	return 0;
}
