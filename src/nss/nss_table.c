/* nss_table.c - the settings and reservation files of OA2_NSS_DIR (see
 * nss_table.h). Linked by libnss_oauth2 and by the helper. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nss_table.h"

bool oa2_nss_name_ok(const char *name)
{
	size_t n = strnlen(name, OA2_NSS_NAME_MAX);

	if (n == 0 || n >= OA2_NSS_NAME_MAX || name[0] == '-' || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '-' || c == '.' || (c == '$' && i == n - 1);

		if (!ok)
			return false;
	}
	return true;
}

static bool root_dir(const char *path, mode_t forbidden)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 &&
	       (st.st_mode & forbidden) == 0;
}

int oa2_nss_dir_ok(const char *dir)
{
	char parent[PATH_MAX];
	char *slash;

	if (strlen(dir) >= sizeof(parent) || dir[0] != '/')
		return -1;
	strcpy(parent, dir);
	slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	return root_dir(dir, 077) && root_dir(parent, 022) ? 0 : -1;
}

/* dir/name into buf: a root-owned regular file of mode 0600 or stricter,
 * at most OA2_NSS_FILE_MAX bytes. 1 read, 0 absent, -1 refused. */
static int read_file(const char *dir, const char *name, char *buf)
{
	char path[PATH_MAX];
	struct stat st;
	size_t got = 0;
	int fd, rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 077) != 0 || st.st_size > OA2_NSS_FILE_MAX)
		goto out;
	while (got <= OA2_NSS_FILE_MAX) {
		ssize_t k = read(fd, buf + got, OA2_NSS_FILE_MAX + 1 - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			goto out;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	if (got > OA2_NSS_FILE_MAX || memchr(buf, '\0', got) != NULL ||
	    (got > 0 && buf[got - 1] != '\n'))
		goto out;
	buf[got] = '\0';
	rc = 1;
out:
	close(fd);
	return rc;
}

/* A decimal number without sign or leading zero, at most max. */
static int number(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (max - (unsigned)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return 0;
}

/* A value: printable ASCII, no space. */
static bool plain(const char *v)
{
	if (*v == '\0')
		return false;
	for (; *v != '\0'; v++) {
		if (*v <= ' ' || *v > '~')
			return false;
	}
	return true;
}

static int add(const char **list, int *n, const char *v)
{
	if (*n >= OA2_NSS_LIST_MAX)
		return -1;
	list[(*n)++] = v;
	return 0;
}

static int setting(struct oa2_nss_settings *s, const char *key, const char *v)
{
	unsigned long long n;

	if (!plain(v))
		return -1;
	if (strcmp(key, "program") == 0)
		return v[0] == '/' ? add(s->program, &s->nprogram, v) : -1;
	if (strcmp(key, "pattern") == 0)
		return add(s->pattern, &s->npattern, v);
	if (strcmp(key, "domain") == 0)
		return add(s->domain, &s->ndomain, v);
	if (strcmp(key, "home") == 0 && s->home == NULL && v[0] == '/') {
		s->home = v;
		return 0;
	}
	if (strcmp(key, "shell") == 0 && s->shell == NULL && v[0] == '/') {
		s->shell = v;
		return 0;
	}
	if (strcmp(key, "lifetime") == 0 && s->lifetime == 0 && number(v, 3600, &n) == 0 && n > 0) {
		s->lifetime = (long)n;
		return 0;
	}
	/* a UID for a person: never 0, never at or above 2^31 */
	if (strcmp(key, "uid") == 0 && s->nuid < OA2_NSS_MAX && number(v, 0x7fffffffULL, &n) == 0 &&
	    n > 0) {
		s->uid[s->nuid++] = (unsigned long)n;
		return 0;
	}
	return -1;
}

int oa2_nss_settings_load(const char *dir, struct oa2_nss_settings *s)
{
	char *line, *next, *sp;

	memset(s, 0, sizeof(*s));
	if (read_file(dir, OA2_NSS_SETTINGS, s->text) != 1)
		return -1;
	line = s->text;
	next = strchr(line, '\n');
	if (next == NULL) /* an empty file */
		return -1;
	*next++ = '\0';
	if (strcmp(line, OA2_NSS_MAGIC) != 0)
		return -1;
	while (*next != '\0') {
		line = next;
		next = strchr(line, '\n');
		*next++ = '\0';
		sp = strchr(line, ' ');
		if (sp == NULL || (size_t)(next - line) > OA2_NSS_LINE_MAX)
			return -1;
		*sp = '\0';
		if (setting(s, line, sp + 1) != 0)
			return -1;
	}
	return s->home != NULL && s->shell != NULL && s->lifetime > 0 ? 0 : -1;
}

/* "NAME UID EXPIRES" */
static int entry(char *line, struct oa2_nss_reservation *e)
{
	char *uid = strchr(line, ' '), *exp;
	unsigned long long u, x;

	if (uid == NULL)
		return -1;
	*uid++ = '\0';
	exp = strchr(uid, ' ');
	if (exp == NULL)
		return -1;
	*exp++ = '\0';
	if (!oa2_nss_name_ok(line) || strcmp(line, ".") == 0 || strcmp(line, "..") == 0 ||
	    number(uid, 0x7fffffffULL, &u) != 0 || u == 0 || number(exp, LLONG_MAX, &x) != 0)
		return -1;
	strcpy(e->name, line);
	e->uid = (unsigned long)u;
	e->expires = (long long)x;
	return 0;
}

int oa2_nss_table_load(const char *dir, time_t now, struct oa2_nss_table *t)
{
	char buf[OA2_NSS_FILE_MAX + 1];
	struct oa2_nss_reservation e;
	char *line, *next;
	int k;

	memset(t, 0, sizeof(*t));
	k = read_file(dir, OA2_NSS_RESERVED, buf);
	if (k <= 0)
		return k;
	for (next = buf; *next != '\0';) {
		line = next;
		next = strchr(line, '\n');
		*next++ = '\0';
		if (entry(line, &e) != 0)
			return -1;
		if (e.expires <= (long long)now)
			continue;
		if (t->n >= OA2_NSS_MAX)
			return -1;
		for (int i = 0; i < t->n; i++) {
			if (strcmp(t->r[i].name, e.name) == 0 || t->r[i].uid == e.uid)
				return -1;
		}
		t->r[t->n++] = e;
	}
	return 0;
}

/* The whole of buf to fd. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t k = write(fd, buf, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		buf += k;
		len -= (size_t)k;
	}
	return 0;
}

int oa2_nss_table_save(const char *dir, const struct oa2_nss_table *t)
{
	char path[PATH_MAX], tmp[PATH_MAX], buf[OA2_NSS_FILE_MAX];
	size_t len = 0;
	int fd, ok;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, OA2_NSS_RESERVED) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, OA2_NSS_RESERVED) >= sizeof(tmp))
		return -1;
	for (int i = 0; i < t->n; i++) {
		int k = snprintf(buf + len, sizeof(buf) - len, "%s %lu %lld\n", t->r[i].name,
				 t->r[i].uid, t->r[i].expires);

		if (k < 0 || (size_t)k >= sizeof(buf) - len)
			return -1;
		len += (size_t)k;
	}
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ok = write_all(fd, buf, len) == 0 && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int oa2_nss_lock(const char *dir, long wait_ms)
{
	char path[PATH_MAX];
	long waited = 0;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, OA2_NSS_LOCK) >= sizeof(path))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || waited >= wait_ms) {
			close(fd);
			return -1;
		}
		nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
		waited += 10;
	}
	return fd;
}
