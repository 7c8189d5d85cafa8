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
#include "qr.h"
#include "screen.h"
#include "shared/i18n.h"
#include "shared/json.h"
#include "shared/strutil.h"

#define DEFAULT_INTERVAL 5
#define MAX_INTERVAL 60
#define SLOW_DOWN_STEP 5
#define WAIT_AFTER_ENTER_MS 30000
#define MAX_CODE_LEN 4096

enum poll_state { POLL_DONE, POLL_PENDING, POLL_SLOW_DOWN };

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

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_until(int64_t t_ms)
{
	struct timespec ts = {(time_t)(t_ms / 1000), (long)(t_ms % 1000) * 1000000L};

	while (now_ms() < t_ms) {
		int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);

		if (rc != 0 && rc != EINTR)
			break;
	}
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
	switch (oa2_json_seconds(doc, "interval", &dc->interval)) {
	case 1:
		dc->interval = DEFAULT_INTERVAL;
		break;
	case 0:
		if (dc->interval >= 1 && dc->interval <= MAX_INTERVAL)
			break;
		/* fall through */
	default:
		oa2_fail(err, OA2_ERR_PROTOCOL, "device authorization: 'interval' invalid");
		goto out;
	}
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

/* One token request. POLL_DONE moves the answer into *token. *said is the
 * line for the user when the IdP ended the grant. */
static int poll_once(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		     oa2_http *http, const struct oa2_device_code *dc, char **token, size_t *len,
		     enum poll_state *state, const char **said, oa2_error *err)
{
	struct oa2_oauth_refusal why;
	char *form = NULL;
	int rc;

	if (oa2_form_add(&form, "grant_type", OA2_DEVICE_GRANT_TYPE, err) != 0 ||
	    oa2_form_add(&form, "device_code", dc->device_code, err) != 0) {
		oa2_free_secret(form);
		return -1;
	}
	rc = oa2_oauth_request(cfg, http, disc->token_endpoint, "token endpoint", false, &form, token,
			       len,
			       &why, err);
	if (rc <= 0) {
		*state = POLL_DONE;
		return rc;
	}
	/* The error member decides, whatever the status (Google answers 428
	 * authorization_pending and 403 slow_down); a bare 429 asks us to
	 * poll more slowly, too. */
	if (strcmp(why.code, "authorization_pending") == 0) {
		*state = POLL_PENDING;
		return 0;
	}
	if (strcmp(why.code, "slow_down") == 0 || (why.code[0] == '\0' && why.status == 429)) {
		*state = POLL_SLOW_DOWN;
		return 0;
	}
	/* Entra ID says authorization_declined for access_denied, and
	 * bad_verification_code for a device code it does not know. */
	if (strcmp(why.code, "access_denied") == 0) {
		*said = N_("The login was denied at the identity provider.");
		return oa2_fail(err, OA2_ERR_DENIED, "the login was denied at the identity provider");
	}
	if (strcmp(why.code, "authorization_declined") == 0) {
		*said = N_("The login was denied at the identity provider.");
		return oa2_fail(err, OA2_ERR_DENIED,
				"the login was denied at the identity provider (authorization_declined)");
	}
	if (strcmp(why.code, "expired_token") == 0) {
		*said = N_("The code expired before the login was approved.");
		return oa2_fail(err, OA2_ERR_DENIED, "the code expired before it was approved");
	}
	if (strcmp(why.code, "bad_verification_code") == 0)
		return oa2_fail(err, OA2_ERR_DENIED,
				"the identity provider does not know this device code "
				"(bad_verification_code): start the login again");
	return oa2_oauth_refused(&why, "token endpoint", err);
}

static int is_cancel(const char *answer)
{
	static const char *const words[] = {"cancel", "c", "q", "quit", "no", "n", "abort", NULL};
	char buf[64];
	size_t n = strlen(answer);

	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, answer, n + 1);
	/* TRANSLATORS: the word that cancels the login at the prompt; keep it
	 * the same as in "(or type 'cancel')" */
	if (strcasecmp(oa2_trim(buf), _("cancel")) == 0)
		return 1;
	for (const char *const *w = words; *w; w++) {
		if (strcasecmp(buf, *w) == 0)
			return 1;
	}
	return 0;
}

