/* screen.c - lay out the device grant's login screen (see screen.h). */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qr.h"
#include "screen.h"
#include "shared/config.h"
#include "shared/i18n.h"
#include "shared/strutil.h"
#include "shared/ui.h"

#define QUIET 2          /* quiet zone of the on-screen QR code (qr.h) */
#define GAP 2            /* columns between the QR code and the text */
#define MIN_TEXT 28      /* narrowest text column beside the QR code */
#define MAX_LINES 64     /* text lines of one screen */
#define NAME_MAX_SHOWN 40 /* bytes of an escaped user, host or service name */

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	char *np;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;

		np = realloc(b->p, cap);
		if (np == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void spaces(struct buf *b, size_t n)
{
	while (n-- > 0)
		put(b, " ", 1);
}

/* Lines of text: each malloc'd, at most MAX_LINES. */
struct lines {
	char *line[MAX_LINES];
	size_t n;
	int oom;
};

static void add_line(struct lines *l, const char *s, size_t n)
{
	char *c;

	if (l->n >= MAX_LINES)
		return;
	c = strndup(s, n);
	if (c == NULL) {
		l->oom = 1;
		return;
	}
	l->line[l->n++] = c;
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->line[i]);
	l->n = 0;
}

size_t oa2_screen_width(const char *text, int utf8)
{
	size_t w = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
		if (!utf8 || (*p & 0xc0) != 0x80)
			w++;
	}
	return w;
}

static size_t width_n(const char *s, size_t n, int utf8)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++) {
		if (!utf8 || ((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	}
	return w;
}

/* Word-wrap a paragraph to width columns (a word wider than that gets a line
 * of its own). */
static void wrap(struct lines *l, const char *text, size_t width, int utf8)
{
	const char *line = text, *p = text, *last_break = NULL;

	while (*p != '\0') {
		const char *word_end = p + strcspn(p, " ");

		if (width_n(line, (size_t)(word_end - line), utf8) > width && last_break != NULL) {
			add_line(l, line, (size_t)(last_break - line));
			line = last_break + 1;
			last_break = NULL;
			continue;
		}
		if (*word_end == '\0')
			break;
		last_break = word_end;
		p = word_end + 1;
	}
	if (*line != '\0')
		add_line(l, line, strlen(line));
}

__attribute__((format(printf, 1, 2)))
static char *fmt(const char *f, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* A name from outside (the user name is chosen by a remote user) as
 * printable ASCII, cut to NAME_MAX_SHOWN bytes. */
static const char *shown(const char *name, char *out, size_t size)
{
	return oa2_esc(name, out, size);
}

static char *title(const struct oa2_screen *s)
{
	char user[NAME_MAX_SHOWN + 1], host[NAME_MAX_SHOWN + 1], service[NAME_MAX_SHOWN + 1];

	shown(s->host ? s->host : "?", host, sizeof(host));
	shown(s->service ? s->service : "?", service, sizeof(service));
	if (s->user == NULL || *s->user == '\0')
		/* TRANSLATORS: the title of the login screen: host, PAM service */
		return fmt(_("Login on %s, through %s"), host, service);
	shown(s->user, user, sizeof(user));
	/* TRANSLATORS: the title of the login screen: account, host, PAM service,
	 * e.g. "Login: alice on build-01, through sshd" */
	return fmt(_("Login: %s on %s, through %s"), user, host, service);
}

static char *validity(int64_t valid_s)
{
	if (valid_s >= 120)
		return fmt(oa2_ngettext("The code is valid for %lld minute.",
					"The code is valid for %lld minutes.",
					(unsigned long)(valid_s / 60)),
			   (long long)(valid_s / 60));
	return fmt(oa2_ngettext("The code is valid for %lld second.",
				"The code is valid for %lld seconds.", (unsigned long)valid_s),
		   (long long)valid_s);
}

/* The paragraphs after the URL, wrapped to width. */
static void after_url(struct lines *l, const struct oa2_screen *s, int with_qr, size_t width,
		      int blank_between)
{
	char *code = fmt(_("and enter the code:  %s"), s->user_code);
	char *valid = validity(s->valid_s);
	const char *paras[5];
	size_t n = 0;

	if (code == NULL || valid == NULL) {
		l->oom = 1;
		goto out;
	}
	paras[n++] = code;
	if (with_qr)
		paras[n++] = _("Or scan the QR code with your phone.");
	paras[n++] = _("Approve only a login that you started yourself.");
	paras[n++] = valid;
	paras[n++] = s->prompt_mode ? _("Then press Enter here.")
				    : _("This screen goes on by itself once you have approved.");
	for (size_t i = 0; i < n; i++) {
		/* the code line stays whole: "and enter the code:" finds it */
		if (i > 0 && blank_between)
			add_line(l, "", 0);
		wrap(l, paras[i], width, s->utf8);
	}
out:
	free(code);
	free(valid);
}

static void open_para(struct lines *l, const struct oa2_screen *s, size_t width)
{
	wrap(l, _("To log in, open this address on your phone or computer:"), width, s->utf8);
}

static void emit_lines(struct buf *b, const struct lines *l, size_t indent)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->line[i][0] != '\0')
			spaces(b, indent);
		puts_(b, l->line[i]);
		puts_(b, "\n");
	}
}

