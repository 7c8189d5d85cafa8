/* jscan.c - strict JSON validation and member index, in place (jscan.h). */
#include "autoconfig.h"

#include <endian.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"

/* Decoded strings are kept in blocks, the first as large as the document
 * (every string of it fits once), so that reading a token's claims costs
 * one allocation. */
struct oa2_jstr {
	struct oa2_jstr *next;
	size_t size, used;
	char s[];
};

/* Member names kept on the stack for all the objects open at once. */
#define NAMES_STACK 64

struct name;

struct scan {
	const unsigned char *p, *end;
	const char *why; /* the first fault */
	bool oom;        /* it was running out of memory */
	/* The names of the objects open, outermost first (NAMES_STACK of
	 * them, in the caller's frame): each object's are on top of its
	 * parent's, taken off when it ends. */
	struct name *names;
	size_t nnames;
};

/* Bytes inside a string: 0 plain ASCII, else what needs a look. */
enum { PLAIN, QUOTE, BSLASH, CTRL, HIGH };
static const unsigned char cls[256] = {
	[0x00 ... 0x1f] = CTRL, ['"'] = QUOTE, ['\\'] = BSLASH, [0x80 ... 0xff] = HIGH,
};

static int fault(struct scan *s, const char *why)
{
	if (s->why == NULL)
		s->why = why;
	return -1;
}

static int out_of_memory(struct scan *s)
{
	s->oom = true;
	return fault(s, "out of memory");
}

static void ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Four hex digits at p (the caller checked there are four bytes). */
static long hex4(const unsigned char *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* A \u escape at p ("\uXXXX", with its pair when it is a high surrogate):
 * its length, or 0 when malformed; *cp gets the code point. */
static size_t uescape(const unsigned char *p, const unsigned char *end, long *cp)
{
	long hi, lo;

	if (end - p < 6 || (hi = hex4(p + 2)) < 0)
		return 0;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return 0; /* a low surrogate alone */
	if (hi < 0xd800 || hi > 0xdbff) {
		*cp = hi;
		return 6;
	}
	if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || (lo = hex4(p + 8)) < 0xdc00 ||
	    lo > 0xdfff)
		return 0;
	*cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	/* json-c 0.16 decodes a pair whose code point ends in D800-DFFF
	 * (U+1D800-U+1DFFF, U+2D800-...) as U+FFFD: the module's tree would
	 * hold another string than the one checked here. Refused; the same
	 * characters written as UTF-8 pass. */
	if ((*cp & 0xffff) >= 0xd800 && (*cp & 0xffff) <= 0xdfff)
		return 0;
	return 12;
}

/* One UTF-8 sequence at p, led by a byte >= 0x80 (RFC 3629: no overlong
 * form, no surrogate, nothing above U+10FFFF): its length, or 0. */
static size_t utf8(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* Past the plain ASCII bytes at p (no quote, backslash, control character
 * or byte >= 0x80): eight at a time while eight are left, then one by one.
 * Most of a token's bytes are inside strings. */
static const unsigned char *plain(const unsigned char *p, const unsigned char *end)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;

	while (end - p >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		if ((w & highs) != 0)
			break;
		/* Every byte is below 0x80: a byte below 0x20, or equal to '"' or
		 * '\\' after the xor, is the only way a high bit appears (a
		 * borrow only spreads up from such a byte). */
		if ((((w - ones * 0x20) | ((w ^ ones * '"') - ones) | ((w ^ ones * '\\') - ones)) &
		     highs) != 0)
			break;
		p += 8;
	}
	while (p < end && cls[*p] == PLAIN)
		p++;
	return p;
}

/* A string at s->p (its opening quote). *escaped: it holds an escape;
 * *nul: it holds \u0000. */
static int string(struct scan *s, bool *escaped, bool *nul)
{
	const unsigned char *p = s->p + 1, *end = s->end;
	size_t n;
	long cp;

	for (;;) {
		p = plain(p, end);
		if (p >= end)
			return fault(s, "unterminated string");
		switch (cls[*p]) {
		case QUOTE:
			s->p = p + 1;
			return 0;
		case CTRL:
			return fault(s, "control character in a string");
		case BSLASH:
			*escaped = true;
			if (p + 1 < end && p[1] != 'u' && memchr("\"\\/bfnrt", p[1], 8) != NULL) {
				p += 2;
				break;
			}
			if (p + 1 >= end || p[1] != 'u' || (n = uescape(p, end, &cp)) == 0)
				return fault(s, "bad escape in a string");
			if (cp == 0)
				*nul = true;
			p += n;
			break;
		default:
			if ((n = utf8(p, end)) == 0)
				return fault(s, "a string is not UTF-8");
			p += n;
			break;
		}
	}
}

