/* test_usermap.c - from claims to a local account: strict, never a wrong one.
 *
 * Uses accounts every Debian system has: root (uid 0), daemon (1), bin (2),
 * sys (3), nobody (65534). new_cfg leaves min_uid at 0 so that the system
 * accounts can stand in for users; the min_uid cases set it themselves.
 * Must run as root for the map-file cases (the file must be root-owned). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "module/usermap.h"

static char tmpdir[64];

static struct oa2_config *new_cfg(void)
{
	struct oa2_config *cfg = calloc(1, sizeof(*cfg));

	assert_non_null(cfg);
	cfg->username_claim = strdup("preferred_username");
	assert_non_null(cfg->username_claim);
	return cfg;
}

/* Resolve claims (JSON text) with cfg; out receives the user name. */
static int resolve(const struct oa2_config *cfg, const char *json, char *out, oa2_error *err)
{
	json_object *c = json_tokener_parse(json);
	int rc;

	if (c == NULL)
		fail_msg("test JSON does not parse: %s", json);
	oa2_error_clear(err);
	rc = oa2_usermap_resolve(cfg, c, out, err);
	json_object_put(c);
	return rc;
}

static void mapped_to(int line, const struct oa2_config *cfg, const char *json, const char *want)
{
	char out[OA2_USER_MAX];
	oa2_error err = {0};

	memset(out, 'X', sizeof(out));
	if (resolve(cfg, json, out, &err) != 0)
		fail_msg("line %d: refused (%s %s): %s", line, oa2_errkind_name(err.kind), err.msg,
			 json);
	if (strcmp(out, want) != 0)
		fail_msg("line %d: mapped to '%s', want '%s': %s", line, out, want, json);
}

static void not_mapped(int line, const struct oa2_config *cfg, const char *json,
		       enum oa2_errkind kind, const char *frag)
{
	char out[OA2_USER_MAX];
	oa2_error err = {0};

	memset(out, 'X', sizeof(out));
	if (resolve(cfg, json, out, &err) != -1)
		fail_msg("line %d: mapped to '%s' but should be refused: %s", line, out, json);
	if (err.kind != kind)
		fail_msg("line %d: refused as %s, want %s (%s): %s", line,
			 oa2_errkind_name(err.kind),
			 oa2_errkind_name(kind), err.msg, json);
	if (strstr(err.msg, frag) == NULL)
		fail_msg("line %d: message '%s' lacks '%s': %s", line, err.msg, frag, json);
}

#define MAPS(cfg, json, want) mapped_to(__LINE__, cfg, json, want)
#define REFUSES(cfg, json, kind, frag) not_mapped(__LINE__, cfg, json, kind, frag)
#define PU(v) "{\"sub\":\"s1\",\"preferred_username\":" v "}"

static void exact_name_maps(void **state)
{
	struct oa2_config *cfg = *state;

	MAPS(cfg, PU("\"daemon\""), "daemon");
	MAPS(cfg, PU("\"bin\""), "bin");
}

static void no_case_folding_unless_asked(void **state)
{
	struct oa2_config *cfg = *state;

	REFUSES(cfg, PU("\"Daemon\""), OA2_ERR_USER, "no local account 'Daemon'");
	REFUSES(cfg, PU("\"DAEMON\""), OA2_ERR_USER, "no local account 'DAEMON'");
	cfg->lowercase = 1;
	MAPS(cfg, PU("\"Daemon\""), "daemon");
	MAPS(cfg, PU("\"DAEMON\""), "daemon");
	/* Lower-casing is ASCII only: a non-ASCII letter is still refused. */
	REFUSES(cfg, PU("\"D\xc3\x86MON\""), OA2_ERR_DENIED, "does not map to a valid user name");
}

