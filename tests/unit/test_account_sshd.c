/* test_account_sshd.c - the reservation lifetime from sshd's LoginGraceTime
 * (helper/account_sshd.c).
 *
 * Proves: the "logingracetime N" line of `sshd -T` output is found among
 * others and read as seconds; a missing line, a unit suffix, a sign, an
 * empty or overlong number are refused; LoginGraceTime 0 (no limit) and a
 * value whose lifetime would pass the cap give no lifetime, with the
 * reason; the lifetime is LoginGraceTime + the margin up to the cap. The
 * runner, with small programs in a scratch directory standing in for sshd
 * (the real sshd -T is run by tests/e2e/test_sshd_race.py): a missing
 * program is "no sshd" (1); a failing one is an error naming its first
 * line; one printing no LoginGraceTime, or LoginGraceTime 0, is an error;
 * a good answer is cached, the cache is used while nothing changed (the
 * program runs once) and not once the program changed or recheck is set;
 * the cache file is root-only; a caller that ignores SIGCHLD still gets
 * sshd's exit status. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "helper/account_sshd.h"

static char top[] = "/tmp/oa2-test-sshd.XXXXXX";
static char prog[600], counter[600], nss[600];

static int parse(const char *text, long *grace)
{
	*grace = -7;
	return oa2_sshd_grace_parse(text, strlen(text), grace);
}

static void test_parse(void **state)
{
	long g;

	(void)state;
	assert_int_equal(parse("port 22\nlogingracetime 120\nusepam yes\n", &g), 0);
	assert_int_equal(g, 120);
	assert_int_equal(parse("logingracetime 0", &g), 0); /* the last line, no newline */
	assert_int_equal(g, 0);
	assert_int_equal(parse("port 22\nmaxstartups 10:30:100\n", &g), -1);
	assert_int_equal(parse("logingracetime 2m\n", &g), -1);
	assert_int_equal(parse("logingracetime -1\n", &g), -1);
	assert_int_equal(parse("logingracetime \n", &g), -1);
	assert_int_equal(parse("logingracetime 1234567890\n", &g), -1);
	assert_int_equal(parse("xlogingracetime 5\n", &g), -1);
	assert_int_equal(parse("LoginGraceTime 5\n", &g), -1); /* sshd -T prints lower case */
	assert_int_equal(parse("", &g), -1);
}

static void test_bounds(void **state)
{
	oa2_error err = {0};
	long l = -1;

	(void)state;
	assert_int_equal(oa2_sshd_lifetime_for(120, &l, &err), 0);
	assert_int_equal(l, 120 + OA2_SSHD_MARGIN);
	assert_int_equal(oa2_sshd_lifetime_for(1, &l, &err), 0);
	assert_int_equal(l, 1 + OA2_SSHD_MARGIN);
	assert_int_equal(oa2_sshd_lifetime_for(OA2_SSHD_LIFETIME_MAX - OA2_SSHD_MARGIN, &l, &err), 0);
	assert_int_equal(l, OA2_SSHD_LIFETIME_MAX);
	assert_int_equal(oa2_sshd_lifetime_for(OA2_SSHD_LIFETIME_MAX - OA2_SSHD_MARGIN + 1, &l, &err),
			 -1);
	assert_int_equal(l, 0);
	assert_non_null(strstr(err.msg, "set it lower"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(oa2_sshd_lifetime_for(0, &l, &err), -1);
	assert_int_equal(l, 0);
	assert_non_null(strstr(err.msg, "no limit"));
	/* the cap stays below what libnss_oauth2 parses (3600) */
	assert_true(OA2_SSHD_LIFETIME_MAX <= 3600);
}

/* A stand-in for sshd: counts its runs, prints body, exits with status. */
static void program(const char *body, int status)
{
	FILE *f = fopen(prog, "w");

	assert_non_null(f);
	fprintf(f, "#!/bin/sh\necho run >> %s\n%s\nexit %d\n", counter, body, status);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(prog, 0755), 0);
}

static int runs(void)
{
	char line[16];
	int n = 0;
	FILE *f = fopen(counter, "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		n++;
	if (f != NULL)
		fclose(f);
	return n;
}

static int lifetime(bool recheck, long *l, oa2_error *err)
{
	memset(err, 0, sizeof(*err));
	return oa2_sshd_reservation_lifetime(nss, prog, recheck, l, err);
}

static void test_runner(void **state)
{
	oa2_error err;
	struct stat st;
	char cache[700];
	long l = -1;

	(void)state;
	if (geteuid() != 0)
		skip(); /* the cache must be root-owned, as in the helper */
	snprintf(cache, sizeof(cache), "%s/%s", nss, OA2_SSHD_CACHE);
	assert_int_equal(lifetime(false, &l, &err), 1); /* no program yet: no sshd */
	assert_int_equal(l, 0);

	program("echo 'Missing privilege separation directory: /run/sshd' >&2", 255);
	assert_int_equal(lifetime(false, &l, &err), -1);
	assert_non_null(strstr(err.msg, "failed (Missing privilege separation directory"));
	assert_int_equal(stat(cache, &st), -1);

	program("echo port 22", 0);
	assert_int_equal(lifetime(false, &l, &err), -1);
	assert_non_null(strstr(err.msg, "printed no LoginGraceTime"));

	program("echo logingracetime 0", 0);
	assert_int_equal(lifetime(false, &l, &err), -1);
	assert_non_null(strstr(err.msg, "no limit"));

	program("printf 'port 22\\nlogingracetime 45\\n'", 0);
	unlink(counter);
	assert_int_equal(lifetime(false, &l, &err), 0);
	assert_int_equal(l, 45 + OA2_SSHD_MARGIN);
	assert_int_equal(stat(cache, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_uid, 0);
	l = -1;
	assert_int_equal(lifetime(false, &l, &err), 0); /* from the cache */
	assert_int_equal(l, 45 + OA2_SSHD_MARGIN);
	assert_int_equal(runs(), 1);
	assert_int_equal(lifetime(true, &l, &err), 0); /* recheck: sshd runs again */
	assert_int_equal(runs(), 2);
	/* a caller that ignores SIGCHLD still gets sshd's exit status */
	signal(SIGCHLD, SIG_IGN);
	l = -1;
	assert_int_equal(lifetime(true, &l, &err), 0);
	signal(SIGCHLD, SIG_DFL);
	assert_int_equal(l, 45 + OA2_SSHD_MARGIN);
	assert_int_equal(runs(), 3);

	/* the program changed (as after an upgrade): run again, new value */
	program("printf 'port 22\\nlogingracetime 500\\n'", 0);
	assert_int_equal(lifetime(false, &l, &err), 0);
	assert_int_equal(l, 500 + OA2_SSHD_MARGIN);
	assert_int_equal(runs(), 4);
	/* a failure after a good answer is a failure, never the old value */
	program("exit 1", 0);
	assert_int_equal(lifetime(false, &l, &err), -1);
	assert_int_equal(l, 0);
}

static int setup(void **state)
{
	(void)state;
	if (mkdtemp(top) == NULL)
		return -1;
	snprintf(prog, sizeof(prog), "%s/sshd", top);
	snprintf(counter, sizeof(counter), "%s/runs", top);
	snprintf(nss, sizeof(nss), "%s/nss", top);
	return mkdir(nss, 0700);
}

static int teardown(void **state)
{
	char cmd[700];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_runner),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
