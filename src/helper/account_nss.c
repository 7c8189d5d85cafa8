/* account_nss.c - settings and reservations of libnss_oauth2, the helper's
 * side (see account_nss.h). */
#include "autoconfig.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account_nss.h"
#include "shared/secfile.h"
#include "shared/strutil.h"

int oa2_account_nss_open(const char *dir, time_t now, struct oa2_nss_table *t, oa2_error *err)
{
	char parent[PATH_MAX];
	char *slash;
	int lock;

	memset(t, 0, sizeof(*t));
	if (strlen(dir) >= sizeof(parent) || dir[0] != '/')
		return oa2_fail(err, OA2_ERR_INTERNAL, "nss_dir %s: not an absolute path", dir);
	strcpy(parent, dir);
	slash = strrchr(parent, '/');
	if (slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0755) != 0 && errno != EEXIST)
			return oa2_fail(err, OA2_ERR_INTERNAL, "%s: cannot create: %s", parent,
					strerror(errno));
	}
	if (oa2_private_dir(dir, 1, err) != 0)
		return -1;
	if (chmod(dir, 0700) != 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "%s: cannot make it 0700: %s", dir,
				strerror(errno));
	lock = oa2_nss_lock(dir, OA2_NSS_LOCK_WAIT_MS * 2);
	if (lock < 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "%s: cannot take its lock", dir);
	if (oa2_nss_table_load(dir, now, t) != 0) {
		close(lock);
		return oa2_fail(err, OA2_ERR_INTERNAL, "%s/%s: not a valid reservation table", dir,
				OA2_NSS_RESERVED);
	}
	return lock;
}

unsigned long oa2_account_nss_reserved(const struct oa2_nss_table *t, const char *name)
{
	for (int i = 0; i < t->n; i++) {
		if (strcmp(t->r[i].name, name) == 0)
			return t->r[i].uid;
	}
	return 0;
}

/* "key value\n" lines of each item of a configured list. */
static int list_lines(char *buf, size_t cap, size_t *len, const char *key, const char *list,
		      oa2_error *err)
{
	const char *p = list, *item;
	size_t n;
	int count = 0;

	while (p != NULL && oa2_list_next(&p, OA2_LIST_SEPS, &item, &n)) {
		int k;

		for (size_t i = 0; i < n; i++) {
			if (item[i] <= ' ' || item[i] > '~')
				return oa2_fail(err, OA2_ERR_INTERNAL,
						"%s '%.*s' holds a character libnss_oauth2 refuses", key,
						(int)n, item);
		}
		if (++count > OA2_NSS_LIST_MAX)
			return oa2_fail(err, OA2_ERR_INTERNAL, "more than %d %s entries for libnss_oauth2",
					OA2_NSS_LIST_MAX, key);
		k = snprintf(buf + *len, cap - *len, "%s %.*s\n", key, (int)n, item);
		if (k < 0 || (size_t)k >= cap - *len || (size_t)k > OA2_NSS_LINE_MAX)
			return oa2_fail(err, OA2_ERR_INTERNAL, "libnss_oauth2's settings: too long");
		*len += (size_t)k;
	}
	return 0;
}

static int publish(const char *dir, const struct oa2_nss_publication *p, oa2_error *err)
{
	static const char *const programs[] = OA2_NSS_PROGRAMS;
	char buf[OA2_NSS_FILE_MAX];
	size_t len = 0;
	int k;

	if (p->lifetime <= 0) {
		char path[PATH_MAX];

		if (snprintf(path, sizeof(path), "%s/%s", dir, OA2_NSS_SETTINGS) >=
		    (int)sizeof(path) || (unlink(path) != 0 && errno != ENOENT))
			return oa2_fail(err, OA2_ERR_INTERNAL, "%s/%s: cannot remove", dir,
					OA2_NSS_SETTINGS);
		return 0;
	}
	k = snprintf(buf, sizeof(buf), "%s\nhome %s\nshell %s\nlifetime %ld\n", OA2_NSS_MAGIC,
		     p->home_base, p->shell, p->lifetime);
	if (k < 0 || (size_t)k >= sizeof(buf))
		return oa2_fail(err, OA2_ERR_INTERNAL, "libnss_oauth2's settings: too long");
	len = (size_t)k;
	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
		if (list_lines(buf, sizeof(buf), &len, "program", programs[i], err) != 0)
			return -1;
	}
	if (list_lines(buf, sizeof(buf), &len, "pattern", p->new_users, err) != 0 ||
	    list_lines(buf, sizeof(buf), &len, "domain", p->strip_domains, err) != 0)
		return -1;
	for (size_t i = 0; i < p->nuid && i < OA2_NSS_MAX; i++) {
		k = snprintf(buf + len, sizeof(buf) - len, "uid %lu\n", p->uids[i]);
		if (k < 0 || (size_t)k >= sizeof(buf) - len)
			return oa2_fail(err, OA2_ERR_INTERNAL, "libnss_oauth2's settings: too long");
		len += (size_t)k;
	}
	return oa2_write_private_file(dir, OA2_NSS_SETTINGS, buf, len, "", 0, err);
}

int oa2_account_nss_close(const char *dir, int lock, struct oa2_nss_table *t, const char *name,
			  const struct oa2_nss_publication *p, oa2_error *err)
{
	int rc = 0;

	for (int i = 0; name != NULL && i < t->n; i++) {
		if (strcmp(t->r[i].name, name) != 0)
			continue;
		t->r[i] = t->r[--t->n];
		if (oa2_nss_table_save(dir, t) != 0)
			rc = oa2_fail(err, OA2_ERR_INTERNAL, "%s/%s: cannot write", dir,
				      OA2_NSS_RESERVED);
		break;
	}
	if (rc == 0 && p != NULL)
		rc = publish(dir, p, err);
	close(lock);
	return rc;
}
