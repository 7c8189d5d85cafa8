/* keyset.c - load, cache and (rate-limited) refresh the JWKS. */
#include "autoconfig.h"

#include <stdlib.h>

#include "cache.h"
#include "keyset.h"

int oa2_keyset_fetch(struct oa2_keyset *ks, oa2_error *err)
{
	struct oa2_http_response resp = {0};
	char name[128];
	oa2_jwks *jwks;
	int rc = -1;

	if (oa2_http_get(ks->http, ks->jwks_uri, &resp, err) != 0)
		goto out;
	if (resp.status != 200) {
		oa2_fail(err, oa2_http_status_kind(resp.status), "%s: HTTP status %ld", ks->jwks_uri,
			 resp.status);
		goto out;
	}
	jwks = oa2_jwks_parse(resp.body, resp.len, err);
	if (jwks == NULL)
		goto out;
	oa2_jwks_free(ks->jwks);
	ks->jwks = jwks;
	ks->fetched = 1;
	if (ks->cache_dir != NULL && oa2_cache_name(ks->issuer, "jwks", name, sizeof(name)) == 0)
		(void)oa2_cache_put(ks->cache_dir, name, resp.body, resp.len, ks->now,
				    oa2_cache_ttl(resp.max_age, resp.no_store), NULL);
	rc = 0;
out:
	oa2_http_response_clear(&resp);
	return rc;
}

static int from_cache(struct oa2_keyset *ks, const char *name)
{
	char *body = NULL;
	const char *why = NULL;
	size_t len = 0;

	if (oa2_cache_get(ks->cache_dir, name, ks->now, &body, &len, &why) != 0)
		return 0;
	ks->jwks = oa2_jwks_parse(body, len, NULL);
	free(body);
	if (ks->jwks == NULL) {
		oa2_cache_drop(ks->cache_dir, name);
		return 0;
	}
	return 1;
}

int oa2_keyset_load(struct oa2_keyset *ks, oa2_error *err)
{
	char name[128];
	int lock, rc;

	if (ks->jwks != NULL)
		return 0;
	if (ks->cache_dir == NULL || oa2_cache_name(ks->issuer, "jwks", name, sizeof(name)) != 0)
		return oa2_keyset_fetch(ks, err);
	if (from_cache(ks, name))
		return 0;
	/* Many logins at once: one fetches, the others wait and read its copy. */
	lock = oa2_cache_lock(ks->cache_dir, name, oa2_http_timeout_ms(ks->http) + 1000);
	rc = from_cache(ks, name) ? 0 : oa2_keyset_fetch(ks, err);
	oa2_cache_unlock(lock);
	return rc;
}

/* Refetched (or written by another login) less than OA2_JWKS_MIN_REFRESH
 * seconds ago? */
static int recently_fetched(const struct oa2_keyset *ks, const char *name)
{
	long age = oa2_cache_age(ks->cache_dir, name, ks->now);

	return age >= 0 && age < OA2_JWKS_MIN_REFRESH;
}

int oa2_keyset_refresh(struct oa2_keyset *ks, oa2_error *err)
{
	char name[128];
	int lock, rc;

	if (ks->fetched)
		return 1;
	if (ks->cache_dir == NULL || oa2_cache_name(ks->issuer, "jwks", name, sizeof(name)) != 0)
		return oa2_keyset_fetch(ks, err);
	lock = oa2_cache_lock(ks->cache_dir, name, oa2_http_timeout_ms(ks->http) + 1000);
	if (recently_fetched(ks, name)) {
		/* Rate limit: no new request; but another login may have
		 * fetched newer keys since ours were read, so reread them. */
		oa2_jwks_free(ks->jwks);
		ks->jwks = NULL;
		rc = from_cache(ks, name) ? 0 : 1;
	} else {
		rc = oa2_keyset_fetch(ks, err);
	}
	oa2_cache_unlock(lock);
	return rc;
}

void oa2_keyset_clear(struct oa2_keyset *ks)
{
	if (ks == NULL)
		return;
	oa2_jwks_free(ks->jwks);
	ks->jwks = NULL;
	ks->fetched = 0;
}