static void malformed_names_refused(void **state)
{
	struct oa2_config *cfg = *state;
	static const char *bad[] = {
		"\"daemon \"", "\" daemon\"", "\"../daemon\"", "\"dae/mon\"", "\"-daemon\"",
		"\".daemon\"", "\"da\xc3\xa9mon\"", "\"da\\u00e9mon\"", "\"daemon\\n\"",
		"\"daemon\\t\"", "\"\"", "\"dae mon\"", "\"daemon:x\"", "\"dae\\\\mon\"",
		"\"$daemon\"", "\"dae$mon\"", "\"daemon@\"", "\"@daemon\"", "\"daemon\\r\"",
	};
	char json[512], longname[101];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json), PU("%s"), bad[i]);
		REFUSES(cfg, json, OA2_ERR_DENIED, "does not map to a valid user name");
	}
	memset(longname, 'd', 100);
	longname[100] = '\0';
	snprintf(json, sizeof(json), PU("\"%s\""), longname);
	REFUSES(cfg, json, OA2_ERR_DENIED, "does not map to a valid user name");
	/* An embedded NUL would make "daemon\0x" look like "daemon" to C. */
	REFUSES(cfg, PU("\"daemon\\u0000x\""), OA2_ERR_DENIED, "not a clean string");
	REFUSES(cfg, PU("\"daemon\\u0000\""), OA2_ERR_DENIED, "not a clean string");
}

static void username_valid_rules(void **state)
{
	char n64[65], n63[64];

	(void)state;
	assert_true(oa2_username_valid("daemon"));
	assert_true(oa2_username_valid("a.b-c_d9"));
	assert_true(oa2_username_valid("host$"));
	assert_false(oa2_username_valid(""));
	assert_false(oa2_username_valid("-x"));
	assert_false(oa2_username_valid(".x"));
	assert_false(oa2_username_valid("a b"));
	assert_false(oa2_username_valid("a/b"));
	assert_false(oa2_username_valid("a$b"));
	assert_false(oa2_username_valid("a\x7f"));
	assert_false(oa2_username_valid("\xc3\xa9"));
	memset(n63, 'a', 63);
	n63[63] = '\0';
	assert_true(oa2_username_valid(n63));
	memset(n64, 'a', 64);
	n64[64] = '\0';
	assert_false(oa2_username_valid(n64));
}

static void root_needs_allow_root(void **state)
{
	struct oa2_config *cfg = *state;
	oa2_error err = {0};

	REFUSES(cfg, PU("\"root\""), OA2_ERR_PERM, "uid 0 and allow_root is not set");
	assert_int_equal(oa2_usermap_account_ok(cfg, "root", &err), -1);
	assert_int_equal(err.kind, OA2_ERR_PERM);
	cfg->allow_root = 1;
	MAPS(cfg, PU("\"root\""), "root");
	oa2_error_clear(&err);
	assert_int_equal(oa2_usermap_account_ok(cfg, "root", &err), 0);
	assert_int_equal(err.kind, OA2_OK);
}

/* An IdP account named daemon must not become the local daemon: no uid
 * below min_uid, at mapping and again in the account re-check. */
static void system_accounts_below_min_uid(void **state)
{
	struct oa2_config *cfg = *state;
	oa2_error err = {0};

	cfg->min_uid = 1000;
	REFUSES(cfg, PU("\"daemon\""), OA2_ERR_PERM,
		"'daemon' is a system account (uid 1, below min_uid 1000)");
	REFUSES(cfg, PU("\"sys\""), OA2_ERR_PERM, "below min_uid 1000");
	assert_int_equal(oa2_usermap_account_ok(cfg, "daemon", &err), -1);
	assert_int_equal(err.kind, OA2_ERR_PERM);
	assert_non_null(strstr(err.msg, "below min_uid"));
	/* the boundary: min_uid itself is allowed */
	cfg->min_uid = 3;
	REFUSES(cfg, PU("\"bin\""), OA2_ERR_PERM, "uid 2, below min_uid 3");
	MAPS(cfg, PU("\"sys\""), "sys");
	oa2_error_clear(&err);
	assert_int_equal(oa2_usermap_account_ok(cfg, "sys", &err), 0);
}

/* uid 0 is allow_root's alone: min_uid neither refuses nor admits it. */
static void root_is_allow_root_whatever_min_uid(void **state)
{
	struct oa2_config *cfg = *state;

	cfg->min_uid = 1000;
	REFUSES(cfg, PU("\"root\""), OA2_ERR_PERM, "uid 0 and allow_root is not set");
	cfg->allow_root = 1;
	MAPS(cfg, PU("\"root\""), "root");
	REFUSES(cfg, PU("\"daemon\""), OA2_ERR_PERM, "below min_uid");
	cfg->min_uid = 0;
	cfg->allow_root = 0;
	REFUSES(cfg, PU("\"root\""), OA2_ERR_PERM, "uid 0 and allow_root is not set");
}

