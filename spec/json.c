/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "spec/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void json_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

void json_tree(yajl_gen g, yajl_val v)
{
	if (!v) {
		yajl_gen_null(g);
		return;
	}
	switch (v->type) {
	case yajl_t_string:
		json_str(g, v->u.string);
		break;
	case yajl_t_number:
		yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
		break;
	case yajl_t_object:
		yajl_gen_map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++) {
			json_str(g, v->u.object.keys[i]);
			json_tree(g, v->u.object.values[i]);
		}
		yajl_gen_map_close(g);
		break;
	case yajl_t_array:
		yajl_gen_array_open(g);
		for (size_t i = 0; i < v->u.array.len; i++)
			json_tree(g, v->u.array.values[i]);
		yajl_gen_array_close(g);
		break;
	case yajl_t_true:
	case yajl_t_false:
		yajl_gen_bool(g, v->type == yajl_t_true);
		break;
	default:
		yajl_gen_null(g);
		break;
	}
}

void json_kstr(yajl_gen g, const char *key, const char *value)
{
	if (!value)
		return;
	json_str(g, key);
	json_str(g, value);
}

void json_kint(yajl_gen g, const char *key, long long value)
{
	json_str(g, key);
	yajl_gen_integer(g, value);
}

void json_kbool(yajl_gen g, const char *key, bool value)
{
	json_str(g, key);
	yajl_gen_bool(g, value);
}

void json_strarr(yajl_gen g, const char *key, const char *const *items, size_t n)
{
	json_str(g, key);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n && items[i]; i++)
		json_str(g, items[i]);
	yajl_gen_array_close(g);
}

yajl_gen json_new(bool pretty)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (g && pretty) {
		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_config(g, yajl_gen_indent_string, "\t");
	}
	return g;
}

int json_finish(yajl_gen g, char **out, struct error *err)
{
	const unsigned char *buf;
	size_t len;
	if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
		yajl_gen_free(g);
		return error_set(err, 0, "generate JSON: internal error");
	}
	*out = strndup((const char *)buf, len);
	yajl_gen_free(g);
	if (!*out)
		return error_set(err, ENOMEM, "generate JSON");
	return 0;
}

yajl_val json_get(yajl_val obj, const char *key, yajl_type type)
{
	if (!obj || !YAJL_IS_OBJECT(obj))
		return NULL;
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0) {
			yajl_val v = obj->u.object.values[i];
			if (type == yajl_t_any || v->type == type ||
			    (type == yajl_t_true && v->type == yajl_t_false))
				return v;
			return NULL;
		}
	return NULL;
}

const char *json_get_str(yajl_val obj, const char *key)
{
	yajl_val v = json_get(obj, key, yajl_t_string);
	return v ? v->u.string : NULL;
}

int json_check_depth(const char *json, size_t len, const char *origin, struct error *err)
{
	unsigned depth = 0;
	bool in_string = false;
	for (size_t i = 0; i < len && json[i]; i++) {
		char c = json[i];
		if (in_string) {
			if (c == '\\' && i + 1 < len && json[i + 1])
				i++; /* the escaped character cannot end the string */
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > JSON_MAX_DEPTH)
				return error_set(err, 0,
						 "%s: invalid JSON: nested deeper than %d levels",
						 origin, JSON_MAX_DEPTH);
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return 0;
}
