/* replay.h - each token at most once on this host (token_single_use).
 *
 * The store is one file, token_replay_dir/replay, owned by the effective uid
 * (root for sshd, su, login; postgres for PostgreSQL), mode 0600, in a
 * directory only that uid can change (oa2_private_dir). Each line holds the
 * time until which the entry must be kept, the SHA-256 of the issuer and the
 * token's jti, and the SHA-256 of the issuer and the token's sub; never the
 * jti or the sub themselves:
 *
 *     pam_oauth2-replay 2
 *     1767225600 9f86d081884c7d65...0f00a08 2c26b46b68ffc68f...25a6b0e
 *
 * (A version 1 store, lines without the sub, is still read; its entries
 * count for no sub, and the next write turns it into version 2.)
 *
 * A login uses the store twice. While the helper validates the token,
 * oa2_replay_check refuses a jti the store holds (and a sub or a store that
 * has no room left), without writing anything: the token has not logged
 * anybody in yet, and the module may still refuse the identity (user
 * mapping, require_groups, require_claims). Only after the module accepted
 * the login does oa2_replay_record write the entry, under an exclusive flock
 * on the directory's .replay.lock (as the cache and the offline entries do):
 * it reads the file, drops the entries whose time has passed, refuses a jti
 * it now holds (a login racing with the same token won), and writes the file
 * back with the new entry (temporary file, fsync, rename) before it answers.
 * The module refuses the login when the record fails, so of concurrent
 * logins with one token exactly one succeeds, and tokens the host refuses
 * never take room in the store.
 *
 * The store keeps at most OA2_REPLAY_MAX entries, and at most
 * OA2_REPLAY_MAX_PER_SUB for one sub, so that one identity (even one the
 * host lets in) cannot fill it for everybody. When there is no room, the
 * new token is refused (fail closed); a live entry is never dropped. */
#ifndef OA2_REPLAY_H
#define OA2_REPLAY_H

#include <time.h>

#include "shared/error.h"
#include "shared/identity.h"

#define OA2_REPLAY_MAX 4096
#define OA2_REPLAY_MAX_PER_SUB 256
#define OA2_REPLAY_LOCK_WAIT_MS 10000

/* The store's entry for (issuer, jti) of subject sub, kept until `until`,
 * into *mark (hashes only). 0, or -1 with err (OA2_ERR_INTERNAL). */
int oa2_replay_mark(const char *issuer, const char *jti, const char *sub, time_t until,
		    struct oa2_use_once *mark, oa2_error *err);

/* Before the module's decision: 0 when the mark is not recorded and there is
 * room for it; -1 with err: OA2_ERR_DENIED when the jti was accepted before,
 * OA2_ERR_INTERNAL when the store is unusable (unsafe, corrupt, unreadable)
 * or has no room (for everybody, or for this sub). Writes nothing. */
int oa2_replay_check(const char *dir, const struct oa2_use_once *mark, time_t now,
		     oa2_error *err);

/* After the module accepted the login: record the mark atomically. 0, or -1
 * with err as oa2_replay_check (OA2_ERR_DENIED: a racing login recorded it
 * first), or OA2_ERR_INTERNAL when the lock cannot be had or the store not
 * written. The login must be refused unless this returned 0. */
int oa2_replay_record(const char *dir, const struct oa2_use_once *mark, time_t now,
		      oa2_error *err);

#endif
