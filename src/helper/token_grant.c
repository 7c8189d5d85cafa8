/* token_grant.c - grant = token: verify a token presented as the password. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "claims.h"
#include "discovery.h"
#include "http.h"
#include "replay.h"
#include "token_grant.h"
#include "crypto/jws.h"
#include "shared/jscan.h"
#include "shared/strutil.h"

#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#define MAX_JTI 255

enum oa2_token_shape oa2_token_shape(const char *t)
{
	size_t len = strlen(t), body;
	const char *d1, *d2;

	if (len == 0 || len > OA2_JWS_MAX_SIZE)
		return OA2_TOKEN_NONE;
	d1 = strchr(t, '.');
	d2 = d1 != NULL ? strchr(d1 + 1, '.') : NULL;
	if (d1 != NULL && d2 != NULL && strchr(d2 + 1, '.') == NULL && d1 > t && d2 > d1 + 1 &&
	    d2[1] != '\0' && strspn(t, B64URL ".") == len)
		return OA2_TOKEN_JWT;
	/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=",
	 * but without ".": what has dots and is no well-formed JWT (a cut or
	 * mangled one) is not sent to the IdP for introspection either */
	body = strspn(t, B64URL "~+/");
	if (len >= OA2_TOKEN_OPAQUE_MIN && body > 0 && strspn(t + body, "=") == len - body)
		return OA2_TOKEN_OPAQUE;
	return OA2_TOKEN_NONE;
}

/* Is word (n bytes) one of aud's values? */
static bool aud_has(oa2_jobj *c, const char *word, size_t n)
{
	struct oa2_jval aud, v;
	const char *one = NULL;
	size_t pos = 0;

	if (oa2_jobj_string(c, "aud", &one) == 0)
		return strlen(one) == n && memcmp(one, word, n) == 0;
	if (oa2_jobj_array(c, "aud", &aud) != 0)
		return false;
	while (oa2_jval_next(&aud, &pos, &v))
		if (oa2_jval_string(c, &v, &one) == 0 && strlen(one) == n &&
		    memcmp(one, word, n) == 0)
			return true;
	return false;
}

/* The configured audience the token is for: azp when it is one of them
 * (an ID token with several audiences names its client there), else the
 * first of token_audience that aud names. */
static int pick_audience(const struct oa2_config *cfg, oa2_jobj *c, char *out,
			 size_t size, oa2_error *err)
{
	const char *list = cfg->token_audience ? cfg->token_audience : cfg->client_id;
	const char *azp = NULL, *p, *word;
	size_t n;

	if (oa2_jobj_string(c, "azp", &azp) == 0 && oa2_list_contains(list, azp) &&
	    aud_has(c, azp, strlen(azp)) && strlen(azp) < size) {
		snprintf(out, size, "%s", azp);
		return 0;
	}
	for (p = list; oa2_list_next(&p, OA2_LIST_SEPS, &word, &n);) {
		if (n < size && aud_has(c, word, n)) {
			memcpy(out, word, n);
			out[n] = '\0';
			return 0;
		}
	}
	return oa2_fail(err, OA2_ERR_DENIED,
			"audience mismatch: the token's 'aud' names none of token_audience");
}

/* token_max_age (iat is required and checked against the future by
 * claims.c). *until: the last moment the token could be accepted here, how
 * long token_single_use must remember it. */
