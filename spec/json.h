/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers around yajl's generator and tree (internal to spec/). */
#ifndef AGENTRUN_SPEC_JSON_H
#define AGENTRUN_SPEC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "util/error.h"

void json_str(yajl_gen g, const char *s);
/* the parsed tree v as it was (null for NULL) */
void json_tree(yajl_gen g, yajl_val v);
void json_kstr(yajl_gen g, const char *key, const char *value); /* skipped when value NULL */
void json_kint(yajl_gen g, const char *key, long long value);
void json_kbool(yajl_gen g, const char *key, bool value);
void json_strarr(yajl_gen g, const char *key, const char *const *items, size_t n);
/* Finish: copy the generated text into a malloc'd string. */
int json_finish(yajl_gen g, char **out, struct error *err);
yajl_gen json_new(bool pretty);

/* The deepest nesting of arrays and objects a document may have. yajl's
 * tree parser and yajl_tree_free recurse once per level, so a document
 * of a few MiB of "[" would exhaust the stack; json_check_depth rejects
 * it before yajl sees it. Real documents nest fewer than 10 levels. */
#define JSON_MAX_DEPTH 64
/* Scan json (len bytes; stops early at a NUL) for nesting deeper than
 * JSON_MAX_DEPTH outside strings: -1 with "ORIGIN: invalid JSON: ..." */
int json_check_depth(const char *json, size_t len, const char *origin, struct error *err);

/* Tree lookups: NULL when absent or of another type. */
const char *json_get_str(yajl_val obj, const char *key);
yajl_val json_get(yajl_val obj, const char *key, yajl_type type);

#endif
