/* oauth.c - client authentication and OAuth error answers. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "json.h"
#include "oauth.h"
#include "strutil.h"

int oa2_oauth_post(const struct oa2_config *cfg, oa2_http *http, const char *url, char **form,
		   struct oa2_http_response *resp, oa2_error *err)
{
	const char *user = NULL, *pass = NULL;
	int rc = -1;

	if (cfg->client_secret == NULL || cfg->client_auth == OA2_AUTH_POST) {
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
	for (char *p = desc; *p; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	}
	json_object_put(doc);
}

int oa2_oauth_token_request(const struct oa2_config *cfg, oa2_http *http, const char *url,
			    char **form, char **token, size_t *len,
			    struct oa2_oauth_refusal *why, oa2_error *err)
{
	struct oa2_http_response resp = {0};
	int rc = -1;

	*token = NULL;
	*len = 0;
	if (oa2_oauth_post(cfg, http, url, form, &resp, err) != 0)
		goto out;
	if (resp.status == 200) {
		*token = resp.body;
		*len = resp.len;
		resp.body = NULL;
		resp.len = 0;
		rc = 0;
	} else if (resp.status == 400 || resp.status == 401) {
		oa2_oauth_error(&resp, why->code, sizeof(why->code), why->desc, sizeof(why->desc));
		rc = 1;
	} else {
		oa2_fail(err, OA2_ERR_UNAVAIL, "token endpoint: HTTP status %ld", resp.status);
	}
out:
	oa2_http_response_clear(&resp);
	return rc;
}
