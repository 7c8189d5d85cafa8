/* online.h - the part of a login that talks to the IdP: discovery, the
 * grant, token validation, and the offline entry when the IdP is
 * unreachable.
 *
 * In the module it runs inside the helper process (main.c), never in
 * the PAM host process: it is where libcurl, OpenSSL and the parsers of
 * untrusted network data work. The diagnostic command's tests and the
 * helper are its callers; nothing here knows about PAM. */
#ifndef OA2_ONLINE_H
#define OA2_ONLINE_H

#include <stdbool.h>

#include "token.h"
#include "shared/config.h"
#include "shared/error.h"
#include "shared/request.h"
#include "shared/ui.h"

/* Run the grant and validate its token into *id. *was_online is false when
 * the identity came from the offline entry. Returns 0 or -1 with err. */
int oa2_online_login(const struct oa2_config *cfg, const struct oa2_online_request *req,
		     const struct oa2_ui *ui, const struct oa2_logger *log,
		     struct oa2_identity *id, bool *was_online, oa2_error *err);

#endif
