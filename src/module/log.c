/* log.c - syslog through PAM, or stderr for the command-line tool. */
#include "autoconfig.h"

#include <security/pam_ext.h>
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

#define LINE_MAX_BYTES 2048

/* Callers escape what they quote (OA2_ESC); whatever slips through is cut to
 * printable ASCII here, so one call is always one line. */
static void vlog(pam_handle_t *pamh, int prio, const char *fmt, va_list ap)
{
	char line[LINE_MAX_BYTES];

	vsnprintf(line, sizeof(line), fmt, ap);
	for (char *p = line; *p; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	}
	if (pamh != NULL)
		pam_syslog(pamh, prio, "%s", line);
	else
		fprintf(stderr, "pam_oauth2: %s\n", line);
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