/* nobody's uid is above any min_uid, and still never an account to log into. */
static void nobody_is_never_mapped(void **state)
{
	struct oa2_config *cfg = *state;
	oa2_error err = {0};

	REFUSES(cfg, PU("\"nobody\""), OA2_ERR_PERM, "'nobody' has uid 65534 (nobody)");
	cfg->allow_root = 1;
	assert_int_equal(oa2_usermap_account_ok(cfg, "nobody", &err), -1);
	assert_int_equal(err.kind, OA2_ERR_PERM);
}

static void account_ok_checks(void **state)
{
	struct oa2_config *cfg = *state;
	oa2_error err = {0};

	assert_int_equal(oa2_usermap_account_ok(cfg, "daemon", &err), 0);
	assert_int_equal(oa2_usermap_account_ok(cfg, "no-such-user-oa2", &err), -1);
	assert_int_equal(err.kind, OA2_ERR_USER);
	assert_non_null(strstr(err.msg, "no local account 'no-such-user-oa2'"));
	oa2_error_clear(&err);
	assert_int_equal(oa2_usermap_account_ok(cfg, "../daemon", &err), -1);
	assert_int_equal(err.kind, OA2_ERR_USER);
	assert_non_null(strstr(err.msg, "not a valid user name"));
}

/* resolve starts by emptying out; a refusal must not leave a candidate
 * name there either (a caller that logs or reuses it would name, or act on,
 * an account that was refused). */
static void refusal_leaves_no_name(void **state)
{
	static const char *cases[] = {PU("\"root\""), PU("\"Daemon\""), PU("\"no-such-user-oa2\"")};
	struct oa2_config *cfg = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[OA2_USER_MAX];
		oa2_error err = {0};

		memset(out, 'X', sizeof(out));
		assert_int_equal(resolve(cfg, cases[i], out, &err), -1);
		assert_int_not_equal(err.kind, OA2_OK);
		if (out[0] != '\0')
			fail_msg("out holds '%.20s' after refusing %s (%s)", out, cases[i],
				 err.msg);
	}
}

static void claim_missing_or_wrong_type(void **state)
{
	struct oa2_config *cfg = *state;

	REFUSES(cfg, "{\"sub\":\"daemon\"}", OA2_ERR_DENIED, "no 'preferred_username' claim");
	REFUSES(cfg, PU("null"), OA2_ERR_DENIED, "no 'preferred_username' claim");
	REFUSES(cfg, PU("1"), OA2_ERR_DENIED, "not a clean string");
	REFUSES(cfg, PU("[\"daemon\"]"), OA2_ERR_DENIED, "not a clean string");
	REFUSES(cfg, PU("{\"name\":\"daemon\"}"), OA2_ERR_DENIED, "not a clean string");
	REFUSES(cfg, PU("true"), OA2_ERR_DENIED, "not a clean string");
}

static void strip_domains(void **state)
{
	struct oa2_config *cfg = *state;

	/* Without strip_domains an address is not a user name. */
	REFUSES(cfg, PU("\"daemon@example.com\""), OA2_ERR_DENIED, "does not map");
	cfg->strip_domains = strdup("example.com other.org");
	MAPS(cfg, PU("\"daemon@example.com\""), "daemon");
	MAPS(cfg, PU("\"daemon@other.org\""), "daemon");
	MAPS(cfg, PU("\"daemon@EXAMPLE.COM\""), "daemon");
	REFUSES(cfg, PU("\"daemon@evil.com\""), OA2_ERR_DENIED, "does not map");
	REFUSES(cfg, PU("\"daemon@example.com.evil.com\""), OA2_ERR_DENIED, "does not map");
	REFUSES(cfg, PU("\"daemon@xexample.com\""), OA2_ERR_DENIED, "does not map");
	REFUSES(cfg, PU("\"daemon@example\""), OA2_ERR_DENIED, "does not map");
	REFUSES(cfg, PU("\"daemon@\""), OA2_ERR_DENIED, "does not map");
	REFUSES(cfg, PU("\"@example.com\""), OA2_ERR_DENIED, "does not map");
	/* Only the last "@domain" is removed; what is left is not a user name. */
	REFUSES(cfg, PU("\"daemon@evil.com@example.com\""), OA2_ERR_DENIED, "does not map");
	REFUSES(cfg, PU("\"daemon@example.com@example.com\""), OA2_ERR_DENIED, "does not map");
	REFUSES(cfg, PU("\"root@example.com\""), OA2_ERR_PERM, "allow_root");
	/* A case-folded local part still needs lowercase=1. */
	REFUSES(cfg, PU("\"Daemon@example.com\""), OA2_ERR_USER, "no local account 'Daemon'");
}

