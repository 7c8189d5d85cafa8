/* claims_fill.h - claims_source = auto: what a thin ID token lacks, from
 * userinfo.
 *
 * Some IdPs sign only a few claims into the ID token and answer the rest at
 * the userinfo endpoint (GitLab: no preferred_username; Okta's org server:
 * no groups). With claims_source = auto the helper then asks userinfo once,
 * requires the same sub, and takes from it only the claims the
 * configuration names for the user name and the groups, and only those the
 * ID token does not carry: a member of the signed ID token is never
 * replaced, completed or shadowed by userinfo. Every other claim (iss, aud,
 * acr, amr, require_claims ...) is the ID token's alone. */
#ifndef OA2_CLAIMS_FILL_H
#define OA2_CLAIMS_FILL_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/error.h"
#include "shared/jscan.h"

/* True when claims carries nothing for the claim name as the module looks
 * it up (json.h oa2_json_path): neither a member of that whole name nor,
 * for a dotted name, a member named like its first segment; and that name
 * is not announced in "_claim_names" as held elsewhere (OIDC Core 5.6.2
 * aggregated and distributed claims, Entra's groups overage: the module
 * does not fetch those, and userinfo is not where they are). JSON null
 * counts as absent. */
bool oa2_claims_lack(const oa2_jobj *claims, const char *name);

/* The ID token's claim text (idc, a JSON object) with, for each of the
 * nnames claim names it lacks (oa2_claims_lack), the member userinfo (info,
 * a JSON object) has for it appended as userinfo wrote it. *out is a new
 * malloc'd JSON object text, checked by the strict scanner; *added counts
 * the members taken. -1 with err on malformed input or out of memory. */
int oa2_claims_fill(const char *idc, const char *info, const char *const *names, size_t nnames,
		    char **out, size_t *added, oa2_error *err);

#endif
