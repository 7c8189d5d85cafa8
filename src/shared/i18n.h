/* i18n.h - the user's language: gettext with the text domain "pam_oauth2".
 *
 * The helper runs with an empty environment, so the module passes the
 * locale it found (LC_ALL, LC_MESSAGES or LANG, from the PAM environment,
 * else from the host process) and LANGUAGE in the login request; the helper
 * switches to that locale for its messages. The module's own few lines are
 * translated in the same locale without touching the host's (uselocale for
 * the one call). A locale that is not installed on the machine gives the
 * English text, as for every other program. */
#ifndef OA2_I18N_H
#define OA2_I18N_H

#include <stdbool.h>
#include <stddef.h>

#define OA2_TEXTDOMAIN "pam_oauth2"
#define OA2_LOCALE_MAX 64

/* Mark a string for translation; _() translates it in the current locale. */
#define N_(s) s
#define _(s) oa2_gettext(s)

/* msgid translated in the process's (or thread's) current locale; the
 * plural form for n of singular/plural. */
const char *oa2_gettext(const char *msgid) __attribute__((format_arg(1)));
const char *oa2_ngettext(const char *singular, const char *plural, unsigned long n)
	__attribute__((format_arg(1))) __attribute__((format_arg(2)));

/* Is s a locale name we pass on: 1..OA2_LOCALE_MAX bytes of letters,
 * digits and "_.@-" (with list true, LANGUAGE's ':' too), not starting with
 * a dot? Nothing else reaches setlocale: no '/', no white space. */
bool oa2_locale_name_valid(const char *s, bool list);

/* Does the locale a user announced take UTF-8? The first of LC_ALL,
 * LC_CTYPE and LANG that is set (NULL or "" is not) decides; none set: yes,
 * today's terminals do. */
bool oa2_locale_is_utf8(const char *lc_all, const char *lc_ctype, const char *lang);

/* The helper: use locale (NULL or invalid: stay in "C") for messages and
 * character classes; language (NULL: none) becomes LANGUAGE. Messages come
 * out in UTF-8 when utf8, else in ASCII (transliterated). */
void oa2_i18n_use(const char *locale, const char *language, int utf8);

/* The module: msgid translated in locale (NULL: untranslated), without
 * changing the host process's locale, as UTF-8 or ASCII. The result lives
 * in the message catalog (or is msgid). */
const char *oa2_i18n_translate(const char *locale, int utf8, const char *msgid)
	__attribute__((format_arg(3)));

#endif
