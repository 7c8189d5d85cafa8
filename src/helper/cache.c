/* cache.c - atomic, root-only on-disk cache of IdP metadata. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "shared/secfile.h"

#define MAGIC "pam_oauth2-cache-v1"

int oa2_cache_name(const char *issuer, const char *kind, char *out, size_t outlen)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	char hex[65];

	if (EVP_Digest(issuer, strlen(issuer), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return -1;
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if ((size_t)snprintf(out, outlen, "%s-%s", kind, hex) >= outlen)
		return -1;
	return 0;
}

long oa2_cache_ttl(long max_age, int no_store)
{
	long ttl = max_age < 0 ? OA2_CACHE_DEFAULT_TTL : max_age;

	if (no_store)
		ttl = OA2_CACHE_MIN_TTL;
	if (ttl < OA2_CACHE_MIN_TTL)
		ttl = OA2_CACHE_MIN_TTL;
	if (ttl > OA2_CACHE_MAX_TTL)
		ttl = OA2_CACHE_MAX_TTL;
	return ttl;
}

static int path_of(const char *dir, const char *name, char *out, size_t outlen)
{
	return (size_t)snprintf(out, outlen, "%s/%s", dir, name) >= outlen ? -1 : 0;
}

static int read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* Parse "MAGIC <expires> <len>\n<body>" and check it is whole and fresh. */
static int parse_entry(char *buf, size_t size, time_t now, size_t *off, size_t *len,
		       const char **why)
{
	char *nl = memchr(buf, '\n', size < 128 ? size : 128);
	char magic[32];
	int64_t expires;
	size_t blen;
	int used = 0;

	if (nl == NULL) {
		*why = "corrupt header";
		return 1;
	}
	*nl = '\0';
	if (sscanf(buf, "%31s %" SCNd64 " %zu%n", magic, &expires, &blen, &used) != 3 ||
	    buf + used != nl || strcmp(magic, MAGIC) != 0) {
		*why = "corrupt header";
		return 1;
	}
	*off = (size_t)(nl - buf) + 1;
	if (blen != size - *off) {
		*why = "truncated or padded body";
		return 1;
	}
	if (expires <= (int64_t)now) {
		*why = "expired";
		return 1;
	}
	if (expires > (int64_t)now + OA2_CACHE_MAX_TTL) {
		*why = "expiry too far in the future";
		return 1;
	}
	*len = blen;
	return 0;
}

int oa2_cache_get(const char *dir, const char *name, time_t now, char **body, size_t *len,
		  const char **why)
{
	char path[4096];
	struct stat st;
	char *buf = NULL;
	size_t off = 0;
	int fd = -1, rc = 1;

	*body = NULL;
	*len = 0;
	*why = "absent";
	if (oa2_private_dir(dir, 0, NULL) != 0) {
		*why = "cache directory missing or unsafe";
		goto out;
	}
	if (path_of(dir, name, path, sizeof(path)) != 0)
		goto out;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		goto out;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) || st.st_size <= 0 ||
	    st.st_size > OA2_CACHE_MAX_SIZE) {
		*why = "unsafe owner, mode, type or size";
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		rc = -1;
		goto out;
	}
	if (read_all(fd, buf, (size_t)st.st_size) != 0) {
		*why = "read error";
		goto out;
	}
	buf[st.st_size] = '\0';
	if (parse_entry(buf, (size_t)st.st_size, now, &off, len, why) != 0)
		goto out;
	memmove(buf, buf + off, *len);
	buf[*len] = '\0';
	*body = buf;
	buf = NULL;
	*why = "hit";
	rc = 0;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

int oa2_cache_put(const char *dir, const char *name, const char *body, size_t len, time_t now,
		  long ttl, oa2_error *err)
{
	char head[128];
	int n;

	if (len > OA2_CACHE_MAX_SIZE - sizeof(head))
		return oa2_fail(err, OA2_ERR_INTERNAL, "cache entry %s too large", name);
	n = snprintf(head, sizeof(head), "%s %" PRId64 " %zu\n", MAGIC,
		     (int64_t)now + oa2_cache_ttl(ttl, 0), len);
	return oa2_write_private_file(dir, name, head, (size_t)n, body, len, err);
}

void oa2_cache_drop(const char *dir, const char *name)
{
	char path[4096];

	if (oa2_private_dir(dir, 0, NULL) == 0 && path_of(dir, name, path, sizeof(path)) == 0)
		unlink(path);
}

int oa2_cache_read(const char *dir, const char *name, time_t now, oa2_cache_use_fn *use,
		   void *ctx)
{
	char *body = NULL;
	const char *why = NULL;
	size_t len = 0;
	int ok;

	if (oa2_cache_get(dir, name, now, &body, &len, &why) != 0)
		return 0;
	ok = use(ctx, body, len) == 0;
	free(body);
	if (!ok)
		oa2_cache_drop(dir, name);
	return ok;
}

