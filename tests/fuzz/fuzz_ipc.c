/* fuzz_ipc.c - libFuzzer target: the module's reading of its helper's
 * messages. The input is a frame stream as the helper would write it on the
 * channel (type, length, payload; see ipc.h): each frame is read with
 * oa2_ipc_recv from a socket pair, its fields stepped through with the typed
 * getters, and a RESULT frame handed to oa2_helper_parse_result. Besides no
 * crash, leak or UB it checks the promise that matters: whatever the bytes,
 * a result is either an error or a JSON object of claims with a known
 * evidence name.
 * Run with tests/fuzz/run.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "module/helper_client.h"
#include "shared/ipc.h"
#include "shared/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Step through every field, whatever their types. */
static void walk(struct oa2_msg *m)
{
	while (m->pos < m->len) {
		const char *s;
		int64_t v;

		if (oa2_msg_get_int(m, &v) == 0)
			continue;
		if (oa2_msg_get_str(m, &s) == 0) {
			if (s != NULL && strlen(s) > m->len)
				abort();
			continue;
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];

	if (size > 60000 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 0;
	if (size > 0 && write(sv[0], data, size) != (ssize_t)size) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	close(sv[0]);
	for (;;) {
		struct oa2_msg m = {0};
		struct oa2_identity id = {0};
		oa2_error err = {0};
		bool online = false;

		if (oa2_ipc_recv(sv[1], &m, 0, &err) != 0)
			break;
		if (m.type == OA2_IPC_RESULT) {
			if (oa2_helper_parse_result(&m, &id, &online, &err) == 0) {
				/* claims taken are a JSON object the module can read */
				json_object *tree = id.claims == NULL ? NULL :
					oa2_json_parse(id.claims, strlen(id.claims), "claims", NULL);

				if (tree == NULL || id.source == NULL || err.kind != OA2_OK)
					abort();
				json_object_put(tree);
			} else if (err.kind == OA2_OK) {
				abort();
			}
			oa2_identity_clear(&id);
			m.pos = 0;
		}
		walk(&m);
		oa2_msg_clear(&m);
	}
	close(sv[1]);
	return 0;
}
