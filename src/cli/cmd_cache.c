/* cmd_cache.c - pam-oauth2 cache show|clear: the configured issuer's
 * discovery and JWKS entries in cache_dir. */
#include "autoconfig.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "crypto/jwk.h"
#include "helper/cache.h"
#include "helper/discovery.h"

static const char usage[] =
	"Usage: " CLI_NAME " cache show|clear [-c CONFIG] [--arg KEY=VALUE ...]\n"
	"\n"
	"show:  list the configured issuer's discovery and JWKS entries in cache_dir:\n"
	"       name, size, age, expiry and whether a login would use them.\n"
	"clear: remove them; the next login (or check) fetches both again.\n"
	"\n"
	"  -c, --config FILE     configuration file (default " OA2_DEFAULT_CONFIG ")\n"
	"  -a, --arg KEY=VALUE   module argument (repeatable), e.g. --arg cache_dir=/tmp/c\n"
	"  -h, --help            this help\n"
	"\n"
	"Exit status: 0 done, 1 an entry could not be removed, 2 usage error,\n"
	"3 the configuration cannot be loaded.\n";

static const char *const kinds[] = {"discovery", "jwks"};

/* A cache file the reader accepts must also hold a document the module
 * accepts: check it with the module's own parsers. */
static const char *content_state(const struct oa2_config *cfg, const char *kind,
				 const char *name)
{
	struct oa2_discovery disc;
	const char *why = NULL;
	char *body = NULL;
	size_t len = 0;
	oa2_jwks *jwks;
	int ok;

	if (oa2_cache_get(cfg->cache_dir, name, time(NULL), &body, &len, &why) != 0)
		return why;
	if (strcmp(kind, "discovery") == 0) {
		ok = oa2_discovery_parse(body, len, cfg->issuer, cfg->endpoint_hosts, &disc,
					 NULL) == 0;
		oa2_discovery_clear(&disc);
	} else {
		jwks = oa2_jwks_parse(body, len, NULL);
		ok = jwks != NULL;
		oa2_jwks_free(jwks);
	}
	free(body);
	return ok ? "valid" : "corrupt (the document itself is refused)";
}

static void show_entry(const struct oa2_config *cfg, const char *kind, time_t now)
{
	struct oa2_cache_info info;
	char name[128], when[64] = "-";
	struct tm tm;

	if (oa2_cache_name(cfg->issuer, kind, name, sizeof(name)) != 0)
		return;
	oa2_cache_inspect(cfg->cache_dir, name, now, &info);
	if (info.state == OA2_CACHE_ABSENT) {
		printf("%-9s %s  absent\n", kind, name);
		return;
	}
	if (info.expires > 0) {
		time_t t = (time_t)info.expires;

		if (localtime_r(&t, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	}
	printf("%-9s %s  %lld bytes  age %ld s  expires %s (%+lld s)  %s\n", kind, name,
	       info.size, info.age, when,
	       info.expires > 0 ? info.expires - (long long)now : 0LL,
	       info.state == OA2_CACHE_VALID ? content_state(cfg, kind, name) : info.why);
}

static int show(const struct oa2_config *cfg)
{
	oa2_error err = {0};
	struct stat st;
	time_t now = time(NULL);

	printf("issuer    %s\n", cfg->issuer);
	if (oa2_cache_dir_check(cfg->cache_dir, &err) != 0)
		printf("cache_dir %s: unusable, the module skips caching (%s)\n", cfg->cache_dir,
		       err.msg);
	else if (lstat(cfg->cache_dir, &st) == 0)
		printf("cache_dir %s (uid %u, mode %04o)\n", cfg->cache_dir, (unsigned)st.st_uid,
		       (unsigned)(st.st_mode & 07777));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		show_entry(cfg, kinds[i], now);
	return CLI_OK;
}

static int clear(const struct oa2_config *cfg)
{
	char name[128], path[4096];
	struct stat st;
	int rc = CLI_OK;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (oa2_cache_name(cfg->issuer, kinds[i], name, sizeof(name)) != 0 ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", cfg->cache_dir, name) >=
			    sizeof(path))
			return CLI_INTERNAL;
		if (lstat(path, &st) != 0) {
			printf("%-9s %s  absent\n", kinds[i], name);
			continue;
		}
		oa2_cache_drop(cfg->cache_dir, name);
		if (lstat(path, &st) == 0) {
			printf("%-9s %s  NOT removed (the cache directory is unsafe or the file "
			       "cannot be removed)\n",
			       kinds[i], name);
			rc = CLI_FAILED;
		} else {
			printf("%-9s %s  removed\n", kinds[i], name);
		}
	}
	return rc;
}

int cmd_cache(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"arg", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_common common = {0};
	struct oa2_config *cfg = NULL;
	const char *action;
	oa2_error err = {0};
	int c, rc = CLI_USAGE;

	optind = 1;
	opterr = 0; /* cli_bad_option says it */
	while ((c = getopt_long(argc, argv, "c:a:h", opts, NULL)) != -1) {
		switch (c) {
		default:
			if (cli_common_option(&common, c, "cache", usage, argv, &rc) != 0)
				goto out;
			break;
		}
	}
	if (optind >= argc) {
		rc = cli_usage_error("cache", "say 'show' or 'clear'");
		goto out;
	}
	action = argv[optind];
	if (optind + 1 < argc) {
		rc = cli_usage_error("cache", "unexpected argument '%s'", argv[optind + 1]);
		goto out;
	}
	if (strcmp(action, "show") != 0 && strcmp(action, "clear") != 0) {
		rc = cli_usage_error("cache", "unknown action '%s' (show or clear)", action);
		goto out;
	}
	cfg = cli_load_config(&common, &err);
	if (cfg == NULL) {
		fprintf(stderr, CLI_NAME ": configuration: %s\n", err.msg);
		rc = cli_exit_for(err.kind);
		goto out;
	}
	rc = strcmp(action, "show") == 0 ? show(cfg) : clear(cfg);
out:
	oa2_config_free(cfg);
	cli_common_free(&common);
	return rc;
}
