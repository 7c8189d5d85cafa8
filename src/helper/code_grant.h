/* code_grant.h - OAuth 2.0 authorization code grant (RFC 6749 4.1) with PKCE
 * (RFC 7636, S256 only), for a person at a terminal whose IdP blocks the
 * device grant.
 *
 * The grant makes a fresh code_verifier, state and nonce, shows the
 * authorization URL (and a QR code of it when it fits), and asks the user to
 * paste what the IdP sent them to redirect_uri: either the bare code or the
 * whole address. A pasted address must carry this login's state and no
 * error; a bare code is bound to this login by PKCE (only this login's
 * verifier can redeem it). The code is exchanged at the token endpoint with
 * the verifier and client authentication; the caller validates the token
 * answer and then checks the ID token's nonce (oa2_code_nonce_ok). */
#ifndef OA2_CODE_GRANT_H
#define OA2_CODE_GRANT_H

#include <json-c/json.h>
#include <stddef.h>

#include "discovery.h"
#include "http.h"
#include "shared/config.h"
#include "shared/error.h"
#include "shared/ui.h"

/* Longest pasted answer accepted (Entra ID codes run past 1000 characters). */
#define OA2_CODE_ANSWER_MAX 8192

/* The secrets of one authorization request. */
struct oa2_code_request {
	char verifier[64]; /* 43 base64url characters (32 random bytes) */
	char state[32];    /* 22 base64url characters (16 random bytes) */
	char nonce[32];    /* 22 base64url characters */
	char *url;         /* the authorization URL to open (malloc'd) */
};

/* Fresh verifier, state and nonce, and the authorization URL. */
int oa2_code_request_new(const struct oa2_config *cfg, const struct oa2_discovery *disc,
			 struct oa2_code_request *req, oa2_error *err);

/* Wipe the secrets, free the URL. NULL is allowed. */
void oa2_code_request_clear(struct oa2_code_request *req);

/* From what the user pasted to the code: a bare code, or an address (or its
 * query part) with code and state parameters. An address's state must equal
 * state; an error parameter is the IdP's refusal (access_denied: denied).
 * *code is malloc'd (a secret: wipe it). Returns 0 or -1 with err
 * (OA2_ERR_DENIED for a refusal, a state mismatch or an answer that is
 * neither). */
int oa2_code_answer_parse(const char *answer, const char *state, char **code, oa2_error *err);

/* The whole grant. On success *token holds the token endpoint's JSON
 * answer and req the request's secrets (the caller checks the nonce, then
 * clears req). */
int oa2_code_grant(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		   oa2_http *http, const struct oa2_ui *ui, struct oa2_code_request *req,
		   char **token, size_t *len, oa2_error *err);

/* The validated ID token claims (JSON text) carry this login's nonce. */
int oa2_code_nonce_ok(const char *claims, const struct oa2_code_request *req, oa2_error *err);

#endif
