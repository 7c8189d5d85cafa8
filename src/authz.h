/* authz.h - is this (authenticated) identity allowed in?
 *
 * require_groups: the groups_claim (an array of strings or one space-
 * separated string; dotted paths allowed) holds at least one of them.
 * require_scope: every listed scope was granted. require_acr: the acr claim
 * is one of the listed values. require_amr: the amr array holds at least one
 * of the listed methods. A refusal is OA2_ERR_PERM. */
#ifndef OA2_AUTHZ_H
#define OA2_AUTHZ_H

#include <json-c/json.h>

#include "config.h"
#include "error.h"

/* granted_scope: the "scope" of the token response (may be NULL). */
int oa2_authz_check(const struct oa2_config *cfg, const json_object *claims,
		    const char *granted_scope, oa2_error *err);

#endif
