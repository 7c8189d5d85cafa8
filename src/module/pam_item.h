/* pam_item.h - reading the PAM handle's string items, one way everywhere. */
#ifndef OA2_PAM_ITEM_H
#define OA2_PAM_ITEM_H

#include <security/pam_modules.h>

/* The string item type (PAM_USER, PAM_SERVICE, PAM_RHOST, PAM_TTY ...) of
 * pamh; NULL when it is unset or empty. */
const char *oa2_pam_item(pam_handle_t *pamh, int type);

#endif
