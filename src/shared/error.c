/* error.c - the error record. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "strutil.h"

int oa2_fail(oa2_error *err, enum oa2_errkind kind, const char *fmt, ...)
{
	char raw[OA2_ERRMSG_MAX];
	va_list ap;

	if (err == NULL || err->kind != OA2_OK)
		return -1;
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* Messages quote what a user, an IdP or a token said, and are logged
	 * and shown: escaped once here, they can neither forge a second log
	 * line nor drive a terminal. */
	oa2_esc(raw, err->msg, sizeof(err->msg));
	return -1;
}

/* Text already escaped: kept, but never more than printable ASCII. */
static int fail_as_is(oa2_error *err, enum oa2_errkind kind, const char *prefix,
		      const char *escaped)
{
	if (err == NULL || err->kind != OA2_OK)
		return -1;
	err->kind = kind;
	snprintf(err->msg, sizeof(err->msg), "%s%s", prefix,
		 escaped != NULL ? escaped : "(no reason)");
	for (char *p = err->msg; *p; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	}
	return -1;
}

int oa2_fail_wrap(oa2_error *err, enum oa2_errkind kind, const char *prefix,
		  const oa2_error *inner)
{
	return fail_as_is(err, kind, prefix, inner->msg);
}

int oa2_fail_text(oa2_error *err, enum oa2_errkind kind, const char *escaped)
{
	return fail_as_is(err, kind, "", escaped);
}

void oa2_error_clear(oa2_error *err)
{
	if (err == NULL)
		return;
	err->kind = OA2_OK;
	err->msg[0] = '\0';
}

const char *oa2_errkind_name(enum oa2_errkind kind)
{
	switch (kind) {
	case OA2_OK: return "ok";
	case OA2_ERR_CONFIG: return "config";
	case OA2_ERR_UNAVAIL: return "unavailable";
	case OA2_ERR_PROTOCOL: return "protocol";
	case OA2_ERR_DENIED: return "denied";
	case OA2_ERR_CREDENTIALS: return "wrong password";
	case OA2_ERR_PERM: return "not authorised";
	case OA2_ERR_USER: return "unknown user";
	case OA2_ERR_ABORT: return "aborted";
	case OA2_ERR_INTERNAL: return "internal";
	}
	return "unknown";
}
