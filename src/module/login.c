/* login.c - one login, step by step. */
#include "autoconfig.h"

#include <fnmatch.h>
#include <stdbool.h>
#include <sys/auxv.h>
#include <security/pam_ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authz.h"
#include "conv.h"
#include "helper_client.h"
#include "log.h"
#include "login.h"
#include "pam_item.h"
#include "usermap.h"
#include "shared/i18n.h"
#include "shared/identity.h"
#include "shared/json.h"
#include "shared/refusal.h"
#include "shared/strutil.h"

int oa2_pam_code(enum oa2_errkind kind)
{
	switch (kind) {
	case OA2_OK: return PAM_SUCCESS;
	case OA2_ERR_CONFIG: return PAM_SERVICE_ERR;
	case OA2_ERR_UNAVAIL:
	case OA2_ERR_PROTOCOL: return PAM_AUTHINFO_UNAVAIL;
	case OA2_ERR_DENIED:
	case OA2_ERR_CREDENTIALS: return PAM_AUTH_ERR;
	/* the user gave up or is gone: PAM_ABORT is the one code on which
	 * sudo, su and login all stop asking (docs/security.md) */
	case OA2_ERR_ABORT: return PAM_ABORT;
	case OA2_ERR_PERM: return PAM_PERM_DENIED;
	case OA2_ERR_USER: return PAM_USER_UNKNOWN;
	case OA2_ERR_INTERNAL: return PAM_SYSTEM_ERR;
	}
	return PAM_SYSTEM_ERR;
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

/* grant = auto's CIBA: a local session in which the requesting user
 * (PAM_RUSER, as sudo sets it) is the PAM user, i.e. the push goes to the
 * phone of someone already logged in here as that account (sudo), never one
 * another local user or a console picks (su, login). */
static bool asks_for_self(pam_handle_t *pamh)
{
	const char *user = oa2_pam_item(pamh, PAM_USER);
	const char *ruser = oa2_pam_item(pamh, PAM_RUSER);

	return user != NULL && ruser != NULL && strcmp(user, ruser) == 0;
}

/* The password grant only where the administrator trusts the terminal;
 * grant = auto's CIBA only on local sessions (docs/ciba.md). */
static int choose_grant(pam_handle_t *pamh, const struct oa2_config *cfg, oa2_error *err)
{
	const char *rhost = oa2_pam_item(pamh, PAM_RHOST);
	const char *tty = oa2_pam_item(pamh, PAM_TTY);

	switch (cfg->grant) {
	case OA2_GRANT_DEVICE:
		return OA2_GRANT_DEVICE;
	case OA2_GRANT_CODE:
		return OA2_GRANT_CODE;
	case OA2_GRANT_CIBA:
		return OA2_GRANT_CIBA;
	case OA2_GRANT_TOKEN:
		return OA2_GRANT_TOKEN; /* a bearer token: no terminal is trusted or needed */
	case OA2_GRANT_PASSWORD:
		if (rhost != NULL && !cfg->allow_remote_password)
			return oa2_fail(err, OA2_ERR_PERM,
					"the password grant is not used for remote sessions (rhost %.64s)",
					rhost);
		return OA2_GRANT_PASSWORD;
	default:
		if (rhost != NULL)
			return OA2_GRANT_DEVICE;
		if (tty_trusted(cfg->password_ttys, tty))
			return OA2_GRANT_PASSWORD;
		return cfg->ciba_login_hint != NULL && asks_for_self(pamh) ? OA2_GRANT_AUTO_CIBA
									    : OA2_GRANT_DEVICE;
	}
}

/* The module's own line for the user, in the user's language; arg (or
 * NULL) replaces the first "%s" of the message. */
static void say(pam_handle_t *pamh, const struct oa2_ui *ui, const char *msgid, const char *arg)
{
	const char *text = oa2_i18n_translate(ui->locale, ui->utf8, msgid);
	const char *at = arg != NULL ? strstr(text, "%s") : NULL;

	if (at == NULL)
		pam_error(pamh, "%s", text);
	else
		pam_error(pamh, "%.*s%s%s", (int)(at - text), text, arg, at + 2);
}

/* The mapped user must be the PAM user; with no PAM user it becomes one.
 * *told: the user was told why not. */
static int bind_user(pam_handle_t *pamh, const struct oa2_ui *ui, const char *mapped,
		     bool *told, oa2_error *err)
{
	const char *pam_user = oa2_pam_item(pamh, PAM_USER);

	if (pam_user == NULL) {
		if (pam_set_item(pamh, PAM_USER, mapped) != PAM_SUCCESS)
			return oa2_fail(err, OA2_ERR_INTERNAL, "cannot set the PAM user");
		return 0;
	}
	if (strcmp(pam_user, mapped) != 0) {
		/* Say why on screen (an IdP session of someone else in the browser?),
		 * never naming the other account. */
		/* xgettext:c-format */
		say(pamh, ui, N_("This login was approved by an account that is not %s."),
		    OA2_ESC(pam_user));
		*told = true;
		return oa2_fail(err, OA2_ERR_DENIED, "the IdP identity maps to '%s', not to '%.64s'",
				mapped, pam_user);
	}
	return 0;
}

int oa2_login_data_key(const struct oa2_config *cfg, char *out, size_t outlen)
{
	/* issuer and client_id hold no newline, so the key is unambiguous */
	int n = snprintf(out, outlen, "pam_oauth2_mapped_user\n%s\n%s\n%s", cfg->issuer,
			 cfg->client_id, cfg->config_file ? cfg->config_file : "");

	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static void free_data(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/* The password (or, grant = token, the token): from an earlier module
 * (authtok use_first_pass / try_first_pass) or asked with echo off
 * (OA2_AUTHTOK_ASK) as "Password for USER: " ("Token ..."). *typed tells
 * whether we asked. */
static int get_password(pam_handle_t *pamh, int authtok, const struct oa2_ui *ui,
			const char *what, const char *user, char **password, int *typed,
			oa2_error *err)
{
	const void *tok = NULL;
	char prompt[128];

	*password = NULL;
	*typed = 0;
	if (authtok != OA2_AUTHTOK_ASK &&
	    pam_get_item(pamh, PAM_AUTHTOK, &tok) == PAM_SUCCESS && tok != NULL) {
		*password = strdup(tok);
		if (*password == NULL)
			return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		return 0;
	}
	if (authtok == OA2_AUTHTOK_USE_FIRST)
		return oa2_fail(err, OA2_ERR_DENIED, "use_first_pass: no %s from an earlier module",
				what);
	snprintf(prompt, sizeof(prompt), "%s for %s: ", strcmp(what, "token") == 0 ? "Token"
									      : "Password", user);
	if (ui->ask(ui->ctx, prompt, 0, password) != 0 || *password == NULL)
		return oa2_fail(err, OA2_ERR_ABORT, "no %s was entered", what);
	*typed = 1;
	return 0;
}

/* What the password grant needs from the person at the console, or the
 * token grant from the client. */
struct credentials {
	const char *what; /* "password" or "token" */
	const char *user; /* the PAM user (borrowed) */
	char *password;   /* the password or token; wiped and freed by creds_clear */
	int typed;        /* asked by this module (not an earlier one's) */
};

static void creds_clear(struct credentials *c)
{
	oa2_free_secret(c->password);
	memset(c, 0, sizeof(*c));
}

static int read_password(pam_handle_t *pamh, int authtok, const struct oa2_ui *ui,
			 struct credentials *c, oa2_error *err)
{
	if (get_password(pamh, authtok, ui, c->what, c->user, &c->password, &c->typed, err) != 0)
		return -1;
	if (*c->password == '\0')
		return oa2_fail(err, OA2_ERR_DENIED, "empty %s", c->what);
	if (oa2_is_sshd_marker(c->password))
		return oa2_fail(err, OA2_ERR_DENIED, OA2_SSHD_MARKER_REASON);
	return 0;
}

/* The PAM user; a console that asked nothing yet asks for the name, as
 * login does. */
static int read_user(pam_handle_t *pamh, struct credentials *c, oa2_error *err)
{
	if (pam_get_user(pamh, &c->user, NULL) != PAM_SUCCESS || c->user == NULL)
		return oa2_fail(err, OA2_ERR_ABORT, "no user name was entered");
	if (!oa2_username_valid(c->user))
		return oa2_fail(err, OA2_ERR_USER, "'%.64s' is not a valid user name", c->user);
	return 0;
}

static int read_credentials(pam_handle_t *pamh, const struct oa2_config *cfg, int grant,
			    const struct oa2_ui *ui, struct credentials *c, oa2_error *err)
{
	c->what = grant == OA2_GRANT_TOKEN ? "token" : "password";
	if (read_user(pamh, c, err) != 0)
		return -1;
	return read_password(pamh, cfg->authtok, ui, c, err);
}

/* try_first_pass, as pam_unix does it: when the IdP refused the password an
 * earlier module left (a wrong credential, not an outage), or it is not a
 * valid token (grant = token), ask once and return 1 so that the caller
 * tries the typed one; 0 when there is nothing to retry; -1 when asking
 * failed (err set). */
static int ask_after_refusal(pam_handle_t *pamh, const struct oa2_config *cfg, int grant,
			     const struct oa2_ui *ui, struct credentials *c, oa2_error *err)
{
	bool refused = err->kind == OA2_ERR_CREDENTIALS ||
		       (grant == OA2_GRANT_TOKEN && err->kind == OA2_ERR_DENIED);

	if ((grant != OA2_GRANT_PASSWORD && grant != OA2_GRANT_TOKEN) ||
	    cfg->authtok != OA2_AUTHTOK_TRY_FIRST || c->typed ||
	    !refused)
		return 0;
	oa2_debug(pamh, cfg->debug, "try_first_pass: the earlier %s was refused (%s); asking",
		  c->what, err->msg);
	oa2_error_clear(err);
	oa2_free_secret(c->password);
	c->password = NULL;
	return read_password(pamh, OA2_AUTHTOK_ASK, ui, c, err) == 0 ? 1 : -1;
}

static void log_line(void *ctx, int prio, const char *text)
{
	oa2_log(ctx, prio, "%s", text);
}

/* Only root itself, not a set-uid program an ordinary user started, may
 * fall back to an offline entry (see docs/security.md). */
static bool offline_allowed(void)
{
	return getuid() == 0 && getauxval(AT_SECURE) == 0;
}

/* Everything that needs the IdP, in the helper process. */
static int run_helper(pam_handle_t *pamh, const struct oa2_config *cfg, int argc,
		      const char **argv, int grant, const struct oa2_ui *ui,
		      const struct credentials *c, oa2_helper **h, struct oa2_identity *id,
		      bool *was_online, oa2_error *err)
{
	struct oa2_online_request req = {grant, c->user, c->password, offline_allowed()};
	struct oa2_logger log = {log_line, pamh, cfg->debug};

	*h = oa2_helper_start(cfg, err);
	if (*h == NULL)
		return -1;
	return oa2_helper_login(*h, argc, argv, &req, ui, &log, id, was_online, err);
}

/* accounts = create: the helper's store checks (and for a new name makes)
 * the account of the identity it verified; a refusal is a refused login.
 * Sent once per login: *asked. */
static int claim_account(pam_handle_t *pamh, oa2_helper *h, const char *user, bool is_new,
			 bool *asked, oa2_error *err)
{
	unsigned long uid = 0, reserved = is_new ? oa2_usermap_reserved_uid(user) : 0;

	*asked = true;
	if (oa2_helper_account(h, is_new ? OA2_ACCOUNT_OP_CREATE : OA2_ACCOUNT_OP_CHECK, user, &uid,
			       err) != 0)
		return -1;
	/* sshd looked the name up before PAM and runs the session with what
	 * it got: the account must have that UID */
	if (reserved != 0 && uid != reserved)
		return oa2_fail(err, OA2_ERR_INTERNAL,
				"account %s got uid %lu, but sshd's lookup was promised %lu; refused",
				user, uid, reserved);
	if (is_new)
		oa2_log(pamh, LOG_NOTICE, "account %s (uid %lu) ready for its identity", user, uid);
	return 0;
}

/* Identity -> the PAM user, then the policy, then (accounts = create) the
 * account store. */
static int decide(pam_handle_t *pamh, const struct oa2_config *cfg, const struct oa2_ui *ui,
		  const struct oa2_identity *id, oa2_helper *h, struct oa2_login_result *res,
		  bool *told, bool *asked, oa2_error *err)
{
	char key[OA2_DATA_KEY_MAX];
	char *keep;
	const char *sub = NULL;
	json_object *claims;
	oa2_error perr = {0};
	bool is_new = false;
	int rc;

	res->source = id->source;
	/* the one tree of the claims: the helper checked them as text */
	claims = oa2_json_parse(id->claims, strlen(id->claims), "the helper's claims", &perr);
	if (claims == NULL)
		return oa2_fail_text(err, OA2_ERR_INTERNAL, perr.msg);
	(void)oa2_json_string(claims, "sub", &sub);
	snprintf(res->sub, sizeof(res->sub), "%s", sub != NULL ? sub : "?");
	rc = oa2_usermap_resolve_login(cfg, claims, res->user, &is_new, err) != 0 ||
	     bind_user(pamh, ui, res->user, told, err) != 0 ||
	     oa2_authz_check(cfg, claims, id->scope, err) != 0;
	json_object_put(claims);
	if (rc != 0)
		return -1;
	if (cfg->accounts == OA2_ACCOUNTS_CREATE &&
	    claim_account(pamh, h, res->user, is_new, asked, err) != 0)
		return -1;
	if (oa2_login_data_key(cfg, key, sizeof(key)) != 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "cannot name the login's PAM data");
	keep = strdup(res->user);
	if (keep == NULL || pam_set_data(pamh, key, keep, free_data) != PAM_SUCCESS) {
		free(keep);
		return oa2_fail(err, OA2_ERR_INTERNAL, "cannot remember the mapped user");
	}
	if (pam_set_data(pamh, OA2_DATA_ANY, (void *)OA2_DATA_ANY, NULL) != PAM_SUCCESS)
		return oa2_fail(err, OA2_ERR_INTERNAL, "cannot remember the login");
	return 0;
}

/* The helper refused after all what decide() accepted (a single-use token
 * another login used first): account management must not vouch for it. */
static void undecide(pam_handle_t *pamh, const struct oa2_config *cfg)
{
	char key[OA2_DATA_KEY_MAX];

	if (oa2_login_data_key(cfg, key, sizeof(key)) == 0)
		(void)pam_set_data(pamh, key, NULL, NULL);
	(void)pam_set_data(pamh, OA2_DATA_ANY, NULL, NULL);
}

/* The login is decided: the helper records a single-use token (success:
 * when that fails, so does the login), stores (success) or retires (the
 * policy refused a password the IdP accepted) the offline entry, and must
 * end cleanly. */
static int finish_helper(pam_handle_t *pamh, const struct oa2_config *cfg, oa2_helper *h,
			 int grant, const struct credentials *c, bool was_online, bool accepted,
			 oa2_error *err)
{
	int what = OA2_FINISH_NOTHING;
	oa2_error serr = {0};

	/* retired even with offline_cache off: a later "yes" must not find it */
	if (grant == OA2_GRANT_PASSWORD && was_online)
		what = !accepted ? OA2_FINISH_RETIRE
				 : cfg->offline_cache ? OA2_FINISH_STORE : OA2_FINISH_NOTHING;
	switch (oa2_helper_finish(h, what, accepted, &serr)) {
	case 0:
		return 0;
	case 1:
		oa2_log(pamh, LOG_WARNING, "offline entry for %s not %s: %s", c->user,
			accepted ? "stored" : "retired", serr.msg);
		return 0;
	default:
		return oa2_fail_text(err, serr.kind, serr.msg);
	}
}

/* After a successful password login: PAM_AUTHTOK. */
static int after_password(pam_handle_t *pamh, const struct oa2_config *cfg,
			  const struct credentials *c, oa2_error *err)
{
	if (c->typed && cfg->store_authtok &&
	    pam_set_item(pamh, PAM_AUTHTOK, c->password) != PAM_SUCCESS)
		return oa2_fail(err, OA2_ERR_INTERNAL, "cannot store PAM_AUTHTOK");
	return 0;
}

int oa2_login(pam_handle_t *pamh, const struct oa2_config *cfg, int argc, const char **argv,
	      struct oa2_login_result *res, oa2_error *err)
{
	struct credentials creds = {0};
	struct oa2_identity id = {0};
	struct oa2_ui ui;
	oa2_helper *helper = NULL;
	bool was_online = true, told = false, asked = false;
	int grant, rc = -1;

	memset(res, 0, sizeof(*res));
	oa2_conv_ui(pamh, cfg, &ui);
	grant = choose_grant(pamh, cfg, err);
	if (grant < 0)
		goto out;
	res->grant = grant == OA2_GRANT_DEVICE ? "device"
		     : grant == OA2_GRANT_CODE ? "code"
		     : grant == OA2_GRANT_TOKEN ? "token"
		     : grant == OA2_GRANT_CIBA ? "ciba"
		     : grant == OA2_GRANT_AUTO_CIBA ? "ciba-or-device" : "password";
	if ((grant == OA2_GRANT_PASSWORD || grant == OA2_GRANT_TOKEN) &&
	    read_credentials(pamh, cfg, grant, &ui, &creds, err) != 0)
		goto out;
	/* CIBA names the user to the IdP (the login hint): it needs the name */
	if ((grant == OA2_GRANT_CIBA || grant == OA2_GRANT_AUTO_CIBA) &&
	    read_user(pamh, &creds, err) != 0)
		goto out;
	if (run_helper(pamh, cfg, argc, argv, grant, &ui, &creds, &helper, &id, &was_online,
		       err) != 0) {
		told = oa2_helper_answered(helper);
		/* try_first_pass: one more helper with the password typed now */
		if (ask_after_refusal(pamh, cfg, grant, &ui, &creds, err) != 1)
			goto out;
		oa2_helper_stop(helper);
		helper = NULL;
		if (run_helper(pamh, cfg, argc, argv, grant, &ui, &creds, &helper, &id,
			       &was_online, err) != 0) {
			told = oa2_helper_answered(helper);
			goto out;
		}
		told = false;
	}
	if (!was_online)
		res->grant = "password (offline)";
	if (decide(pamh, cfg, &ui, &id, helper, res, &told, &asked, err) != 0) {
		oa2_error ferr = {0};
		unsigned long uid;

		/* accounts = create: the helper waits for one ACCOUNT first */
		if (cfg->accounts == OA2_ACCOUNTS_CREATE && !asked &&
		    oa2_helper_account(helper, OA2_ACCOUNT_OP_NONE, NULL, &uid, &ferr) != 0)
			oa2_log(pamh, LOG_WARNING, "after the refusal: %s", ferr.msg);

		/* an outdated entry must not pass this policy offline later */
		if (finish_helper(pamh, cfg, helper, grant, &creds, was_online, false, &ferr) != 0)
			oa2_log(pamh, LOG_WARNING, "after the refusal: %s", ferr.msg);
		goto out;
	}
	if (finish_helper(pamh, cfg, helper, grant, &creds, was_online, true, err) != 0) {
		undecide(pamh, cfg);
		goto out;
	}
	if (grant == OA2_GRANT_PASSWORD && after_password(pamh, cfg, &creds, err) != 0)
		goto out;
	rc = 0;
out:
	/* one line for the user, unless the helper or bind_user said it, and
	 * none for a terminal that went away: nobody reads it */
	if (rc != 0 && !told && err->kind != OA2_OK && strstr(err->msg, "terminal went away") == NULL) {
		const char *line = oa2_refusal_line(err);

		if (line != NULL)
			say(pamh, &ui, line, NULL);
	}
	oa2_helper_stop(helper);
	creds_clear(&creds);
	oa2_identity_clear(&id);
	return rc;
}
