/* identity.h - the verified identity a login ends with: what the helper
 * hands the module over the channel (ipc.h) and the module maps and checks.
 * Filled by the token validation (helper/token.h). */
#ifndef OA2_IDENTITY_H
#define OA2_IDENTITY_H

#include "error.h"

/* What validating a login's token fetched, for its log lines. */
struct oa2_fetched {
	int jwks;            /* the JWKS came from jwks_uri in this login, not the cache */
	oa2_error cache_err; /* a document fetched in this login (discovery, JWKS) that
			      * could not be written to the cache: the login goes on,
			      * online.c logs it */
};

/* The source of an ID token whose user-name or groups claim came from
 * userinfo (claims_source = auto, helper/claims_fill.h). */
#define OA2_SOURCE_FILLED "id_token+userinfo"

struct oa2_identity {
	char *claims;        /* owned: the verified claims, a strict JSON object as
			      * text (jscan.h); the module builds the tree it maps */
	char *scope;         /* granted scope from the token response, or NULL */
	const char *source;  /* "id_token", OA2_SOURCE_FILLED, "introspection",
			      * "userinfo", "access_token" or "offline entry" */
	struct oa2_fetched fetched; /* kept by oa2_identity_clear: a refused login
				     * logs it too */
};

/* Free the claims and the scope; id->fetched stays. */
void oa2_identity_clear(struct oa2_identity *id);

#endif
