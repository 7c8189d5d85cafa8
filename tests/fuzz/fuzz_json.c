/* fuzz_json.c - libFuzzer target: oa2_json_parse, every typed getter, and
 * oa2_json_path.
 *
 * Input: "<path>\n<JSON>". The first line is a dotted path for
 * oa2_json_path (and a key for the getters); the rest is the document. Input
 * without a newline is all document, with the path "sub". The getters also
 * run on every member of the top-level object and of the object the path
 * reaches, by name. The document is handed over without a terminating NUL,
 * as the HTTP layer's length says, so ASan sees any read past it.
 * Run with tests/fuzz/run.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void getters(const json_object *obj, const char *key)
{
	const char *s = NULL;
	int64_t i = 0;
	bool b = false;
	json_object *o = NULL, *a = NULL, *raw = NULL;

	/* A string the getter hands out is the whole, NUL-free member. */
	if (oa2_json_string(obj, key, &s) == 0 &&
	    (!json_object_object_get_ex(obj, key, &raw) || !oa2_json_is_clean_string(raw) ||
	     strlen(s) != (size_t)json_object_get_string_len(raw)))
		abort();
	(void)oa2_json_int64(obj, key, &i);
	(void)oa2_json_bool(obj, key, &b);
	if (oa2_json_object(obj, key, &o) == 0 && !json_object_is_type(o, json_type_object))
		abort();
	if (oa2_json_array(obj, key, &a) == 0 && !json_object_is_type(a, json_type_array))
		abort();
}

static void members(const json_object *obj)
{
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return;
	json_object_object_foreach((json_object *)obj, key, val) {
		(void)val;
		getters(obj, key);
		(void)oa2_json_path(obj, key);
	}
}

/* An accepted document is one object and white space: nothing else may
 * follow the closing brace (a NUL byte included). */
static bool ends_with_object(const char *doc, size_t len)
{
	while (len > 0 && strchr(" \t\r\n", doc[len - 1]) != NULL && doc[len - 1] != '\0')
		len--;
	return len > 0 && doc[len - 1] == '}';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	const uint8_t *body = nl ? nl + 1 : data;
	size_t plen = nl ? (size_t)(nl - data) : 0;
	size_t dlen = size - (size_t)(body - data);
	char *path = NULL, *doc = NULL;
	json_object *obj, *at;
	oa2_error err = {0};

	path = nl ? strndup((const char *)data, plen) : strdup("sub");
	doc = malloc(dlen ? dlen : 1);
	if (path == NULL || doc == NULL)
		goto out;
	memcpy(doc, body, dlen);
	obj = oa2_json_parse(doc, dlen, "fuzz", &err);
	if (obj == NULL) {
		if (err.kind == OA2_OK)
			abort(); /* every refusal says why */
		goto out;
	}
	if (!json_object_is_type(obj, json_type_object) || !ends_with_object(doc, dlen))
		abort();
	at = oa2_json_path(obj, path);
	getters(obj, path);
	members(obj);
	members(at);
	if (at != NULL)
		(void)oa2_json_is_clean_string(at);
	json_object_put(obj);
out:
	free(path);
	free(doc);
	return 0;
}