static int check_age(const struct oa2_config *cfg, oa2_jobj *c, time_t now,
		     time_t *until, oa2_error *err)
{
	int64_t iat = 0, exp = 0;
	int rc = oa2_jobj_int64(c, "iat", &iat), has_exp = oa2_jobj_int64(c, "exp", &exp) == 0;

	if (rc == 1) {
		/* Only introspection may omit iat (claims.c requires it in a
		 * JWT): the token's age is unknown. With token_single_use it is
		 * accepted once, the first time this host sees it (its age
		 * counts from then), and remembered for as long as it is valid;
		 * without, nothing would bound its use but exp. */
		if (!cfg->token_single_use)
			return oa2_fail(err, OA2_ERR_DENIED,
					"introspection: no 'iat', so token_max_age cannot be "
					"checked (such a token is accepted only with "
					"token_single_use)");
		if (!has_exp)
			return oa2_fail(err, OA2_ERR_DENIED,
					"introspection: neither 'iat' nor 'exp', so how long "
					"token_single_use must remember the token is unknown");
		/* claims.c refused an exp + leeway in the past; one that would
		 * overflow is kept for ever */
		*until = exp > INT64_MAX - cfg->leeway ? (time_t)INT64_MAX
						       : (time_t)(exp + cfg->leeway);
		return 0;
	}
	if (rc != 0)
		return oa2_fail(err, OA2_ERR_DENIED, "claim 'iat' is not a number");
	if (iat < (int64_t)now - cfg->token_max_age - cfg->leeway)
		return oa2_fail(err, OA2_ERR_DENIED,
				"token too old: issued %lld s ago, token_max_age is %d",
				(long long)((int64_t)now - iat), cfg->token_max_age);
	*until = (time_t)(iat + cfg->token_max_age);
	if (has_exp && exp < (int64_t)*until)
		*until = (time_t)exp;
	*until += cfg->leeway;
	return 0;
}

/* token_single_use: refuse a jti the store holds; the entry is recorded
 * only once the module accepted the login (main.c, replay.h). */
static int check_single_use(const struct oa2_config *cfg, oa2_jobj *c, time_t until,
			    time_t now, struct oa2_identity *id, oa2_error *err)
{
	const char *jti = NULL, *sub = oa2_claims_sub(c);

	if (!cfg->token_single_use)
		return 0;
	if (oa2_jobj_string(c, "jti", &jti) != 0 || jti[0] == '\0' || strlen(jti) > MAX_JTI)
		return oa2_fail(err, OA2_ERR_DENIED,
				"token_single_use: the token has no usable 'jti'");
	if (sub == NULL)
		return oa2_fail(err, OA2_ERR_DENIED, "token_single_use: the token has no 'sub'");
	if (oa2_replay_mark(cfg->issuer, jti, sub, until, &id->use_once, err) != 0)
		return -1;
	return oa2_replay_check(cfg->token_replay_dir, &id->use_once, now, err);
}

static int load_idp(const struct oa2_config *cfg, time_t now, oa2_http **http,
		    struct oa2_discovery *disc, struct oa2_identity *id, oa2_error *err)
{
	*http = oa2_http_new(cfg->ca_file, cfg->http_timeout, err);
	if (*http == NULL ||
	    oa2_discovery_load(cfg->issuer, cfg->endpoint_hosts, *http, cfg->cache_dir, now, disc,
			       err) != 0)
		return -1;
	id->fetched.cache_err = disc->cache_err; /* for the caller's log */
	return 0;
}

/* A JWT: signature, then the claims of its kind for the chosen audience. */
static int jwt(const struct oa2_config *cfg, const char *token, time_t now,
	       struct oa2_identity *id, oa2_error *err)
{
	struct oa2_discovery disc = {0};
	struct oa2_claims_policy p = {cfg->issuer, NULL, (int64_t)now, cfg->leeway, NULL};
	oa2_http *http = NULL;
	oa2_jws *jws = NULL;
	oa2_jobj *c;
	const char *scope = NULL, *text;
	size_t len = 0;
	char aud[256];
	time_t until = 0;
	bool access;
	int rc = -1;

