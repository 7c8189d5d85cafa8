/* discovery.c - fetch, check and cache the OpenID Provider metadata. */
#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "discovery.h"
#include "shared/json.h"
#include "shared/strutil.h"

#define WELL_KNOWN "/.well-known/openid-configuration"

void oa2_discovery_clear(struct oa2_discovery *d)
{
	if (d == NULL)
		return;
	free(d->issuer);
	free(d->token_endpoint);
	free(d->device_authorization_endpoint);
	free(d->authorization_endpoint);
	free(d->jwks_uri);
	free(d->userinfo_endpoint);
	free(d->introspection_endpoint);
	free(d->backchannel_authentication_endpoint);
	memset(d, 0, sizeof(*d));
}

/* host[:port] as written (s up to the first '/', '?' or '#'), lower-case,
 * without the default ":443", into out; 0, or -1 when it does not fit. */
static int authority(const char *s, size_t n, char *out, size_t outlen)
{
	if (n >= outlen)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[n] = '\0';
	if (n > 4 && strcmp(out + n - 4, ":443") == 0)
		out[n - 4] = '\0';
	return 0;
}

static int url_authority(const char *url, char *out, size_t outlen)
{
	const char *host;

	if (!oa2_is_https_url(url))
		return -1;
	host = url + 8;
	return authority(host, strcspn(host, "/?#"), out, outlen);
}

int oa2_discovery_host_allowed(const char *url, const char *issuer, const char *endpoint_hosts)
{
	char want[256], have[256];
	const char *p = endpoint_hosts, *word;
	size_t n;

	if (url_authority(url, have, sizeof(have)) != 0)
		return 0;
	if (url_authority(issuer, want, sizeof(want)) == 0 && strcmp(have, want) == 0)
		return 1;
	while (p != NULL && oa2_list_next(&p, OA2_LIST_SEPS, &word, &n)) {
		if (authority(word, n, want, sizeof(want)) == 0 && strcmp(have, want) == 0)
			return 1;
	}
	return 0;
}

int oa2_discovery_tenant_template(const char *doc_issuer, const char *issuer)
{
	static const char *const words[] = {"organizations", "common", NULL};
	static const char seg[] = "/" OA2_TENANT_PLACEHOLDER;
	const char *at, *path, *rest;
	size_t pre;

	if (!oa2_is_https_url(doc_issuer) || !oa2_is_https_url(issuer))
		return 0;
	path = strchr(doc_issuer + 8, '/'); /* the path starts after the host */
	at = path != NULL ? strstr(path, seg) : NULL;
	if (at == NULL)
		return 0;
	rest = at + sizeof(seg) - 1;
	if ((*rest != '/' && *rest != '\0') || strstr(rest, OA2_TENANT_PLACEHOLDER) != NULL)
		return 0;
	pre = (size_t)(at - doc_issuer) + 1; /* up to and with the slash */
	if (strncmp(issuer, doc_issuer, pre) != 0)
		return 0;
	for (const char *const *w = words; *w != NULL; w++) {
		size_t n = strlen(*w);

		if (strncmp(issuer + pre, *w, n) == 0 && strcmp(issuer + pre + n, rest) == 0)
			return 1;
	}
	return 0;
}

int oa2_discovery_consumers(const char *doc_issuer, const char *issuer)
{
	static const char alias[] = "/consumers/v2.0";
	static const char fixed[] = "/" OA2_CONSUMERS_TENANT "/v2.0";
	const char *path;
	size_t pre;

	if (!oa2_is_https_url(doc_issuer) || !oa2_is_https_url(issuer))
		return 0;
	path = strchr(issuer + 8, '/'); /* the path starts after the host */
	if (path == NULL || strcmp(path, alias) != 0)
		return 0;
	pre = (size_t)(path - issuer);
	return strncmp(doc_issuer, issuer, pre) == 0 && strcmp(doc_issuer + pre, fixed) == 0;
}

/* The URL's host for a message: "(too long)" when it cannot be had. */
static void host_of(const char *url, char *where, size_t len)
{
	if (url_authority(url, where, len) != 0)
		snprintf(where, len, "(too long)");
}

