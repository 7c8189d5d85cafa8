/* account_registry.h - the registry of created accounts: one root-only file,
 * accounts_dir/registry, a header line then one line per account:
 *
 *   UID <tab> NAME <tab> STATE <tab> CREATED <tab> ISSUER <tab> SUB
 *
 * and one per group group_map created: GID <tab> NAME <tab> group <tab>
 * CREATED <tab> - <tab> - (a group line has "-" for both, an account line
 * never has both; identities are unique among accounts).
 *
 * Read whole and checked line by line (a malformed or duplicate entry makes
 * the whole registry corrupt: the caller refuses), written whole to a
 * temporary file and renamed. The caller holds the lock (accounts.c). */
#ifndef OA2_ACCOUNT_REGISTRY_H
#define OA2_ACCOUNT_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "accounts.h"
#include "shared/error.h"

#define OA2_REGISTRY_FILE "registry"
#define OA2_REGISTRY_MAX_SIZE (16 * 1024 * 1024)

struct oa2_registry {
	struct oa2_account *a;
	size_t n, cap;
};

/* Load dir/registry; an absent file is an empty registry. */
int oa2_registry_load(const char *dir, struct oa2_registry *r, oa2_error *err);

/* Write r to dir/registry (0600, write and rename). */
int oa2_registry_save(const char *dir, const struct oa2_registry *r, oa2_error *err);

struct oa2_account *oa2_registry_by_name(const struct oa2_registry *r, const char *name);
struct oa2_account *oa2_registry_by_identity(const struct oa2_registry *r, const char *issuer,
					     const char *sub);
struct oa2_account *oa2_registry_by_uid(const struct oa2_registry *r, unsigned long uid);

/* Append a copy of a. -1 when out of memory. */
int oa2_registry_add(struct oa2_registry *r, const struct oa2_account *a);

void oa2_registry_free(struct oa2_registry *r);

/* An issuer or sub the registry can hold: 1..max bytes, none below 0x20,
 * no DEL (so no tab or newline). */
bool oa2_registry_text_ok(const char *s, size_t max);

#endif
