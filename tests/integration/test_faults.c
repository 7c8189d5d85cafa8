/* test_faults.c - faults and load through real PAM (pam_wrapper) against the
 * test IdP: an expired server certificate; JWKS key rotation (a new kid
 * triggers one refetch and the login succeeds; a fresh cache keeps the
 * refetch rate limit); the rate limit without a writable cache (a real full
 * file system, a small tmpfs in a private mount namespace): one refetch per
 * minute while the cache cannot be written, and none at all where not even
 * the limit's stamp can be created; a JWKS endpoint failing while the cache
 * is valid; and
 * 50 logins at once (threads) on a cold cache: all succeed, the cache is whole, and
 * the IdP sees one discovery and one JWKS request. (Down, refused, slow,
 * 5xx, truncated, oversized, garbage, wrong CA and wrong host name are in
 * test_discovery; clock skew against leeway in tests/unit/test_claims and
 * test_token.) */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

#define PARALLEL 50

static struct oa2t_idp idp;

static void write_config(const struct oa2t_idp *i, const char *cache)
{
	oa2t_write_config("faults.conf", i, "pam-public", cache,
			  "http_timeout = 10\ndevice_timeout = 30\n");
}

static int setup(void **state)
{
	*state = &idp;
	return oa2t_idp_start(&idp, "faults", "--interval 1");
}

static int password_login(const char *user, const char *password)
{
	struct oa2t_conv conv = {0};

	conv.answers[0] = password;
	conv.nanswers = 1;
	return oa2t_auth("pw", user, &conv, true);
}

static void expired_certificate_is_unavailable(void **state)
{
	struct oa2t_idp old;

	(void)state;
	assert_int_equal(oa2t_idp_start(&old, "expired", "--cert expired"), 0);
	write_config(&old, "cache-expired");
	assert_int_equal(password_login("alice", "alice-pass"), PAM_AUTHINFO_UNAVAIL);
	oa2t_idp_stop(&old);
	oa2t_expect_log("certificate has expired");
}

static void age_jwks_cache(const char *cache)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "touch -d '-2 minutes' '%s/%s'/jwks-*", oa2t_tmp(), cache);
	assert_int_equal(system(cmd), 0);
}

static void key_rotation_refetches_once(void **state)
{
	(void)state;
	write_config(&idp, "cache-rotate");
	assert_int_equal(password_login("alice", "alice-pass"), PAM_SUCCESS); /* warm */
	assert_int_equal(oa2t_control(&idp, "POST", "/keys/rotate", "{\"kty\":\"RSA\"}", NULL), 200);
	age_jwks_cache("cache-rotate"); /* older than the refetch rate limit */
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	assert_int_equal(password_login("alice", "alice-pass"), PAM_SUCCESS);
	assert_int_equal(oa2t_count(&idp, "jwks"), 1);
	oa2t_expect_log("keys fetched");
	/* the next login uses the refreshed cache */
	assert_int_equal(password_login("alice", "alice-pass"), PAM_SUCCESS);
	assert_int_equal(oa2t_count(&idp, "jwks"), 1);
}

static void unknown_kid_with_fresh_cache_is_rate_limited(void **state)
{
	(void)state;
	write_config(&idp, "cache-limit");
	assert_int_equal(password_login("alice", "alice-pass"), PAM_SUCCESS); /* fresh cache */
	assert_int_equal(oa2t_control(&idp, "POST", "/keys/rotate", "{\"kty\":\"RSA\"}", NULL), 200);
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(password_login("alice", "alice-pass"), PAM_AUTH_ERR);
		oa2t_expect_log("kid");
	}
	assert_int_equal(oa2t_count(&idp, "jwks"), 0);
}

/* ---- a full disk ----------------------------------------------------------
 * The cache directory on a tmpfs of its own in a private mount namespace of
 * this process (the helpers it starts inherit it; nobody else sees it),
 * filled to the last block and inode. */

static bool private_mounts;

