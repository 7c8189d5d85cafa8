/* cmd_token.c - pam-oauth2 token: run the device grant as an ordinary user
 * and print a fresh token on stdout, for servers with grant = token
 * (SSHPASS="$(pam-oauth2 token)" sshpass -e -P Token ssh host ...).
 *
 * It is the one command meant for ordinary users, so its file rules differ
 * from the module's (docs/token-logins.md): the configuration may be owned
 * by the user running it (or root), never writable by group or others, in
 * directories only root or that user can change; the discovery and JWKS
 * cache lives in the user's own cache directory. It refuses to run set-uid
 * or set-gid. Instructions and progress go to stderr, the token alone to
 * stdout. */
#include "autoconfig.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "helper/claims.h"
#include "helper/device_grant.h"
#include "helper/discovery.h"
#include "helper/http.h"
#include "helper/token.h"
#include "shared/json.h"
#include "shared/secfile.h"
#include "shared/strutil.h"

static const char usage[] =
	"Usage: " CLI_NAME " token [-c CONFIG] [--arg KEY=VALUE ...] [--access]\n"
	"\n"
	"Log in with the device grant (code, URL and QR code on stderr) and print a\n"
	"fresh token on stdout, for servers that take a token as the password\n"
	"(grant = token). Runs as an ordinary user.\n"
	"\n"
	"  -c, --config FILE     configuration (default: ~/.config/pam-oauth2/token.conf\n"
	"                        when it exists, else " OA2_DEFAULT_CONFIG "); owned by\n"
	"                        you or root and writable by nobody else\n"
	"  -a, --arg KEY=VALUE   a configuration key (repeatable)\n"
	"      --access          print the access token instead of the ID token (for\n"
	"                        servers whose token_audience names an API)\n"
	"  -h, --help            this help\n"
	"\n"
	"The ID token, validated here first, is printed by default: its audience is\n"
	"the client_id, which is what a server's token_audience expects by default.\n"
	"\n"
	"Exit status: 0 a token was printed; 1 refused (denied, expired, bad token);\n"
	"2 usage error; 3 configuration; 4 IdP unavailable; 7 internal error.\n";

/* dir/rest under the user's XDG directory (xdg_var, else HOME/fallback). */
static char *user_path(const char *xdg_var, const char *fallback, const char *rest)
{
	const char *xdg = getenv(xdg_var);
	struct passwd *pw;
	char *out = NULL;

	if (xdg != NULL && xdg[0] == '/') {
		if (asprintf(&out, "%s/%s", xdg, rest) < 0)
			return NULL;
		return out;
	}
	pw = getpwuid(getuid());
	if (pw == NULL || pw->pw_dir == NULL || pw->pw_dir[0] != '/')
		return NULL;
	if (asprintf(&out, "%s/%s/%s", pw->pw_dir, fallback, rest) < 0)
		return NULL;
	return out;
}

/* The user's cache directory for this command, created 0700. NULL when
 * there is none (the command then works without a cache). */
