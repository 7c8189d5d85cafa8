/* conv.h - the PAM conversation behind struct oa2_ui. */
#ifndef OA2_CONV_H
#define OA2_CONV_H

#include <security/pam_modules.h>

#include "shared/config.h"
#include "shared/ui.h"

/* Fill ui for pamh: decides whether informational text needs a prompt
 * (device_ui, or auto: sshd / a remote host) and whether UTF-8 is safe. */
void oa2_conv_ui(pam_handle_t *pamh, const struct oa2_config *cfg, struct oa2_ui *ui);

#endif
