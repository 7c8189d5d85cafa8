/* online.c - discovery, grant, validation; the offline entry as fallback. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "ciba_grant.h"
#include "code_grant.h"
#include "device_grant.h"
#include "discovery.h"
#include "http.h"
#include "offline.h"
#include "online.h"
#include "password_grant.h"
#include "token_grant.h"
#include "shared/i18n.h"
#include "shared/strutil.h"

__attribute__((format(printf, 3, 4)))
static void say(const struct oa2_logger *log, int prio, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (log == NULL || log->line == NULL || (prio == LOG_DEBUG && !log->debug))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log->line(log->ctx, prio, line);
}

/* A document fetched in this login but not written to the cache. */
static void not_cached(const struct oa2_logger *log, const oa2_error *e)
{
	if (e->kind != OA2_OK)
		say(log, LOG_WARNING, "not cached, the next login fetches it again: %s", e->msg);
}

/* A conversation that remembers whether anything reached the user. */
struct watched_ui {
	struct oa2_ui ui;
	const struct oa2_ui *inner;
	bool shown;
};

static int w_info(void *ctx, const char *text)
{
	struct watched_ui *w = ctx;

	w->shown = true;
	return w->inner->info(w->inner->ctx, text);
}

static int w_error(void *ctx, const char *text)
{
	struct watched_ui *w = ctx;

	w->shown = true;
	return w->inner->error != NULL ? w->inner->error(w->inner->ctx, text) : 0;
}

static int w_ask(void *ctx, const char *text, int echo, char **answer)
{
	struct watched_ui *w = ctx;

	w->shown = true;
	return w->inner->ask(w->inner->ctx, text, echo, answer);
}

/* grant = auto with a redirect_uri: the code grant where the device grant
 * is not to be had, i.e. the IdP offers no device authorization endpoint,
 * or refused the device authorization request before anything was shown
 * (a client or tenant that blocks the device flow). */
static bool code_instead(const struct oa2_config *cfg, const struct oa2_discovery *disc,
			 bool shown, const oa2_error *err)
{
	if (cfg->grant != OA2_GRANT_AUTO || cfg->redirect_uri == NULL ||
	    disc->authorization_endpoint == NULL || shown)
		return false;
	return disc->device_authorization_endpoint == NULL || err->kind == OA2_ERR_CONFIG ||
	       err->kind == OA2_ERR_DENIED;
}

/* CIBA, the device grant, or the code grant in its place (see code_instead);
 * grant = auto's CIBA gives way to the device grant only as
 * oa2_ciba_outcome.device_instead allows. */
static int interactive(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		       oa2_http *http, int grant, const char *user, const struct oa2_ui *ui,
		       const struct oa2_logger *log, struct oa2_code_request *code,
		       bool *used_code, char **token, size_t *len, oa2_error *err)
{
	struct watched_ui w = {{0}, ui, false};

	*used_code = grant == OA2_GRANT_CODE;
	if (grant == OA2_GRANT_CIBA || grant == OA2_GRANT_AUTO_CIBA) {
		struct oa2_ciba_outcome out;

		if (oa2_ciba_grant(cfg, disc, http, ui, user, &out, token, len, err) == 0)
			return 0;
		if (grant == OA2_GRANT_CIBA || !out.device_instead) {
			if (out.said != NULL && ui->error != NULL)
				ui->error(ui->ctx, _(out.said));
			return -1;
		}
		say(log, LOG_NOTICE, "CIBA not used (%s); using the device grant", err->msg);
		oa2_error_clear(err);
		grant = OA2_GRANT_DEVICE;
	}
	if (grant == OA2_GRANT_DEVICE) {
		w.ui = *ui;
		w.ui.ctx = &w;
		w.ui.info = w_info;
		w.ui.error = w_error;
		w.ui.ask = w_ask;
		if (oa2_device_grant(cfg, disc, http, &w.ui, token, len, err) == 0)
			return 0;
		if (!code_instead(cfg, disc, w.shown, err))
			return -1;
		say(log, LOG_NOTICE, "device grant not available (%s); using the code grant",
		    disc->device_authorization_endpoint ? err->msg : "no device endpoint");
		oa2_error_clear(err);
		*used_code = true;
	}
	return oa2_code_grant(cfg, disc, http, ui, code, token, len, err);
}

