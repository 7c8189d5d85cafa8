/* qr.h - the device-grant verification URL as a QR code made of text.
 *
 * The rendering is plain text so it can travel in a PAM conversation message
 * (ssh keyboard-interactive, login, sudo): no ANSI escape sequences, which
 * OpenSSH's client strips or escapes in prompts. Terminals draw characters in
 * the foreground colour on the background colour, so which modules become
 * "blocks" depends on the terminal: on a dark background the LIGHT modules
 * (and the quiet zone) are drawn, on a light background the DARK ones. */
#ifndef OA2_QR_H
#define OA2_QR_H

#include <stddef.h>

#include "shared/error.h"

/* Longest text accepted, in bytes. */
#define OA2_QR_MAX_TEXT 512

enum oa2_qr_style {
	OA2_QR_STYLE_UTF8,  /* half blocks: two module rows per line, one column per module */
	OA2_QR_STYLE_ASCII, /* "##" / "  ": one module row per line, two columns per module */
};

/* Quiet zone, in modules on every side. ISO/IEC 18004 asks for 4; phone
 * cameras and zbar read 2 (the login screen uses 2 to fit 80x24, see
 * docs/sshd-sudo-console.md); 1 is too little for some readers. */
#define OA2_QR_QUIET_MIN 2
#define OA2_QR_QUIET_MAX 4

/* Render text (a URL) as a QR code: 8-bit mode, case-sensitive, the
 * smallest symbol (the lowest version that holds the text at error
 * correction L), with the strongest error correction that fits that same
 * version. quiet (OA2_QR_QUIET_MIN..MAX) modules of quiet zone are included
 * on every side; every line has the same width and ends with '\n'. UTF8 uses
 * only U+2580, U+2584, U+2588 and space; ASCII only '#' and space.
 *
 * Refuses (err kind OA2_ERR_PROTOCOL) an empty text, one longer than
 * OA2_QR_MAX_TEXT bytes, or one containing a control character (C0, DEL, or
 * a UTF-8 encoded C1). Returns a malloc'd string, or NULL with err set. */
char *oa2_qr_render(const char *text, enum oa2_qr_style style, int light_background, int quiet,
		    oa2_error *err);

/* Width in terminal columns of a rendering (its widest line), counting one
 * column per UTF-8 character. 0 for NULL. */
size_t oa2_qr_columns(const char *rendered);

/* Lines of a rendering. 0 for NULL. */
size_t oa2_qr_rows(const char *rendered);

#endif
