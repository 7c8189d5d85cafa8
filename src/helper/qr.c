/* qr.c - draw the verification URL as a QR code with text characters. */
#include "autoconfig.h"

#include <errno.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "qr.h"


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

static QRcode *encode_at(const char *text, int version, QRecLevel level)
{
	return QRcode_encodeString(text, version, level, QR_MODE_8, 1);
}

/* The smallest symbol: the lowest version that holds the text at level L;
 * then the strongest error correction that still fits that version (a
 * short URL gets M, Q or H at no cost in size). */
static QRcode *encode(const char *text, oa2_error *err)
{
	static const QRecLevel stronger[] = {QR_ECLEVEL_H, QR_ECLEVEL_Q, QR_ECLEVEL_M};
	QRcode *qr;

	errno = 0;
	qr = encode_at(text, 0, QR_ECLEVEL_L);
	if (qr == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "QR code: encoding failed (%s)",
			 errno == ENOMEM ? "out of memory" :
			 errno == ERANGE ? "text too long" : "invalid input");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(stronger) / sizeof(stronger[0]); i++) {
		QRcode *better = encode_at(text, qr->version, stronger[i]);

		if (better != NULL && better->version == qr->version) {
			QRcode_free(qr);
			return better;
		}
		if (better != NULL)
			QRcode_free(better);
	}
	return qr;
}

/* Is the module at (x, y), in quiet-zone coordinates, drawn as a block?
 * Rows past the end (the lower half of the last UTF-8 line when the height is
 * odd) are left to the terminal's background: never a block. */
static int is_block(const QRcode *qr, int quiet, int x, int y, int light_background)
{
	int side = qr->width + 2 * quiet;
	int cx = x - quiet;
	int cy = y - quiet;
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

static char *draw_utf8(const QRcode *qr, int quiet, int light_background, oa2_error *err)
{
	int side = qr->width + 2 * quiet;
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
			p = put_cell(p, is_block(qr, quiet, x, y, light_background),
				     is_block(qr, quiet, x, y + 1, light_background));
		}
		*p++ = '\n';
	}
	*p = '\0';
out:
	return out;
}

static char *draw_ascii(const QRcode *qr, int quiet, int light_background, oa2_error *err)
{
	int side = qr->width + 2 * quiet;
	size_t size = (size_t)side * ((size_t)side * 2 + 1) + 1;
	char *out = malloc(size);
	char *p = out;

	if (out == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "QR code: out of memory");
		goto out;
	}
	for (int y = 0; y < side; y++) {
		for (int x = 0; x < side; x++) {
			char c = is_block(qr, quiet, x, y, light_background) ? '#' : ' ';

			*p++ = c;
			*p++ = c;
		}
		*p++ = '\n';
	}
	*p = '\0';
out:
	return out;
}

char *oa2_qr_render(const char *text, enum oa2_qr_style style, int light_background, int quiet,
		    oa2_error *err)
{
	QRcode *qr = NULL;
	char *out = NULL;

	if (style != OA2_QR_STYLE_UTF8 && style != OA2_QR_STYLE_ASCII) {
		oa2_fail(err, OA2_ERR_INTERNAL, "QR code: unknown style %d", (int)style);
		goto out;
	}
	if (quiet < OA2_QR_QUIET_MIN || quiet > OA2_QR_QUIET_MAX) {
		oa2_fail(err, OA2_ERR_INTERNAL, "QR code: quiet zone of %d modules", quiet);
		goto out;
	}
	if (check_text(text, err) != 0)
		goto out;
	qr = encode(text, err);
	if (qr == NULL)
		goto out;
	if (style == OA2_QR_STYLE_UTF8)
		out = draw_utf8(qr, quiet, light_background, err);
	else
		out = draw_ascii(qr, quiet, light_background, err);
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

size_t oa2_qr_rows(const char *rendered)
{
	size_t rows = 0;

	for (const char *p = rendered; p != NULL && *p != '\0'; p++)
		rows += *p == '\n';
	return rows;
}
