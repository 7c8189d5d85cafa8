/* password_grant.h - OAuth 2.0 Resource Owner Password Credentials grant
 * (RFC 6749 section 4.3), for consoles the administrator trusts.
 *
 * Sends username and password with client authentication to the token
 * endpoint. invalid_grant is a refused password (OA2_ERR_CREDENTIALS, which
 * try_first_pass answers by asking once); any other refusal
 * oa2_oauth_refused calls one is a refused identity (OA2_ERR_DENIED). Both
 * retire the user's offline entry; an unreachable IdP is OA2_ERR_UNAVAIL.
 * The password is never logged; the
 * request body holding it is wiped. */
#ifndef OA2_PASSWORD_GRANT_H
#define OA2_PASSWORD_GRANT_H

#include <stddef.h>

#include "discovery.h"
#include "http.h"
#include "shared/config.h"
#include "shared/error.h"

int oa2_password_grant(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		       oa2_http *http, const char *username, const char *password, char **token,
		       size_t *len, oa2_error *err);

#endif
