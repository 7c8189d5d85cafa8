/* strutil.h - small string helpers and secret hygiene. */
#ifndef OA2_STRUTIL_H
#define OA2_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Wipe a NUL-terminated secret and free it. NULL is allowed. */
void oa2_free_secret(char *s);

/* Wipe len bytes and free. NULL is allowed. */
void oa2_free_secret_len(void *p, size_t len);

/* Trim ASCII white space at both ends, in place; returns s. */
char *oa2_trim(char *s);

/* True when s is an https:// URL with a host part, no white space, no
 * control characters, no fragment and no user-info. */
bool oa2_is_https_url(const char *s);

/* True when every byte is printable ASCII (0x21..0x7e); empty is false. */
bool oa2_is_token_chars(const char *s);

/* s as printable ASCII for a log line or a terminal: every byte outside
 * 0x20..0x7e becomes \xHH and a backslash becomes \\, so the text can
 * neither start a new line nor send an escape sequence, and reads back
 * unambiguously. At most size - 1 bytes are written; an escape is never cut,
 * and a shortened result ends with "...". NULL s gives "(null)". Returns out
 * (size must be at least 8). */
const char *oa2_esc(const char *s, char *out, size_t size);

/* oa2_esc into a buffer that lives until the end of the enclosing block:
 * printf("%s", OA2_ESC(name)). Cut at OA2_ESC_SIZE - 1 bytes. */
#define OA2_ESC_SIZE 256
#define OA2_ESC(s) oa2_esc((s), (char[OA2_ESC_SIZE]){0}, OA2_ESC_SIZE)

/* True when answer is sshd's "bad password" marker: for an invalid user, or
 * root where PermitRootLogin refuses it, sshd replaces what the user typed
 * with "\b\n\r\177INCORRECT" repeated or cut to the typed length (OpenSSH
 * auth-pam.c, fake_password). An empty answer stays empty: it cannot be told
 * from a real one. */
bool oa2_is_sshd_marker(const char *answer);

/* The refusal reason logged for it. */
#define OA2_SSHD_MARKER_REASON \
	"sshd replaced the answer with its marker: it refuses this login itself (invalid user, or root not permitted)"

/* malloc'd "a" + "b"; NULL on out of memory. */
char *oa2_concat(const char *a, const char *b);

/* The separators of configuration lists. */
#define OA2_LIST_SEPS " ,\t"

/* Step through a list: skips separators from *p, and when a word follows
 * sets *word and *len to it, moves *p past it and returns true. */
bool oa2_list_next(const char **p, const char *seps, const char **word, size_t *len);

/* Does word appear in list (items separated by spaces or commas)? */
bool oa2_list_contains(const char *list, const char *word);

/* The same for the first n bytes of word. */
bool oa2_list_contains_n(const char *list, const char *word, size_t n);

#endif
