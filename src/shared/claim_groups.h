/* claim_groups.h - the IdP groups an identity's claims name, read one way
 * for require_groups (the module, authz.c) and group_map (the helper,
 * account_step.c), so that the same token never means two sets of groups.
 *
 * The claim is looked up as json.h's oa2_json_path does: a member of the
 * whole name first ("https://example.com/groups"), then a dotted path
 * through nested objects (Keycloak's "realm_access.roles"). Its value may
 * be
 *   - an array: its string members are the groups; members of other types
 *     (numbers, arrays, objects) are never group names and are skipped;
 *   - a string: its space-separated words;
 *   - an object whose member names are the groups (ZITADEL's
 *     "urn:zitadel:iam:org:project:roles": {"admins": {"ORGID": "domain"}});
 *     a member counts when its value is an object or true (false, null,
 *     strings and numbers could mean "not a member": skipped).
 * Strings holding \u0000 are skipped (they could compare equal to another
 * name in C). Group names are compared byte for byte by the callers: Entra
 * ID's groups claim holds object IDs, which is what must be written. */
#ifndef OA2_CLAIM_GROUPS_H
#define OA2_CLAIM_GROUPS_H

#include <json-c/json.h>
#include <stddef.h>

/* Called once per group (name[0..len), not NUL-terminated); a non-zero
 * return ends the walk. */
typedef int (*oa2_group_fn)(const char *name, size_t len, void *arg);

/* Walk the groups of claim in claims. 0: the claim has one of the forms
 * above (fn was called for its groups, perhaps none); 1: absent or JSON
 * null; -1: another type (a number, a boolean), whose name is put in *type
 * when type is not NULL. */
int oa2_claim_groups(const json_object *claims, const char *claim, oa2_group_fn fn, void *arg,
		     const char **type);

#endif
