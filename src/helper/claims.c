/* claims.c - check iss, aud, azp, exp, nbf, iat, sub and introspection state. */
#include "autoconfig.h"

#include <string.h>

#include "claims.h"
#include "discovery.h"
#include "shared/jscan.h"

#define MAX_SUB 255

bool oa2_claims_tenant_id_valid(const char *tid)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strlen(tid) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i] != '\0'; i++) {
		char c = tid[i];

		if (shape[i] == '-' ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

/* Under a multi-tenant template: iss must be the template with the token's
 * tid in place of {tenantid}. */
static int check_tenant_iss(oa2_jobj *c, const char *iss, const char *tmpl,
			    oa2_error *err)
{
	const char *tid = NULL, *at = strstr(tmpl, OA2_TENANT_PLACEHOLDER);
	size_t pre;

	if (at == NULL)
		return oa2_fail(err, OA2_ERR_DENIED, "multi-tenant issuer without a placeholder");
	if (oa2_jobj_string(c, "tid", &tid) != 0 || !oa2_claims_tenant_id_valid(tid))
		return oa2_fail(err, OA2_ERR_DENIED,
				"claim 'tid' is missing or not a tenant id (a lower-case GUID); the "
				"multi-tenant issuer needs it");
	pre = (size_t)(at - tmpl);
	if (strncmp(iss, tmpl, pre) != 0 || strncmp(iss + pre, tid, strlen(tid)) != 0 ||
	    strcmp(iss + pre + strlen(tid), at + strlen(OA2_TENANT_PLACEHOLDER)) != 0)
		return oa2_fail(err, OA2_ERR_DENIED,
				"issuer mismatch: token from '%.100s', not the issuer of its tenant %s",
				iss, tid);
	return 0;
}

static int check_iss(oa2_jobj *c, const struct oa2_claims_policy *p, int required,
		     oa2_error *err)
{
	const char *iss = NULL;
	int rc = oa2_jobj_string(c, "iss", &iss);

	if (rc == 1 && !required)
		return 0;
	if (rc != 0)
		return oa2_fail(err, OA2_ERR_DENIED, "claim 'iss' is %s",
				rc == 1 ? "missing" : "not a string");
	if (p->tenant_issuer != NULL)
		return check_tenant_iss(c, iss, p->tenant_issuer, err);
	if (strcmp(iss, p->issuer) == 0)
		return 0;
	if (strcmp(p->issuer, OA2_GOOGLE_ISSUER) == 0 &&
	    strcmp(iss, &OA2_GOOGLE_ISSUER[sizeof("https://") - 1]) == 0)
		return 0;
	return oa2_fail(err, OA2_ERR_DENIED, "issuer mismatch: token from '%.100s'", iss);
}

/* aud is a string or an array of strings; one of them must be client_id.
 * *count (count may be NULL) is told how many there are. */
static int check_aud(oa2_jobj *c, const char *client_id, size_t *count, oa2_error *err)
{
	struct oa2_jval aud, v;
	const char *one = NULL;
	size_t n = 0, pos = 0;
	int found = 0;

	if (count != NULL)
		*count = 0;
	if (oa2_jobj_string(c, "aud", &one) == 0) {
		if (count != NULL)
			*count = 1;
		if (strcmp(one, client_id) != 0)
			return oa2_fail(err, OA2_ERR_DENIED, "audience mismatch: token is for '%.100s'",
					one);
		return 0;
	}
	if (oa2_jobj_array(c, "aud", &aud) != 0)
		return oa2_fail(err, OA2_ERR_DENIED, "claim 'aud' is missing or not a string/array");
	while (oa2_jval_next(&aud, &pos, &v)) {
		n++;
		if (oa2_jval_string(c, &v, &one) != 0)
			return oa2_fail(err, OA2_ERR_DENIED, "claim 'aud' holds a non-string");
		if (strcmp(one, client_id) == 0)
			found = 1;
	}
	if (count != NULL)
		*count = n;
	if (!found)
		return oa2_fail(err, OA2_ERR_DENIED, "audience mismatch: client_id not in 'aud'");
	return 0;
}

/* azp, when present, is client_id; with several audiences it must be
 * present (OIDC Core 3.1.3.7 items 4 and 5): the token names the party it
 * was issued to, not only a list that happens to include us. */
static int check_azp(oa2_jobj *c, const char *client_id, size_t naud, oa2_error *err)
{
	const char *azp = NULL;
	int rc = oa2_jobj_string(c, "azp", &azp);

	if (rc == 1 && naud > 1)
		return oa2_fail(err, OA2_ERR_DENIED,
				"claim 'azp' is missing although 'aud' has %zu values", naud);
	if (rc == 1)
		return 0;
	if (rc != 0)
		return oa2_fail(err, OA2_ERR_DENIED, "claim 'azp' is not a string");
	if (strcmp(azp, client_id) != 0)
		return oa2_fail(err, OA2_ERR_DENIED, "authorized party mismatch: azp is '%.100s'", azp);
	return 0;
}

/* Read a NumericDate claim: 0 found, 1 absent, -1 refused (err set). */
static int get_time(oa2_jobj *c, const char *name, int required, int64_t *out,
		    oa2_error *err)
{
	int rc = oa2_jobj_int64(c, name, out);

	if (rc == 1 && !required)
		return 1;
	if (rc == 1)
		return oa2_fail(err, OA2_ERR_DENIED, "claim '%s' is missing", name);
	if (rc != 0)
		return oa2_fail(err, OA2_ERR_DENIED, "claim '%s' is not a number", name);
	return 0;
}

static int check_times(oa2_jobj *c, const struct oa2_claims_policy *p, int need_iat,
		       oa2_error *err)
{
	int64_t exp = 0, nbf = 0, iat = 0;
	int rc;

	if (get_time(c, "exp", 1, &exp, err) != 0)
		return -1;
	if (exp <= INT64_MAX - p->leeway && exp + p->leeway <= p->now) {
		if (exp < 0)
			return oa2_fail(err, OA2_ERR_DENIED, "token expired (exp %lld)", (long long)exp);
		return oa2_fail(err, OA2_ERR_DENIED, "token expired %lld s ago",
				(long long)(p->now - exp));
	}
	rc = get_time(c, "nbf", 0, &nbf, err);
	if (rc < 0)
		return -1;
	if (rc == 0 && nbf > p->now + p->leeway)
		return oa2_fail(err, OA2_ERR_DENIED, "token not valid before %lld (now %lld)",
				(long long)nbf, (long long)p->now);
	rc = get_time(c, "iat", need_iat, &iat, err);
	if (rc < 0)
		return -1;
	if (rc == 0 && iat > p->now + p->leeway)
		return oa2_fail(err, OA2_ERR_DENIED, "token issued in the future (iat %lld, now %lld)",
				(long long)iat, (long long)p->now);
	return 0;
}

const char *oa2_claims_sub(oa2_jobj *c)
{
	const char *sub = NULL;

	if (oa2_jobj_string(c, "sub", &sub) != 0 || sub[0] == '\0' || strlen(sub) > MAX_SUB)
		return NULL;
	return sub;
}

int oa2_claims_check_id_token(oa2_jobj *c, const struct oa2_claims_policy *p,
			      oa2_error *err)
{
	size_t naud = 0;

	if (check_iss(c, p, 1, err) != 0 || check_aud(c, p->client_id, &naud, err) != 0 ||
	    check_azp(c, p->client_id, naud, err) != 0 || check_times(c, p, 1, err) != 0)
		return -1;
	if (oa2_claims_sub(c) == NULL)
		return oa2_fail(err, OA2_ERR_DENIED, "claim 'sub' is missing, empty or not a string");
	return 0;
}

/* RFC 9068 section 4: iss, aud (no azp rule: that is the ID token's),
 * exp, iat, sub, client_id and jti are all required. */
int oa2_claims_check_access_token(oa2_jobj *c, const struct oa2_claims_policy *p,
				  oa2_error *err)
{
	const char *s = NULL;

	if (check_iss(c, p, 1, err) != 0 || check_aud(c, p->client_id, NULL, err) != 0 ||
	    check_times(c, p, 1, err) != 0)
		return -1;
	if (oa2_claims_sub(c) == NULL)
		return oa2_fail(err, OA2_ERR_DENIED, "claim 'sub' is missing, empty or not a string");
	if (oa2_jobj_string(c, "client_id", &s) != 0 || oa2_jobj_string(c, "jti", &s) != 0)
		return oa2_fail(err, OA2_ERR_DENIED,
				"access token: 'client_id' or 'jti' is missing or not a string");
	return 0;
}

int oa2_claims_check_introspection(oa2_jobj *r, const struct oa2_claims_policy *p,
				   oa2_error *err)
{
	const char *cid = NULL;
	bool active = false;
	int rc;

	if (oa2_jobj_bool(r, "active", &active) != 0)
		return oa2_fail(err, OA2_ERR_PROTOCOL, "introspection: 'active' missing or not boolean");
	if (!active)
		return oa2_fail(err, OA2_ERR_DENIED, "introspection: token is not active");
	if (check_iss(r, p, 0, err) != 0)
		return -1;
	rc = oa2_jobj_string(r, "client_id", &cid);
	if (rc == 0) {
		if (strcmp(cid, p->client_id) != 0)
			return oa2_fail(err, OA2_ERR_DENIED,
					"introspection: token was issued to client '%.100s'", cid);
	} else if (rc < 0) {
		return oa2_fail(err, OA2_ERR_DENIED, "introspection: 'client_id' is not a string");
	} else if (check_aud(r, p->client_id, NULL, err) != 0) {
		return -1;
	}
	if (check_times(r, p, 0, err) != 0)
		return -1;
	if (oa2_claims_sub(r) == NULL)
		return oa2_fail(err, OA2_ERR_DENIED, "introspection: 'sub' is missing or not a string");
	return 0;
}