/* Copy an endpoint URL; required ones must be present, every one on an
 * allowed host. */
static int endpoint(json_object *doc, const char *key, int required, const char *issuer,
		    const char *hosts, char **out, oa2_error *err)
{
	const char *val = NULL;
	char where[256];
	int rc = oa2_json_string(doc, key, &val);

	if (rc == 1 && !required)
		return 0;
	if (rc == 1)
		return oa2_fail(err, OA2_ERR_PROTOCOL, "discovery: '%s' is missing", key);
	if (rc != 0 || !oa2_is_https_url(val))
		return oa2_fail(err, OA2_ERR_PROTOCOL, "discovery: '%s' is not an https URL", key);
	if (!oa2_discovery_host_allowed(val, issuer, hosts)) {
		host_of(val, where, sizeof(where));
		return oa2_fail(err, OA2_ERR_PROTOCOL,
				"discovery: '%s' is on host %.100s, neither the issuer's nor one of "
				"endpoint_hosts",
				key, where);
	}
	*out = strdup(val);
	if (*out == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	return 0;
}

/* The CIBA members, which never fail the document: a login with another
 * grant must not depend on them. */
static void ciba_members(json_object *doc, const char *issuer, const char *hosts,
			 struct oa2_discovery *out)
{
	json_object *modes = NULL;
	oa2_error e = {0};

	if (endpoint(doc, "backchannel_authentication_endpoint", 0, issuer, hosts,
		     &out->backchannel_authentication_endpoint, &e) != 0)
		snprintf(out->backchannel_unusable, sizeof(out->backchannel_unusable), "%.180s", e.msg);
	if (oa2_json_array(doc, "backchannel_token_delivery_modes_supported", &modes) != 0)
		return;
	for (size_t i = 0; i < json_object_array_length(modes); i++) {
		json_object *m = json_object_array_get_idx(modes, i);

		if (json_object_is_type(m, json_type_string) &&
		    strcmp(json_object_get_string(m), "poll") == 0)
			out->ciba_poll = 1;
	}
}

int oa2_discovery_parse(const char *body, size_t len, const char *issuer,
			const char *hosts, struct oa2_discovery *out, oa2_error *err)
{
	json_object *doc;
	const char *iss = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	doc = oa2_json_parse(body, len, "discovery document", err);
	if (doc == NULL)
		return -1;
	if (oa2_json_string(doc, "issuer", &iss) != 0) {
		oa2_fail(err, OA2_ERR_PROTOCOL, "discovery: 'issuer' missing or not a string");
		goto out;
	}
	if (strcmp(iss, issuer) != 0) {
		if (oa2_discovery_tenant_template(iss, issuer)) {
			out->multi_tenant = 1;
		} else if (!oa2_discovery_consumers(iss, issuer)) {
			oa2_fail(err, OA2_ERR_PROTOCOL,
				 "discovery: issuer '%.100s' does not equal the configured '%.100s'",
				 iss, issuer);
			goto out;
		}
	}
	out->issuer = strdup(iss);
	if (out->issuer == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (endpoint(doc, "token_endpoint", 1, issuer, hosts, &out->token_endpoint, err) != 0 ||
	    endpoint(doc, "jwks_uri", 1, issuer, hosts, &out->jwks_uri, err) != 0 ||
	    endpoint(doc, "device_authorization_endpoint", 0, issuer, hosts,
		     &out->device_authorization_endpoint, err) != 0 ||
	    endpoint(doc, "authorization_endpoint", 0, issuer, hosts,
		     &out->authorization_endpoint, err) != 0 ||
	    endpoint(doc, "userinfo_endpoint", 0, issuer, hosts, &out->userinfo_endpoint,
		     err) != 0 ||
	    endpoint(doc, "introspection_endpoint", 0, issuer, hosts,
		     &out->introspection_endpoint, err) != 0)
		goto out;
	ciba_members(doc, issuer, hosts, out);
	rc = 0;
out:
	json_object_put(doc);
	if (rc != 0)
		oa2_discovery_clear(out);
	return rc;
}

int oa2_discovery_device_endpoint(struct oa2_discovery *d, const char *url,
				  const char *issuer, const char *hosts, oa2_error *err)
{
	char where[256];
	char *copy;

	if (url == NULL)
		return 0;
	if (!oa2_is_https_url(url))
		return oa2_fail(err, OA2_ERR_CONFIG,
				"device_authorization_endpoint is not an https URL");
	if (!oa2_discovery_host_allowed(url, issuer, hosts)) {
		host_of(url, where, sizeof(where));
		return oa2_fail(err, OA2_ERR_CONFIG,
				"device_authorization_endpoint is on host %.100s, neither the "
				"issuer's nor one of endpoint_hosts",
				where);
	}
	copy = strdup(url);
	if (copy == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	free(d->device_authorization_endpoint);
	d->device_authorization_endpoint = copy;
	d->device_configured = 1;
	return 0;
}

char *oa2_discovery_url(const char *issuer)
{
	size_t n = strlen(issuer);
	char *base = strdup(issuer), *url;

	if (base == NULL)
		return NULL;
	if (n > 0 && base[n - 1] == '/')
		base[n - 1] = '\0';
	url = oa2_concat(base, WELL_KNOWN);
	free(base);
	return url;
}

int oa2_discovery_fetch(const char *issuer, const char *hosts, oa2_http *http,
			const char *cache_dir, time_t now, struct oa2_discovery *out, oa2_error *err)
{
	struct oa2_http_response resp = {0};
	char name[128];
	char *url = NULL;
	long ttl;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	url = oa2_discovery_url(issuer);
	if (url == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (oa2_http_get(http, url, &resp, err) != 0)
		goto out;
	if (resp.status != 200) {
		oa2_fail(err, oa2_http_status_kind(resp.status), "%s: HTTP status %ld", url,
			 resp.status);
		goto out;
	}
	if (oa2_discovery_parse(resp.body, resp.len, issuer, hosts, out, err) != 0)
		goto out;
	ttl = oa2_cache_ttl(resp.max_age, resp.no_store);
	if (ttl > OA2_DISCOVERY_MAX_TTL)
		ttl = OA2_DISCOVERY_MAX_TTL;
	if (cache_dir != NULL && oa2_cache_name(issuer, "discovery", name, sizeof(name)) == 0)
		oa2_cache_put(cache_dir, name, resp.body, resp.len, now, ttl, &out->cache_err);
	rc = 0;
out:
	free(url);
	oa2_http_response_clear(&resp);
	return rc;
}

/* oa2_discovery_load's request, for the cache's callbacks. */
struct load {
	const char *issuer, *hosts, *cache_dir;
	oa2_http *http;
	time_t now;
	struct oa2_discovery *out;
};

/* A cached document is used only when it still passes every check. */
static int use_cached(void *ctx, const char *body, size_t len)
{
	struct load *l = ctx;

	if (oa2_discovery_parse(body, len, l->issuer, l->hosts, l->out, NULL) != 0)
		return -1;
	l->out->from_cache = 1;
	return 0;
}

static int fetch(void *ctx, oa2_error *err)
{
	struct load *l = ctx;

	return oa2_discovery_fetch(l->issuer, l->hosts, l->http, l->cache_dir, l->now, l->out,
				   err);
}

int oa2_discovery_load(const char *issuer, const char *hosts, oa2_http *http,
		       const char *cache_dir, time_t now, struct oa2_discovery *out, oa2_error *err)
{
	struct load l = {issuer, hosts, cache_dir, http, now, out};
	char name[128];

	memset(out, 0, sizeof(*out));
	if (cache_dir == NULL || oa2_cache_name(issuer, "discovery", name, sizeof(name)) != 0)
		return oa2_discovery_fetch(issuer, hosts, http, NULL, now, out, err);
	return oa2_cache_load(cache_dir, name, now, oa2_http_timeout_ms(http) + 1000, use_cached,
			      fetch, &l, err);
}
