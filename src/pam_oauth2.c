/* pam_oauth2.c - the PAM entry points, kept thin: load the configuration, run
 * the login, turn the outcome into a PAM code. Fail closed: the result starts
 * as an error and only a complete, successful login changes it. */
#include "autoconfig.h"

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "config.h"
#include "error.h"
#include "log.h"
#include "login.h"

#define EXPORT __attribute__((visibility("default")))

static int pam_code(enum oa2_errkind kind)
{
	switch (kind) {
	case OA2_OK: return PAM_SUCCESS;
	case OA2_ERR_CONFIG: return PAM_SERVICE_ERR;
	case OA2_ERR_UNAVAIL:
	case OA2_ERR_PROTOCOL: return PAM_AUTHINFO_UNAVAIL;
	case OA2_ERR_DENIED:
	case OA2_ERR_ABORT: return PAM_AUTH_ERR;
	case OA2_ERR_PERM: return PAM_PERM_DENIED;
	case OA2_ERR_USER: return PAM_USER_UNKNOWN;
	case OA2_ERR_INTERNAL: return PAM_SYSTEM_ERR;
	}
	return PAM_SYSTEM_ERR;
}

EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	oa2_error err = {0};
	struct oa2_config *cfg = NULL;
	int rc = PAM_AUTH_ERR;

	(void)flags;
	cfg = oa2_config_load(argc, argv, &err);
	if (cfg == NULL)
		goto out;
	if (oa2_login(pamh, cfg, &err) != 0)
		goto out;
	if (err.kind == OA2_OK)
		rc = PAM_SUCCESS;
out:
	if (rc != PAM_SUCCESS) {
		if (err.kind == OA2_OK)
			oa2_fail(&err, OA2_ERR_INTERNAL, "login failed without a reason");
		rc = pam_code(err.kind);
		oa2_log(pamh, LOG_ERR, "authentication refused (%s): %s",
			oa2_errkind_name(err.kind), err.msg);
	}
	oa2_config_free(cfg);
	return rc;
}

EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	/* No credentials to establish: the IdP token is not kept. */
	return PAM_SUCCESS;
}

EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	/* Account re-checks arrive with user mapping; until then this module has
	 * no opinion on accounts. */
	return PAM_IGNORE;
}
