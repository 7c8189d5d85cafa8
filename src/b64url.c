/* b64url.c - strict base64url encoding and decoding for JOSE. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>

#include "b64url.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The 6-bit value of c, or -1 when c is not in the URL-safe alphabet. */
static int sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int oa2_b64url_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen)
{
	unsigned char *buf = NULL;
	uint32_t acc = 0;
	unsigned int bits = 0;
	size_t n = 0;
	int rc = -1;

	*out = NULL;
	*outlen = 0;
	if (in == NULL && inlen != 0)
		goto out;
	/* One leftover character carries only 6 bits: never a whole byte. */
	if (inlen % 4 == 1 || inlen > SIZE_MAX / 3)
		goto out;
	buf = malloc(inlen / 4 * 3 + 3);
	if (buf == NULL)
		goto out;
	for (size_t i = 0; i < inlen; i++) {
		int v = sextet((unsigned char)in[i]);

		if (v < 0)
			goto out;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Left-over bits must be zero, or two spellings would decode alike. */
	if (acc != 0)
		goto out;
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	return rc;
}

char *oa2_b64url_encode(const unsigned char *in, size_t len)
{
	char *s;
	size_t o = 0;
	size_t i;

	if (len > (SIZE_MAX - 4) / 4 * 3)
		return NULL;
	s = malloc((len + 2) / 3 * 4 + 1);
	if (s == NULL)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		s[o++] = alphabet[v >> 18];
		s[o++] = alphabet[(v >> 12) & 63];
		s[o++] = alphabet[(v >> 6) & 63];
		s[o++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		s[o++] = alphabet[in[i] >> 2];
		s[o++] = alphabet[(in[i] & 3) << 4];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

		s[o++] = alphabet[v >> 10];
		s[o++] = alphabet[(v >> 4) & 63];
		s[o++] = alphabet[(v & 15) << 2];
	}
	s[o] = '\0';
	return s;
}
