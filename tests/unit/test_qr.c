/* test_qr.c - the text QR code, drawn as a terminal would, decodes to the exact URL.
 *
 * No mocks: each rendering is parsed back into character cells, painted into a
 * greyscale image in the colours of the assumed terminal (dark terminal: white
 * text on black; light terminal: black text on white), written as a PGM file
 * and read by a real QR reader, zbarimg (package zbar-tools). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper/qr.h"

#define PX 8         /* image pixels per module */
#define MARGIN 6     /* modules of bare terminal background around the text */
#define MAX_SIDE 200 /* modules; version 40 is 177 + quiet zone */

static const char *const URLS[] = {
	"https://x.io/d",
	"https://idp.example.test/device?user_code=ABCD-EFGH",
	"https://idp.example.test/realms/corp/device?user_code=WDJB-MJHT&client_id=pam%20oauth2"
	"&redirect=a%2Fb%3Dc&x=1",
	"https://login.idp.example.test/realms/engineering/protocol/openid-connect/auth/device"
	"?user_code=QWER-TYUI&client_id=pam_oauth2&scope=openid%20profile%20email"
	"&state=Zm9vYmFyYmF6cXV4&nonce=0123456789abcdef&x=Y",
};

enum { UTF8_UPPER = 1, UTF8_LOWER = 2 };

/* Character cells turned back into modules: ink[y][x] is 1 where the text
 * draws a block (foreground colour), 0 where it leaves a space (background). */
struct grid {
	int cols; /* modules across */
	int rows; /* modules down, as drawn (may include a half line of padding) */
	unsigned char ink[MAX_SIDE + 1][MAX_SIDE];
};

/* Quiet zone the renderer must draw: the login screen's 2 modules, except
 * where a test asks for the standard's 4. */
static int QUIET = 2;
static char tmpdir[64];
static int image_seq;

/* ---- helpers ----------------------------------------------------------- */

static int on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (path == NULL)
		path = "/usr/bin:/bin";
	while (*path != '\0') {
		size_t n = strcspn(path, ":");

		if (n > 0 && n + strlen(prog) + 2 < sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
			if (access(buf, X_OK) == 0)
				return 1;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return 0;
}

static void require_zbarimg(void)
{
	if (!on_path("zbarimg"))
		fail_msg("zbarimg not found in PATH: install zbar-tools "
			 "(apt-get install zbar-tools; the project's install script does)");
}

/* Parse a rendering into g; fails the test on any unexpected byte or a line
 * whose width differs from the first. */
static void parse(const char *text, enum oa2_qr_style style, struct grid *g)
{
	const unsigned char *p = (const unsigned char *)text;
	int lines = 0;

	memset(g, 0, sizeof(*g));
	g->cols = -1;
	while (*p != '\0') {
		int x = 0;

		assert_true(lines < MAX_SIDE);
		while (*p != '\n') {
			int cell = 0;

			assert_true(x < MAX_SIDE);
			if (style == OA2_QR_STYLE_ASCII) {
				if (p[0] == '#' && p[1] == '#')
					cell = 1;
				else if (p[0] == ' ' && p[1] == ' ')
					cell = 0;
				else
					fail_msg("ASCII line %d col %d: not a \"##\"/\"  \" pair",
						 lines, x);
				g->ink[lines][x] = (unsigned char)cell;
				p += 2;
			} else {
				if (p[0] == ' ') {
					cell = 0;
					p += 1;
				} else if (p[0] == 0xe2 && p[1] == 0x96 && p[2] == 0x80) {
					cell = UTF8_UPPER;
					p += 3;
				} else if (p[0] == 0xe2 && p[1] == 0x96 && p[2] == 0x84) {
					cell = UTF8_LOWER;
					p += 3;
				} else if (p[0] == 0xe2 && p[1] == 0x96 && p[2] == 0x88) {
					cell = UTF8_UPPER | UTF8_LOWER;
					p += 3;
				} else {
					fail_msg("UTF-8 line %d col %d: byte 0x%02x is not an "
						 "allowed glyph", lines, x, p[0]);
				}
				g->ink[2 * lines][x] = (cell & UTF8_UPPER) != 0;
				g->ink[2 * lines + 1][x] = (cell & UTF8_LOWER) != 0;
			}
			x++;
		}
		p++; /* the '\n' */
		if (g->cols < 0)
			g->cols = x;
		assert_int_equal(x, g->cols);
		lines++;
	}
	assert_true(lines > 0);
	g->rows = style == OA2_QR_STYLE_UTF8 ? 2 * lines : lines;
}

/* Grey level the terminal shows for a module. */
static unsigned char colour(int ink, int light_background)
{
	unsigned char fg = light_background ? 0 : 255;
	unsigned char bg = light_background ? 255 : 0;

	return ink ? fg : bg;
}

/* Paint g as the terminal would, with MARGIN modules of background around. */
static void write_pgm(const char *path, const struct grid *g, int light_background)
{
	int w = (g->cols + 2 * MARGIN) * PX;
	int h = (g->rows + 2 * MARGIN) * PX;
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	fprintf(f, "P5\n%d %d\n255\n", w, h);
	for (int py = 0; py < h; py++) {
		for (int px = 0; px < w; px++) {
			int mx = px / PX - MARGIN;
			int my = py / PX - MARGIN;
			int ink = mx >= 0 && mx < g->cols && my >= 0 && my < g->rows &&
				  g->ink[my][mx];

			fputc(colour(ink, light_background), f);
		}
	}
	assert_int_equal(fclose(f), 0);
}

/* Run zbarimg on path; returns the decoded text (malloc'd, final newline
 * removed). Its stderr (ImageMagick chatter) goes to path.err, shown on failure. */
static char *zbar_decode(const char *path)
{
	char cmd[512];
	char errpath[160];
	char *out = calloc(1, 8192);
	size_t n;
	FILE *pipe;
	int status;

	assert_non_null(out);
	require_zbarimg();
	snprintf(errpath, sizeof(errpath), "%s.err", path);
	snprintf(cmd, sizeof(cmd), "zbarimg --raw -q '%s' 2>'%s'", path, errpath);
	pipe = popen(cmd, "r");
	assert_non_null(pipe);
	n = fread(out, 1, 8191, pipe);
	status = pclose(pipe);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(cmd, sizeof(cmd), "cat '%s' >&2", errpath);
		if (system(cmd) != 0)
			fprintf(stderr, "(no zbarimg diagnostics)\n");
		fail_msg("zbarimg found no QR code in %s (status %d)", path, status);
	}
	unlink(errpath);
	if (n > 0 && out[n - 1] == '\n')
		out[n - 1] = '\0';
	return out;
}

