/* account_subid.c - subordinate ID ranges (see account_subid.h). */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "account_subid.h"
#include "shared/secfile.h"

#define ID_LIMIT 4294967296ULL /* 2^32: IDs are 32-bit */

/* A decimal number of digits only (no sign, no space), below ID_LIMIT. */
static bool number(const char *s, unsigned long long *v)
{
	*v = 0;
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		*v = *v * 10 + (unsigned long long)(*s - '0');
		if (*v >= ID_LIMIT)
			return false;
	}
	return true;
}

/* OWNER:START:COUNT -> [START, START+COUNT-1]; false when malformed. */
static bool parse_line(char *line, struct oa2_subid_range *out)
{
	char *start = strchr(line, ':'), *count;
	unsigned long long a, c;

	if (start == NULL || start == line)
		return false;
	*start++ = '\0';
	count = strchr(start, ':');
	if (count == NULL)
		return false;
	*count++ = '\0';
	if (!number(start, &a) || !number(count, &c) || c == 0 || a + c > ID_LIMIT)
		return false;
	out->low = (unsigned long)a;
	out->high = (unsigned long)(a + c - 1);
	return true;
}

static int add(struct oa2_subid_ranges *s, const struct oa2_subid_range *r)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct oa2_subid_range *p = realloc(s->r, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		s->r = p;
		s->cap = cap;
	}
	s->r[s->n++] = *r;
	return 0;
}

int oa2_subid_load(const char *path, struct oa2_subid_ranges *out, oa2_error *err)
{
	struct stat st;
	struct oa2_subid_range r;
	char *buf = NULL, *line, *next;
	size_t len = 0, lineno = 0;
	int rc = -1;

	if (lstat(path, &st) != 0 && errno == ENOENT)
		return 0; /* no such file: nobody has subordinate IDs */
	if (oa2_read_secure_file(path, OA2_FILE_USER, OA2_SUBID_MAX_SIZE, &buf, &len, NULL, err) != 0) {
		err->kind = OA2_ERR_INTERNAL;
		return -1;
	}
	if (memchr(buf, '\0', len) != NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "%s holds a NUL byte; no UID is handed out", path);
		goto out;
	}
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		if (*line == '\0')
			continue;
		if (!parse_line(line, &r)) {
			oa2_fail(err, OA2_ERR_INTERNAL,
				 "%s line %zu is not OWNER:START:COUNT; no UID is handed out until "
				 "it is repaired",
				 path, lineno);
			goto out;
		}
		if (add(out, &r) != 0) {
			oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

const struct oa2_subid_range *oa2_subid_find(const struct oa2_subid_ranges *s, unsigned long id)
{
	for (size_t i = 0; i < s->n; i++) {
		if (id >= s->r[i].low && id <= s->r[i].high)
			return &s->r[i];
	}
	return NULL;
}

void oa2_subid_free(struct oa2_subid_ranges *s)
{
	free(s->r);
	memset(s, 0, sizeof(*s));
}