/* QR code on the left, text on the right. Returns 0, or 1 when the text does
 * not fit beside this QR code (the caller stacks them instead). */
static int side_by_side(struct buf *b, const struct oa2_screen *s, const char *qr,
			size_t columns)
{
	struct lines head = {0}, col = {0};
	size_t qw = oa2_qr_columns(qr), qrows = oa2_qr_rows(qr), tw, rows;
	const char *q = qr;
	int url_beside;

	if (qw + GAP + MIN_TEXT > columns)
		return 1;
	tw = columns - qw - GAP;
	url_beside = oa2_screen_width(s->uri, s->utf8) <= tw;
	if (!url_beside) {
		open_para(&head, s, columns);
		add_line(&head, s->uri, strlen(s->uri));
	} else {
		open_para(&col, s, tw);
		add_line(&col, s->uri, strlen(s->uri));
		add_line(&col, "", 0);
	}
	after_url(&col, s, 1, tw, 1);
	/* blank lines between paragraphs only while everything fits beside */
	if (col.n + 1 > qrows) {
		lines_free(&col);
		if (url_beside) {
			open_para(&col, s, tw);
			add_line(&col, s->uri, strlen(s->uri));
		}
		after_url(&col, s, 1, tw, 0);
	}
	if (head.oom || col.oom) {
		b->oom = 1;
		goto out;
	}
	emit_lines(b, &head, 0);
	/* the text starts one line down, beside the first finder pattern */
	rows = col.n + 1 > qrows ? col.n + 1 : qrows;
	for (size_t i = 0; i < rows; i++) {
		const char *text = i >= 1 && i - 1 < col.n ? col.line[i - 1] : "";
		size_t n = 0;

		if (*q != '\0') {
			n = strcspn(q, "\n");
			put(b, q, n);
			q += n + (q[n] == '\n');
		} else {
			spaces(b, text[0] ? qw : 0);
		}
		if (text[0] != '\0') {
			spaces(b, GAP);
			puts_(b, text);
		}
		puts_(b, "\n");
	}
out:
	lines_free(&head);
	lines_free(&col);
	return 0;
}

/* The QR code (if any) first, the text under it. */
static void stacked(struct buf *b, const struct oa2_screen *s, const char *qr, size_t columns)
{
	struct lines l = {0};

	if (qr != NULL)
		puts_(b, qr);
	open_para(&l, s, columns);
	add_line(&l, "", 0);
	emit_lines(b, &l, 0);
	lines_free(&l);
	spaces(b, 2);
	puts_(b, s->uri);
	puts_(b, "\n\n");
	after_url(&l, s, qr != NULL, columns, 0);
	if (l.oom)
		b->oom = 1;
	emit_lines(b, &l, 0);
	lines_free(&l);
}

