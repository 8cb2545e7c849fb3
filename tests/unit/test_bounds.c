/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Memory safety on hostile config input: each test feeds what crashed (or
 * could crash) an AddressSanitizer build before the fix and checks for a
 * clean one-line error naming the JSON path. Nesting depth (yajl
 * recursion), count bounds in spec_validate, the rdma value (a stack
 * overflow through `n += snprintf`), uid_map/gid_map text (read past a
 * 4096-byte stack buffer), a cgroupsPath component (a stack VLA). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroups/internal.h"
#include "runtime/namespaces.h"
#include "spec/json.h"
#include "spec/spec.h"
#include "spec/state.h"

#define ORIGIN "config.json"

/* A growing string. */
struct buf {
	char *s;
	size_t n, cap;
};

static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(w >= 0);
	if (b->n + (size_t)w + 1 > b->cap) {
		b->cap = (b->n + (size_t)w + 1) * 2;
		b->s = realloc(b->s, b->cap);
		assert_non_null(b->s);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	b->n += (size_t)w;
}

/* Parse and validate; the error message, or NULL when accepted. */
static char msg[ERROR_MSG_MAX];
static const char *check(const char *json)
{
	struct spec *s = NULL;
	struct error err = {0};
	int r = spec_parse(json, strlen(json), ORIGIN, &s, &err);
	if (r == 0) {
		r = spec_validate(s, ORIGIN, &err);
		spec_free(s);
	}
	if (r == 0)
		return NULL;
	snprintf(msg, sizeof(msg), "%s", err.msg);
	assert_null(strchr(msg, '\n'));
	return msg;
}

#define assert_contains(hay, needle)                                             \
	do {                                                                     \
		const char *h_ = (hay), *n_ = (needle);                          \
		if (!h_)                                                         \
			fail_msg("accepted, expected an error with \"%s\"", n_); \
		if (!strstr(h_, n_))                                             \
			fail_msg("expected \"%s\" in message \"%s\"", n_, h_);   \
	} while (0)

#define HEAD "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"rootfs\"},"
#define PROC "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],"

/* ---- nesting depth ---- */

