/* test_accounts.c - the store of accounts created from identities
 * (helper/accounts.c, account_registry.c, account_records.c), on a scratch
 * directory: never the machine's /etc/userdb or /var/lib.
 *
 * Proves: a new identity gets a name, a UID from the range and the four
 * nss-systemd records (content, modes, links) and a registry line; the same
 * identity gets the same UID again and missing records back; another sub
 * (or issuer) with the same name is refused and changes nothing; the same
 * identity under a second name is refused; a name NSS knows as a user or a
 * group, a stray record, an illegal or overlong name, "." and ".." are never
 * created; a full range is refused; uid 0, 65534, 65535 and 2^31 are never
 * produced (the store refuses such a range, and a registry naming uid 0 is
 * corrupt); an unsafe or unwritable store is refused and leaves nothing
 * behind (no registry line, no record, no temporary file); a truncated
 * registry is refused and left as it was; two racing creations of one
 * identity give one account, sixteen racing identities sixteen distinct
 * UIDs; lock, unlock and remove keep the UID reserved and never hand it out
 * again; uid_allocation = hash gives one identity the same UID in two stores
 * and refuses a collision; a shell /etc/shells does not list is refused; no
 * UID (next or hash) inside a range of /etc/subuid or /etc/subgid is handed
 * out, absent files hold no ranges, and a malformed line refuses every
 * creation; a group group_map creates (GROUP+) gets the next number of the
 * range and a registry line (never a user's UID, never reused), NAME.group
 * and GID.group, keeps its GID at the next login, is no account (no login,
 * no lock), is listed; a created account's name, a name NSS knows, a stray
 * record, an illegal name are refused, as are an unwritable store (nothing
 * left behind) and a full range; under hash its GID is the same on every
 * host; a group line with an identity, an account line without one, make
 * the registry corrupt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "helper/account_groups.h"
#include "helper/accounts.h"

#define ISS "https://idp.example.test/realm"
#define LOW 1900000000UL

static char top[] = "/tmp/oa2-test-accounts.XXXXXX";
static char reg_dir[700], db_dir[700], shells[700], subuid[700], subgid[700];
static int round_no;

/* A fresh store under top for each test. */
static void fresh(struct oa2_account_store *s)
{
	char d[256];
	FILE *f;

	snprintf(d, sizeof(d), "%s/%d", top, ++round_no);
	assert_int_equal(mkdir(d, 0755), 0);
	snprintf(reg_dir, sizeof(reg_dir), "%s/accounts", d);
	snprintf(db_dir, sizeof(db_dir), "%s/userdb", d);
	snprintf(shells, sizeof(shells), "%s/shells", d);
	/* not created: an absent file holds no ranges */
	snprintf(subuid, sizeof(subuid), "%s/subuid", d);
	snprintf(subgid, sizeof(subgid), "%s/subgid", d);
	f = fopen(shells, "w");
	assert_non_null(f);
	fputs("# shells\n/bin/sh\n/bin/bash\n", f);
	fclose(f);
	memset(s, 0, sizeof(*s));
	s->registry_dir = reg_dir;
	s->userdb_dir = db_dir;
	s->shells = shells;
	s->subuid = subuid;
	s->subgid = subgid;
	s->uid_low = LOW;
	s->uid_high = LOW + 999;
	s->allocation = OA2_UID_NEXT;
	s->home_base = "/home";
	s->shell = "/bin/bash";
	s->lock_wait_ms = 10000;
}

static char *slurp(const char *dir, const char *name)
{
	static char buf[8192];
	char path[1024];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static bool present(const char *dir, const char *name)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

/* Entries of dir other than "." and "..". */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Lines of the registry after its header (0 when absent). */
static int registry_lines(void)
{
	const char *t = slurp(reg_dir, "registry");
	int n = -1;

	if (t == NULL)
		return 0;
	for (; *t; t++)
		n += *t == '\n';
	return n;
}

/* No temporary file of a write-and-rename left in dir. */
static void no_temporaries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0 && strcmp(e->d_name, ".registry.lock") != 0)
			fail_msg("temporary file %s/%s left behind", dir, e->d_name);
	}
	closedir(d);
}

