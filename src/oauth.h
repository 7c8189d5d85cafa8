/* oauth.h - the OAuth 2.0 client side shared by every grant: POST a form to
 * an IdP endpoint with client authentication (RFC 6749 2.3: HTTP Basic by
 * default, client_secret_post on request, client_id alone for a public
 * client) and read OAuth error answers (RFC 6749 5.2). */
#ifndef OA2_OAUTH_H
#define OA2_OAUTH_H

#include <stddef.h>

#include "config.h"
#include "error.h"
#include "http.h"

/* POST *form (already holding the grant's own fields) to url, adding client
 * authentication. *form is wiped and freed. */
int oa2_oauth_post(const struct oa2_config *cfg, oa2_http *http, const char *url, char **form,
		   struct oa2_http_response *resp, oa2_error *err);

/* An OAuth error answer (RFC 6749 5.2): the "error" code and a printable
 * description. */
struct oa2_oauth_refusal {
	char code[64];
	char desc[160];
};

/* POST *form to the token endpoint with client authentication. Returns 0
 * with the 200 answer moved into *token / *len; 1 when the IdP refused
 * with HTTP 400/401 (why holds its error); -1 when the IdP could not be
 * asked or answered anything else (err: OA2_ERR_UNAVAIL). *form is wiped
 * and freed. */
int oa2_oauth_token_request(const struct oa2_config *cfg, oa2_http *http, const char *url,
			    char **form, char **token, size_t *len,
			    struct oa2_oauth_refusal *why, oa2_error *err);

/* For a non-2xx answer: copy its "error" code (or "" when there is none)
 * and a printable description into the buffers. */
void oa2_oauth_error(const struct oa2_http_response *resp, char *code, size_t codelen,
		     char *desc, size_t desclen);

#endif
