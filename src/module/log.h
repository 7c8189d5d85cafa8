/* log.h - one place that writes to syslog (auth facility).
 *
 * In the module every line goes through pam_syslog, which prefixes the
 * service and module name; the diagnostic tool passes a NULL handle and the
 * line goes to stderr instead. Callers never pass secrets, and quote every
 * value from outside (user names, rhost, tty, service, sub, IdP text) through
 * OA2_ESC (strutil.h); as a last guard a line is cut to printable ASCII, so
 * one call always makes exactly one line. */
#ifndef OA2_LOG_H
#define OA2_LOG_H

#include <security/pam_modules.h>
#include <stdbool.h>
#include <syslog.h>

void oa2_log(pam_handle_t *pamh, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Logged only when the "debug" option is on. */
void oa2_debug(pam_handle_t *pamh, bool enabled, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
