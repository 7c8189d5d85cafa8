/* token.h - from a token endpoint answer to a set of verified identity claims.
 *
 * claims_source picks the evidence: the id_token (JWS verified against the
 * issuer's JWKS, then iss/aud/azp/exp/nbf/iat/sub checked), RFC 7662
 * introspection of the access token (with client authentication), or the
 * userinfo endpoint called with the access token. "auto" uses the id_token
 * when there is one (completed from userinfo when it lacks the user-name or
 * the required groups claim: claims_fill.h), else introspection when the
 * client is confidential and the IdP offers it, else userinfo. Whenever an id_token and a second source
 * both speak, their sub must be the same. Claim sets travel as the JSON
 * text the IdP signed or sent, checked by the strict scanner (jscan.h). */
#ifndef OA2_TOKEN_H
#define OA2_TOKEN_H

#include <json-c/json.h>
#include <stddef.h>
#include <time.h>

#include "discovery.h"
#include "http.h"
#include "shared/config.h"
#include "shared/error.h"
#include "shared/identity.h"

int oa2_token_validate(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		       oa2_http *http, const char *body, size_t len, time_t now,
		       struct oa2_identity *out, oa2_error *err);

/* Verify one compact JWT as an ID token (signature + claims); exposed for
 * the tests and the diagnostic tool. */
int oa2_token_verify_id_token(const struct oa2_config *cfg, const struct oa2_discovery *disc,
			      oa2_http *http, const char *jwt, time_t now, char **claims,
			      struct oa2_fetched *fetched, oa2_error *err);

/* A multi-tenant issuer (disc->multi_tenant) is refused as a configuration
 * error unless require_claims holds a tid= condition: without one, users of
 * every tenant could log in. Checked right after discovery and again before
 * any ID token is verified. */
int oa2_token_issuer_policy(const struct oa2_config *cfg, const struct oa2_discovery *disc,
			    oa2_error *err);

/* The JWS signature against the issuer's JWKS (cache, then jwks_uri; one
 * rate-limited refetch for an unknown kid). Claims are not looked at.
 * fetched (may be NULL) is told whether the keys came from the network and
 * whether they could not be cached. */
struct oa2_jws;
int oa2_token_verify_jws(const struct oa2_config *cfg, const struct oa2_discovery *disc,
			 oa2_http *http, struct oa2_jws *jws, time_t now,
			 struct oa2_fetched *fetched, oa2_error *err);

/* RFC 7662 introspection of a token with client authentication, then the
 * checks of oa2_claims_check_introspection with one of audiences (a list;
 * NULL: client_id) as the client the token must belong to. */
int oa2_token_introspect(const struct oa2_config *cfg, const struct oa2_discovery *disc,
			 oa2_http *http, const char *access_token, const char *audiences, time_t now,
			 char **out, oa2_error *err);

/* GET userinfo with the access token as a Bearer credential; sub required. */
int oa2_token_userinfo(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		       oa2_http *http, const char *access_token, char **out, oa2_error *err);

/* Both claim sets name the same sub, else OA2_ERR_DENIED ("WHAT 'sub' ..."). */
int oa2_token_same_sub(const char *a, const char *b, const char *what, oa2_error *err);

#endif