struct poller {
	const struct oa2_ui *ui;
	const struct oa2_config *cfg;
	const struct oa2_discovery *disc;
	oa2_http *http;
	const struct oa2_device_code *dc;
	int64_t interval_ms;
	int64_t next_poll;
	int64_t deadline;
	const char *said; /* msgid of the user's line when the grant failed */
};

/* Poll until done, error, the deadline or (when until_ms > 0) until_ms.
 * Returns 0 done, 1 still pending at until_ms, -1 error. */
static int poll_until(struct poller *p, int64_t until_ms, char **token, size_t *len,
		      oa2_error *err)
{
	for (;;) {
		enum poll_state st = POLL_PENDING;

		if (p->next_poll >= p->deadline) {
			p->said = N_("The code expired before the login was approved.");
			return oa2_fail(err, OA2_ERR_DENIED,
					"the code was not approved in time");
		}
		if (until_ms > 0 && p->next_poll > until_ms)
			return 1;
		sleep_until(p->next_poll);
		if (poll_once(p->cfg, p->disc, p->http, p->dc, token, len, &st, &p->said, err) != 0)
			return -1;
		if (st == POLL_DONE)
			return 0;
		if (st == POLL_SLOW_DOWN)
			p->interval_ms += SLOW_DOWN_STEP * 1000;
		p->next_poll = now_ms() + p->interval_ms;
		if (p->ui->progress != NULL)
			p->ui->progress(p->ui->ctx, (long)((p->deadline - now_ms()) / 1000));
	}
}

static int wait_with_prompts(struct poller *p, const struct oa2_ui *ui, char **token,
			     size_t *len, oa2_error *err)
{
	const char *prompt = _("Press Enter once you have approved the login (or type 'cancel'): ");

	for (;;) {
		char *answer = NULL;
		int rc;

		if (ui->ask(ui->ctx, prompt, 1, &answer) != 0 || answer == NULL) {
			oa2_free_secret(answer);
			return oa2_fail(err, OA2_ERR_ABORT, "the conversation ended (user gave up?)");
		}
		if (oa2_is_sshd_marker(answer)) {
			oa2_free_secret(answer);
			return oa2_fail(err, OA2_ERR_DENIED, OA2_SSHD_MARKER_REASON);
		}
		rc = is_cancel(answer);
		oa2_free_secret(answer);
		if (rc) {
			p->said = N_("Login cancelled.");
			return oa2_fail(err, OA2_ERR_ABORT, "the user cancelled the login");
		}
		rc = poll_until(p, now_ms() + WAIT_AFTER_ENTER_MS, token, len, err);
		if (rc <= 0)
			return rc;
		prompt = _("Not approved yet. Press Enter once you have approved (or type 'cancel'): ");
	}
}

int oa2_device_grant(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		     oa2_http *http, const struct oa2_ui *ui, char **token, size_t *len,
		     oa2_error *err)
{
	struct oa2_device_code dc = {0};
	struct poller p = {ui, cfg, disc, http, &dc, 0, 0, 0, NULL};
	int64_t valid_s, start;
	char *text = NULL;
	int rc = -1;

	*token = NULL;
	*len = 0;
	if (request_code(cfg, disc, http, &dc, err) != 0)
		goto out;
	start = now_ms();
	valid_s = dc.expires_in < cfg->device_timeout ? dc.expires_in : cfg->device_timeout;
	p.interval_ms = dc.interval * 1000;
	p.next_poll = start + p.interval_ms;
	p.deadline = start + valid_s * 1000;
	text = instructions(cfg, ui, &dc, valid_s);
	if (text == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (ui->info(ui->ctx, text) != 0) {
		oa2_fail(err, OA2_ERR_ABORT, "cannot show the login instructions");
		goto out;
	}
	if (ui->info_needs_prompt)
		rc = wait_with_prompts(&p, ui, token, len, err);
	else
		rc = poll_until(&p, 0, token, len, err);
	/* the grant knows why it ended: say it (other refusals get their line
	 * from the helper, refusal.h) */
	if (rc != 0 && ui->error != NULL && p.said != NULL)
		ui->error(ui->ctx, _(p.said));
out:
	free(text);
	oa2_device_code_clear(&dc);
	return rc == 0 ? 0 : -1;
}
