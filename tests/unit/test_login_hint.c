/* test_login_hint.c - the CIBA login_hint (src/shared/login_hint.c) and the
 * user_map_file read backwards (src/shared/user_map.c): templates, safe
 * substitution of the PAM user and the mapped identity, the iss_sub JSON
 * written by the JSON library whatever the identity holds, hostile user
 * names and map entries. Runs as root (the map file must be root-owned). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/login_hint.h"
#include "shared/user_map.h"

#define ISSUER "https://tenant.example.test/"

static char dir[64];

static const char *map_file(const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/map", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

static struct oa2_config cfg_for(const char *tmpl, int format, const char *map)
{
	struct oa2_config c;

	memset(&c, 0, sizeof(c));
	c.issuer = (char *)ISSUER;
	c.ciba_login_hint = (char *)tmpl;
	c.ciba_login_hint_format = format;
	c.user_map_file = (char *)map;
	return c;
}

/* The hint for user, or NULL with err set. */
static char *make(const struct oa2_config *c, const char *user, oa2_error *err)
{
	char *hint = (char *)"untouched";

	oa2_error_clear(err);
	if (oa2_login_hint_make(c, user, &hint, err) != 0) {
		assert_null(hint);
		return NULL;
	}
	assert_non_null(hint);
	return hint;
}

static void templates(void **state)
{
	static const char *const bad[] = {"", "admin@example.com", "%%u", "%s", "%u%", "%I",
					  "%u\t", "caf\xc3\xa9%u"};
	static const char *const good[] = {"%u", "%i", "%u@example.com", "%%%i", "x%u%u"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_non_null(oa2_login_hint_problem(bad[i]));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_null(oa2_login_hint_problem(good[i]));
	assert_true(oa2_login_hint_uses("a%ib", 'i'));
	assert_false(oa2_login_hint_uses("a%%ib", 'i'));
	assert_false(oa2_login_hint_uses("%u%%i", 'i'));
	assert_true(oa2_login_hint_uses("%%%i", 'i'));
	assert_false(oa2_login_hint_uses("%", 'i'));
}

/* The identity of the first entry for the user; none; malformed lines. */
static void reverse_map(void **state)
{
	oa2_error err = {0};
	char *id = NULL;
	char user[OA2_USER_MAX];

	(void)state;
	assert_int_equal(oa2_user_map_identity(map_file("# comment\n\nauth0|111 alice\n"
							"alice@old.example alice\nauth0|222 bob\n"),
					       "alice", &id, &err), 0);
	assert_string_equal(id, "auth0|111");
	free(id);
	assert_int_equal(oa2_user_map_identity(map_file("auth0|222 bob\n"), "alice", &id, &err), 1);
	assert_null(id);
	/* the forward direction still reads the same file */
	assert_int_equal(oa2_user_map_find(map_file("auth0|111 alice\n"), "auth0|111", user, &err),
			 0);
	assert_string_equal(user, "alice");
	assert_int_equal(oa2_user_map_find(map_file("auth0|111 alice\n"), "alice", user, &err), 1);
	/* a malformed line before the answer is a configuration error */
	assert_int_equal(oa2_user_map_identity(map_file("x y z\nauth0|111 alice\n"), "alice", &id,
					       &err), -1);
	assert_int_equal(err.kind, OA2_ERR_CONFIG);
	assert_non_null(strstr(err.msg, ":1: malformed entry"));
	oa2_error_clear(&err);
	/* a local name that is not a user name is malformed, never matched */
	assert_int_equal(oa2_user_map_identity(map_file("evil al/ice\n"), "al/ice", &id, &err), -1);
	oa2_error_clear(&err);
	/* no file: an error, not "no entry" */
	assert_int_equal(oa2_user_map_identity("/nonexistent/map", "alice", &id, &err), -1);
	oa2_error_clear(&err);
}

/* %u only from safe characters, %i only from printable ASCII. */
static void plain_hints(void **state)
{
	static const char *const hostile_users[] = {"bob@attacker.example", "a+b", "a%40b", "x y",
						    "-x", ".x", "svc$", "", "a\"b", "a\\b",
						    "a\nb", "caf\xc3\xa9"};
	struct oa2_config c = cfg_for("%u@example.com", OA2_HINT_PLAIN, NULL);
	oa2_error err = {0};
	char *hint;

	(void)state;
	hint = make(&c, "alice", &err);
	assert_string_equal(hint, "alice@example.com");
	free(hint);
	for (size_t i = 0; i < sizeof(hostile_users) / sizeof(hostile_users[0]); i++) {
		assert_null(make(&c, hostile_users[i], &err));
		assert_int_equal(err.kind, OA2_ERR_DENIED);
	}

	c = cfg_for("%i", OA2_HINT_PLAIN,
		    map_file("alice@corp.example alice\nbob@corp.example bob\n"));
	hint = make(&c, "bob", &err);
	assert_string_equal(hint, "bob@corp.example");
	free(hint);
	/* no entry for carol: nothing to hint, nothing sent */
	assert_null(make(&c, "carol", &err));
	assert_int_equal(err.kind, OA2_ERR_DENIED);
	assert_non_null(strstr(err.msg, "no entry of user_map_file maps an identity to carol"));
	/* a PAM user that is no user name is not even looked up */
	assert_null(make(&c, "../alice", &err));
	assert_int_equal(err.kind, OA2_ERR_DENIED);
}

/* Hostile map entries: control and non-ASCII bytes are refused, never
 * sent; the longest identity passes, one byte more is refused. */
static void hostile_map_entries(void **state)
{
	char text[1024], *hint, longest[OA2_HINT_IDENTITY_MAX + 2];
	struct oa2_config c;
	oa2_error err = {0};
	static const char *const refused[] = {"a\x01" "b", "a\x1b[31mb", "caf\xc3\xa9", "a\x7f"};

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(text, sizeof(text), "%s alice\n", refused[i]);
		c = cfg_for("%i", OA2_HINT_ISS_SUB, map_file(text));
		assert_null(make(&c, "alice", &err));
		assert_int_equal(err.kind, OA2_ERR_DENIED);
		assert_non_null(strstr(err.msg, "not usable in a CIBA login hint"));
	}
	memset(longest, 'x', sizeof(longest));
	longest[OA2_HINT_IDENTITY_MAX] = '\0';
	snprintf(text, sizeof(text), "%s alice\n", longest);
	c = cfg_for("%i", OA2_HINT_PLAIN, map_file(text));
	hint = make(&c, "alice", &err);
	assert_non_null(hint);
	assert_int_equal(strlen(hint), OA2_HINT_IDENTITY_MAX);
	free(hint);
	longest[OA2_HINT_IDENTITY_MAX] = 'x';
	longest[OA2_HINT_IDENTITY_MAX + 1] = '\0';
	snprintf(text, sizeof(text), "%s alice\n", longest);
	c = cfg_for("%i", OA2_HINT_PLAIN, map_file(text));
	assert_null(make(&c, "alice", &err));
	assert_int_equal(err.kind, OA2_ERR_DENIED);
	/* the template's expansion has its own limit: a configuration error */
	c = cfg_for("%i%i%i", OA2_HINT_PLAIN, map_file(text + 1));
	assert_null(make(&c, "alice", &err));
	assert_int_equal(err.kind, OA2_ERR_CONFIG);
}