static char *render(const char *text, enum oa2_qr_style style, int light_background)
{
	oa2_error err = {0};
	char *s = oa2_qr_render(text, style, light_background, QUIET, &err);

	if (s == NULL)
		fail_msg("render failed: %s", err.msg);
	assert_int_equal(err.kind, OA2_OK);
	return s;
}

/* The QR side in modules: the grid is square, except that UTF-8 may add a
 * half line of padding at the bottom, which must be bare background. */
static int side_of(const struct grid *g)
{
	assert_true(g->rows == g->cols || g->rows == g->cols + 1);
	for (int x = 0; x < g->cols && g->rows > g->cols; x++)
		assert_int_equal(g->ink[g->cols][x], 0);
	return g->cols;
}

static void assert_quiet_zone_light(const struct grid *g, int light_background)
{
	int side = side_of(g);

	for (int y = 0; y < side; y++) {
		for (int x = 0; x < side; x++) {
			int border = x < QUIET || y < QUIET || x >= side - QUIET ||
				     y >= side - QUIET;

			if (border && colour(g->ink[y][x], light_background) != 255)
				fail_msg("module (%d,%d) of the quiet zone is dark", x, y);
		}
	}
}

static void round_trip(const char *url, enum oa2_qr_style style, int light_background)
{
	struct grid *g = calloc(1, sizeof(*g));
	char path[128];
	char *text;
	char *decoded;

	assert_non_null(g);
	text = render(url, style, light_background);
	parse(text, style, g);
	assert_quiet_zone_light(g, light_background);
	snprintf(path, sizeof(path), "%s/qr%d.pgm", tmpdir, image_seq++);
	write_pgm(path, g, light_background);
	decoded = zbar_decode(path);
	if (strcmp(decoded, url) != 0)
		fail_msg("%s %s terminal: decoded \"%s\", want \"%s\"",
			 style == OA2_QR_STYLE_UTF8 ? "utf8" : "ascii",
			 light_background ? "light" : "dark", decoded, url);
	unlink(path);
	free(decoded);
	free(text);
	free(g);
}

static void round_trip_all(const char *url)
{
	for (int style = 0; style < 2; style++)
		for (int light = 0; light < 2; light++)
			round_trip(url, style == 0 ? OA2_QR_STYLE_UTF8 : OA2_QR_STYLE_ASCII, light);
}

