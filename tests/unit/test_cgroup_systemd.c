/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroups/systemd_props.c: the systemd driver's pure parts, without a bus:
 * runc's "slice:prefix:name" cgroupsPath and slice expansion, the unit
 * properties made from linux.resources (through their cgroup v2 files),
 * the cpuset bit masks, and the org.systemd.property.* annotations. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cgroups/systemd.h"

static void test_expand_slice(void **state)
{
	(void)state;
	char out[256];
	struct error err = {0};
	assert_int_equal(sd_expand_slice("system.slice", out, sizeof(out), &err), 0);
	assert_string_equal(out, "/system.slice");
	assert_int_equal(sd_expand_slice("a-b-c.slice", out, sizeof(out), &err), 0);
	assert_string_equal(out, "/a.slice/a-b.slice/a-b-c.slice");
	assert_int_equal(sd_expand_slice("-.slice", out, sizeof(out), &err), 0);
	assert_string_equal(out, "/");
	const char *bad[] = {"a--b.slice", "-a.slice",	"a-.slice", ".slice",
			     "a.scope",	   "a/b.slice", "slice",    ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sd_expand_slice(bad[i], out, sizeof(out), &err), -1);
		assert_non_null(strstr(err.msg, "invalid slice name"));
	}
	/* too long for the buffer: refused, not cut */
	assert_int_equal(sd_expand_slice("a-b-c-d-e-f-g.slice", out, 40, &err), -1);
}

static void test_parse_cgroups_path(void **state)
{
	(void)state;
	struct sd_unit_name u;
	struct error err = {0};
	assert_int_equal(sd_parse_cgroups_path("system.slice:agentrun:c1", "c1", false, &u, &err),
			 0);
	assert_string_equal(u.slice, "system.slice");
	assert_string_equal(u.unit, "agentrun-c1.scope");
	assert_false(u.is_slice);
	/* empty slice: system.slice for root, user.slice rootless */
	assert_int_equal(sd_parse_cgroups_path(":crio:abc", "x", false, &u, &err), 0);
	assert_string_equal(u.slice, "system.slice");
	assert_string_equal(u.unit, "crio-abc.scope");
	assert_int_equal(sd_parse_cgroups_path(":crio:abc", "x", true, &u, &err), 0);
	assert_string_equal(u.slice, "user.slice");
	/* no prefix: NAME.scope */
	assert_int_equal(sd_parse_cgroups_path("machine.slice::web", "x", false, &u, &err), 0);
	assert_string_equal(u.unit, "web.scope");
	/* a name ending in .slice makes a slice; the prefix goes */
	assert_int_equal(
		sd_parse_cgroups_path("kubepods.slice:p:kubepods-pod1.slice", "x", false, &u, &err),
		0);
	assert_true(u.is_slice);
	assert_string_equal(u.unit, "kubepods-pod1.slice");
	assert_string_equal(u.slice, "kubepods.slice");
	/* a dashed slice is kept as is (systemd nests it) */
	assert_int_equal(sd_parse_cgroups_path("kubepods-besteffort.slice:cri-containerd:0a", "x",
					       false, &u, &err),
			 0);
	assert_string_equal(u.slice, "kubepods-besteffort.slice");
	assert_string_equal(u.unit, "cri-containerd-0a.scope");
	/* empty or NULL: runc's default, ":agentrun:ID" */
	assert_int_equal(sd_parse_cgroups_path("", "c2", false, &u, &err), 0);
	assert_string_equal(u.slice, "system.slice");
	assert_string_equal(u.unit, "agentrun-c2.scope");
	assert_int_equal(sd_parse_cgroups_path(NULL, "c3", true, &u, &err), 0);
	assert_string_equal(u.slice, "user.slice");
	assert_string_equal(u.unit, "agentrun-c3.scope");
	/* refused, naming linux.cgroupsPath */
	const char *bad[] = {"/a/b",
			     "a:b",
			     "a:b:c:d",
			     "system.slice:x:",
			     "sys:x:n",
			     "system.slice:a/b:n",
			     "a--b.slice:x:n",
			     "system.slice:x:a;b",
			     "system.slice:x:bad--.slice"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sd_parse_cgroups_path(bad[i], "x", false, &u, &err), -1);
		assert_non_null(strstr(err.msg, "linux.cgroupsPath"));
		assert_null(strchr(err.msg, '\n'));
	}
}

