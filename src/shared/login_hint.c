/* login_hint.c - the CIBA login_hint template. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "login_hint.h"

const char *oa2_login_hint_problem(const char *tmpl)
{
	bool has_user = false;

	if (tmpl == NULL || tmpl[0] == '\0')
		return "it is empty";
	for (const char *p = tmpl; *p; p++) {
		if (*p < 0x20 || *p > 0x7e)
			return "it holds a character that is not printable ASCII";
		if (*p != '%')
			continue;
		if (p[1] == 'u')
			has_user = true;
		else if (p[1] != '%')
			return "'%' must be followed by 'u' (the PAM user) or '%'";
		p++;
	}
	return has_user ? NULL : "it has no %u: every login would ask one person";
}

bool oa2_login_hint_user_ok(const char *user)
{
	size_t n;

	if (user == NULL || user[0] == '-' || user[0] == '.')
		return false;
	n = strlen(user);
	if (n == 0 || n > OA2_HINT_USER_MAX)
		return false;
	return strspn(user, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
	       n;
}

int oa2_login_hint_expand(const char *tmpl, const char *user, char **out, oa2_error *err)
{
	const char *problem = oa2_login_hint_problem(tmpl);
	size_t ulen, n = 0;
	char *hint;

	*out = NULL;
	if (problem != NULL)
		return oa2_fail(err, OA2_ERR_CONFIG, "ciba_login_hint: %s", problem);
	if (!oa2_login_hint_user_ok(user))
		return oa2_fail(err, OA2_ERR_DENIED,
				"the user name is not usable in a CIBA login hint (only letters, "
				"digits, '.', '_' and '-'); nothing was sent");
	ulen = strlen(user);
	hint = malloc(OA2_LOGIN_HINT_MAX + 1);
	if (hint == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	for (const char *p = tmpl; *p; p++) {
		const char *piece = p;
		size_t len = 1;

		if (*p == '%') {
			p++;
			if (*p == 'u') {
				piece = user;
				len = ulen;
			}
		}
		if (n + len > OA2_LOGIN_HINT_MAX) {
			free(hint);
			return oa2_fail(err, OA2_ERR_CONFIG,
					"ciba_login_hint: the hint is longer than %d bytes",
					OA2_LOGIN_HINT_MAX);
		}
		memcpy(hint + n, piece, len);
		n += len;
	}
	hint[n] = '\0';
	*out = hint;
	return 0;
}
