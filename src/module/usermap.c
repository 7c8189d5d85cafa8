/* usermap.c - map the IdP identity to a local account, strictly. */
#include "autoconfig.h"

#include <errno.h>
#include <fnmatch.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "usermap.h"
#include "nss/nss_oauth2.h"
#include "shared/json.h"
#include "shared/user_map.h"
#include "shared/strutil.h"

#define OA2_NOBODY_UID 65534 /* nobody, and the kernel's overflow uid */

/* Remove "@domain" when domain is one of the configured ones. */
static void strip_domain(const char *domains, char *name)
{
	char *at = strrchr(name, '@');
	const char *p = domains, *domain;
	size_t n;

	if (domains == NULL || at == NULL || at == name)
		return;
	while (oa2_list_next(&p, OA2_LIST_SEPS, &domain, &n)) {
		if (strlen(at + 1) == n && strncasecmp(at + 1, domain, n) == 0) {
			*at = '\0';
			return;
		}
	}
}

/* Look name up: 0 found (*uid), 1 no such account, -1 error (err). A
 * reservation libnss_oauth2 made for sshd's lookup (*reserved set) is no
 * account. */
static int lookup(const char *name, uid_t *uid, bool *reserved, oa2_error *err)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int e;

	*reserved = false;
	e = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
	if (res != NULL && pw.pw_gecos != NULL && strcmp(pw.pw_gecos, OA2_NSS_GECOS) == 0) {
		*uid = pw.pw_uid;
		*reserved = true;
		return 1;
	}
	if (res == NULL) {
		if (e != 0 && e != ENOENT && e != ESRCH)
			return oa2_fail(err, OA2_ERR_INTERNAL, "user lookup for '%s' failed: %s", name,
					strerror(e));
		return 1;
	}
	if (strcmp(pw.pw_name, name) != 0)
		return oa2_fail(err, OA2_ERR_USER, "account lookup for '%s' returned '%s'", name,
				pw.pw_name);
	*uid = pw.pw_uid;
	return 0;
}

static int find_account(const char *name, uid_t *uid, oa2_error *err)
{
	bool reserved;

	return lookup(name, uid, &reserved, err);
}

unsigned long oa2_usermap_reserved_uid(const char *name)
{
	oa2_error ignored = {0};
	uid_t uid = 0;
	bool reserved;

	return lookup(name, &uid, &reserved, &ignored) == 1 && reserved ? (unsigned long)uid : 0;
}

int oa2_usermap_account_ok(const struct oa2_config *cfg, const char *name, oa2_error *err)
{
	uid_t uid = 0;
	int rc;

	if (!oa2_username_valid(name))
		return oa2_fail(err, OA2_ERR_USER, "'%s' is not a valid user name", name);
	rc = find_account(name, &uid, err);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return oa2_fail(err, OA2_ERR_USER, "no local account '%s'", name);
	if (uid == 0) {
		if (!cfg->allow_root)
			return oa2_fail(err, OA2_ERR_PERM,
					"'%s' has uid 0 and allow_root is not set", name);
		return 0;
	}
	if (uid < (uid_t)cfg->min_uid)
		return oa2_fail(err, OA2_ERR_PERM, "'%s' is a system account (uid %lu, below min_uid %d)",
				name, (unsigned long)uid, cfg->min_uid);
	if (uid == OA2_NOBODY_UID || uid == (uid_t)-1)
		return oa2_fail(err, OA2_ERR_PERM, "'%s' has uid %lu (nobody), never logged into",
				name, (unsigned long)uid);
	return 0;
}

/* Does the identity (as the IdP sent it) match a new_users pattern? */
static bool new_user(const struct oa2_config *cfg, const char *identity)
{
	const char *p = cfg->new_users, *pat;
	char buf[256];
	size_t n;

	while (p != NULL && oa2_list_next(&p, OA2_LIST_SEPS, &pat, &n)) {
		if (n >= sizeof(buf))
			continue; /* longer than any identity we take: matches nothing */
		memcpy(buf, pat, n);
		buf[n] = '\0';
		if (fnmatch(buf, identity, 0) == 0)
			return true;
	}
	return false;
}

/* The mapped name: an existing account by today's rules, or (accounts =
 * create, is_new not NULL) a name no NSS source knows, for an identity
 * new_users lets in: *is_new. */
static int account_or_new(const struct oa2_config *cfg, const char *identity, const char *name,
			  bool *is_new, oa2_error *err)
{
	uid_t uid;
	int rc;

	if (is_new == NULL || cfg->accounts != OA2_ACCOUNTS_CREATE)
		return oa2_usermap_account_ok(cfg, name, err);
	if (!oa2_username_valid(name) || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return oa2_fail(err, OA2_ERR_USER, "'%s' is not a valid user name", name);
	rc = find_account(name, &uid, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return oa2_usermap_account_ok(cfg, name, err);
	if (!new_user(cfg, identity))
		return oa2_fail(err, OA2_ERR_USER,
				"no local account '%s', and identity '%.80s' is not in new_users", name,
				identity);
	*is_new = true;
	return 0;
}

static int resolve(const struct oa2_config *cfg, const json_object *claims, char *out,
		   bool *is_new, oa2_error *err)
{
	json_object *val = oa2_json_path(claims, cfg->username_claim);
	char name[OA2_USER_MAX * 4];
	const char *identity;
	int rc;

	out[0] = '\0';
	if (val == NULL)
		return oa2_fail(err, OA2_ERR_DENIED, "the token has no '%s' claim", cfg->username_claim);
	if (!oa2_json_is_clean_string(val))
		return oa2_fail(err, OA2_ERR_DENIED, "claim '%s' is not a clean string",
				cfg->username_claim);
	identity = json_object_get_string(val);
	if (strlen(identity) >= sizeof(name))
		return oa2_fail(err, OA2_ERR_DENIED, "claim '%s' is too long", cfg->username_claim);
	if (cfg->user_map_file != NULL) {
		rc = oa2_user_map_find(cfg->user_map_file, identity, out, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return account_or_new(cfg, identity, out, is_new, err);
		if (cfg->user_map_only)
			return oa2_fail(err, OA2_ERR_DENIED,
					"identity '%.80s' is not in the user map (user_map_only)",
					identity);
	}
	strcpy(name, identity);
	strip_domain(cfg->strip_domains, name);
	if (!oa2_username_valid(name))
		return oa2_fail(err, OA2_ERR_DENIED, "identity '%.80s' does not map to a valid user name",
				identity);
	if (cfg->lowercase) {
		for (char *p = name; *p; p++) {
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		}
	}
	strcpy(out, name);
	return account_or_new(cfg, identity, out, is_new, err);
}

int oa2_usermap_resolve_login(const struct oa2_config *cfg, const json_object *claims,
			      char *out, bool *is_new, oa2_error *err)
{
	if (is_new != NULL)
		*is_new = false;
	if (resolve(cfg, claims, out, is_new, err) != 0) {
		out[0] = '\0'; /* a refused name is never handed out */
		if (is_new != NULL)
			*is_new = false;
		return -1;
	}
	return 0;
}

int oa2_usermap_resolve(const struct oa2_config *cfg, const json_object *claims, char *out,
			oa2_error *err)
{
	return oa2_usermap_resolve_login(cfg, claims, out, NULL, err);
}
