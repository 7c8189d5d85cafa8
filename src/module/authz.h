/* authz.h - is this (authenticated) identity allowed in?
 *
 * require_claims: every "name=value" holds: the claim (an exact member name
 * first, then a dotted path) is a string equal to value byte for byte, a
 * boolean read as true/false, an integer read as its decimal text, or an
 * array with such a member; a missing claim fails. require_groups: the
 * groups_claim holds at least one of them; it may be an array of strings
 * (other members are skipped), one space-separated string, or an object
 * whose member names are the groups (Zitadel; a member counts when its value
 * is an object or true); any other type, or Entra ID's "overage" reference
 * (_claim_names) in place of the claim, is refused with a message saying so.
 * require_scope: every listed scope was granted. require_acr: the acr claim
 * is one of the listed values. require_amr: the amr array holds at least one
 * of the listed methods. A refusal is OA2_ERR_PERM. */
#ifndef OA2_AUTHZ_H
#define OA2_AUTHZ_H

#include <json-c/json.h>

#include "shared/config.h"
#include "shared/error.h"

/* granted_scope: the "scope" of the token response (may be NULL). */
int oa2_authz_check(const struct oa2_config *cfg, const json_object *claims,
		    const char *granted_scope, oa2_error *err);

#endif
