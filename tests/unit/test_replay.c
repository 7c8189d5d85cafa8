/* test_replay.c - the jti store of token_single_use (src/helper/replay.c).
 *
 * Proves: a jti is accepted once and refused after; the same jti of another
 * issuer is another entry; an entry whose time has passed is dropped; the
 * file holds hashes, never the jti or the sub, and is 0600; checking writes
 * nothing (only the record after the module's decision does), and a record
 * refuses a jti a racing login recorded after its check; one sub cannot
 * hold more than OA2_REPLAY_MAX_PER_SUB entries while others still can; a
 * version 1 store is still read (its entries refuse their jti) and
 * rewritten as version 2; a corrupt, group-readable or symlinked store is
 * refused (fail closed); a full store refuses new tokens instead of
 * forgetting live ones; sixteen processes racing with one jti let exactly
 * one through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper/replay.h"

#define ISS "https://idp.example"

static char base[64];
static char dir[128];
static int serial;

static int fresh(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/r%d", base, serial++);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/oa2-replay-XXXXXX");
	return mkdtemp(base) != NULL && chmod(base, 0700) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void mark_of(const char *iss, const char *jti, const char *sub, time_t until,
		    struct oa2_use_once *m)
{
	oa2_error err = {0};

	assert_int_equal(oa2_replay_mark(iss, jti, sub, until, m, &err), 0);
}

/* A login the module accepted: the check while validating, the record
 * after the decision. */
static int use_as(const char *sub, const char *iss, const char *jti, time_t until, time_t now,
		  oa2_error *err)
{
	struct oa2_use_once m;

	mark_of(iss, jti, sub, until, &m);
	oa2_error_clear(err);
	if (oa2_replay_check(dir, &m, now, err) != 0)
		return -1;
	return oa2_replay_record(dir, &m, now, err);
}

static int check(const char *iss, const char *jti, time_t until, time_t now, oa2_error *err)
{
	return use_as("sub-1", iss, jti, until, now, err);
}

