/* b64url.h - strict base64url (RFC 4648 §5, no padding) as JOSE uses it.
 *
 * RFC 7515 §2 fixes one spelling for every value: the URL-safe alphabet, no
 * '=' padding, no line breaks or white space. The decoder accepts exactly
 * that spelling and nothing else, so one token has one encoding: length
 * mod 4 == 1 is refused and the unused low bits of the last character must
 * be zero. */
#ifndef OA2_B64URL_H
#define OA2_B64URL_H

#include <stddef.h>

/* Decode inlen characters of in. On success returns 0 and sets *out to a new
 * buffer (free with free()) holding *outlen bytes plus a terminating NUL that
 * *outlen does not count. An empty input decodes to an empty buffer.
 * Returns -1 on any character outside the alphabet (including '=', '+', '/',
 * white space and NUL), a length that no encoder produces, non-zero trailing
 * bits, or out of memory; *out is then NULL. */
int oa2_b64url_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen);

/* Encode len bytes; returns a new NUL-terminated string or NULL when out of
 * memory. */
char *oa2_b64url_encode(const unsigned char *in, size_t len);

#endif
