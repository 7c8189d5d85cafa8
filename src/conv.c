/* conv.c - struct oa2_ui over the PAM conversation. */
#include "autoconfig.h"

#include <security/pam_ext.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conv.h"

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

static const char *item(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS)
		return NULL;
	return v;
}

/* The locale the user's terminal announced, if any. */
static int locale_is_utf8(pam_handle_t *pamh)
{
	static const char *const vars[] = {"LC_ALL", "LC_CTYPE", "LANG", NULL};

	for (const char *const *v = vars; *v; v++) {
		const char *val = pam_getenv(pamh, *v);

		if (val == NULL || *val == '\0')
			val = getenv(*v);
		if (val == NULL || *val == '\0')
			continue;
		return strcasestr(val, "utf-8") != NULL || strcasestr(val, "utf8") != NULL;
	}
	return 1; /* nothing announced: today's terminals take UTF-8 */
}

void oa2_conv_ui(pam_handle_t *pamh, const struct oa2_config *cfg, struct oa2_ui *ui)
{
	const char *service = item(pamh, PAM_SERVICE);
	const char *rhost = item(pamh, PAM_RHOST);

	memset(ui, 0, sizeof(*ui));
	ui->ctx = pamh;
	ui->info = conv_info;
	ui->error = conv_error;
	ui->ask = conv_ask;
	ui->utf8 = locale_is_utf8(pamh);
	switch (cfg->device_ui) {
	case OA2_UI_INFO:
		ui->info_needs_prompt = 0;
		break;
	case OA2_UI_PROMPT:
		ui->info_needs_prompt = 1;
		break;
	default:
		ui->info_needs_prompt = (service != NULL && strncmp(service, "sshd", 4) == 0) ||
					(rhost != NULL && *rhost != '\0');
		break;
	}
}
