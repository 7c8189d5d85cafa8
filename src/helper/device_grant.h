/* device_grant.h - OAuth 2.0 Device Authorization Grant (RFC 8628).
 *
 * Asks the IdP for a device code, shows the user code, the verification URL
 * and a QR code of it, then polls the token endpoint at the interval the IdP
 * gives (5 s by default; slow_down adds 5 s for the rest of the flow) until
 * the user approves, denies, the code expires or device_timeout passes. It
 * never polls faster than allowed. On success *token holds the token
 * endpoint's JSON answer, to be validated by token.c. */
#ifndef OA2_DEVICE_GRANT_H
#define OA2_DEVICE_GRANT_H

#include <stddef.h>
#include <stdint.h>

#include "discovery.h"
#include "http.h"
#include "shared/config.h"
#include "shared/error.h"
#include "shared/ui.h"

#define OA2_DEVICE_GRANT_TYPE "urn:ietf:params:oauth:grant-type:device_code"

/* The device authorization response (RFC 8628 3.2), parsed and checked. */
struct oa2_device_code {
	char *device_code;   /* secret; wiped by _clear */
	char *user_code;
	char *uri;           /* verification_uri (or verification_url) */
	char *uri_complete;  /* verification_uri_complete, or NULL */
	int64_t expires_in;
	int64_t interval;    /* 5 when not given */
};

/* Parse len bytes of the device authorization endpoint's answer into *dc
 * (zeroed by the caller). Where providers deviate it is tolerant: expires_in
 * and interval may be strings of digits (Entra ID), the URI may be spelt
 * verification_url (Google), members it does not know (Entra's message) are
 * ignored; no interval means 5 s. On failure *dc may hold some fields: clear it
 * either way. */
int oa2_device_code_parse(const char *body, size_t len, struct oa2_device_code *dc,
			  oa2_error *err);

/* Free the fields, wiping the device code. NULL is allowed. */
void oa2_device_code_clear(struct oa2_device_code *dc);

int oa2_device_grant(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		     oa2_http *http, const struct oa2_ui *ui, char **token, size_t *len,
		     oa2_error *err);

#endif
