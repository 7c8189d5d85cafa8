/* test_config.c - the configuration contract: keys, defaults, overrides, and
 * every refusal (unknown key, malformed line, unsafe files, bad values). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "shared/config.h"
#include "shared/login_hint.h"
#include "shared/username.h"

static char dir[] = "/tmp/oa2-test-config.XXXXXX";
static char path[512];

#define BASE "issuer = https://idp.example.test/realm\nclient_id = pam\n"

static void write_file(const char *p, const char *content, mode_t mode)
{
	FILE *f;

	unlink(p);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
}

/* Load with config=<path> plus extra arguments. */
static struct oa2_config *load(const char *content, mode_t mode, const char **extra, int nextra,
			       oa2_error *err)
{
	char arg[600];
	const char *argv[16];
	int argc = 0;

	write_file(path, content, mode);
	snprintf(arg, sizeof(arg), "config=%s", path);
	argv[argc++] = arg;
	for (int i = 0; i < nextra; i++)
		argv[argc++] = extra[i];
	memset(err, 0, sizeof(*err));
	return oa2_config_load(argc, argv, err);
}

/* Expect a refusal whose message contains want. */
static void refused(const char *content, mode_t mode, const char **extra, int nextra,
		    const char *want)
{
	oa2_error err;
	struct oa2_config *cfg = load(content, mode, extra, nextra, &err);

	assert_null(cfg);
	assert_int_equal(err.kind, OA2_ERR_CONFIG);
	if (strstr(err.msg, want) == NULL)
		fail_msg("message '%s' lacks '%s'", err.msg, want);
}

static int setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/pam_oauth2.conf", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void minimal_file_gets_defaults(void **state)
{
	oa2_error err;
	struct oa2_config *cfg = load("# comment\n\n  " BASE, 0644, NULL, 0, &err);

	(void)state;
	assert_non_null(cfg);
	assert_string_equal(cfg->issuer, "https://idp.example.test/realm");
	assert_string_equal(cfg->client_id, "pam");
	assert_null(cfg->client_secret);
	assert_string_equal(cfg->scope, "openid profile email");
	assert_string_equal(cfg->username_claim, "preferred_username");
	assert_string_equal(cfg->groups_claim, "groups");
	assert_null(cfg->require_groups);
	assert_int_equal(cfg->grant, OA2_GRANT_AUTO);
	assert_int_equal(cfg->qr, OA2_QR_AUTO);
	assert_int_equal(cfg->device_timeout, 300);
	assert_int_equal(cfg->http_timeout, 10);
	assert_string_equal(cfg->cache_dir, OA2_DEFAULT_CACHE_DIR);
	assert_false(cfg->debug);
	oa2_config_free(cfg);
}

static void every_key_parses(void **state)
{
	oa2_error err;
	struct oa2_config *cfg = load(BASE "ca_file = /etc/ssl/idp.pem\nscope = openid email\n"
				      "username_claim = email\ngroups_claim = realm_access.roles\n"
				      "require_groups = admins wheel\ngrant = device\n"
				      "password_ttys = tty1 console\ndevice_timeout = 120\n"
				      "http_timeout = 5\nqr = ascii\ncache_dir = /run/oa2\n",
				      0644, NULL, 0, &err);

	(void)state;
	assert_non_null(cfg);
	assert_string_equal(cfg->ca_file, "/etc/ssl/idp.pem");
	assert_string_equal(cfg->scope, "openid email");
	assert_string_equal(cfg->username_claim, "email");
	assert_string_equal(cfg->groups_claim, "realm_access.roles");
	assert_string_equal(cfg->require_groups, "admins wheel");
	assert_int_equal(cfg->grant, OA2_GRANT_DEVICE);
	assert_string_equal(cfg->password_ttys, "tty1 console");
	assert_int_equal(cfg->device_timeout, 120);
	assert_int_equal(cfg->http_timeout, 5);
	assert_int_equal(cfg->qr, OA2_QR_ASCII);
	assert_string_equal(cfg->cache_dir, "/run/oa2");
	oa2_config_free(cfg);
}

static void module_arguments_override_file(void **state)
{
	const char *args[] = {"debug", "require_groups=sudoers", "grant=password", "qr=off"};
	oa2_error err;
	struct oa2_config *cfg = load(BASE "require_groups = users\n", 0644, args, 4, &err);

	(void)state;
	assert_non_null(cfg);
	assert_true(cfg->debug);
	assert_string_equal(cfg->require_groups, "sudoers");
	assert_int_equal(cfg->grant, OA2_GRANT_PASSWORD);
	assert_int_equal(cfg->qr, OA2_QR_OFF);
	oa2_config_free(cfg);
}

static void refuses_bad_lines(void **state)
{
	const char *unknown_arg[] = {"frobnicate"};
	const char *unknown_kv[] = {"colour=blue"};
	const char *twice[] = {"qr=off", "qr=utf8"};

	(void)state;
	refused(BASE "colour = blue\n", 0644, NULL, 0, ":3: unknown key 'colour'");
	refused(BASE "just words\n", 0644, NULL, 0, ":3: expected 'key = value'");
	refused(BASE "client_id = again\n", 0644, NULL, 0, ":3: key 'client_id' given twice");
	refused(BASE "scope =\n", 0644, NULL, 0, ":3: scope: empty value");
	refused(BASE, 0644, unknown_arg, 1, "unknown option 'frobnicate'");
	refused(BASE, 0644, unknown_kv, 1, "module argument: unknown key 'colour'");
	refused(BASE, 0644, twice, 2, "given twice");
}

