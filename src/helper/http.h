/* http.h - the module's only door to the network: HTTPS over libcurl.
 *
 * HTTPS only, redirects never followed, certificate and host name always
 * verified (optionally against one CA file that replaces the system store),
 * connect and total timeouts, no proxy from the environment, and a cap on the
 * response size. One handle per login so polls reuse the TLS connection. */
#ifndef OA2_HTTP_H
#define OA2_HTTP_H

#include <stddef.h>

#include "shared/error.h"

#define OA2_HTTP_MAX_BODY (1024 * 1024)

typedef struct oa2_http oa2_http;

struct oa2_http_response {
	long status;     /* HTTP status code */
	char *body;      /* NUL-terminated; may hold tokens: cleared by _clear */
	size_t len;
	long max_age;    /* from Cache-Control, -1 when absent */
	int no_store;    /* Cache-Control: no-store / no-cache */
	char retry_after[40]; /* Retry-After as sent (printable), "" when absent */
};

/* timeout_s bounds each whole request; ca_file may be NULL (system store). */
oa2_http *oa2_http_new(const char *ca_file, int timeout_s, oa2_error *err);
void oa2_http_free(oa2_http *http);

/* The per-request time limit, in milliseconds. */
long oa2_http_timeout_ms(const oa2_http *http);

int oa2_http_get(oa2_http *http, const char *url, struct oa2_http_response *resp,
		 oa2_error *err);

/* GET with "Authorization: Bearer <token>" (userinfo). */
int oa2_http_get_bearer(oa2_http *http, const char *url, const char *token,
			struct oa2_http_response *resp, oa2_error *err);

/* POST application/x-www-form-urlencoded. form must already be encoded (see
 * oa2_form_add). When basic_user is not NULL, HTTP Basic authentication is
 * sent with user and password form-urlencoded as RFC 6749 2.3.1 requires. */
int oa2_http_post_form(oa2_http *http, const char *url, const char *form,
		       const char *basic_user, const char *basic_pass,
		       struct oa2_http_response *resp, oa2_error *err);

/* What an unexpected HTTP status from the IdP means: a 5xx is an outage
 * (OA2_ERR_UNAVAIL); anything else is the IdP answering something this
 * module cannot use (OA2_ERR_PROTOCOL), never an outage. */
enum oa2_errkind oa2_http_status_kind(long status);

/* Wipe and free the body. */
void oa2_http_response_clear(struct oa2_http_response *resp);

/* Append "&name=value" (url-encoded) to *form, growing it; wipes the old
 * buffer since forms carry secrets. */
int oa2_form_add(char **form, const char *name, const char *value, oa2_error *err);

#endif
