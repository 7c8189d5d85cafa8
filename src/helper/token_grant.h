/* token_grant.h - grant = token: an OAuth token presented as the password.
 *
 * For services where nobody can approve a device code (scp in scripts,
 * Ansible, CI jobs, PostgreSQL). The answer to "Token for USER: " is:
 *
 *  - a JWT (three base64url parts): verified locally against the issuer's
 *    cached JWKS with the usual rules (allow-listed algorithms, no key from
 *    the token), then as an RFC 9068 access token when its "typ" is at+jwt,
 *    else as an OpenID Connect ID token ("typ" JWT or absent); its "aud" must
 *    name one of token_audience (default: client_id), its "iat" must be at
 *    most token_max_age seconds old, and with token_single_use its "jti" is
 *    accepted once (replay.h). A warm login makes no request to the IdP.
 *  - an opaque token (at least OA2_TOKEN_OPAQUE_MIN characters of RFC 6750
 *    b64token without "."): RFC 7662 introspection by a confidential client
 *    (active, client_id or aud in token_audience, exp, sub, token_max_age;
 *    an answer without iat only with token_single_use, where its one use is
 *    the first time this host sees it), then userinfo with it for the
 *    identity claims, with the same sub. A public client refuses opaque
 *    tokens.
 *  - anything else (a password typed by mistake, an empty answer, garbage):
 *    OA2_ERR_DENIED before any request, so it never leaves the host.
 *
 * With token_single_use a jti the store holds is refused here, but nothing
 * is recorded: id->use_once holds the entry (kept until the token could no
 * longer be accepted: the earlier of exp and iat + token_max_age, or exp
 * without iat, plus leeway), which the helper records once the module
 * accepted the login (main.c).
 *
 * Every refusal of the token itself is OA2_ERR_DENIED (PAM_AUTH_ERR). */
#ifndef OA2_TOKEN_GRANT_H
#define OA2_TOKEN_GRANT_H

#include <time.h>

#include "token.h"
#include "shared/config.h"
#include "shared/error.h"

#define OA2_TOKEN_OPAQUE_MIN 32

/* What the answer looks like, before anything is sent anywhere. */
enum oa2_token_shape { OA2_TOKEN_NONE, OA2_TOKEN_JWT, OA2_TOKEN_OPAQUE };
enum oa2_token_shape oa2_token_shape(const char *token);

/* Verify token into *id (claims, scope, source "id_token", "access_token" or
 * "introspection"). 0, or -1 with err. */
int oa2_token_grant(const struct oa2_config *cfg, const char *token, time_t now,
		    struct oa2_identity *id, oa2_error *err);

#endif
