/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Field tables that drive the config.json parser (internal to spec/). */
#ifndef AGENTRUN_SPEC_FIELD_H
#define AGENTRUN_SPEC_FIELD_H

#include <stdbool.h>
#include <stddef.h>

enum spec_field_type {
	FT_END,
	FT_STR,
	FT_BOOL,
	FT_I32,
	FT_I64,
	FT_U16,
	FT_U32,
	FT_U64,
	FT_STRARR, /* char ** + size_t count at aux */
	FT_U32ARR, /* uint32_t * + size_t count at aux */
	FT_MAP,	   /* struct spec_map: object of strings */
	FT_OBJ,	   /* embedded struct whose first member is `bool present` (aux) */
	FT_INLINE, /* a JSON object whose fields land in the parent struct */
	FT_ARR,	   /* array of objects: pointer + size_t count at aux */
	FT_KEYED,  /* object of objects: like FT_ARR, the key stored at key_off */
};

#define FIELD_NO_AUX ((size_t)-1)

struct spec_field {
	const char *name;
	enum spec_field_type type;
	bool required;
	size_t off;	/* where the value lands, from the struct's base */
	size_t aux;	/* count (arrays) or present flag (objects) */
	size_t has_off; /* has_<name> flag of an optional scalar */
	size_t elem_size;
	size_t key_off;
	const struct spec_field *sub;
};

#define F_(n, t, req, o, a, h, es, ko, s)                                            \
	{                                                                            \
		.name = (n), .type = (t), .required = (req), .off = (o), .aux = (a), \
		.has_off = (h), .elem_size = (es), .key_off = (ko), .sub = (s)       \
	}
#define OFF(T, m) offsetof(T, m)

#define FIELD_END F_(NULL, FT_END, false, 0, 0, FIELD_NO_AUX, 0, 0, NULL)
#define FIELD_SCALAR(n, ft, T, m, req) \
	F_(n, ft, req, OFF(T, m), FIELD_NO_AUX, FIELD_NO_AUX, 0, 0, NULL)
#define FIELD_OPT(n, ft, T, m, has) \
	F_(n, ft, false, OFF(T, m), FIELD_NO_AUX, OFF(T, has), 0, 0, NULL)
#define FIELD_STR(n, T, m, req) FIELD_SCALAR(n, FT_STR, T, m, req)
#define FIELD_BOOL(n, T, m) FIELD_SCALAR(n, FT_BOOL, T, m, false)
#define FIELD_BOOL_REQ(n, T, m) FIELD_SCALAR(n, FT_BOOL, T, m, true)
#define FIELD_I32(n, T, m, req) FIELD_SCALAR(n, FT_I32, T, m, req)
#define FIELD_I64(n, T, m, req) FIELD_SCALAR(n, FT_I64, T, m, req)
#define FIELD_U32(n, T, m, req) FIELD_SCALAR(n, FT_U32, T, m, req)
#define FIELD_U64(n, T, m, req) FIELD_SCALAR(n, FT_U64, T, m, req)
#define FIELD_OPT_BOOL(n, T, m, has) FIELD_OPT(n, FT_BOOL, T, m, has)
#define FIELD_OPT_I32(n, T, m, has) FIELD_OPT(n, FT_I32, T, m, has)
#define FIELD_OPT_I64(n, T, m, has) FIELD_OPT(n, FT_I64, T, m, has)
#define FIELD_OPT_U16(n, T, m, has) FIELD_OPT(n, FT_U16, T, m, has)
#define FIELD_OPT_U32(n, T, m, has) FIELD_OPT(n, FT_U32, T, m, has)
#define FIELD_OPT_U64(n, T, m, has) FIELD_OPT(n, FT_U64, T, m, has)
#define FIELD_STRARR(n, T, m, cnt) \
	F_(n, FT_STRARR, false, OFF(T, m), OFF(T, cnt), FIELD_NO_AUX, 0, 0, NULL)
#define FIELD_STRARR_REQ(n, T, m, cnt) \
	F_(n, FT_STRARR, true, OFF(T, m), OFF(T, cnt), FIELD_NO_AUX, 0, 0, NULL)
#define FIELD_U32ARR(n, T, m, cnt) \
	F_(n, FT_U32ARR, false, OFF(T, m), OFF(T, cnt), FIELD_NO_AUX, 0, 0, NULL)
#define FIELD_MAP(n, T, m) F_(n, FT_MAP, false, OFF(T, m), FIELD_NO_AUX, FIELD_NO_AUX, 0, 0, NULL)
#define FIELD_OBJ(n, T, m, s) F_(n, FT_OBJ, false, OFF(T, m), OFF(T, m), FIELD_NO_AUX, 0, 0, s)
#define FIELD_OBJ_NOFLAG(n, T, m, s) \
	F_(n, FT_OBJ, false, OFF(T, m), FIELD_NO_AUX, FIELD_NO_AUX, 0, 0, s)
#define FIELD_INLINE(n, s) F_(n, FT_INLINE, false, 0, FIELD_NO_AUX, FIELD_NO_AUX, 0, 0, s)
#define FIELD_ARR(n, T, m, cnt, ET, s) \
	F_(n, FT_ARR, false, OFF(T, m), OFF(T, cnt), FIELD_NO_AUX, sizeof(ET), 0, s)
#define FIELD_KEYED(n, T, m, cnt, ET, key, s) \
	F_(n, FT_KEYED, false, OFF(T, m), OFF(T, cnt), FIELD_NO_AUX, sizeof(ET), OFF(ET, key), s)

#endif
