/* test_accounts.c - accounts = create through real PAM (pam_wrapper) against
 * the test IdP, the helper writing into a scratch registry and userdb
 * directory (never the machine's).
 *
 * Proves: a never-seen IdP user logs in with the device grant and gets an
 * account (its nss-systemd records and registry line checked), the next
 * login gets the same UID and a second new user another; a login denied at
 * the IdP, a name outside new_users, a name NSS knows as a system account
 * (daemon) leave no record; a local account (mallory) logs in by today's
 * rules and is not taken into the registry; another sub with the name of a
 * created account is refused, also once NSS serves that name (the check
 * without creation); pam-oauth2
 * accounts lock refuses the next login, unlock lets it in again, remove takes
 * the records away and keeps the UID (the next new account gets another);
 * group_map reads groups_claim in the forms real IdPs send it (Keycloak's
 * dotted realm_access.roles, ZITADEL's object of role names, Entra's object
 * IDs), the membership follows the token at every login, a claim of
 * another type is refused; a group written GROUP+ is created once and
 * kept, a name NSS knows is never taken over; with accounts = off an unknown name is still
 * refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <security/pam_appl.h>

#include "harness.h"

#define UID0 "1900000000"
#define UID1 "1900000001"

static struct oa2t_idp idp;

static int setup(void **state)
{
	char rest[1024];

	*state = &idp;
	if (oa2t_idp_start(&idp, "accounts", "--interval 1") != 0)
		return -1;
	snprintf(rest, sizeof(rest),
		 "http_timeout = 5\naccounts = create\naccounts_dir = %s/accounts\n"
		 "userdb_dir = %s/userdb\nnss_dir = %s/nss\nuid_range = 1900000000-1900000099\n",
		 oa2t_tmp(), oa2t_tmp(), oa2t_tmp());
	oa2t_write_config("acc.conf", &idp, "pam-public", "cache", rest);
	/* IdP users mapped to names no NSS source knows */
	oa2t_write("map", "alice newalice\nbob newbob\ncarol newcarol\n", 0644);
	return 0;
}

/* The text of a file under the scratch directory, or NULL. */
static char *scratch(const char *name)
{
	static char buf[8192];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", oa2t_tmp(), name);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int registry_lines(void)
{
	const char *t = scratch("accounts/registry");
	int n = -1;

	if (t == NULL)
		return 0;
	for (; *t; t++)
		n += *t == '\n';
	return n;
}

static bool no_record(const char *name)
{
	char f[128];
	const char *reg = scratch("accounts/registry");
	char needle[80];

	snprintf(f, sizeof(f), "userdb/%s.user", name);
	snprintf(needle, sizeof(needle), "\t%s\t", name);
	return scratch(f) == NULL && (reg == NULL || strstr(reg, needle) == NULL);
}

/* Device grant as user, approved at the IdP by approver (NULL: denied). */
static int device(const char *user, const char *approver)
{
	struct oa2t_screen_action act = oa2t_device_approver(&idp, approver, 0);
	struct oa2t_conv conv = {.on_message = oa2t_screen_act, .user = &act};
	int rc;

	/* no account step: nss_wrapper does not serve the records (nss-systemd
	 * reads only /etc/userdb and /run/userdb) */
	rc = oa2t_auth("dev", user, &conv, false);
	oa2t_reap();
	return rc;
}

/* A token of the IdP's key for (sub, name) and the claims extra (",..."
 * or ""), presented as the password. */
static int token_with(const char *service, const char *sub, const char *name, const char *extra)
{
	char req[2048], *body = NULL, *jws, *end;
	long now = (long)time(NULL);
	struct oa2t_conv conv = {0};
	int rc;

	snprintf(req, sizeof(req),
		 "{\"alg\":\"RS256\",\"header\":{},\"claims\":{\"iss\":\"%s\",\"sub\":\"%s\","
		 "\"aud\":\"pam-public\",\"iat\":%ld,\"exp\":%ld,\"preferred_username\":\"%s\"%s}}",
		 idp.issuer, sub, now, now + 600, name, extra);
	assert_int_equal(oa2t_control(&idp, "POST", "/sign", req, &body), 200);
	jws = strstr(body, "\"jws\":\"");
	assert_non_null(jws);
	jws += 7;
	end = strchr(jws, '"');
	assert_non_null(end);
	*end = '\0';
	conv.answers[0] = jws;
	conv.nanswers = 1;
	rc = oa2t_auth(service, name, &conv, false);
	free(body);
	return rc;
}

static int token(const char *service, const char *sub, const char *name)
{
	return token_with(service, sub, name, "");
}

static void expect_rc(int rc, int want, const char *log)
{
	if (rc != want || (log != NULL && !oa2t_log_has(log)))
		fail_msg("PAM result %d, want %d with '%s'; log:\n%s", rc, want, log ? log : "",
			 oa2t_log_text());
}

static int cli(const char *args)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "'%s' accounts %s -c '%s/acc.conf' >/dev/null", CLI_PATH, args,
		 oa2t_tmp());
	return system(cmd);
}

