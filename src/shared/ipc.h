/* ipc.h - the messages between the PAM module and its helper process.
 *
 * The module (module/helper_client.c) and the helper program (helper/main.c) talk over one
 * AF_UNIX stream socket. A frame is a 4-byte type, a 4-byte payload length
 * (both in host order: the two ends are the same build on the same machine)
 * and the payload: a sequence of typed fields, integers (int64) and strings
 * (length-prefixed, NUL-terminated, no embedded NUL; or "absent").
 *
 * Both ends read strictly: a field of the wrong type, a length past the
 * payload, an embedded NUL or a frame over OA2_IPC_MAX_FRAME is an error.
 * Payloads may hold passwords and tokens: oa2_msg_clear wipes them. Writes
 * use MSG_NOSIGNAL, so a peer that went away never raises SIGPIPE in the
 * host process. */
#ifndef OA2_IPC_H
#define OA2_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define OA2_IPC_VERSION 2
#define OA2_IPC_MAX_FRAME (2 * 1024 * 1024)

enum oa2_ipc_type {
	OA2_IPC_REQUEST = 1, /* module -> helper: the login to run */
	OA2_IPC_INFO,        /* helper -> module: show text; answered by REPLY */
	OA2_IPC_ERROR,       /* helper -> module: show an error; answered by REPLY */
	OA2_IPC_ASK_ECHO,    /* helper -> module: ask with echo; answered by REPLY */
	OA2_IPC_ASK_NOECHO,  /* helper -> module: ask without echo; answered by REPLY */
	OA2_IPC_REPLY,       /* module -> helper: status, answer text */
	OA2_IPC_LOG,         /* helper -> module: priority, line; not answered */
	OA2_IPC_RESULT,      /* helper -> module: the outcome of the login */
	OA2_IPC_FINISH,      /* module -> helper: the offline entry (enum oa2_helper_finish),
			      * accepted (1: the module lets the user in) */
	OA2_IPC_DONE,        /* helper -> module: kind, message, refuse (1: the
			      * login must be refused: its single-use entry
			      * could not be recorded) */
	/* accounts = create only: exactly one ACCOUNT before FINISH */
	OA2_IPC_ACCOUNT = 32, /* module -> helper: op, name (docs/accounts.md) */
	OA2_IPC_ACCOUNT_DONE, /* helper -> module: kind, reason, uid */
};

/* What the module asks of the helper's account store (ACCOUNT). */
enum oa2_account_op {
	OA2_ACCOUNT_OP_NONE,   /* the login was refused already: nothing */
	OA2_ACCOUNT_OP_CHECK,  /* a name NSS knows: if the registry holds it, the
				* identity must own it and it must be active */
	OA2_ACCOUNT_OP_CREATE, /* a name NSS does not know: create or confirm */
};

/* What the helper does with the offline entry once the module decided. */
enum oa2_helper_finish {
	OA2_FINISH_NOTHING,
	OA2_FINISH_STORE,  /* online password login accepted: write the entry */
	OA2_FINISH_RETIRE, /* the IdP accepted the password, the policy refused: delete it */
};

struct oa2_msg {
	uint32_t type;
	unsigned char *buf; /* payload */
	size_t len;         /* bytes used */
	size_t cap;         /* bytes allocated (all wiped on clear) */
	size_t pos;         /* read position */
	int oom;            /* a put failed: sending refuses the message */
};

/* Start an empty message of a type (the struct is zeroed). */
void oa2_msg_init(struct oa2_msg *m, uint32_t type);

/* Append a field. Failures are remembered in m->oom and reported by send. */
void oa2_msg_put_int(struct oa2_msg *m, int64_t v);
void oa2_msg_put_str(struct oa2_msg *m, const char *s); /* NULL: absent */

/* Read the next field. 0 on success; -1 on a malformed payload. A string
 * points into the message (valid until clear); an absent one is NULL. */
int oa2_msg_get_int(struct oa2_msg *m, int64_t *v);
int oa2_msg_get_str(struct oa2_msg *m, const char **s);

/* Wipe and free the payload. NULL is allowed. */
void oa2_msg_clear(struct oa2_msg *m);

/* Send one message. -1 with err (OA2_ERR_INTERNAL) on failure. */
int oa2_ipc_send(int fd, const struct oa2_msg *m, oa2_error *err);

/* Receive one message into *m (cleared first). timeout_ms < 0 waits for
 * ever. -1 with err (OA2_ERR_INTERNAL) on EOF, timeout, a malformed frame or
 * an I/O error. */
int oa2_ipc_recv(int fd, struct oa2_msg *m, int timeout_ms, oa2_error *err);

#endif
