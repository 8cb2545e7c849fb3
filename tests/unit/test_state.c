/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spec/state.h and spec/template.h: the OCI state JSON (checked against
 * tests/schema/state-schema.json, read from AGENTRUN_SCHEMAS, by a small
 * checker of the keywords that schema uses; tests/fixtures/state documents
 * exercise the checker),
 * agentrun's internal state record, `list --format json`, and the
 * config.json templates of `agentrun spec`. */
#include <errno.h>
#include <dirent.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tests/unit/read_file.h"
#include <yajl/yajl_tree.h>

#include "spec/spec.h"
#include "spec/state.h"
#include "spec/template.h"

/* ---- helpers ---- */

/* A file of directory $var (AGENTRUN_FIXTURES or AGENTRUN_SCHEMAS, set by
 * meson and tests/run-unit); missing ones fail the test (never skip). */
static char *data_file(const char *var, const char *rel)
{
	const char *root = getenv(var);
	if (!root || !*root)
		fail_msg("%s is not set: run through `meson test` or tests/run-unit", var);
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	struct stat st;
	if (stat(path, &st) < 0)
		fail_msg("test data missing: %s: %s (%s=%s)", path, strerror(errno), var, root);
	return read_file(path, NULL);
}

static yajl_val tree_parse(const char *json)
{
	char ebuf[256] = "";
	yajl_val t = yajl_tree_parse(json, ebuf, sizeof(ebuf));
	if (!t)
		fail_msg("generated JSON does not parse: %s\n%s", ebuf, json);
	return t;
}

static yajl_val get(yajl_val obj, const char *key)
{
	assert_true(YAJL_IS_OBJECT(obj));
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (!strcmp(obj->u.object.keys[i], key))
			return obj->u.object.values[i];
	return NULL;
}

static const char *get_str(yajl_val obj, const char *key)
{
	yajl_val v = get(obj, key);
	if (!v || !YAJL_IS_STRING(v))
		fail_msg("\"%s\" missing or not a string", key);
	return v->u.string;
}

/* ---- tests/schema/state-schema.json, applied in C ----
 * The schema is kept free of $ref so that this checker can apply it: the
 * keywords below are all it uses; an unknown one fails the test, so the
 * schema cannot grow a rule this check silently skips. A violation is
 * returned as a message, NULL when the document conforms. */

static char schema_msg[512];

static bool in_list(const char *k, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(k, *list))
			return true;
	return false;
}

static const char *violation(const char *fmt, const char *a, const char *b)
{
	snprintf(schema_msg, sizeof(schema_msg), fmt, a, b);
	return schema_msg;
}

static bool type_is(yajl_val v, const char *t)
{
	if (!strcmp(t, "string"))
		return YAJL_IS_STRING(v);
	if (!strcmp(t, "integer"))
		return YAJL_IS_INTEGER(v);
	if (!strcmp(t, "object"))
		return YAJL_IS_OBJECT(v);
	fail_msg("state-schema.json: type \"%s\" not known to the check", t);
	return false;
}

