/* secfile.c - read a root-owned file the safe way. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secfile.h"
#include "strutil.h"

int oa2_read_secure_file(const char *path, enum oa2_secfile_mode mode, size_t max,
			 char **out, size_t *len, mode_t *perm, oa2_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd = -1, rc = -1;

	*out = NULL;
	*len = 0;
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
	if (st.st_uid != 0) {
		oa2_fail(err, OA2_ERR_CONFIG, "%s: owned by uid %u, must be owned by root",
			 path, (unsigned)st.st_uid);
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
