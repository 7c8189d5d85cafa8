/* online.h - the part of a login that talks to the IdP: discovery, the
 * grant, token validation, and the offline entry when the IdP is
 * unreachable.
 *
 * In the module it runs inside the helper process (helper_main.c), never in
 * the PAM host process: it is where libcurl, OpenSSL and the parsers of
 * untrusted network data work. The diagnostic command's tests and the
 * helper are its callers; nothing here knows about PAM. */
#ifndef OA2_ONLINE_H
#define OA2_ONLINE_H

#include <stdbool.h>

#include "config.h"
#include "error.h"
#include "token.h"
#include "ui.h"

struct oa2_online_request {
	int grant;            /* OA2_GRANT_DEVICE, _PASSWORD, _CODE or _TOKEN */
	const char *user;     /* password grant: the user name sent to the IdP */
	const char *password; /* password grant; grant = token: the token */
	bool offline_allowed; /* the caller may use an offline entry (see offline.h) */
};

/* Where log lines go (the module's syslog, through the helper channel). */
struct oa2_logger {
	void (*line)(void *ctx, int prio, const char *text);
	void *ctx;
	bool debug;
};

/* Run the grant and validate its token into *id. *was_online is false when
 * the identity came from the offline entry. Returns 0 or -1 with err. */
int oa2_online_login(const struct oa2_config *cfg, const struct oa2_online_request *req,
		     const struct oa2_ui *ui, const struct oa2_logger *log,
		     struct oa2_identity *id, bool *was_online, oa2_error *err);

#endif
