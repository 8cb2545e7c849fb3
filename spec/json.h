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
void json_kstr(yajl_gen g, const char *key, const char *value); /* skipped when value NULL */
void json_kint(yajl_gen g, const char *key, long long value);
void json_kbool(yajl_gen g, const char *key, bool value);
void json_strarr(yajl_gen g, const char *key, const char *const *items, size_t n);
/* Finish: copy the generated text into a malloc'd string. */
int json_finish(yajl_gen g, char **out, struct error *err);
yajl_gen json_new(bool pretty);

/* Tree lookups: NULL when absent or of another type. */
const char *json_get_str(yajl_val obj, const char *key);
yajl_val json_get(yajl_val obj, const char *key, yajl_type type);

#endif
