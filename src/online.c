/* online.c - discovery, grant, validation; the offline entry as fallback. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "device_grant.h"
#include "discovery.h"
#include "http.h"
#include "offline.h"
#include "online.h"
#include "password_grant.h"
#include "token_grant.h"
#include "strutil.h"

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

/* Everything that needs the IdP. */
static int online(const struct oa2_config *cfg, const struct oa2_online_request *req,
		  const struct oa2_ui *ui, const struct oa2_logger *log, struct oa2_identity *id,
		  oa2_error *err)
{
	struct oa2_discovery disc = {0};
	oa2_http *http = NULL;
	char *token = NULL;
	size_t len = 0;
	int rc = -1;

	if (req->grant == OA2_GRANT_TOKEN) {
		/* its own requests, and none at all for what is not a token */
		rc = oa2_token_grant(cfg, req->password, time(NULL), id, err);
		if (rc == 0)
			say(log, LOG_DEBUG, "token verified as %s (keys %s)", id->source,
			    id->jwks_fetched ? "fetched" : "cached");
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
	if (req->grant == OA2_GRANT_DEVICE)
		rc = oa2_device_grant(cfg, &disc, http, ui, &token, &len, err);
	else
		rc = oa2_password_grant(cfg, &disc, http, req->user, req->password, &token, &len,
					err);
	if (rc != 0)
		goto out;
	rc = oa2_token_validate(cfg, &disc, http, token, len, time(NULL), id, err);
	if (rc == 0)
		say(log, LOG_DEBUG, "token validated from %s (keys %s)", id->source,
		    id->jwks_fetched ? "fetched" : "cached");
out:
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
