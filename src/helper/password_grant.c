/* password_grant.c - RFC 6749 4.3: username + password for tokens. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "oauth.h"
#include "offline.h"
#include "password_grant.h"
#include "shared/strutil.h"

/* What the IdP's refusal of the password grant means. */
static int refused(const struct oa2_oauth_refusal *why, oa2_error *err)
{
	if (strcmp(why->code, "invalid_grant") == 0)
		return oa2_fail(err, OA2_ERR_CREDENTIALS,
				"the identity provider refused the password (HTTP status %ld)",
				why->status);
	if (strcmp(why->code, "unauthorized_client") == 0 ||
	    strcmp(why->code, "unsupported_grant_type") == 0)
		return oa2_fail(err, OA2_ERR_CONFIG, "the client may not use the password grant (%s)",
				why->code);
	return oa2_oauth_refused(why, "token endpoint", err);
}

/* The IdP refused this user's login: an offline entry made with an older
 * password must not log in later. A failure to remove it is told in the
 * message of the refusal. */
static void retire_offline(const struct oa2_config *cfg, const char *username, oa2_error *err)
{
	oa2_error rerr = {0};
	size_t used = strlen(err->msg);

	if (oa2_offline_retire(cfg, username, &rerr) != 0 && used < sizeof(err->msg))
		snprintf(err->msg + used, sizeof(err->msg) - used, "; offline entry NOT retired: %.160s",
			 rerr.msg);
}

int oa2_password_grant(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		       oa2_http *http, const char *username, const char *password, char **token,
		       size_t *len, oa2_error *err)
{
	struct oa2_oauth_refusal why;
	char *form = NULL;
	int rc;

	*token = NULL;
	*len = 0;
	if (oa2_form_add(&form, "grant_type", "password", err) != 0 ||
	    oa2_form_add(&form, "username", username, err) != 0 ||
	    oa2_form_add(&form, "password", password, err) != 0 ||
	    oa2_form_add(&form, "scope", cfg->scope, err) != 0) {
		oa2_free_secret(form);
		return -1;
	}
	rc = oa2_oauth_request(cfg, http, disc->token_endpoint, "token endpoint", false, &form, token, len,
			       &why, err);
	if (rc <= 0)
		return rc;
	rc = refused(&why, err);
	if (err != NULL && (err->kind == OA2_ERR_DENIED || err->kind == OA2_ERR_CREDENTIALS))
		retire_offline(cfg, username, err);
	return rc;
}
