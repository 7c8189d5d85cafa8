/* cmd_login.c - pam-oauth2 login: one login at the terminal, through the
 * module's grant, validation, mapping and authorisation code, ending with
 * the decision the module would return to PAM. */
#include "autoconfig.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "helper/ciba_grant.h"
#include "helper/claims.h"
#include "helper/device_grant.h"
#include "helper/discovery.h"
#include "helper/http.h"
#include "helper/password_grant.h"
#include "helper/token.h"
#include "module/authz.h"
#include "module/usermap.h"
#include "shared/strutil.h"

static const char usage[] =
	"Usage: " CLI_NAME " login [-c CONFIG] [--arg KEY=VALUE ...] [--user NAME]\n"
	"                  [--grant device|password|ciba]\n"
	"\n"
	"Log in at this terminal without PAM: run the device grant (code, URL and QR\n"
	"code; polls until approved), the password grant (asks the password with echo\n"
	"off; reads one line when stdin is not a terminal) or CIBA (the approval is\n"
	"pushed to the phone of the account ciba_login_hint names for the user; polls\n"
	"until approved), validate the token, show the validated claims (never the\n"
	"tokens), the local user they map to and the authorisation decision.\n"
	"\n"
	"  -c, --config FILE     configuration file (default " OA2_DEFAULT_CONFIG ")\n"
	"  -a, --arg KEY=VALUE   module argument (repeatable)\n"
	"  -u, --user NAME       the account being logged into (the PAM user); the\n"
	"                        identity must map to it. For the password grant, the\n"
	"                        IdP user name; for CIBA, the user the login hint is\n"
	"                        made from (asked when not given)\n"
	"  -g, --grant G         device, password or ciba (default: the configured\n"
	"                        grant; auto means device here; grant = code or token\n"
	"                        is refused: test those through PAM)\n"
	"  -h, --help            this help\n"
	"\n"
	"Exit status: 0 the module would return PAM_SUCCESS for this user; 1 refused\n"
	"identity (PAM_AUTH_ERR: denied, expired, wrong user, bad token); 2 usage\n"
	"error; 3 configuration (PAM_SERVICE_ERR); 4 IdP unavailable\n"
	"(PAM_AUTHINFO_UNAVAIL); 5 not authorised (PAM_PERM_DENIED); 6 no local account\n"
	"(PAM_USER_UNKNOWN); 7 internal error (PAM_SYSTEM_ERR).\n";

struct login_opts {
	struct cli_common common;
	const char *user;
	int grant; /* enum oa2_grant_mode; AUTO: as configured, until login_grant resolves it */
};

/* The password grant as login.c runs it, with the terminal for PAM. */
static int password_login(const struct oa2_config *cfg, const struct oa2_discovery *disc,
			  oa2_http *http, char **user, char **token, size_t *len, oa2_error *err)
{
	char prompt[128];
	char *password = NULL;
	int rc = -1;

	if (*user == NULL && term_ask("login: ", 1, user) != 0)
		return oa2_fail(err, OA2_ERR_ABORT, "no user name was entered");
	if (!oa2_username_valid(*user))
		return oa2_fail(err, OA2_ERR_USER, "'%.64s' is not a valid user name", *user);
	snprintf(prompt, sizeof(prompt), "Password for %s: ", *user);
	if (term_ask(prompt, 0, &password) != 0 || password == NULL) {
		oa2_fail(err, OA2_ERR_ABORT, "no password was entered");
		goto out;
	}
	if (*password == '\0') {
		oa2_fail(err, OA2_ERR_DENIED, "empty password");
		goto out;
	}
	rc = oa2_password_grant(cfg, disc, http, *user, password, token, len, err);
out:
	oa2_free_secret(password);
	return rc;
}

/* CIBA as the helper runs it (ciba_grant.c) for the user named or asked;
 * the refusal line on the terminal as the module shows it. */