static void test_depth(void **state)
{
	(void)state;
	/* 64 levels parse (in an unknown member), 65 do not */
	struct buf b = {0};
	put(&b, HEAD "\"x\":");
	for (int i = 0; i < 63; i++)
		put(&b, "[");
	for (int i = 0; i < 63; i++)
		put(&b, "]");
	put(&b, "}");
	assert_null(check(b.s));
	free(b.s);

	b = (struct buf){0};
	put(&b, HEAD "\"x\":");
	for (int i = 0; i < 64; i++)
		put(&b, "[");
	for (int i = 0; i < 64; i++)
		put(&b, "]");
	put(&b, "}");
	assert_contains(check(b.s), "config.json: invalid JSON: nested deeper than 64 levels");
	free(b.s);

	/* a depth bomb: 4 Mi levels, closed ({"x":[[[...]]]}): yajl_tree_free
	 * recursed once per level and overflowed the stack */
	size_t n = 8u << 20;
	char *bomb = malloc(n + 1);
	assert_non_null(bomb);
	memset(bomb, '[', n / 2);
	memset(bomb + n / 2, ']', n / 2);
	memcpy(bomb, "{\"x\":", 5);
	bomb[n - 1] = '}';
	bomb[n] = '\0';
	assert_contains(check(bomb), "nested deeper than 64 levels");
	/* brackets inside strings, escaped quotes, do not count */
	assert_null(check(HEAD "\"x\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
			       "[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[\"}"));

	/* the state record reader too */
	struct spec_state st;
	struct error err = {0};
	memcpy(bomb, "{\"id\":", 6);
	assert_int_equal(spec_state_parse(bomb, "state.json", &st, &err), -1);
	assert_non_null(strstr(err.msg, "state.json: invalid JSON: nested deeper"));
	free(bomb);

	/* and update's resources document */
	struct spec_resources res;
	const char *deep =
		"{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		"[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
		"]]]]]]]}";
	assert_int_equal(spec_parse_resources(deep, strlen(deep), "resources", &res, &err), -1);
	assert_non_null(strstr(err.msg, "resources: invalid JSON: nested deeper"));
}

/* ---- counts ---- */

/* A config with a list of n copies of item at the given place. */
static char *doc_with_list(const char *before, const char *item, size_t n, const char *after)
{
	struct buf b = {0};
	put(&b, "%s", before);
	for (size_t i = 0; i < n; i++)
		put(&b, i ? ",%s" : "%s", item);
	put(&b, "%s", after);
	return b.s;
}

static void test_additional_gids(void **state)
{
	(void)state;
	char *ok = doc_with_list(HEAD PROC "\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[",
				 "7", 65536, "]}}}");
	assert_null(check(ok));
	free(ok);
	char *bad = doc_with_list(HEAD PROC "\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[",
				  "7", 100000, "]}}}");
	assert_contains(check(bad), "config.json: .process.user.additionalGids: 100000 entries, "
				    "at most 65536 allowed");
	free(bad);
}

static void test_id_mappings(void **state)
{
	(void)state;
	const char *ns = HEAD "\"linux\":{\"namespaces\":[{\"type\":\"user\"}],";
	struct buf b = {0};
	put(&b, "%s\"uidMappings\":[", ns);
	for (int i = 0; i < 341; i++)
		put(&b, "%s{\"containerID\":%d,\"hostID\":%d,\"size\":1}", i ? "," : "", i,
		    100000 + i);
	put(&b, "],\"gidMappings\":[{\"containerID\":0,\"hostID\":0,\"size\":1}]}}");
	assert_contains(check(b.s), ".linux.uidMappings: 341 entries, at most 340 allowed");
	free(b.s);

	/* 200 lines of 33 bytes: under 340 lines but over one 4095-byte write */
	b = (struct buf){0};
	put(&b, "%s\"uidMappings\":[{\"containerID\":0,\"hostID\":0,\"size\":1}],\"gidMappings\":[",
	    ns);
	for (int i = 0; i < 200; i++)
		put(&b, "%s{\"containerID\":4294967295,\"hostID\":4294967295,\"size\":4294967295}",
		    i ? "," : "");
	put(&b, "]}}");
	assert_contains(check(b.s),
			".linux.gidMappings: 6600 bytes once formatted, the kernel takes at most "
			"4095");
	free(b.s);

	b = (struct buf){0};
	put(&b, HEAD "\"mounts\":[{\"destination\":\"/m\",\"uidMappings\":[");
	for (int i = 0; i < 400; i++)
		put(&b, "%s{\"containerID\":%d,\"hostID\":%d,\"size\":1}", i ? "," : "", i, i);
	put(&b, "]}]}");
	assert_contains(check(b.s), ".mounts[0].uidMappings: 400 entries");
	free(b.s);
}

static void test_other_counts(void **state)
{
	(void)state;
	char *d = doc_with_list(HEAD "\"mounts\":[", "{\"destination\":\"/m\"}", 4097, "]}");
	assert_contains(check(d), "config.json: .mounts: 4097 entries, at most 4096 allowed");
	free(d);
	d = doc_with_list(HEAD PROC "\"env\":[", "\"A=1\"", 65537, "]}}");
	assert_contains(check(d), ".process.env: 65537 entries");
	free(d);
	d = doc_with_list(HEAD "\"linux\":{\"maskedPaths\":[", "\"/p\"", 5000, "]}}");
	assert_contains(check(d), ".linux.maskedPaths: 5000 entries");
	free(d);
	d = doc_with_list(HEAD "\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
			       "\"syscalls\":[{\"action\":\"SCMP_ACT_ERRNO\",\"names\":[",
			  "\"read\"", 4097, "]}]}}}");
	assert_contains(check(d), ".linux.seccomp.syscalls[0].names: 4097 entries");
	free(d);
	d = doc_with_list(HEAD "\"hooks\":{\"prestart\":[", "{\"path\":\"/bin/true\"}", 1025,
			  "]}}");
	assert_contains(check(d), ".hooks.prestart: 1025 entries");
	free(d);
	/* the quadratic duplicate check on rlimits runs after the bound */
	d = doc_with_list(HEAD PROC "\"rlimits\":[",
			  "{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":1}", 1025, "]}}");
	assert_contains(check(d), ".process.rlimits: 1025 entries");
	free(d);
	/* exec --process goes through spec_validate_process */
	d = doc_with_list("{\"cwd\":\"/\",\"args\":[", "\"a\"", 65537, "]}");
	struct spec_process p;
	struct error err = {0};
	assert_int_equal(spec_parse_process(d, strlen(d), "process.json", &p, &err), 0);
	assert_int_equal(spec_validate_process(&p, "process.json", &err), -1);
	assert_non_null(strstr(err.msg, "process.json: .process.args: 65537 entries"));
	spec_process_clear(&p);
	free(d);
}

/* ---- rdma ---- */

