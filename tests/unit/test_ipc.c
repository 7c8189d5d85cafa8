/* test_ipc.c - the module <-> helper messages: fields round-trip, and every
 * malformed frame or field is refused (the module reads the helper's words
 * as strictly as the network's). */
#include <fcntl.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "module/helper_client.h"
#include "shared/ipc.h"

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

static void fields_round_trip(void **state)
{
	struct oa2_msg out, in = {0};
	const char *s1, *s2, *s3;
	int64_t a, b;
	int sv[2];

	(void)state;
	pair(sv);
	oa2_msg_init(&out, OA2_IPC_LOG);
	oa2_msg_put_int(&out, -5);
	oa2_msg_put_str(&out, "hello");
	oa2_msg_put_str(&out, NULL);
	oa2_msg_put_str(&out, "");
	oa2_msg_put_int(&out, INT64_MAX);
	assert_int_equal(oa2_ipc_send(sv[0], &out, NULL), 0);
	assert_int_equal(oa2_ipc_recv(sv[1], &in, 1000, NULL), 0);
	assert_int_equal(in.type, OA2_IPC_LOG);
	assert_int_equal(oa2_msg_get_int(&in, &a), 0);
	assert_int_equal(oa2_msg_get_str(&in, &s1), 0);
	assert_int_equal(oa2_msg_get_str(&in, &s2), 0);
	assert_int_equal(oa2_msg_get_str(&in, &s3), 0);
	assert_int_equal(oa2_msg_get_int(&in, &b), 0);
	assert_int_equal(a, -5);
	assert_string_equal(s1, "hello");
	assert_null(s2);
	assert_string_equal(s3, "");
	assert_true(b == INT64_MAX);
	/* past the end, and a wrong type, are errors */
	assert_int_equal(oa2_msg_get_int(&in, &a), -1);
	assert_int_equal(oa2_msg_get_str(&in, &s1), -1);
	oa2_msg_clear(&out);
	oa2_msg_clear(&in);
	close(sv[0]);
	close(sv[1]);
}

static void wrong_field_type_is_refused(void **state)
{
	struct oa2_msg m;
	const char *s;
	int64_t v;

	(void)state;
	oa2_msg_init(&m, OA2_IPC_INFO);
	oa2_msg_put_str(&m, "text");
	assert_int_equal(oa2_msg_get_int(&m, &v), -1);
	assert_int_equal(oa2_msg_get_str(&m, &s), 0);
	oa2_msg_clear(&m);
}

/* Hand-made payloads: a string whose length runs past the payload, one
 * with an embedded NUL, one without its terminating NUL. */
static void malformed_strings_are_refused(void **state)
{
	static const unsigned char past[] = {'s', 10, 0, 0, 0, 'a', 'b', 0};
	static const unsigned char nul[] = {'s', 3, 0, 0, 0, 'a', 0, 'b', 0};
	static const unsigned char unterminated[] = {'s', 2, 0, 0, 0, 'a', 'b', 'c'};
	static const unsigned char badtag[] = {'x', 0};
	const unsigned char *cases[] = {past, nul, unterminated, badtag};
	size_t lens[] = {sizeof(past), sizeof(nul), sizeof(unterminated), sizeof(badtag)};
	const char *s;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		struct oa2_msg m;

		oa2_msg_init(&m, OA2_IPC_INFO);
		m.buf = malloc(lens[i]);
		assert_non_null(m.buf);
		memcpy(m.buf, cases[i], lens[i]);
		m.len = m.cap = lens[i];
		assert_int_equal(oa2_msg_get_str(&m, &s), -1);
		oa2_msg_clear(&m);
	}
}