/* "# ..." at the start of a word is a comment, in a line of its own or after
 * a value; a '#' inside a word is part of the value. */
static void comments_after_values(void **state)
{
	static const char text[] = "# c\n  # indented\n" BASE
				   "client_secret = pass#word   # the secret\n"
				   "require_groups = linux-users\t# and nothing else\n"
				   "redirect_uri = https://h.example.test/cb #fragment-like\n"
				   "scope = openid email#x\n";
	oa2_error err = {0};
	struct oa2_config *cfg = oa2_config_parse_text(text, sizeof(text) - 1, 0, NULL, &err);

	(void)state;
	assert_non_null(cfg);
	assert_string_equal(cfg->client_secret, "pass#word");
	assert_string_equal(cfg->require_groups, "linux-users");
	assert_string_equal(cfg->redirect_uri, "https://h.example.test/cb");
	assert_string_equal(cfg->scope, "openid email#x");
	oa2_config_free(cfg);

	refused(BASE "scope = # nothing\n", 0644, NULL, 0, ":3: scope: empty value");
	refused(BASE "# scope = openid\nscope = email # no openid\n", 0644, NULL, 0,
		"scope must include 'openid'");
	refused(BASE "device_timeout = 60 # s\nqr = off #\nqr_background = light#\n", 0644, NULL,
		0, ":5: qr_background: 'light#' is not one of the allowed values");
}

/* oa2_config_parse_text: the loader's parser on text in memory, same rules. */
static void parses_text_like_the_file(void **state)
{
	static const char text[] = "# c\n" BASE "require_groups = users\nclient_secret = s3cret\n";
	const char *args[] = {"debug", "require_groups=sudoers", "config=/nonexistent/x.conf"};
	oa2_error err = {0};
	struct oa2_config *cfg = oa2_config_parse_text(text, sizeof(text) - 1, 3, args, &err);

	(void)state;
	assert_non_null(cfg);
	assert_true(cfg->debug);
	assert_string_equal(cfg->issuer, "https://idp.example.test/realm");
	assert_string_equal(cfg->require_groups, "sudoers");
	assert_string_equal(cfg->client_secret, "s3cret");
	assert_string_equal(cfg->username_claim, "preferred_username");
	oa2_config_free(cfg);
}

static void parse_text_refusals(void **state)
{
	static const char nul[] = BASE "scope = openid\0x\n";
	const char *secret_arg[] = {"client_secret=x"};
	char *big = calloc(1, OA2_CONFIG_MAX_SIZE + 2);
	oa2_error err = {0};

	(void)state;
	assert_null(oa2_config_parse_text(nul, sizeof(nul) - 1, 0, NULL, &err));
	assert_non_null(strstr(err.msg, "NUL byte"));
	oa2_error_clear(&err);
	assert_non_null(big);
	memset(big, '#', OA2_CONFIG_MAX_SIZE + 1);
	assert_null(oa2_config_parse_text(big, OA2_CONFIG_MAX_SIZE + 1, 0, NULL, &err));
	assert_non_null(strstr(err.msg, "larger than"));
	free(big);
	oa2_error_clear(&err);
	assert_null(oa2_config_parse_text(BASE "colour = blue\n", strlen(BASE) + 14, 0, NULL, &err));
	assert_non_null(strstr(err.msg, OA2_DEFAULT_CONFIG ":3: unknown key 'colour'"));
	oa2_error_clear(&err);
	assert_null(oa2_config_parse_text(BASE, strlen(BASE), 1, secret_arg, &err));
	assert_non_null(strstr(err.msg, "must not be a module argument"));
	oa2_error_clear(&err);
	assert_null(oa2_config_parse_text("", 0, 0, NULL, &err));
	assert_non_null(strstr(err.msg, "required key 'issuer' is missing"));
}

static void refuses_relative_config_path(void **state)
{
	const char *argv[] = {"config=etc/x.conf"};
	oa2_error err = {0};

	(void)state;
	assert_null(oa2_config_load(1, argv, &err));
	assert_int_equal(err.kind, OA2_ERR_CONFIG);
	assert_non_null(strstr(err.msg, "not an absolute path"));
}

static void refuses_missing_required_keys(void **state)
{
	(void)state;
	refused("client_id = pam\n", 0644, NULL, 0, "required key 'issuer' is missing");
	refused("issuer = https://idp.example.test\n", 0644, NULL, 0,
		"required key 'client_id' is missing");
}