static void denied_at_the_idp_leaves_no_account(void **state)
{
	(void)state;
	expect_rc(device("newbob", NULL), PAM_AUTH_ERR, "denied at the identity provider");
	assert_true(no_record("newbob"));
	assert_int_equal(registry_lines(), 0);
}

static void first_device_login_creates_the_account(void **state)
{
	const char *rec;

	(void)state;
	expect_rc(device("newalice", "alice"), PAM_SUCCESS,
		  "account newalice (uid " UID0 ") ready for its identity");
	oa2t_expect_log("login accepted: service=dev user=newalice");
	rec = scratch("userdb/newalice.user");
	assert_non_null(rec);
	assert_string_equal(rec, "{\"userName\":\"newalice\",\"uid\":" UID0 ",\"gid\":" UID0
				 ",\"homeDirectory\":\"/home/newalice\",\"shell\":\"/bin/bash\","
				 "\"disposition\":\"regular\",\"service\":\"pam_oauth2\"}\n");
	assert_non_null(scratch("userdb/newalice.group"));
	assert_non_null(strstr(scratch("accounts/registry"),
			       UID0 "\tnewalice\tactive\t"));
	assert_non_null(strstr(scratch("accounts/registry"),
			       "\t6f1c2a7e-0b4d-4c8a-9e21-a11ce0000001\n"));
	/* the next login: the same UID, no second entry */
	expect_rc(device("newalice", "alice"), PAM_SUCCESS, "account newalice (uid " UID0 ")");
	assert_int_equal(registry_lines(), 1);
	/* a second new user: another UID */
	expect_rc(device("newbob", "bob"), PAM_SUCCESS, "account newbob (uid " UID1 ")");
	assert_int_equal(registry_lines(), 2);
}

static void outside_new_users_leaves_no_record(void **state)
{
	(void)state;
	expect_rc(device("newcarol", "carol"), PAM_USER_UNKNOWN, "is not in new_users");
	assert_true(no_record("newcarol"));
	expect_rc(token("tok-narrow", "sub-erin", "newerin"), PAM_USER_UNKNOWN,
		  "is not in new_users");
	assert_true(no_record("newerin"));
	assert_int_equal(registry_lines(), 2);
}

static void names_nss_knows_are_never_created(void **state)
{
	(void)state;
	/* a system account: refused by min_uid, as without accounts */
	expect_rc(token("tok", "sub-daemon", "daemon"), PAM_PERM_DENIED, "is a system account");
	assert_true(no_record("daemon"));
	/* a local account: today's rules, and not taken into the registry */
	expect_rc(token("tok", "sub-mallory", "mallory"), PAM_SUCCESS, "login accepted");
	assert_true(no_record("mallory"));
	assert_int_equal(registry_lines(), 2);
}

