/* refusal.h - the one line a user reads when a login is refused.
 *
 * Every refusal ends with one clear line on the user's screen, never a
 * token, never an internal error (those go to the auth log). Who says it:
 * the device grant when it knows why it ended (denied at the IdP, code
 * expired, cancelled); otherwise the helper, from the error kind of its
 * verdict; the module for what it decides itself (another account approved,
 * not allowed on this host) and when the helper could not answer. */
#ifndef OA2_REFUSAL_H
#define OA2_REFUSAL_H

#include "error.h"

/* The reason in the message of a refusal the IdP gave because this host
 * asked too often (HTTP 429: helper/oauth.h); the user is told so, not
 * that the login could not be verified. */
#define OA2_THROTTLED_REASON "the identity provider limits the requests from this host"

/* The untranslated line for a refusal of this kind and reason (err->msg),
 * or NULL when the user is to be told nothing: sshd refusing the login
 * itself (its marker; sshd says "Permission denied"). */
const char *oa2_refusal_line(const oa2_error *err);

#endif
