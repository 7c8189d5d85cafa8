/* account_records.c - write and remove nss-systemd records of created accounts. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account_records.h"
#include "shared/secfile.h"

#define RECORD_MAX 4096

bool oa2_records_path_ok(const char *path)
{
	size_t n = strlen(path);

	if (n < 2 || n > 1024 || path[0] != '/' || path[n - 1] == '/')
		return false;
	for (const char *p = path; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == ':' || *p == '"' || *p == '\\')
			return false;
	}
	return true;
}

/* The directory: made 0755 when missing, then it must be safe. */
static int records_dir(const char *dir, oa2_error *err)
{
	struct stat st;

	if (oa2_check_parents(dir, OA2_ERR_INTERNAL, err) != 0)
		return -1;
	if (lstat(dir, &st) != 0 && errno == ENOENT) {
		/* every process reads the records: 0755 whatever the umask */
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return oa2_fail(err, OA2_ERR_INTERNAL, "directory %s: cannot create: %s", dir,
					strerror(errno));
		if (chmod(dir, 0755) != 0)
			return oa2_fail(err, OA2_ERR_INTERNAL, "directory %s: %s", dir, strerror(errno));
	}
	return oa2_private_dir(dir, 0, err);
}

/* Is dir/name a regular file holding exactly text? */
static bool file_is(const char *dir, const char *name, const char *text)
{
	char path[4096], buf[RECORD_MAX];
	size_t want = strlen(text);
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return false;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n >= 0 && (size_t)n == want && memcmp(buf, text, want) == 0;
}

/* Does the symbolic link dir/name lead to target? */
static bool link_is(const char *dir, const char *name, const char *target)
{
	char path[4096], buf[256];
	ssize_t n;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return false;
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, target) == 0;
}

