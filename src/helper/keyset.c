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

/* May the JWKS be fetched again now? Not when the cache entry was written
 * (by any login) or the refetch stamp set less than OA2_JWKS_MIN_REFRESH
 * seconds ago; not when the stamp cannot be kept or the entry's lock was
 * not had (ks->limit_err says why: fail closed). 1 when it may, and the
 * stamp is set. */
static int may_refetch(struct oa2_keyset *ks, const char *name, int lock)
{
	long entry = oa2_cache_age(ks->cache_dir, name, ks->now);
	oa2_error why = {0};

	if (lock < 0) {
		oa2_fail(&ks->limit_err, OA2_ERR_INTERNAL,
			 "no JWKS refetch, the rate limit cannot be kept: no lock in %s",
			 ks->cache_dir);
		return 0;
	}
	if (entry >= 0 && entry < OA2_JWKS_MIN_REFRESH)
		return 0;
	switch (oa2_cache_stamp(ks->cache_dir, name, ks->now, OA2_JWKS_MIN_REFRESH, &why)) {
	case 1:
		return 1;
	case 0:
		return 0;
	default:
		oa2_fail_wrap(&ks->limit_err, OA2_ERR_INTERNAL,
			      "no JWKS refetch, the rate limit cannot be kept: ", &why);
		return 0;
	}
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
	if (may_refetch(ks, name, lock)) {
		rc = oa2_keyset_fetch(ks, err);
	} else {
		/* Rate limit: no new request; but another login may have
		 * fetched newer keys since ours were read, so reread them. */
		oa2_jwks_free(ks->jwks);
		ks->jwks = NULL;
		rc = oa2_cache_read(ks->cache_dir, name, ks->now, use_cached, ks) ? 0 : 1;
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
	oa2_error_clear(&ks->limit_err);
}