static void full_disk_mount(const char *cache, char *dir, size_t len)
{
	snprintf(dir, len, "%s/%s", oa2t_tmp(), cache);
	if (!private_mounts) {
		if (unshare(CLONE_NEWNS) != 0 ||
		    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
			skip(); /* needs root (CAP_SYS_ADMIN) */
		private_mounts = true;
	}
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(mount("oa2full", dir, "tmpfs", MS_NOSUID | MS_NODEV,
			       "size=256k,nr_inodes=64,mode=0700"), 0);
}

static void fill_disk(const char *dir)
{
	static char block[16384];
	char path[600];
	int fd, n = 0;

	snprintf(path, sizeof(path), "%s/filler", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	while (write(fd, block, sizeof(block)) > 0)
		;
	assert_int_equal(errno, ENOSPC);
	close(fd);
	for (;; n++) {
		snprintf(path, sizeof(path), "%s/inode-%d", dir, n);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			break;
		close(fd);
	}
	assert_int_equal(errno, ENOSPC);
}

/* The cache entry and the refetch stamp older than the rate limit (the
 * stamp only where it exists). */
static void age_jwks_and_stamp(const char *cache)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "touch -c -d '-2 minutes' '%s/%s'/jwks-* '%s/%s'/.jwks-*.stamp",
		 oa2t_tmp(), cache, oa2t_tmp(), cache);
	assert_int_equal(system(cmd), 0);
}

static void refetch_limit_holds_on_a_full_disk(void **state)
{
	char dir[400];
	int ok = 0;

	(void)state;
	full_disk_mount("cache-full", dir, sizeof(dir));
	write_config(&idp, "cache-full");
	assert_int_equal(password_login("alice", "alice-pass"), PAM_SUCCESS); /* warm */
	/* one rotation while the disk has room: refetched, stamped */
	assert_int_equal(oa2t_control(&idp, "POST", "/keys/rotate", "{\"kty\":\"RSA\"}", NULL), 200);
	age_jwks_and_stamp("cache-full");
	assert_int_equal(password_login("alice", "alice-pass"), PAM_SUCCESS);
	oa2t_expect_log("keys fetched");
	/* the disk full, the next rotation: the refetched keys cannot be
	 * cached, so every login after the first meets the unknown kid again */
	fill_disk(dir);
	assert_int_equal(oa2t_control(&idp, "POST", "/keys/rotate", "{\"kty\":\"RSA\"}", NULL), 200);
	age_jwks_and_stamp("cache-full");
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	for (int i = 0; i < 4; i++)
		ok += password_login("alice", "alice-pass") == PAM_SUCCESS;
	/* one refetch (its login succeeds), then the limit */
	assert_int_equal(oa2t_count(&idp, "jwks"), 1);
	assert_int_equal(ok, 1);
	oa2t_expect_log("kid");
}

static void no_refetch_where_the_limit_cannot_be_kept(void **state)
{
	char dir[400];

	(void)state;
	full_disk_mount("cache-nostamp", dir, sizeof(dir));
	write_config(&idp, "cache-nostamp");
	assert_int_equal(password_login("alice", "alice-pass"), PAM_SUCCESS); /* warm */
	/* full before any refetch: no stamp file, and none can be made */
	fill_disk(dir);
	assert_int_equal(oa2t_control(&idp, "POST", "/keys/rotate", "{\"kty\":\"RSA\"}", NULL), 200);
	age_jwks_and_stamp("cache-nostamp");
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(password_login("alice", "alice-pass"), PAM_AUTH_ERR);
		oa2t_expect_log("no JWKS refetch, the rate limit cannot be kept");
	}
	assert_int_equal(oa2t_count(&idp, "jwks"), 0);
}

/* Even after a failure: the scratch directory is removed at exit. */
static int full_disk_unmount(void **state)
{
	char dir[400];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/cache-full", oa2t_tmp());
	(void)umount2(dir, MNT_DETACH);
	snprintf(dir, sizeof(dir), "%s/cache-nostamp", oa2t_tmp());
	(void)umount2(dir, MNT_DETACH);
	return 0;
}

