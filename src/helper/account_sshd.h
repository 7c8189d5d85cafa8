/* account_sshd.h - how long libnss_oauth2's reservations live, from sshd's
 * effective LoginGraceTime (docs/accounts.md, "How long a reservation
 * lives").
 *
 * A reservation must outlive the unauthenticated connection whose lookup
 * made it: sshd ends that connection at LoginGraceTime, so a reservation
 * lives LoginGraceTime + OA2_SSHD_MARGIN seconds. LoginGraceTime 0 (no
 * limit), a value whose lifetime would pass OA2_SSHD_LIFETIME_MAX, or an
 * sshd whose `sshd -T` fails give no lifetime: the helper then publishes no
 * settings and libnss_oauth2 answers nothing (fail closed: the first ssh
 * login takes two connections).
 *
 * `sshd -T` takes 30 to 200 ms, so it runs at `pam-oauth2
 * accounts sync` and whenever sshd's program or configuration files
 * changed since the last run (their inode, size and times, kept in
 * nss_dir/OA2_SSHD_CACHE), not at every login. */
#ifndef OA2_ACCOUNT_SSHD_H
#define OA2_ACCOUNT_SSHD_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/error.h"

#define OA2_SSHD_PROGRAM "/usr/sbin/sshd"
#define OA2_SSHD_CONFIG "/etc/ssh/sshd_config"
#define OA2_SSHD_CONFIG_DIR "/etc/ssh/sshd_config.d"
#define OA2_SSHD_CACHE "sshd"
#define OA2_SSHD_MARGIN 60          /* seconds past LoginGraceTime */
#define OA2_SSHD_LIFETIME_MAX 1800  /* seconds: the longest reservation */
#define OA2_SSHD_TIMEOUT_MS 5000    /* for `sshd -T` */
#define OA2_SSHD_OUTPUT_MAX 65536

/* The "logingracetime N" line of `sshd -T` output: 0 and *grace, or -1
 * (no such line, or not a decimal number of seconds). */
int oa2_sshd_grace_parse(const char *text, size_t len, long *grace);

/* The lifetime for LoginGraceTime grace: 0 and *lifetime, or -1 (err says
 * why: 0 = no limit, or above OA2_SSHD_LIFETIME_MAX - OA2_SSHD_MARGIN). */
int oa2_sshd_lifetime_for(long grace, long *lifetime, oa2_error *err);

/* The reservation lifetime for the sshd at program (OA2_SSHD_PROGRAM):
 * 0 and *lifetime; 1 when program is NULL or does not exist (no sshd: nothing to
 * answer); -1 (err). Reuses nss_dir's cache unless recheck is set or a
 * file changed; a new result is written there. */
int oa2_sshd_reservation_lifetime(const char *nss_dir, const char *program, bool recheck,
				  long *lifetime, oa2_error *err);

#endif