/* dir/name -> target, replaced in one rename. */
static int put_link(const char *dir, const char *name, const char *target, oa2_error *err)
{
	char path[4096], tmp[4096];

	if (link_is(dir, name, target))
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.link", dir, name) >= sizeof(tmp))
		return oa2_fail(err, OA2_ERR_INTERNAL, "%s/%s: path too long", dir, name);
	(void)unlink(tmp); /* left by a crash: we hold the lock */
	if (symlink(target, tmp) != 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "%s: cannot create: %s", tmp, strerror(errno));
	if (rename(tmp, path) != 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "%s: rename failed: %s", path, strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

static int put_file(const char *dir, const char *name, const char *text, oa2_error *err)
{
	if (file_is(dir, name, text))
		return 0;
	return oa2_write_file_mode(dir, name, 0644, text, strlen(text), "", 0, err);
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* A name and an ID (UID or GID) a record may hold. */
static int check_id(const char *name, unsigned long id, oa2_error *err)
{
	if (!oa2_username_valid(name) || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "record: '%s' is not a valid name", name);
	if (oa2_uid_range_refusal(id, id, 1) != NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "record: id %lu is never written", id);
	return 0;
}

/* NAME.group, then its GID.group link (the caller syncs the directory). */
static int put_group(const char *dir, const char *name, unsigned long gid, oa2_error *err)
{
	char group[RECORD_MAX], gname[96], glink[32];

	snprintf(gname, sizeof(gname), "%s.group", name);
	snprintf(glink, sizeof(glink), "%lu.group", gid);
	snprintf(group, sizeof(group),
		 "{\"groupName\":\"%s\",\"gid\":%lu,\"disposition\":\"regular\","
		 "\"service\":\"pam_oauth2\"}\n",
		 name, gid);
	return put_file(dir, gname, group, err) != 0 || put_link(dir, glink, gname, err) != 0 ? -1
												: 0;
}

static int synced(const char *dir, oa2_error *err)
{
	if (sync_dir(dir) != 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "%s: cannot sync: %s", dir, strerror(errno));
	return 0;
}

int oa2_records_write_group(const char *dir, const char *name, unsigned long gid,
			    oa2_error *err)
{
	if (check_id(name, gid, err) != 0 || records_dir(dir, err) != 0 ||
	    put_group(dir, name, gid, err) != 0)
		return -1;
	return synced(dir, err);
}

int oa2_records_write(const char *dir, const struct oa2_account *a, const char *home_base,
		      const char *shell, oa2_error *err)
{
	char user[RECORD_MAX], uname[96], ulink[32];

	if (check_id(a->name, a->uid, err) != 0)
		return -1;
	if (!oa2_records_path_ok(home_base) || !oa2_records_path_ok(shell))
		return oa2_fail(err, OA2_ERR_INTERNAL, "record: home base or shell is not a plain path");
	if (records_dir(dir, err) != 0)
		return -1;
	snprintf(uname, sizeof(uname), "%s.user", a->name);
	snprintf(ulink, sizeof(ulink), "%lu.user", a->uid);
	snprintf(user, sizeof(user),
		 "{\"userName\":\"%s\",\"uid\":%lu,\"gid\":%lu,\"homeDirectory\":\"%s/%s\","
		 "\"shell\":\"%s\",\"disposition\":\"regular\",\"service\":\"pam_oauth2\"%s}\n",
		 a->name, a->uid, a->uid, home_base, a->name, shell,
		 a->state == OA2_ACCOUNT_LOCKED ? ",\"locked\":true" : "");
	/* the group before the user that names it, each file before its link */
	if (put_group(dir, a->name, a->uid, err) != 0 || put_file(dir, uname, user, err) != 0 ||
	    put_link(dir, ulink, uname, err) != 0)
		return -1;
	return synced(dir, err);
}

static int drop(const char *dir, const char *name, const char *link_target, oa2_error *err)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return oa2_fail(err, OA2_ERR_INTERNAL, "%s/%s: path too long", dir, name);
	if (link_target != NULL && !link_is(dir, name, link_target))
		return 0; /* not ours */
	if (unlink(path) != 0 && errno != ENOENT)
		return oa2_fail(err, OA2_ERR_INTERNAL, "%s: cannot remove: %s", path, strerror(errno));
	return 0;
}

int oa2_records_remove(const char *dir, const struct oa2_account *a, oa2_error *err)
{
	char uname[96], gname[96], ulink[32], glink[32];

	if (oa2_private_dir(dir, 0, err) != 0) {
		struct stat st;

		if (lstat(dir, &st) != 0 && errno == ENOENT)
			return 0; /* no records at all */
		return -1;
	}
	snprintf(uname, sizeof(uname), "%s.user", a->name);
	snprintf(gname, sizeof(gname), "%s.group", a->name);
	snprintf(ulink, sizeof(ulink), "%lu.user", a->uid);
	snprintf(glink, sizeof(glink), "%lu.group", a->uid);
	/* links first: a lookup by UID never finds a dangling name */
	if (drop(dir, ulink, uname, err) != 0 || drop(dir, glink, gname, err) != 0 ||
	    drop(dir, uname, NULL, err) != 0 || drop(dir, gname, NULL, err) != 0)
		return -1;
	return sync_dir(dir) == 0 ? 0 : oa2_fail(err, OA2_ERR_INTERNAL, "%s: cannot sync", dir);
}

static bool exists(const char *dir, const char *base, const char *suffix)
{
	char path[4096];
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s%s", dir, base, suffix) >= sizeof(path))
		return true; /* cannot be checked: taken */
	return lstat(path, &st) == 0 || errno != ENOENT;
}

bool oa2_records_exist(const char *dir, const char *name, unsigned long uid)
{
	char id[24];

	snprintf(id, sizeof(id), "%lu", uid);
	return (name != NULL && (exists(dir, name, ".user") || exists(dir, name, ".group"))) ||
	       (uid != 0 && (exists(dir, id, ".user") || exists(dir, id, ".group")));
}