/* Parse the iss_sub hint back and compare every member. */
static void expect_iss_sub(const char *hint, const char *sub)
{
	json_object *o = json_tokener_parse(hint), *v;

	assert_non_null(o);
	assert_int_equal(json_object_object_length(o), 3);
	assert_true(json_object_object_get_ex(o, "format", &v));
	assert_string_equal(json_object_get_string(v), "iss_sub");
	assert_true(json_object_object_get_ex(o, "iss", &v));
	assert_string_equal(json_object_get_string(v), ISSUER);
	assert_true(json_object_object_get_ex(o, "sub", &v));
	assert_string_equal(json_object_get_string(v), sub);
	json_object_put(o);
}

/* Auth0's form: whatever the mapped identity holds, it stays the sub. */
static void iss_sub_hints(void **state)
{
	static const char *const subs[] = {
		"auth0|6555e3f1a2b3c4d5e6f70809",
		"a\"b",                                    /* a quote */
		"a\\b",                                    /* a backslash */
		"x\",\"iss\":\"https://evil.example/",    /* a second iss */
		"x\",\"sub\":\"auth0|victim",              /* a second sub */
		"}{\"format\":\"x\"",
		"\\u0000",
		"/a/b/",
	};
	char text[512], *hint;
	struct oa2_config c;
	oa2_error err = {0};

	(void)state;
	c = cfg_for("%i", OA2_HINT_ISS_SUB, map_file("auth0|6555e3f1a2b3c4d5e6f70809 alice\n"));
	hint = make(&c, "alice", &err);
	assert_string_equal(hint, "{\"format\":\"iss_sub\",\"iss\":\"" ISSUER "\","
				  "\"sub\":\"auth0|6555e3f1a2b3c4d5e6f70809\"}");
	free(hint);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(text, sizeof(text), "%s alice\n", subs[i]);
		c = cfg_for("%i", OA2_HINT_ISS_SUB, map_file(text));
		hint = make(&c, "alice", &err);
		assert_non_null(hint);
		expect_iss_sub(hint, subs[i]);
		free(hint);
	}
	/* %u and the template's own text in the sub */
	c = cfg_for("auth0|%u", OA2_HINT_ISS_SUB, NULL);
	hint = make(&c, "alice", &err);
	expect_iss_sub(hint, "auth0|alice");
	free(hint);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/oa2-hint-XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/map", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(templates),
		cmocka_unit_test(reverse_map),
		cmocka_unit_test(plain_hints),
		cmocka_unit_test(hostile_map_entries),
		cmocka_unit_test(iss_sub_hints),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