static int claim(const struct oa2_account_store *s, const char *sub, const char *name,
		 bool create, struct oa2_account *a, oa2_error *err)
{
	bool ours = false;
	int rc;

	memset(err, 0, sizeof(*err));
	rc = oa2_account_claim(s, ISS, sub, name, create, 1700000000, a, &ours, err);
	if (rc == 0 && create)
		assert_true(ours);
	return rc;
}

static void refused(const struct oa2_account_store *s, const char *sub, const char *name,
		    enum oa2_errkind kind, const char *want)
{
	oa2_error err;

	assert_int_equal(claim(s, sub, name, true, NULL, &err), -1);
	if (err.kind != kind || strstr(err.msg, want) == NULL)
		fail_msg("'%s': kind %d message '%s', wanted %d '%s'", name, err.kind, err.msg, kind,
			 want);
}

static void creates_the_records(void **state)
{
	struct oa2_account_store s;
	struct oa2_account a;
	oa2_error err;
	char link[1024];
	struct stat st;
	ssize_t n;

	(void)state;
	fresh(&s);
	assert_int_equal(claim(&s, "sub-alice", "alice", true, &a, &err), 0);
	assert_int_equal(a.uid, LOW);
	assert_string_equal(a.name, "alice");
	assert_string_equal(slurp(db_dir, "alice.user"),
			    "{\"userName\":\"alice\",\"uid\":1900000000,\"gid\":1900000000,"
			    "\"homeDirectory\":\"/home/alice\",\"shell\":\"/bin/bash\","
			    "\"disposition\":\"regular\",\"service\":\"pam_oauth2\"}\n");
	assert_string_equal(slurp(db_dir, "alice.group"),
			    "{\"groupName\":\"alice\",\"gid\":1900000000,\"disposition\":\"regular\","
			    "\"service\":\"pam_oauth2\"}\n");
	n = readlink(strcat(strcpy(link, db_dir), "/1900000000.user"), link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_string_equal(link, "alice.user");
	assert_int_equal(lstat(strcat(strcpy(link, db_dir), "/1900000000.group"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	snprintf(link, sizeof(link), "%s", db_dir);
	assert_int_equal(stat(link, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755); /* every process reads it */
	assert_int_equal(stat(strcat(link, "/alice.user"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(stat(reg_dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700); /* the registry is root-only */
	assert_string_equal(slurp(reg_dir, "registry"),
			    "pam_oauth2-accounts 1\n1900000000\talice\tactive\t1700000000\t" ISS
			    "\tsub-alice\n");
	assert_int_equal(entries(db_dir), 4);
	no_temporaries(db_dir);
	no_temporaries(reg_dir);
}

static void same_identity_same_uid(void **state)
{
	struct oa2_account_store s;
	struct oa2_account a;
	oa2_error err;
	char path[1024];

	(void)state;
	fresh(&s);
	assert_int_equal(claim(&s, "sub-alice", "alice", true, &a, &err), 0);
	assert_int_equal(claim(&s, "sub-bob", "bob", true, &a, &err), 0);
	assert_int_equal(a.uid, LOW + 1);
	/* again, with the records gone (a crash after the registry was written) */
	snprintf(path, sizeof(path), "%s/alice.user", db_dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(claim(&s, "sub-alice", "alice", true, &a, &err), 0);
	assert_int_equal(a.uid, LOW);
	assert_true(present(db_dir, "alice.user"));
	/* a confirmation needs no may_create */
	assert_int_equal(claim(&s, "sub-alice", "alice", false, &a, &err), 0);
	assert_int_equal(a.uid, LOW);
	assert_int_equal(registry_lines(), 2);
}

static void other_sub_same_name_refused(void **state)
{
	struct oa2_account_store s;
	struct oa2_account a;
	oa2_error err;
	bool ours = true;
	char before[8192];

	(void)state;
	fresh(&s);
	assert_int_equal(claim(&s, "sub-alice", "alice", true, &a, &err), 0);
	snprintf(before, sizeof(before), "%s", slurp(reg_dir, "registry"));
	refused(&s, "sub-mallory", "alice", OA2_ERR_DENIED, "belongs to another identity");
	/* also without may_create: a login by today's mapping */
	assert_int_equal(oa2_account_claim(&s, ISS, "sub-mallory", "alice", false, 1, NULL, &ours,
					   &err),
			 -1);
	assert_int_equal(err.kind, OA2_ERR_DENIED);
	/* the same sub at another issuer is another identity */
	assert_int_equal(oa2_account_claim(&s, "https://other.example.test", "sub-alice", "alice",
					   true, 1, NULL, &ours, &err),
			 -1);
	assert_int_equal(err.kind, OA2_ERR_DENIED);
	/* the same identity under a second name */
	refused(&s, "sub-alice", "alice2", OA2_ERR_DENIED, "already owns account 'alice'");
	assert_string_equal(slurp(reg_dir, "registry"), before);
	assert_false(present(db_dir, "alice2.user"));
}

static void not_ours_without_create(void **state)
{
	struct oa2_account_store s;
	oa2_error err;
	bool ours = true;

	(void)state;
	fresh(&s);
	assert_int_equal(oa2_account_claim(&s, ISS, "sub-x", "carol", false, 1, NULL, &ours, &err),
			 0);
	assert_false(ours);
	assert_int_equal(registry_lines(), 0);
	assert_int_equal(entries(db_dir), 0);
}

/* A group name that is no user name on this machine. */
static const char *group_only(void)
{
	static char name[64];
	struct group *g;

	setgrent();
	while ((g = getgrent()) != NULL) {
		if (getpwnam(g->gr_name) == NULL && strlen(g->gr_name) < sizeof(name)) {
			snprintf(name, sizeof(name), "%s", g->gr_name);
			endgrent();
			return name;
		}
	}
	endgrent();
	return NULL;
}

static void names_never_created(void **state)
{
	static const char *const bad[] = {"", ".", "..", "-alice", ".alice", "a/b", "a b",
					  "al\nice", "al:ice", "ALICE\xc3\xa9", "a$b", NULL};
	struct oa2_account_store s;
	char longname[80];
	const char *grp_name = group_only();
	char stray[1024];
	FILE *f;

	(void)state;
	fresh(&s);
	for (const char *const *b = bad; *b; b++)
		refused(&s, "sub-x", *b, OA2_ERR_DENIED, "not a valid user name");
	memset(longname, 'a', 64);
	longname[64] = '\0';
	refused(&s, "sub-x", longname, OA2_ERR_DENIED, "not a valid user name");
	/* names NSS knows: never created, never taken */
	refused(&s, "sub-x", "root", OA2_ERR_DENIED, "already an account on this host");
	refused(&s, "sub-x", "daemon", OA2_ERR_DENIED, "already an account on this host");
	if (grp_name != NULL)
		refused(&s, "sub-x", grp_name, OA2_ERR_DENIED, "a group named");
	/* a record in the store that the registry did not make */
	assert_int_equal(mkdir(db_dir, 0755), 0);
	snprintf(stray, sizeof(stray), "%s/eve.user", db_dir);
	f = fopen(stray, "w");
	assert_non_null(f);
	fputs("{\"userName\":\"eve\",\"uid\":0}\n", f);
	fclose(f);
	refused(&s, "sub-x", "eve", OA2_ERR_DENIED, "not made here");
	assert_int_equal(registry_lines(), 0);
	assert_int_equal(entries(db_dir), 1);
	/* identities the registry cannot hold */
	refused(&s, "", "zed", OA2_ERR_DENIED, "issuer or sub");
	refused(&s, "a\tb", "zed", OA2_ERR_DENIED, "issuer or sub");
	assert_int_equal(registry_lines(), 0);
}

static void full_range_and_forbidden_uids(void **state)
{
	struct oa2_account_store s;
	struct oa2_account a;
	oa2_error err;
	char path[1024];
	FILE *f;

	(void)state;
	fresh(&s);
	s.uid_high = LOW + 2;
	/* a record somebody else left at the first UID: skipped, not taken */
	assert_int_equal(mkdir(db_dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/%lu.user", db_dir, LOW);
	assert_int_equal(symlink("x.user", path), 0);
	assert_int_equal(claim(&s, "sub-1", "u1", true, &a, &err), 0);
	assert_int_equal(a.uid, LOW + 1);
	assert_int_equal(claim(&s, "sub-2", "u2", true, &a, &err), 0);
	assert_int_equal(a.uid, LOW + 2);
	refused(&s, "sub-3", "u3", OA2_ERR_INTERNAL, "is full");
	assert_false(present(db_dir, "u3.user"));
	assert_int_equal(registry_lines(), 2);
	/* ranges holding uids that must never be handed out */
	fresh(&s);
	s.uid_low = 65530;
	s.uid_high = 65540;
	refused(&s, "sub-1", "u1", OA2_ERR_INTERNAL, "not usable");
	s.uid_low = 0;
	s.uid_high = 5;
	refused(&s, "sub-1", "u1", OA2_ERR_INTERNAL, "not usable");
	s.uid_low = 2147483647;
	s.uid_high = 2147483648UL;
	refused(&s, "sub-1", "u1", OA2_ERR_INTERNAL, "not usable");
	assert_int_equal(entries(db_dir), 0);
	/* a registry claiming uid 0 for a name is corrupt, not obeyed */
	(void)mkdir(reg_dir, 0700); /* the claims above made it already */
	f = fopen(strcat(strcpy(path, reg_dir), "/registry"), "w");
	assert_non_null(f);
	fputs("pam_oauth2-accounts 1\n0\tu1\tactive\t1\t" ISS "\tsub-1\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	s.uid_low = LOW;
	s.uid_high = LOW + 9;
	refused(&s, "sub-1", "u1", OA2_ERR_INTERNAL, "corrupt");
	assert_int_equal(entries(db_dir), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("pam_oauth2-accounts 1\n65534\tu1\tactive\t1\t" ISS "\tsub-1\n", f);
	fclose(f);
	refused(&s, "sub-1", "u1", OA2_ERR_INTERNAL, "corrupt");
}

static void unsafe_or_unwritable_store(void **state)
{
	struct oa2_account_store s;
	oa2_error err;
	char path[1024], before[8192];
	FILE *f;

	(void)state;
	/* the registry under a directory others may write */
	fresh(&s);
	snprintf(path, sizeof(path), "%s/open", top);
	mkdir(path, 0777);
	assert_int_equal(chmod(path, 0777), 0);
	snprintf(reg_dir, sizeof(reg_dir), "%s/open/accounts", top);
	refused(&s, "sub-1", "u1", OA2_ERR_INTERNAL, "writable by");
	assert_int_equal(entries(db_dir), 0);
	/* the registry directory is a file */
	fresh(&s);
	f = fopen(reg_dir, "w");
	assert_non_null(f);
	fclose(f);
	refused(&s, "sub-1", "u1", OA2_ERR_INTERNAL, "not a directory");
	assert_int_equal(entries(db_dir), 0);
	/* the records cannot be written (an unsafe userdb directory): the
	 * registry line is taken back, no record is left */
	fresh(&s);
	assert_int_equal(claim(&s, "sub-0", "u0", true, NULL, &err), 0);
	snprintf(before, sizeof(before), "%s", slurp(reg_dir, "registry"));
	assert_int_equal(chmod(db_dir, 0775), 0);
	refused(&s, "sub-1", "u1", OA2_ERR_INTERNAL, "writable by group or others");
	assert_int_equal(chmod(db_dir, 0755), 0);
	assert_string_equal(slurp(reg_dir, "registry"), before);
	assert_false(present(db_dir, "u1.user"));
	assert_false(present(db_dir, "1900000001.user"));
	assert_int_equal(entries(db_dir), 4);
	no_temporaries(reg_dir);
	no_temporaries(db_dir);
	/* a registry cut short is refused and left as it was */
	fresh(&s);
	assert_int_equal(claim(&s, "sub-0", "u0", true, NULL, &err), 0);
	snprintf(path, sizeof(path), "%s/registry", reg_dir);
	assert_int_equal(truncate(path, (off_t)strlen(slurp(reg_dir, "registry")) - 3), 0);
	snprintf(before, sizeof(before), "%s", slurp(reg_dir, "registry"));
	refused(&s, "sub-1", "u1", OA2_ERR_INTERNAL, "corrupt");
	assert_string_equal(slurp(reg_dir, "registry"), before);
	/* a registry others could read is refused */
	fresh(&s);
	assert_int_equal(claim(&s, "sub-0", "u0", true, NULL, &err), 0);
	snprintf(path, sizeof(path), "%s/registry", reg_dir);
	assert_int_equal(chmod(path, 0644), 0);
	refused(&s, "sub-1", "u1", OA2_ERR_INTERNAL, "readable by others");
	/* a shell /etc/shells does not list */
	fresh(&s);
	s.shell = "/bin/evil";
	refused(&s, "sub-1", "u1", OA2_ERR_INTERNAL, "not listed");
	assert_int_equal(registry_lines(), 0);
	assert_int_equal(entries(db_dir), 0);
}

/* n children claim (sub_i, name_i) at once (same_identity: all the same);
 * the UIDs they got are written to uids. */
static void race(const struct oa2_account_store *s, int n, bool same_identity,
		 unsigned long *uids)
{
	int fds[2];
	pid_t pids[16];

	assert_int_equal(pipe(fds), 0);
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char sub[32], name[32];
			struct oa2_account a;
			oa2_error err = {0};
			bool ours;

			snprintf(sub, sizeof(sub), "sub-%d", same_identity ? 0 : i);
			snprintf(name, sizeof(name), "racer%d", same_identity ? 0 : i);
			if (oa2_account_claim(s, ISS, sub, name, true, 1, &a, &ours, &err) != 0)
				a.uid = 0;
			if (write(fds[1], &a.uid, sizeof(a.uid)) != sizeof(a.uid))
				_exit(2);
			_exit(0);
		}
	}
	close(fds[1]);
	for (int i = 0; i < n; i++) {
		int status;

		assert_int_equal(read(fds[0], &uids[i], sizeof(uids[i])), sizeof(uids[i]));
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	close(fds[0]);
}

static void racing_creations(void **state)
{
	struct oa2_account_store s;
	unsigned long uids[16];

	(void)state;
	fresh(&s);
	race(&s, 2, true, uids);
	assert_int_equal(uids[0], LOW);
	assert_int_equal(uids[1], LOW);
	assert_int_equal(registry_lines(), 1);
	fresh(&s);
	race(&s, 16, false, uids);
	for (int i = 0; i < 16; i++) {
		assert_true(uids[i] >= LOW && uids[i] < LOW + 16);
		for (int j = 0; j < i; j++)
			assert_true(uids[i] != uids[j]);
	}
	assert_int_equal(registry_lines(), 16);
	assert_int_equal(entries(db_dir), 64);
	no_temporaries(db_dir);
	no_temporaries(reg_dir);
}

static void lock_unlock_remove(void **state)
{
	struct oa2_account_store s;
	struct oa2_account a, *list = NULL;
	oa2_error err = {0};
	size_t n = 0;

	(void)state;
	fresh(&s);
	assert_int_equal(claim(&s, "sub-alice", "alice", true, &a, &err), 0);
	assert_int_equal(oa2_account_change(&s, "alice", OA2_ACCOUNT_LOCK, &err), 0);
	refused(&s, "sub-alice", "alice", OA2_ERR_PERM, "is locked");
	assert_non_null(strstr(slurp(db_dir, "alice.user"), "\"locked\":true"));
	assert_int_equal(oa2_account_change(&s, "alice", OA2_ACCOUNT_UNLOCK, &err), 0);
	assert_null(strstr(slurp(db_dir, "alice.user"), "locked"));
	assert_int_equal(claim(&s, "sub-alice", "alice", true, &a, &err), 0);
	assert_int_equal(oa2_account_change(&s, "alice", OA2_ACCOUNT_REMOVE, &err), 0);
	assert_int_equal(entries(db_dir), 0);
	refused(&s, "sub-alice", "alice", OA2_ERR_PERM, "was removed");
	refused(&s, "sub-mallory", "alice", OA2_ERR_DENIED, "belongs to another identity");
	/* the removed UID is never handed out again */
	assert_int_equal(claim(&s, "sub-bob", "bob", true, &a, &err), 0);
	assert_int_equal(a.uid, LOW + 1);
	assert_int_equal(oa2_account_list(&s, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "alice");
	assert_int_equal(list[0].state, OA2_ACCOUNT_REMOVED);
	assert_int_equal(list[0].uid, LOW);
	free(list);
	/* unlock brings it back at the next login, with the same UID */
	assert_int_equal(oa2_account_change(&s, "alice", OA2_ACCOUNT_UNLOCK, &err), 0);
	assert_false(present(db_dir, "alice.user"));
	assert_int_equal(claim(&s, "sub-alice", "alice", true, &a, &err), 0);
	assert_int_equal(a.uid, LOW);
	assert_true(present(db_dir, "alice.user"));
	assert_int_equal(oa2_account_change(&s, "nobody-here", OA2_ACCOUNT_LOCK, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_USER);
}

static void hash_allocation(void **state)
{
	struct oa2_account_store s;
	struct oa2_account a;
	oa2_error err;
	unsigned long first;

	(void)state;
	fresh(&s);
	s.allocation = OA2_UID_HASH;
	s.uid_high = LOW + 99999999;
	assert_int_equal(claim(&s, "sub-alice", "alice", true, &a, &err), 0);
	first = a.uid;
	assert_true(first >= LOW && first <= s.uid_high);
	/* another host (another store): the same UID for the same identity */
	fresh(&s);
	s.allocation = OA2_UID_HASH;
	s.uid_high = LOW + 99999999;
	assert_int_equal(claim(&s, "sub-bob", "bob", true, &a, &err), 0);
	assert_true(a.uid != first);
	assert_int_equal(claim(&s, "sub-alice", "alice", true, &a, &err), 0);
	assert_int_equal(a.uid, first);
	/* a range of one: the second identity collides and is refused */
	fresh(&s);
	s.allocation = OA2_UID_HASH;
	s.uid_high = LOW;
	assert_int_equal(claim(&s, "sub-alice", "alice", true, &a, &err), 0);
	refused(&s, "sub-bob", "bob", OA2_ERR_DENIED, "already account 'alice'");
	assert_int_equal(registry_lines(), 1);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* The subordinate IDs of /etc/subuid and /etc/subgid (scratch copies):
 * never an account's UID, whichever allocation. */
static void subordinate_ids(void **state)
{
	struct oa2_account_store s;
	struct oa2_account a;
	oa2_error err;
	char text[200];
	static const char *const bad[] = {
		"alice:100000\n", "alice:x:5\n", ":100000:5\n", "alice:1:0\n",
		"alice:4294967295:2\n", "alice: 100000:5\n", "# comment\n", "alice:-1:5\n",
	};

	(void)state;
	/* absent files: no ranges, LOW is handed out */
	fresh(&s);
	assert_int_equal(claim(&s, "sub-alice", "alice", true, &a, &err), 0);
	assert_int_equal(a.uid, LOW);
	/* next skips a subuid range and a subgid range (GID = UID); empty
	 * lines and numeric owners are fine */
	fresh(&s);
	snprintf(text, sizeof(text), "root:100000:65536\n\nalice:%lu:5\n", LOW);
	put(subuid, text);
	snprintf(text, sizeof(text), "1000:%lu:2\n", LOW + 5);
	put(subgid, text);
	assert_int_equal(claim(&s, "sub-alice", "alice", true, &a, &err), 0);
	assert_int_equal(a.uid, LOW + 7);
	assert_int_equal(claim(&s, "sub-bob", "bob", true, &a, &err), 0);
	assert_int_equal(a.uid, LOW + 8);
	/* a range covering the rest of uid_range: full */
	snprintf(text, sizeof(text), "carol:%lu:10000\n", LOW + 9);
	put(subgid, text);
	refused(&s, "sub-carol", "carol", OA2_ERR_INTERNAL, "is full");
	assert_int_equal(registry_lines(), 2);
	/* a malformed line: the range it meant is unknown, nothing is created */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fresh(&s);
		snprintf(text, sizeof(text), "root:100000:65536\n%s", bad[i]);
		put(i % 2 ? subgid : subuid, text);
		refused(&s, "sub-alice", "alice", OA2_ERR_INTERNAL, "line 2 is not OWNER:START:COUNT");
		assert_int_equal(registry_lines(), 0);
		assert_int_equal(entries(db_dir), 0);
	}
	/* an existing account still logs in: only creation reads the files */
	fresh(&s);
	assert_int_equal(claim(&s, "sub-alice", "alice", true, &a, &err), 0);
	put(subuid, "broken\n");
	assert_int_equal(claim(&s, "sub-alice", "alice", false, &a, &err), 0);
	assert_int_equal(a.uid, LOW);
	/* hash: a UID inside a range is refused, never moved */
	fresh(&s);
	s.allocation = OA2_UID_HASH;
	s.uid_high = LOW;
	snprintf(text, sizeof(text), "dave:%lu:1\n", LOW);
	put(subuid, text);
	refused(&s, "sub-alice", "alice", OA2_ERR_DENIED, "subordinate ID range");
	assert_int_equal(registry_lines(), 0);
	/* a symbolic link is not read */
	fresh(&s);
	assert_int_equal(symlink("/etc/passwd", subuid), 0);
	refused(&s, "sub-alice", "alice", OA2_ERR_INTERNAL, "symbolic link");
}

/* group_map's GROUP+ for one group name: 0 or -1 with err. */
static int make_group(const struct oa2_account_store *s, const char *name, oa2_error *err)
{
	static struct oa2_groups_wanted w;

	memset(err, 0, sizeof(*err));
	memset(&w, 0, sizeof(w));
	snprintf(w.name[0], sizeof(w.name[0]), "%s", name);
	w.create[0] = true;
	w.n = 1;
	return oa2_account_make_groups(s, &w, 1700000000, err);
}

static void group_refused(const struct oa2_account_store *s, const char *name,
			  enum oa2_errkind kind, const char *want)
{
	oa2_error err;

	assert_int_equal(make_group(s, name, &err), -1);
	if (err.kind != kind || strstr(err.msg, want) == NULL)
		fail_msg("group '%s': kind %d message '%s', wanted %d '%s'", name, err.kind, err.msg,
			 kind, want);
}

static void created_groups(void **state)
{
	struct oa2_account_store s;
	struct oa2_account a, *list = NULL;
	oa2_error err;
	char link[64], path[1024];
	struct stat st;
	size_t n = 0;
	ssize_t k;

	(void)state;
	fresh(&s);
	assert_int_equal(claim(&s, "sub-0", "u0", true, &a, &err), 0);
	assert_int_equal(a.uid, LOW);
	/* a new group: the next number of the range, a registry line of its
	 * own, NAME.group and GID.group as the private groups are written */
	assert_int_equal(make_group(&s, "devs", &err), 0);
	assert_non_null(strstr(slurp(reg_dir, "registry"), "1900000001\tdevs\tgroup\t1700000000\t-\t-\n"));
	assert_string_equal(slurp(db_dir, "devs.group"),
			    "{\"groupName\":\"devs\",\"gid\":1900000001,\"disposition\":\"regular\","
			    "\"service\":\"pam_oauth2\"}\n");
	snprintf(path, sizeof(path), "%s/devs.group", db_dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	snprintf(path, sizeof(path), "%s/1900000001.group", db_dir);
	k = readlink(path, link, sizeof(link) - 1);
	assert_true(k > 0);
	link[k] = '\0';
	assert_string_equal(link, "devs.group");
	assert_false(present(db_dir, "devs.user"));
	/* again: the same GID, no second line; a lost record comes back */
	snprintf(path, sizeof(path), "%s/devs.group", db_dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(make_group(&s, "devs", &err), 0);
	assert_true(present(db_dir, "devs.group"));
	assert_int_equal(registry_lines(), 2);
	/* the GID is never a user's: the next account gets the next number */
	assert_int_equal(claim(&s, "sub-1", "u1", true, &a, &err), 0);
	assert_int_equal(a.uid, LOW + 2);
	/* a created group is no account: no login to it, no lock */
	refused(&s, "sub-2", "devs", OA2_ERR_DENIED, "is a group group_map created");
	assert_int_equal(oa2_account_change(&s, "devs", OA2_ACCOUNT_LOCK, &err), -1);
	assert_int_equal(err.kind, OA2_ERR_USER);
	/* the list shows it */
	assert_int_equal(oa2_account_list(&s, &list, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[1].name, "devs");
	assert_int_equal(list[1].state, OA2_ACCOUNT_GROUP);
	assert_string_equal(oa2_account_state_name(list[1].state), "group");
	free(list);
	/* never taken over: a created account's name, a name NSS knows as a
	 * group or a user, a stray record; never an illegal name */
	group_refused(&s, "u0", OA2_ERR_DENIED, "is created account 'u0'");
	group_refused(&s, "root", OA2_ERR_DENIED, "exists that group_map did not create");
	group_refused(&s, "sudo", OA2_ERR_DENIED, "exists that group_map did not create");
	snprintf(path, sizeof(path), "%s/ghost.group", db_dir);
	put(path, "{\"groupName\":\"ghost\",\"gid\":0}\n");
	group_refused(&s, "ghost", OA2_ERR_DENIED, "not made here");
	group_refused(&s, "-x", OA2_ERR_DENIED, "not a valid group name");
	group_refused(&s, "..", OA2_ERR_DENIED, "not a valid group name");
	group_refused(&s, "a b", OA2_ERR_DENIED, "not a valid group name");
	assert_int_equal(registry_lines(), 3);
	/* one refused name among several: none is made */
	{
		static struct oa2_groups_wanted two;

		memset(&two, 0, sizeof(two));
		strcpy(two.name[0], "ops");
		strcpy(two.name[1], "root");
		two.create[0] = two.create[1] = true;
		two.n = 2;
		memset(&err, 0, sizeof(err));
		assert_int_equal(oa2_account_make_groups(&s, &two, 1700000000, &err), -1);
		assert_non_null(strstr(err.msg, "a group 'root' exists"));
		assert_false(present(db_dir, "ops.group"));
		assert_int_equal(registry_lines(), 3);
	}
	/* the store cannot be written: nothing registered, no record left */
	assert_int_equal(chmod(db_dir, 0775), 0);
	group_refused(&s, "ops", OA2_ERR_INTERNAL, "writable by group or others");
	assert_int_equal(chmod(db_dir, 0755), 0);
	assert_int_equal(registry_lines(), 3);
	assert_false(present(db_dir, "ops.group"));
	assert_false(present(db_dir, "1900000003.group"));
	no_temporaries(reg_dir);
	no_temporaries(db_dir);
	/* the range full */
	fresh(&s);
	s.uid_high = LOW;
	assert_int_equal(claim(&s, "sub-0", "u0", true, &a, &err), 0);
	group_refused(&s, "devs", OA2_ERR_INTERNAL, "is full");
	assert_int_equal(registry_lines(), 1);
	assert_false(present(db_dir, "devs.group"));
	/* hash: a group's GID comes from its name, the same on every host */
	fresh(&s);
	s.allocation = OA2_UID_HASH;
	s.uid_high = LOW + 99999999;
	assert_int_equal(make_group(&s, "devs", &err), 0);
	snprintf(path, sizeof(path), "%s", slurp(reg_dir, "registry"));
	fresh(&s);
	s.allocation = OA2_UID_HASH;
	s.uid_high = LOW + 99999999;
	assert_int_equal(claim(&s, "sub-0", "u0", true, &a, &err), 0);
	assert_int_equal(make_group(&s, "devs", &err), 0);
	assert_non_null(strstr(slurp(reg_dir, "registry"), strchr(path, '\n') + 1));
}

/* A group line has "-" for issuer and sub, an account line never both;
 * two group lines are not one identity twice. */
static void registry_group_lines(void **state)
{
	struct oa2_account_store s;
	oa2_error err;
	char path[1024];

	(void)state;
	fresh(&s);
	assert_int_equal(make_group(&s, "devs", &err), 0);
	assert_int_equal(make_group(&s, "ops", &err), 0);
	assert_int_equal(claim(&s, "sub-0", "u0", true, NULL, &err), 0);
	snprintf(path, sizeof(path), "%s/registry", reg_dir);
	put(path, "pam_oauth2-accounts 1\n1900000000\tdevs\tgroup\t1\t" ISS "\tsub-0\n");
	assert_int_equal(chmod(path, 0600), 0);
	group_refused(&s, "devs", OA2_ERR_INTERNAL, "corrupt");
	put(path, "pam_oauth2-accounts 1\n1900000000\tu0\tactive\t1\t-\t-\n");
	refused(&s, "sub-0", "u0", OA2_ERR_INTERNAL, "corrupt");
}

static int setup(void **state)
{
	(void)state;
	umask(077); /* as the helper runs */
	return mkdtemp(top) != NULL && chmod(top, 0755) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(creates_the_records),
		cmocka_unit_test(same_identity_same_uid),
		cmocka_unit_test(other_sub_same_name_refused),
		cmocka_unit_test(not_ours_without_create),
		cmocka_unit_test(names_never_created),
		cmocka_unit_test(full_range_and_forbidden_uids),
		cmocka_unit_test(unsafe_or_unwritable_store),
		cmocka_unit_test(racing_creations),
		cmocka_unit_test(lock_unlock_remove),
		cmocka_unit_test(hash_allocation),
		cmocka_unit_test(subordinate_ids),
		cmocka_unit_test(created_groups),
		cmocka_unit_test(registry_group_lines),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
