/* account_step.h - the helper's side of the ACCOUNT message (ipc.h): with
 * accounts = create the module sends exactly one before FINISH, naming the
 * mapped user and what to do; the helper answers from its account store
 * (accounts.h) for the identity it verified itself: the issuer and sub of
 * its own claims, never anything the module sends. */
#ifndef OA2_ACCOUNT_STEP_H
#define OA2_ACCOUNT_STEP_H

#include "shared/config.h"

/* Read the ACCOUNT message from fd and answer it. claims: the verified
 * claims as sent in RESULT. 0 when answered or when the module ended the
 * login (end of file); -1 on a malformed message or a failed send. */
int oa2_account_step(int fd, const struct oa2_config *cfg, const char *claims);

#endif
