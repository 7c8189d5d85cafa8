/* strutil.c - small string helpers and secret hygiene. */
#include "autoconfig.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "strutil.h"

void oa2_free_secret_len(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}

void oa2_free_secret(char *s)
{
	if (s == NULL)
		return;
	oa2_free_secret_len(s, strlen(s));
}

char *oa2_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return s;
}

bool oa2_is_token_chars(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < 0x21 || *s > 0x7e)
			return false;
	}
	return true;
}

bool oa2_is_https_url(const char *s)
{
	const char *host, *end;

	if (!oa2_is_token_chars(s) || strncmp(s, "https://", 8) != 0)
		return false;
	host = s + 8;
	end = host + strcspn(host, "/?#");
	if (end == host)
		return false;
	if (memchr(host, '@', (size_t)(end - host)) != NULL)
		return false;
	return strchr(s, '#') == NULL;
}

/* The escaped form of one byte into e (4 bytes); returns its length. */
static size_t esc_byte(unsigned char c, char *e)
{
	static const char hex[] = "0123456789abcdef";

	if (c >= 0x20 && c <= 0x7e && c != '\\') {
		e[0] = (char)c;
		return 1;
	}
	e[0] = '\\';
	if (c == '\\') {
		e[1] = '\\';
		return 2;
	}
	e[1] = 'x';
	e[2] = hex[c >> 4];
	e[3] = hex[c & 0xf];
	return 4;
}

const char *oa2_esc(const char *s, char *out, size_t size)
{
	size_t total = 0, limit, n = 0, len;
	char e[4];

	if (s == NULL)
		s = "(null)";
	for (const char *p = s; *p; p++)
		total += esc_byte((unsigned char)*p, e);
	/* shortened: leave room for "..." */
	limit = total > size - 1 ? size - 1 - 3 : size - 1;
	for (; *s; s++) {
		len = esc_byte((unsigned char)*s, e);
		if (n + len > limit)
			break;
		memcpy(out + n, e, len);
		n += len;
	}
	if (total > size - 1) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

bool oa2_is_sshd_marker(const char *answer)
{
	static const char marker[] = "\b\n\r\177INCORRECT";
	size_t n = strlen(answer);

	for (size_t i = 0; i < n; i++) {
		if (answer[i] != marker[i % (sizeof(marker) - 1)])
			return false;
	}
	return n > 0;
}

char *oa2_concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *r = malloc(la + lb + 1);

	if (r == NULL)
		return NULL;
	memcpy(r, a, la);
	memcpy(r + la, b, lb + 1);
	return r;
}

bool oa2_list_next(const char **p, const char *seps, const char **word, size_t *len)
{
	*p += strspn(*p, seps);
	*len = strcspn(*p, seps);
	*word = *p;
	*p += *len;
	return *len > 0;
}

bool oa2_list_contains_n(const char *list, const char *word, size_t wl)
{
	const char *p = list, *w;
	size_t n;

	if (list == NULL || wl == 0)
		return false;
	while (oa2_list_next(&p, OA2_LIST_SEPS, &w, &n)) {
		if (n == wl && memcmp(w, word, wl) == 0)
			return true;
	}
	return false;
}

bool oa2_list_contains(const char *list, const char *word)
{
	return oa2_list_contains_n(list, word, strlen(word));
}
