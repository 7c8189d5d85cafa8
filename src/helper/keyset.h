/* keyset.h - the issuer's signing keys: the JWKS from the disk cache or the
 * discovered jwks_uri.
 *
 * A token signed with a key id we do not know may mean the IdP rotated its
 * keys: oa2_keyset_refresh fetches the JWKS again, but at most once per
 * OA2_JWKS_MIN_REFRESH seconds per issuer, so a flood of forged tokens cannot
 * make us hammer the IdP. The limit holds across processes and without a
 * writable cache: besides the cache entry's age it is kept in a stamp file
 * next to the entry (oa2_cache_stamp), whose modification time is set with
 * futimens before each refetch; that needs no free block or inode once the
 * file exists, so a full disk does not lift the limit. Where the stamp
 * cannot be kept (cache_dir missing, unsafe or read-only; the stamp file
 * cannot be created because the disk is already full) there is no refetch
 * at all (fail closed) and limit_err says why. That costs little: without a
 * readable cache, oa2_keyset_load fetches the keys of every login anyway. */
#ifndef OA2_KEYSET_H
#define OA2_KEYSET_H

#include <time.h>

#include "http.h"
#include "crypto/jwk.h"
#include "shared/error.h"

#define OA2_JWKS_MIN_REFRESH 60

struct oa2_keyset {
	const char *issuer;
	const char *jwks_uri;
	const char *cache_dir; /* may be NULL */
	oa2_http *http;
	time_t now;
	oa2_jwks *jwks;        /* owned; NULL until loaded */
	int fetched;           /* the keys came from the network in this login */
	oa2_error cache_err;   /* fetched, but not written to the cache: the
				* login goes on, the caller logs it */
	oa2_error limit_err;   /* no refetch because the rate limit could not
				* be kept (not the limit itself): logged */
};

int oa2_keyset_load(struct oa2_keyset *ks, oa2_error *err);

/* Refetch for an unknown kid. Returns 0 when new keys were loaded, 1 when
 * the rate limit (or a fetch earlier in this login) forbids it, -1 on error. */
int oa2_keyset_refresh(struct oa2_keyset *ks, oa2_error *err);

/* Fetch from jwks_uri now, ignoring the cache and the rate limit, and store
 * the result in the cache (diagnostic tool). */
int oa2_keyset_fetch(struct oa2_keyset *ks, oa2_error *err);

void oa2_keyset_clear(struct oa2_keyset *ks);

#endif
