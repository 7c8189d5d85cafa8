/* i18n.c - gettext plumbing for the module and its helper. */
#include "autoconfig.h"

#include <libintl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

static int bound;

static void bind_once(void)
{
	if (!bound) {
		(void)bindtextdomain(OA2_TEXTDOMAIN, OA2_LOCALEDIR);
		bound = 1;
	}
}

/* The codeset follows the terminal of each login. */
static void bind_domain(int utf8)
{
	bind_once();
	(void)bind_textdomain_codeset(OA2_TEXTDOMAIN, utf8 ? "UTF-8" : "ASCII");
}

const char *oa2_gettext(const char *msgid)
{
	bind_once();
	return dgettext(OA2_TEXTDOMAIN, msgid);
}

const char *oa2_ngettext(const char *singular, const char *plural, unsigned long n)
{
	bind_once();
	return dngettext(OA2_TEXTDOMAIN, singular, plural, n);
}

bool oa2_locale_is_utf8(const char *lc_all, const char *lc_ctype, const char *lang)
{
	const char *const vals[] = {lc_all, lc_ctype, lang};

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		if (vals[i] == NULL || *vals[i] == '\0')
			continue;
		return strcasestr(vals[i], "utf-8") != NULL || strcasestr(vals[i], "utf8") != NULL;
	}
	return true;
}

bool oa2_locale_name_valid(const char *s, bool list)
{
	size_t n;

	if (s == NULL || s[0] == '\0' || s[0] == '.')
		return false;
	n = strlen(s);
	if (n > OA2_LOCALE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.' || c == '@' || c == '-' || (list && c == ':'))
			continue;
		return false;
	}
	return true;
}

void oa2_i18n_use(const char *locale, const char *language, int utf8)
{
	bind_domain(utf8);
	if (!oa2_locale_name_valid(locale, false))
		return;
	if (setlocale(LC_MESSAGES, locale) == NULL)
		return; /* not installed here: English */
	(void)setlocale(LC_CTYPE, locale);
	if (oa2_locale_name_valid(language, true))
		(void)setenv("LANGUAGE", language, 1);
}

const char *oa2_i18n_translate(const char *locale, int utf8, const char *msgid)
{
	locale_t loc, old;
	const char *t;

	if (!oa2_locale_name_valid(locale, false))
		return msgid;
	loc = newlocale(LC_MESSAGES_MASK | LC_CTYPE_MASK, locale, (locale_t)0);
	if (loc == (locale_t)0)
		return msgid;
	bind_domain(utf8);
	old = uselocale(loc);
	t = dgettext(OA2_TEXTDOMAIN, msgid);
	(void)uselocale(old);
	freelocale(loc);
	return t;
}
