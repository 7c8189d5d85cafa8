/* poll.c - the token endpoint polled until the person approves elsewhere
 * (device grant, CIBA). */
#include "autoconfig.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "oauth.h"
#include "poll.h"
#include "shared/i18n.h"
#include "shared/strutil.h"

#define SLOW_DOWN_STEP 5
#define WAIT_AFTER_ENTER_MS 30000

enum poll_state { POLL_DONE, POLL_PENDING, POLL_SLOW_DOWN };

int64_t oa2_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_until(int64_t t_ms)
{
	struct timespec ts = {(time_t)(t_ms / 1000), (long)(t_ms % 1000) * 1000000L};

	while (oa2_now_ms() < t_ms) {
		int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);

		if (rc != 0 && rc != EINTR)
			break;
	}
}

/* One token request. POLL_DONE moves the answer into *token. p->said is the
 * line for the user when the IdP ended the grant. */
static int poll_once(struct oa2_poll *p, char **token, size_t *len, enum poll_state *state,
		     oa2_error *err)
{
	struct oa2_oauth_refusal why;
	char *form = NULL;
	int rc;

	if (oa2_form_add(&form, "grant_type", p->grant_type, err) != 0 ||
	    oa2_form_add(&form, p->id_name, p->id_value, err) != 0) {
		oa2_free_secret(form);
		return -1;
	}
	rc = oa2_oauth_request(p->cfg, p->http, p->disc->token_endpoint, "token endpoint", false,
			       &form, token, len, &why, err);
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
		p->said = N_("The login was denied at the identity provider.");
		return oa2_fail(err, OA2_ERR_DENIED, "the login was denied at the identity provider");
	}
	if (strcmp(why.code, "authorization_declined") == 0) {
		p->said = N_("The login was denied at the identity provider.");
		return oa2_fail(err, OA2_ERR_DENIED,
				"the login was denied at the identity provider (authorization_declined)");
	}
	if (strcmp(why.code, "expired_token") == 0) {
		p->said = p->expired;
		return oa2_fail(err, OA2_ERR_DENIED, "the %s expired before it was approved", p->noun);
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

/* Poll until done, error, the deadline or (when until_ms > 0) until_ms.
 * Returns 0 done, 1 still pending at until_ms, -1 error. */
static int poll_until(struct oa2_poll *p, int64_t until_ms, char **token, size_t *len,
		      oa2_error *err)
{
	for (;;) {
		enum poll_state st = POLL_PENDING;

		if (p->next_poll >= p->deadline) {
			p->said = p->expired;
			return oa2_fail(err, OA2_ERR_DENIED, "the %s was not approved in time",
					p->noun);
		}
		if (until_ms > 0 && p->next_poll > until_ms)
			return 1;
		sleep_until(p->next_poll);
		if (poll_once(p, token, len, &st, err) != 0)
			return -1;
		if (st == POLL_DONE)
			return 0;
		if (st == POLL_SLOW_DOWN)
			p->interval_ms += SLOW_DOWN_STEP * 1000;
		p->next_poll = oa2_now_ms() + p->interval_ms;
		if (p->ui->progress != NULL)
			p->ui->progress(p->ui->ctx, (long)((p->deadline - oa2_now_ms()) / 1000));
	}
}

static int wait_with_prompts(struct oa2_poll *p, const struct oa2_ui *ui, char **token,
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
		rc = poll_until(p, oa2_now_ms() + WAIT_AFTER_ENTER_MS, token, len, err);
		if (rc <= 0)
			return rc;
		prompt = _("Not approved yet. Press Enter once you have approved (or type 'cancel'): ");
	}
}

int oa2_poll_interval(const json_object *doc, const char *what, int64_t *out, oa2_error *err)
{
	switch (oa2_json_seconds(doc, "interval", out)) {
	case 1:
		*out = OA2_POLL_DEFAULT_INTERVAL;
		return 0;
	case 0:
		if (*out >= 1 && *out <= OA2_POLL_MAX_INTERVAL)
			return 0;
		/* fall through */
	default:
		return oa2_fail(err, OA2_ERR_PROTOCOL, "%s: 'interval' invalid", what);
	}
}

void oa2_poll_start(struct oa2_poll *p, int64_t interval_s, int64_t valid_s)
{
	int64_t start = oa2_now_ms();

	p->interval_ms = interval_s * 1000;
	p->next_poll = start + p->interval_ms;
	p->deadline = start + valid_s * 1000;
}

int oa2_poll_wait(struct oa2_poll *p, char **token, size_t *len, oa2_error *err)
{
	int rc;

	if (p->ui->info_needs_prompt)
		rc = wait_with_prompts(p, p->ui, token, len, err);
	else
		rc = poll_until(p, 0, token, len, err);
	/* the grant knows why it ended: say it (other refusals get their line
	 * from the helper, refusal.h) */
	if (rc != 0 && p->ui->error != NULL && p->said != NULL)
		p->ui->error(p->ui->ctx, _(p->said));
	return rc == 0 ? 0 : -1;
}
