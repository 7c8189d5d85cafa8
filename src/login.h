/* login.h - the story of one login: discovery, grant, validation, mapping.
 *
 * Returns 0 only when the identity is verified, mapped to the PAM user and
 * authorised; otherwise -1 with err explaining why. */
#ifndef OA2_LOGIN_H
#define OA2_LOGIN_H

#include <security/pam_modules.h>

#include "config.h"
#include "error.h"

int oa2_login(pam_handle_t *pamh, const struct oa2_config *cfg, oa2_error *err);

#endif
