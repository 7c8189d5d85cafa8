/* discovery.h - OpenID Provider metadata (OIDC Discovery 1.0 section 4).
 *
 * Loaded from the disk cache when fresh, else fetched from
 * <issuer>/.well-known/openid-configuration over verified HTTPS. The
 * document's issuer must equal the configured one exactly (or be a
 * multi-tenant template, or Entra's consumers tenant: below), and every endpoint
 * must be an https URL on the issuer's host (scheme, host and port) or on one
 * of endpoint_hosts ("host" or "host:port", space or comma separated; NULL
 * for none). A fetched document is cached for at most OA2_DISCOVERY_MAX_TTL
 * seconds, whatever the IdP's Cache-Control says. */
#ifndef OA2_DISCOVERY_H
#define OA2_DISCOVERY_H

#include <time.h>

#include "http.h"
#include "shared/error.h"

#define OA2_DISCOVERY_MAX_TTL 3600

struct oa2_discovery {
	char *issuer;
	char *token_endpoint;
	char *device_authorization_endpoint; /* NULL when not offered */
	char *authorization_endpoint;        /* NULL when not offered */
	char *jwks_uri;
	char *userinfo_endpoint;             /* NULL when not offered */
	char *introspection_endpoint;        /* NULL when not offered */
	/* CIBA (docs/ciba.md): the endpoint, NULL when not offered or not
	 * acceptable (backchannel_unusable then says why: an endpoint that is
	 * no https URL on an allowed host fails CIBA only, not the document);
	 * ciba_poll is 1 when backchannel_token_delivery_modes_supported
	 * holds "poll". */
	char *backchannel_authentication_endpoint;
	char backchannel_unusable[200];
	int ciba_poll;
	int from_cache;                      /* 1 when no request was made */
	oa2_error cache_err;                 /* fetched, but not written to the cache:
					      * the login goes on, the caller logs it */
	int multi_tenant;                    /* issuer is a {tenantid} template */
	int device_configured;               /* device endpoint from the configuration */
};

/* The placeholder of a multi-tenant issuer template. */
#define OA2_TENANT_PLACEHOLDER "{tenantid}"

/* Entra ID's multi-tenant endpoints: for the configured issuer
 * https://login.microsoftonline.com/organizations/v2.0 (or common)
 * the discovery document says
 * "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0". Such a
 * document is accepted only when its issuer holds "{tenantid}" once, as a
 * whole path segment, and the configured issuer equals it with that segment
 * replaced by "organizations" or "common". Returns 1 then, else 0. Each token's iss must then equal the template with the token's own tid
 * in place of {tenantid} (claims.c). */
int oa2_discovery_tenant_template(const char *doc_issuer, const char *issuer);

/* Entra ID's tenant of personal Microsoft accounts. Its "consumers"
 * endpoints are not multi-tenant: the discovery document of
 * https://HOST/consumers/v2.0 names the fixed issuer
 * https://HOST/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0, and every token's
 * iss is that. */
#define OA2_CONSUMERS_TENANT "9188040d-6c67-4c5b-b112-36a304b66dad"

/* 1 when issuer is https://HOST/consumers/v2.0 and doc_issuer is the
 * consumers tenant's issuer on the same scheme and host, else 0. Such a
 * document is accepted; its issuer (d->issuer) is then the one tokens must
 * carry, never the configured one. */
int oa2_discovery_consumers(const char *doc_issuer, const char *issuer);

/* Parse and check a discovery document against the expected issuer and the
 * allowed endpoint hosts. */
int oa2_discovery_parse(const char *body, size_t len, const char *issuer,
			const char *endpoint_hosts, struct oa2_discovery *out, oa2_error *err);

/* Cache first, then network. cache_dir may be NULL (no caching). */
int oa2_discovery_load(const char *issuer, const char *endpoint_hosts, oa2_http *http,
		       const char *cache_dir, time_t now, struct oa2_discovery *out,
		       oa2_error *err);

/* Always from the network, bypassing a cached copy; a good document is
 * stored in the cache as oa2_discovery_load would (diagnostic tool). A
 * failed write is noted in out->cache_err, not returned. */
int oa2_discovery_fetch(const char *issuer, const char *endpoint_hosts, oa2_http *http,
			const char *cache_dir, time_t now, struct oa2_discovery *out,
			oa2_error *err);

/* The configured device_authorization_endpoint (url; NULL: nothing to do)
 * in place of whatever discovery said, for IdPs whose discovery document
 * omits it (GitLab). The same host rule as for discovered endpoints: an
 * https URL on the issuer's host or one of endpoint_hosts, else
 * OA2_ERR_CONFIG. */
int oa2_discovery_device_endpoint(struct oa2_discovery *d, const char *url,
				  const char *issuer, const char *endpoint_hosts, oa2_error *err);

/* Is url's origin the issuer's or one of endpoint_hosts'? 1 yes, 0 no. */
int oa2_discovery_host_allowed(const char *url, const char *issuer, const char *endpoint_hosts);

/* The discovery URL for issuer, malloc'd; NULL on out of memory. */
char *oa2_discovery_url(const char *issuer);

void oa2_discovery_clear(struct oa2_discovery *d);

#endif