/* ---- decoding: what the user sees is the exact URL --------------------- */

static void zbarimg_is_installed(void **state)
{
	(void)state;
	require_zbarimg();
}

static void decodes_short_url(void **state)
{
	(void)state;
	round_trip_all(URLS[0]);
}

static void decodes_verification_uri_complete(void **state)
{
	(void)state;
	round_trip_all(URLS[1]);
}

static void decodes_query_characters(void **state)
{
	(void)state;
	round_trip_all(URLS[2]);
}

static void decodes_200_byte_url(void **state)
{
	(void)state;
	assert_true(strlen(URLS[3]) >= 190 && strlen(URLS[3]) <= 230);
	round_trip_all(URLS[3]);
}

static void decodes_512_byte_text(void **state)
{
	char text[OA2_QR_MAX_TEXT + 1];

	(void)state;
	for (size_t i = 0; i < OA2_QR_MAX_TEXT; i++)
		text[i] = "abcdefghijKLMNOP0123456789/?&=%-"[i % 32];
	text[OA2_QR_MAX_TEXT] = '\0';
	round_trip(text, OA2_QR_STYLE_UTF8, 0);
	round_trip(text, OA2_QR_STYLE_ASCII, 1);
}

/* ---- shape of the text ------------------------------------------------- */

static void polarity_swaps_blocks_and_spaces(void **state)
{
	struct grid *dark = calloc(1, sizeof(*dark));
	struct grid *light = calloc(1, sizeof(*light));

	(void)state;
	assert_non_null(dark);
	assert_non_null(light);
	for (int style = 0; style < 2; style++) {
		enum oa2_qr_style st = style == 0 ? OA2_QR_STYLE_UTF8 : OA2_QR_STYLE_ASCII;
		char *a = render(URLS[1], st, 0);
		char *b = render(URLS[1], st, 1);
		int side;

		parse(a, st, dark);
		parse(b, st, light);
		side = side_of(dark);
		assert_int_equal(side_of(light), side);
		for (int y = 0; y < side; y++)
			for (int x = 0; x < side; x++)
				assert_int_not_equal(dark->ink[y][x], light->ink[y][x]);
		/* The corner (quiet zone) is a block only on a dark terminal. */
		assert_int_equal(dark->ink[0][0], 1);
		assert_int_equal(light->ink[0][0], 0);
		free(a);
		free(b);
	}
	free(dark);
	free(light);
}

static void lines_have_equal_width_and_end_with_newline(void **state)
{
	(void)state;
	for (size_t u = 0; u < sizeof(URLS) / sizeof(URLS[0]); u++) {
		for (int style = 0; style < 2; style++) {
			enum oa2_qr_style st = style == 0 ? OA2_QR_STYLE_UTF8 : OA2_QR_STYLE_ASCII;
			char *s = render(URLS[u], st, 0);
			size_t cols = oa2_qr_columns(s);
			size_t len = strlen(s);
			const char *line = s;

			assert_true(len > 0);
			assert_int_equal(s[len - 1], '\n');
			while (*line != '\0') {
				const char *nl = strchr(line, '\n');
				size_t w = 0;

				assert_non_null(nl);
				for (const char *c = line; c < nl; c++)
					w += ((unsigned char)*c & 0xc0) != 0x80;
				assert_int_equal(w, cols);
				line = nl + 1;
			}
			free(s);
		}
	}
}

static void ascii_output_is_7bit(void **state)
{
	(void)state;
	for (size_t u = 0; u < sizeof(URLS) / sizeof(URLS[0]); u++) {
		for (int light = 0; light < 2; light++) {
			char *s = render(URLS[u], OA2_QR_STYLE_ASCII, light);

			for (const char *c = s; *c != '\0'; c++)
				assert_true(*c == '#' || *c == ' ' || *c == '\n');
			free(s);
		}
	}
}

static void utf8_output_uses_only_four_glyphs(void **state)
{
	(void)state;
	for (size_t u = 0; u < sizeof(URLS) / sizeof(URLS[0]); u++) {
		for (int light = 0; light < 2; light++) {
			char *s = render(URLS[u], OA2_QR_STYLE_UTF8, light);
			const unsigned char *c = (const unsigned char *)s;

			while (*c != '\0') {
				if (*c == ' ' || *c == '\n') {
					c++;
					continue;
				}
				assert_int_equal(c[0], 0xe2);
				assert_int_equal(c[1], 0x96);
				assert_true(c[2] == 0x80 || c[2] == 0x84 || c[2] == 0x88);
				c += 3;
			}
			free(s);
		}
	}
}