static int ciba_login(const struct oa2_config *cfg, const struct oa2_discovery *disc,
		      oa2_http *http, struct oa2_ui *ui, char **user, char **token, size_t *len,
		      oa2_error *err)
{
	struct oa2_ciba_outcome out;

	if (*user == NULL && term_ask("login: ", 1, user) != 0)
		return oa2_fail(err, OA2_ERR_ABORT, "no user name was entered");
	if (!oa2_username_valid(*user))
		return oa2_fail(err, OA2_ERR_USER, "'%.64s' is not a valid user name", *user);
	ui->user = *user;
	if (oa2_ciba_grant(cfg, disc, http, ui, *user, &out, token, len, err) == 0)
		return 0;
	if (out.said != NULL)
		ui->error(ui->ctx, out.said);
	return -1;
}

/* The grant this command runs: --grant, else the configured one with auto
 * as the device grant; -1 for one it cannot run here (said on stderr). */
static int login_grant(const struct login_opts *o, const struct oa2_config *cfg)
{
	int grant = o->grant != OA2_GRANT_AUTO ? o->grant : cfg->grant;

	if (grant == OA2_GRANT_AUTO)
		return OA2_GRANT_DEVICE;
	if (grant == OA2_GRANT_CODE || grant == OA2_GRANT_TOKEN) {
		fprintf(stderr,
			CLI_NAME " login: the configuration says grant = %s, which this command "
			"does not run; use --grant device, password or ciba, or test it through "
			"PAM%s\n",
			oa2_grant_name(grant),
			grant == OA2_GRANT_TOKEN ? " (" CLI_NAME " token prints a token to log in with)"
						 : "");
		return -1;
	}
	if (grant == OA2_GRANT_CIBA &&
	    (cfg->ciba_login_hint == NULL || cfg->client_secret == NULL)) {
		fprintf(stderr, CLI_NAME " login: --grant ciba needs %s in the configuration\n",
			cfg->ciba_login_hint == NULL ? "ciba_login_hint"
						     : "a confidential client (client_secret_file)");
		return -1;
	}
	return grant;
}

/* Every string in here is the IdP's: printed escaped, line by line. */
static void print_claims(const struct oa2_identity *id, json_object *claims)
{
	const char *json = json_object_to_json_string_ext(
		claims, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
				JSON_C_TO_STRING_NOSLASHESCAPE);

	printf("\nValidated claims (evidence: %s, signing keys %s):\n", id->source,
	       id->fetched.jwks ? "fetched" : "from the cache");
	cli_print_escaped(json ? json : "{}");
	printf("Granted scope: %s\n", id->scope ? OA2_ESC(id->scope) : "(not stated)");
}

