/* claims.h - the checks every identity claim set must pass.
 *
 * For an ID token (OIDC Core 3.1.3.7 / RFC 7519): iss equals the configured
 * issuer exactly (two narrow exceptions: Google's scheme-less iss, and the
 * tenant's own issuer under a multi-tenant template, both below); aud is,
 * or contains, client_id; azp, when present, equals client_id, and must be
 * present when aud has several values; exp is in the future, nbf and iat are
 * not, each within leeway; sub is a non-empty string. For an RFC 7662
 * introspection answer: active is true, the token belongs to this client, it
 * has not expired and its iss, if given, is the issuer. Every claim read is
 * type-checked. The claims are read in place (jscan.h): the helper checks
 * the text it then hands to the module. */
#ifndef OA2_CLAIMS_H
#define OA2_CLAIMS_H

#include <stdbool.h>
#include <stdint.h>

#include "shared/error.h"
#include "shared/jscan.h"

struct oa2_claims_policy {
	const char *issuer;
	const char *client_id;
	int64_t now;
	int leeway;
	/* A multi-tenant issuer template holding "{tenantid}" (discovery.h), or
	 * NULL: iss must then equal it with the token's tid in its place. */
	const char *tenant_issuer;
};

/* The Google exception: with exactly this configured issuer, an iss of
 * "accounts.google.com" (no scheme, as Google sends in some ID tokens) is
 * taken as it. No other issuer gets any such latitude. */
#define OA2_GOOGLE_ISSUER "https://accounts.google.com"

/* True for a tenant id as Entra ID writes it: a GUID in lower-case hex,
 * 8-4-4-4-12. */
bool oa2_claims_tenant_id_valid(const char *tid);

int oa2_claims_check_id_token(oa2_jobj *claims, const struct oa2_claims_policy *p,
			      oa2_error *err);

/* An RFC 9068 access token: as an ID token, with p->client_id standing for
 * the audience the token must name, but no azp rule; client_id and jti
 * must be present. */
int oa2_claims_check_access_token(oa2_jobj *claims, const struct oa2_claims_policy *p,
				  oa2_error *err);

int oa2_claims_check_introspection(oa2_jobj *resp, const struct oa2_claims_policy *p,
				   oa2_error *err);

/* The validated sub (borrowed), or NULL. */
const char *oa2_claims_sub(oa2_jobj *claims);

#endif
