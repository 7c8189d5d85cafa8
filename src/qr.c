/* qr.c - draw the verification URL as a QR code with text characters. */
#include "autoconfig.h"

#include <errno.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "qr.h"

#define QUIET_ZONE 4    /* light modules on every side (ISO/IEC 18004) */
#define FIT_COLUMNS 80  /* prefer ECC level L only when M is wider than this */

/* UTF-8 of U+2580 UPPER HALF BLOCK, U+2584 LOWER HALF BLOCK, U+2588 FULL BLOCK. */
static const char GLYPH_UPPER[] = "\xe2\x96\x80";
static const char GLYPH_LOWER[] = "\xe2\x96\x84";
static const char GLYPH_FULL[] = "\xe2\x96\x88";
#define GLYPH_BYTES 3

/* C0 controls, DEL, and C1 controls written as UTF-8 (C2 80..C2 9F). */
static int is_control(const unsigned char *p)
{
	if (p[0] < 0x20 || p[0] == 0x7f)
		return 1;
	return p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;
}

static int check_text(const char *text, oa2_error *err)
{
	const unsigned char *p = (const unsigned char *)text;

	if (text == NULL || *text == '\0')
		return oa2_fail(err, OA2_ERR_PROTOCOL, "QR code: empty text");
	for (size_t i = 0; p[i] != '\0'; i++) {
		if (i >= OA2_QR_MAX_TEXT)
			return oa2_fail(err, OA2_ERR_PROTOCOL, "QR code: text longer than %d bytes",
					OA2_QR_MAX_TEXT);
		if (is_control(p + i))
			return oa2_fail(err, OA2_ERR_PROTOCOL,
					"QR code: control character at byte %zu", i);
	}
	return 0;
}

/* Terminal columns taken by a code of `modules` modules per side, quiet zone included. */
static size_t columns_for(int modules, enum oa2_qr_style style)
{
	size_t side = (size_t)modules + 2 * QUIET_ZONE;

	return style == OA2_QR_STYLE_ASCII ? 2 * side : side;
}

static QRcode *encode_level(const char *text, QRecLevel level, oa2_error *err)
{
	QRcode *qr;

	errno = 0;
	qr = QRcode_encodeString(text, 0, level, QR_MODE_8, 1);
	if (qr == NULL)
		oa2_fail(err, OA2_ERR_INTERNAL, "QR code: encoding failed (%s)",
			 errno == ENOMEM ? "out of memory" :
			 errno == ERANGE ? "text too long" : "invalid input");
	return qr;
}

/* Level M, unless M is too wide for an 80-column terminal and L is narrower. */
static QRcode *encode(const char *text, enum oa2_qr_style style, oa2_error *err)
{
	QRcode *qr = NULL;
	QRcode *low = NULL;

	qr = encode_level(text, QR_ECLEVEL_M, err);
	if (qr == NULL || columns_for(qr->width, style) <= FIT_COLUMNS)
		goto out;
	low = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
	if (low != NULL && low->width < qr->width) {
		QRcode_free(qr);
		qr = low;
		low = NULL;
	}
out:
	if (low != NULL)
		QRcode_free(low);
	return qr;
}

/* Is the module at (x, y), in quiet-zone coordinates, drawn as a block?
 * Rows past the end (the lower half of the last UTF-8 line when the height is
 * odd) are left to the terminal's background: never a block. */
static int is_block(const QRcode *qr, int x, int y, int light_background)
{
	int side = qr->width + 2 * QUIET_ZONE;
	int cx = x - QUIET_ZONE;
	int cy = y - QUIET_ZONE;
	int dark = 0;

	if (y >= side)
		return 0;
	if (cx >= 0 && cx < qr->width && cy >= 0 && cy < qr->width)
		dark = qr->data[(size_t)cy * (size_t)qr->width + (size_t)cx] & 1;
	return light_background ? dark : !dark;
}

/* One character cell holding two modules, top and bottom; returns the next position. */
static char *put_cell(char *p, int top, int bottom)
{
	const char *glyph;

	if (!top && !bottom) {
		*p = ' ';
		return p + 1;
	}
	glyph = !bottom ? GLYPH_UPPER : !top ? GLYPH_LOWER : GLYPH_FULL;
	memcpy(p, glyph, GLYPH_BYTES);
	return p + GLYPH_BYTES;
}

static char *draw_utf8(const QRcode *qr, int light_background, oa2_error *err)
{
	int side = qr->width + 2 * QUIET_ZONE;
	size_t lines = ((size_t)side + 1) / 2;
	size_t size = lines * ((size_t)side * GLYPH_BYTES + 1) + 1;
	char *out = malloc(size);
	char *p = out;

	if (out == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "QR code: out of memory");
		goto out;
	}
	for (int y = 0; y < side; y += 2) {
		for (int x = 0; x < side; x++) {
			p = put_cell(p, is_block(qr, x, y, light_background),
				     is_block(qr, x, y + 1, light_background));
		}
		*p++ = '\n';
	}
	*p = '\0';
out:
	return out;
}

static char *draw_ascii(const QRcode *qr, int light_background, oa2_error *err)
{
	int side = qr->width + 2 * QUIET_ZONE;
	size_t size = (size_t)side * ((size_t)side * 2 + 1) + 1;
	char *out = malloc(size);
	char *p = out;

	if (out == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "QR code: out of memory");
		goto out;
	}
	for (int y = 0; y < side; y++) {
		for (int x = 0; x < side; x++) {
			char c = is_block(qr, x, y, light_background) ? '#' : ' ';

			*p++ = c;
			*p++ = c;
		}
		*p++ = '\n';
	}
	*p = '\0';
out:
	return out;
}

char *oa2_qr_render(const char *text, enum oa2_qr_style style, int light_background,
		    oa2_error *err)
{
	QRcode *qr = NULL;
	char *out = NULL;

	if (style != OA2_QR_STYLE_UTF8 && style != OA2_QR_STYLE_ASCII) {
		oa2_fail(err, OA2_ERR_INTERNAL, "QR code: unknown style %d", (int)style);
		goto out;
	}
	if (check_text(text, err) != 0)
		goto out;
	qr = encode(text, style, err);
	if (qr == NULL)
		goto out;
	if (style == OA2_QR_STYLE_UTF8)
		out = draw_utf8(qr, light_background, err);
	else
		out = draw_ascii(qr, light_background, err);
out:
	if (qr != NULL)
		QRcode_free(qr);
	return out;
}

size_t oa2_qr_columns(const char *rendered)
{
	size_t widest = 0;
	size_t cur = 0;

	if (rendered == NULL)
		return 0;
	for (const unsigned char *p = (const unsigned char *)rendered; *p != '\0'; p++) {
		if (*p == '\n') {
			if (cur > widest)
				widest = cur;
			cur = 0;
		} else if ((*p & 0xc0) != 0x80) {
			cur++; /* count lead bytes, not UTF-8 continuation bytes */
		}
	}
	return cur > widest ? cur : widest;
}
