/* nss_table.h - libnss_oauth2's reading and writing of OA2_NSS_DIR
 * (nss_oauth2.h): the settings the helper publishes and the reservation
 * table. libc only, no allocation: everything lives in the caller's
 * structures. Any doubt (an owner, a mode, a size, one malformed line) is a
 * failure, and the caller answers "not found". */
#ifndef OA2_NSS_TABLE_H
#define OA2_NSS_TABLE_H

#include <stdbool.h>
#include <time.h>

#include "nss_oauth2.h"

#define OA2_NSS_NAME_MAX 64 /* with the terminating byte */
#define OA2_NSS_LIST_MAX 16 /* programs, patterns, domains */

struct oa2_nss_settings {
	char text[OA2_NSS_FILE_MAX + 1]; /* the file; the fields point into it */
	const char *program[OA2_NSS_LIST_MAX];
	const char *pattern[OA2_NSS_LIST_MAX];
	const char *domain[OA2_NSS_LIST_MAX];
	int nprogram, npattern, ndomain;
	const char *home, *shell;
	long lifetime;
	unsigned long uid[OA2_NSS_MAX];
	int nuid;
};

struct oa2_nss_reservation {
	char name[OA2_NSS_NAME_MAX];
	unsigned long uid;
	long long expires;
};

struct oa2_nss_table {
	struct oa2_nss_reservation r[OA2_NSS_MAX];
	int n;
};

/* A user name as the project takes them (shared/username.h), never "." or
 * "..". */
bool oa2_nss_name_ok(const char *name);

/* The directory dir is root-owned, 0700, its parent root-owned and not
 * writable by others. 0 or -1. */
int oa2_nss_dir_ok(const char *dir);

/* Read and parse dir/OA2_NSS_SETTINGS. 0 or -1. */
int oa2_nss_settings_load(const char *dir, struct oa2_nss_settings *s);

/* Read dir/OA2_NSS_RESERVED (absent: empty) and keep the entries alive at
 * now. 0 or -1. */
int oa2_nss_table_load(const char *dir, time_t now, struct oa2_nss_table *t);

/* Write t to dir/OA2_NSS_RESERVED (0600, write and rename). 0 or -1. */
int oa2_nss_table_save(const char *dir, const struct oa2_nss_table *t);

/* An exclusive lock on dir/OA2_NSS_LOCK, waited for at most wait_ms: the
 * descriptor, or -1. */
int oa2_nss_lock(const char *dir, long wait_ms);

#endif
