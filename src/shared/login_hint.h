/* login_hint.h - the CIBA login_hint (ciba_login_hint, docs/ciba.md).
 *
 * The template: "%u" is the PAM user, "%i" the identity user_map_file maps
 * to the PAM user (its first entry for that user), "%%" a percent sign. The
 * template is checked when the configuration is read. The PAM user is
 * substituted only when it is made of safe characters, so that no user
 * name can change what the hint names (bob@attacker.example in
 * "%u@example.com"); the identity only when it is printable ASCII.
 *
 * ciba_login_hint_format = iss_sub (Auth0) sends the expanded template as
 * the "sub" of {"format":"iss_sub","iss":ISSUER,"sub":SUB}, written by the
 * JSON library (every value escaped), never pasted together. */
#ifndef OA2_LOGIN_HINT_H
#define OA2_LOGIN_HINT_H

#include <stdbool.h>

#include "config.h"
#include "error.h"

#define OA2_LOGIN_HINT_MAX 512  /* the expanded template, in bytes */
#define OA2_HINT_USER_MAX 64    /* the PAM user substituted for %u */
#define OA2_HINT_IDENTITY_MAX 256 /* the identity substituted for %i */

/* A usable template: printable ASCII, "%u" or "%i" at least once, no "%"
 * other than "%u", "%i" and "%%". Returns NULL when it is, else what is
 * wrong (static). */
const char *oa2_login_hint_problem(const char *tmpl);

/* Does the template use "%c" (c: 'u' or 'i'; "%%" is not a use)? */
bool oa2_login_hint_uses(const char *tmpl, char c);

/* A PAM user that may stand for %u: [A-Za-z0-9._-], 1 to
 * OA2_HINT_USER_MAX bytes, not starting with '-' or '.'. */
bool oa2_login_hint_user_ok(const char *user);

/* An identity that may stand for %i: 1 to OA2_HINT_IDENTITY_MAX bytes of
 * printable ASCII without space. */
bool oa2_login_hint_identity_ok(const char *identity);

/* The template expanded for user and identity (identity: NULL when the
 * template has no %i), malloc'd into *out. OA2_ERR_DENIED when user or
 * identity is not usable (nothing is then sent), OA2_ERR_CONFIG for a bad
 * template or a hint longer than OA2_LOGIN_HINT_MAX. */
int oa2_login_hint_expand(const char *tmpl, const char *user, const char *identity, char **out,
			  oa2_error *err);

/* {"format":"iss_sub","iss":issuer,"sub":sub} as one line of JSON
 * (malloc'd into *out). */
int oa2_login_hint_iss_sub(const char *issuer, const char *sub, char **out, oa2_error *err);

/* The hint of cfg for the PAM user: the reverse of user_map_file for %i,
 * the template, the format. Errors as oa2_login_hint_expand; a PAM user
 * with no entry in user_map_file is OA2_ERR_DENIED. */
int oa2_login_hint_make(const struct oa2_config *cfg, const char *user, char **out,
			oa2_error *err);

#endif
