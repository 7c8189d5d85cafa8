/* login.h - the story of one login against the PAM handle: the grant is
 * chosen, the helper process runs discovery, the grant and validation
 * (helper_client.h), then the identity is mapped and authorised here.
 *
 * Returns 0 only when the identity is verified, mapped to the PAM user (or
 * made the PAM user when none was set) and authorised; otherwise -1 with
 * err saying why. res is filled as far as the login got, for the log line. */
#ifndef OA2_LOGIN_H
#define OA2_LOGIN_H

#include <security/pam_modules.h>

#include "usermap.h"
#include "shared/config.h"
#include "shared/error.h"

struct oa2_login_result {
	const char *grant;           /* "device", "code", "token", "password" or
				      * "password (offline)" */
	const char *source;          /* evidence: "id_token", "userinfo", "introspection" */
	char sub[256];               /* the IdP subject, once validated */
	char user[OA2_USER_MAX];     /* the mapped local user */
};

/* The pam_set_data key under which a successful login leaves the mapped
 * user for pam_sm_acct_mgmt: "pam_oauth2_mapped_user", the configuration's
 * issuer, client_id and file, one a line, so that an account line with
 * another configuration does not vouch for this login. out must hold
 * OA2_DATA_KEY_MAX bytes. Returns 0, or -1 when the key does not fit. */
#define OA2_DATA_KEY_MAX 8192
/* Set as well by every successful login, whatever its configuration: without
 * it pam_sm_acct_mgmt returns PAM_IGNORE before reading any configuration. */
#define OA2_DATA_ANY "pam_oauth2_authenticated"
int oa2_login_data_key(const struct oa2_config *cfg, char *out, size_t outlen);

/* The PAM code an error category becomes (shared with the diagnostic tool,
 * which reports the decision the module would make). */
int oa2_pam_code(enum oa2_errkind kind);

/* argc/argv: the module arguments, handed to the helper process, which
 * loads the same configuration. */
int oa2_login(pam_handle_t *pamh, const struct oa2_config *cfg, int argc, const char **argv,
	      struct oa2_login_result *res, oa2_error *err);

#endif
