/* keyset.c - load, cache and (rate-limited) refresh the JWKS. */
#include "autoconfig.h"


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
		oa2_cache_put(ks->cache_dir, name, resp.body, resp.len, ks->now,
			      oa2_cache_ttl(resp.max_age, resp.no_store), &ks->cache_err);
	rc = 0;
out:
	oa2_http_response_clear(&resp);
	return rc;
}

/* A cached key set is used only when it still parses. */
static int use_cached(void *ctx, const char *body, size_t len)
{
	struct oa2_keyset *ks = ctx;

	ks->jwks = oa2_jwks_parse(body, len, NULL);
	return ks->jwks != NULL ? 0 : -1;
}

static int fetch(void *ctx, oa2_error *err)
{
	return oa2_keyset_fetch(ctx, err);
}

int oa2_keyset_load(struct oa2_keyset *ks, oa2_error *err)
{
	char name[128];

	if (ks->jwks != NULL)
		return 0;
	if (ks->cache_dir == NULL || oa2_cache_name(ks->issuer, "jwks", name, sizeof(name)) != 0)
		return oa2_keyset_fetch(ks, err);
	return oa2_cache_load(ks->cache_dir, name, ks->now, oa2_http_timeout_ms(ks->http) + 1000,
			      use_cached, fetch, ks, err);
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
		rc = oa2_cache_read(ks->cache_dir, name, ks->now, use_cached, ks) ? 0 : 1;
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
	oa2_error_clear(&ks->cache_err);
}
