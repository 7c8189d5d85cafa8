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
		oa2_fail(err, OA2_ERR_UNAVAIL, "%s: HTTP status %ld", ks->jwks_uri, resp.status);
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

int oa2_keyset_load(struct oa2_keyset *ks, oa2_error *err)
{
	char name[128];
	char *body = NULL;
	const char *why = NULL;
	size_t len = 0;

	if (ks->jwks != NULL)
		return 0;
	if (ks->cache_dir != NULL && oa2_cache_name(ks->issuer, "jwks", name, sizeof(name)) == 0 &&
	    oa2_cache_get(ks->cache_dir, name, ks->now, &body, &len, &why) == 0) {
		ks->jwks = oa2_jwks_parse(body, len, NULL);
		free(body);
		if (ks->jwks != NULL)
			return 0;
		oa2_cache_drop(ks->cache_dir, name);
	}
	return oa2_keyset_fetch(ks, err);
}

int oa2_keyset_refresh(struct oa2_keyset *ks, oa2_error *err)
{
	char name[128];
	long age;

	if (ks->fetched)
		return 1;
	if (ks->cache_dir != NULL && oa2_cache_name(ks->issuer, "jwks", name, sizeof(name)) == 0) {
		age = oa2_cache_age(ks->cache_dir, name, ks->now);
		if (age >= 0 && age < OA2_JWKS_MIN_REFRESH)
			return 1;
	}
	return oa2_keyset_fetch(ks, err);
}

void oa2_keyset_clear(struct oa2_keyset *ks)
{
	if (ks == NULL)
		return;
	oa2_jwks_free(ks->jwks);
	ks->jwks = NULL;
	ks->fetched = 0;
}