static void another_sub_with_the_same_name_is_refused(void **state)
{
	char before[8192], path[512];
	FILE *f;

	(void)state;
	expect_rc(token("tok", "sub-dave", "newdave"), PAM_SUCCESS, "account newdave (uid");
	snprintf(before, sizeof(before), "%s", scratch("accounts/registry"));
	expect_rc(token("tok", "sub-eve", "newdave"), PAM_AUTH_ERR,
		  "account 'newdave' belongs to another identity");
	assert_string_equal(scratch("accounts/registry"), before);
	/* alice's name, claimed by another sub of the same IdP */
	expect_rc(token("tok", "sub-not-alice", "newalice"), PAM_AUTH_ERR,
		  "belongs to another identity");
	expect_rc(token("tok", "sub-dave", "newdave"), PAM_SUCCESS, "login accepted");
	/* once NSS serves the name (as nss-systemd does with the records), the
	 * mapping alone would let anyone called newalice in: the owner is
	 * checked still */
	snprintf(path, sizeof(path), "%s/passwd", oa2t_tmp());
	f = fopen(path, "a");
	assert_non_null(f);
	fputs("newalice:x:" UID0 ":" UID0 "::/home/newalice:/bin/bash\n", f);
	fclose(f);
	expect_rc(token("tok", "sub-not-alice", "newalice"), PAM_AUTH_ERR,
		  "account 'newalice' belongs to another identity");
	expect_rc(device("newalice", "alice"), PAM_SUCCESS, "login accepted: service=dev");
	assert_false(oa2t_log_has("ready for its identity")); /* checked, not created */
}

static void lock_unlock_remove(void **state)
{
	(void)state;
	assert_int_equal(cli("lock newdave"), 0);
	expect_rc(token("tok", "sub-dave", "newdave"), PAM_PERM_DENIED,
		  "account 'newdave' is locked");
	assert_non_null(strstr(scratch("userdb/newdave.user"), "\"locked\":true"));
	assert_int_equal(cli("unlock newdave"), 0);
	expect_rc(token("tok", "sub-dave", "newdave"), PAM_SUCCESS, "login accepted");
	assert_int_equal(cli("remove newdave"), 0);
	assert_null(scratch("userdb/newdave.user"));
	expect_rc(token("tok", "sub-dave", "newdave"), PAM_PERM_DENIED, "was removed");
	assert_non_null(strstr(scratch("accounts/registry"), "\tnewdave\tremoved\t"));
	/* its UID is not handed out again */
	expect_rc(token("tok", "sub-frank", "newfrank"), PAM_SUCCESS, "account newfrank (uid 1900000003)");
	assert_int_equal(cli("show newdave"), 0);
	assert_int_not_equal(cli("show nosuchname"), 0);
	assert_int_not_equal(cli("lock nosuchname"), 0);
}

/* newkim logs in through service with the claims extra; afterwards she is
 * a member of nogroup or not. */
static void kim_login(const char *service, const char *extra, bool member)
{
	expect_rc(token_with(service, "sub-kim", "newkim", extra), PAM_SUCCESS, "login accepted");
	if ((scratch("userdb/newkim:nogroup.membership") != NULL) != member)
		fail_msg("%s with %s: nogroup membership %s", service, extra,
			 member ? "missing" : "left");
}

/* group_map reads groups_claim as require_groups does: Keycloak's dotted
 * realm_access.roles, ZITADEL's object of role names, Entra's object IDs;
 * the membership follows the token at every login. */
