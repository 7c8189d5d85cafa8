/* pam_oauth2.c - the PAM entry points, kept thin: load the configuration, run
 * the login, turn the outcome into a PAM code and one log line. Fail closed:
 * the result starts as an error and only a complete, successful login
 * changes it. */
#include "autoconfig.h"

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <string.h>

#include "log.h"
#include "login.h"
#include "pam_item.h"
#include "usermap.h"
#include "shared/config.h"
#include "shared/error.h"
#include "shared/strutil.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct oa2_login_result res = {0};
	oa2_error err = {0};
	struct oa2_config *cfg = NULL;
	const char *service = oa2_pam_item(pamh, PAM_SERVICE), *user = NULL;
	int rc = PAM_AUTH_ERR;

	(void)flags;
	cfg = oa2_config_load(argc, argv, &err);
	if (cfg == NULL)
		goto out;
	if (oa2_login(pamh, cfg, argc, argv, &res, &err) == 0 && err.kind == OA2_OK)
		rc = PAM_SUCCESS;
out:
	if (rc == PAM_SUCCESS) {
		oa2_log(pamh, LOG_NOTICE,
			"login accepted: service=%s user=%s sub=%s grant=%s evidence=%s",
			OA2_ESC(service ? service : "?"), res.user, OA2_ESC(res.sub),
			res.grant, res.source);
	} else {
		if (err.kind == OA2_OK)
			oa2_fail(&err, OA2_ERR_INTERNAL, "login failed without a reason");
		rc = oa2_pam_code(err.kind);
		user = oa2_pam_item(pamh, PAM_USER); /* as far as the login got */
		oa2_log(pamh, LOG_WARNING,
			"login refused: service=%s user=%s sub=%s grant=%s reason=%s: %s",
			OA2_ESC(service ? service : "?"), OA2_ESC(user ? user : "(unset)"),
			OA2_ESC(res.sub[0] ? res.sub : "-"),
			res.grant ? res.grant : "-",
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
	oa2_error err = {0};
	struct oa2_config *cfg = NULL;
	const void *mapped = NULL;
	const char *user = oa2_pam_item(pamh, PAM_USER);
	char key[OA2_DATA_KEY_MAX];
	int rc = PAM_PERM_DENIED;

	(void)flags;
	/* No pam_oauth2 login in this transaction: nothing to vouch for, and no
	 * need to read the configuration. */
	if (pam_get_data(pamh, OA2_DATA_ANY, &mapped) != PAM_SUCCESS || mapped == NULL)
		return PAM_IGNORE;
	mapped = NULL;
	cfg = oa2_config_load(argc, argv, &err);
	if (cfg == NULL) {
		rc = oa2_pam_code(err.kind);
		goto out;
	}
	if (oa2_login_data_key(cfg, key, sizeof(key)) != 0) {
		oa2_fail(&err, OA2_ERR_INTERNAL, "cannot name the login's PAM data");
		rc = PAM_SYSTEM_ERR;
		goto out;
	}
	/* Only a login this configuration (file, issuer, client_id) authenticated
	 * is ours to vouch for; another pam_oauth2 line's login is not. */
	if (pam_get_data(pamh, key, &mapped) != PAM_SUCCESS || mapped == NULL) {
		rc = PAM_IGNORE;
		goto out;
	}
	if (user == NULL || strcmp(user, mapped) != 0) {
		oa2_fail(&err, OA2_ERR_DENIED, "PAM user changed from '%s' to '%.64s' after login",
			 (const char *)mapped, user ? user : "(unset)");
		goto out;
	}
	if (oa2_usermap_account_ok(cfg, user, &err) != 0) {
		rc = err.kind == OA2_ERR_USER ? PAM_USER_UNKNOWN : PAM_PERM_DENIED;
		goto out;
	}
	rc = PAM_SUCCESS;
out:
	if (rc == PAM_IGNORE)
		oa2_debug(pamh, cfg->debug, "account: no login by this configuration to vouch for");
	else if (rc != PAM_SUCCESS)
		oa2_log(pamh, LOG_WARNING, "account refused: user=%s reason=%s: %s",
			OA2_ESC(user ? user : "(unset)"), oa2_errkind_name(err.kind), err.msg);
	oa2_config_free(cfg);
	return rc;
}
