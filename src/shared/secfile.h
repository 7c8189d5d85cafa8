/* secfile.h - read a root-owned file the safe way.
 *
 * Opened with O_NOFOLLOW|O_CLOEXEC, it must be a regular file owned by root,
 * writable by nobody else, no larger than a cap; a file holding a secret must
 * also be unreadable by group and others. */
#ifndef OA2_SECFILE_H
#define OA2_SECFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

enum oa2_secfile_mode {
	OA2_FILE_PUBLIC, /* may be world-readable (config without secrets, map files) */
	OA2_FILE_SECRET, /* must be readable by the owner only */
	OA2_FILE_USER,   /* like PUBLIC, but may also be owned by the effective uid:
			  * only for "pam-oauth2 token", run by an ordinary user */
};

/* Every directory from / down to path's parent (path's own last component
 * is the caller's to check) must be a real directory (no symbolic link on
 * the way), owned by root or the effective uid, and not writable by group or
 * others, except a root-owned directory with the sticky bit (/tmp), where
 * nobody else can rename or remove what root owns. The walk opens each
 * component with O_NOFOLLOW relative to the previous one, so a component
 * swapped for a symbolic link is refused, not followed. Refusals set err
 * (kind as given) naming the unsafe component; path must be absolute
 * without "..". Like OpenSSH's safe_path(). */
int oa2_check_parents(const char *path, enum oa2_errkind kind, oa2_error *err);

/* Read the whole file into a NUL-terminated buffer (*out, *len). Refusals and
 * I/O failures set err with kind OA2_ERR_CONFIG, naming the file. The caller
 * frees *out (with oa2_free_secret_len for secrets). When perm is not NULL it
 * receives the file's permission bits. */
int oa2_read_secure_file(const char *path, enum oa2_secfile_mode mode, size_t max,
			 char **out, size_t *len, mode_t *perm, oa2_error *err);


/* A directory for private files: owned by the effective uid (root in the
 * module), not writable by group or others, its parents safe as
 * oa2_check_parents says; created 0700 when missing and create is set. */
int oa2_private_dir(const char *dir, int create, oa2_error *err);

/* Write head and body to dir/name atomically: a 0600 temporary file in the
 * same (checked) directory, fsync, rename. Readers see the old or the new
 * file, never a mix. */
int oa2_write_private_file(const char *dir, const char *name, const char *head, size_t hlen,
			   const char *body, size_t blen, oa2_error *err);

/* The same with the file's permission bits given (0644 for records every
 * process reads, such as nss-systemd's); the directory must still be safe
 * as oa2_private_dir says (it may be 0755). */
int oa2_write_file_mode(const char *dir, const char *name, mode_t mode, const char *head,
			size_t hlen, const char *body, size_t blen, oa2_error *err);

#endif
