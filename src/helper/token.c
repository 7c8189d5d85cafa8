/* token.c - validate a token response: id_token, introspection or userinfo. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "claims.h"
#include "claims_fill.h"
#include "keyset.h"
#include "oauth.h"
#include "token.h"
#include "crypto/jws.h"
#include "shared/json.h"
#include "shared/strutil.h"

static struct oa2_claims_policy policy(const struct oa2_config *cfg,
				       const struct oa2_discovery *disc, time_t now)
{
	/* the document's issuer: the configured one, or the fixed issuer it
	 * names for Entra's consumers (discovery.h) */
	struct oa2_claims_policy p = {disc->issuer, cfg->client_id, (int64_t)now, cfg->leeway,
				      disc->multi_tenant ? disc->issuer : NULL};

	return p;
}

int oa2_token_issuer_policy(const struct oa2_config *cfg, const struct oa2_discovery *disc,
			    oa2_error *err)
{
	if (disc->multi_tenant && !oa2_config_has_condition(cfg, "tid"))
		return oa2_fail(err, OA2_ERR_CONFIG,
				"issuer %s is multi-tenant (discovery says '%.100s'): users of every "
				"tenant could log in; set require_claims = tid=YOUR-TENANT-ID",
				cfg->issuer, disc->issuer);
	return 0;
}

/* An access token in JWT form (RFC 9068) declares "typ": "at+jwt"; it is
 * signed by the same keys as ID tokens, so without this check a token
 * meant for a resource server could pass as an ID token. */
static int check_not_access_token(const oa2_jws *jws, oa2_error *err)
{
	if (oa2_jws_is_access_token(jws))
		return oa2_fail(err, OA2_ERR_DENIED,
				"id_token: \"typ\" marks an access token (at+jwt), not an ID token");
	return 0;
}

int oa2_token_verify_jws(const struct oa2_config *cfg, const struct oa2_discovery *disc,
			 oa2_http *http, oa2_jws *jws, time_t now, struct oa2_fetched *fetched,
			 oa2_error *err)
{
	struct oa2_keyset ks = {.issuer = cfg->issuer, .jwks_uri = disc->jwks_uri,
				.cache_dir = cfg->cache_dir, .http = http, .now = now};
	oa2_error verr = {0};
	int rc = -1, v;

	if (oa2_keyset_load(&ks, err) != 0)
		goto out;
	v = oa2_jws_verify(jws, ks.jwks, &verr);
	if (v == OA2_JWS_NO_KEY) {
		/* Perhaps the IdP rotated its keys: one rate-limited refetch. */
		int r = oa2_keyset_refresh(&ks, err);

		if (r < 0)
			goto out;
		if (r == 0) {
			oa2_error_clear(&verr);
			v = oa2_jws_verify(jws, ks.jwks, &verr);
		}
	}
	if (v != 0 && ks.limit_err.kind != OA2_OK) {
		/* the admin must learn why rotated keys are not picked up */
		char both[OA2_ERRMSG_MAX];

		snprintf(both, sizeof(both), "%.160s (%.90s)", verr.msg, ks.limit_err.msg);
		oa2_fail_text(err, OA2_ERR_DENIED, both);
		goto out;
	}
	if (v != 0) {
		oa2_fail_wrap(err, OA2_ERR_DENIED, "", &verr);
		goto out;
	}
	rc = 0;
out:
	if (fetched != NULL) {
		fetched->jwks = ks.fetched;
		if (ks.cache_err.kind != OA2_OK)
			fetched->cache_err = ks.cache_err;
	}
	oa2_keyset_clear(&ks);
	return rc;
}

