/* test_nss.c - libnss_oauth2's files (src/nss/nss_table.c) and the
 * helper's use of them (helper/accounts.c with nss_dir), on a scratch
 * directory, never the machine's /run.
 *
 * Proves: settings the helper publishes parse back (patterns, domains, home,
 * shell, the free UIDs in order); a settings file is refused for a wrong
 * first line, an empty file, an unknown or repeated key, a UID of 0 or 2^31, a missing
 * trailing newline, a NUL byte, an oversize file, mode 0644, a symbolic
 * link, and its directory for mode 0755; the reservation table drops
 * expired entries and refuses a duplicate name or UID, a malformed line and
 * a 65th live entry; a creation takes the name's reserved UID, another
 * creation skips it, and the created account's reservation is dropped; a
 * reserved UID meanwhile taken is refused; the NSS entry point answers
 * nothing in a process that is not sshd. Needs root (the files must be
 * root's); skipped otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "helper/accounts.h"
#include "nss/nss_table.h"

#define ISS "https://idp.example.test/realm"
#define LOW 1900000000UL

enum nss_status _nss_oauth2_getpwnam_r(const char *name, struct passwd *pw, char *buf,
				       size_t buflen, int *errnop);

static char top[] = "/tmp/oa2-test-nss.XXXXXX";
static char dir[512];
static int round_no;

static void fresh_dir(void)
{
	char parent[256];

	snprintf(parent, sizeof(parent), "%s/%d", top, ++round_no);
	assert_int_equal(mkdir(parent, 0755), 0);
	snprintf(dir, sizeof(dir), "%s/nss", parent);
	assert_int_equal(mkdir(dir, 0700), 0);
}

static void put(const char *name, const char *text, mode_t mode)
{
	char path[700];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

#define GOOD "pam_oauth2-nss 1\nprogram /usr/sbin/sshd\nhome /home\nshell /bin/bash\n" \
	     "lifetime 600\npattern *@example.com\ndomain example.com\nuid 1900000005\n" \
	     "uid 1900000007\n"

static int settings(const char *text, mode_t mode)
{
	struct oa2_nss_settings s;

	fresh_dir();
	put(OA2_NSS_SETTINGS, text, mode);
	return oa2_nss_settings_load(dir, &s);
}

static void test_settings(void **state)
{
	struct oa2_nss_settings s;
	char big[OA2_NSS_FILE_MAX + 64];
	char link[700], target[700];

	(void)state;
	fresh_dir();
	put(OA2_NSS_SETTINGS, GOOD, 0600);
	assert_int_equal(oa2_nss_settings_load(dir, &s), 0);
	assert_int_equal(s.nprogram, 1);
	assert_string_equal(s.pattern[0], "*@example.com");
	assert_string_equal(s.domain[0], "example.com");
	assert_string_equal(s.home, "/home");
	assert_int_equal(s.nuid, 2);
	assert_int_equal(s.uid[1], 1900000007UL);

	assert_int_equal(settings("pam_oauth2-nss 2\nhome /h\nshell /s\nlifetime 1\n", 0600), -1);
	assert_int_equal(settings(GOOD "colour blue\n", 0600), -1);
	assert_int_equal(settings(GOOD "home /elsewhere\n", 0600), -1);
	assert_int_equal(settings(GOOD "uid 0\n", 0600), -1);
	assert_int_equal(settings(GOOD "uid 2147483648\n", 0600), -1);
	assert_int_equal(settings(GOOD "uid 019\n", 0600), -1);
	assert_int_equal(settings(GOOD "shell", 0600), -1);
	assert_int_equal(settings(GOOD "pattern  two spaces\n", 0600), -1);
	assert_int_equal(settings("", 0600), -1);
	assert_int_equal(settings("\n", 0600), -1);
	assert_int_equal(settings(GOOD, 0644), -1);
	assert_int_equal(settings(GOOD, 0640), -1);
	memset(big, 'x', sizeof(big));
	memcpy(big, GOOD, strlen(GOOD));
	memcpy(big + strlen(GOOD), "pattern ", 8);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(settings(big, 0600), -1);
	/* a NUL byte inside */
	fresh_dir();
	snprintf(target, sizeof(target), "%s/%s", dir, OA2_NSS_SETTINGS);
	{
		FILE *f = fopen(target, "w");

		assert_non_null(f);
		fwrite(GOOD "pattern a\0b\n", 1, strlen(GOOD) + 12, f);
		fclose(f);
		chmod(target, 0600);
	}
	assert_int_equal(oa2_nss_settings_load(dir, &s), -1);
	/* a symbolic link to a good file */
	fresh_dir();
	put("real", GOOD, 0600);
	snprintf(target, sizeof(target), "%s/real", dir);
	snprintf(link, sizeof(link), "%s/%s", dir, OA2_NSS_SETTINGS);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(oa2_nss_settings_load(dir, &s), -1);
	/* the directory */
	fresh_dir();
	assert_int_equal(oa2_nss_dir_ok(dir), 0);
	chmod(dir, 0755);
	assert_int_equal(oa2_nss_dir_ok(dir), -1);
}