static bool digit(const struct scan *s, const unsigned char *p)
{
	return p < s->end && *p >= '0' && *p <= '9';
}

static int number(struct scan *s)
{
	const unsigned char *p = s->p;

	if (*p == '-')
		p++;
	if (!digit(s, p))
		return fault(s, "bad number");
	if (*p == '0')
		p++;
	else
		while (digit(s, p))
			p++;
	if (p < s->end && *p == '.') {
		if (!digit(s, ++p))
			return fault(s, "bad number");
		while (digit(s, p))
			p++;
	}
	if (p < s->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < s->end && (*p == '+' || *p == '-'))
			p++;
		if (!digit(s, p))
			return fault(s, "bad number");
		while (digit(s, p))
			p++;
	}
	s->p = p;
	return 0;
}

static int literal(struct scan *s, const char *word, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return fault(s, "unexpected character");
	s->p += n;
	return 0;
}


static int value(struct scan *s, int depth, oa2_jobj *index, struct oa2_jval *out);

/* Past an opening bracket: true, past close too, when the container is
 * empty. */
static bool empty(struct scan *s, unsigned char close)
{
	s->p++;
	ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return true;
	}
	return false;
}

/* After an item of an array (close ']') or an object (close '}'): 1 when
 * the container ends here (past close), 0 when another item follows (past
 * the comma), -1 on a fault. */
static int item_end(struct scan *s, unsigned char close)
{
	ws(s);
	if (s->p >= s->end)
		return fault(s, close == ']' ? "unterminated array" : "unterminated object");
	if (*s->p == close) {
		s->p++;
		return 1;
	}
	if (*s->p != ',')
		return fault(s, close == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
	s->p++;
	ws(s);
	return 0;
}

static int array(struct scan *s, int depth)
{
	int rc = 0;

	if (empty(s, ']'))
		return 0;
	while (rc == 0) {
		if (value(s, depth, NULL, NULL) != 0)
			return -1;
		rc = item_end(s, ']');
	}
	return rc < 0 ? -1 : 0;
}

/* Room for need bytes in a block of o; NULL when out of memory. */
static char *keep(oa2_jobj *o, size_t need)
{
	struct oa2_jstr *k = o->strs;

	if (k == NULL || k->size - k->used < need) {
		size_t size = need > o->len + 1 ? need : o->len + 1;

		k = malloc(sizeof(*k) + size);
		if (k == NULL)
			return NULL;
		k->next = o->strs;
		k->size = size;
		k->used = 0;
		o->strs = k;
	}
	return k->s + k->used;
}

static void put_utf8(char *out, size_t *n, long cp)
{
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | (cp >> 6));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xe0 | (cp >> 12));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | (cp >> 18));
		out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

/* The code point of the validated escape at p; *n gets its length. */
static long unescape(const unsigned char *p, const unsigned char *end, size_t *n)
{
	long cp = p[1];

	*n = 2;
	switch (p[1]) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'u': *n = uescape(p, end, &cp); return cp;
	default: return cp;
	}
}

/* Decode the validated string text p[0..n) (with quotes) into a kept copy
 * (*len its length, without the NUL added); NULL when out of memory. Never
 * longer than its text. */
static const char *decode(oa2_jobj *o, const char *text, size_t n, size_t *len)
{
	const unsigned char *p = (const unsigned char *)text + 1, *end = p + n - 2;
	char *out = keep(o, n - 1);
	size_t k = 0, esc;

	if (out == NULL)
		return NULL;
	while (p < end) {
		if (*p != '\\') {
			/* the run up to the next escape, at once */
			const unsigned char *bs = memchr(p, '\\', (size_t)(end - p));
			size_t run = (size_t)((bs != NULL ? bs : end) - p);

			memcpy(out + k, p, run);
			k += run;
			p += run;
			continue;
		}
		put_utf8(out, &k, unescape(p, end, &esc));
		p += esc;
	}
	out[k] = '\0';
	o->strs->used += k + 1;
	*len = k;
	return out;
}

/* A member name's length and first, second and last bytes: enough to tell
 * most names apart without reading them whole. */
