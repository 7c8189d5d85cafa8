/* login.c - one login, step by step. */
#include "autoconfig.h"

#include <time.h>

#include "discovery.h"
#include "http.h"
#include "log.h"
#include "login.h"

int oa2_login(pam_handle_t *pamh, const struct oa2_config *cfg, oa2_error *err)
{
	struct oa2_discovery disc = {0};
	oa2_http *http = NULL;
	int rc = -1;

	http = oa2_http_new(cfg->ca_file, cfg->http_timeout, err);
	if (http == NULL)
		goto out;
	if (oa2_discovery_load(cfg->issuer, http, cfg->cache_dir, time(NULL), &disc, err) != 0)
		goto out;
	oa2_debug(pamh, cfg->debug, "discovery for %s %s", cfg->issuer,
		  disc.from_cache ? "read from cache" : "fetched");
	/* Token validation and user mapping do not exist yet: no grant may
	 * succeed until they do. */
	oa2_fail(err, OA2_ERR_DENIED, "no login method is available in this build");
out:
	oa2_discovery_clear(&disc);
	oa2_http_free(http);
	return rc;
}
