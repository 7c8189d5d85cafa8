/* device_grant.c - RFC 8628: device code, instructions with a QR code, polls. */
#include "autoconfig.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "device_grant.h"
#include "oauth.h"
#include "poll.h"
#include "qr.h"
#include "screen.h"
#include "shared/i18n.h"
#include "shared/json.h"
#include "shared/strutil.h"

#define MAX_CODE_LEN 4096

void oa2_device_code_clear(struct oa2_device_code *dc)
{
	if (dc == NULL)
		return;
	oa2_free_secret(dc->device_code);
	free(dc->user_code);
	free(dc->uri);
	free(dc->uri_complete);
	memset(dc, 0, sizeof(*dc));
}

static int dup_field(json_object *doc, const char *key, int required, size_t max, char **out,
		     oa2_error *err)
{
	const char *v = NULL;
	int rc = oa2_json_string(doc, key, &v);

	if (rc == 1 && !required)
		return 0;
	if (rc != 0 || v[0] == '\0' || strlen(v) > max)
		return oa2_fail(err, OA2_ERR_PROTOCOL, "device authorization: '%s' is %s", key,
				rc == 1 ? "missing" : "malformed");
	*out = strdup(v);
	if (*out == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	return 0;
}

int oa2_device_code_parse(const char *body, size_t len, struct oa2_device_code *dc,
			  oa2_error *err)
{
	json_object *doc = oa2_json_parse(body, len, "device authorization response", err);
	const char *probe = NULL;
	int rc = -1;

	if (doc == NULL)
		return -1;
	if (dup_field(doc, "device_code", 1, MAX_CODE_LEN, &dc->device_code, err) != 0 ||
	    dup_field(doc, "user_code", 1, 64, &dc->user_code, err) != 0 ||
	    dup_field(doc, "verification_uri_complete", 0, OA2_QR_MAX_TEXT, &dc->uri_complete,
		      err) != 0)
		goto out;
	/* Some large providers spell it verification_url. */
	if (oa2_json_string(doc, "verification_uri", &probe) == 1)
		rc = dup_field(doc, "verification_url", 1, OA2_QR_MAX_TEXT, &dc->uri, err);
	else
		rc = dup_field(doc, "verification_uri", 1, OA2_QR_MAX_TEXT, &dc->uri, err);
	if (rc != 0)
		goto out;
	rc = -1;
	if (!oa2_is_token_chars(dc->user_code) || !oa2_is_https_url(dc->uri) ||
	    (dc->uri_complete != NULL && !oa2_is_https_url(dc->uri_complete))) {
		oa2_fail(err, OA2_ERR_PROTOCOL,
			 "device authorization: user_code or verification URI is not acceptable");
		goto out;
	}
	if (oa2_json_seconds(doc, "expires_in", &dc->expires_in) != 0 || dc->expires_in <= 0) {
		oa2_fail(err, OA2_ERR_PROTOCOL, "device authorization: 'expires_in' missing or invalid");
		goto out;
	}
	if (oa2_poll_interval(doc, "device authorization", &dc->interval, err) != 0)
		goto out;
	rc = 0;
out:
	oa2_json_put_wiped(doc); /* it held the device code */
	return rc;
}

static int request_code(const struct oa2_config *cfg, const struct oa2_discovery *disc,
			oa2_http *http, struct oa2_device_code *dc, oa2_error *err)
{
	static const char what[] = "device authorization";
	struct oa2_oauth_refusal why;
	char *form = NULL, *body = NULL;
	size_t len = 0;
	int rc;

	if (disc->device_authorization_endpoint == NULL)
		return oa2_fail(err, OA2_ERR_CONFIG,
				"the IdP offers no device_authorization_endpoint (where it has one, "
				"name it with device_authorization_endpoint)");
	if (oa2_form_add(&form, "scope", cfg->scope, err) != 0) {
		oa2_free_secret(form);
		return -1;
	}
	/* client_id in the body also with HTTP Basic: Dex and authentik read it
	 * from the body only (RFC 6749 2.3.1 allows it; it authenticates
	 * nothing) */
	rc = oa2_oauth_request(cfg, http, disc->device_authorization_endpoint, what, true, &form,
			       &body,
			       &len, &why, err);
	if (rc == 0)
		rc = oa2_device_code_parse(body, len, dc, err);
	else if (rc == 1)
		rc = oa2_oauth_refused(&why, what, err);
	oa2_free_secret_len(body, len);
	return rc;
}

/* The text the user reads: see screen.h. */
static char *instructions(const struct oa2_config *cfg, const struct oa2_ui *ui,
			  const struct oa2_device_code *dc, int64_t valid_s)
{
	char host[256];
	struct oa2_screen scr;

	oa2_screen_init(&scr, cfg, ui, host, sizeof(host));
	scr.uri = dc->uri;
	scr.qr_text = dc->uri_complete ? dc->uri_complete : dc->uri;
	scr.user_code = dc->user_code;
	scr.valid_s = valid_s;
	return oa2_screen_render(&scr, NULL);
}

int oa2_device_grant(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		     oa2_http *http, const struct oa2_ui *ui, char **token, size_t *len,
		     oa2_error *err)
{
	struct oa2_device_code dc = {0};
	struct oa2_poll p = {0};
	int64_t valid_s;
	char *text = NULL;
	int rc = -1;

	*token = NULL;
	*len = 0;
	if (request_code(cfg, disc, http, &dc, err) != 0)
		goto out;
	valid_s = dc.expires_in < cfg->device_timeout ? dc.expires_in : cfg->device_timeout;
	p = (struct oa2_poll){ui, cfg, disc, http, OA2_DEVICE_GRANT_TYPE, "device_code",
			      dc.device_code, "code",
			      N_("The code expired before the login was approved."), 0, 0, 0, NULL};
	oa2_poll_start(&p, dc.interval, valid_s);
	text = instructions(cfg, ui, &dc, valid_s);
	if (text == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (ui->info(ui->ctx, text) != 0) {
		oa2_fail(err, OA2_ERR_ABORT, "cannot show the login instructions");
		goto out;
	}
	rc = oa2_poll_wait(&p, token, len, err);
out:
	free(text);
	oa2_device_code_clear(&dc);
	return rc == 0 ? 0 : -1;
}
