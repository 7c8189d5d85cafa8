/* fuzz_jscan.c - libFuzzer target: the strict scanner (jscan.h) against
 * json-c, differentially.
 *
 * Input: a JSON document, handed over without a terminating NUL (as the HTTP
 * layer's length says), so ASan sees any read past it.
 *
 * - When oa2_jscan_valid takes the document, json-c's strict tokener (depth
 *   OA2_JSON_MAX_DEPTH, as json.c runs it) must take all of it but white
 *   space. A refusal is a protocol error.
 * - oa2_jscan_object refuses nothing oa2_jscan_valid takes but what only an
 *   index refuses (not an object, too many members): duplicate and \u0000
 *   names are refused by both, at every depth.
 * - When oa2_jscan_object takes it, oa2_jscan_valid and oa2_json_parse take
 *   it too, and json-c's object has exactly the indexed members: the same
 *   count, each name present, each value of the same type; booleans alike,
 *   strings with the same decoded bytes (a string holding \u0000 is refused
 *   by the scanner's getter and holds a NUL in json-c's); arrays element by
 *   element through oa2_jval_next; nested objects through oa2_jscan_object
 *   on their own text, which must take them (only its member cap or running
 *   out of memory may refuse): so at every depth json-c's tree has exactly
 *   the members the scanner saw, under the same decoded names. json-c keeps
 *   the last of two members of one name and cuts a name at \u0000, so a
 *   duplicate or NUL name the scanner let through below the top shows here
 *   as a count or a name that differs.
 * - The scanner's getters answer as json.h's do on json-c's tree
 *   (oa2_json_string, _bool, _array; oa2_json_int64 where json-c holds the
 *   number: an integer beyond +-9e18 is -1 for the scanner only).
 * - A document the scanner takes that is not an object is compared the same
 *   way as the member of {"v":<document>}.
 * Any difference aborts. json-c 0.16 decodes some escaped surrogate pairs
 * wrongly (jsonc_misdecodes): the scanner refuses them, so a string value
 * holding one that the scanner took aborts too. Run with tests/fuzz/run.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/jscan.h"
#include "shared/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void compare_object(oa2_jobj *o, json_object *j);

/* A refusal of oa2_jscan_object that oa2_jscan_valid does not make: the
 * document is not an object, or it has more members than an index holds. */
