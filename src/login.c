/* login.c - one login, step by step. */
#include "autoconfig.h"

#include <fnmatch.h>
#include <security/pam_ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authz.h"
#include "claims.h"
#include "conv.h"
#include "device_grant.h"
#include "discovery.h"
#include "http.h"
#include "log.h"
#include "login.h"
#include "offline.h"
#include "password_grant.h"
#include "strutil.h"
#include "token.h"
#include "usermap.h"

int oa2_pam_code(enum oa2_errkind kind)
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

static const char *item(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS || v == NULL || *(const char *)v == '\0')
		return NULL;
	return v;
}

/* Does tty (with or without "/dev/") match one of the globs? */
static int tty_trusted(const char *globs, const char *tty)
{
	char pat[128];
	const char *p = globs, *glob;
	size_t n;

	if (tty == NULL)
		return 0;
	if (strncmp(tty, "/dev/", 5) == 0)
		tty += 5;
	while (oa2_list_next(&p, OA2_LIST_SEPS, &glob, &n)) {
		if (n >= sizeof(pat))
			continue; /* longer than any tty name: matches nothing */
		memcpy(pat, glob, n);
		pat[n] = '\0';
		if (fnmatch(pat, tty, FNM_PATHNAME) == 0)
			return 1;
	}
	return 0;
}

/* The password grant only where the administrator trusts the terminal. */
static int choose_grant(pam_handle_t *pamh, const struct oa2_config *cfg, oa2_error *err)
{
	const char *rhost = item(pamh, PAM_RHOST);
	const char *tty = item(pamh, PAM_TTY);

	switch (cfg->grant) {
	case OA2_GRANT_DEVICE:
		return OA2_GRANT_DEVICE;
	case OA2_GRANT_PASSWORD:
		if (rhost != NULL && !cfg->allow_remote_password)
			return oa2_fail(err, OA2_ERR_PERM,
					"the password grant is not used for remote sessions (rhost %.64s)",
					rhost);
		return OA2_GRANT_PASSWORD;
	default:
		return rhost == NULL && tty_trusted(cfg->password_ttys, tty) ? OA2_GRANT_PASSWORD
									       : OA2_GRANT_DEVICE;
	}
}

/* The mapped user must be the PAM user; with no PAM user it becomes one. */
static int bind_user(pam_handle_t *pamh, const char *mapped, oa2_error *err)
{
	const char *pam_user = item(pamh, PAM_USER);

	if (pam_user == NULL) {
		if (pam_set_item(pamh, PAM_USER, mapped) != PAM_SUCCESS)
			return oa2_fail(err, OA2_ERR_INTERNAL, "cannot set the PAM user");
		return 0;
	}
	if (strcmp(pam_user, mapped) != 0) {
		/* Say why on screen (an IdP session of someone else in the browser?),
		 * never naming the other account. */
		pam_error(pamh, "This login was approved by an account that is not %s.",
			  OA2_ESC(pam_user));
		return oa2_fail(err, OA2_ERR_DENIED, "the IdP identity maps to '%s', not to '%.64s'",
				mapped, pam_user);
	}
	return 0;
}

