/* cli.h - the pam-oauth2 diagnostic command: what its parts share.
 *
 * The command runs the module's own code (every library of src/) outside PAM: the same
 * configuration parser, the same HTTPS rules, the same validation, mapping
 * and authorisation. It only adds a terminal in place of the PAM
 * conversation and says in words what the module would decide. */
#ifndef OA2_CLI_H
#define OA2_CLI_H

#include <stdbool.h>

#include "shared/config.h"
#include "shared/error.h"
#include "shared/ui.h"

#define CLI_NAME "pam-oauth2"

/* Exit codes, documented in pam-oauth2(8) (docs/pam-oauth2.8.scd). */
enum cli_exit {
	CLI_OK = 0,          /* every required check passed / PAM_SUCCESS */
	CLI_FAILED = 1,      /* a check failed / PAM_AUTH_ERR (refused identity), PAM_ABORT */
	CLI_USAGE = 2,       /* bad command line */
	CLI_CONFIG = 3,      /* configuration missing, malformed or unsafe / PAM_SERVICE_ERR */
	CLI_UNAVAIL = 4,     /* IdP unreachable or answered garbage / PAM_AUTHINFO_UNAVAIL */
	CLI_PERM = 5,        /* authenticated, not authorised / PAM_PERM_DENIED */
	CLI_USER = 6,        /* no such local account / PAM_USER_UNKNOWN */
	CLI_INTERNAL = 7,    /* out of memory, system failure / PAM_SYSTEM_ERR */
};

/* Options every subcommand takes: -c CONFIG and --arg KEY=VALUE. */
struct cli_common {
	const char *config;  /* NULL: the module's default file */
	const char **args;   /* module arguments, in order */
	int nargs;
};

/* Add one --arg; returns -1 on out of memory. */
int cli_common_add_arg(struct cli_common *c, const char *arg);
void cli_common_free(struct cli_common *c);

/* Load the configuration exactly as the module does: the arguments become
 * module arguments, -c CONFIG becomes config=PATH. NULL with err holding the
 * parser's message on failure. */
struct oa2_config *cli_load_config(const struct cli_common *c, oa2_error *err);

/* path made absolute against the working directory, symbolic links left
 * alone (malloc'd; NULL when out of memory). */
char *cli_absolute(const char *path);

/* The exit code for an error category. */
int cli_exit_for(enum oa2_errkind kind);

/* "PAM_SUCCESS", "PAM_AUTH_ERR", ... for the code the module would return. */
const char *cli_pam_name(enum oa2_errkind kind);

/* One report line: "ok   what  detail", "FAIL ...", "warn ...". */
void cli_report(const char *status, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print text from outside (the IdP's) to stdout, each line through oa2_esc
 * (line breaks kept, every other control byte escaped), then a newline. */
void cli_print_escaped(const char *text);

/* Usage error: message on stderr, hint to --help; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* After getopt_long returned '?': name the option it refused. */
int cli_bad_option(const char *cmd, char **argv);

/* An option every command has (-c, -a, -h) or one getopt refused: returns
 * 0 when it was taken in, 1 when the command must stop with *rc (help
 * printed, out of memory, or an unknown option). */
int cli_common_option(struct cli_common *c, int opt, const char *cmd, const char *usage,
		      char **argv, int *rc);

/* struct oa2_ui over stdin/stdout/stderr (term_ui.c). */
struct term_ui {
	int progress_shown; /* a progress line or dots are on stderr */
	int tty_err;        /* stderr is a terminal: countdown with \r */
	int info_to_stderr; /* instructions on stderr (stdout carries a token) */
};

void term_ui_init(struct term_ui *t, struct oa2_ui *ui);
/* End a progress line, if one is open. */
void term_ui_finish(struct term_ui *t);

/* Ask on the terminal (echo off when !echo and stdin is a tty) or read one
 * line from stdin when it is not a terminal. *answer is malloc'd; the
 * caller wipes it. 0, or -1 at end of input. */
int term_ask(const char *prompt, int echo, char **answer);

int cmd_check(int argc, char **argv);
int cmd_login(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_accounts(int argc, char **argv);

#endif