	jws = oa2_jws_parse(token, err);
	if (jws == NULL)
		goto out;
	access = oa2_jws_is_access_token(jws);
	/* The signature first: no claim of an unverified token is parsed
	 * (jws.h); with a warm key cache this costs no request either. */
	if (load_idp(cfg, now, &http, &disc, id, err) != 0 ||
	    oa2_token_issuer_policy(cfg, &disc, err) != 0 ||
	    oa2_token_verify_jws(cfg, &disc, http, jws, now, &id->fetched, err) != 0)
		goto out;
	c = oa2_jws_claims(jws, err);
	if (c == NULL || pick_audience(cfg, c, aud, sizeof(aud), err) != 0)
		goto out;
	p.client_id = aud;
	p.issuer = disc.issuer; /* the configured one, or Entra's consumers issuer */
	p.tenant_issuer = disc.multi_tenant ? disc.issuer : NULL;
	if ((access ? oa2_claims_check_access_token(c, &p, err)
		    : oa2_claims_check_id_token(c, &p, err)) != 0 ||
	    check_age(cfg, c, now, &until, err) != 0 ||
	    check_single_use(cfg, c, until, now, id, err) != 0)
		goto out;
	text = oa2_jws_payload(jws, &len);
	if ((access && oa2_jobj_string(c, "scope", &scope) == 0 &&
	     (id->scope = strdup(scope)) == NULL) ||
	    (id->claims = strndup(text, len)) == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	id->source = access ? "access_token" : "id_token";
	rc = 0;
out:
	oa2_jws_free(jws);
	oa2_discovery_clear(&disc);
	oa2_http_free(http);
	return rc;
}

/* An opaque token: introspection, then userinfo for the identity. */
static int opaque(const struct oa2_config *cfg, const char *token, time_t now,
		  struct oa2_identity *id, oa2_error *err)
{
	struct oa2_discovery disc = {0};
	oa2_http *http = NULL;
	char *intro = NULL, *info = NULL;
	oa2_jobj ij = {0};
	const char *scope = NULL;
	time_t until = 0;
	int rc = -1;

	if (cfg->client_secret == NULL)
		return oa2_fail(err, OA2_ERR_DENIED,
				"not a JWT, and opaque tokens need introspection by a confidential "
				"client; nothing was sent to the IdP");
	if (load_idp(cfg, now, &http, &disc, id, err) != 0 ||
	    oa2_token_introspect(cfg, &disc, http, token, cfg->token_audience, now, &intro,
				 err) != 0 ||
	    oa2_jscan_object(&ij, intro, strlen(intro), "introspection", err) != 0 ||
	    check_age(cfg, &ij, now, &until, err) != 0 ||
	    check_single_use(cfg, &ij, until, now, id, err) != 0)
		goto out;
	if (disc.userinfo_endpoint != NULL &&
	    (oa2_token_userinfo(cfg, &disc, http, token, &info, err) != 0 ||
	     oa2_token_same_sub(info, intro, "userinfo", err) != 0))
		goto out;
	if (oa2_jobj_string(&ij, "scope", &scope) == 0 && (id->scope = strdup(scope)) == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (info != NULL) {
		id->claims = info;
		info = NULL;
	} else {
		id->claims = intro;
		intro = NULL;
	}
	id->source = "introspection";
	rc = 0;
out:
	oa2_jobj_clear(&ij);
	free(info);
	free(intro);
	oa2_discovery_clear(&disc);
	oa2_http_free(http);
	return rc;
}

int oa2_token_grant(const struct oa2_config *cfg, const char *token, time_t now,
		    struct oa2_identity *id, oa2_error *err)
{
	int rc;

	memset(id, 0, sizeof(*id));
	switch (oa2_token_shape(token)) {
	case OA2_TOKEN_JWT:
		rc = jwt(cfg, token, now, id, err);
		break;
	case OA2_TOKEN_OPAQUE:
		rc = opaque(cfg, token, now, id, err);
		break;
	default:
		rc = oa2_fail(err, OA2_ERR_DENIED,
			      "the answer is not a token (neither a JWT nor an opaque token of "
			      "at least %d token characters); nothing was sent to the IdP",
			      OA2_TOKEN_OPAQUE_MIN);
		break;
	}
	if (rc != 0)
		oa2_identity_clear(id);
	return rc;
}
