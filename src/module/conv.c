/* conv.c - struct oa2_ui over the PAM conversation. */
#include "autoconfig.h"

#include <fcntl.h>
#include <security/pam_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "conv.h"
#include "pam_item.h"
#include "shared/i18n.h"

static int conv_info(void *ctx, const char *text)
{
	return pam_prompt(ctx, PAM_TEXT_INFO, NULL, "%s", text) == PAM_SUCCESS ? 0 : -1;
}

static int conv_error(void *ctx, const char *text)
{
	return pam_prompt(ctx, PAM_ERROR_MSG, NULL, "%s", text) == PAM_SUCCESS ? 0 : -1;
}

static int conv_ask(void *ctx, const char *text, int echo, char **answer)
{
	*answer = NULL;
	if (pam_prompt(ctx, echo ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF, answer, "%s", text) !=
	    PAM_SUCCESS)
		return -1;
	return *answer != NULL ? 0 : -1;
}

/* A locale variable: from the PAM environment, else the host process's. */
static const char *locale_var(pam_handle_t *pamh, const char *name)
{
	const char *val = pam_getenv(pamh, name);

	if (val == NULL || *val == '\0')
		val = getenv(name);
	return val != NULL && *val != '\0' ? val : NULL;
}

/* The locale of the user's messages, as setlocale(LC_MESSAGES, "") would
 * choose it; NULL for none or "C"/"POSIX". The helper checks it again. */
static const char *messages_locale(pam_handle_t *pamh)
{
	static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG", NULL};

	for (const char *const *v = vars; *v; v++) {
		const char *val = locale_var(pamh, *v);

		if (val == NULL)
			continue;
		if (strcmp(val, "C") == 0 || strcmp(val, "POSIX") == 0 ||
		    !oa2_locale_name_valid(val, false))
			return NULL;
		return val;
	}
	return NULL;
}

/* The width of the controlling terminal, when there is one (login, sudo;
 * not sshd, whose client's terminal PAM does not see); 0 otherwise. */
static int terminal_columns(void)
{
	struct winsize ws = {0};
	int fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	int cols = 0;

	if (fd < 0)
		return 0;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0)
		cols = ws.ws_col;
	close(fd);
	return cols;
}

void oa2_conv_ui(pam_handle_t *pamh, const struct oa2_config *cfg, struct oa2_ui *ui)
{
	const char *service = oa2_pam_item(pamh, PAM_SERVICE);
	const char *rhost = oa2_pam_item(pamh, PAM_RHOST);

	memset(ui, 0, sizeof(*ui));
	ui->ctx = pamh;
	ui->info = conv_info;
	ui->error = conv_error;
	ui->ask = conv_ask;
	ui->utf8 = oa2_locale_is_utf8(locale_var(pamh, "LC_ALL"), locale_var(pamh, "LC_CTYPE"),
				      locale_var(pamh, "LANG"));
	ui->user = oa2_pam_item(pamh, PAM_USER);
	ui->service = service;
	ui->locale = messages_locale(pamh);
	ui->language = ui->locale != NULL ? locale_var(pamh, "LANGUAGE") : NULL;
	if (ui->language != NULL && !oa2_locale_name_valid(ui->language, true))
		ui->language = NULL;
	switch (cfg->device_ui) {
	case OA2_UI_INFO:
		ui->info_needs_prompt = 0;
		break;
	case OA2_UI_PROMPT:
		ui->info_needs_prompt = 1;
		break;
	default:
		ui->info_needs_prompt = (service != NULL && strncmp(service, "sshd", 4) == 0) ||
					rhost != NULL;
		break;
	}
	if (!ui->info_needs_prompt)
		ui->columns = terminal_columns();
}
