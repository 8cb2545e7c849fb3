/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The systemd driver's pure parts (cgroups/systemd.h): runc's cgroupsPath
 * form and slice expansion, unit properties from cgroup v2 files, and the
 * org.systemd.property.* annotation values. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups/systemd.h"

#define CGP "linux.cgroupsPath"

/* systemd's unit name characters, less the separators we use. */
static bool unit_chars(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.@\\", *s))
			return false;
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

int sd_expand_slice(const char *slice, char *out, size_t len, struct error *err)
{
	const char *suffix = ".slice";
	size_t sl = strlen(slice), xl = strlen(suffix);
	if (sl <= xl || !ends_with(slice, suffix) || strchr(slice, '/'))
		return error_set(err, 0, "invalid slice name \"%s\"", slice);
	if (sl == xl + 1 && slice[0] == '-') {
		snprintf(out, len, "/");
		return 0;
	}
	size_t base = sl - xl, used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < base;) {
		size_t c = strcspn(slice + i, "-");
		if (i + c > base)
			c = base - i;
		if (c == 0) /* "a--b.slice", "-a.slice", "a-.slice" */
			return error_set(err, 0, "invalid slice name \"%s\"", slice);
		int w = snprintf(out + used, len - used, "/%.*s%s", (int)(i + c), slice, suffix);
		if (w < 0 || (size_t)w >= len - used)
			return error_set(err, 0, "slice name \"%s\" is too long", slice);
		used += (size_t)w;
		i += c;
		if (i < base) {
			i++; /* the dash */
			if (i == base)
				return error_set(err, 0, "invalid slice name \"%s\"", slice);
		}
	}
	return 0;
}

int sd_parse_cgroups_path(const char *path, const char *id, bool rootless, struct sd_unit_name *out,
			  struct error *err)
{
	char slice[256] = "", prefix[256] = "agentrun", name[256] = "";
	memset(out, 0, sizeof(*out));
	if (!path || !*path) {
		if (!id || !*id || strlen(id) >= sizeof(name))
			return error_set(err, 0, "invalid container id \"%s\"", id ? id : "");
		snprintf(name, sizeof(name), "%s", id);
	} else {
		const char *c1 = strchr(path, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c1 || !c2 || strchr(c2 + 1, ':'))
			return error_set(err, 0,
					 CGP ": \"%s\": the systemd cgroup driver expects "
					     "\"slice:prefix:name\"",
					 path);
		size_t a = (size_t)(c1 - path), b = (size_t)(c2 - c1 - 1);
		if (a >= sizeof(slice) || b >= sizeof(prefix) || strlen(c2 + 1) >= sizeof(name))
			return error_set(err, 0, CGP ": \"%.64s...\": too long", path);
		snprintf(slice, sizeof(slice), "%.*s", (int)a, path);
		snprintf(prefix, sizeof(prefix), "%.*s", (int)b, c1 + 1);
		snprintf(name, sizeof(name), "%s", c2 + 1);
	}
	if (!*name)
		return error_set(err, 0, CGP ": \"%s\": the name part is empty", path);
	if (!unit_chars(slice) || !unit_chars(prefix) || !unit_chars(name))
		return error_set(err, 0,
				 CGP ": \"%s\": a unit name takes only letters, digits and "
				     "\"-_.@\\\"",
				 path ? path : name);
	if (!*slice)
		snprintf(slice, sizeof(slice), "%s", rootless ? "user.slice" : "system.slice");
	char expanded[1024];
	struct error local = {0};
	if (sd_expand_slice(slice, expanded, sizeof(expanded), &local) < 0)
		return error_set(err, 0, CGP ": \"%s\": %s", path ? path : "", local.msg);
	out->is_slice = ends_with(name, ".slice");
	int w;
	if (out->is_slice) {
		if (sd_expand_slice(name, expanded, sizeof(expanded), &local) < 0)
			return error_set(err, 0, CGP ": \"%s\": %s", path ? path : "", local.msg);
		w = snprintf(out->unit, sizeof(out->unit), "%s", name);
	} else if (*prefix) {
		w = snprintf(out->unit, sizeof(out->unit), "%s-%s.scope", prefix, name);
	} else {
		w = snprintf(out->unit, sizeof(out->unit), "%s.scope", name);
	}
	if (w < 0 || (size_t)w >= sizeof(out->unit))
		return error_set(err, 0, CGP ": \"%s\": the unit name is too long",
				 path ? path : name);
	snprintf(out->slice, sizeof(out->slice), "%s", slice);
	return 0;
}

/* ---- properties ---- */

