/* screen.h - the device grant's login screen: what the user reads while the
 * module waits.
 *
 * One screen of an 80x24 terminal holds everything: a title that says what
 * is being approved (the account, the host, the service), the verification
 * URL, the user code, a QR code, how long the code is valid and what to do
 * next. With the UTF-8 QR code the text stands to the right of the code:
 *
 *     Login: alice on build-01, through sshd
 *     ▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄
 *     █ ▄▄▄▄▄ █▀▄█ ▀▄ ... ▄▄▄▄▄ █  To log in, open this address on
 *     ...                          your phone or computer: ...
 *
 * Every line is at most the terminal width (80 when unknown) and carries no
 * escape sequence (sshd's client escapes them). The ASCII QR code (two
 * columns per module) cannot stand beside text: it comes first, the text
 * after it, so that the code and the URL stay on screen when the top of the
 * QR code scrolls away. Without a QR code the screen is a few lines. */
#ifndef OA2_SCREEN_H
#define OA2_SCREEN_H

#include <stddef.h>
#include <stdint.h>

#include "shared/error.h"

#define OA2_SCREEN_COLUMNS 80

struct oa2_screen {
	const char *uri;       /* verification_uri: shown as text */
	const char *qr_text;   /* in the QR code: verification_uri_complete or uri */
	const char *user_code;
	int64_t valid_s;
	const char *user;      /* the account (any bytes: escaped here), or NULL */
	const char *host;      /* this host's name (escaped here), or NULL */
	const char *service;   /* the PAM service (escaped here), or NULL */
	int prompt_mode;       /* the user presses Enter after approving */
	int qr;                /* enum oa2_qr_mode */
	int qr_light;          /* the terminal has a light background */
	int utf8;              /* the terminal takes UTF-8 */
	int columns;           /* terminal width; 0: unknown (80 assumed) */
};

/* Fill what every screen shows from the configuration and the conversation:
 * the title's account, service and this host's name (written to host, of
 * hostlen bytes), the prompt mode, the QR settings, UTF-8 and the width.
 * The grant then sets its own URL, code and validity. */
struct oa2_config;
struct oa2_ui;
void oa2_screen_init(struct oa2_screen *s, const struct oa2_config *cfg, const struct oa2_ui *ui,
		     char *host, size_t hostlen);

/* The screen as text, lines ending in '\n' except the last. malloc'd, or
 * NULL with err set. */
char *oa2_screen_render(const struct oa2_screen *s, oa2_error *err);

/* The code grant's screen (code_grant.h): the title, a QR code of the
 * authorization URL above the text when the terminal takes it (such URLs
 * run to a few hundred characters, so the code is often taller than 24
 * lines: the address and what to do stay below it, on screen), the URL on
 * a line of its own (for copying) and what to paste back. Uses uri,
 * user, host, service, qr, qr_light, utf8 and columns of s. */
char *oa2_screen_render_code(const struct oa2_screen *s, oa2_error *err);

/* Width of text in terminal columns: UTF-8 characters when utf8, else bytes. */
size_t oa2_screen_width(const char *text, int utf8);

#endif