static void oversized_frame_is_refused(void **state)
{
	uint32_t head[2] = {OA2_IPC_RESULT, OA2_IPC_MAX_FRAME + 1};
	struct oa2_msg m = {0};
	oa2_error err = {0};
	int sv[2];

	(void)state;
	pair(sv);
	assert_int_equal(write(sv[0], head, sizeof(head)), (ssize_t)sizeof(head));
	assert_int_equal(oa2_ipc_recv(sv[1], &m, 1000, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_INTERNAL);
	assert_non_null(strstr(err.msg, "refused"));
	close(sv[0]);
	close(sv[1]);
}

static void eof_and_timeout_are_errors(void **state)
{
	uint32_t head[2] = {OA2_IPC_INFO, 100};
	struct oa2_msg m = {0};
	oa2_error err = {0};
	int sv[2];

	(void)state;
	pair(sv);
	assert_int_equal(oa2_ipc_recv(sv[1], &m, 50, &err), -1); /* nothing comes */
	assert_non_null(strstr(err.msg, "timed out"));
	oa2_error_clear(&err);
	/* a frame cut short by the peer's exit */
	assert_int_equal(write(sv[0], head, sizeof(head)), (ssize_t)sizeof(head));
	assert_int_equal(write(sv[0], "abc", 3), 3);
	close(sv[0]);
	assert_int_equal(oa2_ipc_recv(sv[1], &m, 1000, &err), -1);
	assert_non_null(strstr(err.msg, "closed"));
	assert_null(m.buf);
	close(sv[1]);
}

static void send_to_closed_peer_fails_without_sigpipe(void **state)
{
	struct oa2_msg m;
	oa2_error err = {0};
	int sv[2];

	(void)state;
	pair(sv);
	close(sv[1]);
	oa2_msg_init(&m, OA2_IPC_REPLY);
	oa2_msg_put_str(&m, "answer");
	/* SIGPIPE would end this test program: MSG_NOSIGNAL must hold */
	assert_int_equal(oa2_ipc_send(sv[0], &m, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_INTERNAL);
	oa2_msg_clear(&m);
	close(sv[0]);
}

/* A RESULT payload as the helper writes it. */
static void result(struct oa2_msg *m, int64_t kind, const char *msg, const char *source,
		   const char *claims)
{
	oa2_msg_init(m, OA2_IPC_RESULT);
	oa2_msg_put_int(m, kind);
	oa2_msg_put_str(m, msg);
	oa2_msg_put_str(m, source);
	oa2_msg_put_str(m, "openid");
	oa2_msg_put_int(m, 1);
	oa2_msg_put_int(m, 1);
	oa2_msg_put_str(m, claims);
}

static int parse(struct oa2_msg *m, oa2_error *err)
{
	struct oa2_identity id = {0};
	bool online = false;
	int rc = oa2_helper_parse_result(m, &id, &online, err);

	if (rc == 0) {
		assert_non_null(id.claims);
		assert_true(online);
	}
	oa2_identity_clear(&id);
	oa2_msg_clear(m);
	return rc;
}

static void result_is_read_strictly(void **state)
{
	struct oa2_msg m;
	oa2_error err = {0};

	(void)state;
	result(&m, 0, "", "id_token", "{\"sub\":\"a\"}");
	assert_int_equal(parse(&m, &err), 0);
	/* the helper's refusal comes back as that refusal */
	result(&m, OA2_ERR_DENIED, "the login was denied", NULL, NULL);
	assert_int_equal(parse(&m, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_DENIED);
	oa2_error_clear(&err);
	/* everything else is malformed: an internal error, never a login */
	result(&m, 0, "", "x509", "{\"sub\":\"a\"}");
	assert_int_equal(parse(&m, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_INTERNAL);
	oa2_error_clear(&err);
	result(&m, 0, "", "id_token", "[1,2]");
	assert_int_equal(parse(&m, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_INTERNAL);
	oa2_error_clear(&err);
	result(&m, 0, "", "id_token", NULL);
	assert_int_equal(parse(&m, &err), -1);
	oa2_error_clear(&err);
	result(&m, 99, "", "id_token", "{}");
	assert_int_equal(parse(&m, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_INTERNAL);
	oa2_error_clear(&err);
	result(&m, -1, "", "id_token", "{}");
	assert_int_equal(parse(&m, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_INTERNAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields_round_trip),
		cmocka_unit_test(wrong_field_type_is_refused),
		cmocka_unit_test(malformed_strings_are_refused),
		cmocka_unit_test(oversized_frame_is_refused),
		cmocka_unit_test(eof_and_timeout_are_errors),
		cmocka_unit_test(send_to_closed_peer_fails_without_sigpipe),
		cmocka_unit_test(result_is_read_strictly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