static void jwks_failing_with_valid_cache_still_logs_in(void **state)
{
	(void)state;
	write_config(&idp, "cache-jwks500");
	assert_int_equal(password_login("alice", "alice-pass"), PAM_SUCCESS); /* warm */
	assert_int_equal(oa2t_control(&idp, "POST", "/fault",
				      "{\"endpoint\":\"jwks\",\"kind\":\"status500\"}", NULL), 200);
	assert_int_equal(oa2t_control(&idp, "POST", "/fault",
				      "{\"endpoint\":\"discovery\",\"kind\":\"status500\"}", NULL), 200);
	assert_int_equal(password_login("alice", "alice-pass"), PAM_SUCCESS);
	oa2t_expect_log("keys cached");
	assert_int_equal(oa2t_control(&idp, "POST", "/fault/clear", "{}", NULL), 200);
}

struct worker {
	pthread_t thread;
	int index;
	int rc;
};

static void *one_parallel_login(void *arg)
{
	struct worker *w = arg;
	struct oa2t_conv conv = {0};

	conv.answers[0] = w->index % 2 ? "alice-pass" : "bob-pass";
	conv.nanswers = 1;
	w->rc = oa2t_auth_quiet("pw", w->index % 2 ? "alice" : "bob", &conv);
	return NULL;
}

/* 50 PAM transactions at once. They run as threads of this process:
 * pam_wrapper cannot start 50 processes at once (it names its per-process
 * copy of the service files with one random letter, and they collide).
 * The cache lock is an flock on a descriptor each transaction opens
 * itself, so threads contend for it exactly as processes would. */
static void parallel_logins_share_one_refresh(void **state)
{
	static struct worker w[PARALLEL];
	char cmd[600];
	int ok = 0;
	/* Under valgrind every login's helper runs under memcheck too: 50 of
	 * them at once on two cores time out at the IdP. Ten still race for
	 * the one refresh. */
	const char *vg = getenv("OA2T_VALGRIND");
	int n = vg != NULL && strcmp(vg, "1") == 0 ? 10 : PARALLEL;

	(void)state;
	write_config(&idp, "cache-parallel");
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	for (int i = 0; i < n; i++) {
		w[i].index = i;
		assert_int_equal(pthread_create(&w[i].thread, NULL, one_parallel_login, &w[i]), 0);
	}
	for (int i = 0; i < n; i++) {
		assert_int_equal(pthread_join(w[i].thread, NULL), 0);
		if (w[i].rc == PAM_SUCCESS)
			ok++;
		else
			fprintf(stderr, "parallel login %d: PAM result %d\n", i, w[i].rc);
	}
	assert_int_equal(ok, n);
	assert_int_equal(oa2t_count(&idp, "discovery"), 1);
	assert_int_equal(oa2t_count(&idp, "jwks"), 1);
	assert_int_equal(oa2t_count(&idp, "token"), n);
	/* the cache is whole: the next login reads it without any request */
	assert_int_equal(oa2t_control(&idp, "POST", "/counts/reset", "{}", NULL), 200);
	assert_int_equal(password_login("alice", "alice-pass"), PAM_SUCCESS);
	oa2t_expect_log("read from cache");
	oa2t_expect_log("keys cached");
	assert_int_equal(oa2t_count(&idp, "discovery"), 0);
	assert_int_equal(oa2t_count(&idp, "jwks"), 0);
	/* no temporary files left behind */
	snprintf(cmd, sizeof(cmd), "ls -A '%s/cache-parallel' | grep -q '^\\.[dj].*\\.......$'",
		 oa2t_tmp());
	assert_int_not_equal(system(cmd), 0);
}

int main(int argc, char **argv)
{
	static const struct oa2t_service services[] = {
		{"pw", "config=%T/faults.conf debug grant=password", false},
		{NULL, NULL, false},
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(expired_certificate_is_unavailable),
		cmocka_unit_test(key_rotation_refetches_once),
		cmocka_unit_test(unknown_kid_with_fresh_cache_is_rate_limited),
		/* before any thread is started: unshare(CLONE_NEWNS) needs one */
		cmocka_unit_test_teardown(refetch_limit_holds_on_a_full_disk, full_disk_unmount),
		cmocka_unit_test_teardown(no_refetch_where_the_limit_cannot_be_kept,
					  full_disk_unmount),
		cmocka_unit_test(jwks_failing_with_valid_cache_still_logs_in),
		cmocka_unit_test(parallel_logins_share_one_refresh),
	};

	oa2t_init(argc, argv, services);
	return cmocka_run_group_tests(tests, setup, oa2t_idp_teardown);
}