static void free_data(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/* The password: from an earlier module (use_first_pass / try_first_pass)
 * or asked with echo off. *typed tells whether we asked. */
static int get_password(pam_handle_t *pamh, const struct oa2_config *cfg,
			const struct oa2_ui *ui, const char *user, char **password, int *typed,
			oa2_error *err)
{
	const void *tok = NULL;
	char prompt[128];

	*password = NULL;
	*typed = 0;
	if (cfg->authtok != OA2_AUTHTOK_ASK &&
	    pam_get_item(pamh, PAM_AUTHTOK, &tok) == PAM_SUCCESS && tok != NULL) {
		*password = strdup(tok);
		if (*password == NULL)
			return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		return 0;
	}
	if (cfg->authtok == OA2_AUTHTOK_USE_FIRST)
		return oa2_fail(err, OA2_ERR_DENIED, "use_first_pass: no password from an earlier module");
	snprintf(prompt, sizeof(prompt), "Password for %s: ", user);
	if (ui->ask(ui->ctx, prompt, 0, password) != 0 || *password == NULL)
		return oa2_fail(err, OA2_ERR_ABORT, "no password was entered");
	*typed = 1;
	return 0;
}

/* What the password grant needs from the person at the console. */
struct credentials {
	const char *user; /* the PAM user (borrowed) */
	char *password;   /* wiped and freed by creds_clear */
	int typed;        /* asked by this module (not an earlier one's) */
};

static void creds_clear(struct credentials *c)
{
	oa2_free_secret(c->password);
	memset(c, 0, sizeof(*c));
}

static int read_credentials(pam_handle_t *pamh, const struct oa2_config *cfg,
			    const struct oa2_ui *ui, struct credentials *c, oa2_error *err)
{
	/* A console that asked nothing yet: ask for the name, as login does. */
	if (pam_get_user(pamh, &c->user, NULL) != PAM_SUCCESS || c->user == NULL)
		return oa2_fail(err, OA2_ERR_ABORT, "no user name was entered");
	if (!oa2_username_valid(c->user))
		return oa2_fail(err, OA2_ERR_USER, "'%.64s' is not a valid user name", c->user);
	if (get_password(pamh, cfg, ui, c->user, &c->password, &c->typed, err) != 0)
		return -1;
	if (*c->password == '\0')
		return oa2_fail(err, OA2_ERR_DENIED, "empty password");
	if (oa2_is_sshd_marker(c->password))
		return oa2_fail(err, OA2_ERR_DENIED, OA2_SSHD_MARKER_REASON);
	return 0;
}

/* Discovery, the grant and token validation: everything that needs the IdP. */
static int online(pam_handle_t *pamh, const struct oa2_config *cfg, int grant,
		  const struct oa2_ui *ui, const struct credentials *c, struct oa2_identity *id,
		  oa2_error *err)
{
	struct oa2_discovery disc = {0};
	oa2_http *http = NULL;
	char *token = NULL;
	size_t len = 0;
	int rc = -1;

	http = oa2_http_new(cfg->ca_file, cfg->http_timeout, err);
	if (http == NULL)
		goto out;
	if (oa2_discovery_load(cfg->issuer, http, cfg->cache_dir, time(NULL), &disc, err) != 0)
		goto out;
	oa2_debug(pamh, cfg->debug, "discovery for %s %s", cfg->issuer,
		  disc.from_cache ? "read from cache" : "fetched");
	if (grant == OA2_GRANT_DEVICE)
		rc = oa2_device_grant(cfg, &disc, http, ui, &token, &len, err);
	else
		rc = oa2_password_grant(cfg, &disc, http, c->user, c->password, &token, &len, err);
	if (rc != 0)
		goto out;
	rc = oa2_token_validate(cfg, &disc, http, token, len, time(NULL), id, err);
	if (rc == 0)
		oa2_debug(pamh, cfg->debug, "token validated from %s (keys %s)", id->source,
			  id->jwks_fetched ? "fetched" : "cached");
out:
	oa2_free_secret_len(token, len);
	oa2_discovery_clear(&disc);
	oa2_http_free(http);
	return rc;
}

/* The IdP is unreachable: a console password login may use the offline
 * entry an earlier online login left. */
static int offline(pam_handle_t *pamh, const struct oa2_config *cfg,
		   const struct credentials *c, struct oa2_identity *id, oa2_error *err)
{
	oa2_log(pamh, LOG_NOTICE, "IdP unreachable (%s); trying the offline entry for %s",
		err->msg, c->user);
	oa2_error_clear(err);
	if (oa2_offline_verify(cfg, c->user, c->password, time(NULL), &id->claims, &id->scope,
			       err) != 0)
		return -1;
	id->source = "offline entry";
	return 0;
}

/* Identity -> the PAM user, then the policy. */
static int decide(pam_handle_t *pamh, const struct oa2_config *cfg,
		  const struct oa2_identity *id, struct oa2_login_result *res, oa2_error *err)
{
	char *keep;

	res->source = id->source;
	snprintf(res->sub, sizeof(res->sub), "%s",
		 oa2_claims_sub(id->claims) ? oa2_claims_sub(id->claims) : "?");
	if (oa2_usermap_resolve(cfg, id->claims, res->user, err) != 0 ||
	    bind_user(pamh, res->user, err) != 0 ||
	    oa2_authz_check(cfg, id->claims, id->scope, err) != 0)
		return -1;
	keep = strdup(res->user);
	if (keep == NULL || pam_set_data(pamh, OA2_DATA_USER, keep, free_data) != PAM_SUCCESS) {
		free(keep);
		return oa2_fail(err, OA2_ERR_INTERNAL, "cannot remember the mapped user");
	}
	return 0;
}

/* After a successful password login: offline entry, PAM_AUTHTOK. */
static int after_password(pam_handle_t *pamh, const struct oa2_config *cfg,
			  const struct credentials *c, const struct oa2_identity *id, int was_online,
			  oa2_error *err)
{
	oa2_error serr = {0};

	if (was_online && cfg->offline_cache &&
	    oa2_offline_store(cfg, c->user, c->password, id->claims, id->scope, time(NULL),
			      &serr) != 0)
		oa2_log(pamh, LOG_WARNING, "offline entry for %s not stored: %s", c->user, serr.msg);
	if (c->typed && cfg->store_authtok &&
	    pam_set_item(pamh, PAM_AUTHTOK, c->password) != PAM_SUCCESS)
		return oa2_fail(err, OA2_ERR_INTERNAL, "cannot store PAM_AUTHTOK");
	return 0;
}

int oa2_login(pam_handle_t *pamh, const struct oa2_config *cfg, struct oa2_login_result *res,
	      oa2_error *err)
{
	struct credentials creds = {0};
	struct oa2_identity id = {0};
	struct oa2_ui ui;
	int grant, was_online = 1, rc = -1;

	memset(res, 0, sizeof(*res));
	grant = choose_grant(pamh, cfg, err);
	if (grant < 0)
		goto out;
	res->grant = grant == OA2_GRANT_DEVICE ? "device" : "password";
	oa2_conv_ui(pamh, cfg, &ui);
	if (grant == OA2_GRANT_PASSWORD && read_credentials(pamh, cfg, &ui, &creds, err) != 0)
		goto out;
	if (online(pamh, cfg, grant, &ui, &creds, &id, err) != 0) {
		if (grant != OA2_GRANT_PASSWORD || !cfg->offline_cache ||
		    err->kind != OA2_ERR_UNAVAIL || offline(pamh, cfg, &creds, &id, err) != 0)
			goto out;
		was_online = 0;
		res->grant = "password (offline)";
	}
	if (decide(pamh, cfg, &id, res, err) != 0)
		goto out;
	if (grant == OA2_GRANT_PASSWORD && after_password(pamh, cfg, &creds, &id, was_online, err) != 0)
		goto out;
	rc = 0;
out:
	creds_clear(&creds);
	oa2_identity_clear(&id);
	return rc;
}
