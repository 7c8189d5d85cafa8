/* username.c - the strict character set of a local user name (username.h). */
#include "autoconfig.h"

#include <string.h>

#include "username.h"

bool oa2_username_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= OA2_USER_MAX || name[0] == '-' || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || (c == '$' && i == n - 1)))
			return false;
	}
	return true;
}
