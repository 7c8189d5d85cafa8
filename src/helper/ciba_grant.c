/* ciba_grant.c - CIBA in poll mode: the backchannel request, the binding
 * message on the terminal, the polls (poll.c). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "ciba_grant.h"
#include "oauth.h"
#include "poll.h"
#include "shared/i18n.h"
#include "shared/json.h"
#include "shared/login_hint.h"
#include "shared/strutil.h"

#define MAX_REQ_ID_LEN 4096
#define HOST_PART 9
#define SERVICE_PART 5

void oa2_ciba_request_clear(struct oa2_ciba_request *r)
{
	if (r == NULL)
		return;
	oa2_free_secret(r->auth_req_id);
	memset(r, 0, sizeof(*r));
}

int oa2_ciba_request_parse(const char *body, size_t len, struct oa2_ciba_request *r,
			   oa2_error *err)
{
	json_object *doc = oa2_json_parse(body, len, "backchannel authentication response", err);
	const char *id = NULL;
	int rc = -1;

	if (doc == NULL)
		return -1;
	if (oa2_json_string(doc, "auth_req_id", &id) != 0 || id[0] == '\0' ||
	    strlen(id) > MAX_REQ_ID_LEN || !oa2_is_token_chars(id)) {
		oa2_fail(err, OA2_ERR_PROTOCOL,
			 "backchannel authentication: 'auth_req_id' missing or malformed");
		goto out;
	}
	r->auth_req_id = strdup(id);
	if (r->auth_req_id == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (oa2_json_seconds(doc, "expires_in", &r->expires_in) != 0 || r->expires_in <= 0) {
		oa2_fail(err, OA2_ERR_PROTOCOL,
			 "backchannel authentication: 'expires_in' missing or invalid");
		goto out;
	}
	if (oa2_poll_interval(doc, "backchannel authentication", &r->interval, err) != 0)
		goto out;
	rc = 0;
out:
	oa2_json_put_wiped(doc); /* it held the auth_req_id */
	return rc;
}

/* Up to max characters of s (up to its first '.' when dot_ends), each one
 * outside [A-Za-z0-9-] as '-'; "-" for nothing. Returns the length. */
static size_t part(const char *s, size_t max, int dot_ends, char *out)
{
	size_t n = 0;

	for (; s != NULL && *s && n < max; s++) {
		char c = *s;

		if (dot_ends && c == '.')
			break;
		out[n++] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-') ? c : '-';
	}
	if (n == 0)
		out[n++] = '-';
	return n;
}

void oa2_ciba_binding(const char *host, const char *service, unsigned number, char *out,
		      size_t outlen)
{
	char h[HOST_PART + 1], s[SERVICE_PART + 1];
	size_t hn = part(host, HOST_PART, 1, h), sn = part(service, SERVICE_PART, 0, s);

	snprintf(out, outlen, "%.*s.%.*s.%04u", (int)hn, h, (int)sn, s, number % 10000);
}

/* A uniform 0..9999 from the kernel's generator, or -1. */
static int random_number(void)
{
	for (int tries = 0; tries < 64; tries++) {
		unsigned short v;

		if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
			return -1;
		if (v < 60000) /* 6 * 10000: no bias */
			return v % 10000;
	}
	return -1;
}

/* The refusal of the backchannel request, as docs/ciba.md maps it. */
static int request_refused(const struct oa2_oauth_refusal *why, const char *hint,
			   const char *binding, struct oa2_ciba_outcome *out, oa2_error *err)
{
	if (strcmp(why->code, "unknown_user_id") == 0 || strcmp(why->code, "invalid_request") == 0) {
		out->said = N_("The identity provider cannot send an approval request for "
			       "this user.");
		out->device_instead = true;
		return oa2_fail(err, OA2_ERR_DENIED,
				"the IdP refused the login hint '%s' (%s: %s)", hint, why->code,
				why->desc);
	}
	if (strcmp(why->code, "access_denied") == 0) {
		out->said = N_("The login was denied at the identity provider.");
		return oa2_fail(err, OA2_ERR_DENIED, "the IdP refused the CIBA request (%s: %s)",
				why->code, why->desc);
	}
	if (strcmp(why->code, "invalid_binding_message") == 0) {
		out->said = N_("The identity provider refused the message of the approval request "
			       "(binding message); please tell the administrator.");
		out->device_instead = true;
		return oa2_fail(err, OA2_ERR_CONFIG,
				"the IdP refused the binding message '%s' (invalid_binding_message: "
				"%s): its limits are stricter than the format of docs/ciba.md; check "
				"the client's CIBA settings at the IdP",
				binding, why->desc);
	}
	if (strcmp(why->code, "missing_user_code") == 0 ||
	    strcmp(why->code, "invalid_user_code") == 0 ||
	    strcmp(why->code, "unauthorized_client") == 0) {
		out->device_instead = true;
		return oa2_fail(err, OA2_ERR_CONFIG,
				"the IdP refused the CIBA request (%s: %s): check the client's CIBA "
				"settings at the IdP (docs/ciba.md)",
				why->code, why->desc);
	}
	if (oa2_oauth_refused(why, "backchannel authentication endpoint", err) != 0 &&
	    err->kind == OA2_ERR_CONFIG)
		out->device_instead = true; /* invalid_client, invalid_scope */
	return -1;
}