static uint32_t name_hash(const char *name, size_t n)
{
	const unsigned char *u = (const unsigned char *)name;

	if (n == 0)
		return 0;
	return (uint32_t)(n & 0xff) | (uint32_t)u[0] << 8 | (uint32_t)u[n > 1] << 16 |
	       (uint32_t)u[n - 1] << 24;
}

static bool same_name(const struct oa2_jmember *m, const char *name, size_t n, uint32_t hash)
{
	return m->hash == hash && m->nlen == n && memcmp(m->name, name, n) == 0;
}

/* Index one member; its name is the string text name[0..nlen), quotes
 * included. */
static int add_member(struct scan *s, oa2_jobj *o, const unsigned char *name, size_t nlen,
		      bool escaped, const struct oa2_jval *val)
{
	struct oa2_jmember m = {(const char *)name + 1, nlen - 2, 0, *val};
	uint64_t bit;

	if (escaped) {
		m.name = decode(o, (const char *)name, nlen, &m.nlen);
		if (m.name == NULL)
			return out_of_memory(s);
	}
	m.hash = name_hash(m.name, m.nlen);
	bit = (uint64_t)1 << ((m.hash ^ m.hash >> 7 ^ m.hash >> 17) & 63);
	for (size_t i = 0; (o->seen & bit) != 0 && i < o->n; i++)
		if (same_name(&o->m[i], m.name, m.nlen, m.hash))
			return fault(s, "two members of the same name");
	o->seen |= bit;
	/* The count, not the capacity: that doubles past the cap (40 to 1280). */
	if (o->n >= OA2_JSCAN_MAX_MEMBERS)
		return fault(s, "too many members");
	if (o->n == o->cap) {
		struct oa2_jmember *grown = malloc(2 * o->cap * sizeof(*grown));

		if (grown == NULL)
			return out_of_memory(s);
		memcpy(grown, o->m, o->n * sizeof(*grown));
		if (o->m != o->inl)
			free(o->m);
		o->m = grown;
		o->cap *= 2;
	}
	o->m[o->n++] = m;
	return 0;
}

/* The bytes of a validated member name's text p[0..n) (quotes excluded)
 * as decoded, one at a time, without keeping them. */
struct decoder {
	const unsigned char *p, *end;
	unsigned char utf8[4];
	size_t held, next; /* bytes of utf8 decoded, handed out */
};

static int decoded_byte(struct decoder *d)
{
	size_t n;
	long cp;

	if (d->next < d->held)
		return d->utf8[d->next++];
	if (d->p >= d->end)
		return -1;
	if (*d->p != '\\')
		return *d->p++;
	cp = unescape(d->p, d->end, &n);
	d->p += n;
	d->held = 0;
	put_utf8((char *)d->utf8, &d->held, cp);
	d->next = 1;
	return d->utf8[0];
}

/* One name of an object: its text in the document, quotes excluded, and a
 * hash of its decoded bytes (FNV-1a). */
struct name {
	const unsigned char *p;
	uint32_t n, hash;
};

/* The names of one object so far: on the scan's stack of names while it has
 * room (every object of a token or a discovery document: no allocation, a
 * search only when the name's bit in seen is set), else in an
 * open-addressing table on the heap (a large object costs no quadratic
 * search). */
struct names {
	size_t base, n;  /* at s->names[base..base + n) while cap is 0 */
	uint64_t seen;   /* a bit per hash */
	size_t cap;      /* slots of tab */
	struct name *tab;
};

/* One step of the names' hash: a word of eight decoded bytes (little end
 * first, zero past the name's end). */
static uint64_t hash_word(uint64_t h, uint64_t w)
{
	return (h ^ w) * 0x9e3779b97f4a7c15u;
}

/* A hash of the decoded name, eight bytes a step: the text itself when it
 * has no escape, else its bytes as decoded. Equal names hash alike. */
static uint32_t name_hash_text(const unsigned char *p, size_t n, bool escaped,
			       const unsigned char *end)
{
	uint64_t h = 0, w = 0;
	size_t k = 0; /* bytes in w */

	if (!escaped) {
		for (; n >= 8; p += 8, n -= 8) {
			memcpy(&w, p, 8);
			h = hash_word(h, le64toh(w));
		}
		k = n;
		if (k != 0 && end - p >= 8) {
			/* the last bytes and what follows them, cut off */
			memcpy(&w, p, 8);
			w = le64toh(w) & ((uint64_t)-1 >> (64 - 8 * k));
		} else {
			for (w = 0, n = 0; n < k; n++)
				w |= (uint64_t)p[n] << (8 * n);
		}
	} else {
		struct decoder d = {p, p + n, {0}, 0, 0};
		int c;

		while ((c = decoded_byte(&d)) >= 0) {
			w |= (uint64_t)c << (8 * k);
			if (++k == 8) {
				h = hash_word(h, w);
				w = 0;
				k = 0;
			}
		}
	}
	if (k != 0)
		h = hash_word(h, w);
	h = hash_word(h, 0x80); /* the end: "a" and "a\0..." differ by length anyway */
	return (uint32_t)(h >> 32);
}