static bool index_only_refusal(const oa2_error *err)
{
	return strstr(err->msg, "not a JSON object") != NULL ||
	       strstr(err->msg, "too many members") != NULL;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* json-c as json.c runs it: strict, OA2_JSON_MAX_DEPTH, all of the input
 * but white space. 0 with *out (NULL for JSON null) or -1 when it refuses. */
static int jsonc_parse(const char *doc, size_t len, json_object **out)
{
	json_tokener *tok = json_tokener_new_ex(OA2_JSON_MAX_DEPTH);
	json_object *obj;
	bool more = false;
	int rc = 0;

	if (tok == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, doc, (int)len);
	if (obj == NULL && json_tokener_get_error(tok) == json_tokener_continue) {
		/* A bare number ends at the input's end: json-c waits for a
		 * byte that ends it. */
		obj = json_tokener_parse_ex(tok, " ", 1);
		more = true;
	}
	if (json_tokener_get_error(tok) != json_tokener_success)
		rc = -1;
	for (size_t i = json_tokener_get_parse_end(tok); rc == 0 && !more && i < len; i++)
		if (!is_ws(doc[i]))
			rc = -1;
	json_tokener_free(tok);
	if (rc != 0)
		json_object_put(obj);
	*out = rc == 0 ? obj : NULL;
	return rc;
}

static bool same_type(enum oa2_jtype t, json_object *j)
{
	switch (json_object_get_type(j)) {
	case json_type_null:
		return t == OA2_J_NULL;
	case json_type_boolean:
		return t == OA2_J_BOOL;
	case json_type_int:
	case json_type_double:
		return t == OA2_J_NUMBER;
	case json_type_string:
		return t == OA2_J_STRING;
	case json_type_array:
		return t == OA2_J_ARRAY;
	case json_type_object:
		return t == OA2_J_OBJECT;
	}
	return false;
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int h = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* json-c 0.16 decodes an escaped surrogate pair wrongly when the code point
 * it makes has D800-DFFF in its low 16 bits (U+1D800-U+1DFFF, U+2D800-...,
 * from a high half D836, D837, D876, ...): it takes the result for a lone
 * surrogate and writes U+FFFD (json-c pull request 893). The scanner
 * refuses such pairs, so that the module's tree never holds another string
 * than the helper checked. True when the string text p[0..n) holds one. */
static bool jsonc_misdecodes(const char *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		int hi;

		if (p[i] != '\\')
			continue;
		if (p[i + 1] == 'u' && n - i >= 6 && (hi = hex4(p + i + 2)) >= 0) {
			if (hi >= 0xd800 && hi <= 0xdbff && (hi & 0x3e) == 0x36)
				return true;
			i += 5;
		} else {
			i++; /* past the escaped character */
		}
	}
	return false;
}

/* The same for a member name: decoded (so escaped) names only, by the code
 * points they hold. */
static bool jsonc_misdecodes_name(const oa2_jobj *o, const struct oa2_jmember *m)
{
	const unsigned char *p = (const unsigned char *)m->name;

	if (m->name >= o->buf && m->name < o->buf + o->len)
		return false; /* written without escapes */
	for (size_t i = 0; i + 3 < m->nlen; i++) {
		unsigned long cp;

		if (p[i] < 0xf0)
			continue;
		cp = (unsigned long)(p[i] & 7) << 18 | (unsigned long)(p[i + 1] & 0x3f) << 12 |
		     (unsigned long)(p[i + 2] & 0x3f) << 6 | (p[i + 3] & 0x3f);
		if ((cp & 0xf800) == 0xd800)
			return true;
	}
	return false;
}

static void compare_value(oa2_jobj *o, const struct oa2_jval *v, json_object *j)
{
	if (!same_type(v->type, j))
		abort();
	switch (v->type) {
	case OA2_J_BOOL:
		if ((v->p[0] == 't') != json_object_get_boolean(j))
			abort();
		break;
	case OA2_J_STRING: {
		const char *s = NULL;
		size_t jn = (size_t)json_object_get_string_len(j);
		const char *js = json_object_get_string(j);
		int rc = oa2_jval_string(o, v, &s);

		if (jsonc_misdecodes(v->p, v->n))
			abort(); /* the scanner must have refused it */
		if (rc == -1 && memchr(js, '\0', jn) == NULL)
			abort(); /* refused a string json-c holds without NUL */
		if (rc == 0 && (strlen(s) != jn || memcmp(s, js, jn) != 0))
			abort();
		break;
	}
	case OA2_J_ARRAY: {
		struct oa2_jval e;
		size_t pos = 0, i = 0, n = json_object_array_length(j);

		while (oa2_jval_next(v, &pos, &e)) {
			if (i >= n)
				abort();
			compare_value(o, &e, json_object_array_get_idx(j, i++));
		}
		if (i != n)
			abort();
		break;
	}
	case OA2_J_OBJECT: {
		oa2_jobj sub;
		oa2_error err = {0};

		/* A nested object's text is a document of its own, which
		 * the scanner took with the whole. */
		if (oa2_jscan_object(&sub, v->p, v->n, "nested", &err) == 0)
			compare_object(&sub, j);
		else if (err.kind != OA2_ERR_INTERNAL && !index_only_refusal(&err))
			abort();
		oa2_jobj_clear(&sub);
		break;
	}
	case OA2_J_NULL:
	case OA2_J_NUMBER:
		break;
	}
}

/* The getters for name against json.h's on json-c's object j. */
static void compare_getters(oa2_jobj *o, json_object *j, const char *name)
{
	const char *s = NULL, *js = NULL;
	bool b = false, jb = false, misread;
	int64_t i = 0, ji = 0;
	struct oa2_jval v;
	json_object *ja = NULL;
	int rc, jrc;

	misread = oa2_jobj_get(o, name, &v) == 0 && v.type == OA2_J_STRING &&
		  jsonc_misdecodes(v.p, v.n);
	rc = oa2_jobj_string(o, name, &s);
	jrc = oa2_json_string(j, name, &js);
	if (misread || rc != jrc || (rc == 0 && strcmp(s, js) != 0))
		abort();
	rc = oa2_jobj_bool(o, name, &b);
	jrc = oa2_json_bool(j, name, &jb);
	if (rc != jrc || (rc == 0 && b != jb))
		abort();
	rc = oa2_jobj_array(o, name, &v);
	jrc = oa2_json_array(j, name, &ja);
	if (rc != jrc)
		abort();
	rc = oa2_jobj_int64(o, name, &i);
	jrc = oa2_json_int64(j, name, &ji);
	if (rc == -1 && jrc == 0 &&
	    json_object_is_type(json_object_object_get(j, name), json_type_int) &&
	    (ji == INT64_MAX || ji == INT64_MIN)) {
		/* an integer past int64: json-c clamps it, the scanner refuses it */
	} else if (rc != jrc || (rc == 0 && i != ji)) {
		abort();
	}
	if ((oa2_jobj_get(o, name, &v) == 0) != (rc != 1))
		abort();
}

static void compare_object(oa2_jobj *o, json_object *j)
{
	if (!json_object_is_type(j, json_type_object))
		abort();
	/* Names json-c misreads may fall together there, or onto another
	 * name: nothing to compare member by member. */
	for (size_t i = 0; i < o->n; i++)
		if (jsonc_misdecodes_name(o, &o->m[i]))
			return;
	if (o->n != (size_t)json_object_object_length(j))
		abort();
	for (size_t i = 0; i < o->n; i++) {
		char *name = strndup(o->m[i].name, o->m[i].nlen);
		json_object *jv = NULL;

		if (name == NULL)
			return;
		/* Names hold no NUL, so json-c's C-string key is the whole. */
		if (strlen(name) != o->m[i].nlen || !json_object_object_get_ex(j, name, &jv))
			abort();
		compare_value(o, &o->m[i].val, jv);
		compare_getters(o, j, name);
		free(name);
	}
	compare_getters(o, j, "fuzz-absent");
}

/* The index of doc (an object): compared with json-c's and json.c's. */
static void check_object(const char *doc, size_t len, bool valid)
{
	oa2_error err = {0};
	json_object *j, *parsed;
	oa2_jobj o;

	if (oa2_jscan_object(&o, doc, len, "fuzz", &err) != 0) {
		if (err.kind != OA2_ERR_PROTOCOL && err.kind != OA2_ERR_INTERNAL)
			abort();
		if (o.n != 0)
			abort();
		/* what validation takes, the index refuses only as an index */
		if (valid && err.kind == OA2_ERR_PROTOCOL && !index_only_refusal(&err))
			abort();
		oa2_jobj_clear(&o);
		return;
	}
	if (!valid)
		abort(); /* the index took what validation refuses */
	parsed = oa2_json_parse(doc, len, "fuzz", &err);
	if (parsed == NULL || jsonc_parse(doc, len, &j) != 0)
		abort();
	compare_object(&o, j);
	compare_object(&o, parsed);
	json_object_put(parsed);
	json_object_put(j);
	oa2_jobj_clear(&o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	oa2_error err = {0};
	json_object *j;
	char *doc;
	bool valid;

	if (size > INT32_MAX - 16)
		return 0;
	doc = malloc(size ? size : 1);
	if (doc == NULL)
		return 0;
	memcpy(doc, data, size);
	valid = oa2_jscan_valid(doc, size, "fuzz", &err) == 0;
	if (valid) {
		if (jsonc_parse(doc, size, &j) != 0)
			abort(); /* json-c refuses what the scanner takes */
		json_object_put(j);
	} else if (err.kind != OA2_ERR_PROTOCOL) {
		abort();
	}
	check_object(doc, size, valid);
	if (valid) {
		/* Any value as the member of an object, in a buffer of its own. */
		char *wrapped = malloc(size + 6);

		if (wrapped != NULL) {
			memcpy(wrapped, "{\"v\":", 5);
			memcpy(wrapped + 5, data, size);
			wrapped[size + 5] = '}';
			oa2_error_clear(&err);
			check_object(wrapped, size + 6,
				     oa2_jscan_valid(wrapped, size + 6, "fuzz", &err) == 0);
			free(wrapped);
		}
	}
	free(doc);
	return 0;
}
