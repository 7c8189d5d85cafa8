/* b64url.c - strict base64url encoding and decoding for JOSE. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>

#include "b64url.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The 6-bit value of each byte, or 0xff when the byte is not in the
 * URL-safe alphabet (this covers '=', '+', '/', white space and NUL). */
#define X 0xff
static const unsigned char sextets[256] = {
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  /* 0x00 */
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  /* 0x10 */
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  62, X,  X,  /* 0x20 '-' */
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X,  X,  X,  X,  X,  X,  /* 0x30 0-9 */
	X,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, /* 0x40 A-O */
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X,  X,  X,  X,  63, /* 0x50 P-Z '_' */
	X,  26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, /* 0x60 a-o */
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X,  X,  X,  X,  X,  /* 0x70 p-z */
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  /* 0x80 ... */
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
	X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  /* ... 0xff */
};
#undef X

/* The 24 bits of n (2 or 3) characters, left-aligned; > 0xffffff when one
 * character is outside the alphabet. */
static uint32_t quantum(const unsigned char *in, size_t n)
{
	uint32_t v = 0, bad = 0;

	for (size_t i = 0; i < 4; i++) {
		uint32_t s = i < n ? sextets[in[i]] : 0;

		bad |= s & 0xc0;
		v = v << 6 | (s & 0x3f);
	}
	return bad ? UINT32_MAX : v;
}

int oa2_b64url_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)in;
	unsigned char *buf = NULL;
	size_t full = inlen / 4, rest = inlen % 4, n = 0;
	uint32_t v, bad = 0;
	int rc = -1;

	*out = NULL;
	*outlen = 0;
	if (in == NULL && inlen != 0)
		goto out;
	/* One leftover character carries only 6 bits: never a whole byte. */
	if (rest == 1 || inlen > SIZE_MAX / 3)
		goto out;
	buf = malloc(full * 3 + 3);
	if (buf == NULL)
		goto out;
	/* Without a branch per quantum: the bytes of a bad character are
	 * garbage, and the whole input is refused after the loop. */
	for (size_t i = 0; i < full; i++, p += 4) {
		uint32_t a = sextets[p[0]], b = sextets[p[1]], c = sextets[p[2]], d = sextets[p[3]];

		bad |= a | b | c | d;
		buf[n] = (unsigned char)(a << 2 | b >> 4);
		buf[n + 1] = (unsigned char)(b << 4 | c >> 2);
		buf[n + 2] = (unsigned char)(c << 6 | d);
		n += 3;
	}
	if (bad & 0xc0)
		goto out;
	if (rest != 0) {
		v = quantum(p, rest);
		/* Left-over bits must be zero, or two spellings would decode alike. */
		if (v > 0xffffff || (v & (rest == 2 ? 0xffff : 0xff)) != 0)
			goto out;
		buf[n++] = (unsigned char)(v >> 16);
		if (rest == 3)
			buf[n++] = (unsigned char)(v >> 8);
	}
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
