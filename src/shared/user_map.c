/* user_map.c - the user_map_file, in both directions (see user_map.h). */
#include "autoconfig.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "secfile.h"
#include "strutil.h"
#include "user_map.h"

#define MAP_MAX_SIZE (256 * 1024)

/* The first entry whose identity (by_user false) or local user (by_user
 * true) is key; *other: a copy of its other field. 0, 1 none, -1 error. */
static int scan(const char *file, bool by_user, const char *key, char **other, oa2_error *err)
{
	char *buf = NULL, *line, *next;
	size_t len = 0;
	unsigned lineno = 0;
	int rc;

	*other = NULL;
	if (oa2_read_secure_file(file, OA2_FILE_PUBLIC, MAP_MAX_SIZE, &buf, &len, NULL, err) != 0)
		return -1;
	rc = 1;
	/* line by line, empty ones too, so that lineno is the editor's */
	for (line = buf; line != NULL; line = next) {
		char *id, *user, *extra, *p;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		p = oa2_trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		id = strtok_r(p, " \t", &p);
		user = strtok_r(NULL, " \t", &p);
		extra = strtok_r(NULL, " \t", &p);
		if (id == NULL || user == NULL || extra != NULL || !oa2_username_valid(user)) {
			rc = oa2_fail(err, OA2_ERR_CONFIG,
				      "%s:%u: malformed entry (want 'identity local-user')", file,
				      lineno);
			break;
		}
		if (strcmp(by_user ? user : id, key) != 0)
			continue;
		*other = strdup(by_user ? id : user);
		rc = *other != NULL ? 0 : oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		break;
	}
	free(buf);
	return rc;
}

int oa2_user_map_find(const char *file, const char *identity, char *out, oa2_error *err)
{
	char *user = NULL;
	int rc = scan(file, false, identity, &user, err);

	out[0] = '\0';
	if (rc == 0)
		strcpy(out, user); /* a valid user name: shorter than OA2_USER_MAX */
	free(user);
	return rc;
}

int oa2_user_map_identity(const char *file, const char *user, char **out, oa2_error *err)
{
	return scan(file, true, user, out, err);
}
