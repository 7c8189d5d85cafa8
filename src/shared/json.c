/* json.c - strict parsing and typed getters over json-c. */
#include "autoconfig.h"

#include <math.h>
#include <string.h>

#include "jscan.h"
#include "json.h"

json_object *oa2_json_parse(const char *buf, size_t len, const char *what, oa2_error *err)
{
	json_tokener *tok = NULL;
	json_object *obj = NULL;
	enum json_tokener_error jerr;

	if (buf == NULL || len == 0) {
		oa2_fail(err, OA2_ERR_PROTOCOL, "%s: empty document", what);
		goto out;
	}
	if (len > INT32_MAX) {
		oa2_fail(err, OA2_ERR_PROTOCOL, "%s: document too large", what);
		goto out;
	}
	/* json-c's strict mode still takes things RFC 8259 does not (NaN,
	 * "1.", raw control characters, invalid UTF-8, lone surrogates):
	 * only what the strict scanner takes reaches it. */
	if (oa2_jscan_valid(buf, len, what, err) != 0)
		goto out;
	tok = json_tokener_new_ex(OA2_JSON_MAX_DEPTH);
	if (tok == NULL) {
		oa2_fail(err, OA2_ERR_INTERNAL, "%s: out of memory", what);
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (obj == NULL || jerr != json_tokener_success) {
		oa2_fail(err, OA2_ERR_PROTOCOL, "%s: invalid JSON (%s)", what,
			 jerr == json_tokener_continue ? "truncated" : json_tokener_error_desc(jerr));
		goto fail;
	}
	/* Only trailing white space may follow the value (strchr alone would
	 * also match a NUL byte, its terminator). */
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
		if (buf[i] == '\0' || strchr(" \t\r\n", buf[i]) == NULL) {
			oa2_fail(err, OA2_ERR_PROTOCOL, "%s: trailing data after JSON", what);
			goto fail;
		}
	}
	if (!json_object_is_type(obj, json_type_object)) {
		oa2_fail(err, OA2_ERR_PROTOCOL, "%s: not a JSON object", what);
		goto fail;
	}
	goto out;
fail:
	oa2_json_put_wiped(obj); /* a refused document may still hold a token */
	obj = NULL;
out:
	if (tok != NULL) {
		/* The tokener's work buffer keeps the last string it read (a
		 * token, a code): wipe it before json-c frees it. */
		if (tok->pb != NULL && tok->pb->buf != NULL && tok->pb->size > 0)
			explicit_bzero(tok->pb->buf, (size_t)tok->pb->size);
		json_tokener_free(tok);
	}
	return obj;
}

static void wipe_strings(json_object *obj, int depth)
{
	if (obj == NULL || depth > OA2_JSON_MAX_DEPTH)
		return;
	switch (json_object_get_type(obj)) {
	case json_type_string:
		/* json-c hands out its own buffer; the cast is deliberate. */
		explicit_bzero((char *)json_object_get_string(obj),
			       (size_t)json_object_get_string_len(obj));
		break;
	case json_type_object: {
		json_object_object_foreach(obj, key, val) {
			(void)key;
			wipe_strings(val, depth + 1);
		}
		break;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(obj); i++)
			wipe_strings(json_object_array_get_idx(obj, i), depth + 1);
		break;
	default:
		break;
	}
}

void oa2_json_wipe_member(json_object *obj, const char *key)
{
	json_object *val = NULL;

	if (obj != NULL && json_object_is_type(obj, json_type_object) &&
	    json_object_object_get_ex(obj, key, &val) &&
	    json_object_is_type(val, json_type_string))
		wipe_strings(val, 0);
}

void oa2_json_put_wiped(json_object *obj)
{
	wipe_strings(obj, 0);
	json_object_put(obj);
}

static json_object *lookup(const json_object *obj, const char *key)
{
	json_object *val = NULL;

	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(obj, key, &val))
		return NULL;
	if (json_object_is_type(val, json_type_null))
		return NULL;
	return val;
}

bool oa2_json_is_clean_string(const json_object *val)
{
	const char *s;

	if (!json_object_is_type(val, json_type_string))
		return false;
	s = json_object_get_string((json_object *)val);
	return strlen(s) == (size_t)json_object_get_string_len(val);
}

const char *oa2_json_type_name(const json_object *val)
{
	switch (json_object_get_type(val)) {
	case json_type_boolean: return "a boolean";
	case json_type_double:
	case json_type_int: return "a number";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	default: return "null";
	}
}

int oa2_json_string(const json_object *obj, const char *key, const char **out)
{
	json_object *val = lookup(obj, key);

	if (val == NULL)
		return 1;
	if (!oa2_json_is_clean_string(val))
		return -1;
	*out = json_object_get_string(val);
	return 0;
}

int oa2_json_int64(const json_object *obj, const char *key, int64_t *out)
{
	json_object *val = lookup(obj, key);

	if (val == NULL)
		return 1;
	if (json_object_is_type(val, json_type_int)) {
		*out = json_object_get_int64(val);
		return 0;
	}
	if (json_object_is_type(val, json_type_double)) {
		double d = json_object_get_double(val);
		/* NumericDate may carry a fraction; refuse what int64 cannot hold. */
		if (!isfinite(d) || d < -9.0e18 || d > 9.0e18)
			return -1;
		*out = (int64_t)floor(d);
		return 0;
	}
	return -1;
}

int oa2_json_seconds(const json_object *obj, const char *key, int64_t *out)
{
	json_object *val = lookup(obj, key);
	const char *s;
	size_t n;

	if (val == NULL || !json_object_is_type(val, json_type_string))
		return oa2_json_int64(obj, key, out);
	if (!oa2_json_is_clean_string(val))
		return -1;
	s = json_object_get_string(val);
	n = strlen(s);
	if (n == 0 || n > 9 || strspn(s, "0123456789") != n)
		return -1;
	*out = 0;
	for (size_t i = 0; i < n; i++)
		*out = *out * 10 + (s[i] - '0');
	return 0;
}

int oa2_json_bool(const json_object *obj, const char *key, bool *out)
{
	json_object *val = lookup(obj, key);

	if (val == NULL)
		return 1;
	if (!json_object_is_type(val, json_type_boolean))
		return -1;
	*out = json_object_get_boolean(val);
	return 0;
}

int oa2_json_object(const json_object *obj, const char *key, json_object **out)
{
	json_object *val = lookup(obj, key);

	if (val == NULL)
		return 1;
	if (!json_object_is_type(val, json_type_object))
		return -1;
	*out = val;
	return 0;
}

int oa2_json_array(const json_object *obj, const char *key, json_object **out)
{
	json_object *val = lookup(obj, key);

	if (val == NULL)
		return 1;
	if (!json_object_is_type(val, json_type_array))
		return -1;
	*out = val;
	return 0;
}

json_object *oa2_json_path(const json_object *obj, const char *path)
{
	char seg[256];
	const char *p = path;
	json_object *cur = (json_object *)obj;
	json_object *whole;

	if (obj == NULL || path == NULL || *path == '\0')
		return NULL;
	whole = lookup(obj, path);
	if (whole != NULL)
		return whole;
	while (cur != NULL) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		if (n == 0 || n >= sizeof(seg))
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		cur = lookup(cur, seg);
		if (dot == NULL)
			return cur;
		p = dot + 1;
	}
	return NULL;
}
