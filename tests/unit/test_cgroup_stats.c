/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroups/stats.c: the parsers of the counter files on sample contents,
 * then cgroup_stats on fake v1 and v2 cgroup directories (plain files in
 * a temporary directory, no cgroupfs needed). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroups/internal.h"
#include "cgroups/stats.h"

/* ---- parsers ---- */

static void test_parse_u64(void **state)
{
	(void)state;
	uint64_t v = 7;
	assert_int_equal(cgroup_parse_u64("123\n", 0, &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(cgroup_parse_u64("max\n", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(cgroup_parse_u64("max", 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cgroup_parse_u64("-1\n", 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cgroup_parse_u64("9223372036854771712\n", 0, &v), 0);
	assert_true(v == 9223372036854771712ull);
	assert_int_equal(cgroup_parse_u64("", 0, &v), -1);
	assert_int_equal(cgroup_parse_u64("12 34\n", 0, &v), -1);
	assert_int_equal(cgroup_parse_u64("abc", 0, &v), -1);
}

static const char memory_stat_v1[] = "cache 4096\nrss 8192\nrss_huge 0\nshmem 0\n"
				     "total_cache 4096\ntotal_rss 8192\nhierarchical_memory_limit "
				     "33554432\n";

static void test_parse_keyed(void **state)
{
	(void)state;
	uint64_t v = 0;
	assert_true(cgroup_parse_keyed(memory_stat_v1, "rss", &v));
	assert_int_equal(v, 8192);
	/* a key that is a prefix of another is not confused with it */
	assert_true(cgroup_parse_keyed(memory_stat_v1, "cache", &v));
	assert_int_equal(v, 4096);
	assert_true(cgroup_parse_keyed(memory_stat_v1, "hierarchical_memory_limit", &v));
	assert_int_equal(v, 33554432);
	assert_false(cgroup_parse_keyed(memory_stat_v1, "swap", &v));
	assert_false(cgroup_parse_keyed(memory_stat_v1, "rss_hug", &v));

	const char *oom = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
	assert_true(cgroup_parse_keyed(oom, "oom_kill", &v));
	assert_int_equal(v, 3);
	const char *old_oom = "oom_kill_disable 0\nunder_oom 0\n";
	assert_false(cgroup_parse_keyed(old_oom, "oom_kill", &v));
	const char *events = "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n";
	assert_true(cgroup_parse_keyed(events, "max", &v));
	assert_int_equal(v, 12);
	assert_true(cgroup_parse_keyed(events, "oom_kill", &v));
	assert_int_equal(v, 1);
	assert_true(cgroup_parse_keyed(events, "oom", &v));
	assert_int_equal(v, 2);

	struct cgroup_stat_kv *kv = NULL;
	size_t n = 0;
	struct error err = {0};
	assert_int_equal(cgroup_parse_keyed_all(memory_stat_v1, &kv, &n, &err), 0);
	assert_int_equal(n, 7);
	assert_string_equal(kv[0].key, "cache");
	assert_int_equal(kv[0].value, 4096);
	assert_string_equal(kv[6].key, "hierarchical_memory_limit");
	for (size_t i = 0; i < n; i++)
		free(kv[i].key);
	free(kv);
}

static void test_parse_lists(void **state)
{
	(void)state;
	struct error err = {0};
	uint64_t *v = NULL, *k = NULL, *u = NULL;
	size_t n = 0;
	assert_int_equal(cgroup_parse_u64_list("100 200 300 \n", &v, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[2], 300);
	free(v);
	assert_int_equal(cgroup_parse_u64_list("\n", &v, &n, &err), 0);
	assert_int_equal(n, 0);
	free(v);

	const char *all = "cpu user system\n0 749552000000 880028000000\n1 7 8\n";
	assert_int_equal(cgroup_parse_usage_all(all, &k, &u, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_true(u[0] == 749552000000ull);
	assert_true(k[0] == 880028000000ull);
	assert_int_equal(u[1], 7);
	assert_int_equal(k[1], 8);
	free(k);
	free(u);
	assert_int_equal(cgroup_parse_usage_all("cpu user system\n0 1\n", &k, &u, &n, &err), -1);
	free(k);
	free(u);

	uint16_t *r = NULL;
	assert_int_equal(cgroup_parse_range_list("0-3,5,7-8\n", &r, &n, &err), 0);
	assert_int_equal(n, 7);
	uint16_t want[] = {0, 1, 2, 3, 5, 7, 8};
	assert_memory_equal(r, want, sizeof(want));
	free(r);
	assert_int_equal(cgroup_parse_range_list("\n", &r, &n, &err), 0);
	assert_int_equal(n, 0);
	free(r);
	assert_int_equal(cgroup_parse_range_list("3-1\n", &r, &n, &err), -1);
	free(r);
	assert_int_equal(cgroup_parse_range_list("0,x\n", &r, &n, &err), -1);
	free(r);
}

static void test_parse_blkio(void **state)
{
	(void)state;
	struct error err = {0};
	struct cgroup_blkio_list l = {0};
	const char *v1 = "8:0 Read 4096\n8:0 Write 512\n8:0 Sync 0\n8:0 Async 4608\n"
			 "8:0 Discard 0\n8:0 Total 4608\n253:1 Read 10\nTotal 4618\n";
	assert_int_equal(cgroup_parse_blkio_v1(v1, &l, &err), 0);
	assert_int_equal(l.n, 7);
	assert_int_equal(l.v[0].major, 8);
	assert_int_equal(l.v[0].minor, 0);
	assert_string_equal(l.v[0].op, "Read");
	assert_int_equal(l.v[0].value, 4096);
	assert_string_equal(l.v[5].op, "Total");
	assert_int_equal(l.v[6].major, 253);
	assert_int_equal(l.v[6].minor, 1);
	/* single-value files (sectors, time) have no op; appends */
	assert_int_equal(cgroup_parse_blkio_v1("8:16 1234\n", &l, &err), 0);
	assert_int_equal(l.n, 8);
	assert_string_equal(l.v[7].op, "");
	assert_int_equal(l.v[7].value, 1234);
	/* many entries grow the list */
	for (int i = 0; i < 40; i++)
		assert_int_equal(cgroup_parse_blkio_v1("1:2 Read 3\n", &l, &err), 0);
	assert_int_equal(l.n, 48);
	assert_int_equal(l.v[47].value, 3);
	cgroup_blkio_list_clear(&l);
	assert_int_equal(cgroup_parse_blkio_v1("8:0 Read\n", &l, &err), -1);
	cgroup_blkio_list_clear(&l);

	struct cgroup_blkio_list bytes = {0}, ios = {0};
	const char *io = "8:0 rbytes=1024 wbytes=2048 rios=3 wios=4 dbytes=0 dios=0\n"
			 "259:0 rbytes=5 wbytes=6 rios=7 wios=8 dbytes=9 dios=10 cost.usage=11\n";
	assert_int_equal(cgroup_parse_io_stat(io, &bytes, &ios, &err), 0);
	assert_int_equal(bytes.n, 6);
	assert_int_equal(ios.n, 6);
	assert_string_equal(bytes.v[0].op, "Read");
	assert_int_equal(bytes.v[0].value, 1024);
	assert_string_equal(bytes.v[1].op, "Write");
	assert_int_equal(bytes.v[1].value, 2048);
	assert_string_equal(bytes.v[2].op, "Discard");
	assert_int_equal(ios.v[1].value, 4);
	assert_int_equal(bytes.v[3].major, 259);
	assert_int_equal(ios.v[5].value, 10);
	cgroup_blkio_list_clear(&bytes);
	cgroup_blkio_list_clear(&ios);
}

/* ---- cgroup_stats on fake directories ---- */

static char tmp[256];

static void put(const char *dir, const char *file, const char *content)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static char *mkdir_in(const char *name)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", tmp, name) > 0);
	assert_int_equal(mkdir(p, 0755), 0);
	return p;
}

static int setup_tmp(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/agentrun-stats-XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static struct cgroup_hier hier(int version, const char *controllers, char *dir)
{
	return (struct cgroup_hier){
		.version = version, .controllers = (char *)controllers, .dir = dir};
}

static void test_stats_v1(void **state)
{
	(void)state;
	char *cpu = mkdir_in("cpu"), *acct = mkdir_in("cpuacct"), *mem = mkdir_in("memory");
	char *pids = mkdir_in("pids"), *blkio = mkdir_in("blkio"), *cpuset = mkdir_in("cpuset");
	char *huge = mkdir_in("hugetlb");
	put(acct, "cpuacct.usage", "3000\n");
	put(acct, "cpuacct.usage_percpu", "1000 2000 \n");
	put(acct, "cpuacct.usage_all", "cpu user system\n0 600 400\n1 1500 500\n");
	put(acct, "cpuacct.stat", "user 2\nsystem 1\n");
	put(cpu, "cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 123456\n");
	put(cpuset, "cpuset.cpus", "0-1\n");
	put(cpuset, "cpuset.mems", "0\n");
	put(cpuset, "cpuset.sched_load_balance", "1\n");
	put(cpuset, "cpuset.sched_relax_domain_level", "-1\n");
	put(mem, "memory.usage_in_bytes", "1048576\n");
	put(mem, "memory.max_usage_in_bytes", "2097152\n");
	put(mem, "memory.limit_in_bytes", "33554432\n");
	put(mem, "memory.failcnt", "5\n");
	put(mem, "memory.memsw.usage_in_bytes", "1048577\n");
	put(mem, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
	put(mem, "memory.memsw.failcnt", "0\n");
	put(mem, "memory.stat", memory_stat_v1);
	put(mem, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
	put(pids, "pids.current", "3\n");
	put(pids, "pids.max", "max\n");
	put(blkio, "blkio.throttle.io_service_bytes_recursive", "8:0 Read 4096\nTotal 4096\n");
	put(blkio, "blkio.throttle.io_serviced_recursive", "8:0 Read 1\nTotal 1\n");
	put(huge, "hugetlb.2MB.usage_in_bytes", "0\n");
	put(huge, "hugetlb.2MB.max_usage_in_bytes", "2097152\n");
	put(huge, "hugetlb.2MB.failcnt", "1\n");
	put(huge, "hugetlb.2MB.rsvd.usage_in_bytes", "0\n");

	struct cgroup_hier h[] = {
		hier(1, "cpu", cpu),	  hier(1, "cpuacct", acct), hier(1, "memory", mem),
		hier(1, "pids", pids),	  hier(1, "blkio", blkio),  hier(1, "cpuset", cpuset),
		hier(1, "hugetlb", huge),
	};
	struct cgroup cg = {.ops = &cgroup_fs_driver,
			    .mode = CGROUP_MODE_V1,
			    .h = h,
			    .n = sizeof(h) / sizeof(h[0])};
	struct cgroup_stats s;
	struct error err = {0};
	assert_int_equal(cgroup_stats(&cg, &s, &err), 0);
	assert_int_equal(s.cpu.total, 3000);
	assert_int_equal(s.cpu.n_percpu, 2);
	assert_int_equal(s.cpu.percpu[1], 2000);
	assert_int_equal(s.cpu.n_percpu_user, 2);
	assert_int_equal(s.cpu.percpu_user[1], 1500);
	assert_int_equal(s.cpu.percpu_kernel[0], 400);
	long tck = sysconf(_SC_CLK_TCK);
	assert_true(s.cpu.user == 2 * (1000000000ull / (uint64_t)tck));
	assert_true(s.cpu.kernel == 1000000000ull / (uint64_t)tck);
	assert_int_equal(s.cpu.periods, 10);
	assert_int_equal(s.cpu.throttled_periods, 4);
	assert_int_equal(s.cpu.throttled_time, 123456);
	assert_int_equal(s.cpuset.n_cpus, 2);
	assert_int_equal(s.cpuset.n_mems, 1);
	assert_int_equal(s.cpuset.sched_load_balance, 1);
	assert_int_equal(s.cpuset.sched_relax_domain_level, -1);
	assert_int_equal(s.memory.usage.usage, 1048576);
	assert_int_equal(s.memory.usage.max, 2097152);
	assert_int_equal(s.memory.usage.limit, 33554432);
	assert_int_equal(s.memory.usage.failcnt, 5);
	assert_int_equal(s.memory.swap.usage, 1048577);
	assert_true(s.memory.swap.limit == 9223372036854771712ull);
	assert_int_equal(s.memory.kernel.usage, 0); /* no kmem files: zeros */
	assert_int_equal(s.memory.cache, 4096);
	assert_int_equal(s.memory.n_raw, 7);
	assert_true(s.memory.has_oom_kill);
	assert_int_equal(s.memory.oom_kill, 2);
	assert_int_equal(s.pids.current, 3);
	assert_int_equal(s.pids.limit, 0);
	assert_int_equal(s.blkio.service_bytes.n, 1);
	assert_int_equal(s.blkio.service_bytes.v[0].value, 4096);
	assert_int_equal(s.blkio.serviced.n, 1);
	assert_int_equal(s.n_hugetlb, 1);
	assert_string_equal(s.hugetlb[0].page_size, "2MB");
	assert_int_equal(s.hugetlb[0].max, 2097152);
	assert_int_equal(s.hugetlb[0].failcnt, 1);
	cgroup_stats_clear(&s);

	uint64_t oom = 0;
	assert_int_equal(cgroup_oom_count(&cg, &oom, &err), 0);
	assert_int_equal(oom, 2);
	/* a kernel without the oom_kill count: memory.failcnt stands in */
	put(mem, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
	assert_int_equal(cgroup_oom_count(&cg, &oom, &err), 0);
	assert_int_equal(oom, 5);

	/* a malformed counter is an error naming the file */
	put(pids, "pids.current", "three\n");
	assert_int_equal(cgroup_stats(&cg, &s, &err), -1);
	assert_non_null(strstr(err.msg, "pids.current"));

	free(cpu), free(acct), free(mem), free(pids), free(blkio), free(cpuset), free(huge);
}

static void test_stats_v2(void **state)
{
	(void)state;
	char *dir = mkdir_in("unified");
	put(dir, "cpu.stat",
	    "usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\nnr_periods 7\n"
	    "nr_throttled 1\nthrottled_usec 40\n");
	put(dir, "memory.current", "4096\n");
	put(dir, "memory.max", "max\n");
	put(dir, "memory.peak", "8192\n");
	put(dir, "memory.swap.current", "100\n");
	put(dir, "memory.swap.max", "1000\n");
	put(dir, "memory.stat", "anon 4096\nfile 123\n");
	put(dir, "memory.events", "low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\n");
	put(dir, "pids.current", "2\n");
	put(dir, "pids.max", "64\n");
	put(dir, "io.stat", "8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n");
	put(dir, "hugetlb.1GB.current", "0\n");
	put(dir, "hugetlb.1GB.events", "max 4\n");

	struct cgroup_hier h[] = {hier(2, "", dir)};
	struct cgroup cg = {.ops = &cgroup_fs_driver, .mode = CGROUP_MODE_V2, .h = h, .n = 1};
	struct cgroup_stats s;
	struct error err = {0};
	assert_int_equal(cgroup_stats(&cg, &s, &err), 0);
	assert_int_equal(s.cpu.total, 5000000);
	assert_int_equal(s.cpu.user, 3000000);
	assert_int_equal(s.cpu.kernel, 2000000);
	assert_int_equal(s.cpu.n_percpu, 0);
	assert_int_equal(s.cpu.periods, 7);
	assert_int_equal(s.cpu.throttled_periods, 1);
	assert_int_equal(s.cpu.throttled_time, 40000);
	assert_int_equal(s.cpuset.n_cpus, 0);
	assert_int_equal(s.memory.usage.usage, 4096);
	assert_true(s.memory.usage.limit == UINT64_MAX);
	assert_int_equal(s.memory.usage.max, 8192);
	assert_int_equal(s.memory.usage.failcnt, 9);
	/* swap is reported as memory+swap, as on v1 */
	assert_int_equal(s.memory.swap.usage, 4196);
	assert_true(s.memory.swap.limit == UINT64_MAX);
	assert_int_equal(s.memory.swap.max, 0);
	assert_int_equal(s.memory.cache, 123);
	assert_true(s.memory.has_oom_kill);
	assert_int_equal(s.memory.oom_kill, 1);
	assert_int_equal(s.pids.current, 2);
	assert_int_equal(s.pids.limit, 64);
	assert_int_equal(s.blkio.service_bytes.n, 3);
	assert_int_equal(s.blkio.service_bytes.v[1].value, 20);
	assert_int_equal(s.blkio.serviced.n, 3);
	assert_int_equal(s.n_hugetlb, 1);
	assert_string_equal(s.hugetlb[0].page_size, "1GB");
	assert_int_equal(s.hugetlb[0].failcnt, 4);
	cgroup_stats_clear(&s);

	/* a limited memory.max adds up with swap; no memory files at all is fine */
	put(dir, "memory.max", "1000\n");
	assert_int_equal(cgroup_stats(&cg, &s, &err), 0);
	assert_int_equal(s.memory.swap.limit, 2000);
	cgroup_stats_clear(&s);

	uint64_t oom = 0;
	assert_int_equal(cgroup_oom_count(&cg, &oom, &err), 0);
	assert_int_equal(oom, 1);

	char *empty = mkdir_in("empty");
	struct cgroup_hier he[] = {hier(2, "", empty)};
	struct cgroup ce = {.ops = &cgroup_fs_driver, .mode = CGROUP_MODE_V2, .h = he, .n = 1};
	assert_int_equal(cgroup_stats(&ce, &s, &err), 0);
	assert_int_equal(s.memory.usage.usage, 0);
	assert_int_equal(s.n_hugetlb, 0);
	cgroup_stats_clear(&s);
	assert_int_equal(cgroup_oom_count(&ce, &oom, &err), 0);
	assert_int_equal(oom, 0);
	free(empty);
	free(dir);
}

/* On a hybrid host the v1 controllers win; the unified one serves the rest. */
static void test_stats_hybrid(void **state)
{
	(void)state;
	char *mem = mkdir_in("hmem"), *uni = mkdir_in("huni");
	put(mem, "memory.usage_in_bytes", "77\n");
	put(uni, "memory.current", "99\n");
	put(uni, "pids.current", "5\n");
	put(uni, "cpu.stat", "usage_usec 1\n");
	struct cgroup_hier h[] = {hier(1, "memory", mem), hier(2, "", uni)};
	h[0].errnum = 0;
	struct cgroup cg = {.ops = &cgroup_fs_driver, .mode = CGROUP_MODE_HYBRID, .h = h, .n = 2};
	struct cgroup_stats s;
	struct error err = {0};
	assert_int_equal(cgroup_stats(&cg, &s, &err), 0);
	assert_int_equal(s.memory.usage.usage, 77);
	assert_int_equal(s.pids.current, 5);
	assert_int_equal(s.cpu.total, 1000);
	cgroup_stats_clear(&s);
	/* an unusable hierarchy is skipped (a v1 controller is not in unified) */
	h[0].errnum = EACCES;
	assert_int_equal(cgroup_stats(&cg, &s, &err), 0);
	assert_int_equal(s.memory.usage.usage, 0);
	assert_int_equal(s.pids.current, 5);
	cgroup_stats_clear(&s);
	free(mem);
	free(uni);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),    cmocka_unit_test(test_parse_keyed),
		cmocka_unit_test(test_parse_lists),  cmocka_unit_test(test_parse_blkio),
		cmocka_unit_test(test_stats_v1),     cmocka_unit_test(test_stats_v2),
		cmocka_unit_test(test_stats_hybrid),
	};
	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
