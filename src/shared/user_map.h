/* user_map.h - the user_map_file: one "identity local-user" entry per line,
 * '#' comments, empty lines ignored, white space between the two fields.
 * Read in both directions: the module maps a validated identity to its
 * local user (usermap.c); the helper finds the identity a local user is
 * mapped from, for the CIBA login hint (login_hint.h). A malformed line
 * before the answer is a configuration error either way. */
#ifndef OA2_USER_MAP_H
#define OA2_USER_MAP_H

#include "error.h"
#include "username.h"

/* The local user of the first entry for identity, into out (OA2_USER_MAX
 * bytes): 0 found, 1 no entry, -1 error (err). */
int oa2_user_map_find(const char *file, const char *identity, char *out, oa2_error *err);

/* The identity of the first entry for the local user (malloc'd into *out):
 * 0 found, 1 no entry, -1 error (err). */
int oa2_user_map_identity(const char *file, const char *user, char **out, oa2_error *err);

#endif