static bool matches(const char *pattern, const char *s)
{
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		fail_msg("state-schema.json: pattern %s is not a POSIX ERE", pattern);
	bool ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

/* One member value against its property schema. */
static const char *check_value(yajl_val sch, yajl_val v, const char *name)
{
	static const char *const known[] = {
		"type",	       "pattern", "minLength",	   "minimum",
		"maximum",     "enum",	  "propertyNames", "additionalProperties",
		"description", NULL};
	for (size_t i = 0; i < sch->u.object.len; i++)
		if (!in_list(sch->u.object.keys[i], known))
			fail_msg("state-schema.json: keyword \"%s\" (at %s) not known to the check",
				 sch->u.object.keys[i], name);
	yajl_val t = get(sch, "type");
	if (t && !type_is(v, t->u.string))
		return violation("%s: not of type %s", name, t->u.string);
	yajl_val x;
	if ((x = get(sch, "pattern")) && YAJL_IS_STRING(v) && !matches(x->u.string, v->u.string))
		return violation("%s: does not match %s", name, x->u.string);
	if ((x = get(sch, "minLength")) && YAJL_IS_STRING(v) &&
	    (long long)strlen(v->u.string) < YAJL_GET_INTEGER(x))
		return violation("%s: too short%s", name, "");
	if ((x = get(sch, "minimum")) && YAJL_IS_INTEGER(v) &&
	    YAJL_GET_INTEGER(v) < YAJL_GET_INTEGER(x))
		return violation("%s: below the minimum%s", name, "");
	if ((x = get(sch, "maximum")) && YAJL_IS_INTEGER(v) &&
	    YAJL_GET_INTEGER(v) > YAJL_GET_INTEGER(x))
		return violation("%s: above the maximum%s", name, "");
	if ((x = get(sch, "enum"))) {
		bool found = false;
		for (size_t j = 0; j < x->u.array.len; j++)
			found |= YAJL_IS_STRING(v) &&
				 !strcmp(x->u.array.values[j]->u.string, v->u.string);
		if (!found)
			return violation("%s: not one of the schema's enum%s", name, "");
	}
	if (YAJL_IS_OBJECT(v)) {
		yajl_val pn = get(sch, "propertyNames"), ap = get(sch, "additionalProperties");
		for (size_t j = 0; j < v->u.object.len; j++) {
			const char *r;
			yajl_val key = NULL;
			if (pn) {
				struct yajl_val_s k = {.type = yajl_t_string};
				k.u.string = (char *)v->u.object.keys[j];
				key = &k;
				if ((r = check_value(pn, key, name)))
					return r;
			}
			if (ap && (r = check_value(ap, v->u.object.values[j], name)))
				return r;
		}
	}
	return NULL;
}

/* "type": "object", "required" and "properties" of (part of) the schema. */
static const char *check_object(yajl_val sch, yajl_val doc)
{
	yajl_val t = get(sch, "type");
	if (t && !type_is(doc, t->u.string))
		return violation("state: not of type %s%s", t->u.string, "");
	yajl_val req = get(sch, "required"), props = get(sch, "properties");
	for (size_t i = 0; req && i < req->u.array.len; i++)
		if (!get(doc, req->u.array.values[i]->u.string))
			return violation("state: lacks required \"%s\"%s",
					 req->u.array.values[i]->u.string, "");
	for (size_t i = 0; props && i < props->u.object.len; i++) {
		yajl_val v = get(doc, props->u.object.keys[i]);
		const char *r;
		if (v && (r = check_value(props->u.object.values[i], v, props->u.object.keys[i])))
			return r;
	}
	return NULL;
}

static yajl_val state_schema(void)
{
	char *text = data_file("AGENTRUN_SCHEMAS", "state-schema.json");
	yajl_val schema = tree_parse(text);
	free(text);
	static const char *const known[] = {"$schema", "$id",	   "title",	 "description",
					    "type",    "required", "properties", "if",
					    "then",    NULL};
	for (size_t i = 0; i < schema->u.object.len; i++)
		if (!in_list(schema->u.object.keys[i], known))
			fail_msg("state-schema.json: keyword \"%s\" not known to the check",
				 schema->u.object.keys[i]);
	return schema;
}

static const char *state_schema_violation(yajl_val schema, yajl_val doc)
{
	const char *r = check_object(schema, doc);
	if (r)
		return r;
	yajl_val cond = get(schema, "if"), then = get(schema, "then");
	if (cond && !check_object(cond, doc) && then)
		return check_object(then, doc);
	return NULL;
}

static void check_against_state_schema(yajl_val doc)
{
	yajl_val schema = state_schema();
	const char *r = state_schema_violation(schema, doc);
	if (r)
		fail_msg("state does not conform to state-schema.json: %s", r);
	/* the standard states of runtime.md are all there */
	yajl_val en = get(get(get(schema, "properties"), "status"), "enum");
	assert_non_null(en);
	const char *std[] = {"creating", "created", "running", "stopped"};
	for (size_t i = 0; i < 4; i++) {
		struct yajl_val_s v = {.type = yajl_t_string};
		v.u.string = (char *)std[i];
		assert_null(check_value(get(get(schema, "properties"), "status"), &v, "status"));
	}
	yajl_tree_free(schema);
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	assert_non_null(d);
	return d;
}

/* A full record; the caller spec_state_clear()s it. */
static void make_state(struct spec_state *st, const char *status, int pid)
{
	memset(st, 0, sizeof(*st));
	st->oci_version = xstrdup("1.3.0");
	st->id = xstrdup("agent-1");
	st->status = xstrdup(status);
	st->pid = pid;
	st->bundle = xstrdup("/run/bundles/agent-1");
	st->start_time = 123456789012ULL;
	st->rootfs = xstrdup("/run/bundles/agent-1/rootfs");
	st->created = xstrdup("2024-05-01T10:20:30.123456789Z");
	st->owner = xstrdup("agent");
	st->cgroup = xstrdup("v2:/sys/fs/cgroup/agents/agent-1");
	st->systemd_cgroup = true;
	st->has_terminal = true;
	struct spec_map m = {.n = 2,
			     .keys = (char *[]){"org.example.a", "quote\"d"},
			     .values = (char *[]){"1", "line\nbreak"}};
	assert_int_equal(spec_map_copy(&st->annotations, &m), 0);
}

static const char *const internal_keys[] = {"startTime", "rootfs",	  "created",  "owner",
					    "cgroup",	 "systemdCgroup", "terminal", NULL};

/* ---- OCI state ---- */

static void test_oci_state(void **state)
{
	(void)state;
	const char *statuses[] = {"creating", "created", "running", "stopped"};
	for (size_t s = 0; s < 4; s++)
		for (int pretty = 0; pretty < 2; pretty++) {
			struct spec_state st;
			make_state(&st, statuses[s], 4242);
			char *json = NULL;
			struct error err = {0};
			if (spec_state_to_json(&st, false, pretty, &json, &err) < 0)
				fail_msg("%s", err.msg);
			yajl_val t = tree_parse(json);
			check_against_state_schema(t);
			assert_string_equal(get_str(t, "ociVersion"), "1.3.0");
			assert_string_equal(get_str(t, "id"), "agent-1");
			assert_string_equal(get_str(t, "status"), statuses[s]);
			assert_string_equal(get_str(t, "bundle"), "/run/bundles/agent-1");
			for (const char *const *k = internal_keys; *k; k++)
				if (get(t, *k))
					fail_msg("OCI state has internal field \"%s\"", *k);
			yajl_val pid = get(t, "pid");
			if (!strcmp(statuses[s], "stopped")) {
				assert_null(pid); /* no process to report */
			} else {
				assert_non_null(pid);
				assert_int_equal(YAJL_GET_INTEGER(pid), 4242);
			}
			yajl_val a = get(t, "annotations");
			assert_non_null(a);
			assert_string_equal(get_str(a, "org.example.a"), "1");
			assert_string_equal(get_str(a, "quote\"d"), "line\nbreak");
			assert_int_equal(strchr(json, '\n') != NULL, pretty);
			yajl_tree_free(t);
			free(json);
			spec_state_clear(&st);
		}
}

static void test_oci_state_minimal(void **state)
{
	(void)state;
	/* no pid yet, no annotations, no internal fields set */
	struct spec_state st = {.oci_version = xstrdup("1.3.0"),
				.id = xstrdup("c"),
				.status = xstrdup("creating"),
				.bundle = xstrdup("/b")};
	char *json = NULL;
	struct error err = {0};
	assert_int_equal(spec_state_to_json(&st, false, false, &json, &err), 0);
	yajl_val t = tree_parse(json);
	check_against_state_schema(t);
	assert_null(get(t, "pid"));
	assert_null(get(t, "annotations"));
	assert_int_equal(t->u.object.len, 4);
	yajl_tree_free(t);
	free(json);
	spec_state_clear(&st);
	assert_null(st.id);    /* cleared */
	spec_state_clear(&st); /* twice is harmless */
}

/* The names of the *.json files of AGENTRUN_FIXTURES/state/KIND, sorted;
 * a missing or empty directory fails the test. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t state_fixtures(const char *kind, char ***out)
{
	const char *root = getenv("AGENTRUN_FIXTURES");
	if (!root || !*root)
		fail_msg(
			"AGENTRUN_FIXTURES is not set: run through `meson test` or tests/run-unit");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/state/%s", root, kind);
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("fixtures missing: %s: %s", dir, strerror(errno));
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		assert_non_null(names);
		char rel[512];
		snprintf(rel, sizeof(rel), "state/%s/%s", kind, e->d_name);
		names[n] = strdup(rel);
		assert_non_null(names[n++]);
	}
	closedir(d);
	if (n < 3)
		fail_msg("only %zu documents in %s", n, dir);
	qsort(names, n, sizeof(*names), cmp_str);
	*out = names;
	return n;
}

/* tests/fixtures/state/good: each conforms to state-schema.json and parses
 * into the fields it holds. */
static void test_state_fixtures_good(void **state)
{
	(void)state;
	yajl_val schema = state_schema();
	char **names;
	size_t n = state_fixtures("good", &names);
	for (size_t i = 0; i < n; i++) {
		char *json = data_file("AGENTRUN_FIXTURES", names[i]);
		yajl_val t = tree_parse(json);
		const char *r = state_schema_violation(schema, t);
		if (r)
			fail_msg("%s: %s", names[i], r);
		struct spec_state st;
		struct error err = {0};
		if (spec_state_parse(json, "state.json", &st, &err) < 0)
			fail_msg("%s: %s", names[i], err.msg);
		assert_string_equal(st.id, get_str(t, "id"));
		assert_string_equal(st.status, get_str(t, "status"));
		assert_string_equal(st.bundle, get_str(t, "bundle"));
		yajl_val pid = get(t, "pid");
		assert_int_equal(st.pid, pid ? YAJL_GET_INTEGER(pid) : 0);
		yajl_tree_free(t);
		spec_state_clear(&st);
		free(json);
		free(names[i]);
	}
	free(names);
	yajl_tree_free(schema);

	char *json = data_file("AGENTRUN_FIXTURES", "state/good/running.json");
	struct spec_state st;
	struct error err = {0};
	assert_int_equal(spec_state_parse(json, "state.json", &st, &err), 0);
	assert_string_equal(st.id, "agent-task-17");
	assert_int_equal(st.pid, 31337);
	assert_string_equal(spec_map_get(&st.annotations, "com.example.agent.task"), "refactor");
	assert_string_equal(spec_map_get(&st.annotations, "com.example.empty"), "");
	spec_state_clear(&st);
	free(json);
}

/* tests/fixtures/state/bad: each is not JSON or breaks state-schema.json;
 * the parser refuses the ones it must be able to refuse. */
static void test_state_fixtures_bad(void **state)
{
	(void)state;
	yajl_val schema = state_schema();
	char **names;
	size_t n = state_fixtures("bad", &names);
	for (size_t i = 0; i < n; i++) {
		char *json = data_file("AGENTRUN_FIXTURES", names[i]);
		yajl_val t = yajl_tree_parse(json, NULL, 0);
		if (t && !state_schema_violation(schema, t))
			fail_msg("%s conforms to state-schema.json", names[i]);
		yajl_tree_free(t);
		free(json);
		free(names[i]);
	}
	free(names);
	yajl_tree_free(schema);

	struct spec_state st;
	struct error err = {0};
	char *json = data_file("AGENTRUN_FIXTURES", "state/bad/invalid-json.json");
	assert_int_equal(spec_state_parse(json, "state.json", &st, &err), -1);
	assert_non_null(strstr(err.msg, "state.json: invalid state JSON"));
	free(json);
	json = data_file("AGENTRUN_FIXTURES", "state/bad/missing-bundle.json");
	assert_int_equal(spec_state_parse(json, "state.json", &st, &err), -1);
	assert_string_equal(err.msg, "state.json: state record lacks id, status or bundle");
	free(json);
}

/* ---- internal record ---- */

static void test_internal_roundtrip(void **state)
{
	(void)state;
	for (int pretty = 0; pretty < 2; pretty++) {
		struct spec_state st;
		make_state(&st, "stopped", 4242);
		char *json = NULL;
		struct error err = {0};
		assert_int_equal(spec_state_to_json(&st, true, pretty, &json, &err), 0);
		yajl_val t = tree_parse(json);
		for (const char *const *k = internal_keys; *k; k++)
			if (!get(t, *k))
				fail_msg("internal record lacks \"%s\"", *k);
		assert_non_null(get(t, "pid")); /* kept even when stopped */
		yajl_tree_free(t);

		struct spec_state back;
		if (spec_state_parse(json, "state.json", &back, &err) < 0)
			fail_msg("%s", err.msg);
		assert_string_equal(back.oci_version, st.oci_version);
		assert_string_equal(back.id, st.id);
		assert_string_equal(back.status, st.status);
		assert_int_equal(back.pid, st.pid);
		assert_string_equal(back.bundle, st.bundle);
		assert_true(back.start_time == st.start_time);
		assert_string_equal(back.rootfs, st.rootfs);
		assert_string_equal(back.created, st.created);
		assert_string_equal(back.owner, st.owner);
		assert_string_equal(back.cgroup, st.cgroup);
		assert_true(back.systemd_cgroup);
		assert_true(back.has_terminal);
		assert_int_equal(back.annotations.n, 2);
		assert_string_equal(back.annotations.keys[0], "org.example.a");
		assert_string_equal(spec_map_get(&back.annotations, "quote\"d"), "line\nbreak");
		spec_state_clear(&back);
		spec_state_clear(&st);
		free(json);
	}

	/* optional parts absent: no cgroup, no annotations, flags false */
	struct spec_state st = {.oci_version = xstrdup("1.3.0"),
				.id = xstrdup("c"),
				.status = xstrdup("created"),
				.pid = 7,
				.bundle = xstrdup("/b"),
				.start_time = 0xffffffffffULL};
	char *json = NULL;
	struct error err = {0};
	assert_int_equal(spec_state_to_json(&st, true, false, &json, &err), 0);
	struct spec_state back;
	assert_int_equal(spec_state_parse(json, "state.json", &back, &err), 0);
	assert_null(back.cgroup);
	assert_null(back.rootfs);
	assert_null(back.owner);
	assert_false(back.systemd_cgroup);
	assert_false(back.has_terminal);
	assert_int_equal(back.annotations.n, 0);
	assert_true(back.start_time == 0xffffffffffULL);
	assert_int_equal(back.pid, 7);
	spec_state_clear(&back);
	spec_state_clear(&st);
	free(json);
}

static void test_state_parse_errors(void **state)
{
	(void)state;
	struct spec_state st;
	struct error err = {0};
	assert_int_equal(spec_state_parse("{", "s.json", &st, &err), -1);
	assert_non_null(strstr(err.msg, "s.json: invalid state JSON"));
	assert_null(strchr(err.msg, '\n'));
	assert_int_equal(spec_state_parse("[]", "s.json", &st, &err), -1);
	assert_non_null(strstr(err.msg, "s.json: "));
	assert_int_equal(
		spec_state_parse("{\"id\":\"a\",\"status\":\"created\"}", "s.json", &st, &err), -1);
	assert_string_equal(err.msg, "s.json: state record lacks id, status or bundle");
	assert_null(st.id); /* cleared on error */
	assert_int_equal(spec_state_parse("{\"id\":\"a\",\"status\":1,\"bundle\":\"/b\"}", "s.json",
					  &st, &err),
			 -1);
	/* wrong types are ignored; a non-string annotation becomes "" */
	assert_int_equal(spec_state_parse("{\"id\":\"a\",\"status\":\"created\",\"bundle\":\"/b\","
					  "\"pid\":\"12\",\"annotations\":{\"k\":5}}",
					  "s.json", &st, &err),
			 0);
	assert_int_equal(st.pid, 0);
	assert_string_equal(spec_map_get(&st.annotations, "k"), "");
	spec_state_clear(&st);
}

static void test_list_json(void **state)
{
	(void)state;
	struct spec_state sts[2];
	make_state(&sts[0], "running", 100);
	make_state(&sts[1], "stopped", 200);
	free(sts[1].id);
	sts[1].id = xstrdup("agent-2");
	free(sts[1].owner);
	sts[1].owner = NULL;
	spec_map_clear(&sts[1].annotations);
	char *json = NULL;
	struct error err = {0};
	assert_int_equal(spec_state_list_json(sts, 2, &json, &err), 0);
	yajl_val t = tree_parse(json);
	assert_true(YAJL_IS_ARRAY(t));
	assert_int_equal(t->u.array.len, 2);
	const char *keys[] = {"ociVersion", "id",     "pid",	 "status",
			      "bundle",	    "rootfs", "created", "owner"};
	for (size_t i = 0; i < 2; i++)
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!get(t->u.array.values[i], keys[k]))
				fail_msg("list entry %zu lacks \"%s\"", i, keys[k]);
	yajl_val a = t->u.array.values[0], b = t->u.array.values[1];
	assert_string_equal(get_str(a, "id"), "agent-1");
	assert_int_equal(YAJL_GET_INTEGER(get(a, "pid")), 100);
	assert_string_equal(get_str(a, "status"), "running");
	assert_string_equal(get_str(a, "rootfs"), "/run/bundles/agent-1/rootfs");
	assert_string_equal(get_str(a, "created"), "2024-05-01T10:20:30.123456789Z");
	assert_string_equal(get_str(a, "owner"), "agent");
	assert_string_equal(get_str(get(a, "annotations"), "org.example.a"), "1");
	assert_null(get(a, "cgroup"));
	assert_string_equal(get_str(b, "id"), "agent-2");
	assert_int_equal(YAJL_GET_INTEGER(get(b, "pid")), 0); /* stopped: runc prints 0 */
	assert_string_equal(get_str(b, "owner"), "");
	assert_null(get(b, "annotations"));
	yajl_tree_free(t);
	free(json);
	spec_state_clear(&sts[0]);
	spec_state_clear(&sts[1]);

	assert_int_equal(spec_state_list_json(NULL, 0, &json, &err), 0);
	assert_string_equal(json, "[]");
	free(json);
}