static void test_table(void **state)
{
	struct oa2_nss_table t;
	char text[8192] = "";

	(void)state;
	fresh_dir();
	assert_int_equal(oa2_nss_table_load(dir, 1000, &t), 0); /* absent: empty */
	assert_int_equal(t.n, 0);
	put(OA2_NSS_RESERVED, "carol 1900000001 2000\nold 1900000002 999\n", 0600);
	assert_int_equal(oa2_nss_table_load(dir, 1000, &t), 0);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.r[0].name, "carol");
	assert_int_equal(oa2_nss_table_save(dir, &t), 0);
	assert_int_equal(oa2_nss_table_load(dir, 1000, &t), 0);
	assert_int_equal(t.n, 1);

	put(OA2_NSS_RESERVED, "carol 1900000001 2000\ncarol 1900000002 2000\n", 0600);
	assert_int_equal(oa2_nss_table_load(dir, 1000, &t), -1);
	put(OA2_NSS_RESERVED, "carol 1900000001 2000\nbob 1900000001 2000\n", 0600);
	assert_int_equal(oa2_nss_table_load(dir, 1000, &t), -1);
	put(OA2_NSS_RESERVED, "../x 1900000001 2000\n", 0600);
	assert_int_equal(oa2_nss_table_load(dir, 1000, &t), -1);
	put(OA2_NSS_RESERVED, "carol 0 2000\n", 0600);
	assert_int_equal(oa2_nss_table_load(dir, 1000, &t), -1);
	put(OA2_NSS_RESERVED, "carol 1900000001\n", 0600);
	assert_int_equal(oa2_nss_table_load(dir, 1000, &t), -1);
	for (int i = 0; i <= OA2_NSS_MAX; i++) {
		char line[64];

		snprintf(line, sizeof(line), "u%d %lu 2000\n", i, LOW + (unsigned long)i);
		strcat(text, line);
	}
	put(OA2_NSS_RESERVED, text, 0600);
	assert_int_equal(oa2_nss_table_load(dir, 1000, &t), -1);

	assert_false(oa2_nss_name_ok(""));
	assert_false(oa2_nss_name_ok("-x"));
	assert_false(oa2_nss_name_ok("a b"));
	assert_false(oa2_nss_name_ok("a$b"));
	assert_true(oa2_nss_name_ok("host$"));
}

/* The helper's store with nss_dir: reservations are honoured. */
static void store(struct oa2_account_store *s, char *paths)
{
	char *reg = paths, *db = paths + 700, *sh = paths + 1400, *sshd = paths + 2100;
	FILE *f;

	int n = (int)strlen(dir) - 4; /* without "/nss" */

	snprintf(reg, 700, "%.*s/reg", n, dir);
	snprintf(db, 700, "%.*s/db", n, dir);
	snprintf(sh, 700, "%.*s/shells", n, dir);
	f = fopen(sh, "w");
	assert_non_null(f);
	fputs("/bin/bash\n", f);
	fclose(f);
	/* a stand-in for sshd -T (the real one is run by the e2e tests) */
	snprintf(sshd, 700, "%.*s/sshd", n, dir);
	f = fopen(sshd, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\necho logingracetime 120\n", f);
	fclose(f);
	assert_int_equal(chmod(sshd, 0755), 0);
	memset(s, 0, sizeof(*s));
	s->sshd = sshd;
	s->registry_dir = reg;
	s->userdb_dir = db;
	s->shells = sh;
	s->uid_low = LOW;
	s->uid_high = LOW + 99;
	s->allocation = OA2_UID_NEXT;
	s->home_base = "/home";
	s->shell = "/bin/bash";
	s->lock_wait_ms = 5000;
	s->nss_dir = dir;
	s->new_users = "*";
}

static void test_store(void **state)
{
	struct oa2_account_store s;
	struct oa2_account a;
	struct oa2_nss_table t;
	struct oa2_nss_settings set;
	static char paths[2800];
	char line[128];
	oa2_error err = {0};
	bool ours;
	long long later = (long long)time(NULL) + 300;

	(void)state;
	fresh_dir();
	store(&s, paths);
	/* sshd's lookup reserved LOW+3 for newcarol and LOW for someone else */
	snprintf(line, sizeof(line), "newcarol %lu %lld\nother %lu %lld\n", LOW + 3, later, LOW,
		 later);
	put(OA2_NSS_RESERVED, line, 0600);
	if (oa2_account_claim(&s, ISS, "sub-c", "newcarol", true, time(NULL), &a, &ours, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(a.uid, LOW + 3);
	assert_int_equal(oa2_account_claim(&s, ISS, "sub-d", "newdave", true, time(NULL), &a,
					   &ours, &err), 0);
	assert_int_equal(a.uid, LOW + 4); /* above the registry, never the reserved LOW */
	assert_int_equal(oa2_nss_table_load(dir, time(NULL), &t), 0);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.r[0].name, "other");
	/* the published settings list free UIDs above the registry */
	assert_int_equal(oa2_nss_settings_load(dir, &set), 0);
	assert_int_equal(set.uid[0], LOW + 5);
	assert_string_equal(set.pattern[0], "*");
	assert_int_equal(set.lifetime, 120 + 60); /* LoginGraceTime + the margin */
	/* a reserved UID that is taken meanwhile: refused, nothing created */
	snprintf(line, sizeof(line), "neweve %lu %lld\n", LOW + 4, later);
	put(OA2_NSS_RESERVED, line, 0600);
	assert_int_equal(oa2_account_claim(&s, ISS, "sub-e", "neweve", true, time(NULL), &a,
					   &ours, &err), -1);
	assert_non_null(strstr(err.msg, "taken meanwhile"));
}

static void test_entry_point(void **state)
{
	struct passwd pw;
	char buf[1024];
	int e = 0;

	(void)state;
	/* this process is not sshd: never an answer */
	assert_int_equal(_nss_oauth2_getpwnam_r("newcarol", &pw, buf, sizeof(buf), &e),
			 NSS_STATUS_NOTFOUND);
	assert_int_equal(e, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_entry_point),
	};
	int rc;

	if (geteuid() != 0) {
		fprintf(stderr, "test_nss: needs root (the files must be root's); skipped\n");
		return 77;
	}
	if (mkdtemp(top) == NULL)
		return 1;
	chmod(top, 0755);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
		if (system(cmd) != 0)
			rc = rc ? rc : 1;
	}
	return rc;
}