static void short_url_fits_80_columns(void **state)
{
	char *s;

	(void)state;
	s = render("ab.cd/ef", OA2_QR_STYLE_UTF8, 0);
	assert_true(oa2_qr_columns(s) <= 80);
	assert_int_equal(oa2_qr_columns(s), 21 + 2 * QUIET); /* version 1 */
	free(s);
	s = render("ab.cd/ef", OA2_QR_STYLE_ASCII, 1);
	assert_int_equal(oa2_qr_columns(s), 2 * (21 + 2 * QUIET));
	free(s);
	s = render(URLS[1], OA2_QR_STYLE_UTF8, 0);
	assert_true(oa2_qr_columns(s) <= 80);
	free(s);
}

/* The modules drawn equal libqrencode's code at the given level (which tells
 * which error-correction level the renderer picked). */
static void assert_level(const char *url, enum oa2_qr_style style, QRecLevel level)
{
	QRcode *want = QRcode_encodeString(url, 0, level, QR_MODE_8, 1);
	struct grid *g = calloc(1, sizeof(*g));
	char *s = render(url, style, 1); /* light terminal: blocks are dark modules */

	assert_non_null(want);
	assert_non_null(g);
	parse(s, style, g);
	assert_int_equal(side_of(g), want->width + 2 * QUIET);
	for (int y = 0; y < want->width; y++)
		for (int x = 0; x < want->width; x++)
			assert_int_equal(g->ink[y + QUIET][x + QUIET],
					 want->data[y * want->width + x] & 1);
	free(s);
	free(g);
	QRcode_free(want);
}

/* The smallest version (as at level L), and at that version the strongest
 * level that fits. */
static void smallest_version_strongest_level(void **state)
{
	char big[401];

	(void)state;
	/* 14 bytes: version 1 at L (17 bytes) and at M (14), not at Q (11). */
	assert_level("https://x.io/d", OA2_QR_STYLE_ASCII, QR_ECLEVEL_M);
	/* 6 bytes: version 1 even at H (7 bytes). */
	assert_level("ab.c/d", OA2_QR_STYLE_ASCII, QR_ECLEVEL_H);
	/* 29 bytes (Google's verification URL): version 2 at L (32), M holds 26. */
	assert_level("https://www.google.com/device", OA2_QR_STYLE_UTF8, QR_ECLEVEL_L);
	/* 33 bytes (Entra's): version 3 (L holds 32 in version 2); M at 3 holds 42. */
	assert_level("https://microsoft.com/devicelogin", OA2_QR_STYLE_UTF8, QR_ECLEVEL_M);
	/* 52 bytes (Okta's complete URI): version 3 at L (53 bytes). */
	assert_level("https://example.okta.com/activate?user_code=ABCDEFGH", OA2_QR_STYLE_UTF8,
		     QR_ECLEVEL_L);
	/* 62 bytes (Keycloak's complete URI): version 4 at L (78), M holds 62. */
	assert_level("https://idp.example.com/realms/corp/device?user_code=ABCD-EFGH",
		     OA2_QR_STYLE_UTF8, QR_ECLEVEL_M);
	/* 400 bytes: L. */
	memset(big, 'a', 400);
	big[400] = '\0';
	assert_level(big, OA2_QR_STYLE_UTF8, QR_ECLEVEL_L);
}

/* The standard's 4-module quiet zone still renders and decodes. */
static void decodes_with_standard_quiet_zone(void **state)
{
	(void)state;
	QUIET = 4;
	round_trip(URLS[1], OA2_QR_STYLE_UTF8, 0);
	round_trip(URLS[1], OA2_QR_STYLE_ASCII, 1);
	QUIET = 2;
}

static void refuses_quiet_zone_out_of_range(void **state)
{
	oa2_error err = {0};

	(void)state;
	assert_null(oa2_qr_render("https://x.io/", OA2_QR_STYLE_UTF8, 0, 1, &err));
	assert_int_equal(err.kind, OA2_ERR_INTERNAL);
	assert_null(oa2_qr_render("https://x.io/", OA2_QR_STYLE_UTF8, 0, 5, NULL));
}

/* ---- refusals ---------------------------------------------------------- */

static void assert_refused(const char *text, enum oa2_errkind kind)
{
	oa2_error err = {0};
	char *s = oa2_qr_render(text, OA2_QR_STYLE_UTF8, 0, QUIET, &err);

	assert_null(s);
	assert_int_equal(err.kind, kind);
	assert_true(err.msg[0] != '\0');
}

