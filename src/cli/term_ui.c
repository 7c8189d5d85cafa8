/* term_ui.c - struct oa2_ui over the terminal, for pam-oauth2 login.
 *
 * Instructions go to stdout at once (so a script can read the user code);
 * prompts, progress and errors to stderr. Input comes from stdin: with echo
 * off on a terminal, or one line when stdin is a pipe or file. */
#include "autoconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "shared/i18n.h"
#include "shared/strutil.h"

#define ANSWER_MAX 1024

static struct termios saved_tio;
static volatile sig_atomic_t echo_off;

/* Ctrl-C while the echo is off must not leave the terminal blind. */
static void restore_and_die(int sig)
{
	if (echo_off)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One line from fd 0, byte by byte so nothing beyond it is consumed and no
 * stdio buffer keeps a copy of a password. 0, or -1 at end of input. */
static int read_line(char *buf, size_t size)
{
	size_t n = 0;

	for (;;) {
		char ch;
		ssize_t r = read(STDIN_FILENO, &ch, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			buf[n] = '\0';
			return n > 0 ? 0 : -1;
		}
		if (ch == '\n')
			break;
		if (n + 1 < size)
			buf[n++] = ch;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

int term_ask(const char *prompt, int echo, char **answer)
{
	char buf[ANSWER_MAX];
	struct termios tio;
	int tty = isatty(STDIN_FILENO), rc;

	*answer = NULL;
	fputs(prompt, stderr);
	fflush(stderr);
	if (tty && !echo && tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
		tio = saved_tio;
		tio.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		signal(SIGINT, restore_and_die);
		signal(SIGTERM, restore_and_die);
		signal(SIGHUP, restore_and_die);
		echo_off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio) == 0;
	}
	rc = read_line(buf, sizeof(buf));
	if (echo_off) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
		echo_off = 0;
	}
	if (!tty || !echo)
		fputc('\n', stderr); /* nothing echoed the end of the line */
	if (rc == 0) {
		*answer = strdup(buf);
		if (*answer == NULL)
			rc = -1;
	}
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

static int ui_info(void *ctx, const char *text)
{
	const struct term_ui *t = ctx;
	FILE *f = t->info_to_stderr ? stderr : stdout;

	if (fputs(text, f) == EOF || fputc('\n', f) == EOF || fflush(f) != 0)
		return -1;
	return 0;
}

static int ui_error(void *ctx, const char *text)
{
	term_ui_finish(ctx);
	fprintf(stderr, "%s\n", text);
	return 0;
}

static int ui_ask(void *ctx, const char *text, int echo, char **answer)
{
	term_ui_finish(ctx);
	return term_ask(text, echo, answer);
}

/* A countdown on a terminal, a dot per poll otherwise. */
static void ui_progress(void *ctx, long left)
{
	struct term_ui *t = ctx;

	if (left < 0)
		left = 0;
	if (t->tty_err)
		fprintf(stderr, "\rWaiting for approval: %ld:%02ld left ", left / 60, left % 60);
	else
		fputc('.', stderr);
	fflush(stderr);
	t->progress_shown = 1;
}

void term_ui_finish(struct term_ui *t)
{
	if (t != NULL && t->progress_shown) {
		fputc('\n', stderr);
		t->progress_shown = 0;
	}
}

void term_ui_init(struct term_ui *t, struct oa2_ui *ui)
{
	memset(t, 0, sizeof(*t));
	memset(ui, 0, sizeof(*ui));
	t->tty_err = isatty(STDERR_FILENO);
	ui->ctx = t;
	ui->info = ui_info;
	ui->error = ui_error;
	ui->ask = ui_ask;
	ui->progress = ui_progress;
	ui->info_needs_prompt = 0; /* a terminal shows text at once: poll without Enter */
	ui->utf8 = oa2_locale_is_utf8(getenv("LC_ALL"), getenv("LC_CTYPE"), getenv("LANG"));
}
