/* refusal.c - the user's line for a refused login (see refusal.h). */
#include "autoconfig.h"

#include <string.h>

#include "i18n.h"
#include "refusal.h"
#include "strutil.h"

const char *oa2_refusal_line(const oa2_error *err)
{
	if (strcmp(err->msg, OA2_SSHD_MARKER_REASON) == 0)
		return NULL;
	switch (err->kind) {
	case OA2_OK:
		return NULL;
	case OA2_ERR_UNAVAIL:
		return N_("The identity provider cannot be reached; try again later.");
	case OA2_ERR_PROTOCOL:
		return N_("The identity provider gave an answer that cannot be used; try again later.");
	case OA2_ERR_DENIED:
		if (strstr(err->msg, OA2_THROTTLED_REASON) != NULL)
			return N_("The identity provider refuses more logins from this host for now "
				  "(too many requests); try again later.");
		return N_("The login could not be verified.");
	case OA2_ERR_CREDENTIALS:
		return N_("The identity provider did not accept the password.");
	case OA2_ERR_PERM:
	case OA2_ERR_USER:
		return N_("This account is not allowed to log in on this host.");
	case OA2_ERR_ABORT:
		return N_("Login cancelled.");
	case OA2_ERR_CONFIG:
	case OA2_ERR_INTERNAL:
		break;
	}
	return N_("The login cannot be completed on this host; please tell the administrator.");
}