static void refuses_long_text(void **state)
{
	char text[601];

	(void)state;
	memset(text, 'a', 600);
	text[600] = '\0';
	assert_refused(text, OA2_ERR_PROTOCOL);
	text[OA2_QR_MAX_TEXT + 1] = '\0';
	assert_refused(text, OA2_ERR_PROTOCOL);
}

static void refuses_control_characters(void **state)
{
	(void)state;
	assert_refused("https://x.io/\n", OA2_ERR_PROTOCOL);
	assert_refused("https://x.io/\x1b[2J", OA2_ERR_PROTOCOL);
	assert_refused("https://x.io/\r", OA2_ERR_PROTOCOL);
	assert_refused("https://x.io/\t", OA2_ERR_PROTOCOL);
	assert_refused("https://x.io/\x7f", OA2_ERR_PROTOCOL);
	assert_refused("https://x.io/\xc2\x9b" "2J", OA2_ERR_PROTOCOL); /* C1 CSI in UTF-8 */
}

static void refuses_empty_null_and_unknown_style(void **state)
{
	oa2_error err = {0};

	(void)state;
	assert_refused("", OA2_ERR_PROTOCOL);
	assert_refused(NULL, OA2_ERR_PROTOCOL);
	assert_null(oa2_qr_render("https://x.io/", (enum oa2_qr_style)7, 0, QUIET, &err));
	assert_int_equal(err.kind, OA2_ERR_INTERNAL);
	assert_null(oa2_qr_render("", OA2_QR_STYLE_UTF8, 0, QUIET, NULL)); /* NULL err allowed */
}

static void accepts_non_ascii_text(void **state)
{
	char *s;

	(void)state;
	/* U+00E9 and U+00A0 are not controls (only C2 80..C2 9F are). */
	s = render("https://x.io/caf\xc3\xa9?a=\xc2\xa0", OA2_QR_STYLE_ASCII, 0);
	free(s);
}

static void columns_counts_characters(void **state)
{
	(void)state;
	assert_int_equal(oa2_qr_columns(NULL), 0);
	assert_int_equal(oa2_qr_columns(""), 0);
	assert_int_equal(oa2_qr_columns("##  \n"), 4);
	assert_int_equal(oa2_qr_columns("\xe2\x96\x80 \xe2\x96\x88\n"), 3);
	assert_int_equal(oa2_qr_columns("a\nabc\nab\n"), 3);
	assert_int_equal(oa2_qr_rows(NULL), 0);
	assert_int_equal(oa2_qr_rows("a\nabc\nab\n"), 3);
}

/* ---- fixture ----------------------------------------------------------- */

static int make_tmpdir(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	if (base == NULL || *base == '\0' || strlen(base) > 40)
		base = "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_qr.XXXXXX", base);
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int remove_tmpdir(void **state)
{
	char path[128];

	(void)state;
	/* Images of failed round trips are left for inspection; remove the rest. */
	for (int i = 0; i < image_seq; i++) {
		snprintf(path, sizeof(path), "%s/qr%d.pgm", tmpdir, i);
		if (access(path, F_OK) == 0) {
			fprintf(stderr, "test_qr: kept %s\n", path);
			return 0;
		}
	}
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(zbarimg_is_installed),
		cmocka_unit_test(decodes_short_url),
		cmocka_unit_test(decodes_verification_uri_complete),
		cmocka_unit_test(decodes_query_characters),
		cmocka_unit_test(decodes_200_byte_url),
		cmocka_unit_test(decodes_512_byte_text),
		cmocka_unit_test(polarity_swaps_blocks_and_spaces),
		cmocka_unit_test(lines_have_equal_width_and_end_with_newline),
		cmocka_unit_test(ascii_output_is_7bit),
		cmocka_unit_test(utf8_output_uses_only_four_glyphs),
		cmocka_unit_test(short_url_fits_80_columns),
		cmocka_unit_test(smallest_version_strongest_level),
		cmocka_unit_test(decodes_with_standard_quiet_zone),
		cmocka_unit_test(refuses_quiet_zone_out_of_range),
		cmocka_unit_test(refuses_long_text),
		cmocka_unit_test(refuses_control_characters),
		cmocka_unit_test(refuses_empty_null_and_unknown_style),
		cmocka_unit_test(accepts_non_ascii_text),
		cmocka_unit_test(columns_counts_characters),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
