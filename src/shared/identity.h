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

/* grant = token with token_single_use: the entry the helper records in the
 * replay store (helper/replay.h) once the module accepted the login. Only
 * hashes; it stays in the helper, never sent over the channel. */
#define OA2_USE_ONCE_HEX 64
struct oa2_use_once {
	int set;                          /* a record is due */
	char key[OA2_USE_ONCE_HEX + 1];   /* SHA-256 hex of issuer and jti */
	char sub[OA2_USE_ONCE_HEX + 1];   /* SHA-256 hex of issuer and sub */
	long long until;                  /* kept until then (epoch seconds) */
};

struct oa2_identity {
	char *claims;        /* owned: the verified claims, a strict JSON object as
			      * text (jscan.h); the module builds the tree it maps */
	char *scope;         /* granted scope from the token response, or NULL */
	const char *source;  /* "id_token", OA2_SOURCE_FILLED, "introspection",
			      * "userinfo", "access_token" or "offline entry" */
	struct oa2_fetched fetched; /* kept by oa2_identity_clear: a refused login
				     * logs it too */
	struct oa2_use_once use_once; /* helper only; emptied by oa2_identity_clear */
};

/* Free the claims and the scope, forget use_once; id->fetched stays. */
void oa2_identity_clear(struct oa2_identity *id);

#endif