/* A copy of a claim set's text for the identity. */
static int keep_text(const char *text, size_t len, char **out, oa2_error *err)
{
	*out = strndup(text, len);
	if (*out == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	return 0;
}

int oa2_token_verify_id_token(const struct oa2_config *cfg, const struct oa2_discovery *disc,
			      oa2_http *http, const char *jwt, time_t now, char **claims,
			      struct oa2_fetched *fetched, oa2_error *err)
{
	struct oa2_claims_policy p = policy(cfg, disc, now);
	oa2_error verr = {0};
	oa2_jws *jws = NULL;
	oa2_jobj *c;
	const char *text;
	size_t len = 0;
	int rc = -1;

	*claims = NULL;
	if (fetched != NULL)
		fetched->jwks = 0;
	if (oa2_token_issuer_policy(cfg, disc, err) != 0)
		goto out;
	jws = oa2_jws_parse(jwt, err);
	if (jws == NULL || check_not_access_token(jws, err) != 0)
		goto out;
	if (oa2_token_verify_jws(cfg, disc, http, jws, now, fetched, &verr) != 0) {
		/* a refused signature is the token's fault; a key set that cannot
		 * be had is reported as it is */
		oa2_fail_wrap(err, verr.kind, verr.kind == OA2_ERR_DENIED ? "id_token: " : "", &verr);
		goto out;
	}
	c = oa2_jws_claims(jws, err);
	if (c == NULL || oa2_claims_check_id_token(c, &p, err) != 0)
		goto out;
	text = oa2_jws_payload(jws, &len);
	rc = keep_text(text, len, claims, err);
out:
	oa2_jws_free(jws);
	return rc;
}

/* GET userinfo with the access token as a Bearer credential. */
int oa2_token_userinfo(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		       oa2_http *http, const char *access_token, char **out, oa2_error *err)
{
	struct oa2_http_response resp = {0};
	oa2_jobj info;
	int rc = -1;

	(void)cfg;
	*out = NULL;
	if (disc->userinfo_endpoint == NULL)
		return oa2_fail(err, OA2_ERR_CONFIG, "the IdP offers no userinfo endpoint");
	if (oa2_http_get_bearer(http, disc->userinfo_endpoint, access_token, &resp, err) != 0)
		goto out;
	if (resp.status != 200) {
		oa2_fail(err, resp.status >= 500 ? OA2_ERR_UNAVAIL : OA2_ERR_DENIED,
			 "userinfo: HTTP status %ld", resp.status);
		goto out;
	}
	if (oa2_jscan_object(&info, resp.body, resp.len, "userinfo", err) != 0)
		goto out;
	if (oa2_claims_sub(&info) == NULL)
		oa2_fail(err, OA2_ERR_DENIED, "userinfo: 'sub' is missing or not a string");
	else
		rc = keep_text(resp.body, resp.len, out, err);
	oa2_jobj_clear(&info);
out:
	oa2_http_response_clear(&resp);
	return rc;
}

/* POST the access token to the introspection endpoint (RFC 7662). */
/* The answer must pass for one of the audiences (a list; NULL: client_id);
 * the first one's refusal is reported. */
static int check_introspection(oa2_jobj *r, struct oa2_claims_policy *p,
			       const char *audiences, oa2_error *err)
{
	const char *list = audiences, *word;
	char one[256];
	size_t n;
	oa2_error first = {0}, e = {0};

	if (audiences == NULL)
		return oa2_claims_check_introspection(r, p, err);
	while (oa2_list_next(&list, OA2_LIST_SEPS, &word, &n)) {
		if (n >= sizeof(one))
			continue;
		memcpy(one, word, n);
		one[n] = '\0';
		p->client_id = one;
		oa2_error_clear(&e);
		if (oa2_claims_check_introspection(r, p, &e) == 0)
			return 0;
		if (first.kind == OA2_OK)
			first = e;
	}
	if (first.kind == OA2_OK)
		return oa2_fail(err, OA2_ERR_CONFIG, "token_audience names no audience");
	return oa2_fail_wrap(err, first.kind, "", &first);
}

int oa2_token_introspect(const struct oa2_config *cfg, const struct oa2_discovery *disc,
			 oa2_http *http, const char *access_token, const char *audiences, time_t now,
			 char **out, oa2_error *err)
{
	struct oa2_claims_policy p = policy(cfg, disc, now);
	struct oa2_http_response resp = {0};
	oa2_jobj r;
	char *form = NULL;
	int rc = -1;

	*out = NULL;
	if (disc->introspection_endpoint == NULL)
		return oa2_fail(err, OA2_ERR_CONFIG, "the IdP offers no introspection endpoint");
	if (cfg->client_secret == NULL)
		return oa2_fail(err, OA2_ERR_CONFIG, "introspection needs a confidential client");
	if (oa2_form_add(&form, "token", access_token, err) != 0 ||
	    oa2_form_add(&form, "token_type_hint", "access_token", err) != 0)
		goto out;
	if (oa2_oauth_post(cfg, http, disc->introspection_endpoint, &form, &resp, err) != 0)
		goto out;
	if (resp.status != 200) {
		oa2_fail(err, oa2_http_status_kind(resp.status), "introspection: HTTP status %ld",
			 resp.status);
		goto out;
	}
	if (oa2_jscan_object(&r, resp.body, resp.len, "introspection", err) != 0)
		goto out;
	if (check_introspection(&r, &p, audiences, err) == 0)
		rc = keep_text(resp.body, resp.len, out, err);
	oa2_jobj_clear(&r);
out:
	oa2_free_secret(form);
	oa2_http_response_clear(&resp);
	return rc;
}

int oa2_token_same_sub(const char *a, const char *b, const char *what, oa2_error *err)
{
	oa2_jobj ja, jb;
	const char *sa = NULL, *sb = NULL;
	int rc;

	/* both were checked when they came in: a refusal here is a mismatch */
	if (oa2_jscan_object(&ja, a, strlen(a), what, NULL) == 0)
		sa = oa2_claims_sub(&ja);
	if (oa2_jscan_object(&jb, b, strlen(b), what, NULL) == 0)
		sb = oa2_claims_sub(&jb);
	rc = sa == NULL || sb == NULL || strcmp(sa, sb) != 0
		     ? oa2_fail(err, OA2_ERR_DENIED, "%s 'sub' does not match the id_token's", what)
		     : 0;
	oa2_jobj_clear(&ja);
	oa2_jobj_clear(&jb);
	return rc;
}

static int pick_source(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		       int have_id_token)
{
	if (cfg->claims_source != OA2_CLAIMS_AUTO)
		return cfg->claims_source;
	if (have_id_token)
		return OA2_CLAIMS_ID_TOKEN;
	if (disc->introspection_endpoint != NULL && cfg->client_secret != NULL)
		return OA2_CLAIMS_INTROSPECTION;
	return OA2_CLAIMS_USERINFO;
}

/* claims_source = auto with an ID token that lacks the user-name claim, or
 * the groups claim while groups are required or mapped (group_map with
 * accounts = create): one userinfo request, the
 * same sub, and those claims only (claims_fill.h). *idc is replaced by the
 * completed claims; nothing happens when nothing is lacking, or when there
 * is no access token or userinfo endpoint to ask (the mapping then says
 * which claim is missing). */
static int fill_from_userinfo(const struct oa2_config *cfg, const struct oa2_discovery *disc,
			      oa2_http *http, const char *access, char **idc, bool *filled,
			      oa2_error *err)
{
	bool groups = cfg->require_groups != NULL ||
		      (cfg->accounts == OA2_ACCOUNTS_CREATE && cfg->group_map != NULL);
	const char *names[2] = {cfg->username_claim, groups ? cfg->groups_claim : NULL};
	char *info = NULL, *merged = NULL;
	oa2_jobj c = {0};
	size_t added = 0;
	bool lacking = false;
	int rc = -1;

	*filled = false;
	if (cfg->claims_source != OA2_CLAIMS_AUTO || access == NULL ||
	    disc->userinfo_endpoint == NULL)
		return 0;
	if (oa2_jscan_object(&c, *idc, strlen(*idc), "id_token claims", err) != 0)
		goto out;
	for (size_t i = 0; i < 2; i++)
		lacking = lacking || (names[i] != NULL && oa2_claims_lack(&c, names[i]));
	if (!lacking) {
		rc = 0;
		goto out;
	}
	if (oa2_token_userinfo(cfg, disc, http, access, &info, err) != 0 ||
	    oa2_token_same_sub(info, *idc, "userinfo", err) != 0 ||
	    oa2_claims_fill(*idc, info, names, 2, &merged, &added, err) != 0)
		goto out;
	free(*idc);
	*idc = merged;
	*filled = added > 0;
	rc = 0;
out:
	oa2_jobj_clear(&c);
	free(info);
	return rc;
}

int oa2_token_validate(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		       oa2_http *http, const char *body, size_t len, time_t now,
		       struct oa2_identity *out, oa2_error *err)
{
	json_object *resp = NULL;
	char *idc = NULL, *other = NULL;
	const char *id_token = NULL, *access = NULL, *type = NULL, *scope = NULL;
	bool filled = false;
	int rc = -1, src;

	memset(out, 0, sizeof(*out));
	resp = oa2_json_parse(body, len, "token response", err);
	if (resp == NULL)
		goto out;
	if (oa2_json_string(resp, "id_token", &id_token) < 0 ||
	    oa2_json_string(resp, "access_token", &access) < 0 ||
	    oa2_json_string(resp, "token_type", &type) < 0 ||
	    oa2_json_string(resp, "scope", &scope) < 0) {
		oa2_fail(err, OA2_ERR_PROTOCOL, "token response: a field has the wrong type");
		goto out;
	}
	if (access != NULL && (type == NULL || strcasecmp(type, "Bearer") != 0)) {
		oa2_fail(err, OA2_ERR_PROTOCOL, "token response: token_type is not Bearer");
		goto out;
	}
	src = pick_source(cfg, disc, id_token != NULL);
	if (src == OA2_CLAIMS_ID_TOKEN && id_token == NULL) {
		oa2_fail(err, OA2_ERR_DENIED, "token response has no id_token");
		goto out;
	}
	if (src != OA2_CLAIMS_ID_TOKEN && access == NULL) {
		oa2_fail(err, OA2_ERR_DENIED, "token response has no access_token");
		goto out;
	}
	if (id_token != NULL &&
	    oa2_token_verify_id_token(cfg, disc, http, id_token, now, &idc, &out->fetched,
				      err) != 0)
		goto out;
	if (src == OA2_CLAIMS_ID_TOKEN &&
	    fill_from_userinfo(cfg, disc, http, access, &idc, &filled, err) != 0)
		goto out;
	if (src == OA2_CLAIMS_INTROSPECTION) {
		if (oa2_token_introspect(cfg, disc, http, access, NULL, now, &other, err) != 0)
			goto out;
	} else if (src == OA2_CLAIMS_USERINFO) {
		if (oa2_token_userinfo(cfg, disc, http, access, &other, err) != 0)
			goto out;
	}
	if (other != NULL && idc != NULL &&
	    oa2_token_same_sub(other, idc, src == OA2_CLAIMS_USERINFO ? "userinfo" : "introspection", err) != 0)
		goto out;
	out->source = src == OA2_CLAIMS_ID_TOKEN    ? (filled ? OA2_SOURCE_FILLED : "id_token")
		      : src == OA2_CLAIMS_USERINFO ? "userinfo"
						   : "introspection";
	if (other != NULL) {
		out->claims = other;
		other = NULL;
	} else {
		out->claims = idc;
		idc = NULL;
	}
	if (scope != NULL) {
		out->scope = strdup(scope);
		if (out->scope == NULL) {
			oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc != 0)
		oa2_identity_clear(out);
	free(idc);
	free(other);
	oa2_json_put_wiped(resp); /* it holds the tokens */
	return rc;
}
