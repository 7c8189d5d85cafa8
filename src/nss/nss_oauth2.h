/* nss_oauth2.h - the files shared by libnss_oauth2 (src/nss/) and the
 * helper's account store (src/helper/account_nss.c): see docs/accounts.md,
 * "sshd's lookup before PAM".
 *
 * Both live in OA2_NSS_DIR, a root-owned directory of mode 0700 whose
 * parent is root-owned and not writable by others. Every file is root-owned,
 * mode 0600, at most OA2_NSS_FILE_MAX bytes, written to a temporary name and
 * renamed; changes hold an exclusive flock on OA2_NSS_DIR/.lock (the helper
 * takes it inside the registry's lock, never the other way round).
 *
 * OA2_NSS_SETTINGS, written by the helper (every account step, and
 * `pam-oauth2 accounts sync`): a first line OA2_NSS_MAGIC, then lines of
 * one key, one space, one value:
 *
 *   program /usr/sbin/sshd      a program whose lookups may be answered
 *   home /home                  home_base
 *   shell /bin/bash             shell
 *   lifetime 180                seconds a reservation lives: sshd's
 *                               LoginGraceTime + 60 (helper/account_sshd.h)
 *   pattern *@example.com       a new_users pattern (any number)
 *   domain example.com          a strip_domain domain (any number)
 *   uid 1900000000              a UID free for a new account, in the order
 *                               to hand out (at most OA2_NSS_MAX of them)
 *
 * OA2_NSS_RESERVED, written by libnss_oauth2 and the helper: lines
 * "NAME UID EXPIRES" (EXPIRES in seconds since the epoch), at most
 * OA2_NSS_MAX of them. */
#ifndef OA2_NSS_OAUTH2_H
#define OA2_NSS_OAUTH2_H

#define OA2_NSS_DIR "/run/pam_oauth2/nss"
#define OA2_NSS_SETTINGS "settings"
#define OA2_NSS_RESERVED "reserved"
#define OA2_NSS_LOCK ".lock"
#define OA2_NSS_MAGIC "pam_oauth2-nss 1"
#define OA2_NSS_MAX 64             /* live reservations, and free UIDs listed */
#define OA2_NSS_FILE_MAX 16384
#define OA2_NSS_LINE_MAX 512
#define OA2_NSS_LOCK_WAIT_MS 2000
/* The GECOS field of an answer: the module knows a reservation by it and
 * treats the name as one without an account. */
#define OA2_NSS_GECOS "pam_oauth2 reservation"
/* The programs the helper lists by default: OpenSSH's sshd, and the
 * per-connection sshd-session of OpenSSH 9.8 and later. */
#define OA2_NSS_PROGRAMS { "/usr/sbin/sshd", "/usr/lib/openssh/sshd-session" }

#endif
