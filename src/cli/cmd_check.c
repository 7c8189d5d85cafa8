/* cmd_check.c - pam-oauth2 check: the configuration and the IdP, step by
 * step, one line per check, with the module's own code for every step. */
#include "autoconfig.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "crypto/jwk.h"
#include "helper/cache.h"
#include "helper/ciba_grant.h"
#include "helper/discovery.h"
#include "helper/http.h"
#include "helper/keyset.h"
#include "helper/token.h"
#include "module/helper_client.h"
#include "module/usermap.h"
#include "shared/strutil.h"

static const char usage[] =
	"Usage: " CLI_NAME " check [-c CONFIG] [--arg KEY=VALUE ...]\n"
	"\n"
	"Load the configuration as the module does, then check the identity provider:\n"
	"discovery over verified TLS and the issuer, the endpoints, the signing keys\n"
	"(JWKS), CIBA in poll mode and the cache directory. One line per check: ok,\n"
	"warn or FAIL.\n"
	"Discovery and the JWKS are fetched from the network (not the cache) and, when\n"
	"good, written to the cache as a login would.\n"
	"\n"
	"  -c, --config FILE     configuration file (default " OA2_DEFAULT_CONFIG ")\n"
	"  -a, --arg KEY=VALUE   module argument (repeatable), e.g. --arg require_groups=admins\n"
	"  -h, --help            this help\n"
	"\n"
	"Exit status: 0 every required check passed (warnings allowed), 1 a check\n"
	"failed, 2 usage error, 3 the configuration cannot be loaded.\n";

struct tally {
	int ok, warn, fail;
};

enum status { ST_OK, ST_WARN, ST_FAIL };

__attribute__((format(printf, 4, 5)))
static void line(struct tally *t, enum status st, const char *what, const char *fmt, ...)
{
	static const char *const names[] = {"ok", "warn", "FAIL"};
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cli_report(names[st], what, "%s", buf);
	if (st == ST_OK)
		t->ok++;
	else if (st == ST_WARN)
		t->warn++;
	else
		t->fail++;
}

