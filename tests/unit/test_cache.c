/* test_cache.c - the on-disk metadata cache: hits, expiry, and every way a
 * file can be untrustworthy (corrupt, truncated, foreign-owned, writable by
 * others, a symlink) being treated as a miss; the load sequence discovery
 * and the JWKS share (oa2_cache_load); a rate limit's stamp (oa2_cache_stamp):
 * granted when absent or old enough and then set, not before, refused when
 * it is not a private file of ours. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "helper/cache.h"

static char base[] = "/tmp/oa2-test-cache.XXXXXX";
static char dir[600];
static const time_t now = 1800000000;

static int setup(void **state)
{
	(void)state;
	if (mkdtemp(base) == NULL)
		return -1;
	snprintf(dir, sizeof(dir), "%s/cache", base);
	return 0;
}

static int teardown(void **state)
{
	char cmd[700];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void entry_path(const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void expect_miss(const char *name, time_t when, const char *why_part)
{
	char *body = (char *)1;
	size_t len = 1;
	const char *why = NULL;

	assert_int_equal(oa2_cache_get(dir, name, when, &body, &len, &why), 1);
	assert_null(body);
	assert_int_equal(len, 0);
	if (strstr(why, why_part) == NULL)
		fail_msg("miss reason '%s' lacks '%s'", why, why_part);
}

static void names_are_stable_and_distinct(void **state)
{
	char a[128], b[128], c[128], a2[128];

	(void)state;
	assert_int_equal(oa2_cache_name("https://a.test", "jwks", a, sizeof(a)), 0);
	assert_int_equal(oa2_cache_name("https://a.test", "jwks", a2, sizeof(a2)), 0);
	assert_int_equal(oa2_cache_name("https://b.test", "jwks", b, sizeof(b)), 0);
	assert_int_equal(oa2_cache_name("https://a.test", "discovery", c, sizeof(c)), 0);
	assert_string_equal(a, a2);
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strncmp(a, "jwks-", 5), 0);
	assert_int_equal(strlen(a), 5 + 64);
	assert_int_equal(oa2_cache_name("https://a.test", "jwks", a, 20), -1);
}

static void put_then_get_until_expiry(void **state)
{
	struct stat st;
	char *body = NULL;
	size_t len = 0;
	const char *why = NULL;

	(void)state;
	assert_int_equal(oa2_cache_put(dir, "e1", "{\"a\":1}", 7, now, 300, NULL), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(oa2_cache_get(dir, "e1", now + 10, &body, &len, &why), 0);
	assert_int_equal(len, 7);
	assert_string_equal(body, "{\"a\":1}");
	free(body);
	expect_miss("e1", now + 300, "expired");
	expect_miss("absent", now, "absent");
}

static void ttl_is_clamped(void **state)
{
	(void)state;
	assert_int_equal(oa2_cache_ttl(-1, 0), OA2_CACHE_DEFAULT_TTL);
	assert_int_equal(oa2_cache_ttl(5, 0), OA2_CACHE_MIN_TTL);
	assert_int_equal(oa2_cache_ttl(600, 0), 600);
	assert_int_equal(oa2_cache_ttl(10000000, 0), OA2_CACHE_MAX_TTL);
	assert_int_equal(oa2_cache_ttl(600, 1), OA2_CACHE_MIN_TTL);
}

static void write_raw(const char *name, const char *content, mode_t mode)
{
	char p[700];
	FILE *f;

	entry_path(name, p, sizeof(p));
	unlink(p);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
}

static void corrupt_entries_are_misses(void **state)
{
	(void)state;
	assert_int_equal(oa2_cache_put(dir, "warm", "x", 1, now, 300, NULL), 0);
	write_raw("c1", "garbage without newline", 0600);
	expect_miss("c1", now, "corrupt");
	write_raw("c2", "pam_oauth2-cache-v1 1800000100 10\n{}", 0600);
	expect_miss("c2", now, "truncated");
	write_raw("c3", "pam_oauth2-cache-v1 1800000100 2\n{}extra", 0600);
	expect_miss("c3", now, "truncated or padded");
	write_raw("c4", "other-magic 1800000100 2\n{}", 0600);
	expect_miss("c4", now, "corrupt");
	write_raw("c5", "pam_oauth2-cache-v1 9999999999 2\n{}", 0600);
	expect_miss("c5", now, "too far");
	write_raw("c6", "pam_oauth2-cache-v1 1800000100 2 junk\n{}", 0600);
	expect_miss("c6", now, "corrupt");
}

static void unsafe_entries_are_misses(void **state)
{
	char p[700], l[700];

	(void)state;
	assert_int_equal(oa2_cache_put(dir, "u1", "{}", 2, now, 300, NULL), 0);
	entry_path("u1", p, sizeof(p));
	assert_int_equal(chown(p, 65534, 65534), 0);
	expect_miss("u1", now, "unsafe");

	assert_int_equal(oa2_cache_put(dir, "u2", "{}", 2, now, 300, NULL), 0);
	entry_path("u2", p, sizeof(p));
	assert_int_equal(chmod(p, 0622), 0);
	expect_miss("u2", now, "unsafe");

	assert_int_equal(oa2_cache_put(dir, "u3", "{}", 2, now, 300, NULL), 0);
	entry_path("u3", p, sizeof(p));
	entry_path("u4", l, sizeof(l));
	assert_int_equal(symlink(p, l), 0);
	expect_miss("u4", now, "absent");

	/* a rewrite replaces a foreign-owned entry with a good one */
	assert_int_equal(oa2_cache_put(dir, "u1", "{}", 2, now, 300, NULL), 0);
	{
		char *body = NULL;
		size_t len = 0;
		const char *why = NULL;

		assert_int_equal(oa2_cache_get(dir, "u1", now, &body, &len, &why), 0);
		free(body);
	}
}

