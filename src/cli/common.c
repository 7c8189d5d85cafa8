/* common.c - configuration loading, exit codes and report lines shared by
 * the pam-oauth2 subcommands. */
#include "autoconfig.h"

#include <getopt.h>
#include <limits.h>
#include <security/pam_modules.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "module/login.h"
#include "shared/strutil.h"

int cli_common_add_arg(struct cli_common *c, const char *arg)
{
	const char **grown = realloc(c->args, (size_t)(c->nargs + 1) * sizeof(*grown));

	if (grown == NULL)
		return -1;
	c->args = grown;
	c->args[c->nargs++] = arg;
	return 0;
}

void cli_common_free(struct cli_common *c)
{
	free(c->args);
	c->args = NULL;
	c->nargs = 0;
}

/* -c FILE as an absolute path, without resolving symbolic links: the parser
 * itself refuses a link (O_NOFOLLOW), and must get the chance to. */
char *cli_absolute(const char *path)
{
	char cwd[PATH_MAX], *out;
	size_t n;

	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	n = strlen(cwd) + 1 + strlen(path) + 1;
	out = malloc(n);
	if (out != NULL)
		snprintf(out, n, "%s/%s", cwd, path);
	return out;
}

struct oa2_config *cli_load_config(const struct cli_common *c, oa2_error *err)
{
	struct oa2_config *cfg = NULL;
	const char **argv = calloc((size_t)c->nargs + 1, sizeof(*argv));
	char *path = NULL, *config_arg = NULL;
	int argc = 0;

	if (argv == NULL)
		goto oom;
	if (c->config != NULL) {
		path = cli_absolute(c->config);
		if (path == NULL)
			goto oom;
		config_arg = oa2_concat("config=", path);
		if (config_arg == NULL)
			goto oom;
		argv[argc++] = config_arg;
	}
	for (int i = 0; i < c->nargs; i++)
		argv[argc++] = c->args[i];
	cfg = oa2_config_load(argc, argv, err);
	goto out;
oom:
	oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
out:
	free(config_arg);
	free(path);
	free(argv);
	return cfg;
}

int cli_exit_for(enum oa2_errkind kind)
{
	switch (oa2_pam_code(kind)) {
	case PAM_SUCCESS: return CLI_OK;
	case PAM_AUTH_ERR:
	case PAM_ABORT: return CLI_FAILED;
	case PAM_SERVICE_ERR: return CLI_CONFIG;
	case PAM_AUTHINFO_UNAVAIL: return CLI_UNAVAIL;
	case PAM_PERM_DENIED: return CLI_PERM;
	case PAM_USER_UNKNOWN: return CLI_USER;
	default: return CLI_INTERNAL;
	}
}

const char *cli_pam_name(enum oa2_errkind kind)
{
	switch (oa2_pam_code(kind)) {
	case PAM_SUCCESS: return "PAM_SUCCESS";
	case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
	case PAM_ABORT: return "PAM_ABORT";
	case PAM_SERVICE_ERR: return "PAM_SERVICE_ERR";
	case PAM_AUTHINFO_UNAVAIL: return "PAM_AUTHINFO_UNAVAIL";
	case PAM_PERM_DENIED: return "PAM_PERM_DENIED";
	case PAM_USER_UNKNOWN: return "PAM_USER_UNKNOWN";
	default: return "PAM_SYSTEM_ERR";
	}
}

void cli_report(const char *status, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("%-4s %-10s ", status, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void cli_print_escaped(const char *text)
{
	size_t size = 4 * strlen(text) + 8; /* every byte may become \xHH */
	char *line = malloc(size), *buf = strdup(text), *p, *save = NULL;

	if (line == NULL || buf == NULL) {
		fputs("(out of memory)\n", stdout);
		goto out;
	}
	for (p = strtok_r(buf, "\n", &save); p != NULL; p = strtok_r(NULL, "\n", &save))
		printf("%s\n", oa2_esc(p, line, size));
out:
	free(buf);
	free(line);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs(CLI_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" CLI_NAME "%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
	return CLI_USAGE;
}

int cli_bad_option(const char *cmd, char **argv)
{
	if (optopt != 0 && optopt != '?')
		return cli_usage_error(cmd, "option -%c is unknown or needs a value", optopt);
	return cli_usage_error(cmd, "option '%s' is unknown or needs a value", argv[optind - 1]);
}

int cli_common_option(struct cli_common *c, int opt, const char *cmd, const char *usage,
		      char **argv, int *rc)
{
	switch (opt) {
	case 'c':
		c->config = optarg;
		return 0;
	case 'a':
		if (cli_common_add_arg(c, optarg) == 0)
			return 0;
		*rc = CLI_INTERNAL;
		return 1;
	case 'h':
		fputs(usage, stdout);
		*rc = CLI_OK;
		return 1;
	default:
		*rc = cli_bad_option(cmd, argv);
		return 1;
	}
}
