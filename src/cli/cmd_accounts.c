/* cmd_accounts.c - pam-oauth2 accounts list|show|lock|unlock|remove|sync: the
 * accounts created from IdP identities (docs/accounts.md), read and changed
 * through the helper's own store code, under the registry's lock. */
#include "autoconfig.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "helper/accounts.h"
#include "shared/strutil.h"

static const char usage[] =
	"Usage: " CLI_NAME " accounts list|show NAME|lock NAME|unlock NAME|remove NAME|sync\n"
	"                  [-c CONFIG] [--arg KEY=VALUE ...] [--if-enabled]\n"
	"\n"
	"list:   every account the module created: UID, name, state, created, issuer, sub;\n"
	"        and every group group_map created (GROUP+): GID, name, state 'group'.\n"
	"show:   one account (or created group), in full.\n"
	"lock:   refuse every later login of the account (its record says locked).\n"
	"unlock: lift a lock or a removal (a removed account's records come back at its\n"
	"        next login, with the same UID).\n"
	"remove: delete the account's user and group records; its name and UID stay\n"
	"        reserved for its identity, its home and files stay as they are.\n"
	"sync:   write again what libnss_oauth2 reads (new_users, uid_range, home_base,\n"
	"        shell) for sshd's lookup of a new user; run it after changing those keys\n"
	"        and at boot (every login with accounts = create does it too).\n"
	"        With --if-enabled (the boot unit pam-oauth2-sync.service): nothing\n"
	"        unless accounts = create, and a configuration that cannot be loaded\n"
	"        is reported but is no failure (libnss_oauth2 then answers nothing).\n"
	"\n"
	"  -c, --config FILE     configuration file (default " OA2_DEFAULT_CONFIG ")\n"
	"  -a, --arg KEY=VALUE   module argument (repeatable), e.g. --arg accounts_dir=/tmp/a\n"
	"  -h, --help            this help\n"
	"\n"
	"Exit status: 0 done, 1 the store refused or failed, 2 usage error,\n"
	"3 the configuration cannot be loaded, 6 no such account.\n";

static void when(long long t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "%lld", t);
}

static void print_one(const struct oa2_account *a, bool full)
{
	char t[32];

	when(a->created, t, sizeof(t));
	if (!full) {
		printf("%-10lu %-20s %-8s %s  %s  %s\n", a->uid, a->name,
		       oa2_account_state_name(a->state), t, OA2_ESC(a->issuer), OA2_ESC(a->sub));
		return;
	}
	if (a->state == OA2_ACCOUNT_GROUP) {
		printf("group:   %s\ngid:     %lu\nstate:   group (created by group_map)\n"
		       "created: %s\n",
		       a->name, a->uid, t);
		return;
	}
	printf("name:    %s\nuid:     %lu\ngid:     %lu\nstate:   %s\ncreated: %s\n"
	       "issuer:  %s\nsub:     %s\n",
	       a->name, a->uid, a->uid, oa2_account_state_name(a->state), t, OA2_ESC(a->issuer),
	       OA2_ESC(a->sub));
}

static int list_or_show(const struct oa2_account_store *s, const char *name)
{
	struct oa2_account *list = NULL;
	oa2_error err = {0};
	size_t n = 0;
	int rc = name == NULL ? CLI_OK : CLI_USER;

	if (oa2_account_list(s, &list, &n, &err) != 0) {
		fprintf(stderr, CLI_NAME ": accounts: %s\n", err.msg);
		return CLI_FAILED;
	}
	if (name == NULL && n == 0)
		printf("no accounts created (registry %s)\n", s->registry_dir);
	for (size_t i = 0; i < n; i++) {
		if (name == NULL) {
			print_one(&list[i], false);
		} else if (strcmp(list[i].name, name) == 0) {
			print_one(&list[i], true);
			rc = CLI_OK;
		}
	}
	if (rc == CLI_USER)
		fprintf(stderr, CLI_NAME ": accounts: no account '%s' in the registry\n",
			OA2_ESC(name));
	free(list);
	return rc;
}

#define OPT_IF_ENABLED 1000

/* With accounts = off the settings name no pattern: libnss_oauth2 then
 * answers nothing. */
