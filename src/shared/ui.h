/* ui.h - how a grant talks to the person logging in, without knowing PAM.
 *
 * The PAM glue (conv.c) implements it with the PAM conversation; the
 * diagnostic tool with the terminal; tests with scripts. */
#ifndef OA2_UI_H
#define OA2_UI_H

struct oa2_ui {
	void *ctx;
	/* Show text now (PAM_TEXT_INFO). 0 on success. */
	int (*info)(void *ctx, const char *text);
	/* Show text as an error (PAM_ERROR_MSG). */
	int (*error)(void *ctx, const char *text);
	/* Ask; *answer is malloc'd (caller wipes and frees). echo: visible input.
	 * 0 on success, -1 when the conversation failed or was cancelled. */
	int (*ask)(void *ctx, const char *text, int echo, char **answer);
	/* 1 when informational text waits for the next prompt (sshd's
	 * keyboard-interactive): the device grant then shows its instructions
	 * with a prompt and polls after Enter. */
	int info_needs_prompt;
	/* 1 when the terminal is known to take UTF-8. */
	int utf8;
	/* What the login screen names (screen.h): the account (NULL when not
	 * known yet) and the PAM service; the terminal width (0: unknown). */
	const char *user;
	const char *service;
	int columns;
	/* The user's locale and LANGUAGE (i18n.h), or NULL. */
	const char *locale;
	const char *language;
	/* Optional (NULL in the module): called after each poll that found the
	 * login still pending, with the seconds left before the code is given
	 * up. The diagnostic tool shows a countdown with it. */
	void (*progress)(void *ctx, long seconds_left);
};

#endif
