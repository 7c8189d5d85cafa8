/* account_subid.h - the subordinate ID ranges of /etc/subuid and
 * /etc/subgid (subuid(5), subgid(5)): UIDs and GIDs that useradd handed to
 * users for rootless containers. An account's UID (and its private group's
 * GID, the same number) must lie in none of them, or a container of that
 * user would own the account's files.
 *
 * Read defensively: an absent file holds no ranges; the file must be a
 * regular file owned by root (or the tests' user), writable by nobody else,
 * at most OA2_SUBID_MAX_SIZE bytes. Each line is OWNER:START:COUNT (decimal,
 * COUNT at least 1, the range below 2^32); empty lines are skipped. A line
 * that does not parse makes the file unusable: the caller refuses to hand
 * out any UID (the range it meant is unknown, so any UID might be in it). */
#ifndef OA2_ACCOUNT_SUBID_H
#define OA2_ACCOUNT_SUBID_H

#include <stddef.h>

#include "shared/error.h"

#define OA2_SUBID_MAX_SIZE (4 * 1024 * 1024)

struct oa2_subid_range {
	unsigned long low, high; /* inclusive */
};

struct oa2_subid_ranges {
	struct oa2_subid_range *r;
	size_t n, cap;
};

/* Append the ranges of path to *out. OA2_ERR_INTERNAL (naming the file and
 * the line) when the file is unsafe, unreadable or has a malformed line. */
int oa2_subid_load(const char *path, struct oa2_subid_ranges *out, oa2_error *err);

/* The range holding id, or NULL. */
const struct oa2_subid_range *oa2_subid_find(const struct oa2_subid_ranges *s, unsigned long id);

void oa2_subid_free(struct oa2_subid_ranges *s);

#endif