void oa2_screen_init(struct oa2_screen *s, const struct oa2_config *cfg, const struct oa2_ui *ui,
		     char *host, size_t hostlen)
{
	memset(s, 0, sizeof(*s));
	if (gethostname(host, hostlen - 1) != 0)
		snprintf(host, hostlen, "?");
	host[hostlen - 1] = '\0';
	s->user = ui->user;
	s->host = host;
	s->service = ui->service;
	s->prompt_mode = ui->info_needs_prompt;
	s->qr = cfg->qr;
	s->qr_light = cfg->qr_light;
	s->utf8 = ui->utf8;
	s->columns = ui->columns;
}

/* The QR code of text for this screen, or NULL when it is off, cannot be
 * drawn (too long a URL) or is wider than the terminal: the text is enough.
 * *style is the style chosen for the terminal. */
static char *screen_qr(const struct oa2_screen *s, const char *text, size_t columns,
		       enum oa2_qr_style *style)
{
	char *qr;

	*style = OA2_QR_STYLE_UTF8;
	if (s->qr == OA2_QR_ASCII || (s->qr == OA2_QR_AUTO && !s->utf8))
		*style = OA2_QR_STYLE_ASCII;
	if (s->qr == OA2_QR_OFF)
		return NULL;
	qr = oa2_qr_render(text, *style, s->qr_light, QUIET, NULL);
	if (qr != NULL && oa2_qr_columns(qr) > columns) {
		free(qr);
		qr = NULL;
	}
	return qr;
}

/* Hand out the finished screen: without a newline after the last line (the
 * prompt or the next message follows), or NULL with err when memory ran
 * out. */
static char *screen_done(struct buf *b, oa2_error *err)
{
	while (!b->oom && b->len > 0 && b->p[b->len - 1] == '\n')
		b->p[--b->len] = '\0';
	if (b->oom) {
		free(b->p);
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		return NULL;
	}
	return b->p;
}

char *oa2_screen_render(const struct oa2_screen *s, oa2_error *err)
{
	struct buf b = {0};
	size_t columns = s->columns > 0 ? (size_t)s->columns : OA2_SCREEN_COLUMNS;
	enum oa2_qr_style style;
	char *qr = screen_qr(s, s->qr_text, columns, &style), *head = title(s);

	if (head == NULL) {
		b.oom = 1;
		goto out;
	}
	puts_(&b, head);
	puts_(&b, "\n");
	if (qr == NULL || style != OA2_QR_STYLE_UTF8 || side_by_side(&b, s, qr, columns) != 0)
		stacked(&b, s, qr, columns);
out:
	free(head);
	free(qr);
	return screen_done(&b, err);
}

char *oa2_screen_render_code(const struct oa2_screen *s, oa2_error *err)
{
	struct buf b = {0};
	struct lines l = {0};
	size_t columns = s->columns > 0 ? (size_t)s->columns : OA2_SCREEN_COLUMNS;
	enum oa2_qr_style style;
	char *qr = screen_qr(s, s->uri, columns, &style), *head = title(s);

	if (head == NULL) {
		b.oom = 1;
		goto out;
	}
	puts_(&b, head);
	puts_(&b, "\n");
	if (qr != NULL)
		puts_(&b, qr);
	wrap(&l, qr ? _("To log in, open this address in a browser (or scan the QR code above):")
		    : _("To log in, open this address in a browser:"),
	     columns, s->utf8);
	emit_lines(&b, &l, 0);
	lines_free(&l);
	/* one line of its own, however long: it is copied as a whole */
	puts_(&b, "\n");
	puts_(&b, s->uri);
	puts_(&b, "\n\n");
	wrap(&l, _("Sign in there. The identity provider then sends you to a page whose "
		   "address holds a code: copy that whole address (or just the code) and "
		   "paste it here."),
	     columns, s->utf8);
	if (l.oom)
		b.oom = 1;
	emit_lines(&b, &l, 0);
	lines_free(&l);
out:
	free(head);
	free(qr);
	return screen_done(&b, err);
}
