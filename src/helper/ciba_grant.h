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

#include <stdbool.h>
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

/* How a CIBA attempt ended, besides err. */
struct oa2_ciba_outcome {
	/* The IdP answered the backchannel request with 200: a push may be out,
	 * whatever came after. */
	bool sent;
	/* Nothing was sent and the reason concerns CIBA only: the IdP does not
	 * offer it in poll mode, the PAM user gives no hint, the IdP knows no
	 * user by the hint (unknown_user_id, invalid_request) or refused the
	 * request as a matter of configuration. grant = auto may then use the
	 * device grant (docs/ciba.md); never after a push, a denial, an expiry,
	 * throttling or an unreachable IdP. */
	bool device_instead;
	/* The user's line for the refusal (untranslated msgid), or NULL. The
	 * caller shows it unless it uses the device grant instead. */
	const char *said;
};

/* user: the PAM user. 0 with the token endpoint's answer in *token / *len;
 * else -1 with err and *out. */
int oa2_ciba_grant(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		   oa2_http *http, const struct oa2_ui *ui, const char *user,
		   struct oa2_ciba_outcome *out, char **token, size_t *len, oa2_error *err);

/* Does the discovery document offer CIBA in poll mode? 0, else -1 with an
 * OA2_ERR_CONFIG err naming what is missing. */
int oa2_ciba_offered(const struct oa2_discovery *disc, oa2_error *err);

#endif
