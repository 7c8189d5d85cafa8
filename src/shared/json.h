/* json.h - strict, typed access to JSON from the network or the disk.
 *
 * Every document is parsed with a nesting limit and a size limit, must be a
 * JSON object at the top, and every field is read through a typed getter that
 * tells "absent" from "present with the wrong type". Strings that contain a
 * NUL byte (\u0000) are treated as the wrong type: they could make two
 * different JSON strings look equal to C. */
#ifndef OA2_JSON_H
#define OA2_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define OA2_JSON_MAX_DEPTH 16

/* Parse exactly len bytes as one JSON object (trailing garbage refused).
 * Returns a new reference or NULL with err set (kind: OA2_ERR_PROTOCOL). */
json_object *oa2_json_parse(const char *buf, size_t len, const char *what, oa2_error *err);

/* Getters: return 0 when found with the right type, 1 when absent (or JSON
 * null), -1 when present with another type. Borrowed pointers live as long
 * as the object. */
int oa2_json_string(const json_object *obj, const char *key, const char **out);
int oa2_json_int64(const json_object *obj, const char *key, int64_t *out);
int oa2_json_bool(const json_object *obj, const char *key, bool *out);
int oa2_json_object(const json_object *obj, const char *key, json_object **out);
int oa2_json_array(const json_object *obj, const char *key, json_object **out);

/* A count of seconds in an OAuth answer (expires_in, interval): a JSON
 * number as oa2_json_int64 reads it, or a string of 1 to 9 ASCII digits, as
 * some providers send it (Entra ID: "expires_in": "900"). Same return values
 * as the getters; a sign, a fraction, white space or more digits in a string
 * are the wrong type. Never for NumericDate claims (exp, nbf, iat): their
 * type stays strict. */
int oa2_json_seconds(const json_object *obj, const char *key, int64_t *out);

/* Follow a dotted path ("realm_access.roles") through nested objects.
 * Returns the value (borrowed) or NULL when any step is missing. A key that
 * itself contains a dot is tried whole first, so "https://x.io/groups" works. */
json_object *oa2_json_path(const json_object *obj, const char *path);

/* Overwrite every string value under obj (objects and arrays, recursively)
 * with zero bytes, then drop the reference. For documents that held tokens
 * or codes; only call it with the last reference (a shared object would be
 * wiped under its other owners). NULL is allowed. */
void oa2_json_put_wiped(json_object *obj);

/* Zero the string value of obj's member key, if it is a string; for a
 * document whose other members are shared. */
void oa2_json_wipe_member(json_object *obj, const char *key);

/* True when a json string value holds no NUL byte. */
bool oa2_json_is_clean_string(const json_object *val);

/* The type of val for a message: "a string", "a number", "null"... */
const char *oa2_json_type_name(const json_object *val);

#endif