static void refuses_bad_values(void **state)
{
	(void)state;
	refused("issuer = http://idp.example.test\nclient_id = pam\n", 0644, NULL, 0,
		":1: issuer: 'http://idp.example.test' is not an https:// URL");
	refused("issuer = https://idp.example.test/?x=1\nclient_id = pam\n", 0644, NULL, 0,
		"not an https:// URL");
	refused("issuer = https://user@idp.example.test\nclient_id = pam\n", 0644, NULL, 0,
		"not an https:// URL");
	refused("issuer = https://\nclient_id = pam\n", 0644, NULL, 0, "not an https:// URL");
	refused(BASE "device_timeout = 5\n", 0644, NULL, 0, "device_timeout: value must be a whole number in 10..3600");
	refused(BASE "device_timeout = 99999\n", 0644, NULL, 0, "10..3600");
	refused(BASE "http_timeout = ten\n", 0644, NULL, 0, "http_timeout: value must be");
	refused(BASE "http_timeout = 5s\n", 0644, NULL, 0, "http_timeout: value must be");
	refused(BASE "grant = magic\n", 0644, NULL, 0, "grant: 'magic' is not one of");
	refused(BASE "qr = color\n", 0644, NULL, 0, "qr: 'color' is not one of");
	refused(BASE "ca_file = relative.pem\n", 0644, NULL, 0, "is not an absolute path");
	refused(BASE "client_id = a b\n", 0644, NULL, 0, "given twice");
	refused("issuer = https://idp.example.test\nclient_id = a b\n", 0644, NULL, 0,
		"client_id: value must be printable ASCII without spaces");
	refused(BASE "scope = profile email\n", 0644, NULL, 0, "scope must include 'openid'");
}

/* Claim names as providers spell them (':' and '/'), and require_claims. */
static void claim_names_and_conditions(void **state)
{
	const char *args[] = {"require_claims=hd=example.com,email_verified=true"};
	oa2_error err;
	struct oa2_config *cfg = load(BASE "username_claim = https://example.com/login\n"
				      "groups_claim = urn:zitadel:iam:org:project:roles\n"
				      "require_claims = tid=9188040d-6c67-4c5b-b112-36a304b66dad\n",
				      0644, NULL, 0, &err);

	(void)state;
	if (cfg == NULL)
		fail_msg("refused: %s", err.msg);
	assert_string_equal(cfg->username_claim, "https://example.com/login");
	assert_string_equal(cfg->groups_claim, "urn:zitadel:iam:org:project:roles");
	assert_string_equal(cfg->require_claims, "tid=9188040d-6c67-4c5b-b112-36a304b66dad");
	oa2_config_free(cfg);
	/* a module argument replaces the file's conditions, '=' in the value */
	cfg = load(BASE "require_claims = hd=a hd=b\n", 0644, args, 1, &err);
	assert_non_null(cfg);
	assert_string_equal(cfg->require_claims, "hd=example.com,email_verified=true");
	oa2_config_free(cfg);
	cfg = load(BASE "require_claims = x=a=b\n", 0644, NULL, 0, &err);
	assert_non_null(cfg);
	oa2_config_free(cfg);
	refused(BASE "require_claims = hd\n", 0644, NULL, 0,
		"require_claims: 'hd' is not name=value");
	refused(BASE "require_claims = hd=example.com email_verified\n", 0644, NULL, 0,
		"require_claims: 'email_verified' is not name=value");
	refused(BASE "require_claims = =true\n", 0644, NULL, 0, "'=true' is not name=value");
	refused(BASE "require_claims = hd=\n", 0644, NULL, 0, "'hd=' is not name=value");
	refused(BASE "require_claims = hd= example.com\n", 0644, NULL, 0, "'hd=' is not");
	refused(BASE "require_claims = hd=ex\x01ample\n", 0644, NULL, 0,
		"require_claims: value must be printable ASCII");
	refused(BASE "groups_claim = my groups\n", 0644, NULL, 0,
		"groups_claim: value must be printable ASCII without spaces");
	refused(BASE "username_claim = a\tb\n", 0644, NULL, 0, "username_claim: value must be");
	refused(BASE "groups_claim = gr\x7foups\n", 0644, NULL, 0, "groups_claim: value must be");
}

/* Entra ID's multi-tenant issuers need a tid= condition; a tenant's own
 * issuer does not. */