static void dotted_username_claim(void **state)
{
	struct oa2_config *cfg = *state;

	free(cfg->username_claim);
	cfg->username_claim = strdup("ext.login");
	MAPS(cfg, "{\"sub\":\"x\",\"ext\":{\"login\":\"daemon\"}}", "daemon");
	/* A key that itself holds the dot wins over the path. */
	MAPS(cfg, "{\"sub\":\"x\",\"ext.login\":\"bin\",\"ext\":{\"login\":\"daemon\"}}",
	     "bin");
	REFUSES(cfg, "{\"sub\":\"x\",\"ext\":{\"name\":\"daemon\"}}", OA2_ERR_DENIED,
		"no 'ext.login' claim");
	REFUSES(cfg, "{\"sub\":\"x\",\"ext\":\"daemon\"}", OA2_ERR_DENIED, "no 'ext.login' claim");
	REFUSES(cfg, "{\"sub\":\"x\",\"ext\":{\"login\":[\"daemon\"]}}", OA2_ERR_DENIED,
		"not a clean string");
}

/* Write a map file in tmpdir; returns its path (static buffer). */
static const char *write_map(const char *name, const char *text, mode_t mode)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void map_file(void **state)
{
	struct oa2_config *cfg = *state;

	cfg->user_map_file = strdup(write_map("map", "# identity local-user\n\n"
						     "alice@corp daemon\n"
						     "  bob@corp\tbin  \n"
						     "admin@corp root\n",
					      0644));
	MAPS(cfg, PU("\"alice@corp\""), "daemon");
	MAPS(cfg, PU("\"bob@corp\""), "bin");
	/* A map entry to root still needs allow_root. */
	REFUSES(cfg, PU("\"admin@corp\""), OA2_ERR_PERM, "allow_root");
	/* The identity must match exactly. */
	REFUSES(cfg, PU("\"Alice@corp\""), OA2_ERR_DENIED, "does not map");
	REFUSES(cfg, PU("\"alice@corp \""), OA2_ERR_DENIED, "does not map");
	/* Not in the map: the normal rules apply. */
	MAPS(cfg, PU("\"daemon\""), "daemon");
	REFUSES(cfg, PU("\"carol@corp\""), OA2_ERR_DENIED, "does not map");
}

/* A map entry does not bypass min_uid. */
static void map_file_entry_below_min_uid(void **state)
{
	struct oa2_config *cfg = *state;

	cfg->user_map_file = strdup(write_map("map", "alice@corp daemon\nbob@corp bin\n", 0644));
	cfg->min_uid = 2;
	REFUSES(cfg, PU("\"alice@corp\""), OA2_ERR_PERM, "below min_uid 2");
	MAPS(cfg, PU("\"bob@corp\""), "bin");
}

/* user_map_only: a miss in the map is a refusal, never the claim itself. */
static void map_only_refuses_unmapped_identities(void **state)
{
	struct oa2_config *cfg = *state;

	cfg->user_map_file = strdup(write_map("map", "alice@corp daemon\n", 0644));
	MAPS(cfg, PU("\"daemon\""), "daemon"); /* without: the claim itself */
	cfg->user_map_only = 1;
	MAPS(cfg, PU("\"alice@corp\""), "daemon");
	REFUSES(cfg, PU("\"daemon\""), OA2_ERR_DENIED,
		"identity 'daemon' is not in the user map (user_map_only)");
	REFUSES(cfg, PU("\"bin\""), OA2_ERR_DENIED, "not in the user map");
	cfg->strip_domains = strdup("corp");
	cfg->lowercase = 1;
	REFUSES(cfg, PU("\"Alice@corp\""), OA2_ERR_DENIED, "not in the user map");
	REFUSES(cfg, PU("\"daemon@corp\""), OA2_ERR_DENIED, "not in the user map");
}

