/* account_nss.h - the helper's side of libnss_oauth2 (src/nss/): the
 * settings it publishes for sshd's lookup before PAM, and the reservations
 * that lookup made (docs/accounts.md, "sshd's lookup before PAM"). The
 * caller holds the registry's lock; these take the NSS directory's lock
 * inside it. */
#ifndef OA2_ACCOUNT_NSS_H
#define OA2_ACCOUNT_NSS_H

#include <stddef.h>
#include <time.h>

#include "nss/nss_table.h"
#include "shared/error.h"

struct oa2_nss_publication {
	const char *new_users;     /* patterns, as configured (NULL: none) */
	const char *strip_domains; /* domains, as configured (NULL: none) */
	const char *home_base, *shell;
	const unsigned long *uids; /* free UIDs in the order to hand out */
	size_t nuid;
	long lifetime;             /* of a reservation, seconds (account_sshd.h);
				    * 0: publish nothing, remove the settings */
};

/* Lock dir (created: its parent 0755, itself 0700, both root's) and read
 * its live reservations. The lock's descriptor, or -1 (err). */
int oa2_account_nss_open(const char *dir, time_t now, struct oa2_nss_table *t, oa2_error *err);

/* The UID reserved for name in t, or 0. */
unsigned long oa2_account_nss_reserved(const struct oa2_nss_table *t, const char *name);

/* Drop name's reservation (its account now exists) and write the settings
 * p says (with no lifetime: remove them, libnss_oauth2 then answers
 * nothing); then release the lock. 0 or -1 (err). */
int oa2_account_nss_close(const char *dir, int lock, struct oa2_nss_table *t, const char *name,
			  const struct oa2_nss_publication *p, oa2_error *err);

#endif
