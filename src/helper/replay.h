/* replay.h - each token at most once on this host (token_single_use).
 *
 * The store is one file, token_replay_dir/replay, owned by the effective uid
 * (root for sshd, su, login; postgres for PostgreSQL), mode 0600, in a
 * directory only that uid can change (oa2_private_dir). Each line holds the
 * time until which the entry must be kept and the SHA-256 of the issuer and
 * the token's jti, never the jti itself:
 *
 *     pam_oauth2-replay 1
 *     1767225600 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 *
 * A check takes an exclusive flock on the directory's .replay.lock (as the
 * cache and the offline entries do), reads the file, drops the entries whose
 * time has passed, refuses a jti it still holds, and writes the file back
 * with the new entry (temporary file, fsync, rename) before it answers; so
 * concurrent logins with one token are serialised and exactly one wins.
 * The store keeps at most OA2_REPLAY_MAX entries; when it is full of live
 * entries a new token is refused (fail closed), not an old entry dropped. */
#ifndef OA2_REPLAY_H
#define OA2_REPLAY_H

#include <time.h>

#include "shared/error.h"

#define OA2_REPLAY_MAX 4096
#define OA2_REPLAY_LOCK_WAIT_MS 10000

/* Accept (issuer, jti) once: 0 when it was new and is now recorded until
 * `until`; -1 with err: OA2_ERR_DENIED when it was seen before, or
 * OA2_ERR_INTERNAL when the store cannot be locked, read (corrupt, unsafe),
 * written, or is full. */
int oa2_replay_check(const char *dir, const char *issuer, const char *jti, time_t until,
		     time_t now, oa2_error *err);

#endif
