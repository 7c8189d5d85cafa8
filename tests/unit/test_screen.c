/* test_screen.c - the login screen fits one 80x24 terminal and says it all.
 *
 * For the verification URLs of common providers: every line is at most 80
 * columns, the screen (with the prompt under it) at most 23 lines, it names
 * the account, host and service, shows the URL and the code, and its QR code
 * is exactly the one qr.c draws (test_qr.c proves that one decodes). qr=off
 * and the ASCII code keep working; names from outside are escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper/qr.h"
#include "helper/screen.h"
#include "shared/config.h"

static const struct {
	const char *uri, *complete;
} PROVIDERS[] = {
	{"https://www.google.com/device", NULL},
	{"https://microsoft.com/devicelogin", NULL},
	{"https://idp.example.com/realms/corp/device",
	 "https://idp.example.com/realms/corp/device?user_code=ABCD-EFGH"},
	{"https://example.okta.com/activate", "https://example.okta.com/activate?user_code=ABCDEFGH"},
	{"https://localhost:40275/device", "https://localhost:40275/device?user_code=NNTG-XXZM"},
};

static struct oa2_screen base(size_t i)
{
	struct oa2_screen s = {
		.uri = PROVIDERS[i].uri,
		.qr_text = PROVIDERS[i].complete ? PROVIDERS[i].complete : PROVIDERS[i].uri,
		.user_code = "ABCD-EFGH",
		.valid_s = 300,
		.user = "alice",
		.host = "build-01",
		.service = "sshd",
		.prompt_mode = 1,
		.qr = OA2_QR_AUTO,
		.utf8 = 1,
	};
	return s;
}

static size_t count_lines(const char *t)
{
	size_t n = 1;

	for (; *t; t++)
		n += *t == '\n';
	return n;
}

static void assert_lines_fit(const char *t, size_t columns, int utf8)
{
	char *copy = strdup(t), *save = NULL;

	assert_non_null(copy);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (oa2_screen_width(l, utf8) > columns)
			fail_msg("line of %zu columns: %s", oa2_screen_width(l, utf8), l);
	}
	free(copy);
}

/* Every line of the QR code starts a line of the screen, in order. */
static void assert_qr_inside(const char *screen, const char *qr)
{
	const char *p = screen;

	for (const char *q = qr; *q;) {
		size_t n = strcspn(q, "\n");

		p = strstr(p, "\n");
		assert_non_null(p);
		while (strncmp(p + 1, q, n) != 0) {
			p = strchr(p + 1, '\n');
			if (p == NULL)
				fail_msg("QR line missing: %.*s", (int)n, q);
		}
		p++;
		q += n + (q[n] == '\n');
	}
}

static void fits_80x24_for_common_providers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(PROVIDERS) / sizeof(PROVIDERS[0]); i++) {
		for (int prompt = 0; prompt <= 1; prompt++) {
			struct oa2_screen s = base(i);
			char *t, *qr;

			s.prompt_mode = prompt;
			t = oa2_screen_render(&s, NULL);
			assert_non_null(t);
			assert_lines_fit(t, 80, 1);
			/* the prompt (or sshd's prefix) needs one more line */
			if (count_lines(t) > 23)
				fail_msg("%zu lines for %s:\n%s", count_lines(t), s.qr_text, t);
			assert_non_null(strstr(t, "Login: alice on build-01, through sshd"));
			assert_non_null(strstr(t, s.uri));
			assert_non_null(strstr(t, "and enter the code:  ABCD-EFGH"));
			assert_non_null(strstr(t, "valid for 5 minutes"));
			assert_non_null(strstr(t, prompt ? "press Enter" : "goes on by itself"));
			qr = oa2_qr_render(s.qr_text, OA2_QR_STYLE_UTF8, 0, 2, NULL);
			assert_non_null(qr);
			assert_qr_inside(t, qr);
			/* side by side: the code stands beside the QR code */
			assert_true(strstr(t, "\xe2\x96\x88  and enter the code:") != NULL);
			free(qr);
			free(t);
		}
	}
}

static void off_is_compact_text(void **state)
{
	struct oa2_screen s = base(2);
	char *t;

	(void)state;
	s.qr = OA2_QR_OFF;
	t = oa2_screen_render(&s, NULL);
	assert_non_null(t);
	assert_null(strstr(t, "\xe2\x96"));
	assert_null(strstr(t, "QR"));
	assert_true(count_lines(t) <= 12);
	assert_non_null(strstr(t, "ABCD-EFGH"));
	assert_non_null(strstr(t, s.uri));
	assert_lines_fit(t, 80, 1);
	free(t);
}

static void ascii_comes_first_then_text(void **state)
{
	struct oa2_screen s = base(0);
	char *t, *qr;

	(void)state;
	s.utf8 = 0; /* qr = auto in a non-UTF-8 locale */
	t = oa2_screen_render(&s, NULL);
	qr = oa2_qr_render(s.qr_text, OA2_QR_STYLE_ASCII, 0, 2, NULL);
	assert_non_null(t);
	assert_non_null(qr);
	assert_non_null(strstr(t, qr));
	assert_true(strstr(t, qr) < strstr(t, "enter the code"));
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		assert_true(*p < 0x80);
	assert_lines_fit(t, 80, 0);
	free(qr);
	free(t);
}

static void wide_terminal_keeps_the_layout(void **state)
{
	struct oa2_screen s = base(3);
	char *t;

	(void)state;
	s.columns = 200;
	t = oa2_screen_render(&s, NULL);
	assert_non_null(t);
	assert_true(strstr(t, "\xe2\x96\x88  and enter the code:") != NULL);
	assert_true(count_lines(t) <= 23);
	free(t);
}

static void narrow_terminal_stacks(void **state)
{
	struct oa2_screen s = base(3);
	char *t;

	(void)state;
	s.columns = 50;
	t = oa2_screen_render(&s, NULL);
	assert_non_null(t);
	assert_lines_fit(t, 50, 1);
	assert_null(strstr(t, "\xe2\x96\x88  and enter the code:"));
	assert_non_null(strstr(t, "and enter the code:"));
	free(t);
}

static void names_from_outside_are_escaped(void **state)
{
	struct oa2_screen s = base(1);
	char *t;

	(void)state;
	s.user = "eve\x1b[2J\nroot";
	s.service = NULL;
	t = oa2_screen_render(&s, NULL);
	assert_non_null(t);
	assert_null(strchr(t, '\x1b'));
	assert_non_null(strstr(t, "Login: eve\\x1b[2J\\x0aroot on build-01, through ?"));
	free(t);
	s.user = NULL;
	t = oa2_screen_render(&s, NULL);
	assert_non_null(strstr(t, "Login on build-01, through ?"));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fits_80x24_for_common_providers),
		cmocka_unit_test(off_is_compact_text),
		cmocka_unit_test(ascii_comes_first_then_text),
		cmocka_unit_test(wide_terminal_keeps_the_layout),
		cmocka_unit_test(narrow_terminal_stacks),
		cmocka_unit_test(names_from_outside_are_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