/* The story of pam_sm_authenticate, told on the terminal. */
static int run(const struct login_opts *o, const struct oa2_config *cfg, oa2_error *err)
{
	struct oa2_discovery disc = {0};
	struct oa2_identity id = {0};
	struct term_ui tui;
	struct oa2_ui ui;
	oa2_http *http = NULL;
	char *token = NULL, *user = NULL;
	char mapped[OA2_USER_MAX];
	json_object *claims = NULL;
	const char *sub = NULL;
	size_t len = 0;
	int grant = o->grant; /* resolved by login_grant */
	int rc = -1;

	if (o->user != NULL && (user = strdup(o->user)) == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto out;
	}
	term_ui_init(&tui, &ui);
	/* the screen's title: "Login: alice on HOST, through pam-oauth2 login" */
	ui.user = user;
	ui.service = CLI_NAME " login";
	http = oa2_http_new(cfg->ca_file, cfg->http_timeout, err);
	if (http == NULL)
		goto out;
	if (oa2_discovery_load(cfg->issuer, cfg->endpoint_hosts, http, cfg->cache_dir, time(NULL),
			       &disc, err) != 0 ||
	    oa2_token_issuer_policy(cfg, &disc, err) != 0 ||
	    oa2_discovery_device_endpoint(&disc, cfg->device_authorization_endpoint, cfg->issuer,
					  cfg->endpoint_hosts, err) != 0)
		goto out;
	fprintf(stderr, "Issuer %s (discovery %s), %s grant\n", cfg->issuer,
		disc.from_cache ? "from the cache" : "fetched", oa2_grant_name(grant));
	if (grant == OA2_GRANT_DEVICE) {
		rc = oa2_device_grant(cfg, &disc, http, &ui, &token, &len, err);
		term_ui_finish(&tui);
	} else if (grant == OA2_GRANT_CIBA) {
		rc = ciba_login(cfg, &disc, http, &ui, &user, &token, &len, err);
		term_ui_finish(&tui);
	} else {
		rc = password_login(cfg, &disc, http, &user, &token, &len, err);
	}
	if (rc != 0)
		goto out;
	rc = -1;
	if (oa2_token_validate(cfg, &disc, http, token, len, time(NULL), &id, err) != 0)
		goto out;
	claims = oa2_json_parse(id.claims, strlen(id.claims), "the claims", err);
	if (claims == NULL)
		goto out;
	print_claims(&id, claims);
	if (oa2_usermap_resolve(cfg, claims, mapped, err) != 0)
		goto out;
	printf("Local user: %s (from claim '%s')\n", mapped, cfg->username_claim);
	if (user != NULL) {
		if (strcmp(user, mapped) != 0) {
			oa2_fail(err, OA2_ERR_DENIED, "the IdP identity maps to %s, not %.64s", mapped,
				 user);
			goto out;
		}
		printf("User %s: matches\n", user);
	}
	if (oa2_authz_check(cfg, claims, id.scope, err) != 0)
		goto out;
	printf("Authorisation: granted\n");
	(void)oa2_json_string(claims, "sub", &sub);
	printf("Decision: PAM_SUCCESS for user %s (sub %s)\n", mapped, OA2_ESC(sub ? sub : "?"));
	rc = 0;
out:
	json_object_put(claims);
	oa2_free_secret_len(token, len);
	oa2_identity_clear(&id);
	oa2_discovery_clear(&disc);
	oa2_http_free(http);
	free(user);
	return rc;
}

int cmd_login(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"arg", required_argument, NULL, 'a'},
		{"user", required_argument, NULL, 'u'},
		{"grant", required_argument, NULL, 'g'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct login_opts o = {{0}, NULL, OA2_GRANT_AUTO};
	struct oa2_config *cfg = NULL;
	oa2_error err = {0};
	int c, rc = CLI_USAGE;

	optind = 1;
	opterr = 0; /* cli_bad_option says it */
	while ((c = getopt_long(argc, argv, "c:a:u:g:h", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			if (!oa2_username_valid(optarg)) {
				rc = cli_usage_error("login", "'%s' is not a valid user name", optarg);
				goto out;
			}
			o.user = optarg;
			break;
		case 'g':
			if (strcmp(optarg, "device") == 0)
				o.grant = OA2_GRANT_DEVICE;
			else if (strcmp(optarg, "password") == 0)
				o.grant = OA2_GRANT_PASSWORD;
			else if (strcmp(optarg, "ciba") == 0)
				o.grant = OA2_GRANT_CIBA;
			else {
				rc = cli_usage_error("login", "--grant must be device, password or ciba");
				goto out;
			}
			break;
		default:
			if (cli_common_option(&o.common, c, "login", usage, argv, &rc) != 0)
				goto out;
			break;
		}
	}
	if (optind < argc) {
		rc = cli_usage_error("login", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	cfg = cli_load_config(&o.common, &err);
	if (cfg == NULL) {
		fprintf(stderr, CLI_NAME ": configuration: %s\n", err.msg);
		rc = cli_exit_for(err.kind);
		goto out;
	}
	o.grant = login_grant(&o, cfg);
	if (o.grant < 0) {
		rc = CLI_USAGE;
		goto out;
	}
	if (run(&o, cfg, &err) == 0 && err.kind == OA2_OK) {
		rc = CLI_OK;
		goto out;
	}
	if (err.kind == OA2_OK)
		oa2_fail(&err, OA2_ERR_INTERNAL, "login failed without a reason");
	printf("Decision: %s: %s: %s\n", cli_pam_name(err.kind), oa2_errkind_name(err.kind),
	       err.msg);
	rc = cli_exit_for(err.kind);
out:
	oa2_config_free(cfg);
	cli_common_free(&o.common);
	return rc;
}
