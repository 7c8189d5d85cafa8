/* login_hint.c - the CIBA login_hint: template, reverse user map, format. */
#include "autoconfig.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "login_hint.h"
#include "user_map.h"

const char *oa2_login_hint_problem(const char *tmpl)
{
	bool names_user = false;

	if (tmpl == NULL || tmpl[0] == '\0')
		return "it is empty";
	for (const char *p = tmpl; *p; p++) {
		if (*p < 0x20 || *p > 0x7e)
			return "it holds a character that is not printable ASCII";
		if (*p != '%')
			continue;
		if (p[1] == 'u' || p[1] == 'i')
			names_user = true;
		else if (p[1] != '%')
			return "'%' must be followed by 'u' (the PAM user), 'i' (its identity in "
			       "user_map_file) or '%'";
		p++;
	}
	return names_user ? NULL : "it has no %u or %i: every login would ask one person";
}

bool oa2_login_hint_uses(const char *tmpl, char c)
{
	for (const char *p = tmpl; p != NULL && *p; p++) {
		if (*p != '%')
			continue;
		if (p[1] == c)
			return true;
		if (p[1] == '\0')
			break;
		p++;
	}
	return false;
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

bool oa2_login_hint_identity_ok(const char *identity)
{
	size_t n = 0;

	if (identity == NULL)
		return false;
	for (; identity[n]; n++) {
		if (identity[n] <= 0x20 || identity[n] > 0x7e || n >= OA2_HINT_IDENTITY_MAX)
			return false;
	}
	return n > 0;
}

int oa2_login_hint_expand(const char *tmpl, const char *user, const char *identity, char **out,
			  oa2_error *err)
{
	const char *problem = oa2_login_hint_problem(tmpl);
	size_t n = 0;
	char *hint;

	*out = NULL;
	if (problem != NULL)
		return oa2_fail(err, OA2_ERR_CONFIG, "ciba_login_hint: %s", problem);
	if (oa2_login_hint_uses(tmpl, 'u') && !oa2_login_hint_user_ok(user))
		return oa2_fail(err, OA2_ERR_DENIED,
				"the user name is not usable in a CIBA login hint (only letters, "
				"digits, '.', '_' and '-'); nothing was sent");
	if (oa2_login_hint_uses(tmpl, 'i') && !oa2_login_hint_identity_ok(identity))
		return oa2_fail(err, OA2_ERR_DENIED,
				"the identity user_map_file maps to the user is not usable in a CIBA "
				"login hint (only printable ASCII without spaces, at most %d bytes); "
				"nothing was sent", OA2_HINT_IDENTITY_MAX);
	hint = malloc(OA2_LOGIN_HINT_MAX + 1);
	if (hint == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	for (const char *p = tmpl; *p; p++) {
		const char *piece = p;
		size_t len = 1;

		if (*p == '%') {
			p++;
			if (*p == 'u' || *p == 'i') {
				piece = *p == 'u' ? user : identity;
				len = strlen(piece);
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

int oa2_login_hint_iss_sub(const char *issuer, const char *sub, char **out, oa2_error *err)
{
	json_object *o = json_object_new_object();
	const char *text;
	int rc = -1;

	*out = NULL;
	if (o == NULL ||
	    json_object_object_add(o, "format", json_object_new_string("iss_sub")) != 0 ||
	    json_object_object_add(o, "iss", json_object_new_string(issuer)) != 0 ||
	    json_object_object_add(o, "sub", json_object_new_string(sub)) != 0)
		goto out;
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text != NULL && (*out = strdup(text)) != NULL)
		rc = 0;
out:
	json_object_put(o);
	return rc == 0 ? 0 : oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
}

int oa2_login_hint_make(const struct oa2_config *cfg, const char *user, char **out,
			oa2_error *err)
{
	char *identity = NULL, *hint = NULL;
	int rc = -1;

	*out = NULL;
	if (oa2_login_hint_uses(cfg->ciba_login_hint, 'i')) {
		if (!oa2_username_valid(user)) {
			oa2_fail(err, OA2_ERR_DENIED, "'%.64s' is not a valid user name", user);
			goto out;
		}
		rc = oa2_user_map_identity(cfg->user_map_file, user, &identity, err);
		if (rc == 1)
			oa2_fail(err, OA2_ERR_DENIED,
				 "no entry of user_map_file maps an identity to %s: no login hint; "
				 "nothing was sent", user);
		if (rc != 0) {
			rc = -1;
			goto out;
		}
		rc = -1;
	}
	if (oa2_login_hint_expand(cfg->ciba_login_hint, user, identity, &hint, err) != 0)
		goto out;
	if (cfg->ciba_login_hint_format == OA2_HINT_ISS_SUB) {
		if (oa2_login_hint_iss_sub(cfg->issuer, hint, out, err) != 0)
			goto out;
	} else {
		*out = hint;
		hint = NULL;
	}
	rc = 0;
out:
	free(identity);
	free(hint);
	return rc;
}