/* Everything that needs the IdP. */
static int online(const struct oa2_config *cfg, const struct oa2_online_request *req,
		  const struct oa2_ui *ui, const struct oa2_logger *log, struct oa2_identity *id,
		  oa2_error *err)
{
	struct oa2_discovery disc = {0};
	struct oa2_code_request code = {0};
	oa2_http *http = NULL;
	bool used_code = false;
	char *token = NULL;
	size_t len = 0;
	int rc = -1;

	if (req->grant == OA2_GRANT_TOKEN) {
		/* its own requests, and none at all for what is not a token */
		rc = oa2_token_grant(cfg, req->password, time(NULL), id, err);
		if (rc == 0)
			say(log, LOG_DEBUG, "token verified as %s (keys %s)", id->source,
			    id->fetched.jwks ? "fetched" : "cached");
		goto out;
	}
	http = oa2_http_new(cfg->ca_file, cfg->http_timeout, err);
	if (http == NULL)
		goto out;
	if (oa2_discovery_load(cfg->issuer, cfg->endpoint_hosts, http, cfg->cache_dir, time(NULL),
			       &disc, err) != 0)
		goto out;
	say(log, LOG_DEBUG, "discovery for %s %s", cfg->issuer,
	    disc.from_cache ? "read from cache" : "fetched");
	if (oa2_token_issuer_policy(cfg, &disc, err) != 0 ||
	    oa2_discovery_device_endpoint(&disc, cfg->device_authorization_endpoint, cfg->issuer,
					  cfg->endpoint_hosts, err) != 0)
		goto out;
	if (req->grant == OA2_GRANT_PASSWORD)
		rc = oa2_password_grant(cfg, &disc, http, req->user, req->password, &token, &len,
					err);
	else
		rc = interactive(cfg, &disc, http, req->grant, req->user, ui, log, &code,
				 &used_code, &token, &len, err);
	if (rc != 0)
		goto out;
	rc = oa2_token_validate(cfg, &disc, http, token, len, time(NULL), id, err);
	/* The code grant's evidence must be the ID token of this very login
	 * (its nonce; completed from userinfo or not). */
	if (rc == 0 && used_code &&
	    ((strcmp(id->source, "id_token") != 0 && strcmp(id->source, OA2_SOURCE_FILLED) != 0) ||
	     oa2_code_nonce_ok(id->claims, &code, err) != 0)) {
		oa2_fail(err, OA2_ERR_DENIED, "the code grant returned no ID token of this login");
		oa2_identity_clear(id);
		rc = -1;
	}
	if (rc == 0)
		say(log, LOG_DEBUG, "token validated from %s (keys %s)", id->source,
		    id->fetched.jwks ? "fetched" : "cached");
out:
	not_cached(log, &disc.cache_err);
	not_cached(log, &id->fetched.cache_err);
	oa2_code_request_clear(&code);
	oa2_free_secret_len(token, len);
	oa2_discovery_clear(&disc);
	oa2_http_free(http);
	return rc;
}

/* The IdP is unreachable: a console password login may use the offline
 * entry an earlier online login left, when the caller is allowed to. */
static int offline(const struct oa2_config *cfg, const struct oa2_online_request *req,
		   const struct oa2_logger *log, struct oa2_identity *id, oa2_error *err)
{
	if (!req->offline_allowed) {
		say(log, LOG_NOTICE, "IdP unreachable (%s); the offline entry for %s is not used: "
		    "the caller is not root (set-uid program or unprivileged process)",
		    err->msg, req->user);
		return -1;
	}
	say(log, LOG_NOTICE, "IdP unreachable (%s); trying the offline entry for %s", err->msg,
	    req->user);
	oa2_error_clear(err);
	if (oa2_offline_verify(cfg, req->user, req->password, time(NULL), &id->claims, &id->scope,
			       err) != 0)
		return -1;
	id->source = "offline entry";
	return 0;
}

int oa2_online_login(const struct oa2_config *cfg, const struct oa2_online_request *req,
		     const struct oa2_ui *ui, const struct oa2_logger *log,
		     struct oa2_identity *id, bool *was_online, oa2_error *err)
{
	*was_online = true;
	if (online(cfg, req, ui, log, id, err) == 0)
		return 0;
	if (req->grant != OA2_GRANT_PASSWORD || !cfg->offline_cache ||
	    err->kind != OA2_ERR_UNAVAIL)
		return -1;
	oa2_identity_clear(id);
	if (offline(cfg, req, log, id, err) != 0)
		return -1;
	*was_online = false;
	return 0;
}