static void test_rdma_long_name(void **state)
{
	(void)state;
	char *name = malloc(5001);
	assert_non_null(name);
	memset(name, 'm', 5000);
	name[5000] = '\0';
	/* the mapping refuses it (both versions); before the fix the second
	 * snprintf wrote at v + 5000 with a size of (size_t)-4840 */
	struct spec_rdma rd = {.device = name,
			       .has_hca_handles = true,
			       .hca_handles = 10,
			       .has_hca_objects = true,
			       .hca_objects = 20};
	struct spec_resources res = {.rdma = &rd, .n_rdma = 1};
	for (int v = 1; v <= 2; v++) {
		struct cgroup_entries es = {0};
		struct error err = {0};
		int r = v == 1 ? cgroup_v1_map(&res, cgroup_entries_add, &es, &err)
			       : cgroup_v2_map(&res, cgroup_entries_add, &es, &err);
		assert_int_equal(r, -1);
		assert_non_null(strstr(err.msg, "device name longer than 63 bytes"));
		assert_non_null(strstr(err.msg, "linux.resources.rdma."));
		cgroup_entries_free(&es);
	}
	/* a real name still maps */
	rd.device = "mlx5_0";
	struct cgroup_entries es = {0};
	struct error err = {0};
	assert_int_equal(cgroup_v2_map(&res, cgroup_entries_add, &es, &err), 0);
	int found = 0;
	for (size_t i = 0; i < es.n; i++)
		if (es.v[i].file && !strcmp(es.v[i].file, "rdma.max")) {
			assert_string_equal(es.v[i].value, "mlx5_0 hca_handle=10 hca_object=20");
			found++;
		}
	assert_int_equal(found, 1);
	cgroup_entries_free(&es);

	/* and validation names the path first */
	struct buf b = {0};
	put(&b, HEAD "\"linux\":{\"resources\":{\"rdma\":{\"%s\":{\"hcaHandles\":1}}}}}", name);
	assert_contains(check(b.s), "config.json: .linux.resources.rdma: device name of 5000 "
				    "bytes, at most 63 allowed");
	free(b.s);
	free(name);
}

/* ---- uid_map text ---- */

static void test_format_map(void **state)
{
	(void)state;
	struct spec_id_mapping m[341];
	for (size_t i = 0; i < 341; i++)
		m[i] = (struct spec_id_mapping){UINT32_MAX, UINT32_MAX, UINT32_MAX};
	char buf[NS_MAP_MAX_BYTES + 1];
	struct error err = {0};
	/* 341 lines: the kernel's limit is 340 */
	assert_int_equal(ns_format_map(m, 341, buf, sizeof(buf), &err), -1);
	assert_non_null(strstr(err.msg, "at most 340"));
	/* 200 lines of 33 bytes: before, off grew past the buffer and
	 * write() read 6600 bytes from a 4096-byte stack array */
	assert_int_equal(ns_format_map(m, 200, buf, sizeof(buf), &err), -1);
	assert_non_null(strstr(err.msg, "do not fit in 4095 bytes"));
	/* 124 lines fit (124 * 33 = 4092) */
	assert_int_equal(ns_format_map(m, 124, buf, sizeof(buf), &err), 124 * 33);
	struct spec_id_mapping two[] = {{0, 100000, 65536}, {65536, 5, 1}};
	assert_int_equal(ns_format_map(two, 2, buf, sizeof(buf), &err), 25);
	assert_string_equal(buf, "0 100000 65536\n65536 5 1\n");
}

/* ---- a long cgroupsPath component ---- */

static void test_cgroup_long_component(void **state)
{
	(void)state;
	if (geteuid() != 0 || !cgroup_available())
		skip();
	/* 16 MiB in one component: a stack VLA of that size overran the
	 * 8 MiB stack; now mkdir says ENAMETOOLONG */
	size_t n = 16u << 20;
	char *p = malloc(n + 1);
	assert_non_null(p);
	memset(p, 'c', n);
	p[n] = '\0';
	struct cgroup *cg = NULL;
	struct error err = {0};
	assert_int_equal(cgroup_create(p, "id", &cg, &err), -1);
	assert_null(cg);
	assert_true(err.msg[0] != '\0');
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_additional_gids),
		cmocka_unit_test(test_id_mappings),
		cmocka_unit_test(test_other_counts),
		cmocka_unit_test(test_rdma_long_name),
		cmocka_unit_test(test_format_map),
		cmocka_unit_test(test_cgroup_long_component),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
