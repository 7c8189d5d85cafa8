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