static char *store_text(void)
{
	char path[256], *buf = calloc(1, 1 << 20);
	FILE *f;

	snprintf(path, sizeof(path), "%s/replay", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(buf);
	(void)!fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	return buf;
}

static void once_then_refused(void **state)
{
	time_t now = time(NULL);
	oa2_error err = {0};
	char path[256], *text;
	struct stat st;

	(void)state;
	assert_int_equal(check(ISS, "jti-secret-1", now + 60, now, &err), 0);
	assert_int_equal(check(ISS, "jti-secret-1", now + 60, now, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_DENIED);
	assert_non_null(strstr(err.msg, "replayed"));
	/* another issuer's token with the same jti is another token */
	assert_int_equal(check("https://other.example", "jti-secret-1", now + 60, now, &err), 0);
	text = store_text();
	assert_null(strstr(text, "jti-secret-1"));
	assert_null(strstr(text, "sub-1"));
	assert_int_equal(strncmp(text, "pam_oauth2-replay 2\n", 20), 0);
	free(text);
	snprintf(path, sizeof(path), "%s/replay", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void expired_entries_are_dropped(void **state)
{
	time_t now = time(NULL);
	oa2_error err = {0};
	char *text;

	(void)state;
	assert_int_equal(check(ISS, "old", now + 10, now, &err), 0);
	assert_int_equal(check(ISS, "old", now + 10, now + 5, &err), -1);
	/* later than its time: forgotten (the token itself is refused by then) */
	assert_int_equal(check(ISS, "new", now + 100, now + 11, &err), 0);
	text = store_text();
	{
		int lines = 0;

		for (const char *c = text; *c; c++)
			lines += *c == '\n';
		assert_int_equal(lines, 2); /* the magic line and "new" */
	}
	free(text);
	assert_int_equal(check(ISS, "old", now + 200, now + 11, &err), 0);
}

static void write_store(const char *text, unsigned mode)
{
	char path[256];
	FILE *f;

	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/replay", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void corrupt_store_is_refused(void **state)
{
	static const char *const bad[] = {
		"garbage\n",
		"pam_oauth2-replay 1\n12 abc\n",
		"pam_oauth2-replay 1\n-5 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
		"pam_oauth2-replay 1\n99999999999 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0\n",
		"pam_oauth2-replay 1\n99999999999 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		/* version 2: the sub's hash is required, and nothing after it */
		"pam_oauth2-replay 2\n99999999999 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
		"pam_oauth2-replay 2\n99999999999 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 "
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0g\n",
		"pam_oauth2-replay 2\n99999999999 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 "
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 x\n",
		"pam_oauth2-replay 3\n",
		NULL,
	};
	time_t now = time(NULL);
	oa2_error err = {0};

	(void)state;
	for (const char *const *b = bad; *b; b++) {
		fresh(NULL);
		write_store(*b, 0600);
		assert_int_equal(check(ISS, "x", now + 60, now, &err), -1);
		assert_int_equal(err.kind, OA2_ERR_INTERNAL);
		assert_non_null(strstr(err.msg, "corrupt"));
	}
}

static void unsafe_store_is_refused(void **state)
{
	time_t now = time(NULL);
	oa2_error err = {0};
	char path[256];

	(void)state;
	write_store("pam_oauth2-replay 1\n", 0640);
	assert_int_equal(check(ISS, "x", now + 60, now, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_INTERNAL);
	fresh(NULL);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/replay", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(check(ISS, "x", now + 60, now, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_INTERNAL);
	/* a directory others can write */
	fresh(NULL);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(check(ISS, "x", now + 60, now, &err), -1);
}

static void full_store_refuses_new_tokens(void **state)
{
	time_t now = time(NULL);
	oa2_error err = {0};
	char jti[32];
	size_t cap = 20 + (size_t)OA2_REPLAY_MAX * 80;
	char *text = malloc(cap), *p = text;

	(void)state;
	assert_non_null(text);
	p += sprintf(p, "pam_oauth2-replay 1\n");
	for (int i = 0; i < OA2_REPLAY_MAX; i++)
		p += sprintf(p, "%lld %064x\n", (long long)now + 600, i);
	write_store(text, 0600);
	free(text);
	assert_int_equal(check(ISS, "one-more", now + 60, now, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_INTERNAL);
	assert_non_null(strstr(err.msg, "full"));
	/* once they have expired there is room again */
	snprintf(jti, sizeof(jti), "later");
	assert_int_equal(check(ISS, jti, now + 900, now + 601, &err), 0);
}

static void check_writes_nothing_record_refuses_a_racer(void **state)
{
	time_t now = time(NULL);
	struct oa2_use_once a, b;
	oa2_error err = {0};
	char path[256];
	struct stat st;

	(void)state;
	mark_of(ISS, "jti-2", "sub-1", now + 60, &a);
	b = a;
	/* two logins with one token both pass the check ... */
	assert_int_equal(oa2_replay_check(dir, &a, now, &err), 0);
	assert_int_equal(oa2_replay_check(dir, &b, now, &err), 0);
	snprintf(path, sizeof(path), "%s/replay", dir);
	assert_int_equal(stat(path, &st), -1); /* a refused login leaves nothing */
	/* ... and only the first record wins */
	assert_int_equal(oa2_replay_record(dir, &a, now, &err), 0);
	assert_int_equal(oa2_replay_record(dir, &b, now, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_DENIED);
	assert_non_null(strstr(err.msg, "replayed"));
	oa2_error_clear(&err);
	assert_int_equal(oa2_replay_check(dir, &b, now, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_DENIED);
}

static void one_sub_cannot_fill_the_store(void **state)
{
	time_t now = time(NULL);
	oa2_error err = {0};
	char jti[32];

	(void)state;
	for (int i = 0; i < OA2_REPLAY_MAX_PER_SUB; i++) {
		snprintf(jti, sizeof(jti), "flood-%d", i);
		assert_int_equal(use_as("mallory", ISS, jti, now + 600, now, &err), 0);
	}
	assert_int_equal(use_as("mallory", ISS, "one-more", now + 600, now, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_INTERNAL);
	assert_non_null(strstr(err.msg, "of this sub"));
	/* the same sub at another issuer is another subject; others go on */
	assert_int_equal(use_as("mallory", "https://other.example", "one-more", now + 600, now,
				&err), 0);
	assert_int_equal(use_as("alice", ISS, "one-more", now + 600, now, &err), 0);
	/* once mallory's entries expire, mallory's tokens are taken again */
	assert_int_equal(use_as("mallory", ISS, "later", now + 900, now + 601, &err), 0);
}

static void version_1_store_is_read_and_upgraded(void **state)
{
	time_t now = time(NULL);
	struct oa2_use_once m;
	oa2_error err = {0};
	char text[256], *got;

	(void)state;
	mark_of(ISS, "from-v1", "sub-1", now + 60, &m);
	snprintf(text, sizeof(text), "pam_oauth2-replay 1\n%lld %s\n", (long long)now + 60, m.key);
	write_store(text, 0600);
	assert_int_equal(check(ISS, "from-v1", now + 60, now, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_DENIED);
	assert_int_equal(check(ISS, "new", now + 60, now, &err), 0);
	got = store_text();
	assert_int_equal(strncmp(got, "pam_oauth2-replay 2\n", 20), 0);
	assert_non_null(strstr(got, m.key));
	free(got);
	assert_int_equal(check(ISS, "from-v1", now + 60, now, &err), -1);
}

static void racing_processes_let_one_through(void **state)
{
	time_t now = time(NULL);
	pid_t pids[16];
	int wins = 0, status;

	(void)state;
	for (int i = 0; i < 16; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			oa2_error err = {0};

			_exit(check(ISS, "race", now + 60, now, &err) == 0 ? 0 : 1);
		}
	}
	for (int i = 0; i < 16; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		wins += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	assert_int_equal(wins, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(once_then_refused, fresh),
		cmocka_unit_test_setup(expired_entries_are_dropped, fresh),
		cmocka_unit_test_setup(corrupt_store_is_refused, fresh),
		cmocka_unit_test_setup(unsafe_store_is_refused, fresh),
		cmocka_unit_test_setup(full_store_refuses_new_tokens, fresh),
		cmocka_unit_test_setup(check_writes_nothing_record_refuses_a_racer, fresh),
		cmocka_unit_test_setup(one_sub_cannot_fill_the_store, fresh),
		cmocka_unit_test_setup(version_1_store_is_read_and_upgraded, fresh),
		cmocka_unit_test_setup(racing_processes_let_one_through, fresh),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
