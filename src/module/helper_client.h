/* helper_client.h - the module's end of the helper channel: run the network part of a login in a separate process.
 *
 * The PAM module runs inside programs a local user may start set-uid root
 * (su, chsh, polkit's helper) with an environment, resource limits, signal
 * dispositions, umask and file descriptors of their choosing. libcurl,
 * OpenSSL and the C library read that environment (SSLKEYLOGFILE makes
 * libcurl append TLS secrets to a file of the caller's choice, as root);
 * the limits can make a socket or a write fail in ways that look like an
 * unreachable IdP. So the module never does network or parsing work of its
 * own: it starts the helper program with execve, an empty environment,
 * default signal dispositions, an empty signal mask, umask 077, fixed
 * resource limits, /dev/null on fds 0-2, its channel on fd 3 and nothing
 * else open, as full root when the caller is set-uid root, in a session of
 * its own; and it relays the helper's conversation to PAM (see ipc.h).
 *
 * Any failure of this machinery (no helper, fork refused, the helper killed
 * or misbehaving) is OA2_ERR_INTERNAL: never "IdP unreachable", so it never
 * opens the offline path. */
#ifndef OA2_HELPER_CLIENT_H
#define OA2_HELPER_CLIENT_H

#include <stdbool.h>

#include "shared/config.h"
#include "shared/error.h"
#include "shared/identity.h"
#include "shared/ipc.h"
#include "shared/request.h"
#include "shared/ui.h"

typedef struct oa2_helper oa2_helper;

/* Is path a helper the module would start: a root-owned regular executable
 * that nobody else can write, in directories only root can change? */
int oa2_helper_check(const char *path, oa2_error *err);

/* Start cfg->helper (a root-owned executable that nobody else can write). */
oa2_helper *oa2_helper_start(const struct oa2_config *cfg, oa2_error *err);

/* Let the helper run the login: it reads the configuration from the same
 * module arguments (argc, argv), talks to the IdP and reports the verified
 * identity (*id, *was_online). ui is the PAM conversation, log the module's
 * log. Returns 0 or -1 with err (the helper's own verdict, or
 * OA2_ERR_INTERNAL when the helper failed, or OA2_ERR_ABORT when the user's
 * terminal went away or the user interrupted the wait: see helper_client.c). */
int oa2_helper_login(oa2_helper *h, int argc, const char **argv,
		     const struct oa2_online_request *req, const struct oa2_ui *ui,
		     const struct oa2_logger *log, struct oa2_identity *id, bool *was_online,
		     oa2_error *err);

/* Did the helper send its verdict (and with it tell the user why a login
 * failed, refusal.h)? False when it never answered or was not started. */
bool oa2_helper_answered(const oa2_helper *h);

/* accounts = create: ask the helper's account store (op: enum
 * oa2_account_op) about the mapped name, exactly once per login and before
 * oa2_helper_finish; the helper checks the identity it verified itself.
 * Returns 0 with *uid (0 when the name is not one the store made) or -1
 * with err: the helper's refusal, or OA2_ERR_INTERNAL when its answer was
 * malformed or did not come. A refusal is a refused login. */
int oa2_helper_account(oa2_helper *h, int op, const char *name, unsigned long *uid,
		       oa2_error *err);

/* Tell the helper the module's decision: what to do with the offline entry
 * (enum oa2_helper_finish) and whether the module accepted the login (the
 * helper then records a single-use token, helper/replay.h), then reap it:
 * success needs a clean exit. Returns 0; 1 with err when only the offline
 * entry could not be stored or retired; -1 with err when the login must be
 * refused: the helper could not record the single-use token (a racing login
 * with the same token won, or the store is unusable), did not answer or did
 * not end cleanly. */
int oa2_helper_finish(oa2_helper *h, int what, bool accepted, oa2_error *err);

/* Read a RESULT message's payload (the helper's verdict) into *id and
 * *was_online, as strictly as network input: unknown error kinds, unknown
 * evidence names, claims that are not a JSON object are malformed (err
 * OA2_ERR_INTERNAL). A verdict other than success is returned as that error.
 * Exposed for the tests and the fuzzer. */
struct oa2_msg;
int oa2_helper_parse_result(struct oa2_msg *m, struct oa2_identity *id, bool *was_online,
			    oa2_error *err);

/* End the helper (killed if still running), reap it, restore SIGCHLD.
 * NULL is allowed. */
void oa2_helper_stop(oa2_helper *h);

#endif