static void test_map_copy(void **state)
{
	(void)state;
	struct spec_map src = {
		.n = 3, .keys = (char *[]){"a", "b", "c"}, .values = (char *[]){"1", "", "3"}};
	struct spec_map dst;
	assert_int_equal(spec_map_copy(&dst, &src), 0);
	assert_int_equal(dst.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_ptr_not_equal(dst.keys[i], src.keys[i]);
		assert_string_equal(dst.keys[i], src.keys[i]);
		assert_string_equal(dst.values[i], src.values[i]);
	}
	spec_map_clear(&dst);
	assert_int_equal(dst.n, 0);
	assert_null(dst.keys);
	struct spec_map empty = {0};
	assert_int_equal(spec_map_copy(&dst, &empty), 0);
	assert_int_equal(dst.n, 0);
	spec_map_clear(&dst);
}

/* ---- `agentrun spec` templates ---- */

static struct spec *template_spec(bool rootless, unsigned uid, unsigned gid)
{
	char *json = NULL;
	struct error err = {0};
	if (spec_template_json(rootless, uid, gid, &json, &err) < 0)
		fail_msg("spec_template_json: %s", err.msg);
	struct spec *s = NULL;
	if (spec_parse(json, strlen(json), "config.json", &s, &err) < 0)
		fail_msg("template does not parse: %s\n%s", err.msg, json);
	free(json);
	if (spec_validate(s, "config.json", &err) < 0) {
		spec_free(s);
		fail_msg("template does not validate: %s", err.msg);
	}
	return s;
}