static void test_cpu_max(void **state)
{
	(void)state;
	uint64_t q, p;
	assert_int_equal(sd_cpu_max("50000 100000", &q, &p), 0);
	assert_true(q == 500000 && p == 100000);
	/* rounded up to systemd's 10ms steps, as runc does */
	assert_int_equal(sd_cpu_max("12345 100000", &q, &p), 0);
	assert_true(q == 130000);
	assert_int_equal(sd_cpu_max("1000 100000", &q, &p), 0);
	assert_true(q == 10000);
	assert_int_equal(sd_cpu_max("200000 1000000", &q, &p), 0);
	assert_true(q == 200000 && p == 1000000);
	/* no period: the kernel's 100ms */
	assert_int_equal(sd_cpu_max("25000", &q, &p), 0);
	assert_true(q == 250000 && p == 0);
	assert_int_equal(sd_cpu_max("max 100000", &q, &p), 0);
	assert_true(q == UINT64_MAX && p == 100000);
	assert_int_equal(sd_cpu_max("max", &q, &p), 0);
	assert_true(q == UINT64_MAX && p == 0);
	assert_int_equal(sd_cpu_max("x 100", &q, &p), -EINVAL);
	assert_int_equal(sd_cpu_max("100 0", &q, &p), -EINVAL);
	assert_int_equal(sd_cpu_max("", &q, &p), -EINVAL);
}

