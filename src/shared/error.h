/* error.h - one small error record passed down every call chain.
 *
 * Modules below the PAM layer never log and never know about PAM: they fill an
 * oa2_error with a category and a human sentence, and the caller decides what
 * to log and which PAM code the category becomes (oa2_pam_code, login.h). */
#ifndef OA2_ERROR_H
#define OA2_ERROR_H

#include <stddef.h>

enum oa2_errkind {
	OA2_OK = 0,
	OA2_ERR_CONFIG,   /* administrator's configuration is wrong or unsafe */
	OA2_ERR_UNAVAIL,  /* IdP unreachable, TLS failure, timeout, HTTP 5xx */
	OA2_ERR_PROTOCOL, /* IdP answered something malformed or inconsistent */
	OA2_ERR_DENIED,   /* the identity is not accepted (bad token, wrong user) */
	OA2_ERR_CREDENTIALS, /* the IdP refused the user's password itself */
	OA2_ERR_PERM,     /* authenticated, but not authorised (groups, acr) */
	OA2_ERR_USER,     /* no such local user */
	OA2_ERR_ABORT,    /* the user gave up */
	OA2_ERR_INTERNAL, /* out of memory, system call failure; stays last (module/helper_client.c) */
};

#define OA2_ERRMSG_MAX 256

typedef struct oa2_error {
	enum oa2_errkind kind;
	char msg[OA2_ERRMSG_MAX];
} oa2_error;

/* Record an error; returns -1 so callers can write "return oa2_fail(...)".
 * A NULL err is allowed. The first error recorded wins: a later call does not
 * overwrite a more specific earlier reason. The message is kept as oa2_esc
 * makes it (strutil.h): printable ASCII whatever the arguments held, so it
 * can be logged and shown as it is. */
int oa2_fail(oa2_error *err, enum oa2_errkind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record inner's error (already escaped, not escaped again) as kind, its
 * message after prefix (a constant). Returns -1 like oa2_fail. */
int oa2_fail_wrap(oa2_error *err, enum oa2_errkind kind, const char *prefix,
		  const oa2_error *inner);

/* Record text that is already in oa2_esc's form (an inner error's message,
 * or the helper's over the channel) as kind: copied as it is, not escaped a
 * second time (a backslash stays one "\\"), any byte outside printable
 * ASCII made '?', cut to fit. Returns -1 like oa2_fail. */
int oa2_fail_text(oa2_error *err, enum oa2_errkind kind, const char *escaped);

/* Forget any recorded error. */
void oa2_error_clear(oa2_error *err);

const char *oa2_errkind_name(enum oa2_errkind kind);

#endif