static void multi_tenant_issuer_needs_tid(void **state)
{
	static const char *const multi[] = {
		"https://login.microsoftonline.com/organizations/v2.0",
		"https://login.microsoftonline.com/common/v2.0",
		"https://LOGIN.microsoftonline.com/common",
	};
	const char *tid_arg[] = {"require_claims=tid=9188040d-6c67-4c5b-b112-36a304b66dad"};
	const char *other_arg[] = {"require_claims=hd=example.com"};
	struct oa2_config *cfg;
	oa2_error err;
	char text[512];

	(void)state;
	for (size_t i = 0; i < sizeof(multi) / sizeof(multi[0]); i++) {
		snprintf(text, sizeof(text), "issuer = %s\nclient_id = pam\n", multi[i]);
		refused(text, 0644, NULL, 0, "is multi-tenant: users of every tenant could log in; "
			"set require_claims = tid=");
		/* a condition on another claim, or a claim named like tid, is not enough */
		refused(text, 0644, other_arg, 1, "is multi-tenant");
		snprintf(text, sizeof(text), "issuer = %s\nclient_id = pam\nrequire_claims = "
			 "tidx=1 xtid=2\n", multi[i]);
		refused(text, 0644, NULL, 0, "is multi-tenant");
		snprintf(text, sizeof(text), "issuer = %s\nclient_id = pam\n", multi[i]);
		cfg = load(text, 0644, tid_arg, 1, &err);
		if (cfg == NULL)
			fail_msg("%s with tid= refused: %s", multi[i], err.msg);
		assert_true(oa2_config_has_condition(cfg, "tid"));
		assert_false(oa2_config_has_condition(cfg, "ti"));
		oa2_config_free(cfg);
	}
	/* the tenant's own issuer, and look-alikes, need nothing */
	cfg = load("issuer = https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad"
		   "/v2.0\nclient_id = pam\n", 0644, NULL, 0, &err);
	assert_non_null(cfg);
	assert_false(oa2_config_has_condition(cfg, "tid"));
	oa2_config_free(cfg);
	cfg = load("issuer = https://login.microsoftonline.com/commonwealth/v2.0\nclient_id = pam\n",
		   0644, NULL, 0, &err);
	assert_non_null(cfg);
	oa2_config_free(cfg);
	/* consumers is one fixed tenant (personal accounts), not multi-tenant */
	cfg = load("issuer = https://login.microsoftonline.com/consumers/v2.0\nclient_id = pam\n",
		   0644, NULL, 0, &err);
	if (cfg == NULL)
		fail_msg("consumers refused: %s", err.msg);
	oa2_config_free(cfg);
}

/* device_authorization_endpoint: an https URL, like the issuer (the host
 * rule is the helper's, discovery.h); the claims_source words. */
static void device_endpoint_and_claims_source(void **state)
{
	const char *arg[] = {"device_authorization_endpoint=https://gitlab.example.test/oauth/x"};
	oa2_error err;
	struct oa2_config *cfg = load(BASE "device_authorization_endpoint = "
				      "https://gitlab.example.test/oauth/authorize_device\n",
				      0644, NULL, 0, &err);

	(void)state;
	if (cfg == NULL)
		fail_msg("refused: %s", err.msg);
	assert_string_equal(cfg->device_authorization_endpoint,
			    "https://gitlab.example.test/oauth/authorize_device");
	assert_int_equal(cfg->claims_source, OA2_CLAIMS_AUTO);
	oa2_config_free(cfg);
	cfg = load(BASE, 0644, arg, 1, &err);
	assert_non_null(cfg);
	assert_string_equal(cfg->device_authorization_endpoint, "https://gitlab.example.test/oauth/x");
	oa2_config_free(cfg);
	cfg = load(BASE, 0644, NULL, 0, &err);
	assert_non_null(cfg);
	assert_null(cfg->device_authorization_endpoint);
	oa2_config_free(cfg);
	cfg = load(BASE "claims_source = userinfo\n", 0644, NULL, 0, &err);
	assert_non_null(cfg);
	assert_int_equal(cfg->claims_source, OA2_CLAIMS_USERINFO);
	oa2_config_free(cfg);
	refused(BASE "device_authorization_endpoint = http://gitlab.example.test/oauth/x\n", 0644,
		NULL, 0, "device_authorization_endpoint: 'http://gitlab.example.test/oauth/x' is not "
		"an https:// URL");
	refused(BASE "device_authorization_endpoint = https://gitlab.example.test/x?a=b\n", 0644,
		NULL, 0, "not an https:// URL");
	refused(BASE "device_authorization_endpoint = /oauth/authorize_device\n", 0644, NULL, 0,
		"not an https:// URL");
	refused(BASE "claims_source = merged\n", 0644, NULL, 0, "claims_source: 'merged' is not one of");
}

/* grant = code needs a redirect_uri a person can finish at: https, or
 * loopback http; never another http host, a fragment or white space. */
static void redirect_uri_rules(void **state)
{
	static const char *const good[] = {
		"https://pam-oauth2.example/callback", "https://login.example/cb?tenant=1",
		"http://127.0.0.1/callback", "http://127.0.0.1:8400/cb", "http://[::1]:9/x",
		"http://localhost/cb",
	};
	static const char *const bad[] = {
		"http://pam-oauth2.example/callback", "http://127.0.0.10/cb",
		"http://localhost.evil.example/cb", "https://x.example/cb#frag", "ftp://x/cb",
		"urn:ietf:wg:oauth:2.0:oob", "/callback",
	};
	char text[512];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct oa2_config *cfg;
		oa2_error err;

		snprintf(text, sizeof(text), BASE "grant = code\nredirect_uri = %s\n", good[i]);
		cfg = load(text, 0644, NULL, 0, &err);
		assert_non_null(cfg);
		assert_int_equal(cfg->grant, OA2_GRANT_CODE);
		assert_string_equal(cfg->redirect_uri, good[i]);
		oa2_config_free(cfg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), BASE "redirect_uri = %s\n", bad[i]);
		refused(text, 0644, NULL, 0, "redirect_uri:");
	}
	refused(BASE "grant = code\n", 0644, NULL, 0, "grant = code needs redirect_uri");
}

