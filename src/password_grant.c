/* password_grant.c - RFC 6749 4.3: username + password for tokens. */
#include "autoconfig.h"

#include <string.h>

#include "oauth.h"
#include "password_grant.h"
#include "strutil.h"

int oa2_password_grant(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		       oa2_http *http, const char *username, const char *password, char **token,
		       size_t *len, oa2_error *err)
{
	struct oa2_http_response resp = {0};
	char *form = NULL;
	char code[64], desc[160];
	int rc = -1;

	*token = NULL;
	*len = 0;
	if (oa2_form_add(&form, "grant_type", "password", err) != 0 ||
	    oa2_form_add(&form, "username", username, err) != 0 ||
	    oa2_form_add(&form, "password", password, err) != 0 ||
	    oa2_form_add(&form, "scope", cfg->scope, err) != 0)
		goto out;
	if (oa2_oauth_post(cfg, http, disc->token_endpoint, &form, &resp, err) != 0)
		goto out;
	if (resp.status == 200) {
		*token = resp.body;
		*len = resp.len;
		resp.body = NULL;
		resp.len = 0;
		rc = 0;
		goto out;
	}
	if (resp.status >= 500 || (resp.status != 400 && resp.status != 401)) {
		oa2_fail(err, OA2_ERR_UNAVAIL, "token endpoint: HTTP status %ld", resp.status);
		goto out;
	}
	oa2_oauth_error(&resp, code, sizeof(code), desc, sizeof(desc));
	if (strcmp(code, "invalid_grant") == 0)
		oa2_fail(err, OA2_ERR_DENIED, "the identity provider refused the password");
	else if (strcmp(code, "unauthorized_client") == 0 || strcmp(code, "unsupported_grant_type") == 0)
		oa2_fail(err, OA2_ERR_CONFIG, "the client may not use the password grant (%s)", code);
	else
		oa2_fail(err, OA2_ERR_PROTOCOL, "token endpoint refused: %s %s",
			 code[0] ? code : "(no error code)", desc);
out:
	oa2_free_secret(form);
	oa2_http_response_clear(&resp);
	return rc;
}