static int sync_nss(const struct oa2_account_store *store, const struct oa2_config *cfg)
{
	struct oa2_account_store s = *store;
	oa2_error err = {0};
	int rc;

	if (cfg->accounts != OA2_ACCOUNTS_CREATE)
		s.new_users = NULL;
	s.sshd_recheck = true;
	rc = oa2_account_publish(&s, &err);
	if (rc < 0) {
		fprintf(stderr, CLI_NAME ": accounts sync: %s\n", err.msg);
		return CLI_FAILED;
	}
	if (rc == 1) {
		printf("no %s: libnss_oauth2 has no lookup to answer; no settings written\n",
		       s.sshd);
		return CLI_OK;
	}
	printf("libnss_oauth2's settings written to %s%s\n", s.nss_dir,
	       s.new_users == NULL ? " (no new_users: it answers nothing)" : "");
	return CLI_OK;
}

static int change(const struct oa2_account_store *s, const char *action, const char *name)
{
	enum oa2_account_action what = strcmp(action, "lock") == 0     ? OA2_ACCOUNT_LOCK
				       : strcmp(action, "unlock") == 0 ? OA2_ACCOUNT_UNLOCK
								       : OA2_ACCOUNT_REMOVE;
	oa2_error err = {0};

	if (oa2_account_change(s, name, what, &err) != 0) {
		fprintf(stderr, CLI_NAME ": accounts %s %s: %s\n", action, OA2_ESC(name), err.msg);
		return err.kind == OA2_ERR_USER ? CLI_USER : CLI_FAILED;
	}
	printf("%s: %s\n", OA2_ESC(name),
	       what == OA2_ACCOUNT_LOCK	    ? "locked"
	       : what == OA2_ACCOUNT_UNLOCK ? "unlocked"
					    : "removed (name and UID stay reserved)");
	return CLI_OK;
}

/* The action and its name from the arguments left after the options. */
static int parse_action(int argc, char **argv, const char **action, const char **name)
{
	static const char *const with_name[] = {"show", "lock", "unlock", "remove", NULL};
	int need = 0;

	if (optind >= argc)
		return cli_usage_error("accounts", "say list, show, lock, unlock, remove or sync");
	*action = argv[optind];
	*name = optind + 1 < argc ? argv[optind + 1] : NULL;
	for (const char *const *w = with_name; *w; w++)
		need |= strcmp(*action, *w) == 0;
	if (!need && strcmp(*action, "list") != 0 && strcmp(*action, "sync") != 0)
		return cli_usage_error("accounts", "unknown action '%s'", OA2_ESC(*action));
	if (need && *name == NULL)
		return cli_usage_error("accounts", "%s needs an account name", *action);
	if (optind + 1 + need < argc)
		return cli_usage_error("accounts", "unexpected argument '%s'",
				       OA2_ESC(argv[optind + 1 + need]));
	return CLI_OK;
}

int cmd_accounts(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"arg", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{"if-enabled", no_argument, NULL, OPT_IF_ENABLED},
		{NULL, 0, NULL, 0},
	};
	bool if_enabled = false;
	struct cli_common common = {0};
	struct oa2_account_store store;
	struct oa2_config *cfg = NULL;
	const char *action = NULL, *name = NULL;
	oa2_error err = {0};
	int c, rc = CLI_USAGE;

	optind = 1;
	opterr = 0; /* cli_bad_option says it */
	while ((c = getopt_long(argc, argv, "c:a:h", opts, NULL)) != -1) {
		if (c == OPT_IF_ENABLED)
			if_enabled = true;
		else if (cli_common_option(&common, c, "accounts", usage, argv, &rc) != 0)
			goto out;
	}
	rc = parse_action(argc, argv, &action, &name);
	if (rc != CLI_OK)
		goto out;
	if (if_enabled && strcmp(action, "sync") != 0) {
		rc = cli_usage_error("accounts", "--if-enabled is for sync only");
		goto out;
	}
	cfg = cli_load_config(&common, &err);
	if (cfg == NULL) {
		fprintf(stderr, CLI_NAME ": configuration: %s%s\n", err.msg,
			if_enabled ? "; nothing published" : "");
		/* at boot: an installed but unconfigured package is no failed
		 * unit; without settings libnss_oauth2 answers nothing, and
		 * every login reports the error itself */
		rc = if_enabled ? CLI_OK : cli_exit_for(err.kind);
		goto out;
	}
	if (if_enabled && cfg->accounts != OA2_ACCOUNTS_CREATE) {
		printf("accounts = off: nothing to publish\n");
		rc = CLI_OK;
		goto out;
	}
	oa2_account_store_init(&store, cfg);
	if (strcmp(action, "list") == 0 || strcmp(action, "show") == 0)
		rc = list_or_show(&store, name);
	else if (strcmp(action, "sync") == 0)
		rc = sync_nss(&store, cfg);
	else
		rc = change(&store, action, name);
out:
	oa2_config_free(cfg);
	cli_common_free(&common);
	return rc;
}
