/* log.c - syslog through PAM, or stderr for the command-line tool. */
#include "autoconfig.h"

#include <security/pam_ext.h>
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static void vlog(pam_handle_t *pamh, int prio, const char *fmt, va_list ap)
{
	if (pamh != NULL) {
		pam_vsyslog(pamh, prio, fmt, ap);
		return;
	}
	fputs("pam_oauth2: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void oa2_log(pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(pamh, prio, fmt, ap);
	va_end(ap);
}

void oa2_debug(pam_handle_t *pamh, bool enabled, const char *fmt, ...)
{
	va_list ap;

	if (!enabled)
		return;
	va_start(ap, fmt);
	vlog(pamh, LOG_DEBUG, fmt, ap);
	va_end(ap);
}
