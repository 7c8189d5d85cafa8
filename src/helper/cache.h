/* cache.h - small on-disk cache of IdP metadata (discovery, JWKS).
 *
 * Files live in cache_dir (created 0700 root:root when missing; refused when
 * it is not root-owned or is writable by others). Each entry is written to a
 * temporary file and renamed into place, so readers see the old or the new
 * version, never a mix. An entry records its expiry time; a corrupt, foreign-
 * owned, group/world-writable or expired file is reported as a miss and will
 * be rewritten, never trusted. */
#ifndef OA2_CACHE_H
#define OA2_CACHE_H

#include <stddef.h>
#include <time.h>

#include "shared/error.h"

#define OA2_CACHE_MAX_SIZE (512 * 1024)
#define OA2_CACHE_MIN_TTL 60
#define OA2_CACHE_MAX_TTL 86400
#define OA2_CACHE_DEFAULT_TTL 3600

/* Entry name for (issuer, kind): "<kind>-<sha256(issuer) hex>". out must hold
 * at least 80 bytes. */
int oa2_cache_name(const char *issuer, const char *kind, char *out, size_t outlen);

/* Read a fresh entry. Returns 0 and a malloc'd body on a hit; 1 on a miss
 * (absent, expired, corrupt or unsafe; *why says which, for
 * oa2_cache_inspect);
 * -1 only on out-of-memory. */
int oa2_cache_get(const char *dir, const char *name, time_t now, char **body, size_t *len,
		  const char **why);

/* Store body with an expiry of now + ttl (clamped to the bounds above). */
int oa2_cache_put(const char *dir, const char *name, const char *body, size_t len, time_t now,
		  long ttl, oa2_error *err);

/* Seconds since the entry was written, or -1 when there is no usable entry
 * (used to rate-limit refetches). */
long oa2_cache_age(const char *dir, const char *name, time_t now);

/* A rate limit's stamp: the modification time of dir/.name.stamp. Returns
 * 1 when it is absent or at least min_age seconds old, and is now set to
 * now; 0 when it is younger (nothing changed); -1 with err when it cannot
 * be kept (dir unusable, the file cannot be created, is not a private file
 * of the effective uid, or cannot be stamped). Once the file exists,
 * stamping it (futimens) needs no free block or inode: a full disk does not
 * lift the limit. Call it under the entry's lock (oa2_cache_lock). */
int oa2_cache_stamp(const char *dir, const char *name, time_t now, long min_age,
		    oa2_error *err);

/* Serialise the refresh of one entry across processes (many logins at
 * once): an exclusive flock on dir/.name.lock, waited for at most wait_ms.
 * Returns a descriptor for oa2_cache_unlock, or -1 when the lock could not
 * be had (the caller then refreshes without it). offline.c locks its entries
 * with it too, and refuses when it gets -1. */
int oa2_cache_lock(const char *dir, const char *name, long wait_ms);
void oa2_cache_unlock(int fd);

/* A cached document's reader: parse body and keep the result; 0, or -1 when
 * it is unusable. */
typedef int oa2_cache_use_fn(void *ctx, const char *body, size_t len);

/* Hand a fresh entry to use. Returns 1 when use kept it; 0 when there was
 * none or use refused it (the entry is then dropped, to be fetched again). */
int oa2_cache_read(const char *dir, const char *name, time_t now, oa2_cache_use_fn *use,
		   void *ctx);

/* The way every cached document is loaded: a fresh entry use keeps; else,
 * under the entry's lock (many logins at once: one fetches, the others wait
 * at most wait_ms and read its copy), an entry another process wrote
 * meanwhile; else fetch(ctx, err), which fetches and stores the document.
 * Returns 0, or -1 with err from fetch. */
int oa2_cache_load(const char *dir, const char *name, time_t now, long wait_ms,
		   oa2_cache_use_fn *use, int (*fetch)(void *ctx, oa2_error *err), void *ctx,
		   oa2_error *err);

/* Remove an entry (used when a cached document turned out to be unusable). */
void oa2_cache_drop(const char *dir, const char *name);

/* Is dir usable as a cache directory (a directory owned by the effective
 * user, not writable by group or others)? It is not created. 0, or -1 with
 * err saying why (for the diagnostic tool). */
int oa2_cache_dir_check(const char *dir, oa2_error *err);

/* What the diagnostic tool shows of one entry, without trusting it. */
enum oa2_cache_state {
	OA2_CACHE_ABSENT,
	OA2_CACHE_VALID,   /* oa2_cache_get would return it */
	OA2_CACHE_EXPIRED,
	OA2_CACHE_CORRUPT, /* bad header, wrong length, expiry too far ahead */
	OA2_CACHE_UNSAFE,  /* owner, mode, type or size not acceptable */
};

struct oa2_cache_info {
	enum oa2_cache_state state;
	const char *why;   /* a short reason, static */
	long long size;    /* bytes on disk, -1 when unknown */
	long age;          /* seconds since written, -1 when unknown */
	long long expires; /* epoch seconds from the header, 0 when unknown */
};

/* Describe the entry name in dir as oa2_cache_get would judge it at now. */
void oa2_cache_inspect(const char *dir, const char *name, time_t now, struct oa2_cache_info *info);

/* TTL from an HTTP response's Cache-Control, within the bounds above. */
long oa2_cache_ttl(long max_age, int no_store);

#endif
