/* claim_groups.c - the groups a claim names (see claim_groups.h). */
#include "autoconfig.h"

#include <stdbool.h>
#include <string.h>

#include "claim_groups.h"
#include "json.h"
#include "strutil.h"

static int each_member(const json_object *arr, oa2_group_fn fn, void *arg)
{
	size_t n = json_object_array_length(arr);

	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);

		if (oa2_json_is_clean_string(e) &&
		    fn(json_object_get_string(e), (size_t)json_object_get_string_len(e), arg) != 0)
			break;
	}
	return 0;
}

static int each_word(const json_object *str, oa2_group_fn fn, void *arg)
{
	const char *p, *word;
	size_t n;

	if (!oa2_json_is_clean_string(str))
		return 0;
	p = json_object_get_string((json_object *)str);
	while (oa2_list_next(&p, " ", &word, &n)) {
		if (fn(word, n, arg) != 0)
			break;
	}
	return 0;
}

static int each_key(const json_object *obj, oa2_group_fn fn, void *arg)
{
	json_object_object_foreach((json_object *)obj, key, val) {
		bool member = json_object_is_type(val, json_type_object) ||
			      (json_object_is_type(val, json_type_boolean) &&
			       json_object_get_boolean(val));

		if (member && fn(key, strlen(key), arg) != 0)
			break;
	}
	return 0;
}

int oa2_claim_groups(const json_object *claims, const char *claim, oa2_group_fn fn, void *arg,
		     const char **type)
{
	json_object *v = oa2_json_path(claims, claim);

	if (v == NULL)
		return 1;
	switch (json_object_get_type(v)) {
	case json_type_array: return each_member(v, fn, arg);
	case json_type_string: return each_word(v, fn, arg);
	case json_type_object: return each_key(v, fn, arg);
	default:
		if (type != NULL)
			*type = oa2_json_type_name(v);
		return -1;
	}
}
