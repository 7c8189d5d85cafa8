/* secfile.c - read a root-owned file the safe way. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secfile.h"
#include "strutil.h"

/* One directory on the way: owner and mode, see oa2_check_parents. */
static int dir_safe(const struct stat *st, const char *shown, enum oa2_errkind kind,
		    oa2_error *err)
{
	if (!S_ISDIR(st->st_mode))
		return oa2_fail(err, kind, "%s: not a directory", shown);
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return oa2_fail(err, kind, "%s: directory owned by uid %u, must be owned by root",
				shown, (unsigned)st->st_uid);
	/* Sticky and root-owned (/tmp): others may add entries but not rename
	 * or remove root's, so the path below stays root's. */
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) &&
	    !((st->st_mode & S_ISVTX) && st->st_uid == 0))
		return oa2_fail(err, kind,
				"%s: directory writable by group or others (mode %04o), refusing", shown,
				(unsigned)(st->st_mode & 07777));
	return 0;
}

int oa2_check_parents(const char *path, enum oa2_errkind kind, oa2_error *err)
{
	char shown[4096];
	struct stat st;
	const char *p = path, *next;
	size_t n, used = 0;
	int fd, nfd, rc = -1;

	if (path[0] != '/' || strlen(path) >= sizeof(shown))
		return oa2_fail(err, kind, "%s: not an absolute path", path);
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		oa2_fail(err, kind, "/: %s", strerror(errno));
		goto out;
	}
	if (dir_safe(&st, "/", kind, err) != 0)
		goto out;
	for (;;) {
		char comp[NAME_MAX + 1];

		while (*p == '/')
			p++;
		next = strchr(p, '/');
		if (next == NULL)
			break; /* the last component: the caller's */
		n = (size_t)(next - p);
		if (n > NAME_MAX) {
			oa2_fail(err, kind, "%s: component too long", path);
			goto out;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p = next;
		if (strcmp(comp, ".") == 0)
			continue;
		used += (size_t)snprintf(shown + used, sizeof(shown) - used, "/%s", comp);
		if (strcmp(comp, "..") == 0) {
			oa2_fail(err, kind, "%s: '..' in a path is refused", path);
			goto out;
		}
		nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				oa2_fail(err, kind, "%s: is a symbolic link, refusing", shown);
			else if (errno == ENOENT) /* as open(path) would say */
				oa2_fail(err, kind, "%s: cannot open: %s", path, strerror(errno));
			else
				oa2_fail(err, kind, "%s: %s", shown, strerror(errno));
			goto out;
		}
		close(fd);
		fd = nfd;
		if (fstat(fd, &st) != 0) {
			oa2_fail(err, kind, "%s: %s", shown, strerror(errno));
			goto out;
		}
		if (dir_safe(&st, shown, kind, err) != 0)
			goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int oa2_read_secure_file(const char *path, enum oa2_secfile_mode mode, size_t max,
			 char **out, size_t *len, mode_t *perm, oa2_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd = -1, rc = -1;

	*out = NULL;
	*len = 0;
	if (oa2_check_parents(path, OA2_ERR_CONFIG, err) != 0)
		goto out;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		oa2_fail(err, OA2_ERR_CONFIG, "%s: cannot open: %s", path,
			 errno == ELOOP ? "is a symbolic link" : strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		oa2_fail(err, OA2_ERR_CONFIG, "%s: cannot stat: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		oa2_fail(err, OA2_ERR_CONFIG, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_uid != 0 && !(mode == OA2_FILE_USER && st.st_uid == geteuid())) {
		oa2_fail(err, OA2_ERR_CONFIG, "%s: owned by uid %u, must be owned by root%s",
			 path, (unsigned)st.st_uid, mode == OA2_FILE_USER ? " or by you" : "");
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		oa2_fail(err, OA2_ERR_CONFIG, "%s: writable by group or others (mode %04o), refusing",
			 path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (mode == OA2_FILE_SECRET && (st.st_mode & (S_IRGRP | S_IROTH))) {
		oa2_fail(err, OA2_ERR_CONFIG,
			 "%s: holds a secret but is readable by group or others (mode %04o), refusing",
			 path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_size < 0 || (size_t)st.st_size > max) {
		oa2_fail(err, OA2_ERR_CONFIG, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "%s: out of memory", path);
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			oa2_fail(err, OA2_ERR_CONFIG, "%s: read failed", path);
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (memchr(buf, '\0', got) != NULL) {
		oa2_fail(err, OA2_ERR_CONFIG, "%s: contains a NUL byte", path);
		goto out;
	}
	*out = buf;
	*len = got;
	if (perm != NULL)
		*perm = st.st_mode & 07777;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL)
		oa2_free_secret_len(buf, (size_t)st.st_size + 1);
	if (fd >= 0)
		close(fd);
	return rc;
}

int oa2_private_dir(const char *dir, int create, oa2_error *err)
{
	struct stat st;

	if (oa2_check_parents(dir, OA2_ERR_INTERNAL, err) != 0)
		return -1;
	if (lstat(dir, &st) != 0) {
		if (errno != ENOENT || !create)
			return oa2_fail(err, OA2_ERR_INTERNAL, "directory %s: %s", dir, strerror(errno));
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return oa2_fail(err, OA2_ERR_INTERNAL, "directory %s: cannot create: %s", dir,
					strerror(errno));
		if (lstat(dir, &st) != 0)
			return oa2_fail(err, OA2_ERR_INTERNAL, "directory %s: %s", dir, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return oa2_fail(err, OA2_ERR_INTERNAL, "directory %s: not a directory", dir);
	if (st.st_uid != geteuid())
		return oa2_fail(err, OA2_ERR_INTERNAL, "directory %s: not owned by uid %u", dir,
				(unsigned)geteuid());
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return oa2_fail(err, OA2_ERR_INTERNAL, "directory %s: writable by group or others",
				dir);
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int oa2_write_private_file(const char *dir, const char *name, const char *head, size_t hlen,
			   const char *body, size_t blen, oa2_error *err)
{
	return oa2_write_file_mode(dir, name, 0600, head, hlen, body, blen, err);
}

int oa2_write_file_mode(const char *dir, const char *name, mode_t mode, const char *head,
			size_t hlen, const char *body, size_t blen, oa2_error *err)
{
	char path[4096], tmp[4096];
	int fd = -1, rc = -1;

	tmp[0] = '\0';
	if (oa2_private_dir(dir, 1, err) != 0)
		return -1;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= sizeof(tmp))
		return oa2_fail(err, OA2_ERR_INTERNAL, "%s/%s: path too long", dir, name);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "%s: cannot create: %s", tmp, strerror(errno));
		tmp[0] = '\0';
		goto out;
	}
	if (fchmod(fd, mode) != 0 || write_all(fd, head, hlen) != 0 ||
	    write_all(fd, body, blen) != 0 || fsync(fd) != 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "%s: write failed: %s", tmp, strerror(errno));
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc != 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "%s: write failed: %s", tmp, strerror(errno));
		goto out;
	}
	rc = -1;
	if (rename(tmp, path) != 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "%s: rename failed: %s", path, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	return rc;
}
