/* claims_fill.c - the ID token's claims, completed from userinfo (see
 * claims_fill.h). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "claims_fill.h"

/* The top-level member that carries name: the whole name, else a dotted
 * name's first segment (into seg). NULL when seg is too small. */
static const char *member_name(const char *name, char *seg, size_t seglen)
{
	const char *dot = strchr(name, '.');
	size_t n;

	if (dot == NULL)
		return name;
	n = (size_t)(dot - name);
	if (n == 0 || n >= seglen)
		return NULL;
	memcpy(seg, name, n);
	seg[n] = '\0';
	return seg;
}

static bool present(const oa2_jobj *o, const char *name)
{
	struct oa2_jval v;

	return oa2_jobj_get(o, name, &v) == 0;
}

/* The claim is announced as aggregated or distributed (OIDC Core 5.6.2:
 * "_claim_names" maps it to a source elsewhere, Entra's groups overage):
 * it is not userinfo's to give. */
static bool by_reference(const oa2_jobj *claims, const char *member)
{
	oa2_jobj names = {0};
	struct oa2_jval v;
	bool found = false;

	if (oa2_jobj_get(claims, "_claim_names", &v) != 0 || v.type != OA2_J_OBJECT)
		return false;
	if (oa2_jscan_object(&names, v.p, v.n, "_claim_names", NULL) == 0)
		found = oa2_jobj_has(&names, member);
	oa2_jobj_clear(&names);
	return found;
}

bool oa2_claims_lack(const oa2_jobj *claims, const char *name)
{
	char seg[256];
	const char *first;

	if (present(claims, name) || by_reference(claims, name))
		return false;
	first = member_name(name, seg, sizeof(seg));
	return first == NULL || (!present(claims, first) && !by_reference(claims, first));
}

/* Append a JSON string for name (printable ASCII: configuration words) to
 * buf at *used. */
static void put_name(char *buf, size_t *used, const char *name)
{
	buf[(*used)++] = '"';
	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			buf[(*used)++] = '\\';
		buf[(*used)++] = *p;
	}
	buf[(*used)++] = '"';
}

/* The member of info that would carry name, or none: 0 found, 1 none. */
static int pick(const oa2_jobj *info, const char *name, const char **member,
		struct oa2_jval *val, char *seg, size_t seglen)
{
	if (oa2_jobj_get(info, name, val) == 0) {
		*member = name;
		return 0;
	}
	*member = member_name(name, seg, seglen);
	if (*member == NULL || *member == name)
		return 1;
	return oa2_jobj_get(info, *member, val) == 0 ? 0 : 1;
}

#define MAX_FILL 4

/* Appends the members into buf (sized by the caller) after the ID token's
 * text without its closing brace; a member at most once. */
static void append(const oa2_jobj *id, const oa2_jobj *info, const char *const *names,
		   size_t nnames, char *buf, size_t *used, size_t *added)
{
	char seg[256], taken[MAX_FILL][256];

	for (size_t i = 0; i < nnames && *added < MAX_FILL; i++) {
		struct oa2_jval val;
		const char *member;
		bool dup = false;

		if (names[i] == NULL || !oa2_claims_lack(id, names[i]) ||
		    pick(info, names[i], &member, &val, seg, sizeof(seg)) != 0 ||
		    strlen(member) >= sizeof(taken[0]))
			continue;
		for (size_t j = 0; j < *added; j++)
			dup = dup || strcmp(taken[j], member) == 0;
		if (dup || oa2_jobj_has(id, member))
			continue;
		strcpy(taken[*added], member);
		if (id->n + *added > 0)
			buf[(*used)++] = ',';
		put_name(buf, used, member);
		buf[(*used)++] = ':';
		memcpy(buf + *used, val.p, val.n);
		*used += val.n;
		(*added)++;
	}
}

int oa2_claims_fill(const char *idc, const char *info, const char *const *names, size_t nnames,
		    char **out, size_t *added, oa2_error *err)
{
	oa2_jobj id = {0}, ui = {0}, check = {0};
	size_t ilen = strlen(idc), ulen = strlen(info), cap, used, end;
	char *buf = NULL;
	int rc = -1;

	*out = NULL;
	*added = 0;
	if (oa2_jscan_object(&id, idc, ilen, "id_token claims", err) != 0 ||
	    oa2_jscan_object(&ui, info, ulen, "userinfo", err) != 0)
		goto done;
	/* every name at most twice its length escaped, plus quotes, colon,
	 * comma; every value at most the whole userinfo text */
	cap = ilen + 1;
	for (size_t i = 0; i < nnames; i++)
		cap += names[i] != NULL ? 2 * strlen(names[i]) + 4 + ulen : 0;
	buf = malloc(cap + 1);
	if (buf == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
		goto done;
	}
	end = ilen;
	while (end > 0 && idc[end - 1] != '}')
		end--; /* the scanner accepted an object: its last brace */
	used = end - 1;
	memcpy(buf, idc, used);
	append(&id, &ui, names, nnames, buf, &used, added);
	buf[used++] = '}';
	buf[used] = '\0';
	if (oa2_jscan_object(&check, buf, used, "id_token claims with userinfo", err) != 0)
		goto done;
	*out = buf;
	buf = NULL;
	rc = 0;
done:
	oa2_jobj_clear(&check);
	oa2_jobj_clear(&id);
	oa2_jobj_clear(&ui);
	free(buf);
	return rc;
}
