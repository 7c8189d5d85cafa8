/* test_offline.c - the offline entry's failure count across processes and
 * when it cannot be written: parallel wrong passwords are all counted and
 * no more of them reach the password check than the free tries; a count
 * that cannot be written (the caller's RLIMIT_FSIZE, SIGXFSZ ignored) refuses
 * the offline login, right password or not; an entry logs in only under the
 * issuer and client that wrote it. Needs root (root-owned files). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "helper/offline.h"
#include "shared/json.h"

#define NOW 1700000000
#define PARALLEL 12

static char dir[64];
static struct oa2_config cfg;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/oa2-offline.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.offline_dir = dir;
	cfg.offline_max_age = 3600;
	cfg.issuer = "https://idp.example";
	cfg.client_id = "pam";
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void fresh_entry(void)
{
	oa2_error err = {0};

	assert_int_equal(oa2_offline_store(&cfg, "alice", "right", "{\"sub\":\"s-alice\"}",
					   "openid", NOW, &err), 0);
}

static int64_t failures(void)
{
	char path[128], buf[8192];
	FILE *f;
	size_t n;
	const char *p;

	snprintf(path, sizeof(path), "%s/alice", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strstr(buf, "\"failures\":");
	assert_non_null(p);
	return strtoll(p + strlen("\"failures\":"), NULL, 10);
}

enum outcome { OK, WRONG, WAIT, UNWRITABLE, OTHER };

static enum outcome attempt(const char *password, oa2_error *err)
{
	char *claims = NULL, *scope = NULL;
	int rc = oa2_offline_verify(&cfg, "alice", password, NOW + 10, &claims, &scope, err);

	/* the claims come back as they were stored */
	if (rc == 0 && (claims == NULL || strcmp(claims, "{\"sub\":\"s-alice\"}") != 0 ||
			scope == NULL || strcmp(scope, "openid") != 0))
		fail_msg("offline claims or scope changed: %s, %s", claims ? claims : "(none)",
			 scope ? scope : "(none)");
	if (rc != 0 && claims != NULL)
		fail_msg("claims returned with a refusal");
	free(claims);
	free(scope);
	if (rc == 0)
		return OK;
	if (strstr(err->msg, "too many wrong passwords") != NULL)
		return WAIT;
	if (strstr(err->msg, "wrong password") != NULL)
		return WRONG;
	if (strstr(err->msg, "cannot be written, offline login refused") != NULL)
		return UNWRITABLE;
	return OTHER;
}

/* The outcome of one attempt in a child process (its exit status). */
static pid_t attempt_in_child(const char *password, rlim_t fsize)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		oa2_error err = {0};

		if (fsize != RLIM_INFINITY) {
			struct rlimit rl;

			signal(SIGXFSZ, SIG_IGN);
			getrlimit(RLIMIT_FSIZE, &rl);
			rl.rlim_cur = fsize;
			if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
				_exit(OTHER);
		}
		_exit(attempt(password, &err));
	}
	return pid;
}

static enum outcome outcome_of(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return (enum outcome)WEXITSTATUS(status);
}

static void parallel_wrong_passwords_are_all_counted(void **state)
{
	pid_t pids[PARALLEL];
	int seen[OTHER + 1] = {0};
	oa2_error err = {0};

	(void)state;
	fresh_entry();
	for (int i = 0; i < PARALLEL; i++)
		pids[i] = attempt_in_child("guess", RLIM_INFINITY);
	for (int i = 0; i < PARALLEL; i++)
		seen[outcome_of(pids[i])]++;
	/* three free tries reach the password check, every one is counted,
	 * the others wait */
	assert_int_equal(seen[WRONG], 3);
	assert_int_equal(seen[WAIT], PARALLEL - 3);
	assert_int_equal(failures(), 3);
	assert_int_equal(attempt("right", &err), WAIT);
}

static void unwritable_count_refuses(void **state)
{
	oa2_error err = {0};

	(void)state;
	fresh_entry();
	/* the right password: refused, not a login with an uncounted try */
	assert_int_equal(outcome_of(attempt_in_child("right", 64)), UNWRITABLE);
	/* a wrong one: refused the same way, so no verdict on the password */
	assert_int_equal(outcome_of(attempt_in_child("guess", 64)), UNWRITABLE);
	assert_int_equal(failures(), 0);
	/* with room to write, the right password logs in and the count is 0 */
	assert_int_equal(attempt("right", &err), OK);
	assert_int_equal(failures(), 0);
}

/* An entry written under one configuration logs in under that one only. */
static void entry_is_bound_to_issuer_and_client(void **state)
{
	struct oa2_config other = cfg;
	oa2_error err = {0};
	char cmd[256];

	(void)state;
	fresh_entry();
	cfg.issuer = "https://other.example";
	assert_int_equal(attempt("right", &err), OTHER);
	assert_non_null(strstr(err.msg, "written for another issuer or client"));
	assert_int_equal(err.kind, OA2_ERR_UNAVAIL);
	cfg = other;
	cfg.client_id = "another-client";
	memset(&err, 0, sizeof(err));
	assert_int_equal(attempt("right", &err), OTHER);
	assert_non_null(strstr(err.msg, "written for another issuer or client"));
	cfg = other;
	assert_int_equal(failures(), 0); /* refused before any password check */
	memset(&err, 0, sizeof(err));
	assert_int_equal(attempt("right", &err), OK);
	/* an entry of the older format, bound to nothing, is not used */
	snprintf(cmd, sizeof(cmd), "sed -i 's/\"version\":2,/\"version\":1,/' '%s/alice'", dir);
	assert_int_equal(system(cmd), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(attempt("right", &err), OTHER);
	assert_non_null(strstr(err.msg, "corrupt or of an older version"));
}

static void right_password_resets_the_count(void **state)
{
	oa2_error err = {0};

	(void)state;
	fresh_entry();
	assert_int_equal(attempt("guess", &err), WRONG);
	assert_int_equal(failures(), 1);
	memset(&err, 0, sizeof(err));
	assert_int_equal(attempt("right", &err), OK);
	assert_int_equal(failures(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parallel_wrong_passwords_are_all_counted),
		cmocka_unit_test(unwritable_count_refuses),
		cmocka_unit_test(entry_is_bound_to_issuer_and_client),
		cmocka_unit_test(right_password_resets_the_count),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_offline: needs root (the entries must be root-owned)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
