/* oauth.c - client authentication and OAuth error answers. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "oauth.h"
#include "shared/refusal.h"
#include "shared/json.h"
#include "shared/strutil.h"

int oa2_oauth_post_as(const struct oa2_config *cfg, oa2_http *http, const char *url,
		      bool id_in_body, char **form, struct oa2_http_response *resp, oa2_error *err)
{
	const char *user = NULL, *pass = NULL;
	int rc = -1;

	if (id_in_body || cfg->client_secret == NULL || cfg->client_auth == OA2_AUTH_POST) {
		if (oa2_form_add(form, "client_id", cfg->client_id, err) != 0)
			goto out;
	}
	if (cfg->client_secret != NULL) {
		if (cfg->client_auth == OA2_AUTH_POST) {
			if (oa2_form_add(form, "client_secret", cfg->client_secret, err) != 0)
				goto out;
		} else {
			user = cfg->client_id;
			pass = cfg->client_secret;
		}
	}
	rc = oa2_http_post_form(http, url, *form, user, pass, resp, err);
out:
	oa2_free_secret(*form);
	*form = NULL;
	return rc;
}

int oa2_oauth_post(const struct oa2_config *cfg, oa2_http *http, const char *url, char **form,
		   struct oa2_http_response *resp, oa2_error *err)
{
	return oa2_oauth_post_as(cfg, http, url, false, form, resp, err);
}

void oa2_oauth_error(const struct oa2_http_response *resp, char *code, size_t codelen,
		     char *desc, size_t desclen)
{
	json_object *doc = NULL;
	const char *c = NULL, *d = NULL;

	code[0] = '\0';
	desc[0] = '\0';
	if (resp->body != NULL && resp->len > 0)
		doc = oa2_json_parse(resp->body, resp->len, "error", NULL);
	if (doc != NULL) {
		if (oa2_json_string(doc, "error", &c) == 0 && oa2_is_token_chars(c))
			snprintf(code, codelen, "%s", c);
		if (oa2_json_string(doc, "error_description", &d) == 0)
			snprintf(desc, desclen, "%s", d);
	}
	json_object_put(doc);
}

int oa2_oauth_answer(const struct oa2_http_response *resp, const char *what,
		     struct oa2_oauth_refusal *why, oa2_error *err)
{
	memset(why, 0, sizeof(*why));
	why->status = resp->status;
	snprintf(why->retry_after, sizeof(why->retry_after), "%s", resp->retry_after);
	oa2_oauth_error(resp, why->code, sizeof(why->code), why->desc, sizeof(why->desc));
	if (why->code[0] != '\0')
		return 1;
	if (resp->status == 200)
		return 0;
	if (resp->status >= 400 && resp->status <= 499)
		return 1;
	return oa2_fail(err, oa2_http_status_kind(resp->status), "%s: HTTP status %ld", what,
			resp->status);
}

static int is_one_of(const char *code, const char *const *list)
{
	for (; *list != NULL; list++) {
		if (strcmp(code, *list) == 0)
			return 1;
	}
	return 0;
}

int oa2_oauth_refused(const struct oa2_oauth_refusal *why, const char *what, oa2_error *err)
{
	static const char *const outage[] = {"server_error", "temporarily_unavailable", NULL};
	static const char *const client[] = {"invalid_client", "unauthorized_client",
					     "unsupported_grant_type", "invalid_scope", NULL};

	if (why->status == 429)
		return oa2_fail(err, OA2_ERR_DENIED, "%s: %s (HTTP status 429%s%s, %s%s)", what,
				OA2_THROTTLED_REASON, why->code[0] != '\0' ? " " : "", why->code,
				why->retry_after[0] != '\0' ? "Retry-After: " : "no Retry-After",
				why->retry_after);
	if (why->code[0] == '\0')
		return oa2_fail(err, OA2_ERR_DENIED,
				"%s: the identity provider refused with HTTP status %ld and no "
				"OAuth error", what, why->status);
	if (is_one_of(why->code, outage))
		return oa2_fail(err, OA2_ERR_UNAVAIL, "%s: HTTP status %ld, %s %s", what,
				why->status, why->code, why->desc);
	if (is_one_of(why->code, client))
		return oa2_fail(err, OA2_ERR_CONFIG,
				"%s: the identity provider refused this client: %s %s", what,
				why->code, why->desc);
	return oa2_fail(err, OA2_ERR_DENIED, "%s refused: %s %s (HTTP status %ld)", what, why->code,
			why->desc, why->status);
}

int oa2_oauth_request(const struct oa2_config *cfg, oa2_http *http, const char *url,
		      const char *what, bool id_in_body, char **form, char **body, size_t *len,
		      struct oa2_oauth_refusal *why, oa2_error *err)
{
	struct oa2_http_response resp = {0};
	int rc = -1;

	*body = NULL;
	*len = 0;
	if (oa2_oauth_post_as(cfg, http, url, id_in_body, form, &resp, err) != 0)
		goto out;
	rc = oa2_oauth_answer(&resp, what, why, err);
	if (rc == 0) {
		*body = resp.body;
		*len = resp.len;
		resp.body = NULL;
		resp.len = 0;
	}
out:
	oa2_http_response_clear(&resp);
	return rc;
}
