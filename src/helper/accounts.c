/* accounts.c - create or confirm the account of an identity (see accounts.h). */
#include "autoconfig.h"

#include <errno.h>
#include <grp.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account_groups.h"
#include "account_nss.h"
#include "account_sshd.h"
#include "account_records.h"
#include "account_registry.h"
#include "account_subid.h"
#include "accounts.h"
#include "cache.h"
#include "shared/secfile.h"
#include "shared/strutil.h"

#define LOCK_NAME "registry"
#define SHELLS_MAX (64 * 1024)
#define NSS_BUF 16384

void oa2_account_store_init(struct oa2_account_store *s, const struct oa2_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->registry_dir = cfg->accounts_dir;
	s->userdb_dir = cfg->userdb_dir;
	s->shells = "/etc/shells";
	s->subuid = "/etc/subuid";
	s->subgid = "/etc/subgid";
	s->uid_low = cfg->uid_low;
	s->uid_high = cfg->uid_high;
	s->allocation = cfg->uid_allocation;
	s->home_base = cfg->home_base;
	s->shell = cfg->shell;
	s->lock_wait_ms = OA2_ACCOUNT_LOCK_WAIT_MS;
	s->nss_dir = cfg->nss_dir;
	s->new_users = cfg->new_users;
	s->strip_domains = cfg->strip_domains;
	s->sshd = OA2_SSHD_PROGRAM;
}

/* The registry's directory (root-only, created 0700) and its lock. */
static int lock_store(const struct oa2_account_store *s, int *lock, oa2_error *err)
{
	*lock = -1;
	if (oa2_private_dir(s->registry_dir, 1, err) != 0)
		return -1;
	*lock = oa2_cache_lock(s->registry_dir, LOCK_NAME, s->lock_wait_ms);
	if (*lock < 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "account registry %s: cannot take its lock",
				s->registry_dir);
	return 0;
}

/* 1 when NSS knows the user (or group) name or id, 0 when not, -1 when the
 * lookup failed (err set): a failing source is not "unknown". */
static int nss_knows(const char *name, unsigned long id, bool group, oa2_error *err)
{
	char buf[NSS_BUF];
	struct passwd pw, *pres = NULL;
	struct group gr, *gres = NULL;
	int e;

	if (group)
		e = name ? getgrnam_r(name, &gr, buf, sizeof(buf), &gres)
			 : getgrgid_r((gid_t)id, &gr, buf, sizeof(buf), &gres);
	else
		e = name ? getpwnam_r(name, &pw, buf, sizeof(buf), &pres)
			 : getpwuid_r((uid_t)id, &pw, buf, sizeof(buf), &pres);
	if (pres != NULL || gres != NULL)
		return 1;
	if (e != 0 && e != ENOENT && e != ESRCH && e != EBADF && e != EPERM)
		return oa2_fail(err, OA2_ERR_INTERNAL, "NSS lookup failed: %s", strerror(e));
	return 0;
}

/* Both subordinate ID files' ranges (an account's GID is its UID). */
static int load_subids(const struct oa2_account_store *s, struct oa2_subid_ranges *sub,
		       oa2_error *err)
{
	memset(sub, 0, sizeof(*sub));
	if ((s->subuid != NULL && oa2_subid_load(s->subuid, sub, err) != 0) ||
	    (s->subgid != NULL && oa2_subid_load(s->subgid, sub, err) != 0)) {
		oa2_subid_free(sub);
		return -1;
	}
	return 0;
}

/* Is uid free: in no registry entry, no subordinate ID range, no user or
 * group of that id in NSS, no record file? 1 free, 0 taken, -1 error. */
static int uid_free(const struct oa2_account_store *s, const struct oa2_registry *r,
		    const struct oa2_subid_ranges *sub, unsigned long uid, oa2_error *err)
{
	int k;

	if (oa2_registry_by_uid(r, uid) != NULL || oa2_uid_range_refusal(uid, uid, 1) != NULL ||
	    oa2_subid_find(sub, uid) != NULL)
		return 0;
	if ((k = nss_knows(NULL, uid, false, err)) != 0 || (k = nss_knows(NULL, uid, true, err)) != 0)
		return k > 0 ? 0 : -1;
	return oa2_records_exist(s->userdb_dir, NULL, uid) ? 0 : 1;
}

