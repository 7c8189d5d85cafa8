/* test_secfile.c - the path walk up to / (oa2_check_parents) under the safe
 * file reader and the private directory check: unsafe components anywhere
 * on the way are refused with a message naming them; root-owned sticky
 * directories (/tmp) are accepted. Runs as root (chown). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/secfile.h"

static char base[64];

static const char *at(const char *rel)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", base, rel);
	return buf[i];
}

static void mkdir_mode(const char *rel, mode_t mode, uid_t owner)
{
	assert_int_equal(mkdir(at(rel), 0700), 0);
	assert_int_equal(chown(at(rel), owner, 0), 0);
	assert_int_equal(chmod(at(rel), mode), 0);
}

static void put_file(const char *rel)
{
	FILE *f = fopen(at(rel), "w");

	assert_non_null(f);
	fputs("issuer = https://idp.example\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(at(rel), 0644), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/oa2-secfile-XXXXXX");
	if (geteuid() != 0 || mkdtemp(base) == NULL)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

/* Read rel; it must be accepted. */
static void readable(int line, const char *rel)
{
	oa2_error err = {0};
	char *buf = NULL;
	size_t len = 0;

	if (oa2_read_secure_file(at(rel), OA2_FILE_PUBLIC, 4096, &buf, &len, NULL, &err) != 0)
		fail_msg("line %d: %s refused: %s", line, rel, err.msg);
	free(buf);
}

/* Read rel; it must be refused as a configuration error whose message
 * names the component want (relative to base) and holds frag. */
static void unreadable(int line, const char *rel, const char *want, const char *frag)
{
	oa2_error err = {0};
	char *buf = NULL, named[300];
	size_t len = 0;

	snprintf(named, sizeof(named), "%s: ", at(want));
	if (oa2_read_secure_file(at(rel), OA2_FILE_PUBLIC, 4096, &buf, &len, NULL, &err) == 0)
		fail_msg("line %d: %s accepted", line, rel);
	assert_null(buf);
	if (err.kind != OA2_ERR_CONFIG)
		fail_msg("line %d: kind %s (%s)", line, oa2_errkind_name(err.kind), err.msg);
	if (strncmp(err.msg, named, strlen(named)) != 0 || strstr(err.msg, frag) == NULL)
		fail_msg("line %d: message '%s' does not name '%s' with '%s'", line, err.msg, named,
			 frag);
}

#define READABLE(rel) readable(__LINE__, rel)
#define UNREADABLE(rel, want, frag) unreadable(__LINE__, rel, want, frag)

static void safe_path_is_read(void **state)
{
	(void)state;
	mkdir_mode("ok", 0755, 0);
	put_file("ok/conf");
	READABLE("ok/conf");
	/* /tmp itself (sticky, root-owned, world-writable) is on the way. */
	assert_true(strncmp(base, "/tmp/", 5) == 0);
}

static void group_writable_parent_refused(void **state)
{
	(void)state;
	mkdir_mode("gw", 0775, 0);
	put_file("gw/conf");
	UNREADABLE("gw/conf", "gw", "writable by group or others (mode 0775)");
	/* Anywhere on the way, not only the file's own directory. */
	mkdir_mode("gw/sub", 0755, 0);
	put_file("gw/sub/conf");
	UNREADABLE("gw/sub/conf", "gw", "writable by group or others");
	mkdir_mode("ow", 0757, 0);
	put_file("ow/conf");
	UNREADABLE("ow/conf", "ow", "writable by group or others (mode 0757)");
}

static void parent_owned_by_other_uid_refused(void **state)
{
	(void)state;
	mkdir_mode("theirs", 0755, 4242);
	put_file("theirs/conf");
	UNREADABLE("theirs/conf", "theirs", "owned by uid 4242");
	mkdir_mode("theirs/deeper", 0755, 0);
	put_file("theirs/deeper/conf");
	UNREADABLE("theirs/deeper/conf", "theirs", "owned by uid 4242");
}

static void symlinked_component_refused(void **state)
{
	(void)state;
	/* A link to a writable directory, and a link to a safe one: a link on
	 * the way is never followed (it could be swapped after the check). */
	mkdir_mode("open", 0777, 0);
	put_file("open/conf");
	assert_int_equal(symlink(at("open"), at("link")), 0);
	UNREADABLE("link/conf", "link", "is a symbolic link");
	mkdir_mode("safe", 0755, 0);
	put_file("safe/conf");
	assert_int_equal(symlink("safe", at("safelink")), 0);
	UNREADABLE("safelink/conf", "safelink", "is a symbolic link");
	UNREADABLE("open/conf", "open", "writable by group or others (mode 0777)");
}

static void sticky_dir_only_when_root_owned(void **state)
{
	(void)state;
	mkdir_mode("sticky", 01777, 0);
	mkdir_mode("sticky/etc", 0755, 0);
	put_file("sticky/etc/conf");
	READABLE("sticky/etc/conf");
	mkdir_mode("sticky-theirs", 01777, 4242);
	mkdir_mode("sticky-theirs/etc", 0755, 0);
	put_file("sticky-theirs/etc/conf");
	UNREADABLE("sticky-theirs/etc/conf", "sticky-theirs", "owned by uid 4242");
	/* Sticky and group-writable: the sticky bit protects root's entries
	 * from whoever may write there, so the same rule applies. */
	mkdir_mode("sticky-g", 01770, 0);
	put_file("sticky-g/conf");
	READABLE("sticky-g/conf");
	/* A directory an attacker made inside a sticky one is theirs. */
	mkdir_mode("sticky/planted", 0755, 4242);
	put_file("sticky/planted/conf");
	UNREADABLE("sticky/planted/conf", "sticky/planted", "owned by uid 4242");
}

static void dotdot_refused(void **state)
{
	oa2_error err = {0};

	(void)state;
	mkdir_mode("dd", 0755, 0);
	put_file("dd/conf");
	assert_int_equal(oa2_check_parents(at("dd/../dd/conf"), OA2_ERR_CONFIG, &err), -1);
	assert_non_null(strstr(err.msg, "'..' in a path is refused"));
	oa2_error_clear(&err);
	assert_int_equal(oa2_check_parents(at("dd/./conf"), OA2_ERR_CONFIG, &err), 0);
}

static void private_dir_parents_checked(void **state)
{
	oa2_error err = {0};
	struct stat st;

	(void)state;
	mkdir_mode("pgw", 0770, 0);
	assert_int_equal(oa2_private_dir(at("pgw/cache"), 1, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_INTERNAL);
	assert_non_null(strstr(err.msg, at("pgw")));
	assert_non_null(strstr(err.msg, "writable by group or others"));
	assert_int_not_equal(stat(at("pgw/cache"), &st), 0); /* not created */
	oa2_error_clear(&err);
	mkdir_mode("pok", 0755, 0);
	assert_int_equal(oa2_private_dir(at("pok/cache"), 1, &err), 0);
	assert_int_equal(stat(at("pok/cache"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(safe_path_is_read),
		cmocka_unit_test(group_writable_parent_refused),
		cmocka_unit_test(parent_owned_by_other_uid_refused),
		cmocka_unit_test(symlinked_component_refused),
		cmocka_unit_test(sticky_dir_only_when_root_owned),
		cmocka_unit_test(dotdot_refused),
		cmocka_unit_test(private_dir_parents_checked),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