static bool has_option(const struct spec *s, const char *dest, const char *opt)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (!strcmp(s->mounts[i].destination, dest))
			for (size_t j = 0; j < s->mounts[i].n_options; j++)
				if (!strcmp(s->mounts[i].options[j], opt))
					return true;
	return false;
}

static void test_template_plain(void **state)
{
	(void)state;
	struct spec *s = template_spec(false, 1000, 1000);
	assert_string_equal(s->oci_version, "1.3.0");
	assert_true(s->root.present);
	assert_string_equal(s->root.path, "rootfs");
	assert_true(s->process.present);
	assert_int_equal(s->process.n_args, 1);
	assert_string_equal(s->process.args[0], "sh");
	assert_int_equal(s->process.user.uid, 0);
	assert_non_null(spec_namespace_find(s, "pid"));
	assert_non_null(spec_namespace_find(s, "network"));
	assert_non_null(spec_namespace_find(s, "mount"));
	assert_null(spec_namespace_find(s, "user"));
	assert_int_equal(s->linux_.n_uid_mappings, 0);
	assert_int_equal(s->linux_.n_gid_mappings, 0);
	assert_true(has_option(s, "/dev/pts", "gid=5"));
	assert_true(s->linux_.n_masked_paths > 0);
	spec_free(s);
}