/* The same decoded name? Both texts are validated; compared as decoded. */
static bool same_text(const struct name *a, const struct name *b)
{
	struct decoder da = {a->p, a->p + a->n, {0}, 0, 0}, db = {b->p, b->p + b->n, {0}, 0, 0};
	int ca, cb;

	if (a->hash != b->hash)
		return false;
	if (a->n == b->n && memcmp(a->p, b->p, a->n) == 0)
		return true;
	do {
		ca = decoded_byte(&da);
		cb = decoded_byte(&db);
	} while (ca == cb && ca >= 0);
	return ca == cb;
}

/* Put nm into the table tab of cap slots (a power of two): false when an
 * equal name is there. */
static bool table_put(struct name *tab, size_t cap, const struct name *nm)
{
	size_t i = nm->hash & (cap - 1);

	for (; tab[i].p != NULL; i = (i + 1) & (cap - 1))
		if (same_text(&tab[i], nm))
			return false;
	tab[i] = *nm;
	return true;
}

/* The table grown to cap slots, the names so far moved in (from the stack
 * of names the first time). */
static int table_grow(struct scan *s, struct names *ns, size_t cap)
{
	struct name *tab = calloc(cap, sizeof(*tab));
	const struct name *from = ns->cap != 0 ? ns->tab : s->names + ns->base;
	size_t slots = ns->cap != 0 ? ns->cap : ns->n;

	if (tab == NULL)
		return out_of_memory(s);
	for (size_t i = 0; i < slots; i++)
		if (from[i].p != NULL)
			(void)table_put(tab, cap, &from[i]);
	free(ns->tab);
	if (ns->cap == 0)
		s->nnames = ns->base; /* off the stack */
	ns->tab = tab;
	ns->cap = cap;
	return 0;
}

/* A member name (its text with quotes at p[0..n)) of an object whose names
 * so far are ns: refused when it was seen before. */
static int name_once(struct scan *s, struct names *ns, const unsigned char *p, size_t n,
		     bool escaped)
{
	struct name nm = {p + 1, (uint32_t)(n - 2), 0};

	if (n - 2 > UINT32_MAX)
		return fault(s, "a member name is too long");
	nm.hash = name_hash_text(nm.p, nm.n, escaped, s->end);
	if (ns->cap == 0) {
		uint64_t bit = (uint64_t)1 << (nm.hash >> 26);
		const struct name *seen = s->names + ns->base;

		for (size_t i = 0; (ns->seen & bit) != 0 && i < ns->n; i++)
			if (seen[i].hash == nm.hash && same_text(&seen[i], &nm))
				return fault(s, "two members of the same name");
		ns->seen |= bit;
		if (s->nnames < NAMES_STACK) {
			s->names[s->nnames++] = nm;
			ns->n++;
			return 0;
		}
	}
	/* at most half full: probes stay short */
	if (2 * (ns->n + 1) > ns->cap &&
	    table_grow(s, ns, ns->cap != 0 ? 2 * ns->cap : 2 * NAMES_STACK) != 0)
		return -1;
	if (!table_put(ns->tab, ns->cap, &nm))
		return fault(s, "two members of the same name");
	ns->n++;
	return 0;
}

/* An object; with index, its members are indexed (the top level of
 * oa2_jscan_object, where the index refuses what name_once does). */