static void hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void hint(const char *fmt, ...)
{
	va_list ap;

	fputs("     hint:      ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static const char *client_kind(const struct oa2_config *cfg)
{
	if (cfg->client_secret == NULL)
		return "public client";
	if (cfg->client_secret_file != NULL)
		return "confidential client, secret from client_secret_file";
	return "confidential client, secret in the configuration file";
}

/* The map file through the module's own reader: a probe identity with a
 * space matches no entry, so every line is parsed and nothing is looked up. */
static void check_map_file(struct tally *t, const struct oa2_config *cfg)
{
	char out[OA2_USER_MAX];
	json_object *claims = json_object_new_object();
	json_object *probe = json_object_new_string("pam-oauth2 check probe");
	oa2_error err = {0};

	if (claims == NULL || probe == NULL ||
	    json_object_object_add(claims, cfg->username_claim, probe) != 0) {
		json_object_put(probe);
		json_object_put(claims);
		line(t, ST_FAIL, "user_map", "out of memory");
		return;
	}
	(void)oa2_usermap_resolve(cfg, claims, out, &err);
	json_object_put(claims);
	if (err.kind == OA2_ERR_CONFIG || err.kind == OA2_ERR_INTERNAL)
		line(t, ST_FAIL, "user_map", "%s", err.msg);
	else
		line(t, ST_OK, "user_map", "%s: safe and well-formed", cfg->user_map_file);
}

/* The module starts the helper for every login: without it nothing works. */
static void check_helper(struct tally *t, const struct oa2_config *cfg)
{
	oa2_error err = {0};

	if (oa2_helper_check(cfg->helper, &err) != 0)
		line(t, ST_FAIL, "helper", "%s", err.msg);
	else
		line(t, ST_OK, "helper", "%s: root-owned, nobody else can write it", cfg->helper);
}

/* A tid= condition naming the tenant of personal Microsoft accounts
 * admits every personal Microsoft account (under the common issuer), or
 * nobody (under organizations): almost always a copied example. */
static void check_tid(struct tally *t, const struct oa2_config *cfg)
{
	static const char tid[] = "tid=" OA2_CONSUMERS_TENANT;
	const char *p = cfg->require_claims, *cond;
	size_t n;

	while (p != NULL && oa2_list_next(&p, OA2_LIST_SEPS, &cond, &n)) {
		if (n != sizeof(tid) - 1 || strncasecmp(cond, tid, n) != 0)
			continue;
		line(t, ST_WARN, "claims",
		     "tid=%s is the tenant of personal Microsoft accounts: under the common "
		     "issuer it admits every personal Microsoft account, under organizations "
		     "nobody; name your organisation's own tenant ID (Entra admin center, "
		     "Overview: Tenant ID)",
		     OA2_CONSUMERS_TENANT);
		return;
	}
}

static void check_config(struct tally *t, const struct oa2_config *cfg)
{
	struct stat st;

	line(t, ST_OK, "config", "%s: issuer %s, client_id %s (%s)", cfg->config_file,
	     cfg->issuer, cfg->client_id, client_kind(cfg));
	if (geteuid() != 0)
		line(t, ST_WARN, "user",
		     "running as uid %u, not root: the module runs as root, so file and cache "
		     "checks may differ",
		     (unsigned)geteuid());
	if (cfg->ca_file != NULL) {
		if (stat(cfg->ca_file, &st) != 0)
			line(t, ST_FAIL, "ca_file", "%s: %s", cfg->ca_file, strerror(errno));
		else if (!S_ISREG(st.st_mode))
			line(t, ST_FAIL, "ca_file", "%s: not a regular file", cfg->ca_file);
		else
			line(t, ST_OK, "ca_file", "%s replaces the system trust store", cfg->ca_file);
	}
	if (cfg->user_map_file != NULL)
		check_map_file(t, cfg);
	check_tid(t, cfg);
	check_helper(t, cfg);
}

static void discovery_hints(const struct oa2_config *cfg, const oa2_error *err)
{
	size_t n = strlen(cfg->issuer);

	if (strstr(err->msg, "does not equal the configured") != NULL) {
		if (n > 0 && cfg->issuer[n - 1] == '/')
			hint("the configured issuer ends with '/'; issuers are compared exactly "
			     "(OIDC Discovery 4.3): remove the slash");
		else
			hint("set issuer to exactly the value the IdP announces");
	} else if (strstr(err->msg, "certificate") != NULL || strstr(err->msg, "SSL") != NULL) {
		hint("the IdP's TLS certificate did not verify against %s%s; certificates and host "
		     "names are always verified",
		     cfg->ca_file ? "ca_file " : "the system trust store",
		     cfg->ca_file ? cfg->ca_file : "");
	}
}

/* A {tenantid} template: fine only with a tid= condition (token.c). */
static void tenant_issuer(struct tally *t, const struct oa2_config *cfg,
			  const struct oa2_discovery *disc)
{
	oa2_error err = {0};

	line(t, ST_WARN, "issuer",
	     "discovery issuer holds {tenantid}: multi-tenant, require_claims needs tid= "
	     "('%s'; each token's iss must be its own tenant's)",
	     OA2_ESC(disc->issuer));
	if (oa2_token_issuer_policy(cfg, disc, &err) != 0)
		line(t, ST_FAIL, "issuer", "%s", err.msg);
	else
		line(t, ST_OK, "issuer", "require_claims limits the tenant (%s)",
		     cfg->require_claims);
}

static int check_discovery(struct tally *t, const struct oa2_config *cfg, oa2_http *http,
			   struct oa2_discovery *disc)
{
	oa2_error err = {0};
	char *url = oa2_discovery_url(cfg->issuer);

	if (url == NULL) {
		line(t, ST_FAIL, "discovery", "out of memory");
		return -1;
	}
	if (oa2_discovery_fetch(cfg->issuer, cfg->endpoint_hosts, http, cfg->cache_dir, time(NULL),
				disc, &err) != 0) {
		line(t, ST_FAIL, "discovery", "%s",
		     strncmp(err.msg, "discovery: ", 11) == 0 ? err.msg + 11 : err.msg);
		if (strncmp(err.msg, url, strlen(url)) != 0)
			hint("fetched from %s", url);
		discovery_hints(cfg, &err);
		free(url);
		return -1;
	}
	line(t, ST_OK, "discovery", "%s fetched over verified TLS (trust: %s%s)", url,
	     cfg->ca_file ? "ca_file " : "system store", cfg->ca_file ? cfg->ca_file : "");
	if (disc->cache_err.kind != OA2_OK)
		line(t, ST_WARN, "cache", "discovery not cached: %s", disc->cache_err.msg);
	if (!disc->multi_tenant && strcmp(disc->issuer, cfg->issuer) == 0)
		line(t, ST_OK, "issuer", "'%s' equals the configured issuer", disc->issuer);
	else if (!disc->multi_tenant)
		line(t, ST_OK, "issuer", "'%s' is the fixed issuer of Entra's consumers tenant "
		     "(personal Microsoft accounts); every token must carry it", disc->issuer);
	else
		tenant_issuer(t, cfg, disc);
	free(url);
	return 0;
}

static void optional_endpoint(struct tally *t, const char *name, const char *url, int needed,
			      const char *why)
{
	if (url != NULL)
		line(t, ST_OK, "endpoint", "%s %s", name, url);
	else if (needed)
		line(t, ST_FAIL, "endpoint", "%s is not offered, but %s", name, why);
	else
		line(t, ST_OK, "endpoint", "%s not offered (optional)", name);
}

static void check_endpoints(struct tally *t, const struct oa2_config *cfg,
			    const struct oa2_discovery *disc)
{
	line(t, ST_OK, "endpoint", "token_endpoint %s", disc->token_endpoint);
	if (disc->device_configured)
		line(t, ST_OK, "endpoint", "device_authorization_endpoint %s (configured)",
		     disc->device_authorization_endpoint);
	else if (disc->device_authorization_endpoint != NULL)
		line(t, ST_OK, "endpoint", "device_authorization_endpoint %s",
		     disc->device_authorization_endpoint);
	else if (cfg->grant != OA2_GRANT_AUTO && cfg->grant != OA2_GRANT_DEVICE)
		line(t, ST_OK, "endpoint", "device_authorization_endpoint not offered (not needed: "
			 "grant = %s)", oa2_grant_name(cfg->grant));
	else if (cfg->grant == OA2_GRANT_DEVICE)
		line(t, ST_FAIL, "endpoint", "discovery has no device_authorization_endpoint: the "
			 "device grant (grant = device) cannot work");
	else if (cfg->redirect_uri != NULL)
		line(t, ST_WARN, "endpoint", "discovery has no device_authorization_endpoint: "
			 "grant = auto uses the code grant (redirect_uri) in its place");
	else
		line(t, ST_WARN, "endpoint", "discovery has no device_authorization_endpoint: with "
			 "grant = auto only the password grant on trusted consoles%s can work",
		     cfg->ciba_login_hint != NULL ? " and CIBA for sudo" : "");
	if (disc->userinfo_endpoint == NULL && cfg->claims_source != OA2_CLAIMS_USERINFO)
		line(t, ST_WARN, "endpoint", "no userinfo_endpoint: a token answer without an "
			 "id_token cannot be checked (claims_source = auto)");
	else
		optional_endpoint(t, "userinfo_endpoint", disc->userinfo_endpoint,
				  cfg->claims_source == OA2_CLAIMS_USERINFO,
				  "claims_source = userinfo");
	optional_endpoint(t, "introspection_endpoint", disc->introspection_endpoint,
			  cfg->claims_source == OA2_CLAIMS_INTROSPECTION,
			  "claims_source = introspection");
	if (cfg->claims_source == OA2_CLAIMS_INTROSPECTION && cfg->client_secret == NULL)
		line(t, ST_FAIL, "client", "claims_source = introspection needs a confidential "
			 "client (client_secret_file)");
}

/* CIBA in poll mode (docs/ciba.md): offered or not, and whether the
 * configuration needs it. */
static void check_ciba(struct tally *t, const struct oa2_config *cfg,
		       const struct oa2_discovery *disc)
{
	bool used = cfg->grant == OA2_GRANT_CIBA ||
		    (cfg->grant == OA2_GRANT_AUTO && cfg->ciba_login_hint != NULL);
	oa2_error err = {0};

	if (oa2_ciba_offered(disc, &err) == 0)
		line(t, ST_OK, "ciba", "backchannel_authentication_endpoint %s, poll mode%s",
		     disc->backchannel_authentication_endpoint, used ? "" : " (not used)");
	else if (cfg->grant == OA2_GRANT_CIBA)
		line(t, ST_FAIL, "ciba", "%s: grant = ciba cannot work", err.msg);
	else if (used)
		line(t, ST_WARN, "ciba", "%s: grant = auto uses the device grant instead", err.msg);
	else
		line(t, ST_OK, "ciba", "not offered in poll mode (not used)");
	if (used)
		line(t, ST_OK, "ciba", "login_hint from '%s'%s", cfg->ciba_login_hint,
		     cfg->ciba_login_hint_format == OA2_HINT_ISS_SUB
			     ? " as the sub of {\"format\":\"iss_sub\",\"iss\":ISSUER,\"sub\":SUB}"
			     : "");
}

static void check_jwks(struct tally *t, const struct oa2_config *cfg, oa2_http *http,
		       const struct oa2_discovery *disc)
{
	struct oa2_keyset ks = {.issuer = cfg->issuer, .jwks_uri = disc->jwks_uri,
				.cache_dir = cfg->cache_dir, .http = http, .now = time(NULL)};
	struct oa2_jwk_info info;
	oa2_error err = {0};
	size_t n, no_alg = 0;

	if (oa2_keyset_fetch(&ks, &err) != 0) {
		line(t, ST_FAIL, "jwks", "%s", err.msg);
		goto out;
	}
	n = oa2_jwks_count(ks.jwks);
	line(t, ST_OK, "jwks", "%s: %zu usable signing key%s", disc->jwks_uri, n,
	     n == 1 ? "" : "s");
	if (ks.cache_err.kind != OA2_OK)
		line(t, ST_WARN, "cache", "JWKS not cached: %s", ks.cache_err.msg);
	for (size_t i = 0; i < n; i++) {
		if (oa2_jwks_key_info(ks.jwks, i, &info) != 0)
			continue;
		line(t, ST_OK, "key", "kid=%s %s, %d bits, alg %s",
		     info.kid ? OA2_ESC(info.kid) : "(none)", info.type, info.bits,
		     info.alg ? OA2_ESC(info.alg) : "(any that suits the key)");
		if (info.alg == NULL)
			no_alg++;
	}
	if (no_alg > 0)
		line(t, ST_WARN, "jwks", "JWKS keys have no alg (%zu of %zu; informational, as Entra "
			 "ID publishes them): each serves the algorithms its key type suits",
		     no_alg, n);
out:
	oa2_keyset_clear(&ks);
}

static const char *entry_state(const struct oa2_config *cfg, const char *kind, long *left)
{
	struct oa2_cache_info info;
	char name[128];
	time_t now = time(NULL);

	*left = -1;
	if (oa2_cache_name(cfg->issuer, kind, name, sizeof(name)) != 0)
		return "?";
	oa2_cache_inspect(cfg->cache_dir, name, now, &info);
	if (info.state == OA2_CACHE_VALID)
		*left = (long)(info.expires - (long long)now);
	return info.why;
}

static void check_cache(struct tally *t, const struct oa2_config *cfg)
{
	oa2_error err = {0};
	struct stat st;
	long dleft, jleft;
	const char *dstate, *jstate;

	if (oa2_cache_dir_check(cfg->cache_dir, &err) != 0) {
		line(t, ST_WARN, "cache", "%s: caching is skipped, every login fetches discovery "
			 "and the JWKS",
		     err.msg);
		return;
	}
	dstate = entry_state(cfg, "discovery", &dleft);
	jstate = entry_state(cfg, "jwks", &jleft);
	if (lstat(cfg->cache_dir, &st) != 0)
		st.st_mode = 0;
	if (dleft >= 0 && jleft >= 0)
		line(t, ST_OK, "cache",
		     "%s (uid %u, mode %04o): discovery valid for %ld s, jwks valid for %ld s",
		     cfg->cache_dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), dleft,
		     jleft);
	else
		line(t, ST_WARN, "cache", "%s (uid %u, mode %04o): discovery %s, jwks %s",
		     cfg->cache_dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), dstate,
		     jstate);
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"arg", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_common common = {0};
	struct oa2_discovery disc = {0};
	struct tally t = {0};
	struct oa2_config *cfg = NULL;
	oa2_http *http = NULL;
	oa2_error err = {0};
	int c, rc = CLI_USAGE;

	optind = 1;
	opterr = 0; /* cli_bad_option says it */
	while ((c = getopt_long(argc, argv, "c:a:h", opts, NULL)) != -1) {
		switch (c) {
		default:
			if (cli_common_option(&common, c, "check", usage, argv, &rc) != 0)
				goto out;
			break;
		}
	}
	if (optind < argc) {
		rc = cli_usage_error("check", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	cfg = cli_load_config(&common, &err);
	if (cfg == NULL) {
		line(&t, ST_FAIL, "config", "%s", err.msg);
		rc = err.kind == OA2_ERR_CONFIG ? CLI_CONFIG : CLI_INTERNAL;
		goto out;
	}
	check_config(&t, cfg);
	http = oa2_http_new(cfg->ca_file, cfg->http_timeout, &err);
	if (http == NULL) {
		line(&t, ST_FAIL, "http", "%s", err.msg);
	} else if (check_discovery(&t, cfg, http, &disc) == 0) {
		if (oa2_discovery_device_endpoint(&disc, cfg->device_authorization_endpoint,
						  cfg->issuer, cfg->endpoint_hosts, &err) != 0)
			line(&t, ST_FAIL, "endpoint", "%s", err.msg);
		check_endpoints(&t, cfg, &disc);
		check_ciba(&t, cfg, &disc);
		check_jwks(&t, cfg, http, &disc);
	}
	check_cache(&t, cfg);
	printf("check: %d ok, %d warnings, %d failed%s\n", t.ok, t.warn, t.fail,
	       disc.issuer == NULL ? " (IdP checks stopped at discovery)" : "");
	rc = t.fail > 0 ? CLI_FAILED : CLI_OK;
out:
	oa2_discovery_clear(&disc);
	oa2_http_free(http);
	oa2_config_free(cfg);
	cli_common_free(&common);
	return rc;
}