static void test_cpuset_mask(void **state)
{
	(void)state;
	uint8_t *m;
	size_t n;
	assert_int_equal(sd_cpuset_mask("0", &m, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(m[0], 0x01);
	free(m);
	assert_int_equal(sd_cpuset_mask("0-3,8", &m, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(m[0], 0x0f);
	assert_int_equal(m[1], 0x01);
	free(m);
	assert_int_equal(sd_cpuset_mask("1,3,5-7\n", &m, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(m[0], 0xea);
	free(m);
	assert_int_equal(sd_cpuset_mask("17", &m, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(m[0], 0);
	assert_int_equal(m[1], 0);
	assert_int_equal(m[2], 0x02);
	free(m);
	assert_int_equal(sd_cpuset_mask("3-1", &m, &n), -EINVAL);
	assert_int_equal(sd_cpuset_mask("a", &m, &n), -EINVAL);
	assert_int_equal(sd_cpuset_mask("1-", &m, &n), -EINVAL);
	assert_int_equal(sd_cpuset_mask("99999", &m, &n), -EINVAL);
}

/* The properties linux.resources give (through cgroup_v2_map). */
static void props_of(const struct spec_resources *res, struct sd_props *p)
{
	struct cgroup_entries es = {0};
	struct error err = {0};
	memset(p, 0, sizeof(*p));
	assert_int_equal(cgroup_v2_map(res, cgroup_entries_add, &es, &err), 0);
	assert_int_equal(sd_props_from_entries(&es, p, &err), 0);
	cgroup_entries_free(&es);
}

static uint64_t u64(const struct sd_props *p, const char *name)
{
	const struct sd_prop *x = sd_props_get(p, name);
	assert_non_null(x);
	assert_string_equal(x->type, "t");
	return x->u;
}

static void test_props_from_resources(void **state)
{
	(void)state;
	struct sd_props p;
	struct spec_resources r = {.present = true};
	r.memory = (struct spec_memory){.present = true,
					.has_limit = true,
					.limit = 67108864,
					.has_reservation = true,
					.reservation = 1048576,
					.has_swap = true,
					.swap = 100663296};
	r.cpu = (struct spec_cpu){.present = true,
				  .has_shares = true,
				  .shares = 1024,
				  .has_quota = true,
				  .quota = 50000,
				  .has_period = true,
				  .period = 100000,
				  .cpus = "0-1",
				  .mems = "0"};
	r.pids = (struct spec_pids){.present = true, .has_limit = true, .limit = 100};
	r.block_io = (struct spec_blkio){.present = true, .has_weight = true, .weight = 500};
	char *keys[] = {"memory.high"}, *values[] = {"33554432"};
	r.unified = (struct spec_map){.n = 1, .keys = keys, .values = values};
	props_of(&r, &p);
	assert_true(u64(&p, "MemoryMax") == 67108864);
	assert_true(u64(&p, "MemoryLow") == 1048576);
	/* OCI swap is memory+swap; MemorySwapMax is swap alone */
	assert_true(u64(&p, "MemorySwapMax") == 100663296 - 67108864);
	assert_true(u64(&p, "MemoryHigh") == 33554432);
	/* shares 1024 -> weight 39, runc's 1 + (shares - 2) * 9999 / 262142 */
	assert_true(u64(&p, "CPUWeight") == 39);
	assert_true(u64(&p, "CPUWeight") == cgroup_shares_to_weight(1024));
	assert_true(u64(&p, "CPUQuotaPerSecUSec") == 500000);
	assert_true(u64(&p, "CPUQuotaPeriodUSec") == 100000);
	assert_true(u64(&p, "TasksMax") == 100);
	assert_true(u64(&p, "IOWeight") == cgroup_blkio_to_io_weight(500));
	const struct sd_prop *c = sd_props_get(&p, "AllowedCPUs");
	assert_non_null(c);
	assert_string_equal(c->type, "ay");
	assert_int_equal(c->n_bytes, 1);
	assert_int_equal(c->bytes[0], 0x03);
	assert_non_null(sd_props_get(&p, "AllowedMemoryNodes"));
	sd_props_free(&p);

	/* -1 is unlimited (max); 0 is "not set", as runc */
	struct spec_resources u = {.present = true};
	u.memory = (struct spec_memory){.present = true, .has_limit = true, .limit = -1};
	u.pids = (struct spec_pids){.present = true, .has_limit = true, .limit = -1};
	u.cpu = (struct spec_cpu){.present = true, .has_quota = true, .quota = -1};
	props_of(&u, &p);
	assert_true(u64(&p, "MemoryMax") == UINT64_MAX);
	assert_true(u64(&p, "MemorySwapMax") == UINT64_MAX);
	assert_true(u64(&p, "TasksMax") == UINT64_MAX);
	assert_true(u64(&p, "CPUQuotaPerSecUSec") == UINT64_MAX);
	sd_props_free(&p);
	struct spec_resources z = {.present = true};
	z.memory = (struct spec_memory){.present = true,
					.has_limit = true,
					.limit = 0,
					.has_reservation = true,
					.reservation = 0,
					.has_swap = true,
					.swap = 0};
	z.cpu = (struct spec_cpu){
		.present = true, .has_shares = true, .shares = 0, .has_quota = true, .quota = 0};
	props_of(&z, &p);
	assert_int_equal(p.n, 0);
	sd_props_free(&p);
}

static void test_props_set(void **state)
{
	(void)state;
	struct sd_props p = {0};
	assert_int_equal(sd_props_set_u64(&p, "TasksMax", 5), 0);
	assert_int_equal(sd_props_set_str(&p, "Slice", "a.slice"), 0);
	assert_int_equal(sd_props_set_u64(&p, "TasksMax", 7), 0); /* replaced */
	assert_int_equal(p.n, 2);
	assert_true(u64(&p, "TasksMax") == 7);
	assert_int_equal(sd_props_set_bool(&p, "Slice", true), 0); /* type changes too */
	assert_string_equal(sd_props_get(&p, "Slice")->type, "b");
	assert_null(sd_props_get(&p, "Slice")->s);
	assert_int_equal(sd_props_set_strv1(&p, "Wants", "a.slice"), 0);
	assert_string_equal(sd_props_get(&p, "Wants")->type, "as");
	assert_int_equal(sd_props_get(&p, "Wants")->n_strv, 1);
	assert_string_equal(sd_props_get(&p, "Wants")->strv[0], "a.slice");
	sd_props_free(&p);
	assert_int_equal(p.n, 0);
}

static void test_annotations(void **state)
{
	(void)state;
	struct sd_prop x;
	struct error err = {0};
#define K(n) SD_PROPERTY_PREFIX n
	assert_int_equal(sd_parse_annotation(K("CollectMode"), "'inactive-or-failed'", &x, &err),
			 0);
	assert_string_equal(x.name, "CollectMode");
	assert_string_equal(x.type, "s");
	assert_string_equal(x.s, "inactive-or-failed");
	free(x.s);
	assert_int_equal(sd_parse_annotation(K("Description"), "\"a b\"", &x, &err), 0);
	assert_string_equal(x.s, "a b");
	free(x.s);
	assert_int_equal(sd_parse_annotation(K("TimeoutStopUSec"), "uint64 123456789", &x, &err),
			 0);
	assert_string_equal(x.name, "TimeoutStopUSec");
	assert_string_equal(x.type, "t");
	assert_true(x.u == 123456789);
	assert_int_equal(sd_parse_annotation(K("Delegate"), "true", &x, &err), 0);
	assert_string_equal(x.type, "b");
	assert_true(x.u == 1);
	assert_int_equal(sd_parse_annotation(K("CPUWeight"), "@t 100", &x, &err), 0);
	assert_true(x.u == 100);
	/* a bare number is GVariant's int32 */
	assert_int_equal(sd_parse_annotation(K("Nice"), "-5", &x, &err), 0);
	assert_string_equal(x.type, "i");
	assert_int_equal(x.i, -5);
	assert_int_equal(sd_parse_annotation(K("LimitX"), "int64 -9", &x, &err), 0);
	assert_string_equal(x.type, "x");
	assert_int_equal(x.i, -9);
	/* ...Sec (a lowercase letter before Sec) is ...USec in microseconds */
	assert_int_equal(sd_parse_annotation(K("TimeoutStopSec"), "7", &x, &err), 0);
	assert_string_equal(x.name, "TimeoutStopUSec");
	assert_string_equal(x.type, "t");
	assert_true(x.u == 7000000);
	assert_int_equal(sd_parse_annotation(K("RuntimeMaxSec"), "uint64 2", &x, &err), 0);
	assert_string_equal(x.name, "RuntimeMaxUSec");
	assert_true(x.u == 2000000);
	/* "USec" itself is left alone (upper case before Sec) */
	assert_int_equal(sd_parse_annotation(K("RuntimeMaxUSec"), "uint64 3", &x, &err), 0);
	assert_string_equal(x.name, "RuntimeMaxUSec");
	assert_true(x.u == 3);
	/* string arrays: CRI-O's After=['crio.service'] */
	assert_int_equal(sd_parse_annotation(K("After"), "['crio.service']", &x, &err), 0);
	assert_string_equal(x.type, "as");
	assert_int_equal(x.n_strv, 1);
	assert_string_equal(x.strv[0], "crio.service");
	sd_prop_clear(&x);
	assert_int_equal(sd_parse_annotation(K("Wants"), "[ 'a.service',\"b.slice\" ]", &x, &err),
			 0);
	assert_int_equal(x.n_strv, 2);
	assert_string_equal(x.strv[1], "b.slice");
	sd_prop_clear(&x);
	assert_int_equal(sd_parse_annotation(K("After"), "@as []", &x, &err), 0);
	assert_string_equal(x.type, "as");
	assert_int_equal(x.n_strv, 0);
	sd_prop_clear(&x);
	/* refused, naming the annotation */
	const char *bad_values[][2] = {
		{"CPUWeight", "[1, 2]"},    {"CPUWeight", "1.5"},
		{"CPUWeight", "uint64 -1"}, {"Description", "'it\\'s'"},
		{"Description", "'open"},   {"TimeoutStopSec", "'x'"},
		{"TimeoutStopSec", "-1"},   {"Nice", "99999999999"},
		{"CPUWeight", ""},	    {"Delegate", "yes"},
		{"After", "['a' 'b']"},	    {"After", "['a', 2]"},
		{"After", "['a\\'b']"},	    {"TimeoutStopSec", "['1']"},
	};
	for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		char key[128];
		snprintf(key, sizeof(key), SD_PROPERTY_PREFIX "%s", bad_values[i][0]);
		assert_int_equal(sd_parse_annotation(key, bad_values[i][1], &x, &err), -1);
		assert_non_null(strstr(err.msg, key));
		assert_null(x.s);
		assert_null(x.strv);
	}
	const char *bad_names[] = {K("ab"), K("CPU1"), K("a-b"), K("")};
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		assert_int_equal(sd_parse_annotation(bad_names[i], "1", &x, &err), -1);
		assert_non_null(strstr(err.msg, "latin letters"));
	}
#undef K
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_slice),
		cmocka_unit_test(test_parse_cgroups_path),
		cmocka_unit_test(test_cpu_max),
		cmocka_unit_test(test_cpuset_mask),
		cmocka_unit_test(test_props_from_resources),
		cmocka_unit_test(test_props_set),
		cmocka_unit_test(test_annotations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