/* grant = ciba: a confidential client and a login_hint template with %u;
 * the template's % sequences are %u and %% only; the user substituted only
 * from safe characters (docs/ciba.md). */
static void ciba_rules(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{BASE "grant = ciba\nclient_secret = s\n", "grant = ciba needs ciba_login_hint"},
		{BASE "grant = ciba\nciba_login_hint = %u\n", "grant = ciba needs a confidential client"},
		/* grant = auto turns CIBA on with a hint: the same client rule */
		{BASE "ciba_login_hint = %u\n", "grant = auto with ciba_login_hint needs a confidential"},
		{BASE "ciba_login_hint = admin@example.com\n", "it has no %u"},
		/* %i is the reverse of user_map_file: without a map, nothing */
		{BASE "grant = ciba\nclient_secret = s\nciba_login_hint = %i\n", "%i (the identity"},
		{BASE "grant = ciba\nclient_secret = s\nciba_login_hint_format = iss_sub\n",
		 "ciba_login_hint_format needs ciba_login_hint"},
		{BASE "ciba_login_hint_format = json\n", "'json' is not one of"},
		{BASE "ciba_login_hint = %%u@example.com\n", "it has no %u"},
		{BASE "ciba_login_hint = %s@example.com\n", "'%' must be followed by 'u'"},
		{BASE "ciba_login_hint = %u%\n", "'%' must be followed by 'u'"},
	};
	struct oa2_config *cfg;
	oa2_error err = {0};
	char *hint = NULL;

	(void)state;
	cfg = load(BASE "grant = ciba\nciba_login_hint = %u%%x@example.com\nclient_secret = s\n",
		   0600, NULL, 0, &err);
	assert_non_null(cfg);
	assert_int_equal(cfg->grant, OA2_GRANT_CIBA);
	assert_int_equal(oa2_login_hint_expand(cfg->ciba_login_hint, "alice", NULL, &hint, &err), 0);
	assert_string_equal(hint, "alice%x@example.com");
	free(hint);
	/* a user that could change what the hint names is not substituted */
	static const char *const unsafe[] = {"bob@attacker.example", "a+b", "a%40b", "x y", "-x",
					     ".x", "svc$", "",
					     "a1234567890123456789012345678901234567890123456789012345678901234"};
	for (size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++) {
		hint = (char *)"untouched";
		assert_int_equal(oa2_login_hint_expand(cfg->ciba_login_hint, unsafe[i], NULL, &hint, &err),
				 -1);
		assert_int_equal(err.kind, OA2_ERR_DENIED);
		assert_null(hint);
		oa2_error_clear(&err);
	}
	oa2_config_free(cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i].text, 0600, NULL, 0, bad[i].want);
}

static void min_uid_and_user_map_only(void **state)
{
	oa2_error err;
	struct oa2_config *cfg;

	(void)state;
	/* not set: UID_MIN from /etc/login.defs, as the module reads it */
	cfg = load(BASE, 0644, NULL, 0, &err);
	assert_non_null(cfg);
	assert_int_equal(cfg->min_uid, oa2_login_defs_uid_min(OA2_LOGIN_DEFS));
	assert_false(cfg->user_map_only);
	oa2_config_free(cfg);
	cfg = load(BASE "min_uid = 500\nuser_map_file = /etc/security/map\nuser_map_only = yes\n",
		   0644, NULL, 0, &err);
	assert_non_null(cfg);
	assert_int_equal(cfg->min_uid, 500);
	assert_true(cfg->user_map_only);
	oa2_config_free(cfg);
	cfg = load(BASE "min_uid = 0\n", 0644, NULL, 0, &err);
	assert_non_null(cfg);
	assert_int_equal(cfg->min_uid, 0);
	oa2_config_free(cfg);
	refused(BASE "min_uid = -1\n", 0644, NULL, 0, "min_uid: value must be a whole number");
	refused(BASE "min_uid = 1000x\n", 0644, NULL, 0, "min_uid: value must be a whole number");
	refused(BASE "min_uid = 99999999999\n", 0644, NULL, 0, "min_uid: value must be");
	refused(BASE "user_map_only = true\n", 0644, NULL, 0, "user_map_only: 'true' is not one of");
	/* a map-only configuration without a map would refuse everyone silently */
	refused(BASE "user_map_only = yes\n", 0644, NULL, 0, "user_map_only = yes needs user_map_file");
}

/* accounts = create and its keys: defaults, ranges that must never be
 * handed out, record paths that would break the records. */