/* The identity's UID under uid_allocation = hash: SHA-256 of issuer,
 * newline, sub; its first 8 bytes big-endian, modulo the range's size. */
static int hash_uid(const struct oa2_account_store *s, const char *issuer, const char *sub,
		    unsigned long *uid, oa2_error *err)
{
	unsigned char md[32];
	unsigned int n = 0;
	unsigned long long v = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
		 EVP_DigestUpdate(c, issuer, strlen(issuer)) == 1 &&
		 EVP_DigestUpdate(c, "\n", 1) == 1 && EVP_DigestUpdate(c, sub, strlen(sub)) == 1 &&
		 EVP_DigestFinal_ex(c, md, &n) == 1 && n == sizeof(md);

	EVP_MD_CTX_free(c);
	if (!ok)
		return oa2_fail(err, OA2_ERR_INTERNAL, "SHA-256 failed");
	for (int i = 0; i < 8; i++)
		v = (v << 8) | md[i];
	*uid = s->uid_low + (unsigned long)(v % (s->uid_high - s->uid_low + 1ULL));
	return 0;
}

/* Is uid held by a live reservation (libnss_oauth2) of a name? */
static bool reserved_uid(const struct oa2_nss_table *t, unsigned long uid)
{
	for (int i = 0; i < t->n; i++) {
		if (t->r[i].uid == uid)
			return true;
	}
	return false;
}

/* The first UID `next` may hand out: above every UID the registry handed
 * out in the range, removed ones too, so that none is ever reused. */
static unsigned long next_start(const struct oa2_account_store *s, const struct oa2_registry *r)
{
	unsigned long start = s->uid_low;

	for (size_t i = 0; i < r->n; i++) {
		if (r->a[i].uid >= start && r->a[i].uid <= s->uid_high)
			start = r->a[i].uid + 1;
	}
	return start;
}

static int allocate(const struct oa2_account_store *s, const struct oa2_registry *r,
		    const struct oa2_subid_ranges *ids, const struct oa2_nss_table *t,
		    const char *issuer, const char *sub, unsigned long *uid, oa2_error *err)
{
	unsigned long start;
	const struct oa2_account *owner;
	const struct oa2_subid_range *range;
	int f;

	if (oa2_uid_range_refusal(s->uid_low, s->uid_high, 1) != NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "uid_range %lu-%lu is not usable", s->uid_low,
				s->uid_high);
	if (s->allocation == OA2_UID_HASH) {
		if (hash_uid(s, issuer, sub, uid, err) != 0)
			return -1;
		owner = oa2_registry_by_uid(r, *uid);
		if (owner != NULL)
			return oa2_fail(err, OA2_ERR_DENIED,
					"uid %lu (uid_allocation = hash) is already account '%s' of "
					"another identity; refusing, never merged",
					*uid, owner->name);
		range = oa2_subid_find(ids, *uid);
		if (range != NULL)
			return oa2_fail(err, OA2_ERR_DENIED,
					"uid %lu (uid_allocation = hash) lies in the subordinate ID "
					"range %lu-%lu (/etc/subuid, /etc/subgid); refusing, never "
					"moved",
					*uid, range->low, range->high);
		f = uid_free(s, r, ids, *uid, err);
		if (f < 0)
			return -1;
		if (f == 0)
			return oa2_fail(err, OA2_ERR_DENIED,
					"uid %lu (uid_allocation = hash) is already used on this host; "
					"refusing, never merged",
					*uid);
		return 0;
	}
	start = next_start(s, r);
	for (unsigned long u = start; u >= start && u <= s->uid_high; u++) {
		if (reserved_uid(t, u))
			continue; /* sshd's lookup promised it to another name */
		if ((range = oa2_subid_find(ids, u)) != NULL) {
			u = range->high; /* past a container user's range in one step */
			continue;
		}
		f = uid_free(s, r, ids, u, err);
		if (f < 0)
			return -1;
		if (f == 1) {
			*uid = u;
			return 0;
		}
	}
	return oa2_fail(err, OA2_ERR_INTERNAL, "uid_range %lu-%lu is full", s->uid_low,
			s->uid_high);
}

