/* ciba_grant.h - OpenID Connect Client-Initiated Backchannel Authentication
 * (CIBA Core 1.0), poll mode only (docs/ciba.md).
 *
 * Asks the IdP's backchannel authentication endpoint to have the user named
 * by ciba_login_hint approve on their own device, shows the binding message
 * (host, service, a random number) on the terminal, then polls the token
 * endpoint as the device grant does (poll.h). The tokens are validated by
 * the caller like any other grant's: the hint chooses whose phone rings, it
 * vouches for nothing. */
#ifndef OA2_CIBA_GRANT_H
#define OA2_CIBA_GRANT_H

#include <stddef.h>
#include <stdint.h>

#include "discovery.h"
#include "http.h"
#include "shared/config.h"
#include "shared/error.h"
#include "shared/ui.h"

#define OA2_CIBA_GRANT_TYPE "urn:openid:params:grant-type:ciba"
#define OA2_BINDING_MAX 20 /* the strictest documented limit (docs/ciba.md) */

/* The backchannel authentication answer (CIBA Core 7.3). */
struct oa2_ciba_request {
	char *auth_req_id; /* secret; wiped by _clear */
	int64_t expires_in;
	int64_t interval;  /* 5 when not given */
};

int oa2_ciba_request_parse(const char *body, size_t len, struct oa2_ciba_request *r,
			   oa2_error *err);
void oa2_ciba_request_clear(struct oa2_ciba_request *r);

/* HOST.SERVICE.NNNN within OA2_BINDING_MAX characters of [A-Za-z0-9.-]
 * (out: at least OA2_BINDING_MAX + 1 bytes); number is 0..9999. */
void oa2_ciba_binding(const char *host, const char *service, unsigned number, char *out,
		      size_t outlen);

/* user: the PAM user. 0 with the token endpoint's answer in *token / *len. */
int oa2_ciba_grant(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		   oa2_http *http, const struct oa2_ui *ui, const char *user, char **token,
		   size_t *len, oa2_error *err);

#endif