int oa2_ciba_offered(const struct oa2_discovery *disc, oa2_error *err)
{
	if (disc->backchannel_authentication_endpoint == NULL && disc->backchannel_unusable[0])
		return oa2_fail(err, OA2_ERR_CONFIG, "CIBA: %s", disc->backchannel_unusable);
	if (disc->backchannel_authentication_endpoint == NULL)
		return oa2_fail(err, OA2_ERR_CONFIG,
				"the IdP does not offer CIBA (no backchannel_authentication_endpoint "
				"in its discovery document)");
	if (!disc->ciba_poll)
		return oa2_fail(err, OA2_ERR_CONFIG,
				"the IdP does not offer CIBA in poll mode "
				"(backchannel_token_delivery_modes_supported lacks \"poll\")");
	return 0;
}

/* The backchannel authentication request; *said: the user's line when the
 * IdP refused. */
static int request(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		   oa2_http *http, const char *hint, const char *binding,
		   struct oa2_ciba_request *r, struct oa2_ciba_outcome *out, oa2_error *err)
{
	static const char what[] = "backchannel authentication endpoint";
	struct oa2_oauth_refusal why;
	char *form = NULL, *body = NULL, expiry[16];
	size_t len = 0;
	int rc;

	snprintf(expiry, sizeof(expiry), "%d", cfg->device_timeout);
	if (oa2_form_add(&form, "scope", cfg->scope, err) != 0 ||
	    oa2_form_add(&form, "login_hint", hint, err) != 0 ||
	    oa2_form_add(&form, "binding_message", binding, err) != 0 ||
	    oa2_form_add(&form, "requested_expiry", expiry, err) != 0) {
		oa2_free_secret(form);
		return -1;
	}
	rc = oa2_oauth_request(cfg, http, disc->backchannel_authentication_endpoint, what, false,
			       &form, &body, &len, &why, err);
	if (rc == 0) {
		out->sent = true;
		rc = oa2_ciba_request_parse(body, len, r, err);
	} else if (rc == 1) {
		rc = request_refused(&why, hint, binding, out, err);
	}
	oa2_free_secret_len(body, len);
	return rc;
}

/* "Approve the login on your phone: B" and how long it waits. */
static int show(const struct oa2_ui *ui, const char *binding, int64_t valid_s, oa2_error *err)
{
	char text[320];

	snprintf(text, sizeof(text), "%s: %s\n", _("Approve the login on your phone"), binding);
	snprintf(text + strlen(text), sizeof(text) - strlen(text),
		 oa2_ngettext("The request is valid for %lld second.",
			      "The request is valid for %lld seconds.", (unsigned long)valid_s),
		 (long long)valid_s);
	if (ui->info(ui->ctx, text) != 0)
		return oa2_fail(err, OA2_ERR_ABORT, "cannot show the login instructions");
	return 0;
}

int oa2_ciba_grant(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		   oa2_http *http, const struct oa2_ui *ui, const char *user,
		   struct oa2_ciba_outcome *out, char **token, size_t *len, oa2_error *err)
{
	struct oa2_ciba_request r = {0};
	struct oa2_poll p = {0};
	char host[256], binding[OA2_BINDING_MAX + 8];
	char *hint = NULL;
	int number, rc = -1;

	*token = NULL;
	*len = 0;
	memset(out, 0, sizeof(*out));
	if (oa2_ciba_offered(disc, err) != 0) {
		out->device_instead = true;
		return -1;
	}
	if (oa2_login_hint_make(cfg, user, &hint, err) != 0) {
		if (err->kind == OA2_ERR_DENIED) {
			out->said = N_("The identity provider cannot send an approval request for "
				       "this user.");
			out->device_instead = true;
		}
		goto out;
	}
	number = random_number();
	if (number < 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "getrandom failed");
		goto out;
	}
	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "-");
	host[sizeof(host) - 1] = '\0';
	oa2_ciba_binding(host, ui->service, (unsigned)number, binding, sizeof(binding));
	if (request(cfg, disc, http, hint, binding, &r, out, err) != 0)
		goto out;
	p = (struct oa2_poll){ui, cfg, disc, http, OA2_CIBA_GRANT_TYPE, "auth_req_id",
			      r.auth_req_id, "request",
			      N_("The request expired before it was approved."), 0, 0, 0, NULL};
	oa2_poll_start(&p, r.interval,
		       r.expires_in < cfg->device_timeout ? r.expires_in : cfg->device_timeout);
	if (show(ui, binding, (p.deadline - oa2_now_ms() + 500) / 1000, err) != 0)
		goto out;
	rc = oa2_poll_wait(&p, token, len, err);
out:
	free(hint);
	oa2_ciba_request_clear(&r);
	return rc == 0 ? 0 : -1;
}