static void unsafe_directory_is_refused(void **state)
{
	oa2_error err = {0};

	(void)state;
	assert_int_equal(oa2_cache_put(dir, "d1", "{}", 2, now, 300, NULL), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	expect_miss("d1", now, "cache directory");
	assert_int_equal(oa2_cache_put(dir, "d2", "{}", 2, now, 300, &err), -1);
	assert_non_null(strstr(err.msg, "writable by group or others"));
	assert_int_equal(chmod(dir, 0700), 0);
}

/* A document behind oa2_cache_load: what use saw, how often fetch ran. */
struct doc {
	char used[32];
	int fetches;
	int fetch_fails;
};

static int use_doc(void *ctx, const char *body, size_t len)
{
	struct doc *d = ctx;

	if (strcmp(body, "bad") == 0)
		return -1;
	snprintf(d->used, sizeof(d->used), "%.*s", (int)len, body);
	return 0;
}

static int fetch_doc(void *ctx, oa2_error *err)
{
	struct doc *d = ctx;

	d->fetches++;
	if (d->fetch_fails)
		return oa2_fail(err, OA2_ERR_UNAVAIL, "IdP down");
	snprintf(d->used, sizeof(d->used), "fetched");
	return oa2_cache_put(dir, "doc", "fetched", 7, now, 300, NULL);
}

static void load_reads_the_cache_before_fetching(void **state)
{
	struct doc d = {0};
	oa2_error err = {0};

	(void)state;
	/* a miss: fetched (and stored by fetch) */
	assert_int_equal(oa2_cache_load(dir, "doc", now, 100, use_doc, fetch_doc, &d, &err), 0);
	assert_int_equal(d.fetches, 1);
	/* a hit: the stored copy, no fetch */
	memset(&d, 0, sizeof(d));
	assert_int_equal(oa2_cache_load(dir, "doc", now, 100, use_doc, fetch_doc, &d, &err), 0);
	assert_string_equal(d.used, "fetched");
	assert_int_equal(d.fetches, 0);
	/* an entry use refuses is dropped and fetched again */
	assert_int_equal(oa2_cache_put(dir, "doc", "bad", 3, now, 300, NULL), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(oa2_cache_read(dir, "doc", now, use_doc, &d), 0);
	expect_miss("doc", now, "absent");
	assert_int_equal(oa2_cache_load(dir, "doc", now, 100, use_doc, fetch_doc, &d, &err), 0);
	assert_int_equal(d.fetches, 1);
	/* expired and the IdP down: fetch's error is the caller's */
	memset(&d, 0, sizeof(d));
	d.fetch_fails = 1;
	assert_int_equal(oa2_cache_load(dir, "doc", now + 301, 100, use_doc, fetch_doc, &d, &err),
			 -1);
	assert_int_equal(err.kind, OA2_ERR_UNAVAIL);
	assert_string_equal(err.msg, "IdP down");
}

static void stamp_grants_once_per_interval(void **state)
{
	time_t t = time(NULL);
	struct timespec old[2] = {{t - 120, 0}, {t - 120, 0}};
	oa2_error err = {0};
	char path[700];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/.jwks-s.stamp", dir);
	assert_int_equal(oa2_cache_stamp(dir, "jwks-s", t, 60, &err), 1); /* created */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(oa2_cache_stamp(dir, "jwks-s", t, 60, &err), 0);
	assert_int_equal(oa2_cache_stamp(dir, "jwks-s", t + 59, 60, &err), 0);
	/* older than the interval: granted, and set to now */
	assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	assert_int_equal(oa2_cache_stamp(dir, "jwks-s", t, 60, &err), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_mtime >= t);
	assert_int_equal(oa2_cache_stamp(dir, "jwks-s", t, 60, &err), 0);
	/* a clock set back: the stamp in the future counts as now */
	assert_int_equal(oa2_cache_stamp(dir, "jwks-s", t - 3600, 60, &err), 0);
	/* not a private file of ours: the limit cannot be kept */
	assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(oa2_cache_stamp(dir, "jwks-s", t, 60, &err), -1);
	assert_non_null(strstr(err.msg, "not a private file"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	oa2_error_clear(&err);
	assert_int_equal(oa2_cache_stamp(dir, "jwks-s", t, 60, &err), -1);
	assert_int_equal(unlink(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_are_stable_and_distinct),
		cmocka_unit_test(put_then_get_until_expiry),
		cmocka_unit_test(ttl_is_clamped),
		cmocka_unit_test(corrupt_entries_are_misses),
		cmocka_unit_test(unsafe_entries_are_misses),
		cmocka_unit_test(unsafe_directory_is_refused),
		cmocka_unit_test(load_reads_the_cache_before_fetching),
		cmocka_unit_test(stamp_grants_once_per_interval),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
