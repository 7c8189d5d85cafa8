/* accounts.h - accounts created from IdP identities: the registry that says
 * which identity (issuer, sub) owns which name and UID, the allocation of
 * UIDs, and the user and group records nss-systemd serves (docs/accounts.md).
 *
 * Runs in the helper (as root in production; the tests point the
 * directories at a scratch directory). nss-systemd serves whatever the
 * records say, uid 0 included, so every field is checked here before it is
 * written. Every change holds an exclusive lock on the registry for the
 * whole step and writes each file to a temporary name, synced, then renamed:
 * readers see the old file or the new one. A UID is never handed out twice:
 * the registry keeps removed accounts. */
#ifndef OA2_ACCOUNTS_H
#define OA2_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "shared/config.h"
#include "shared/error.h"
#include "shared/username.h"

#define OA2_ACCOUNT_ISSUER_MAX 1024 /* bytes of an issuer in the registry */
#define OA2_ACCOUNT_SUB_MAX 255     /* OIDC Core: sub is at most 255 ASCII characters */
#define OA2_ACCOUNT_LOCK_WAIT_MS 10000

/* Where and how accounts are made; the strings are borrowed. */
struct oa2_account_store {
	const char *registry_dir; /* accounts_dir: root-only */
	const char *userdb_dir;   /* the records: 0755, root-owned */
	const char *shells;       /* the list of login shells: /etc/shells */
	/* subordinate IDs (/etc/subuid, /etc/subgid): no UID is handed out
	 * inside their ranges; NULL: not read */
	const char *subuid, *subgid;
	unsigned long uid_low, uid_high;
	int allocation;           /* enum oa2_uid_allocation */
	const char *home_base;
	const char *shell;
	long lock_wait_ms;
	/* libnss_oauth2 (src/nss/): its directory (NULL: not used), and what it
	 * is told of new_users */
	const char *nss_dir;
	const char *new_users, *strip_domains;
	/* sshd, whose LoginGraceTime sets a reservation's lifetime; recheck:
	 * run `sshd -T` even when nothing changed (pam-oauth2 accounts sync) */
	const char *sshd;
	bool sshd_recheck;
};

/* OA2_ACCOUNT_GROUP: not an account but a group group_map created
 * ("GROUP+"): its GID is a number of uid_range like an account's UID, so
 * the two never meet, and its line keeps it from ever being reused. */
enum oa2_account_state {
	OA2_ACCOUNT_ACTIVE,
	OA2_ACCOUNT_LOCKED,
	OA2_ACCOUNT_REMOVED,
	OA2_ACCOUNT_GROUP
};

struct oa2_account {
	unsigned long uid;              /* also the GID of its private group */
	/* a group (OA2_ACCOUNT_GROUP): uid its GID, issuer and sub "-" */
	char name[OA2_USER_MAX];
	int state;                      /* enum oa2_account_state */
	long long created;              /* seconds since the epoch */
	char issuer[OA2_ACCOUNT_ISSUER_MAX + 1];
	char sub[OA2_ACCOUNT_SUB_MAX + 1];
};

/* The store a configuration names (/etc/shells for the shells, /etc/subuid
 * and /etc/subgid for the subordinate IDs). */
void oa2_account_store_init(struct oa2_account_store *s, const struct oa2_config *cfg);

/* A login of the identity (issuer, sub) to name. When the registry holds
 * name: the identity must own it and it must be active; its records are
 * written again when missing or different; *ours = true. When it does not:
 * with may_create false nothing happens (*ours = false: a local account,
 * today's rules); with may_create true the account is made (name valid,
 * unknown to NSS as a user and as a group, no stray record, the identity
 * owning no other name, a free UID outside every subordinate ID range) and
 * *ours = true. out (may be NULL)
 * receives the account. Refusals: OA2_ERR_DENIED (another identity's name,
 * a name NSS knows, a UID collision), OA2_ERR_PERM (locked, removed),
 * OA2_ERR_INTERNAL (full range, unsafe or unwritable store, corrupt
 * registry, unreadable or malformed subuid/subgid file); nothing is left half-written. */
int oa2_account_claim(const struct oa2_account_store *s, const char *issuer, const char *sub,
		      const char *name, bool may_create, time_t now, struct oa2_account *out,
		      bool *ours, oa2_error *err);

/* The groups of w marked for creation (group_map's "GROUP+"), under the
 * registry's lock: a group the registry holds as one keeps its GID (its
 * records written again when missing); a name the registry holds as an
 * account, or that NSS knows as a user or a group, or that a record in
 * userdb_dir has, is refused (OA2_ERR_DENIED: never taken over; every name
 * is checked before any group is made, so such a refusal makes none); else the
 * group is registered with a GID allocated as a UID is (uid_range, never a
 * number the registry, NSS, a subordinate ID range or a live reservation
 * holds; uid_allocation = hash: from "group" and the name, so every host
 * agrees) and its NAME.group and GID.group records written. */
struct oa2_groups_wanted;
int oa2_account_make_groups(const struct oa2_account_store *s, const struct oa2_groups_wanted *w,
			    time_t now, oa2_error *err);

/* Write libnss_oauth2's settings again (pam-oauth2 accounts sync): 0; 1
 * when there is no sshd (no settings: nothing to answer); -1 (err). */
int oa2_account_publish(const struct oa2_account_store *s, oa2_error *err);

/* Every account in the registry (*list freed by the caller; an absent
 * registry is empty). */
int oa2_account_list(const struct oa2_account_store *s, struct oa2_account **list, size_t *n,
		     oa2_error *err);

enum oa2_account_action { OA2_ACCOUNT_LOCK, OA2_ACCOUNT_UNLOCK, OA2_ACCOUNT_REMOVE };

/* The administrator's changes. lock: logins refused, the record says
 * "locked" (nss-systemd then reports the account as expired, so pam_unix
 * refuses it too). unlock: active again (after a removal the next login
 * writes the records again). remove: the records go, the registry keeps the
 * name and UID. OA2_ERR_USER when the registry has no such name. */
int oa2_account_change(const struct oa2_account_store *s, const char *name,
		       enum oa2_account_action what, oa2_error *err);

/* "active", "locked", "removed", "group". */
const char *oa2_account_state_name(int state);

#endif
