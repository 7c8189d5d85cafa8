/* account_groups.h - supplementary groups of created accounts from the
 * identity's IdP groups through group_map (docs/accounts.md, "Groups"):
 * nss-systemd's USER:GROUP.membership files in userdb_dir, rewritten at
 * every login, under the registry's lock. */
#ifndef OA2_ACCOUNT_GROUPS_H
#define OA2_ACCOUNT_GROUPS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "accounts.h"
#include "shared/error.h"

#define OA2_ACCOUNT_GROUPS_MAX 256 /* local groups of one account */

struct oa2_groups_wanted {
	char name[OA2_ACCOUNT_GROUPS_MAX][OA2_USER_MAX];
	bool create[OA2_ACCOUNT_GROUPS_MAX]; /* written GROUP+: created when absent */
	size_t n;
};

/* The local groups group_map ("IDPGROUP:LOCAL ...", a trailing '!' on LOCAL
 * allowing a group whose GID is below UID_MIN, or 0) gives the account name
 * for the IdP groups its verified claims hold in claim (groups_claim), read
 * as require_groups reads them (shared/claim_groups.h: an array, a
 * space-separated string or ZITADEL's object, by a dotted path too);
 * absent: none. Checked before anything is written: a claim of another
 * type is refused (OA2_ERR_DENIED) when group_map is set, a local group
 * must exist in NSS, a GID below UID_MIN without '!' is refused
 * (OA2_ERR_INTERNAL: a misconfiguration). A group written GROUP+ is not
 * looked up here: it is marked for oa2_account_make_groups (accounts.h),
 * which creates it or refuses, under the lock. */
int oa2_account_groups_plan(const char *name, const char *group_map, const json_object *claims,
			    const char *claim, struct oa2_groups_wanted *w, oa2_error *err);

/* Make name's memberships exactly w: missing ones written, others
 * removed, under the registry's lock. */
int oa2_account_groups(const struct oa2_account_store *s, const char *name,
		       const struct oa2_groups_wanted *w, oa2_error *err);

/* Remove every membership file of name (the account was removed). */
int oa2_account_groups_drop(const char *userdb_dir, const char *name, oa2_error *err);

#endif