static void group_map_reads_every_claim_form(void **state)
{
	static const struct {
		const char *service, *claims;
		bool member;
	} logins[] = {
		{"tok-kc", ",\"realm_access\":{\"roles\":[\"offline_access\",\"admins\"]}", true},
		/* a top-level "admins" is not the role: the path is what counts */
		{"tok-kc", ",\"admins\":[\"admins\"],\"realm_access\":{\"roles\":[]}", false},
		/* ZITADEL: the member names; false is no membership */
		{"tok-zit", ",\"urn:zitadel:iam:org:project:roles\":{\"users\":false,"
			    "\"admins\":{\"2739\":\"acme.example\"}}", true},
		{"tok-zit", ",\"urn:zitadel:iam:org:project:roles\":{\"admins\":false}", false},
		/* Entra: the object ID, never the display name */
		{"tok-entra", ",\"groups\":[\"5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b\"]", true},
		{"tok-entra", ",\"groups\":[\"admins\"]", false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(logins) / sizeof(logins[0]); i++)
		kim_login(logins[i].service, logins[i].claims, logins[i].member);
	oa2t_expect_log("account newkim (uid");
	/* a claim that is no form of groups refuses the login, writes nothing */
	kim_login("tok-kc", ",\"realm_access\":{\"roles\":[\"admins\"]}", true);
	expect_rc(token_with("tok-kc", "sub-kim", "newkim", ",\"realm_access\":{\"roles\":42}"),
		  PAM_AUTH_ERR, "group_map: claim 'realm_access.roles' is a number");
	assert_non_null(scratch("userdb/newkim:nogroup.membership"));
}

/* GROUP+: a group neither NSS nor the registry knows is created at the
 * first login that maps to it (a registry line, its records, the
 * membership), kept at the next; a name NSS knows is never taken over. */
static void group_map_creates_a_group(void **state)
{
	const char *reg;

	(void)state;
	expect_rc(token_with("tok-mk", "sub-lou", "newlou", ",\"groups\":[\"devs\"]"), PAM_SUCCESS,
		  "login accepted");
	reg = scratch("accounts/registry");
	assert_non_null(reg);
	assert_non_null(strstr(reg, "\toa2devs\tgroup\t"));
	assert_non_null(scratch("userdb/oa2devs.group"));
	assert_non_null(scratch("userdb/newlou:oa2devs.membership"));
	expect_rc(token_with("tok-mk", "sub-lou", "newlou", ",\"groups\":[\"devs\"]"), PAM_SUCCESS,
		  "login accepted");
	reg = scratch("accounts/registry");
	assert_non_null(strstr(reg, "\toa2devs\tgroup\t"));
	/* the command lists and shows it; it is no account to lock */
	assert_int_equal(cli("list"), 0);
	assert_int_equal(cli("show oa2devs"), 0);
	assert_int_equal(WEXITSTATUS(cli("lock oa2devs")), 6);
	/* root is a group NSS knows: refused, nothing made of it */
	expect_rc(token_with("tok-mk", "sub-lou", "newlou", ",\"groups\":[\"admins\"]"),
		  PAM_AUTH_ERR, "a group 'root' exists that group_map did not create");
	assert_null(scratch("userdb/root.group"));
	assert_null(scratch("userdb/newlou:root.membership"));
}

static void accounts_off_needs_an_existing_account(void **state)
{
	(void)state;
	expect_rc(token("tok-off", "sub-gina", "newgina"), PAM_USER_UNKNOWN,
		  "no local account 'newgina'");
	assert_true(no_record("newgina"));
}

int main(int argc, char **argv)
{
	static const struct oa2t_service services[] = {
		{"dev", "config=%T/acc.conf grant=device user_map_file=%T/map new_users=alice,bob debug",
		 false},
		{"tok", "config=%T/acc.conf grant=token new_users=* debug", false},
		{"tok-narrow", "config=%T/acc.conf grant=token new_users=*@corp.test debug", false},
		{"tok-off", "config=%T/acc.conf grant=token accounts=off new_users=* debug", false},
		{"tok-kc", "config=%T/acc.conf grant=token new_users=* groups_claim=realm_access.roles "
		 "group_map=admins:nogroup debug", false},
		{"tok-zit", "config=%T/acc.conf grant=token new_users=* "
		 "groups_claim=urn:zitadel:iam:org:project:roles group_map=admins:nogroup debug", false},
		{"tok-mk", "config=%T/acc.conf grant=token new_users=* group_map=devs:oa2devs+,"
		 "admins:root+ debug", false},
		{"tok-entra", "config=%T/acc.conf grant=token new_users=* "
		 "group_map=5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b:nogroup debug", false},
		{NULL, NULL, false},
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(denied_at_the_idp_leaves_no_account),
		cmocka_unit_test(first_device_login_creates_the_account),
		cmocka_unit_test(outside_new_users_leaves_no_record),
		cmocka_unit_test(names_nss_knows_are_never_created),
		cmocka_unit_test(another_sub_with_the_same_name_is_refused),
		cmocka_unit_test(lock_unlock_remove),
		cmocka_unit_test(group_map_reads_every_claim_form),
		cmocka_unit_test(group_map_creates_a_group),
		cmocka_unit_test(accounts_off_needs_an_existing_account),
	};

	oa2t_init(argc, argv, services);
	return cmocka_run_group_tests(tests, setup, oa2t_idp_teardown);
}