static void map_file_unsafe_or_malformed(void **state)
{
	struct oa2_config *cfg = *state;

	cfg->user_map_file = strdup(write_map("bad", "alice@corp ../daemon\n", 0644));
	REFUSES(cfg, PU("\"alice@corp\""), OA2_ERR_CONFIG, "bad:1: malformed entry");
	/* Any malformed line is refused, not only the one asked for. */
	REFUSES(cfg, PU("\"daemon\""), OA2_ERR_CONFIG, "malformed entry");
	free(cfg->user_map_file);
	cfg->user_map_file = strdup(write_map("extra", "alice@corp daemon nobody\n", 0644));
	REFUSES(cfg, PU("\"alice@corp\""), OA2_ERR_CONFIG, "malformed entry");
	free(cfg->user_map_file);
	cfg->user_map_file = strdup(write_map("lonely", "alice@corp\n", 0644));
	REFUSES(cfg, PU("\"alice@corp\""), OA2_ERR_CONFIG, "malformed entry");
	/* The line number counts empty and comment lines, as an editor does. */
	free(cfg->user_map_file);
	cfg->user_map_file = strdup(write_map("line4", "# map\n\nbob@corp bin\r\nalice@corp\n",
					      0644));
	REFUSES(cfg, PU("\"alice@corp\""), OA2_ERR_CONFIG, "line4:4: malformed entry");
	free(cfg->user_map_file);
	cfg->user_map_file = strdup(write_map("ww", "alice@corp daemon\n", 0666));
	REFUSES(cfg, PU("\"alice@corp\""), OA2_ERR_CONFIG, "writable by group or others");
	free(cfg->user_map_file);
	cfg->user_map_file = strdup(write_map("gw", "alice@corp daemon\n", 0664));
	REFUSES(cfg, PU("\"alice@corp\""), OA2_ERR_CONFIG, "writable by group or others");
	free(cfg->user_map_file);
	cfg->user_map_file = strdup(write_map("owned", "alice@corp daemon\n", 0644));
	assert_int_equal(chown(cfg->user_map_file, 1, 1), 0);
	REFUSES(cfg, PU("\"alice@corp\""), OA2_ERR_CONFIG, "must be owned by root");
	free(cfg->user_map_file);
	cfg->user_map_file = malloc(strlen(tmpdir) + sizeof("/absent"));
	assert_non_null(cfg->user_map_file);
	sprintf(cfg->user_map_file, "%s/absent", tmpdir);
	REFUSES(cfg, PU("\"daemon\""), OA2_ERR_CONFIG, "cannot open");
}

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "test_usermap must run as root (map files must be root-owned)\n");
		return -1;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/oa2-usermap-XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

/* Remove every file the tests wrote, whatever its name. */
static int teardown(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char path[400];

	(void)state;
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	return rmdir(tmpdir);
}

/* resolve_login with accounts = create: *is_new and the result. */
static int resolve_new(const struct oa2_config *cfg, const char *json, char *out, bool *is_new,
		       oa2_error *err)
{
	json_object *c = json_tokener_parse(json);
	int rc;

	assert_non_null(c);
	oa2_error_clear(err);
	*is_new = true; /* must be set either way */
	rc = oa2_usermap_resolve_login(cfg, c, out, is_new, err);
	json_object_put(c);
	return rc;
}

/* accounts = create: a name no NSS source knows passes only when the
 * identity as sent matches new_users; known names keep every rule. */