int oa2_cache_load(const char *dir, const char *name, time_t now, long wait_ms,
		   oa2_cache_use_fn *use, int (*fetch)(void *ctx, oa2_error *err), void *ctx,
		   oa2_error *err)
{
	int lock, rc;

	if (oa2_cache_read(dir, name, now, use, ctx))
		return 0;
	lock = oa2_cache_lock(dir, name, wait_ms);
	rc = oa2_cache_read(dir, name, now, use, ctx) ? 0 : fetch(ctx, err);
	oa2_cache_unlock(lock);
	return rc;
}

long oa2_cache_age(const char *dir, const char *name, time_t now)
{
	char path[4096];
	struct stat st;

	if (oa2_private_dir(dir, 0, NULL) != 0 || path_of(dir, name, path, sizeof(path)) != 0 ||
	    lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
		return -1;
	return st.st_mtime > now ? 0 : (long)(now - st.st_mtime);
}

int oa2_cache_stamp(const char *dir, const char *name, time_t now, long min_age,
		    oa2_error *err)
{
	char path[4096];
	struct stat st;
	int fd, rc = -1;

	if (oa2_private_dir(dir, 1, err) != 0)
		return -1;
	if ((size_t)snprintf(path, sizeof(path), "%s/.%s.stamp", dir, name) >= sizeof(path))
		return oa2_fail(err, OA2_ERR_INTERNAL, "stamp path too long");
	/* new: it holds the time of its creation, now */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (errno != EEXIST)
		return oa2_fail(err, OA2_ERR_INTERNAL, "%s: cannot create: %s", path, strerror(errno));
	fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "%s: not a private file of uid %u", path,
			 (unsigned)geteuid());
		goto out;
	}
	/* a time ahead of now (a clock set back) counts as now */
	if (st.st_mtime >= now || now - st.st_mtime < min_age) {
		rc = 0;
		goto out;
	}
	/* no block, no inode: works on a full file system */
	if (futimens(fd, NULL) != 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "%s: cannot stamp: %s", path, strerror(errno));
		goto out;
	}
	rc = 1;
out:
	close(fd);
	return rc;
}

int oa2_cache_dir_check(const char *dir, oa2_error *err)
{
	return oa2_private_dir(dir, 0, err);
}

void oa2_cache_inspect(const char *dir, const char *name, time_t now, struct oa2_cache_info *info)
{
	char *body = NULL;
	size_t len = 0;
	const char *why = NULL;
	char path[4096], head[128];
	struct stat st;
	int64_t expires = 0;
	ssize_t n;
	int fd;

	memset(info, 0, sizeof(*info));
	info->size = -1;
	info->age = -1;
	info->state = OA2_CACHE_ABSENT;
	info->why = "absent";
	if (path_of(dir, name, path, sizeof(path)) != 0 || lstat(path, &st) != 0)
		return;
	info->size = (long long)st.st_size;
	info->age = st.st_mtime > now ? 0 : (long)(now - st.st_mtime);
	if (!S_ISREG(st.st_mode)) {
		info->state = OA2_CACHE_UNSAFE;
		info->why = "not a regular file";
		return;
	}
	/* The expiry, read from the header for display only. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		n = read(fd, head, sizeof(head) - 1);
		if (n > 0) {
			head[n] = '\0';
			if (sscanf(head, MAGIC " %" SCNd64, &expires) == 1)
				info->expires = (long long)expires;
		}
		close(fd);
	}
	/* The verdict is the reader's own. */
	if (oa2_cache_get(dir, name, now, &body, &len, &why) == 0) {
		free(body);
		info->state = OA2_CACHE_VALID;
		info->why = "valid";
		return;
	}
	info->why = why != NULL ? why : "unreadable";
	if (why == NULL || strcmp(why, "absent") == 0) {
		info->state = OA2_CACHE_UNSAFE;
		info->why = "cannot be opened";
	} else if (strcmp(why, "expired") == 0)
		info->state = OA2_CACHE_EXPIRED;
	else if (strncmp(why, "unsafe", 6) == 0 || strstr(why, "directory") != NULL)
		info->state = OA2_CACHE_UNSAFE;
	else
		info->state = OA2_CACHE_CORRUPT;
}

int oa2_cache_lock(const char *dir, const char *name, long wait_ms)
{
	char path[4096];
	long waited = 0;
	int fd;

	if (oa2_private_dir(dir, 1, NULL) != 0 ||
	    (size_t)snprintf(path, sizeof(path), "%s/.%s.lock", dir, name) >= sizeof(path))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd < 0)
		return -1;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if ((errno != EWOULDBLOCK && errno != EINTR) || waited >= wait_ms)
			break;
		usleep(20000);
		waited += 20;
	}
	close(fd);
	return -1;
}

void oa2_cache_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}