static void test_template_rootless(void **state)
{
	(void)state;
	const unsigned ids[][2] = {{1000, 1001}, {0, 0}, {4294967294u, 65534}};
	for (size_t i = 0; i < 3; i++) {
		struct spec *s = template_spec(true, ids[i][0], ids[i][1]);
		const struct spec_namespace *ns = spec_namespace_find(s, "user");
		assert_non_null(ns);
		assert_null(ns->path);
		assert_null(spec_namespace_find(s, "network"));
		assert_int_equal(s->linux_.n_uid_mappings, 1);
		assert_int_equal(s->linux_.uid_mappings[0].container_id, 0);
		assert_int_equal(s->linux_.uid_mappings[0].host_id, ids[i][0]);
		assert_int_equal(s->linux_.uid_mappings[0].size, 1);
		assert_int_equal(s->linux_.n_gid_mappings, 1);
		assert_int_equal(s->linux_.gid_mappings[0].container_id, 0);
		assert_int_equal(s->linux_.gid_mappings[0].host_id, ids[i][1]);
		assert_int_equal(s->linux_.gid_mappings[0].size, 1);
		/* gid=5 does not exist in a single-id user namespace */
		assert_false(has_option(s, "/dev/pts", "gid=5"));
		spec_free(s);
	}
}