static int object(struct scan *s, int depth, oa2_jobj *index)
{
	struct names ns;
	int rc = 0;

	if (empty(s, '}'))
		return 0;
	ns.base = s->nnames;
	ns.n = ns.cap = 0;
	ns.seen = 0;
	ns.tab = NULL;
	while (rc == 0) {
		const unsigned char *name = s->p;
		bool escaped = false, nul = false;
		struct oa2_jval val;
		size_t nlen;

		rc = -1;
		if (s->p >= s->end || *s->p != '"') {
			fault(s, "expected a member name");
			break;
		}
		if (string(s, &escaped, &nul) != 0)
			break;
		nlen = (size_t)(s->p - name);
		/* json-c would cut the name at its NUL */
		if (nul) {
			fault(s, "a member name holds U+0000");
			break;
		}
		if (index == NULL && name_once(s, &ns, name, nlen, escaped) != 0)
			break;
		ws(s);
		if (s->p >= s->end || *s->p != ':') {
			fault(s, "expected ':'");
			break;
		}
		s->p++;
		ws(s);
		if (value(s, depth, NULL, &val) != 0)
			break;
		if (index != NULL && add_member(s, index, name, nlen, escaped, &val) != 0)
			break;
		rc = item_end(s, '}');
	}
	if (ns.cap == 0)
		s->nnames = ns.base;
	free(ns.tab);
	return rc < 0 ? -1 : 0;
}

static int value(struct scan *s, int depth, oa2_jobj *index, struct oa2_jval *out)
{
	const unsigned char *start = s->p;
	enum oa2_jtype type;
	bool escaped = false, nul = false;
	int rc;

	if (s->p >= s->end)
		return fault(s, "value expected");
	switch (*s->p) {
	case '{':
	case '[':
		if (depth + 1 >= OA2_JSON_MAX_DEPTH)
			return fault(s, "nested too deep");
		type = *s->p == '{' ? OA2_J_OBJECT : OA2_J_ARRAY;
		rc = type == OA2_J_OBJECT ? object(s, depth + 1, index) : array(s, depth + 1);
		break;
	case '"':
		type = OA2_J_STRING;
		rc = string(s, &escaped, &nul);
		break;
	case 't':
		type = OA2_J_BOOL;
		rc = literal(s, "true", 4);
		break;
	case 'f':
		type = OA2_J_BOOL;
		rc = literal(s, "false", 5);
		break;
	case 'n':
		type = OA2_J_NULL;
		rc = literal(s, "null", 4);
		break;
	default:
		if (*s->p != '-' && (*s->p < '0' || *s->p > '9'))
			return fault(s, "unexpected character");
		type = OA2_J_NUMBER;
		rc = number(s);
		break;
	}
	if (rc == 0 && out != NULL) {
		out->p = (const char *)start;
		out->n = (size_t)(s->p - start);
		out->type = type;
	}
	return rc;
}

static int scan(const char *buf, size_t len, oa2_jobj *index, const char *what, oa2_error *err)
{
	struct name names[NAMES_STACK];
	struct scan s = {(const unsigned char *)buf, (const unsigned char *)buf + len, NULL, false,
			 names, 0};
	int rc;

	if (buf == NULL || len == 0)
		return oa2_fail(err, OA2_ERR_PROTOCOL, "%s: empty document", what);
	ws(&s);
	if (index != NULL && (s.p >= s.end || *s.p != '{'))
		return oa2_fail(err, OA2_ERR_PROTOCOL, "%s: not a JSON object", what);
	rc = value(&s, 0, index, NULL);
	if (rc == 0) {
		ws(&s);
		if (s.p != s.end)
			rc = fault(&s, "trailing data after JSON");
	}
	if (rc != 0)
		return oa2_fail(err, s.oom ? OA2_ERR_INTERNAL : OA2_ERR_PROTOCOL,
				"%s: invalid JSON (%s at byte %zu)", what, s.why,
				(size_t)(s.p - (const unsigned char *)buf));
	return 0;
}

int oa2_jscan_valid(const char *buf, size_t len, const char *what, oa2_error *err)
{
	return scan(buf, len, NULL, what, err);
}

int oa2_jscan_object(oa2_jobj *o, const char *buf, size_t len, const char *what,
		     oa2_error *err)
{
	memset(o, 0, offsetof(oa2_jobj, inl));
	oa2_jobj_clear(o); /* the empty index */
	o->buf = buf;
	o->len = len;
	if (scan(buf, len, o, what, err) != 0) {
		oa2_jobj_clear(o);
		return -1;
	}
	return 0;
}

void oa2_jobj_clear(oa2_jobj *o)
{
	if (o == NULL)
		return;
	while (o->strs != NULL) {
		struct oa2_jstr *next = o->strs->next;

		explicit_bzero(o->strs->s, o->strs->used);
		free(o->strs);
		o->strs = next;
	}
	if (o->m != o->inl)
		free(o->m); /* NULL in an oa2_jobj never scanned: = {0} */
	o->m = o->inl;
	o->n = 0;
	o->seen = 0;
	o->cap = sizeof(o->inl) / sizeof(o->inl[0]);
}

