/* nss_oauth2.c - libnss_oauth2.so.2: sshd's lookup of a new IdP user before
 * PAM (docs/accounts.md, "sshd's lookup before PAM").
 *
 * sshd looks the user up once, before PAM runs, and keeps that answer for
 * the session; an unknown name makes the connection invalid even when PAM
 * succeeds. Placed after `systemd` in the passwd line of nsswitch.conf, this
 * module answers getpwnam, and nothing else, for a name no earlier source
 * knows when all of these hold:
 *
 *   - the process runs as root (real and effective user): a set-uid
 *     program started by someone else never gets an answer;
 *   - its executable (/proc/self/exe, which a process cannot choose the way
 *     it chooses argv[0]) is a program the settings list (sshd);
 *   - the settings the helper published are there, root-owned and
 *     root-only, and parse strictly (any doubt: not found);
 *   - the name is a valid user name that could match new_users, and
 *     home_base/NAME does not exist (a removed account's home, with its
 *     keys, never meets a new UID here).
 *
 * The answer reserves a UID from the free ones the helper listed, for
 * `lifetime` seconds, in a root-only table (at most OA2_NSS_MAX live
 * entries): the UID the account gets when the login succeeds, GID = UID,
 * the configured home and shell, password "*", GECOS OA2_NSS_GECOS. Nothing
 * but a root process could read the table, and the answer opens no door by
 * itself: no password, no shadow entry, no home with keys yet, and no
 * group. libc only, no allocation, no global state. */
#include "autoconfig.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nss_table.h"

/* the one entry point glibc looks for (the library is built hidden) */
#define EXPORT __attribute__((visibility("default")))

EXPORT enum nss_status _nss_oauth2_getpwnam_r(const char *name, struct passwd *pw, char *buf,
					      size_t buflen, int *errnop);

static bool listed_program(const struct oa2_nss_settings *s)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	for (int i = 0; i < s->nprogram; i++) {
		if (strcmp(exe, s->program[i]) == 0)
			return true;
	}
	return false;
}

/* Could an identity mapped to name match a new_users pattern: the name
 * itself, or name@domain for a strip_domain domain? */
static bool may_be_new(const struct oa2_nss_settings *s, const char *name)
{
	char full[OA2_NSS_NAME_MAX + 256];

	for (int i = 0; i < s->npattern; i++) {
		if (fnmatch(s->pattern[i], name, 0) == 0)
			return true;
		for (int d = 0; d < s->ndomain; d++) {
			if ((size_t)snprintf(full, sizeof(full), "%s@%s", name, s->domain[d]) <
				    sizeof(full) &&
			    fnmatch(s->pattern[i], full, 0) == 0)
				return true;
		}
	}
	return false;
}

/* Does home_base/name exist? A home left by a removed account may hold
 * keys: such a name gets no answer. */
static bool home_exists(const struct oa2_nss_settings *s, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	return (size_t)snprintf(path, sizeof(path), "%s/%s", s->home, name) >= sizeof(path) ||
	       lstat(path, &st) == 0 || errno != ENOENT;
}

/* The live reservation of name, made now when there is none and a listed
 * UID is free. 0 with *uid, or -1. */
static int reserve(const struct oa2_nss_settings *s, const char *name, unsigned long *uid)
{
	struct oa2_nss_table t;
	time_t now = time(NULL);
	int lock, rc = -1;

	lock = oa2_nss_lock(OA2_NSS_DIR, OA2_NSS_LOCK_WAIT_MS);
	if (lock < 0)
		return -1;
	if (oa2_nss_table_load(OA2_NSS_DIR, now, &t) != 0)
		goto out;
	for (int i = 0; i < t.n; i++) {
		if (strcmp(t.r[i].name, name) == 0) {
			*uid = t.r[i].uid;
			rc = 0;
			goto out;
		}
	}
	if (t.n >= OA2_NSS_MAX)
		goto out;
	for (int u = 0; u < s->nuid && rc != 0; u++) {
		bool taken = false;

		for (int i = 0; i < t.n && !taken; i++)
			taken = t.r[i].uid == s->uid[u];
		if (taken)
			continue;
		strcpy(t.r[t.n].name, name);
		t.r[t.n].uid = s->uid[u];
		t.r[t.n].expires = (long long)now + s->lifetime;
		t.n++;
		if (oa2_nss_table_save(OA2_NSS_DIR, &t) != 0)
			goto out;
		*uid = s->uid[u];
		rc = 0;
	}
out:
	close(lock);
	return rc;
}

/* a, b and c, one after the other, into the caller's buffer. */
static char *put(char **p, size_t *left, const char *a, const char *b, const char *c)
{
	int n = snprintf(*p, *left, "%s%s%s", a, b, c);
	char *at = *p;

	if (n < 0 || (size_t)n >= *left)
		return NULL;
	*p += n + 1;
	*left -= (size_t)n + 1;
	return at;
}

/* The answer for a root process: the settings (up to OA2_NSS_FILE_MAX
 * bytes) and the reservation table live in this frame, which only a root
 * caller reaches (noinline: every other process calls the entry point with
 * a frame of a few bytes, also from a thread with a small stack). */
static __attribute__((noinline)) enum nss_status answer(const char *name, struct passwd *pw,
							  char *buf, size_t buflen, int *errnop)
{
	struct oa2_nss_settings s;
	unsigned long uid = 0;
	char *p = buf;
	size_t left = buflen;

	if (oa2_nss_dir_ok(OA2_NSS_DIR) != 0 || oa2_nss_settings_load(OA2_NSS_DIR, &s) != 0 ||
	    !listed_program(&s) || !may_be_new(&s, name) || home_exists(&s, name) ||
	    reserve(&s, name, &uid) != 0) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	memset(pw, 0, sizeof(*pw));
	pw->pw_uid = (uid_t)uid;
	pw->pw_gid = (gid_t)uid;
	if ((pw->pw_name = put(&p, &left, name, "", "")) == NULL ||
	    (pw->pw_passwd = put(&p, &left, "*", "", "")) == NULL ||
	    (pw->pw_gecos = put(&p, &left, OA2_NSS_GECOS, "", "")) == NULL ||
	    (pw->pw_shell = put(&p, &left, s.shell, "", "")) == NULL ||
	    (pw->pw_dir = put(&p, &left, s.home, "/", name)) == NULL) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	return NSS_STATUS_SUCCESS;
}

EXPORT enum nss_status _nss_oauth2_getpwnam_r(const char *name, struct passwd *pw, char *buf,
					      size_t buflen, int *errnop)
{
	enum nss_status st = NSS_STATUS_NOTFOUND;
	int saved = errno;

	if (name == NULL || getuid() != 0 || geteuid() != 0 || !oa2_nss_name_ok(name) ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		*errnop = ENOENT;
	else
		st = answer(name, pw, buf, buflen, errnop);
	errno = saved;
	return st;
}