/* Is shell a line of the shells file (root-owned, or the tests' user's)? */
static int shell_listed(const struct oa2_account_store *s, oa2_error *err)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	int found = 0;

	if (oa2_read_secure_file(s->shells, OA2_FILE_USER, SHELLS_MAX, &buf, &len, NULL, err) != 0) {
		err->kind = OA2_ERR_INTERNAL;
		return -1;
	}
	for (line = strtok_r(buf, "\n", &save); line != NULL && !found;
	     line = strtok_r(NULL, "\n", &save))
		found = strcmp(oa2_trim(line), s->shell) == 0;
	free(buf);
	return found ? 0 : oa2_fail(err, OA2_ERR_INTERNAL, "shell %s is not listed in %s", s->shell,
				    s->shells);
}

static int write_records(const struct oa2_account_store *s, const struct oa2_account *a,
			 oa2_error *err)
{
	if (shell_listed(s, err) != 0)
		return -1;
	return oa2_records_write(s->userdb_dir, a, s->home_base, s->shell, err);
}

/* A name the registry holds: the identity's, and usable. */
static int confirm(const struct oa2_account_store *s, const struct oa2_account *a,
		   const char *issuer, const char *sub, oa2_error *err)
{
	if (a->state == OA2_ACCOUNT_GROUP)
		return oa2_fail(err, OA2_ERR_DENIED,
				"'%s' is a group group_map created (gid %lu); no account of that "
				"name is made",
				a->name, a->uid);
	if (strcmp(a->issuer, issuer) != 0 || strcmp(a->sub, sub) != 0)
		return oa2_fail(err, OA2_ERR_DENIED,
				"account '%s' belongs to another identity (uid %lu); this one is "
				"refused, never merged",
				a->name, a->uid);
	if (a->state == OA2_ACCOUNT_LOCKED)
		return oa2_fail(err, OA2_ERR_PERM, "account '%s' is locked", a->name);
	if (a->state == OA2_ACCOUNT_REMOVED)
		return oa2_fail(err, OA2_ERR_PERM,
				"account '%s' was removed (pam-oauth2 accounts unlock brings it back)",
				a->name);
	return write_records(s, a, err);
}

