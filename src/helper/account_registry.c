/* account_registry.c - read and write the registry of created accounts. */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account_registry.h"
#include "shared/secfile.h"

#define MAGIC "pam_oauth2-accounts 1\n"
#define FIELDS 6

static const char *const state_names[] = {"active", "locked", "removed", "group", NULL};

/* A group line's issuer and sub. */
#define NO_IDENTITY "-"

const char *oa2_account_state_name(int state)
{
	return state >= 0 && state <= OA2_ACCOUNT_GROUP ? state_names[state] : "?";
}

bool oa2_registry_text_ok(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f)
			return false;
	}
	return n > 0 && n <= max;
}

/* A decimal number of at most 19 digits, no sign, no leading zero. */
static int parse_num(const char *s, unsigned long long *out)
{
	size_t n = strlen(s);

	if (n == 0 || n > 19 || strspn(s, "0123456789") != n || (s[0] == '0' && n > 1))
		return -1;
	*out = strtoull(s, NULL, 10);
	return 0;
}

static int copy_field(char *dst, size_t cap, const char *src, size_t max)
{
	if (!oa2_registry_text_ok(src, max) || strlen(src) >= cap)
		return -1;
	strcpy(dst, src);
	return 0;
}

/* One line (NUL-terminated, no newline) into *a. */
static int parse_line(char *line, struct oa2_account *a)
{
	char *f[FIELDS], *save;
	unsigned long long uid, created;
	int i, state = -1;

	memset(a, 0, sizeof(*a));
	save = line;
	for (i = 0; i < FIELDS; i++) {
		f[i] = strsep(&save, "\t");
		if (f[i] == NULL)
			return -1;
	}
	if (save != NULL) /* a seventh field */
		return -1;
	for (i = 0; state_names[i] != NULL; i++) {
		if (strcmp(f[2], state_names[i]) == 0)
			state = i;
	}
	if (parse_num(f[0], &uid) != 0 || uid > 0xffffffffULL ||
	    oa2_uid_range_refusal((unsigned long)uid, (unsigned long)uid, 1) != NULL ||
	    !oa2_username_valid(f[1]) || state < 0 || parse_num(f[3], &created) != 0 ||
	    copy_field(a->issuer, sizeof(a->issuer), f[4], OA2_ACCOUNT_ISSUER_MAX) != 0 ||
	    copy_field(a->sub, sizeof(a->sub), f[5], OA2_ACCOUNT_SUB_MAX) != 0 ||
	    (state == OA2_ACCOUNT_GROUP) !=
		    (strcmp(a->issuer, NO_IDENTITY) == 0 && strcmp(a->sub, NO_IDENTITY) == 0))
		return -1;
	a->uid = (unsigned long)uid;
	strcpy(a->name, f[1]);
	a->state = state;
	a->created = (long long)created;
	return 0;
}

static int parse(char *text, size_t len, struct oa2_registry *r)
{
	char *p = text, *end = text + len;
	struct oa2_account a;

	if (len < sizeof(MAGIC) - 1 || memcmp(text, MAGIC, sizeof(MAGIC) - 1) != 0 ||
	    memchr(text, '\0', len) != NULL)
		return -1;
	for (p += sizeof(MAGIC) - 1; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL)
			return -1; /* a last line without its newline: cut short */
		*nl = '\0';
		if (parse_line(p, &a) != 0 || oa2_registry_by_name(r, a.name) != NULL ||
		    oa2_registry_by_uid(r, a.uid) != NULL ||
		    (a.state != OA2_ACCOUNT_GROUP &&
		     oa2_registry_by_identity(r, a.issuer, a.sub) != NULL) ||
		    oa2_registry_add(r, &a) != 0)
			return -1;
		p = nl + 1;
	}
	return 0;
}

int oa2_registry_load(const char *dir, struct oa2_registry *r, oa2_error *err)
{
	char path[4096], *text = NULL;
	size_t len = 0;
	mode_t perm = 0;
	struct stat st;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, OA2_REGISTRY_FILE) >= sizeof(path))
		return oa2_fail(err, OA2_ERR_INTERNAL, "account registry: path too long");
	if (lstat(path, &st) != 0 && errno == ENOENT)
		return 0;
	/* owned by root, or in the tests by the user running them (the helper's
	 * effective uid), and private */
	if (oa2_read_secure_file(path, OA2_FILE_USER, OA2_REGISTRY_MAX_SIZE, &text, &len, &perm,
				 err) != 0) {
		err->kind = OA2_ERR_INTERNAL;
		return -1;
	}
	if ((perm & 077) != 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "account registry %s: readable by others (mode %04o)",
			 path, (unsigned)perm);
		goto out;
	}
	if (parse(text, len, r) != 0) {
		oa2_fail(err, OA2_ERR_INTERNAL, "account registry %s is corrupt; refusing", path);
		goto out;
	}
	rc = 0;
out:
	free(text);
	if (rc != 0)
		oa2_registry_free(r);
	return rc;
}

int oa2_registry_save(const char *dir, const struct oa2_registry *r, oa2_error *err)
{
	size_t cap = 1, len = 0;
	char *body;
	int rc;

	for (size_t i = 0; i < r->n; i++)
		cap += 64 + OA2_USER_MAX + strlen(r->a[i].issuer) + strlen(r->a[i].sub);
	body = malloc(cap);
	if (body == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	body[0] = '\0';
	for (size_t i = 0; i < r->n; i++) {
		const struct oa2_account *a = &r->a[i];

		len += (size_t)snprintf(body + len, cap - len, "%lu\t%s\t%s\t%lld\t%s\t%s\n", a->uid,
					a->name, oa2_account_state_name(a->state), a->created,
					a->issuer, a->sub);
	}
	if (len + sizeof(MAGIC) > OA2_REGISTRY_MAX_SIZE) {
		free(body);
		return oa2_fail(err, OA2_ERR_INTERNAL, "account registry would exceed %d bytes",
				OA2_REGISTRY_MAX_SIZE);
	}
	rc = oa2_write_private_file(dir, OA2_REGISTRY_FILE, MAGIC, sizeof(MAGIC) - 1, body, len,
				    err);
	free(body);
	return rc;
}

struct oa2_account *oa2_registry_by_name(const struct oa2_registry *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->a[i].name, name) == 0)
			return &r->a[i];
	}
	return NULL;
}

struct oa2_account *oa2_registry_by_identity(const struct oa2_registry *r, const char *issuer,
					     const char *sub)
{
	for (size_t i = 0; i < r->n; i++) {
		if (r->a[i].state != OA2_ACCOUNT_GROUP && strcmp(r->a[i].issuer, issuer) == 0 &&
		    strcmp(r->a[i].sub, sub) == 0)
			return &r->a[i];
	}
	return NULL;
}

struct oa2_account *oa2_registry_by_uid(const struct oa2_registry *r, unsigned long uid)
{
	for (size_t i = 0; i < r->n; i++) {
		if (r->a[i].uid == uid)
			return &r->a[i];
	}
	return NULL;
}

int oa2_registry_add(struct oa2_registry *r, const struct oa2_account *a)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct oa2_account *na = realloc(r->a, cap * sizeof(*na));

		if (na == NULL)
			return -1;
		r->a = na;
		r->cap = cap;
	}
	r->a[r->n++] = *a;
	return 0;
}

void oa2_registry_free(struct oa2_registry *r)
{
	free(r->a);
	memset(r, 0, sizeof(*r));
}
