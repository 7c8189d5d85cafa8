/* username.h - which local user names the module and the helper will use.
 *
 * A plausible user name: 1 to 63 bytes of ASCII letters, digits, '_', '-',
 * '.', a '$' only at the end, never a leading '-' or '.'. Both sides of the
 * helper channel check names with it: the module before it maps or looks an
 * account up, the helper before it names an offline entry's file. */
#ifndef OA2_USERNAME_H
#define OA2_USERNAME_H

#include <stdbool.h>

#define OA2_USER_MAX 64

/* True for a name we are willing to look up. */
bool oa2_username_valid(const char *name);

#endif