static const struct oa2_jmember *member(const oa2_jobj *o, const char *name)
{
	size_t n = strlen(name);
	uint32_t hash = name_hash(name, n);

	for (size_t i = 0; i < o->n; i++)
		if (same_name(&o->m[i], name, n, hash))
			return &o->m[i];
	return NULL;
}

bool oa2_jobj_has(const oa2_jobj *o, const char *name)
{
	return member(o, name) != NULL;
}

int oa2_jobj_get(const oa2_jobj *o, const char *name, struct oa2_jval *out)
{
	const struct oa2_jmember *m = member(o, name);

	if (m == NULL || m->val.type == OA2_J_NULL)
		return 1;
	*out = m->val;
	return 0;
}

int oa2_jval_string(oa2_jobj *o, const struct oa2_jval *v, const char **out)
{
	const char *d;
	size_t len = 0;

	if (v->type != OA2_J_STRING)
		return -1;
	d = decode(o, v->p, v->n, &len);
	if (d == NULL)
		return -2;
	if (memchr(d, '\0', len) != NULL)
		return -1;
	*out = d;
	return 0;
}

int oa2_jobj_string(oa2_jobj *o, const char *name, const char **out)
{
	struct oa2_jval v;
	int rc;

	if (oa2_jobj_get(o, name, &v) != 0)
		return 1;
	rc = oa2_jval_string(o, &v, out);
	return rc == 0 ? 0 : -1;
}

int oa2_jobj_bool(const oa2_jobj *o, const char *name, bool *out)
{
	struct oa2_jval v;

	if (oa2_jobj_get(o, name, &v) != 0)
		return 1;
	if (v.type != OA2_J_BOOL)
		return -1;
	*out = v.p[0] == 't';
	return 0;
}

int oa2_jobj_int64(const oa2_jobj *o, const char *name, int64_t *out)
{
	struct oa2_jval v;
	char buf[64], *text = buf;
	size_t i = 0, digits;
	int64_t x = 0; /* the value negated */
	locale_t c;
	double d = NAN;

	if (oa2_jobj_get(o, name, &v) != 0)
		return 1;
	if (v.type != OA2_J_NUMBER)
		return -1;
	if (v.p[0] == '-')
		i++;
	digits = strspn(v.p + i, "0123456789");
	if (i + digits == v.n) {
		/* an integer: exact, counted towards the sign's end of the
		 * range so that INT64_MIN fits; past the range is refused */
		for (; i < v.n; i++) {
			int dig = v.p[i] - '0';

			if (x < (INT64_MIN + dig) / 10)
				return -1;
			x = x * 10 - dig;
		}
		if (v.p[0] != '-' && x == INT64_MIN)
			return -1;
		*out = v.p[0] == '-' ? x : -x;
		return 0;
	}
	/* A fraction or an exponent: strtod, in the C locale whatever the
	 * process's is. Long text is still a number ("1.000...0001"). */
	if (v.n >= sizeof(buf) && (text = malloc(v.n + 1)) == NULL)
		return -1;
	memcpy(text, v.p, v.n);
	text[v.n] = '\0';
	c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (c != (locale_t)0) {
		d = strtod_l(text, NULL, c);
		freelocale(c);
	}
	if (text != buf)
		free(text);
	if (!isfinite(d) || d < -9.0e18 || d > 9.0e18)
		return -1;
	*out = (int64_t)floor(d);
	return 0;
}

int oa2_jobj_array(const oa2_jobj *o, const char *name, struct oa2_jval *out)
{
	if (oa2_jobj_get(o, name, out) != 0)
		return 1;
	return out->type == OA2_J_ARRAY ? 0 : -1;
}

bool oa2_jval_next(const struct oa2_jval *arr, size_t *pos, struct oa2_jval *elem)
{
	struct name names[NAMES_STACK];
	struct scan s = {(const unsigned char *)arr->p, (const unsigned char *)arr->p + arr->n,
			 NULL, false, names, 0};

	if (arr->type != OA2_J_ARRAY || *pos >= arr->n)
		return false;
	s.p += *pos == 0 ? 1 : *pos; /* past '[' or the last element */
	ws(&s);
	if (*s.p == ',') {
		s.p++;
		ws(&s);
	}
	if (*s.p == ']' || value(&s, 0, NULL, elem) != 0) {
		*pos = arr->n;
		return false;
	}
	*pos = (size_t)(s.p - (const unsigned char *)arr->p);
	return true;
}
