/* usermap.h - from validated claims to a local Unix account.
 *
 * The identity is the username_claim (dotted paths allowed). An exact entry
 * in user_map_file wins; with user_map_only an identity not in the file is
 * refused, otherwise a configured "@domain" suffix is removed and, when
 * asked, ASCII letters are lower-cased. The result must be a plausible user
 * name (no white space, slash, control or non-ASCII byte, no leading '-' or
 * '.'), an existing account (getpwnam_r), not uid 0 unless allow_root is set,
 * and otherwise not a system account: no uid below min_uid, never nobody
 * (65534). Nothing else is folded or normalised. */
#ifndef OA2_USERMAP_H
#define OA2_USERMAP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "shared/config.h"
#include "shared/error.h"
#include "shared/username.h"

/* Map claims to a local user name, written to out (OA2_USER_MAX bytes). */
int oa2_usermap_resolve(const struct oa2_config *cfg, const json_object *claims, char *out,
			oa2_error *err);

/* The same for a login, with accounts = create (docs/accounts.md): a mapped
 * name no NSS source knows passes when it is a valid name (never "." or
 * "..") and the identity (the username_claim value as the IdP sent it)
 * matches a new_users pattern; *is_new then says the account is still to be
 * made (by the helper, which checks again). Names NSS knows keep the rules
 * above. is_new NULL: as oa2_usermap_resolve. */
int oa2_usermap_resolve_login(const struct oa2_config *cfg, const json_object *claims,
			      char *out, bool *is_new, oa2_error *err);

/* The UID libnss_oauth2 reserved for name in this process's lookup (sshd,
 * before PAM: the session runs with it), or 0 when NSS gives no
 * reservation. */
unsigned long oa2_usermap_reserved_uid(const char *name);

/* Check that name is an existing account acceptable to log into (uid 0 only
 * with allow_root, no other uid below min_uid, never 65534). Used again by
 * pam_sm_acct_mgmt. */
int oa2_usermap_account_ok(const struct oa2_config *cfg, const char *name, oa2_error *err);

#endif
