/* offline.h - offline console logins (opt-in: offline_cache = yes).
 *
 * After a successful online password login the module keeps, in a root-only
 * file per user under offline_dir, a salted yescrypt hash of the password
 * (libxcrypt crypt_r) with the validated claims the mapping and the policy
 * need, bound to the issuer and client_id that wrote it. When, and only
 * when, the IdP is unreachable, a console password login under that same
 * issuer and client may succeed against that entry while it is younger than
 * offline_max_age. Wrong passwords are rate-limited: after three in a row
 * each further attempt waits 30 s, doubling, up to an hour. An attempt is
 * counted under an flock on offline_dir/.USER.lock before the password is
 * checked, and refused when the count cannot be written. When the IdP
 * refuses the password online, the entry is retired. */
#ifndef OA2_OFFLINE_H
#define OA2_OFFLINE_H

#include <json-c/json.h>
#include <time.h>

#include "shared/config.h"
#include "shared/error.h"

int oa2_offline_store(const struct oa2_config *cfg, const char *user, const char *password,
		      const char *claims, const char *scope, time_t now, oa2_error *err);

/* On success *claims (owned) and *scope (owned, may be NULL) are what the
 * online login had validated. */
int oa2_offline_verify(const struct oa2_config *cfg, const char *user, const char *password,
		       time_t now, char **claims, char **scope, oa2_error *err);

/* The IdP refused this user's password: remove the entry (if any) so that a
 * revoked or changed password cannot log in offline later. 0 when there is
 * no entry any more. */
int oa2_offline_retire(const struct oa2_config *cfg, const char *user, oa2_error *err);

#endif