void sd_prop_clear(struct sd_prop *p)
{
	free(p->s);
	free(p->bytes);
	for (size_t i = 0; i < p->n_strv; i++)
		free(p->strv[i]);
	free(p->strv);
	p->s = NULL;
	p->bytes = NULL;
	p->strv = NULL;
	p->n_strv = 0;
	p->n_bytes = 0;
}

void sd_props_free(struct sd_props *p)
{
	for (size_t i = 0; i < p->n; i++)
		sd_prop_clear(&p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

const struct sd_prop *sd_props_get(const struct sd_props *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return &p->v[i];
	return NULL;
}

/* The slot for name, emptied (appended when new). */
static struct sd_prop *slot(struct sd_props *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name)) {
			sd_prop_clear(&p->v[i]);
			memset(&p->v[i], 0, sizeof(p->v[i]));
			snprintf(p->v[i].name, sizeof(p->v[i].name), "%s", name);
			return &p->v[i];
		}
	struct sd_prop *nv = realloc(p->v, (p->n + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	p->v = nv;
	struct sd_prop *s = &p->v[p->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	return s;
}

int sd_props_set_u64(struct sd_props *p, const char *name, uint64_t v)
{
	struct sd_prop *s = slot(p, name);
	if (!s)
		return -ENOMEM;
	strcpy(s->type, "t");
	s->u = v;
	return 0;
}

int sd_props_set_bool(struct sd_props *p, const char *name, bool v)
{
	struct sd_prop *s = slot(p, name);
	if (!s)
		return -ENOMEM;
	strcpy(s->type, "b");
	s->u = v;
	return 0;
}

int sd_props_set_str(struct sd_props *p, const char *name, const char *v)
{
	struct sd_prop *s = slot(p, name);
	if (!s)
		return -ENOMEM;
	strcpy(s->type, "s");
	s->s = strdup(v);
	return s->s ? 0 : -ENOMEM;
}

int sd_props_set_strv1(struct sd_props *p, const char *name, const char *v)
{
	struct sd_prop *s = slot(p, name);
	if (!s)
		return -ENOMEM;
	strcpy(s->type, "as");
	s->strv = calloc(1, sizeof(char *));
	if (!s->strv || !(s->strv[0] = strdup(v)))
		return -ENOMEM;
	s->n_strv = 1;
	return 0;
}

int sd_props_set_bytes(struct sd_props *p, const char *name, const uint8_t *b, size_t n)
{
	struct sd_prop *s = slot(p, name);
	if (!s)
		return -ENOMEM;
	strcpy(s->type, "ay");
	s->bytes = malloc(n ? n : 1);
	if (!s->bytes)
		return -ENOMEM;
	if (n)
		memcpy(s->bytes, b, n);
	s->n_bytes = n;
	return 0;
}

static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	if (!len || len > 20)
		return -EINVAL;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int sd_parse_max(const char *s, uint64_t *out)
{
	size_t l = strlen(s);
	while (l && isspace((unsigned char)s[l - 1]))
		l--;
	if (l == 3 && !strncmp(s, "max", 3)) {
		*out = UINT64_MAX;
		return 0;
	}
	return parse_u64(s, l, out);
}

int sd_cpu_max(const char *value, uint64_t *per_sec, uint64_t *period)
{
	*per_sec = 0;
	*period = 0;
	const char *sp = strchr(value, ' ');
	size_t ql = sp ? (size_t)(sp - value) : strlen(value);
	uint64_t quota;
	bool max = ql == 3 && !strncmp(value, "max", 3);
	if (!max && parse_u64(value, ql, &quota) < 0)
		return -EINVAL;
	if (sp && sd_parse_max(sp + 1, period) < 0)
		return -EINVAL;
	if (sp && (*period == 0 || *period == UINT64_MAX))
		return -EINVAL;
	if (max) {
		*per_sec = UINT64_MAX;
		return 0;
	}
	uint64_t p = *period ? *period : 100000; /* the kernel's default period */
	if (quota > UINT64_MAX / 1000000)
		return -ERANGE;
	uint64_t q = quota * 1000000 / p;
	/* systemd keeps CPUQuotaPerSecUSec in 10ms steps: round up (runc) */
	if (q % 10000)
		q = (q / 10000 + 1) * 10000;
	*per_sec = q;
	return 0;
}

int sd_cpuset_mask(const char *list, uint8_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	uint8_t *m = NULL;
	size_t len = 0;
	for (const char *p = list; *p;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		size_t dl = strspn(p, "0123456789");
		uint64_t a, b;
		if (parse_u64(p, dl, &a) < 0)
			goto bad;
		p += dl;
		b = a;
		if (*p == '-') {
			p++;
			dl = strspn(p, "0123456789");
			if (parse_u64(p, dl, &b) < 0)
				goto bad;
			p += dl;
		}
		if (b < a || b >= 65536 || (*p && *p != ',' && !isspace((unsigned char)*p)))
			goto bad;
		size_t need = (size_t)(b / 8 + 1);
		if (need > len) {
			uint8_t *nm = realloc(m, need);
			if (!nm) {
				free(m);
				return -ENOMEM;
			}
			memset(nm + len, 0, need - len);
			m = nm;
			len = need;
		}
		for (uint64_t c = a; c <= b; c++)
			m[c / 8] |= (uint8_t)(1u << (c % 8));
	}
	*out = m;
	*n = len;
	return 0;
bad:
	free(m);
	return -EINVAL;
}

/* One v2 file -> its property, when systemd has one. */
static int prop_of_entry(const struct cgroup_entry *e, struct sd_props *p, struct error *err)
{
	static const struct {
		const char *file, *prop;
	} plain[] = {
		{"memory.max", "MemoryMax"},	      {"memory.high", "MemoryHigh"},
		{"memory.low", "MemoryLow"},	      {"memory.min", "MemoryMin"},
		{"memory.swap.max", "MemorySwapMax"}, {"pids.max", "TasksMax"},
		{"cpu.weight", "CPUWeight"},
	};
	const char *file = e->file, *value = e->value;
	if (!file)
		return 0; /* no file: the cgroupfs pass says why */
	if (!strcmp(file, "io.bfq.weight") && e->alt_file && !strcmp(e->alt_file, "io.weight")) {
		file = e->alt_file;
		value = e->alt_value;
	}
	uint64_t v;
	int r = 0;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (strcmp(file, plain[i].file))
			continue;
		if (sd_parse_max(value, &v) < 0)
			return error_set(err, 0, "%s: \"%s\" for %s is not a number", e->field,
					 value, file);
		r = sd_props_set_u64(p, plain[i].prop, v);
		goto out;
	}
	if (!strcmp(file, "io.weight")) {
		/* "N" or "default N"; per-device weights stay in the file */
		const char *s = !strncmp(value, "default ", 8) ? value + 8 : value;
		if (sd_parse_max(s, &v) == 0 && v != UINT64_MAX)
			r = sd_props_set_u64(p, "IOWeight", v);
	} else if (!strcmp(file, "cpu.max")) {
		uint64_t q, per;
		if (sd_cpu_max(value, &q, &per) < 0)
			return error_set(err, 0, "%s: \"%s\" is not a cpu.max value", e->field,
					 value);
		r = sd_props_set_u64(p, "CPUQuotaPerSecUSec", q);
		if (r == 0 && per)
			r = sd_props_set_u64(p, "CPUQuotaPeriodUSec", per);
	} else if (!strcmp(file, "cpuset.cpus") || !strcmp(file, "cpuset.mems")) {
		uint8_t *m;
		size_t n;
		r = sd_cpuset_mask(value, &m, &n);
		if (r == -EINVAL)
			return error_set(err, 0, "%s: \"%s\" is not a cpu or node list", e->field,
					 value);
		if (r == 0) {
			r = sd_props_set_bytes(
				p, file[7] == 'c' ? "AllowedCPUs" : "AllowedMemoryNodes", m, n);
			free(m);
		}
	}
out:
	return r < 0 ? error_set(err, -r, "%s", e->field) : 0;
}

int sd_props_from_entries(const struct cgroup_entries *es, struct sd_props *p, struct error *err)
{
	for (size_t i = 0; i < es->n; i++)
		if (prop_of_entry(&es->v[i], p, err) < 0)
			return -1;
	return 0;
}

/* ---- annotations ---- */

static int parse_signed(const char *s, int64_t *out)
{
	bool neg = *s == '-';
	uint64_t v;
	if (parse_u64(s + neg, strlen(s + neg), &v) < 0)
		return -EINVAL;
	if (v > (uint64_t)INT64_MAX + (neg ? 1 : 0))
		return -ERANGE;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* A quoted string without escapes or its quote inside: 'x' or "x". */
static char *quoted(const char *v, size_t vl)
{
	if (vl < 2 || (v[0] != '\'' && v[0] != '"') || v[vl - 1] != v[0] ||
	    memchr(v + 1, '\\', vl - 2) || memchr(v + 1, v[0], vl - 2))
		return NULL;
	return strndup(v + 1, vl - 2);
}

/* "['a', 'b']" or "@as []" -> out->strv; -1 when it is not one. */
static int string_array(const char *v, struct sd_prop *out)
{
	if (!strncmp(v, "@as ", 4))
		v += 4;
	size_t vl = strlen(v);
	if (vl < 2 || v[0] != '[' || v[vl - 1] != ']')
		return -1;
	strcpy(out->type, "as");
	const char *p = v + 1, *end = v + vl - 1;
	while (p < end && *p == ' ')
		p++;
	while (p < end) {
		const char *q = p + 1;
		while (q < end && *q != *p)
			q++;
		if (q >= end)
			return -1;
		char *item = quoted(p, (size_t)(q - p + 1));
		char **nv = item ? realloc(out->strv, (out->n_strv + 1) * sizeof(*nv)) : NULL;
		if (!nv) {
			free(item);
			return -1;
		}
		out->strv = nv;
		out->strv[out->n_strv++] = item;
		p = q + 1;
		while (p < end && *p == ' ')
			p++;
		if (p < end && *p++ != ',')
			return -1;
		while (p < end && *p == ' ')
			p++;
	}
	return 0;
}

int sd_parse_annotation(const char *key, const char *value, struct sd_prop *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	size_t pl = strlen(SD_PROPERTY_PREFIX);
	const char *name = key + pl;
	size_t nl = strlen(name);
	bool ok = nl >= 3 && nl < sizeof(out->name) - 2;
	for (size_t i = 0; ok && i < nl; i++)
		ok = isalpha((unsigned char)name[i]);
	if (!ok)
		return error_set(
			err, 0, "annotations.%s: the property name must be 3 or more latin letters",
			key);
	/* the GVariant text forms for the types we pass on */
	static const struct {
		const char *word, *type;
	} typed[] = {{"uint64 ", "t"}, {"@t ", "t"}, {"int64 ", "x"}, {"@x ", "x"},
		     {"uint32 ", "u"}, {"@u ", "u"}, {"int32 ", "i"}, {"@i ", "i"}};
	const char *v = value, *type = NULL;
	for (size_t i = 0; i < sizeof(typed) / sizeof(typed[0]); i++)
		if (!strncmp(v, typed[i].word, strlen(typed[i].word))) {
			type = typed[i].type;
			v += strlen(typed[i].word);
			break;
		}
	bool bad = false;
	size_t vl = strlen(v);
	if (!type && (!strcmp(v, "true") || !strcmp(v, "false"))) {
		strcpy(out->type, "b");
		out->u = v[0] == 't';
	} else if (!type && (v[0] == '[' || !strncmp(v, "@as ", 4))) {
		bad = string_array(v, out) < 0;
	} else if (!type && vl >= 2 && (v[0] == '\'' || v[0] == '"')) {
		out->s = quoted(v, vl);
		bad = !out->s;
		strcpy(out->type, "s");
	} else {
		int64_t n;
		if (parse_signed(v, &n) < 0) {
			bad = true;
		} else {
			if (!type)
				type = "i"; /* GVariant's default for a bare number */
			strcpy(out->type, type);
			if ((type[0] == 't' || type[0] == 'u') && n < 0)
				bad = true;
			else if (type[0] == 'u' && n > UINT32_MAX)
				bad = true;
			else if (type[0] == 'i' && (n > INT32_MAX || n < INT32_MIN))
				bad = true;
			if (type[0] == 't' || type[0] == 'u') {
				uint64_t u = 0;
				bad = bad || parse_u64(v, strlen(v), &u) < 0;
				out->u = u;
			} else {
				out->i = n;
			}
		}
	}
	if (bad) {
		sd_prop_clear(out);
		return error_set(err, 0,
				 "annotations.%s: value \"%s\" is not supported (true, false, a "
				 "number, \"uint64 N\", \"int64 N\", \"uint32 N\", a 'string' or "
				 "['strings'])",
				 key, value);
	}
	snprintf(out->name, sizeof(out->name), "%s", name);
	/* TimeoutStopSec: systemd wants TimeoutStopUSec, microseconds */
	if (nl > 3 && !strcmp(name + nl - 3, "Sec") && islower((unsigned char)name[nl - 4])) {
		if (!strcmp(out->type, "b") || out->type[0] == 's' || out->type[0] == 'a') {
			sd_prop_clear(out);
			return error_set(err, 0, "annotations.%s: value \"%s\" is not a number",
					 key, value);
		}
		uint64_t secs = (out->type[0] == 't' || out->type[0] == 'u') ? out->u
									     : (uint64_t)out->i;
		if ((out->type[0] == 'x' || out->type[0] == 'i') && out->i < 0)
			return error_set(err, 0, "annotations.%s: value \"%s\" is negative", key,
					 value);
		if (secs > UINT64_MAX / 1000000)
			return error_set(err, 0, "annotations.%s: value \"%s\" is too large", key,
					 value);
		snprintf(out->name, sizeof(out->name), "%.*sUSec", (int)(nl - 3), name);
		strcpy(out->type, "t");
		out->u = secs * 1000000;
		out->i = 0;
	}
	return 0;
}