static void account_keys(void **state)
{
	const char *arg[] = {"uid_range=2000000-2000009", "accounts=create"};
	oa2_error err;
	struct oa2_config *cfg;

	(void)state;
	cfg = load(BASE, 0644, NULL, 0, &err);
	assert_non_null(cfg);
	assert_int_equal(cfg->accounts, OA2_ACCOUNTS_OFF);
	assert_int_equal(cfg->uid_allocation, OA2_UID_NEXT);
	assert_int_equal(cfg->uid_low, 1900000000UL);
	assert_int_equal(cfg->uid_high, 1999999999UL);
	assert_string_equal(cfg->home_base, "/home");
	assert_string_equal(cfg->shell, "/bin/bash");
	assert_null(cfg->new_users); /* nobody new */
	assert_string_equal(cfg->accounts_dir, "/var/lib/pam_oauth2/accounts");
	assert_string_equal(cfg->userdb_dir, "/etc/userdb");
	assert_string_equal(cfg->nss_dir, "/run/pam_oauth2/nss");
	oa2_config_free(cfg);
	cfg = load(BASE "accounts = create\nuid_range = 70000-70099\nuid_allocation = hash\n"
			"home_base = /srv/home\nshell = /bin/sh\nnew_users = *@example.com bob\n",
		   0644, arg, 2, &err);
	assert_non_null(cfg);
	assert_int_equal(cfg->accounts, OA2_ACCOUNTS_CREATE);
	assert_int_equal(cfg->uid_allocation, OA2_UID_HASH);
	assert_int_equal(cfg->uid_low, 2000000UL); /* the argument wins */
	assert_int_equal(cfg->uid_high, 2000009UL);
	assert_string_equal(cfg->home_base, "/srv/home");
	assert_string_equal(cfg->new_users, "*@example.com bob");
	oa2_config_free(cfg);
	refused(BASE "accounts = yes\n", 0644, NULL, 0, "accounts: 'yes' is not one of");
	refused(BASE "uid_range = 70000\n", 0644, NULL, 0, "uid_range: '70000' is not LOW-HIGH");
	refused(BASE "uid_range = 70000-\n", 0644, NULL, 0, "is not LOW-HIGH");
	refused(BASE "uid_range = -70000\n", 0644, NULL, 0, "is not LOW-HIGH");
	refused(BASE "uid_range = 0x10-0x20\n", 0644, NULL, 0, "is not LOW-HIGH");
	refused(BASE "uid_range = 70000-80000-90000\n", 0644, NULL, 0, "is not LOW-HIGH");
	refused(BASE "uid_range = 99999999999-99999999999\n", 0644, NULL, 0, "is not LOW-HIGH");
	refused(BASE "uid_range = 80000-70000\n", 0644, NULL, 0, "LOW is above HIGH");
	refused(BASE "uid_range = 0-100\n", 0644, NULL, 0, "holds uid 0");
	refused(BASE "uid_range = 60000-70000\n", 0644, NULL, 0, "touches 61184-65535");
	refused(BASE "uid_range = 65534-65534\n", 0644, NULL, 0, "touches 61184-65535");
	refused(BASE "uid_range = 65535-65600\n", 0644, NULL, 0, "touches 61184-65535");
	refused(BASE "uid_range = 61184-61184\n", 0644, NULL, 0, "touches 61184-65535");
	refused(BASE "uid_range = 2147483000-2147483648\n", 0644, NULL, 0, "2147483648 or above");
	refused(BASE "uid_range = 4294967295-4294967295\n", 0644, NULL, 0, "2147483648 or above");
	/* below UID_MIN (login.defs) or min_uid only matters when creating */
	refused(BASE "accounts = create\nuid_range = 1-100\n", 0644, NULL, 0,
		"starts below UID_MIN or min_uid");
	refused(BASE "accounts = create\nmin_uid = 100000\nuid_range = 70000-80000\n", 0644, NULL,
		0, "starts below UID_MIN or min_uid");
	refused(BASE "home_base = /home/\n", 0644, NULL, 0, "home_base and shell must not");
	refused(BASE "home_base = /ho:me\n", 0644, NULL, 0, "home_base and shell must not");
	refused(BASE "shell = /bin/b\"sh\n", 0644, NULL, 0, "home_base and shell must not");
	refused(BASE "shell = /bin/ba sh\n", 0644, NULL, 0, "home_base and shell must not");
	refused(BASE "shell = bash\n", 0644, NULL, 0, "is not an absolute path");
	refused(BASE "userdb_dir = etc/userdb\n", 0644, NULL, 0, "is not an absolute path");
	refused(BASE "nss_dir = run/nss\n", 0644, NULL, 0, "is not an absolute path");
	assert_null(oa2_uid_range_refusal(1000, 60000, 1000));
	assert_non_null(oa2_uid_range_refusal(999, 60000, 1000));
	assert_null(oa2_uid_range_refusal(65536, 2147483647, 1000));
}

/* group_map's syntax is checked when the configuration is loaded (whether
 * the groups exist is the helper's check at login). */
