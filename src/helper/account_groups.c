/* account_groups.c - memberships of created accounts (see account_groups.h). */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "account_groups.h"
#include "cache.h"
#include "shared/claim_groups.h"
#include "shared/config.h"
#include "shared/secfile.h"
#include "shared/strutil.h"
#include "shared/username.h"

#define SUFFIX ".membership"
#define NSS_BUF 16384

static bool has(const struct oa2_groups_wanted *w, const char *g)
{
	for (size_t i = 0; i < w->n; i++) {
		if (strcmp(w->name[i], g) == 0)
			return true;
	}
	return false;
}

struct idp_group {
	const char *name;
	size_t len;
	bool held;
};

static int is_it(const char *name, size_t len, void *arg)
{
	struct idp_group *g = arg;

	g->held = len == g->len && memcmp(name, g->name, len) == 0;
	return g->held;
}

/* Do the claims hold the IdP group g[0..len), byte for byte? */
static bool idp_has(const json_object *claims, const char *claim, const char *g, size_t len)
{
	struct idp_group want = {g, len, false};

	(void)oa2_claim_groups(claims, claim, is_it, &want, NULL);
	return want.held;
}

static int nothing(const char *name, size_t len, void *arg)
{
	(void)name, (void)len, (void)arg;
	return 1;
}

/* The local group local (forced: named with '!'): it exists, and a GID
 * below UID_MIN (0 included) only when forced. */
static int group_ok(const char *local, bool forced, unsigned long floor, oa2_error *err)
{
	char buf[NSS_BUF];
	struct group gr, *res = NULL;
	int e = getgrnam_r(local, &gr, buf, sizeof(buf), &res);

	if (res == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "group_map: local group '%s' %s", local,
				e != 0 && e != ENOENT ? "cannot be looked up" : "does not exist");
	if ((gr.gr_gid == 0 || gr.gr_gid < floor) && !forced)
		return oa2_fail(err, OA2_ERR_INTERNAL,
				"group_map: '%s' is a system group (gid %lu, below UID_MIN %lu); name "
				"it as '%s!' to allow it",
				local, (unsigned long)gr.gr_gid, floor, local);
	return 0;
}

int oa2_account_groups_plan(const char *name, const char *map, const json_object *claims,
			    const char *claim, struct oa2_groups_wanted *w, oa2_error *err)
{
	const char *p = map, *item, *type = "?";
	unsigned long floor = (unsigned long)oa2_login_defs_uid_min(OA2_LOGIN_DEFS);
	size_t len;

	w->n = 0;
	if (map != NULL && oa2_claim_groups(claims, claim, nothing, NULL, &type) < 0)
		return oa2_fail(err, OA2_ERR_DENIED,
				"group_map: claim '%.64s' is %s, not an array, a string or an object "
				"of groups",
				claim, type);
	while (p != NULL && oa2_list_next(&p, OA2_LIST_SEPS, &item, &len)) {
		char local[OA2_USER_MAX], mark;
		size_t idp_len;
		const char *why =
			oa2_group_map_item(item, len, &idp_len, local, sizeof(local), &mark);

		/* the configuration was checked at load; this is the backstop */
		if (why != NULL)
			return oa2_fail(err, OA2_ERR_INTERNAL, "group_map: '%.*s' %s",
					(int)(len > 100 ? 100 : len), item, why);
		if (!idp_has(claims, claim, item, idp_len) || has(w, local) || strcmp(local, name) == 0)
			continue;
		if (mark != '+' && group_ok(local, mark == '!', floor, err) != 0)
			return -1;
		if (w->n >= OA2_ACCOUNT_GROUPS_MAX)
			return oa2_fail(err, OA2_ERR_INTERNAL, "group_map: too many groups");
		w->create[w->n] = mark == '+';
		strcpy(w->name[w->n++], local);
	}
	return 0;
}

/* Remove name's membership files of groups not in w (all when w is NULL). */
static int prune(const char *dir, const char *name, const struct oa2_groups_wanted *w, oa2_error *err)
{
	size_t nlen = strlen(name), slen = strlen(SUFFIX);
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (d == NULL)
		return errno == ENOENT ? 0 : oa2_fail(err, OA2_ERR_INTERNAL, "%s: %s", dir,
						      strerror(errno));
	while ((e = readdir(d)) != NULL && rc == 0) {
		size_t len = strlen(e->d_name);
		char group[OA2_USER_MAX], path[4096];

		if (len <= nlen + 1 + slen || strncmp(e->d_name, name, nlen) != 0 ||
		    e->d_name[nlen] != ':' || strcmp(e->d_name + len - slen, SUFFIX) != 0 ||
		    len - nlen - 1 - slen >= sizeof(group))
			continue;
		memcpy(group, e->d_name + nlen + 1, len - nlen - 1 - slen);
		group[len - nlen - 1 - slen] = '\0';
		if (w != NULL && has(w, group))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path) ||
		    (unlink(path) != 0 && errno != ENOENT))
			rc = oa2_fail(err, OA2_ERR_INTERNAL, "%s/%s: cannot remove", dir, e->d_name);
	}
	closedir(d);
	return rc;
}

int oa2_account_groups(const struct oa2_account_store *s, const char *name,
		       const struct oa2_groups_wanted *w, oa2_error *err)
{
	int lock, rc = -1;

	if (!oa2_username_valid(name))
		return oa2_fail(err, OA2_ERR_INTERNAL, "'%.64s' is not a valid user name", name);
	lock = oa2_cache_lock(s->registry_dir, "registry", s->lock_wait_ms);
	if (lock < 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "account registry %s: cannot take its lock",
				s->registry_dir);
	for (size_t i = 0; i < w->n; i++) {
		char file[2 * OA2_USER_MAX + 16], body[2 * OA2_USER_MAX + 48];
		int k = snprintf(body, sizeof(body), "{\"userName\":\"%s\",\"groupName\":\"%s\"}\n",
				 name, w->name[i]);

		snprintf(file, sizeof(file), "%s:%s%s", name, w->name[i], SUFFIX);
		if (oa2_write_file_mode(s->userdb_dir, file, 0644, body, (size_t)k, "", 0, err) != 0)
			goto out;
	}
	rc = prune(s->userdb_dir, name, w, err);
out:
	oa2_cache_unlock(lock);
	return rc;
}

int oa2_account_groups_drop(const char *userdb_dir, const char *name, oa2_error *err)
{
	return prune(userdb_dir, name, NULL, err);
}
