/* main.c - pam-oauth2: check an IdP set-up, try a login, manage the cache,
 * with the PAM module's own code and without PAM. */
#include "autoconfig.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"Usage: " CLI_NAME " COMMAND [OPTIONS]\n"
	"\n"
	"Diagnose the pam_oauth2 module's set-up with the module's own code.\n"
	"\n"
	"Commands:\n"
	"  check        load the configuration and check the IdP step by step\n"
	"  login        log in at the terminal (device or password grant) and show\n"
	"               the validated claims, the mapped user and the decision\n"
	"  cache show   list the discovery and JWKS cache entries of the issuer\n"
	"  cache clear  remove them\n"
	"  token        run the device grant as an ordinary user and print a fresh\n"
	"               token (for grant = token: scp, Ansible, psql ...)\n"
	"  accounts     list, show, lock, unlock or remove the accounts the module\n"
	"               created (accounts = create)\n"
	"\n"
	"Options of every command:\n"
	"  -c, --config FILE     configuration file (default " OA2_DEFAULT_CONFIG ")\n"
	"  -a, --arg KEY=VALUE   a module argument, as on the PAM service line (repeatable)\n"
	"  -h, --help            help for the command\n"
	"\n"
	"  " CLI_NAME " --version    print the version\n"
	"\n"
	"Exit status: 0 success, 1 check failed or login refused, 2 usage error,\n"
	"3 configuration error, 4 IdP unavailable, 5 not authorised, 6 no such\n"
	"local account, 7 internal error. See pam-oauth2(8).\n";

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	int rc;

	if (cmd == NULL)
		return cli_usage_error(NULL, "no command given");
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf(CLI_NAME " (" PACKAGE_NAME ") " PACKAGE_VERSION "\n");
		return CLI_OK;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, CLI_NAME ": cannot initialise libcurl\n");
		return CLI_INTERNAL;
	}
	if (strcmp(cmd, "check") == 0)
		rc = cmd_check(argc - 1, argv + 1);
	else if (strcmp(cmd, "login") == 0)
		rc = cmd_login(argc - 1, argv + 1);
	else if (strcmp(cmd, "cache") == 0)
		rc = cmd_cache(argc - 1, argv + 1);
	else if (strcmp(cmd, "token") == 0)
		rc = cmd_token(argc - 1, argv + 1);
	else if (strcmp(cmd, "accounts") == 0)
		rc = cmd_accounts(argc - 1, argv + 1);
	else
		rc = cli_usage_error(NULL, "unknown command '%s'", cmd);
	curl_global_cleanup();
	return rc;
}