static void group_map_syntax(void **state)
{
	const char *arg[] = {"group_map=admins:sudo"};
	const char *bad_arg[] = {"group_map=admins"};
	oa2_error err;
	struct oa2_config *cfg;
	char local[OA2_USER_MAX];
	size_t idp_len;
	char mark;

	(void)state;
	cfg = load(BASE "group_map = users:plugdev  admins:sudo! urn:x:y:staff "
			"0b6e3a51-1c2d-4e5f-8a9b-0c1d2e3f4a5b:adm!\n",
		   0644, NULL, 0, &err);
	if (cfg == NULL)
		fail_msg("%s", err.msg);
	oa2_config_free(cfg);
	cfg = load(BASE, 0644, arg, 1, &err);
	assert_non_null(cfg);
	assert_string_equal(cfg->group_map, "admins:sudo");
	oa2_config_free(cfg);
	refused(BASE "group_map = admins\n", 0644, NULL, 0, "group_map: 'admins' is not IDPGROUP:GROUP");
	refused(BASE "group_map = users:plugdev :sudo\n", 0644, NULL, 0,
		"group_map: ':sudo' is not IDPGROUP:GROUP");
	refused(BASE "group_map = admins:\n", 0644, NULL, 0, "'admins:' names no group");
	refused(BASE "group_map = admins:!\n", 0644, NULL, 0, "'admins:!' names no group");
	refused(BASE "group_map = admins:su/do\n", 0644, NULL, 0, "names no valid group name");
	refused(BASE "group_map = admins:-sudo\n", 0644, NULL, 0, "names no valid group name");
	refused(BASE "group_map = admins:sudo!!\n", 0644, NULL, 0, "names no valid group name");
	refused(BASE "group_map = admins:devs+!\n", 0644, NULL, 0, "names no valid group name");
	refused(BASE "group_map = admins:devs!+\n", 0644, NULL, 0, "names no valid group name");
	refused(BASE "group_map = admins:+\n", 0644, NULL, 0, "'admins:+' names no group");
	refused(BASE "group_map = admins:.dev+\n", 0644, NULL, 0, "names no valid group name");
	refused(BASE "group_map = admins:dev.ops@x+\n", 0644, NULL, 0, "names no valid group name");
	refused(BASE "group_map = admins:"
		     "g123456789012345678901234567890123456789012345678901234567890123\n",
		0644, NULL, 0, "longer than a group name may be");
	refused(BASE, 0644, bad_arg, 1, "group_map: 'admins' is not IDPGROUP:GROUP");
	/* the item parser the helper shares: the last ':' splits */
	assert_null(oa2_group_map_item("a:b:sudo!", 9, &idp_len, local, sizeof(local), &mark));
	assert_int_equal(idp_len, 3);
	assert_string_equal(local, "sudo");
	assert_int_equal(mark, '!');
	assert_null(oa2_group_map_item("a:sudo x", 6, &idp_len, local, sizeof(local), &mark));
	assert_int_equal(mark, '\0');
	assert_string_equal(local, "sudo");
	/* '+': created when absent */
	assert_null(oa2_group_map_item("devs:developers+", 16, &idp_len, local, sizeof(local),
				       &mark));
	assert_int_equal(mark, '+');
	assert_string_equal(local, "developers");
}

/* UID_MIN from login.defs (path, content, mode) is want. */
static void uid_min_is(int line, const char *content, mode_t mode, int want)
{
	char defs[600];
	int got;

	snprintf(defs, sizeof(defs), "%s/login.defs", dir);
	write_file(defs, content, mode);
	got = oa2_login_defs_uid_min(defs);
	if (got != want)
		fail_msg("line %d: UID_MIN %d, want %d", line, got, want);
}
#define UID_MIN_IS(content, mode, want) uid_min_is(__LINE__, content, mode, want)

/* login.defs is read strictly: anything doubtful gives 1000. */
static void login_defs_uid_min(void **state)
{
	char defs[600], link[600];

	(void)state;
	UID_MIN_IS("MAIL_DIR /var/mail\nUID_MIN\t\t\t 1000\nUID_MAX 60000\n", 0644, 1000);
	UID_MIN_IS("# UID_MIN 5\nUID_MIN 500\r\nGID_MIN 7\n", 0644, 500);
	UID_MIN_IS("  UID_MIN 2000  \n", 0644, 2000);
	UID_MIN_IS("MAIL_DIR /var/mail\n", 0644, 1000);                  /* absent */
	UID_MIN_IS("", 0644, 1000);
	UID_MIN_IS("UID_MIN 0x10\n", 0644, 1000);                         /* hex */
	UID_MIN_IS("UID_MIN 010a\n", 0644, 1000);
	UID_MIN_IS("UID_MIN +500\n", 0644, 1000);
	UID_MIN_IS("UID_MIN -5\n", 0644, 1000);
	UID_MIN_IS("UID_MIN 0\n", 0644, 1000);
	UID_MIN_IS("UID_MIN 500 600\n", 0644, 1000);
	UID_MIN_IS("UID_MIN \"500\"\n", 0644, 1000);
	UID_MIN_IS("UID_MIN\n", 0644, 1000);
	UID_MIN_IS("UID_MIN 99999999999\n", 0644, 1000);
	UID_MIN_IS("UID_MIN 500\nUID_MIN 600\n", 0644, 1000);           /* twice */
	UID_MIN_IS("UID_MIN=500\n", 0644, 1000);
	UID_MIN_IS("UID_MINIMUM 500\n", 0644, 1000);
	UID_MIN_IS("UID_MIN 500\n", 0664, 1000);                          /* group-writable */
	UID_MIN_IS("UID_MIN 500\n", 0646, 1000);                          /* world-writable */
	snprintf(defs, sizeof(defs), "%s/login.defs", dir);
	write_file(defs, "UID_MIN 500\n", 0644);
	assert_int_equal(chown(defs, 1, 1), 0);                           /* not root's */
	assert_int_equal(oa2_login_defs_uid_min(defs), 1000);
	assert_int_equal(chown(defs, 0, 0), 0);
	snprintf(link, sizeof(link), "%s/login.defs.link", dir);
	unlink(link);
	assert_int_equal(symlink(defs, link), 0);                         /* a link */
	assert_int_equal(oa2_login_defs_uid_min(link), 1000);
	assert_int_equal(oa2_login_defs_uid_min(defs), 500);
	snprintf(defs, sizeof(defs), "%s/absent", dir);
	assert_int_equal(oa2_login_defs_uid_min(defs), 1000);
}

