/* poll.h - polling the token endpoint until a person approves elsewhere:
 * the device grant (RFC 8628 3.4-3.5) and CIBA in poll mode (CIBA Core 7.1,
 * 10-11) share it. Polls every interval (slow_down adds 5 s for the rest of
 * the wait), never past the deadline; with a prompting conversation (sshd's
 * keyboard-interactive) it polls after Enter, and 'cancel', a hang-up or
 * sshd's marker end it. On success *token holds the token endpoint's JSON
 * answer, to be validated by token.c. */
#ifndef OA2_POLL_H
#define OA2_POLL_H

#include <stddef.h>
#include <stdint.h>

#include "discovery.h"
#include "http.h"
#include "shared/config.h"
#include "shared/error.h"
#include "shared/json.h"
#include "shared/ui.h"

#define OA2_POLL_DEFAULT_INTERVAL 5 /* seconds, when the IdP names none */
#define OA2_POLL_MAX_INTERVAL 60

struct oa2_poll {
	const struct oa2_ui *ui;
	const struct oa2_config *cfg;
	const struct oa2_discovery *disc;
	oa2_http *http;
	const char *grant_type; /* the token request's grant_type */
	const char *id_name;    /* its field naming the pending grant */
	const char *id_value;   /* that secret (borrowed) */
	const char *noun;       /* "code" or "request", for the log */
	const char *expired;    /* msgid of the user's line when it expired */
	int64_t interval_ms;
	int64_t next_poll;
	int64_t deadline;
	const char *said;       /* msgid of the user's line when the grant failed */
};

/* The "interval" member of an answer that starts a wait (RFC 8628 3.2,
 * CIBA Core 7.3): seconds, OA2_POLL_DEFAULT_INTERVAL when missing, 1 to
 * OA2_POLL_MAX_INTERVAL (a string of digits too, see oa2_json_seconds); what
 * names the answer in the message. */
int oa2_poll_interval(const json_object *doc, const char *what, int64_t *out, oa2_error *err);

/* The monotonic clock in milliseconds. */
int64_t oa2_now_ms(void);

/* First poll after interval_s, give up after valid_s (both from now). */
void oa2_poll_start(struct oa2_poll *p, int64_t interval_s, int64_t valid_s);

/* Wait and poll as the conversation allows (see above); on failure the
 * user is told p->said, when set. 0 with the answer in *token / *len, or -1
 * (err). */
int oa2_poll_wait(struct oa2_poll *p, char **token, size_t *len, oa2_error *err);

#endif