static void new_names_need_new_users(void **state)
{
	struct oa2_config *cfg = *state;
	char out[OA2_USER_MAX];
	oa2_error err;
	bool is_new;

	cfg->accounts = OA2_ACCOUNTS_CREATE;
	cfg->min_uid = 1000;
	/* nobody new by default */
	assert_int_equal(resolve_new(cfg, "{\"preferred_username\":\"oa2-new-user\"}", out, &is_new,
				     &err), -1);
	assert_int_equal(err.kind, OA2_ERR_USER);
	assert_non_null(strstr(err.msg, "not in new_users"));
	assert_false(is_new);
	assert_string_equal(out, "");
	cfg->new_users = strdup("*@example.com carol");
	assert_non_null(cfg->new_users);
	cfg->strip_domains = strdup("example.com");
	assert_non_null(cfg->strip_domains);
	/* matched against the identity as the IdP sent it, before strip_domain */
	assert_int_equal(resolve_new(cfg, "{\"preferred_username\":\"oa2-new@example.com\"}", out,
				     &is_new, &err), 0);
	assert_true(is_new);
	assert_string_equal(out, "oa2-new");
	assert_int_equal(resolve_new(cfg, "{\"preferred_username\":\"oa2-new@example.org\"}", out,
				     &is_new, &err), -1);
	assert_false(is_new);
	/* byte for byte: no case folding (strip_domain folds the domain,
	 * new_users does not) */
	assert_int_equal(resolve_new(cfg, "{\"preferred_username\":\"oa2-new@EXAMPLE.COM\"}", out,
				     &is_new, &err), -1);
	assert_int_equal(resolve_new(cfg, "{\"preferred_username\":\"Carol\"}", out, &is_new, &err),
			 -1);
	assert_false(is_new);
	/* names that are never new: invalid ones, ".", ".." */
	free(cfg->new_users);
	cfg->new_users = strdup("*");
	assert_non_null(cfg->new_users);
	assert_int_equal(resolve_new(cfg, "{\"preferred_username\":\".\"}", out, &is_new, &err), -1);
	assert_int_equal(resolve_new(cfg, "{\"preferred_username\":\"..\"}", out, &is_new, &err), -1);
	assert_int_equal(resolve_new(cfg, "{\"preferred_username\":\"a/b\"}", out, &is_new, &err), -1);
	assert_false(is_new);
	/* names NSS knows keep today's rules, whatever new_users says */
	assert_int_equal(resolve_new(cfg, "{\"preferred_username\":\"daemon\"}", out, &is_new, &err),
			 -1);
	assert_int_equal(err.kind, OA2_ERR_PERM);
	assert_false(is_new);
	assert_int_equal(resolve_new(cfg, "{\"preferred_username\":\"root\"}", out, &is_new, &err),
			 -1);
	assert_false(is_new);
	/* accounts = off: an unknown name is refused as before */
	cfg->accounts = OA2_ACCOUNTS_OFF;
	assert_int_equal(resolve_new(cfg, "{\"preferred_username\":\"oa2-new-user\"}", out, &is_new,
				     &err), -1);
	assert_int_equal(err.kind, OA2_ERR_USER);
	assert_false(is_new);
	/* oa2_usermap_resolve never lets a new name through */
	cfg->accounts = OA2_ACCOUNTS_CREATE;
	not_mapped(__LINE__, cfg, "{\"preferred_username\":\"oa2-new-user\"}", OA2_ERR_USER,
		   "no local account");
}

static int cfg_new(void **state)
{
	*state = new_cfg();
	return 0;
}

static int cfg_free(void **state)
{
	oa2_config_free(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(exact_name_maps, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(no_case_folding_unless_asked, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(malformed_names_refused, cfg_new, cfg_free),
		cmocka_unit_test(username_valid_rules),
		cmocka_unit_test_setup_teardown(root_needs_allow_root, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(system_accounts_below_min_uid, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(root_is_allow_root_whatever_min_uid, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(nobody_is_never_mapped, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(account_ok_checks, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(refusal_leaves_no_name, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(claim_missing_or_wrong_type, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(strip_domains, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(dotted_username_claim, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(map_file, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(map_file_entry_below_min_uid, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(map_only_refuses_unmapped_identities, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(map_file_unsafe_or_malformed, cfg_new, cfg_free),
		cmocka_unit_test_setup_teardown(new_names_need_new_users, cfg_new, cfg_free),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