static void refuses_unsafe_config_file(void **state)
{
	char link[600];
	oa2_error err;

	(void)state;
	refused(BASE, 0664, NULL, 0, "writable by group or others");
	refused(BASE, 0646, NULL, 0, "writable by group or others");
	write_file(path, BASE, 0644);
	assert_int_equal(chown(path, 65534, 65534), 0);
	{
		char arg[600];
		const char *argv[1];

		snprintf(arg, sizeof(arg), "config=%s", path);
		argv[0] = arg;
		memset(&err, 0, sizeof(err));
		assert_null(oa2_config_load(1, argv, &err));
		assert_non_null(strstr(err.msg, "owned by uid 65534, must be owned by root"));
	}
	/* a symbolic link is refused, even to a good file */
	write_file(path, BASE, 0644);
	snprintf(link, sizeof(link), "%s/link.conf", dir);
	unlink(link);
	assert_int_equal(symlink(path, link), 0);
	{
		char arg[700];
		const char *argv[1];

		snprintf(arg, sizeof(arg), "config=%s", link);
		argv[0] = arg;
		memset(&err, 0, sizeof(err));
		assert_null(oa2_config_load(1, argv, &err));
		assert_non_null(strstr(err.msg, "symbolic link"));
	}
	/* a missing file */
	{
		const char *argv[] = {"config=/nonexistent/pam_oauth2.conf"};

		memset(&err, 0, sizeof(err));
		assert_null(oa2_config_load(1, argv, &err));
		assert_int_equal(err.kind, OA2_ERR_CONFIG);
		assert_non_null(strstr(err.msg, "/nonexistent/pam_oauth2.conf: cannot open"));
	}
}

static void secrets_need_private_files(void **state)
{
	char secret[600], line[700];
	const char *arg_secret[] = {"client_secret=s3cret"};
	oa2_error err;
	struct oa2_config *cfg;

	(void)state;
	/* inline secret: the config file must then be private */
	refused(BASE "client_secret = s3cret\n", 0644, NULL, 0,
		"contains client_secret but is readable by group or others");
	cfg = load(BASE "client_secret = s3cret\n", 0600, NULL, 0, &err);
	assert_non_null(cfg);
	assert_string_equal(cfg->client_secret, "s3cret");
	oa2_config_free(cfg);
	/* never as a module argument */
	refused(BASE, 0644, arg_secret, 1, "client_secret must not be a module argument");
	/* secret file */
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	snprintf(line, sizeof(line), BASE "client_secret_file = %s\n", secret);
	write_file(secret, "file-secret\n", 0640);
	refused(line, 0644, NULL, 0, "holds a secret but is readable by group or others");
	write_file(secret, "file-secret\n", 0600);
	cfg = load(line, 0644, NULL, 0, &err);
	assert_non_null(cfg);
	assert_string_equal(cfg->client_secret, "file-secret");
	oa2_config_free(cfg);
	write_file(secret, "two words\n", 0600);
	refused(line, 0644, NULL, 0, "one line of printable ASCII");
	/* both at once */
	snprintf(line, sizeof(line), BASE "client_secret = a\nclient_secret_file = %s\n", secret);
	refused(line, 0600, NULL, 0, "both set");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(minimal_file_gets_defaults),
		cmocka_unit_test(every_key_parses),
		cmocka_unit_test(module_arguments_override_file),
		cmocka_unit_test(refuses_bad_lines),
		cmocka_unit_test(comments_after_values),
		cmocka_unit_test(parses_text_like_the_file),
		cmocka_unit_test(parse_text_refusals),
		cmocka_unit_test(refuses_relative_config_path),
		cmocka_unit_test(refuses_missing_required_keys),
		cmocka_unit_test(refuses_bad_values),
		cmocka_unit_test(claim_names_and_conditions),
		cmocka_unit_test(multi_tenant_issuer_needs_tid),
		cmocka_unit_test(device_endpoint_and_claims_source),
		cmocka_unit_test(redirect_uri_rules),
		cmocka_unit_test(min_uid_and_user_map_only),
		cmocka_unit_test(account_keys),
		cmocka_unit_test(group_map_syntax),
		cmocka_unit_test(login_defs_uid_min),
		cmocka_unit_test(refuses_unsafe_config_file),
		cmocka_unit_test(ciba_rules),
		cmocka_unit_test(secrets_need_private_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
