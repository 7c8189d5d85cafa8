/* login_hint.h - the CIBA login_hint template (ciba_login_hint): "%u" is the
 * PAM user, "%%" a percent sign (docs/ciba.md). The template is checked when
 * the configuration is read; the user is substituted only when it is made
 * of safe characters, so that no user name can change what the hint names
 * (bob@attacker.example in "%u@example.com"). */
#ifndef OA2_LOGIN_HINT_H
#define OA2_LOGIN_HINT_H

#include <stdbool.h>

#include "error.h"

#define OA2_LOGIN_HINT_MAX 512  /* the hint after substitution, in bytes */
#define OA2_HINT_USER_MAX 64    /* the PAM user substituted for %u */

/* A usable template: printable ASCII, "%u" at least once, no "%" other than
 * "%u" and "%%". Returns NULL when it is, else what is wrong (static). */
const char *oa2_login_hint_problem(const char *tmpl);

/* A PAM user that may stand for %u: [A-Za-z0-9._-], 1 to
 * OA2_HINT_USER_MAX bytes, not starting with '-' or '.'. */
bool oa2_login_hint_user_ok(const char *user);

/* The hint for user (malloc'd into *out). OA2_ERR_DENIED when user is not
 * usable (nothing is then sent), OA2_ERR_CONFIG for a bad template or a
 * hint longer than OA2_LOGIN_HINT_MAX. */
int oa2_login_hint_expand(const char *tmpl, const char *user, char **out, oa2_error *err);

#endif
