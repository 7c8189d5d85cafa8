/* oauth.h - the OAuth 2.0 client side shared by every grant: POST a form to
 * an IdP endpoint with client authentication (RFC 6749 2.3: HTTP Basic by
 * default, client_secret_post on request, client_id alone for a public
 * client) and read OAuth error answers (RFC 6749 5.2). */
#ifndef OA2_OAUTH_H
#define OA2_OAUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "shared/config.h"
#include "shared/error.h"

/* POST *form (already holding the grant's own fields) to url, adding client
 * authentication. *form is wiped and freed. */
int oa2_oauth_post(const struct oa2_config *cfg, oa2_http *http, const char *url, char **form,
		   struct oa2_http_response *resp, oa2_error *err);

/* The same; id_in_body puts client_id into the form also when the client
 * authenticates with HTTP Basic (the device authorization request: Dex and
 * authentik read client_id from the body only). RFC 6749 2.3.1 lets a
 * client name itself there; it is not a second way of authenticating, the
 * secret still travels only in the Authorization header. The token
 * requests need no copy: authentik's token endpoint reads HTTP Basic first
 * (providers/oauth2/utils.py extract_client_auth), Dex's too for the
 * password grant and authenticates no client at all on device-code polls
 * (server/deviceflowhandlers.go handleDeviceToken). */
int oa2_oauth_post_as(const struct oa2_config *cfg, oa2_http *http, const char *url,
		      bool id_in_body, char **form, struct oa2_http_response *resp,
		      oa2_error *err);

/* An IdP's refusal: the HTTP status, the "error" code of an OAuth error
 * answer (RFC 6749 5.2; "" when the answer had none; printable) and its
 * description as the IdP wrote it, cut to size: quote it through oa2_fail
 * or OA2_ESC, which make it printable. */
struct oa2_oauth_refusal {
	long status;
	char code[64];
	char desc[160];
	char retry_after[40]; /* the Retry-After header as sent (printable), or "" */
};

/* POST *form to url (the token or the device authorization endpoint, named
 * what in messages) with client authentication and sort the answer
 * (oa2_oauth_answer). Returns 0
 * with the answer moved into *body / *len; 1 when the IdP refused (why);
 * -1 when it could not be asked or failed (err: OA2_ERR_UNAVAIL for a
 * transport failure, a timeout or a 5xx without an OAuth error). *form is
 * wiped and freed. */
int oa2_oauth_request(const struct oa2_config *cfg, oa2_http *http, const char *url,
		      const char *what, bool id_in_body, char **form, char **body, size_t *len,
		      struct oa2_oauth_refusal *why, oa2_error *err);

/* Sort an answer the way providers really answer, not only as RFC 6749
 * describes. An answer with an OAuth "error" member is that error, whatever
 * its status (Auth0: 403 invalid_grant; Google: 428 authorization_pending,
 * 403 slow_down; GitHub: 200 authorization_pending); any other 4xx (an empty,
 * non-JSON or error-less body, 429 included) is a refusal too: the IdP
 * answered. Returns 0 for a 200 without an error member, 1 for a refusal
 * (why), -1 for a 5xx without an error member (OA2_ERR_UNAVAIL) or any other
 * status (OA2_ERR_PROTOCOL). what names the endpoint in messages. */
int oa2_oauth_answer(const struct oa2_http_response *resp, const char *what,
		     struct oa2_oauth_refusal *why, oa2_error *err);

/* The outcome of a refusal no grant-specific code explains: HTTP 429, with
 * or without an OAuth error, is the IdP limiting this host (authentik: 20
 * device requests an hour per address), OA2_ERR_DENIED with
 * OA2_THROTTLED_REASON and the Retry-After header in the message (the user's
 * line: refusal.h); server_error and
 * temporarily_unavailable are an outage (OA2_ERR_UNAVAIL); invalid_client,
 * unauthorized_client, unsupported_grant_type and invalid_scope refuse this
 * client's configuration (OA2_ERR_CONFIG); everything else, error-less 4xx
 * answers included, refuses the login (OA2_ERR_DENIED). Returns -1. */
int oa2_oauth_refused(const struct oa2_oauth_refusal *why, const char *what, oa2_error *err);

/* For a non-2xx answer: copy its "error" code (or "" when there is none;
 * printable) and its description (as sent: see struct oa2_oauth_refusal)
 * into the buffers. */
void oa2_oauth_error(const struct oa2_http_response *resp, char *code, size_t codelen,
		     char *desc, size_t desclen);

#endif
