/* account_records.h - the user and group records of a created account, in
 * the JSON format nss-systemd reads from /etc/userdb (systemd's "JSON User
 * Records" and "JSON Group Records"):
 *
 *   NAME.user   (0644)  userName, uid, gid = uid, homeDirectory, shell,
 *                       disposition "regular", service "pam_oauth2",
 *                       locked when locked
 *   UID.user            symbolic link to NAME.user
 *   NAME.group  (0644)  the private group: groupName, gid = uid
 *   GID.group           symbolic link to NAME.group
 *
 * nss-systemd checks none of it, so these functions check every field
 * again (a valid name, a UID that is never 0, 65534, 65535, systemd's
 * dynamic range or 2^31 and above, a plain absolute home and shell). The
 * directory must be owned by the effective uid (root) and writable by
 * nobody else, its parents likewise. The caller holds the registry lock. */
#ifndef OA2_ACCOUNT_RECORDS_H
#define OA2_ACCOUNT_RECORDS_H

#include <stdbool.h>

#include "accounts.h"
#include "shared/error.h"

/* Write the four records of a (home home_base/NAME, shell), each only when
 * missing or different. */
int oa2_records_write(const char *dir, const struct oa2_account *a, const char *home_base,
		      const char *shell, oa2_error *err);

/* Write a group's two records, NAME.group (0644: groupName, gid) and the
 * GID.group link, each only when missing or different: a group group_map
 * created ("GROUP+"). */
int oa2_records_write_group(const char *dir, const char *name, unsigned long gid,
			    oa2_error *err);

/* Remove the four records of a (a link only when it leads to a's file). */
int oa2_records_remove(const char *dir, const struct oa2_account *a, oa2_error *err);

/* Does NAME.user, NAME.group (name not NULL), UID.user or UID.group (uid
 * not 0) exist in dir? */
bool oa2_records_exist(const char *dir, const char *name, unsigned long uid);

/* A home base or shell a record may hold: absolute, printable, no ':',
 * '"', '\', white space, not ending in '/'. */
bool oa2_records_path_ok(const char *path);

#endif
