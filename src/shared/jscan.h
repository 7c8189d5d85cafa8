/* jscan.h - strict JSON read in place: validate a document, index an object.
 *
 * oa2_jscan_valid checks that len bytes are exactly one JSON value as RFC
 * 8259 writes it: its grammar (no NaN, no "1.", no leading zero, no single
 * quote, no comment), strings of valid UTF-8 with no raw control character
 * and no lone surrogate escape, no more than OA2_JSON_MAX_DEPTH - 1
 * containers nested (json-c's own limit at that depth), white space only
 * around it. In every object, at every depth, two members with the same
 * (decoded) name are refused (json-c keeps the last, a reader of the first
 * would see another document), and so is a name holding \u0000 (json-c
 * cuts the name there: "roles\u0000" would be read as "roles"). json.c
 * runs it on every document before json-c builds a tree, so every JSON
 * reader of the project takes the same documents, and a tree json-c builds
 * has exactly the members scanned here. Up to 64 names of the objects open
 * at once are kept on the stack; an object past that takes a hash table on
 * the heap (OA2_ERR_INTERNAL when out of memory).
 *
 * oa2_jscan_object does the same for a document that must be an object and
 * indexes its members without building anything: for code that reads a few
 * members and hands the text on (a token's claims: the helper checks them
 * and passes the text to the module, which builds the one tree). Getters
 * follow json.h: 0 found with the right type, 1 absent or
 * JSON null, -1 present with another type; a string holding \u0000 is the
 * wrong type. Decoded strings live as long as the oa2_jobj. */
#ifndef OA2_JSCAN_H
#define OA2_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "json.h"

/* Objects with more members are refused (a JWT has a few dozen). */
#define OA2_JSCAN_MAX_MEMBERS 1024

enum oa2_jtype { OA2_J_NULL, OA2_J_BOOL, OA2_J_NUMBER, OA2_J_STRING, OA2_J_ARRAY, OA2_J_OBJECT };

/* A value: its text in the document (a string with its quotes). */
struct oa2_jval {
	const char *p;
	size_t n;
	enum oa2_jtype type;
};

struct oa2_jmember {
	const char *name; /* decoded, not NUL-terminated */
	size_t nlen;
	uint32_t hash; /* of the name: compared before the bytes */
	struct oa2_jval val;
};

struct oa2_jstr; /* a decoded string handed out */

typedef struct oa2_jobj {
	const char *buf; /* borrowed: the document */
	size_t len;
	struct oa2_jmember *m; /* points at inl or at a heap array */
	size_t n, cap;
	uint64_t seen; /* a bit per name hash seen: most names need no search */
	struct oa2_jstr *strs;
	struct oa2_jmember inl[40];
} oa2_jobj;

/* 0 when buf is one strict JSON value, else -1 with err (OA2_ERR_PROTOCOL)
 * naming what and the first fault. */
int oa2_jscan_valid(const char *buf, size_t len, const char *what, oa2_error *err);

/* Validate buf as a strict JSON object and index its members into *o (which
 * borrows buf: keep it alive and unchanged). -1 with err (OA2_ERR_PROTOCOL,
 * or OA2_ERR_INTERNAL when out of memory); *o is then empty. Release with
 * oa2_jobj_clear either way. */
int oa2_jscan_object(oa2_jobj *o, const char *buf, size_t len, const char *what,
		     oa2_error *err);

/* Wipe and free the decoded strings, free the index. An oa2_jobj that was
 * never scanned may be cleared when it was initialised with {0}. */
void oa2_jobj_clear(oa2_jobj *o);

/* True when the object has a member of that name, even JSON null. */
bool oa2_jobj_has(const oa2_jobj *o, const char *name);

/* The member's value (JSON null counts as absent): 0 or 1. */
int oa2_jobj_get(const oa2_jobj *o, const char *name, struct oa2_jval *out);

int oa2_jobj_string(oa2_jobj *o, const char *name, const char **out);
int oa2_jobj_bool(const oa2_jobj *o, const char *name, bool *out);
/* A NumericDate as json.h reads it: an integer, or a number with a fraction
 * taken down to the second; -1 for what int64 cannot hold. */
int oa2_jobj_int64(const oa2_jobj *o, const char *name, int64_t *out);
int oa2_jobj_array(const oa2_jobj *o, const char *name, struct oa2_jval *out);

/* The elements of the array arr in turn: *pos starts at 0; false at the
 * end. */
bool oa2_jval_next(const struct oa2_jval *arr, size_t *pos, struct oa2_jval *elem);

/* Decode the string value v (0), or -1 when v is not a string or holds
 * \u0000 (-2 when out of memory). */
int oa2_jval_string(oa2_jobj *o, const struct oa2_jval *v, const char **out);

#endif