/* ---- hook state ---- */

/* spec_state_hook_json: the base's identity with the given status and pid,
 * nothing of agentrun's record, the base itself untouched. */
static void test_hook_state(void **state)
{
	(void)state;
	struct spec_state base;
	make_state(&base, "running", 99);
	const struct {
		const char *status;
		pid_t pid;
		bool has_pid;
	} cases[] = {
		{"creating", 4242, true}, {"created", 7, true},	  {"running", 1, true},
		{"stopped", 4242, false}, {"creating", 0, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *json = NULL;
		struct error err = {0};
		if (spec_state_hook_json(&base, cases[i].status, cases[i].pid, &json, &err) < 0)
			fail_msg("%s", err.msg);
		yajl_val t = tree_parse(json);
		check_against_state_schema(t);
		assert_string_equal(get_str(t, "ociVersion"), "1.3.0");
		assert_string_equal(get_str(t, "id"), "agent-1");
		assert_string_equal(get_str(t, "status"), cases[i].status);
		assert_string_equal(get_str(t, "bundle"), "/run/bundles/agent-1");
		yajl_val pid = get(t, "pid");
		if (cases[i].has_pid) {
			assert_non_null(pid);
			assert_int_equal(YAJL_GET_INTEGER(pid), cases[i].pid);
		} else {
			assert_null(pid);
		}
		for (const char *const *k = internal_keys; *k; k++)
			if (get(t, *k))
				fail_msg("hook state has internal field \"%s\"", *k);
		yajl_val a = get(t, "annotations");
		assert_non_null(a);
		assert_string_equal(get_str(a, "quote\"d"), "line\nbreak");
		assert_null(strchr(json, '\n')); /* compact */
		yajl_tree_free(t);
		free(json);
	}
	assert_string_equal(base.status, "running");
	assert_int_equal(base.pid, 99);
	spec_state_clear(&base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oci_state),
		cmocka_unit_test(test_oci_state_minimal),
		cmocka_unit_test(test_state_fixtures_good),
		cmocka_unit_test(test_state_fixtures_bad),
		cmocka_unit_test(test_internal_roundtrip),
		cmocka_unit_test(test_state_parse_errors),
		cmocka_unit_test(test_list_json),
		cmocka_unit_test(test_map_copy),
		cmocka_unit_test(test_template_plain),
		cmocka_unit_test(test_template_rootless),
		cmocka_unit_test(test_hook_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