static char *user_cache_dir(void)
{
	char *dir = user_path("XDG_CACHE_HOME", ".cache", "pam-oauth2");
	char *slash;

	if (dir == NULL)
		return NULL;
	slash = strrchr(dir, '/');
	*slash = '\0';
	(void)mkdir(dir, 0700); /* ~/.cache, if missing */
	*slash = '/';
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* The configuration under the relaxed rules of this command. */
static struct oa2_config *load(const struct cli_common *c, const char *path, oa2_error *err)
{
	struct oa2_config *cfg = NULL;
	const char **argv = calloc((size_t)c->nargs + 2, sizeof(*argv));
	char *buf = NULL, *abs = NULL, *config_arg = NULL, *cache = NULL, *cache_arg = NULL;
	size_t len = 0;
	mode_t perm = 0;
	int argc = 0;
	bool cache_given = false;

	abs = cli_absolute(path);
	if (argv == NULL || abs == NULL || (config_arg = oa2_concat("config=", abs)) == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (oa2_read_secure_file(abs, OA2_FILE_USER, OA2_CONFIG_MAX_SIZE, &buf, &len, &perm,
				 err) != 0)
		goto out;
	argv[argc++] = config_arg;
	for (int i = 0; i < c->nargs; i++) {
		cache_given |= strncmp(c->args[i], "cache_dir=", 10) == 0;
		argv[argc++] = c->args[i];
	}
	/* an ordinary user cannot use the root-owned default cache */
	if (!cache_given && geteuid() != 0 && (cache = user_cache_dir()) != NULL &&
	    (cache_arg = oa2_concat("cache_dir=", cache)) != NULL)
		argv[argc++] = cache_arg;
	cfg = oa2_config_parse_text(buf, len, argc, argv, err);
	if (cfg != NULL && cfg->client_secret != NULL && cfg->client_secret_file == NULL &&
	    (perm & 077) != 0) {
		oa2_fail(err, OA2_ERR_CONFIG,
			 "%s: contains client_secret but is readable by group or others (mode %04o)",
			 abs, (unsigned)perm);
		oa2_config_free(cfg);
		cfg = NULL;
	}
out:
	if (buf != NULL)
		oa2_free_secret_len(buf, len + 1);
	free(cache_arg);
	free(cache);
	free(config_arg);
	free(abs);
	free(argv);
	return cfg;
}

/* The device grant, validated; the chosen token on stdout. */
static int run(const struct oa2_config *cfg, bool access, oa2_error *err)
{
	struct oa2_discovery disc = {0};
	struct oa2_identity id = {0};
	struct term_ui tui;
	struct oa2_ui ui;
	oa2_http *http = NULL;
	json_object *resp = NULL;
	oa2_jobj claims = {0};
	const char *tok = NULL, *sub;
	char *body = NULL;
	size_t len = 0;
	int rc = -1;

	term_ui_init(&tui, &ui);
	tui.info_to_stderr = 1;
	ui.service = CLI_NAME " token";
	http = oa2_http_new(cfg->ca_file, cfg->http_timeout, err);
	if (http == NULL ||
	    oa2_discovery_load(cfg->issuer, cfg->endpoint_hosts, http, cfg->cache_dir, time(NULL),
			       &disc, err) != 0)
		goto out;
	rc = oa2_device_grant(cfg, &disc, http, &ui, &body, &len, err);
	term_ui_finish(&tui);
	if (rc != 0)
		goto out;
	rc = -1;
	/* what we print must be what the IdP issued to this client, verified */
	if (oa2_token_validate(cfg, &disc, http, body, len, time(NULL), &id, err) != 0)
		goto out;
	resp = oa2_json_parse(body, len, "token response", err);
	if (resp == NULL)
		goto out;
	if (oa2_json_string(resp, access ? "access_token" : "id_token", &tok) != 0 ||
	    tok[0] == '\0' || !oa2_is_token_chars(tok)) {
		oa2_fail(err, OA2_ERR_PROTOCOL, "the IdP returned no usable %s",
			 access ? "access_token" : "id_token");
		goto out;
	}
	if (fputs(tok, stdout) == EOF || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "cannot write the token to stdout");
		goto out;
	}
	if (oa2_jscan_object(&claims, id.claims, strlen(id.claims), "the claims", err) != 0)
		goto out;
	sub = oa2_claims_sub(&claims);
	fprintf(stderr, "%s of sub %s printed on stdout.\n", access ? "Access token" : "ID token",
		OA2_ESC(sub ? sub : "?"));
	rc = 0;
out:
	oa2_jobj_clear(&claims);
	oa2_json_put_wiped(resp);
	oa2_free_secret_len(body, len);
	oa2_identity_clear(&id);
	oa2_discovery_clear(&disc);
	oa2_http_free(http);
	return rc;
}

static const char *default_config(char **owned)
{
	struct stat st;

	*owned = user_path("XDG_CONFIG_HOME", ".config", "pam-oauth2/token.conf");
	if (*owned != NULL && lstat(*owned, &st) == 0)
		return *owned;
	return OA2_DEFAULT_CONFIG;
}

int cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"arg", required_argument, NULL, 'a'},
		{"access", no_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_common common = {0};
	struct oa2_config *cfg = NULL;
	oa2_error err = {0};
	char *owned = NULL;
	bool access = false;
	int c, rc = CLI_USAGE;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:a:h", opts, NULL)) != -1) {
		if (c == 'A')
			access = true;
		else if (cli_common_option(&common, c, "token", usage, argv, &rc) != 0)
			goto out;
	}
	if (optind < argc) {
		rc = cli_usage_error("token", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (getuid() != geteuid() || getgid() != getegid()) {
		fprintf(stderr, CLI_NAME " token: refusing to run set-uid or set-gid\n");
		rc = CLI_INTERNAL;
		goto out;
	}
	cfg = load(&common, common.config ? common.config : default_config(&owned), &err);
	if (cfg == NULL) {
		fprintf(stderr, CLI_NAME ": configuration: %s\n", err.msg);
		rc = cli_exit_for(err.kind);
		goto out;
	}
	if (run(cfg, access, &err) == 0) {
		rc = CLI_OK;
		goto out;
	}
	fprintf(stderr, CLI_NAME " token: %s: %s\n", oa2_errkind_name(err.kind), err.msg);
	rc = cli_exit_for(err.kind);
out:
	free(owned);
	oa2_config_free(cfg);
	cli_common_free(&common);
	return rc;
}