/* May name become a new account of (issuer, sub)? */
static int may_take(const struct oa2_account_store *s, const struct oa2_registry *r,
		    const char *issuer, const char *sub, const char *name, oa2_error *err)
{
	const struct oa2_account *mine = oa2_registry_by_identity(r, issuer, sub);
	int k;

	if (!oa2_username_valid(name) || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return oa2_fail(err, OA2_ERR_DENIED, "'%.64s' is not a valid user name", name);
	if (mine != NULL)
		return oa2_fail(err, OA2_ERR_DENIED,
				"the identity already owns account '%s'; '%s' is not created",
				mine->name, name);
	if ((k = nss_knows(name, 0, false, err)) != 0)
		return k < 0 ? -1 : oa2_fail(err, OA2_ERR_DENIED,
					     "'%s' is already an account on this host; never taken",
					     name);
	if ((k = nss_knows(name, 0, true, err)) != 0)
		return k < 0 ? -1 : oa2_fail(err, OA2_ERR_DENIED,
					     "a group named '%s' exists; the account is not created",
					     name);
	if (oa2_records_exist(s->userdb_dir, name, 0))
		return oa2_fail(err, OA2_ERR_DENIED, "%s holds a record named '%s' not made here",
				s->userdb_dir, name);
	return 0;
}

/* The UID sshd's lookup reserved for the name (libnss_oauth2): sshd runs
 * the session with it, so the account gets exactly that UID or nothing. */
static int take_reserved(const struct oa2_account_store *s, const struct oa2_registry *r,
			 const struct oa2_subid_ranges *ids, unsigned long reserved,
			 const char *name, unsigned long *uid, oa2_error *err)
{
	int f;

	if (reserved < s->uid_low || reserved > s->uid_high)
		return oa2_fail(err, OA2_ERR_DENIED,
				"uid %lu reserved for '%s' by sshd's lookup is outside uid_range",
				reserved, name);
	f = uid_free(s, r, ids, reserved, err);
	if (f < 0)
		return -1;
	if (f == 0)
		return oa2_fail(err, OA2_ERR_DENIED,
				"uid %lu reserved for '%s' by sshd's lookup is taken meanwhile; "
				"refusing",
				reserved, name);
	*uid = reserved;
	return 0;
}

/* Register a (an account or a group) and write its records: the registry
 * first, so that a crash leaves a name its owner's next login completes,
 * never a record nobody owns; when the records cannot be written, the
 * entry and any record are taken back: nothing half-written. */
static int commit(const struct oa2_account_store *s, struct oa2_registry *r,
		  const struct oa2_account *a, oa2_error *err)
{
	oa2_error undo = {0};
	int undone;

	if (oa2_registry_add(r, a) != 0)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	if (oa2_registry_save(s->registry_dir, r, err) != 0) {
		r->n--;
		return -1;
	}
	if ((a->state == OA2_ACCOUNT_GROUP
		     ? oa2_records_write_group(s->userdb_dir, a->name, a->uid, err)
		     : write_records(s, a, err)) == 0)
		return 0;
	r->n--;
	undone = oa2_registry_save(s->registry_dir, r, &undo) == 0;
	if (oa2_records_exist(s->userdb_dir, a->name, a->uid))
		undone = oa2_records_remove(s->userdb_dir, a, &undo) == 0 && undone;
	if (!undone) {
		/* both reasons, the first one kept (oa2_fail would not replace
		 * it) */
		char both[OA2_ERRMSG_MAX];
		enum oa2_errkind kind = err->kind;

		snprintf(both, sizeof(both), "%.110s; undoing it failed too: %.110s", err->msg,
			 undo.msg);
		oa2_error_clear(err);
		oa2_fail_text(err, kind, both);
	}
	return -1;
}

static int create(const struct oa2_account_store *s, struct oa2_registry *r,
		  const struct oa2_nss_table *t, const char *issuer, const char *sub,
		  const char *name, time_t now, struct oa2_account *out, oa2_error *err)
{
	struct oa2_account a;
	struct oa2_subid_ranges ids;
	unsigned long reserved = oa2_account_nss_reserved(t, name);
	int k;

	memset(&a, 0, sizeof(a));
	if (may_take(s, r, issuer, sub, name, err) != 0 || shell_listed(s, err) != 0 ||
	    load_subids(s, &ids, err) != 0)
		return -1;
	k = reserved != 0 && s->allocation == OA2_UID_NEXT
		    ? take_reserved(s, r, &ids, reserved, name, &a.uid, err)
		    : allocate(s, r, &ids, t, issuer, sub, &a.uid, err);
	oa2_subid_free(&ids);
	if (k != 0)
		return -1;
	strcpy(a.name, name);
	strcpy(a.issuer, issuer);
	strcpy(a.sub, sub);
	a.state = OA2_ACCOUNT_ACTIVE;
	a.created = (long long)now;
	if (commit(s, r, &a, err) != 0)
		return -1;
	*out = a;
	return 0;
}

/* May group_map's GROUP+ name be created? 1: the registry holds it as a
 * created group already, 0: it may be created, -1 (err): never. */
static int group_may_take(const struct oa2_account_store *s, const struct oa2_registry *r,
			  const char *name, oa2_error *err)
{
	const struct oa2_account *a = oa2_registry_by_name(r, name);
	int k;

	if (a != NULL && a->state == OA2_ACCOUNT_GROUP)
		return 1;
	if (a != NULL)
		return oa2_fail(err, OA2_ERR_DENIED,
				"group_map: '%s+' is created account '%s' (uid %lu); no group is "
				"made of it",
				name, a->name, a->uid);
	if (!oa2_username_valid(name) || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return oa2_fail(err, OA2_ERR_DENIED, "group_map: '%.64s' is not a valid group name",
				name);
	if ((k = nss_knows(name, 0, true, err)) != 0)
		return k < 0 ? -1
			     : oa2_fail(err, OA2_ERR_DENIED,
					"group_map: a group '%s' exists that group_map did not create; "
					"never taken over (write '%s' without '+' to use it)",
					name, name);
	if ((k = nss_knows(name, 0, false, err)) != 0)
		return k < 0 ? -1
			     : oa2_fail(err, OA2_ERR_DENIED,
					"group_map: '%s' is a user on this host; no group of that "
					"name is created",
					name);
	if (oa2_records_exist(s->userdb_dir, name, 0))
		return oa2_fail(err, OA2_ERR_DENIED, "%s holds a record named '%s' not made here",
				s->userdb_dir, name);
	return 0;
}

/* Create the group name (group_may_take said 0), or write a created
 * group's records again. */
static int make_group(const struct oa2_account_store *s, struct oa2_registry *r,
		      const struct oa2_subid_ranges *ids, const struct oa2_nss_table *t,
		      const char *name, time_t now, oa2_error *err)
{
	const struct oa2_account *a = oa2_registry_by_name(r, name);
	struct oa2_account g;

	if (a != NULL)
		return oa2_records_write_group(s->userdb_dir, a->name, a->uid, err);
	memset(&g, 0, sizeof(g));
	/* under hash the GID comes from the name: the same on every host */
	if (allocate(s, r, ids, t, "group", name, &g.uid, err) != 0)
		return -1;
	strcpy(g.name, name);
	strcpy(g.issuer, "-");
	strcpy(g.sub, "-");
	g.state = OA2_ACCOUNT_GROUP;
	g.created = (long long)now;
	return commit(s, r, &g, err);
}

/* The UIDs libnss_oauth2 may reserve, in the order `next` hands them out
 * (none under `hash`: the UID needs the sub, which sshd's lookup lacks). */
static size_t free_uids(const struct oa2_account_store *s, const struct oa2_registry *r,
			const struct oa2_subid_ranges *ids, unsigned long *list, size_t max)
{
	const struct oa2_subid_range *range;
	unsigned long start = next_start(s, r);
	size_t n = 0, tried = 0;
	oa2_error ignored = {0};

	if (s->allocation != OA2_UID_NEXT)
		return 0;
	for (unsigned long u = start; u >= start && u <= s->uid_high && n < max && tried < 4 * max;
	     u++, tried++) {
		int f;

		if ((range = oa2_subid_find(ids, u)) != NULL) {
			u = range->high;
			continue;
		}
		f = uid_free(s, r, ids, u, &ignored);

		if (f < 0)
			break;
		if (f == 1)
			list[n++] = u;
	}
	return n;
}

/* Tell libnss_oauth2 what it may answer, dropping name's reservation. When
 * the subordinate ID files cannot be read it may reserve no UID: the
 * settings are written with none and the error is returned. When sshd's
 * LoginGraceTime gives no reservation lifetime the settings are removed and
 * the error returned; with no sshd at all they are removed and 1 returned. */
static int nss_close(const struct oa2_account_store *s, const struct oa2_registry *r, int lock,
		     struct oa2_nss_table *t, const char *name, oa2_error *err)
{
	unsigned long uids[OA2_NSS_MAX];
	struct oa2_nss_publication p = {
		.new_users = s->new_users,
		.strip_domains = s->strip_domains,
		.home_base = s->home_base,
		.shell = s->shell,
		.uids = uids,
	};
	struct oa2_subid_ranges ids;
	oa2_error serr = {0}, gerr = {0};
	int ok = load_subids(s, &ids, &serr) == 0;
	int sshd = 0;

	/* no pattern, no answer: sshd's LoginGraceTime does not matter then,
	 * and any lifetime parses */
	if (s->new_users == NULL || *s->new_users == '\0')
		p.lifetime = OA2_SSHD_MARGIN;
	else
		sshd = oa2_sshd_reservation_lifetime(s->nss_dir, s->sshd, s->sshd_recheck,
						     &p.lifetime, &gerr);

	p.nuid = ok ? free_uids(s, r, &ids, uids, OA2_NSS_MAX) : 0;
	if (ok)
		oa2_subid_free(&ids);
	if (oa2_account_nss_close(s->nss_dir, lock, t, name, &p, err) != 0)
		return -1;
	if (sshd < 0) {
		*err = gerr;
		return -1;
	}
	if (!ok) {
		*err = serr;
		return -1;
	}
	return sshd;
}

int oa2_account_claim(const struct oa2_account_store *s, const char *issuer, const char *sub,
		      const char *name, bool may_create, time_t now, struct oa2_account *out,
		      bool *ours, oa2_error *err)
{
	struct oa2_registry r = {0};
	struct oa2_nss_table t;
	struct oa2_account got, *a;
	oa2_error nerr = {0};
	int lock = -1, nlock = -1, rc = -1;

	*ours = false;
	memset(&got, 0, sizeof(got));
	memset(&t, 0, sizeof(t));
	if (!oa2_registry_text_ok(issuer, OA2_ACCOUNT_ISSUER_MAX) ||
	    !oa2_registry_text_ok(sub, OA2_ACCOUNT_SUB_MAX))
		return oa2_fail(err, OA2_ERR_DENIED, "the identity's issuer or sub is empty, too long "
				"or holds control characters");
	if (!oa2_username_valid(name))
		return oa2_fail(err, OA2_ERR_DENIED, "'%.64s' is not a valid user name", name);
	if (lock_store(s, &lock, err) != 0 || oa2_registry_load(s->registry_dir, &r, err) != 0)
		goto out;
	/* libnss_oauth2's reservations: when they cannot be read, none is
	 * known here, and the module refuses a login whose sshd was promised
	 * another UID than the account gets */
	if (s->nss_dir != NULL)
		nlock = oa2_account_nss_open(s->nss_dir, now, &t, &nerr);
	a = oa2_registry_by_name(&r, name);
	if (a != NULL) {
		if (confirm(s, a, issuer, sub, err) != 0)
			goto out;
		got = *a;
		*ours = true;
	} else if (may_create) {
		if (create(s, &r, &t, issuer, sub, name, now, &got, err) != 0)
			goto out;
		*ours = true;
	}
	if (out != NULL)
		*out = got;
	rc = 0;
out:
	if (nlock >= 0)
		(void)nss_close(s, &r, nlock, &t, rc == 0 && *ours ? name : NULL, &nerr);
	oa2_registry_free(&r);
	oa2_cache_unlock(lock);
	return rc;
}

int oa2_account_make_groups(const struct oa2_account_store *s, const struct oa2_groups_wanted *w,
			    time_t now, oa2_error *err)
{
	struct oa2_registry r = {0};
	struct oa2_nss_table t;
	struct oa2_subid_ranges ids = {0};
	oa2_error nerr = {0};
	bool any = false, ids_loaded = false;
	int lock = -1, nlock = -1, rc = -1;

	for (size_t i = 0; i < w->n; i++)
		any = any || w->create[i];
	if (!any)
		return 0;
	memset(&t, 0, sizeof(t));
	if (lock_store(s, &lock, err) != 0 || oa2_registry_load(s->registry_dir, &r, err) != 0)
		goto out;
	/* a GID is never one sshd's lookup promised to a new user */
	if (s->nss_dir != NULL)
		nlock = oa2_account_nss_open(s->nss_dir, now, &t, &nerr);
	/* every name checked before any is made: one refused name makes none */
	for (size_t i = 0; i < w->n; i++) {
		if (w->create[i] && group_may_take(s, &r, w->name[i], err) < 0)
			goto out;
	}
	for (size_t i = 0; i < w->n; i++) {
		if (!w->create[i])
			continue;
		/* the subordinate ranges once, when a GID is first allocated */
		if (!ids_loaded && oa2_registry_by_name(&r, w->name[i]) == NULL) {
			if (load_subids(s, &ids, err) != 0)
				goto out;
			ids_loaded = true;
		}
		if (make_group(s, &r, &ids, &t, w->name[i], now, err) != 0)
			goto out;
	}
	rc = 0;
out:
	/* the UIDs libnss_oauth2 offers no longer hold a new GID */
	if (nlock >= 0)
		(void)nss_close(s, &r, nlock, &t, NULL, &nerr);
	oa2_subid_free(&ids);
	oa2_registry_free(&r);
	oa2_cache_unlock(lock);
	return rc;
}

int oa2_account_publish(const struct oa2_account_store *s, oa2_error *err)
{
	struct oa2_registry r = {0};
	struct oa2_nss_table t;
	int lock = -1, nlock, rc = -1;

	if (lock_store(s, &lock, err) != 0 || oa2_registry_load(s->registry_dir, &r, err) != 0)
		goto out;
	nlock = oa2_account_nss_open(s->nss_dir, time(NULL), &t, err);
	if (nlock >= 0)
		rc = nss_close(s, &r, nlock, &t, NULL, err);
out:
	oa2_registry_free(&r);
	oa2_cache_unlock(lock);
	return rc;
}

int oa2_account_list(const struct oa2_account_store *s, struct oa2_account **list, size_t *n,
		     oa2_error *err)
{
	struct oa2_registry r = {0};
	int lock = -1, rc = -1;

	*list = NULL;
	*n = 0;
	if (lock_store(s, &lock, err) != 0 || oa2_registry_load(s->registry_dir, &r, err) != 0)
		goto out;
	*list = r.a;
	*n = r.n;
	rc = 0;
out:
	oa2_cache_unlock(lock);
	return rc;
}

int oa2_account_change(const struct oa2_account_store *s, const char *name,
		       enum oa2_account_action what, oa2_error *err)
{
	struct oa2_registry r = {0};
	struct oa2_account *a;
	int lock = -1, rc = -1, was;

	if (lock_store(s, &lock, err) != 0 || oa2_registry_load(s->registry_dir, &r, err) != 0)
		goto out;
	a = oa2_registry_by_name(&r, name);
	if (a == NULL || a->state == OA2_ACCOUNT_GROUP) {
		oa2_fail(err, OA2_ERR_USER, "no account '%.64s' in the registry%s", name,
			 a != NULL ? " (a group group_map created)" : "");
		goto out;
	}
	was = a->state;
	a->state = what == OA2_ACCOUNT_LOCK	? OA2_ACCOUNT_LOCKED
		   : what == OA2_ACCOUNT_REMOVE ? OA2_ACCOUNT_REMOVED
						: OA2_ACCOUNT_ACTIVE;
	if (oa2_registry_save(s->registry_dir, &r, err) != 0)
		goto out;
	/* records follow the registry: gone when removed, rewritten (locked or
	 * not) while present; an unlocked removal is completed at the next
	 * login */
	if (a->state == OA2_ACCOUNT_REMOVED)
		rc = oa2_account_groups_drop(s->userdb_dir, a->name, err) == 0 &&
				     oa2_records_remove(s->userdb_dir, a, err) == 0
			     ? 0
			     : -1;
	else if (was != OA2_ACCOUNT_REMOVED)
		rc = write_records(s, a, err);
	else
		rc = 0;
out:
	oa2_registry_free(&r);
	oa2_cache_unlock(lock);
	return rc;
}
