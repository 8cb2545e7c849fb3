/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroups: the pure mappings and mode detection, then (as root) a real
 * container cgroup on this host: create, enter, apply, freeze, kill, destroy. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroups/internal.h"

/* ---- helpers ---- */

static struct cgroup_entries map(int version, const struct spec_resources *res)
{
	struct cgroup_entries es = {0};
	struct error err = {0};
	int r = version == 1 ? cgroup_v1_map(res, cgroup_entries_add, &es, &err)
			     : cgroup_v2_map(res, cgroup_entries_add, &es, &err);
	if (r < 0)
		fail_msg("map: %s", err.msg);
	return es;
}

static const struct cgroup_entry *find(const struct cgroup_entries *es, const char *file,
				       const char *value)
{
	for (size_t i = 0; i < es->n; i++)
		if (es->v[i].file && !strcmp(es->v[i].file, file) &&
		    (!value || !strcmp(es->v[i].value, value)))
			return &es->v[i];
	return NULL;
}

static const struct cgroup_entry *find_field(const struct cgroup_entries *es, const char *field)
{
	for (size_t i = 0; i < es->n; i++)
		if (!strcmp(es->v[i].field, field))
			return &es->v[i];
	return NULL;
}

static size_t index_of(const struct cgroup_entries *es, const struct cgroup_entry *e)
{
	return (size_t)(e - es->v);
}

/* ---- conversions ---- */

static void test_shares_to_weight(void **state)
{
	(void)state;
	assert_int_equal(cgroup_shares_to_weight(0), 0);
	assert_int_equal(cgroup_shares_to_weight(1), 1);
	assert_int_equal(cgroup_shares_to_weight(2), 1);
	assert_int_equal(cgroup_shares_to_weight(1024), 39);
	assert_int_equal(cgroup_shares_to_weight(262144), 10000);
	assert_int_equal(cgroup_shares_to_weight(1000000), 10000);
	assert_int_equal(cgroup_blkio_to_io_weight(10), 1);
	assert_int_equal(cgroup_blkio_to_io_weight(500), 4950);
	assert_int_equal(cgroup_blkio_to_io_weight(1000), 10000);
}

/* ---- v2 mapping ---- */

static void test_v2_map(void **state)
{
	(void)state;
	struct spec_throttle_device rbps = {.major = 8, .minor = 0, .rate = 600};
	struct spec_throttle_device wiops = {.major = 8, .minor = 16, .rate = 300};
	struct spec_weight_device wd = {.major = 8, .minor = 0, .has_weight = true, .weight = 500};
	struct spec_hugepage_limit hp = {.page_size = "2MB", .limit = 209715200};
	char *ukeys[] = {"io.max", "cgroup.max.depth"}, *uvals[] = {"259:0 rbps=1", "4"};
	struct spec_resources res = {
		.present = true,
		.memory = {.present = true,
			   .has_limit = true,
			   .limit = 104857600,
			   .has_swap = true,
			   .swap = 209715200,
			   .has_swappiness = true,
			   .swappiness = 10,
			   .has_reservation = true,
			   .reservation = -1},
		.cpu = {.present = true,
			.has_shares = true,
			.shares = 1024,
			.has_quota = true,
			.quota = -1,
			.has_period = true,
			.period = 100000,
			.has_burst = true,
			.burst = 1000,
			.cpus = "0-1",
			.has_idle = true,
			.idle = 1},
		.pids = {.present = true, .has_limit = true, .limit = -1},
		.block_io = {.present = true,
			     .has_weight = true,
			     .weight = 500,
			     .weight_device = &wd,
			     .n_weight_device = 1,
			     .throttle_read_bps = &rbps,
			     .n_throttle_read_bps = 1,
			     .throttle_write_iops = &wiops,
			     .n_throttle_write_iops = 1},
		.hugepage_limits = &hp,
		.n_hugepage_limits = 1,
		.unified = {.n = 2, .keys = ukeys, .values = uvals},
	};
	struct cgroup_entries es = map(2, &res);
	assert_non_null(find(&es, "memory.max", "104857600"));
	assert_non_null(find(&es, "memory.swap.max", "104857600")); /* 200M total - 100M */
	assert_non_null(find(&es, "memory.low", "max"));
	assert_null(find_field(&es, "linux.resources.memory.swappiness")); /* v1 only */
	assert_non_null(find(&es, "cpu.weight", "39"));
	assert_non_null(find(&es, "cpu.max", "max 100000"));
	assert_non_null(find(&es, "cpu.max.burst", "1000"));
	assert_non_null(find(&es, "cpu.idle", "1"));
	assert_non_null(find(&es, "cpuset.cpus", "0-1"));
	assert_non_null(find(&es, "pids.max", "max"));
	const struct cgroup_entry *w = find(&es, "io.bfq.weight", "500");
	assert_non_null(w);
	assert_string_equal(w->alt_file, "io.weight");
	assert_string_equal(w->alt_value, "4950");
	assert_string_equal(w->route, "blkio");
	w = find(&es, "io.bfq.weight", "8:0 500");
	assert_non_null(w);
	assert_string_equal(w->alt_value, "8:0 4950");
	w = find(&es, "io.max", "8:0 rbps=600");
	assert_non_null(w);
	assert_string_equal(w->field, "linux.resources.blockIO.throttleReadBpsDevice[0]");
	assert_non_null(find(&es, "io.max", "8:16 wiops=300"));
	assert_non_null(find(&es, "hugetlb.2MB.max", "209715200"));
	w = find(&es, "hugetlb.2MB.rsvd.max", "209715200");
	assert_non_null(w);
	assert_true(w->flags & CGROUP_ENTRY_OPTIONAL);
	w = find(&es, "io.max", "259:0 rbps=1");
	assert_non_null(w);
	assert_true(w->flags & CGROUP_ENTRY_UNIFIED);
	assert_string_equal(w->field, "linux.resources.unified.io.max");
	assert_string_equal(w->route, "blkio");
	w = find(&es, "cgroup.max.depth", "4");
	assert_non_null(w);
	assert_string_equal(w->controller, "cgroup");
	cgroup_entries_free(&es);

	/* quota and period together; the swap/limit rules */
	res.cpu.quota = 50000;
	res.memory.swap = 1000;
	es = map(2, &res);
	assert_non_null(find(&es, "cpu.max", "50000 100000"));
	w = find_field(&es, "linux.resources.memory.swap");
	assert_non_null(w);
	assert_null(w->file);
	assert_non_null(strstr(w->note, "below"));
	cgroup_entries_free(&es);
}

static void test_v2_unsupported(void **state)
{
	(void)state;
	struct spec_device_cgroup deny = {.allow = false, .access = "rwm"};
	struct spec_device_cgroup devnull = {.allow = true,
					     .type = "c",
					     .has_major = true,
					     .major = 1,
					     .has_minor = true,
					     .minor = 3,
					     .access = "rw"};
	struct spec_device_cgroup fuse = {.allow = true,
					  .type = "c",
					  .has_major = true,
					  .major = 10,
					  .has_minor = true,
					  .minor = 229,
					  .access = "rwm"};
	struct spec_device_cgroup devs[] = {deny, devnull};
	struct spec_resources res = {
		.devices = devs,
		.n_devices = 2,
		.cpu = {.present = true, .has_realtime_runtime = true, .realtime_runtime = 950000},
		.network = {.present = true, .has_class_id = true, .class_id = 0x100001},
	};
	struct cgroup_entries es = map(2, &res);
	assert_null(find_field(&es, "linux.resources.devices")); /* default rules only */
	const struct cgroup_entry *e = find_field(&es, "linux.resources.cpu.realtimeRuntime");
	assert_non_null(e);
	assert_null(e->file);
	e = find_field(&es, "linux.resources.network.classID");
	assert_non_null(e);
	assert_null(e->file);
	assert_string_equal(e->route, "net_cls");
	cgroup_entries_free(&es);

	/* beyond the defaults: an eBPF program (devfilter.c), not a file */
	devs[1] = fuse;
	es = map(2, &res);
	assert_null(find_field(&es, "linux.resources.devices"));
	cgroup_entries_free(&es);
}

/* ---- v1 mapping ---- */

static void test_v1_map(void **state)
{
	(void)state;
	struct spec_throttle_device rbps = {.major = 8, .minor = 0, .rate = 600};
	struct spec_weight_device wd = {.major = 8,
					.minor = 16,
					.has_weight = true,
					.weight = 500,
					.has_leaf_weight = true,
					.leaf_weight = 300};
	struct spec_device_cgroup devs[] = {
		{.allow = false, .access = "rwm"},
		{.allow = true,
		 .type = "c",
		 .has_major = true,
		 .major = 10,
		 .has_minor = true,
		 .minor = 229,
		 .access = "rw"},
		{.allow = false, .type = "b", .has_major = true, .major = 8, .access = "m"},
	};
	char *ukeys[] = {"memory.high"}, *uvals[] = {"1000"};
	struct spec_net_priority prio = {.name = "eth0", .priority = 500};
	struct spec_rdma rdma = {.device = "mlx5_1", .has_hca_handles = true, .hca_handles = 3};
	struct spec_resources res = {
		.devices = devs,
		.n_devices = 3,
		.memory = {.present = true,
			   .has_limit = true,
			   .limit = 536870912,
			   .has_swap = true,
			   .swap = -1,
			   .has_kernel = true,
			   .kernel = -1,
			   .has_disable_oom_killer = true,
			   .disable_oom_killer = true},
		.cpu = {.present = true,
			.has_shares = true,
			.shares = 512,
			.has_quota = true,
			.quota = -1,
			.has_period = true,
			.period = 100000,
			.mems = "0"},
		.pids = {.present = true, .has_limit = true, .limit = 0},
		.block_io = {.present = true,
			     .has_weight = true,
			     .weight = 10,
			     .weight_device = &wd,
			     .n_weight_device = 1,
			     .throttle_read_bps = &rbps,
			     .n_throttle_read_bps = 1},
		.network = {.present = true,
			    .has_class_id = true,
			    .class_id = 1048577,
			    .priorities = &prio,
			    .n_priorities = 1},
		.rdma = &rdma,
		.n_rdma = 1,
		.unified = {.n = 1, .keys = ukeys, .values = uvals},
	};
	struct cgroup_entries es = map(1, &res);
	assert_non_null(find(&es, "memory.limit_in_bytes", "536870912"));
	const struct cgroup_entry *e = find(&es, "memory.memsw.limit_in_bytes", "-1");
	assert_non_null(e);
	assert_true(e->flags & CGROUP_ENTRY_OPTIONAL);
	e = find(&es, "memory.kmem.limit_in_bytes", "-1");
	assert_non_null(e);
	assert_true(e->flags & CGROUP_ENTRY_LENIENT);
	assert_non_null(find(&es, "memory.oom_control", "1"));
	assert_non_null(find(&es, "cpu.shares", "512"));
	assert_non_null(find(&es, "cpu.cfs_quota_us", "-1"));
	assert_non_null(find(&es, "cpu.cfs_period_us", "100000"));
	assert_non_null(find(&es, "cpuset.mems", "0"));
	assert_non_null(find(&es, "pids.max", "0")); /* 0 is a real limit */
	e = find(&es, "blkio.weight", "10");
	assert_non_null(e);
	assert_string_equal(e->alt_file, "blkio.bfq.weight");
	assert_non_null(find(&es, "blkio.weight_device", "8:16 500"));
	assert_non_null(find(&es, "blkio.leaf_weight_device", "8:16 300"));
	e = find(&es, "blkio.throttle.read_bps_device", "8:0 600");
	assert_non_null(e);
	assert_string_equal(e->field, "linux.resources.blockIO.throttleReadBpsDevice[0]");
	assert_non_null(find(&es, "net_cls.classid", "1048577"));
	assert_non_null(find(&es, "net_prio.ifpriomap", "eth0 500"));
	assert_non_null(find(&es, "rdma.max", "mlx5_1 hca_handle=3"));
	e = find_field(&es, "linux.resources.unified");
	assert_non_null(e);
	assert_true(e->flags & CGROUP_ENTRY_UNIFIED);
	assert_null(e->file);

	/* devices: deny all first, then the rules in order, then the defaults */
	const struct cgroup_entry *d0 = find(&es, "devices.deny", "a");
	const struct cgroup_entry *d1 = find(&es, "devices.deny", "a *:* rwm");
	const struct cgroup_entry *d2 = find(&es, "devices.allow", "c 10:229 rw");
	const struct cgroup_entry *d3 = find(&es, "devices.deny", "b 8:* m");
	const struct cgroup_entry *d4 = find(&es, "devices.allow", "c 1:3 rwm");
	assert_non_null(d0);
	assert_non_null(d1);
	assert_non_null(d2);
	assert_non_null(d3);
	assert_non_null(d4);
	assert_int_equal(index_of(&es, d0), 0);
	assert_true(index_of(&es, d1) < index_of(&es, d2));
	assert_true(index_of(&es, d2) < index_of(&es, d3));
	assert_true(index_of(&es, d3) < index_of(&es, d4));
	assert_string_equal(d2->field, "linux.resources.devices[1]");
	cgroup_entries_free(&es);
}

/* "pids": {} (limit is optional since runtime-spec 1.1): nothing written,
 * on either version; a limit of 0 is a real limit (the spec says so) */
static void test_pids_without_limit(void **state)
{
	(void)state;
	struct spec_resources res = {.present = true, .pids = {.present = true}};
	for (int v = 1; v <= 2; v++) {
		struct cgroup_entries es = map(v, &res);
		assert_null(find(&es, "pids.max", NULL));
		cgroup_entries_free(&es);
	}
	res.pids.has_limit = true;
	res.pids.limit = 0;
	for (int v = 1; v <= 2; v++) {
		struct cgroup_entries es = map(v, &res);
		assert_non_null(find(&es, "pids.max", "0"));
		cgroup_entries_free(&es);
	}
}

/* What engines send for "not set": docker writes every resource field,
 * 0 where the user set nothing. runc writes nothing for those zeros, and
 * neither may agentrun (blkio.weight 0 is ERANGE, cpu.shares 0 becomes 2). */
static void test_zero_is_unset(void **state)
{
	(void)state;
	struct spec_weight_device wd = {
		.major = 8, .minor = 0, .has_weight = true, .has_leaf_weight = true};
	struct spec_resources res = {
		.present = true,
		.memory = {.present = true,
			   .has_limit = true,
			   .has_reservation = true,
			   .has_swap = true,
			   .has_kernel = true,
			   .has_kernel_tcp = true,
			   .has_swappiness = true,
			   .swappiness = UINT64_MAX, /* -1 as the spec's uint64 */
			   .has_disable_oom_killer = true},
		.cpu = {.present = true,
			.has_shares = true,
			.has_quota = true,
			.has_period = true,
			.has_realtime_runtime = true,
			.has_realtime_period = true,
			.cpus = "",
			.mems = ""},
		.block_io = {.present = true,
			     .has_weight = true,
			     .has_leaf_weight = true,
			     .weight_device = &wd,
			     .n_weight_device = 1},
		.network = {.present = true, .has_class_id = true},
	};
	for (int v = 1; v <= 2; v++) {
		struct cgroup_entries es = map(v, &res);
		for (size_t i = 0; i < es.n; i++)
			fail_msg("v%d: %s mapped to %s=%s", v, es.v[i].field,
				 es.v[i].file ? es.v[i].file : "(note)",
				 es.v[i].value ? es.v[i].value : es.v[i].note);
		cgroup_entries_free(&es);
	}
	/* memory -1 with no swap limit: memory+swap unlimited too (runc) */
	res.memory.has_limit = true;
	res.memory.limit = -1;
	struct cgroup_entries es = map(1, &res);
	assert_non_null(find(&es, "memory.limit_in_bytes", "-1"));
	const struct cgroup_entry *e = find(&es, "memory.memsw.limit_in_bytes", "-1");
	assert_non_null(e);
	assert_true(e->flags & CGROUP_ENTRY_OPTIONAL);
	cgroup_entries_free(&es);
	es = map(2, &res);
	assert_non_null(find(&es, "memory.max", "max"));
	assert_non_null(find(&es, "memory.swap.max", "max"));
	cgroup_entries_free(&es);
	/* quota -1 is still "unlimited", written; false oom killer: nothing */
	res.memory.has_limit = false;
	res.cpu.quota = -1;
	res.memory.has_disable_oom_killer = true;
	es = map(1, &res);
	assert_non_null(find(&es, "cpu.cfs_quota_us", "-1"));
	assert_null(find(&es, "memory.oom_control", NULL));
	cgroup_entries_free(&es);
	es = map(2, &res);
	assert_non_null(find(&es, "cpu.max", "max"));
	cgroup_entries_free(&es);
	/* a real swappiness is written */
	res.memory.swappiness = 0;
	es = map(1, &res);
	assert_non_null(find(&es, "memory.swappiness", "0"));
	cgroup_entries_free(&es);
}

static void test_map_invalid(void **state)
{
	(void)state;
	struct spec_device_cgroup bad = {.allow = true, .type = "x", .access = "rw"};
	struct spec_resources res = {.devices = &bad, .n_devices = 1};
	struct cgroup_entries es = {0};
	struct error err = {0};
	assert_int_equal(cgroup_v1_map(&res, cgroup_entries_add, &es, &err), -1);
	assert_non_null(strstr(err.msg, "linux.resources.devices[0]"));
	cgroup_entries_free(&es);

	struct spec_hugepage_limit hp = {.page_size = "2M/../x", .limit = 1};
	struct spec_resources res2 = {.hugepage_limits = &hp, .n_hugepage_limits = 1};
	assert_int_equal(cgroup_v2_map(&res2, cgroup_entries_add, &es, &err), -1);
	assert_non_null(strstr(err.msg, "hugepageLimits[0].pageSize"));
	cgroup_entries_free(&es);

	char *keys[] = {"../memory.max"}, *vals[] = {"1"};
	struct spec_resources res3 = {.unified = {.n = 1, .keys = keys, .values = vals}};
	assert_int_equal(cgroup_v2_map(&res3, cgroup_entries_add, &es, &err), -1);
	assert_non_null(strstr(err.msg, "linux.resources.unified"));
	cgroup_entries_free(&es);
}

/* ---- mode detection ---- */

static const char hybrid_mi[] =
	"30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"34 30 0:31 / /sys/fs/cgroup/memory rw,relatime shared:5 - cgroup cgroup rw,memory\n"
	"36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
	"39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
	"40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
	"41 22 0:38 / /proc rw - proc proc rw\n";
static const char hybrid_pc[] = "9:name=systemd:/\n6:freezer:/\n4:memory:/process_api/f3d\n"
				"1:cpu:/\n0::/\n";

static void test_mode_hybrid(void **state)
{
	(void)state;
	struct cgroup_hier *h = NULL;
	size_t n = 0;
	enum cgroup_mode mode;
	struct error err = {0};
	assert_int_equal(cgroup_parse_hierarchies(hybrid_mi, hybrid_pc, &h, &n, &mode, &err), 0);
	assert_int_equal(mode, CGROUP_MODE_HYBRID);
	assert_int_equal(n, 5);
	struct cgroup cg = {.mode = mode, .h = h, .n = n};
	struct cgroup_hier *mem = cgroup_find(&cg, 1, "memory");
	assert_non_null(mem);
	assert_string_equal(mem->mountpoint, "/sys/fs/cgroup/memory");
	assert_string_equal(mem->own, "/process_api/f3d");
	assert_ptr_equal(mem->vops, &cgroup_v1_ops);
	struct cgroup_hier *sd = cgroup_find(&cg, 1, "name=systemd");
	assert_non_null(sd);
	assert_string_equal(sd->mountpoint, "/sys/fs/cgroup/systemd");
	struct cgroup_hier *u = cgroup_find(&cg, 2, NULL);
	assert_non_null(u);
	assert_string_equal(u->mountpoint, "/sys/fs/cgroup/unified");
	assert_ptr_equal(u->vops, &cgroup_v2_ops);
	assert_null(cgroup_find(&cg, 1, "pids"));
	cgroup_hiers_free(h, n);
}

/* AGENTRUN_CGROUP_MODE: unified keeps only cgroup2, legacy only v1. */
static void test_mode_forced(void **state)
{
	(void)state;
	struct cgroup_hier *h = NULL;
	size_t n = 0;
	enum cgroup_mode mode;
	struct error err = {0};
	assert_int_equal(cgroup_force_mode("unified", &err), 0);
	assert_int_equal(cgroup_parse_hierarchies(hybrid_mi, hybrid_pc, &h, &n, &mode, &err), 0);
	assert_int_equal(mode, CGROUP_MODE_V2);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].version, 2);
	assert_string_equal(h[0].mountpoint, "/sys/fs/cgroup/unified");
	cgroup_hiers_free(h, n);
	assert_int_equal(cgroup_parse_hierarchies("39 30 0:36 / /sys/fs/cgroup/memory rw - cgroup "
						  "cgroup rw,memory\n",
						  "4:memory:/\n", &h, &n, &mode, &err),
			 -1);
	assert_string_equal(err.msg, "AGENTRUN_CGROUP_MODE=unified: no such hierarchy is mounted");

	assert_int_equal(cgroup_force_mode("legacy", &err), 0);
	assert_int_equal(cgroup_parse_hierarchies(hybrid_mi, hybrid_pc, &h, &n, &mode, &err), 0);
	assert_int_equal(mode, CGROUP_MODE_V1);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(h[i].version, 1);
	cgroup_hiers_free(h, n);

	assert_int_equal(cgroup_force_mode("disabled", &err), 0);
	assert_true(cgroup_disabled());
	assert_false(cgroup_available());
	assert_int_equal(cgroup_force_mode("v3", &err), -1);
	assert_string_equal(err.msg,
			    "AGENTRUN_CGROUP_MODE=v3: must be auto, unified, legacy or disabled");
	assert_int_equal(cgroup_force_mode("auto", &err), 0);
	assert_false(cgroup_disabled());
	assert_int_equal(cgroup_parse_hierarchies(hybrid_mi, hybrid_pc, &h, &n, &mode, &err), 0);
	assert_int_equal(mode, CGROUP_MODE_HYBRID);
	cgroup_hiers_free(h, n);
}

static void test_mode_v2_v1_none(void **state)
{
	(void)state;
	struct cgroup_hier *h = NULL;
	size_t n = 0;
	enum cgroup_mode mode;
	struct error err = {0};
	const char *v2mi = "25 30 0:22 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 "
			   "rw,nsdelegate,memory_recursiveprot\n";
	assert_int_equal(
		cgroup_parse_hierarchies(v2mi, "0::/user.slice/s.scope\n", &h, &n, &mode, &err), 0);
	assert_int_equal(mode, CGROUP_MODE_V2);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].own, "/user.slice/s.scope");
	cgroup_hiers_free(h, n);

	/* v1 with co-mounted controllers, an escaped mount point, seen from a
	 * container whose mount root is its own cgroup */
	const char *v1mi =
		"31 30 0:28 /docker/abc /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup "
		"rw,cpu,cpuacct\n"
		"32 30 0:29 / /mnt/my\\040cg rw - cgroup cgroup rw,memory\n"
		"33 30 0:30 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n";
	const char *v1pc = "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n"
			   "1:name=systemd:/docker/abc\n";
	assert_int_equal(cgroup_parse_hierarchies(v1mi, v1pc, &h, &n, &mode, &err), 0);
	assert_int_equal(mode, CGROUP_MODE_V1);
	assert_int_equal(n, 3);
	struct cgroup cg = {.mode = mode, .h = h, .n = n};
	struct cgroup_hier *cpu = cgroup_find(&cg, 1, "cpuacct");
	assert_non_null(cpu);
	assert_string_equal(cpu->controllers, "cpu,cpuacct");
	assert_string_equal(cpu->mount_root, "/docker/abc");
	assert_true(cgroup_path_under(cpu->own, cpu->mount_root));
	assert_string_equal(cgroup_find(&cg, 1, "memory")->mountpoint, "/mnt/my cg");
	assert_null(cgroup_find(&cg, 2, NULL));
	cgroup_hiers_free(h, n);

	/* only a named hierarchy and cgroup2: v2 */
	const char *v2named =
		"39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n"
		"40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
	assert_int_equal(
		cgroup_parse_hierarchies(v2named, "1:name=systemd:/\n0::/\n", &h, &n, &mode, &err),
		0);
	assert_int_equal(mode, CGROUP_MODE_V2);
	cgroup_hiers_free(h, n);

	assert_int_equal(cgroup_parse_hierarchies("41 22 0:38 / /proc rw - proc proc rw\n", "", &h,
						  &n, &mode, &err),
			 -1);
	assert_non_null(strstr(err.msg, "no cgroup"));
}

static void test_serialize_roundtrip(void **state)
{
	(void)state;
	const char *s = "agentrun-cgroup-1;2;2||/sys/fs/cgroup|/sys/fs/cgroup/a%3Bb%7Cc|2|0;"
			"1|name=systemd|/sys/fs/cgroup/systemd|/sys/fs/cgroup/systemd/x|1|13";
	struct cgroup *cg = NULL;
	struct error err = {0};
	assert_int_equal(cgroup_open(s, &cg, &err), 0);
	assert_int_equal(cg->mode, CGROUP_MODE_HYBRID);
	assert_int_equal(cg->n, 2);
	assert_string_equal(cg->h[0].dir, "/sys/fs/cgroup/a;b|c");
	assert_int_equal(cg->h[0].created, 2);
	assert_int_equal(cg->h[1].errnum, 13);
	char *out = cgroup_serialize(cg);
	assert_non_null(out);
	assert_string_equal(out, s);
	free(out);
	cgroup_free(cg);
	assert_int_equal(cgroup_open("garbage", &cg, &err), -1);
	assert_int_equal(cgroup_open("agentrun-cgroup-1;2;9|x", &cg, &err), -1);
}

/* The driver table: cgroupfs is the default and fills every operation; a
 * saved cgroup goes back to the driver its tag names; an unknown driver
 * is refused and leaves the selection alone. */
static void test_driver_table(void **state)
{
	(void)state;
	const struct cgroup_driver_ops *d = &cgroup_fs_driver;
	assert_string_equal(d->name, "cgroupfs");
	assert_string_equal(cgroup_driver_name(), "cgroupfs");
	void (*const ops[])(void) = {
		(void (*)(void))d->available, (void (*)(void))d->create,
		(void (*)(void))d->open,      (void (*)(void))d->serialize,
		(void (*)(void))d->enter,     (void (*)(void))d->enter_sub,
		(void (*)(void))d->apply,     (void (*)(void))d->pids,
		(void (*)(void))d->kill_all,  (void (*)(void))d->freeze,
		(void (*)(void))d->is_frozen, (void (*)(void))d->freezer_dir,
		(void (*)(void))d->stats,     (void (*)(void))d->oom_count,
		(void (*)(void))d->destroy,   (void (*)(void))d->free,
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		assert_non_null(ops[i]);

	struct error err = {0};
	assert_int_equal(cgroup_use_driver("nosuch", &err), -1);
	assert_string_equal(err.msg,
			    "cgroup driver \"nosuch\": not supported (have: cgroupfs, systemd)");
	assert_string_equal(cgroup_driver_name(), "cgroupfs");
	/* the systemd driver: every operation but the optional annotations */
	const struct cgroup_driver_ops *s = &cgroup_systemd_driver;
	assert_string_equal(s->name, "systemd");
	void (*const sops[])(void) = {
		(void (*)(void))s->available,
		(void (*)(void))s->create,
		(void (*)(void))s->open,
		(void (*)(void))s->serialize,
		(void (*)(void))s->enter,
		(void (*)(void))s->enter_sub,
		(void (*)(void))s->apply,
		(void (*)(void))s->pids,
		(void (*)(void))s->kill_all,
		(void (*)(void))s->freeze,
		(void (*)(void))s->is_frozen,
		(void (*)(void))s->freezer_dir,
		(void (*)(void))s->stats,
		(void (*)(void))s->oom_count,
		(void (*)(void))s->destroy,
		(void (*)(void))s->free,
		(void (*)(void))s->set_annotations,
	};
	for (size_t i = 0; i < sizeof(sops) / sizeof(sops[0]); i++)
		assert_non_null(sops[i]);
	assert_int_equal(cgroup_use_driver("systemd", &err), 0);
	assert_string_equal(cgroup_driver_name(), "systemd");
	assert_int_equal(cgroup_use_driver("cgroupfs", &err), 0);
	assert_string_equal(cgroup_driver_name(), "cgroupfs");

	/* a saved systemd cgroup opens with its driver, and says the same */
	struct cgroup *scg = NULL;
	const char *saved = "agentrun-systemd-1;system;agentrun-x.scope;system.slice;0;"
			    "/sys/fs/cgroup;/sys/fs/cgroup/system.slice/agentrun-x.scope";
	assert_int_equal(cgroup_open(saved, &scg, &err), 0);
	assert_ptr_equal(scg->ops, &cgroup_systemd_driver);
	char *again = cgroup_serialize(scg);
	assert_string_equal(again, saved);
	free(again);
	cgroup_free(scg);
	/* before the unit existed: no cgroup yet */
	assert_int_equal(cgroup_open("agentrun-systemd-1;user;a.scope;user.slice;0;;", &scg, &err),
			 0);
	assert_null(cgroup_freezer_dir(scg));
	cgroup_free(scg);
	assert_int_equal(cgroup_open("agentrun-systemd-1;other;a.scope;s.slice;0;;", &scg, &err),
			 -1);
	assert_int_equal(cgroup_open("agentrun-systemd-1;system;a.scope", &scg, &err), -1);

	struct cgroup *cg = NULL;
	assert_int_equal(cgroup_open("agentrun-cgroup-1;2;2||/sys/fs/cgroup|/sys/fs/cgroup/x|1|0",
				     &cg, &err),
			 0);
	assert_ptr_equal(cg->ops, &cgroup_fs_driver);
	cgroup_free(cg);
	cgroup_free(NULL);
	/* the tag is a whole field */
	assert_int_equal(cgroup_open("agentrun-cgroup-12;2;2||/a|/a/x|1|0", &cg, &err), -1);
	assert_non_null(strstr(err.msg, "unknown cgroup state"));
}

static void test_bad_paths(void **state)
{
	(void)state;
	struct cgroup *cg = NULL;
	struct error err = {0};
	assert_int_equal(cgroup_create("/a/../b", "id", &cg, &err), -1);
	assert_non_null(strstr(err.msg, "cgroupsPath"));
	assert_int_equal(cgroup_create(NULL, "a/b", &cg, &err), -1);
	assert_int_equal(cgroup_create(NULL, "..", &cg, &err), -1);
	assert_null(cg);
}

/* ---- the real host ---- */

struct host {
	struct cgroup *cg;
	pid_t child;
	char path[64];
	char *dirs[16];
	size_t n_dirs;
};

static int host_setup(void **state)
{
	struct host *h = calloc(1, sizeof(*h));
	if (!h)
		return -1;
	snprintf(h->path, sizeof(h->path), "/agentrun-unittest-%d", (int)getpid());
	*state = h;
	return 0;
}

static int host_teardown(void **state)
{
	struct host *h = *state;
	if (h->child > 0) {
		kill(h->child, SIGKILL);
		waitpid(h->child, NULL, 0);
	}
	if (h->cg) {
		struct error err = {0};
		if (cgroup_kill_all(h->cg, SIGKILL, &err) < 0 || cgroup_destroy(h->cg, &err) < 0)
			fprintf(stderr, "teardown: %s\n", err.msg);
		cgroup_free(h->cg);
	}
	for (size_t i = 0; i < h->n_dirs; i++)
		free(h->dirs[i]);
	free(h);
	return 0;
}

static bool host_usable(void)
{
	return geteuid() == 0 && cgroup_available();
}

/* A child that, once placed, forks a grandchild; both wait for signals. */
static pid_t spawn_child(int *go)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[1]);
		char c;
		if (read(p[0], &c, 1) != 1)
			_exit(1);
		if (fork() < 0)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -1;
	}
	*go = p[1];
	return pid;
}

static void release(int go)
{
	assert_int_equal(write(go, "x", 1), 1);
	close(go);
}

static char *read_back(struct cgroup *cg, int version, const char *ctrl, const char *file)
{
	struct cgroup_hier *hi = cgroup_find(cg, version, ctrl);
	if (!hi)
		return NULL;
	char *v = NULL;
	struct error err = {0};
	if (cgroup_read(hi->dir, file, &v, &err) < 0)
		fail_msg("%s", err.msg);
	v[strcspn(v, "\n")] = '\0';
	return v;
}

static size_t wait_pids(struct cgroup *cg, size_t want, int ms)
{
	for (int t = 0;; t += 10) {
		pid_t *pids = NULL;
		size_t n = 0;
		struct error err = {0};
		if (cgroup_pids(cg, &pids, &n, &err) < 0)
			fail_msg("%s", err.msg);
		free(pids);
		if (n == want || t >= ms)
			return n;
		usleep(10000);
	}
}

static void test_host(void **state)
{
	struct host *h = *state;
	if (!host_usable())
		skip();
	struct error err = {0};
	enum cgroup_mode mode;
	assert_int_equal(cgroup_detect_mode(&mode, &err), 0);

	if (cgroup_create(h->path, "ignored", &h->cg, &err) < 0)
		fail_msg("%s", err.msg);
	for (size_t i = 0; i < h->cg->n && h->n_dirs < 16; i++) {
		if (h->cg->h[i].errnum)
			continue;
		h->dirs[h->n_dirs++] = strdup(h->cg->h[i].dir);
		assert_int_equal(access(h->cg->h[i].dir, F_OK), 0);
	}
	assert_true(h->n_dirs > 0);

	/* The state string re-opens the same cgroup. */
	char *ser = cgroup_serialize(h->cg);
	assert_non_null(ser);
	assert_null(strchr(ser, '\n'));
	struct cgroup *re = NULL;
	if (cgroup_open(ser, &re, &err) < 0)
		fail_msg("%s", err.msg);
	free(ser);
	cgroup_free(h->cg);
	h->cg = re;

	int go = -1;
	h->child = spawn_child(&go);
	assert_true(h->child > 0);
	if (cgroup_enter(h->cg, h->child, &err) < 0)
		fail_msg("%s", err.msg);
	release(go);
	assert_int_equal(wait_pids(h->cg, 2, 2000), 2);

	/* An existing cgroup with processes is refused. */
	struct cgroup *dup = NULL;
	assert_int_equal(cgroup_create(h->path, "x", &dup, &err), -1);
	assert_int_equal(err.errnum, EBUSY);
	for (size_t i = 0; i < h->n_dirs; i++)
		assert_int_equal(access(h->dirs[i], F_OK), 0);

	struct spec_resources res = {
		.present = true,
		.memory = {.present = true, .has_limit = true, .limit = 64 << 20},
		.pids = {.present = true, .has_limit = true, .limit = 32},
	};
	if (cgroup_apply(h->cg, &res, &err) < 0)
		fail_msg("%s", err.msg);
	char *v;
	if (cgroup_find(h->cg, 1, "memory")) {
		v = read_back(h->cg, 1, "memory", "memory.limit_in_bytes");
		assert_string_equal(v, "67108864");
		free(v);
	} else {
		v = read_back(h->cg, 2, NULL, "memory.max");
		assert_string_equal(v, "67108864");
		free(v);
	}
	v = cgroup_find(h->cg, 1, "pids") ? read_back(h->cg, 1, "pids", "pids.max")
					  : read_back(h->cg, 2, NULL, "pids.max");
	assert_string_equal(v, "32");
	free(v);

	/* v1: raising limit and memory+swap together needs memsw first. */
	struct cgroup_hier *mem = cgroup_find(h->cg, 1, "memory");
	if (mem && cgroup_exists(mem->dir, "memory.memsw.limit_in_bytes")) {
		struct spec_resources r1 = {.memory = {.present = true,
						       .has_limit = true,
						       .limit = 64 << 20,
						       .has_swap = true,
						       .swap = 128 << 20}};
		struct spec_resources r2 = {.memory = {.present = true,
						       .has_limit = true,
						       .limit = 256 << 20,
						       .has_swap = true,
						       .swap = 512 << 20}};
		if (cgroup_apply(h->cg, &r1, &err) < 0 || cgroup_apply(h->cg, &r2, &err) < 0)
			fail_msg("%s", err.msg);
		v = read_back(h->cg, 1, "memory", "memory.memsw.limit_in_bytes");
		assert_string_equal(v, "536870912");
		free(v);
		v = read_back(h->cg, 1, "memory", "memory.limit_in_bytes");
		assert_string_equal(v, "268435456");
		free(v);
	}

	/* v1 devices: deny all, the rules, then the default devices. */
	if (cgroup_find(h->cg, 1, "devices")) {
		struct spec_device_cgroup devs[] = {
			{.allow = false, .access = "rwm"},
			{.allow = true,
			 .type = "c",
			 .has_major = true,
			 .major = 10,
			 .has_minor = true,
			 .minor = 229,
			 .access = "rw"},
		};
		struct spec_resources dr = {.devices = devs, .n_devices = 2};
		if (cgroup_apply(h->cg, &dr, &err) < 0)
			fail_msg("%s", err.msg);
		char *list = NULL;
		assert_int_equal(cgroup_read(cgroup_find(h->cg, 1, "devices")->dir, "devices.list",
					     &list, &err),
				 0);
		assert_non_null(strstr(list, "c 10:229 rw\n"));
		assert_non_null(strstr(list, "c 1:3 rwm\n"));
		assert_null(strstr(list, "a *:* rwm"));
		free(list);
	}
	/* v1 cpuset: create copied cpus and mems from the parent. */
	if (cgroup_find(h->cg, 1, "cpuset")) {
		v = read_back(h->cg, 1, "cpuset", "cpuset.cpus");
		assert_true(v[0] != '\0');
		free(v);
	}

	/* A value the host refuses names the field. */
	struct spec_resources bad = {.cpu = {.present = true, .cpus = "1000-1001"}};
	assert_int_equal(cgroup_apply(h->cg, &bad, &err), -1);
	assert_non_null(strstr(err.msg, "linux.resources.cpu.cpus: write "));
	if (mode == CGROUP_MODE_HYBRID && cgroup_find(h->cg, 1, "memory")) {
		char *keys[] = {"memory.max"}, *vals[] = {"1"};
		struct spec_resources u = {.unified = {.n = 1, .keys = keys, .values = vals}};
		assert_int_equal(cgroup_apply(h->cg, &u, &err), -1);
		assert_non_null(strstr(err.msg, "linux.resources.unified.memory.max"));
	}
	if (mode == CGROUP_MODE_V1) {
		char *keys[] = {"memory.max"}, *vals[] = {"1"};
		struct spec_resources u = {.unified = {.n = 1, .keys = keys, .values = vals}};
		assert_int_equal(cgroup_apply(h->cg, &u, &err), -1);
		assert_non_null(strstr(err.msg, "cgroup v2"));
	}

	/* freeze / thaw */
	bool frozen = true;
	assert_int_equal(cgroup_is_frozen(h->cg, &frozen, &err), 0);
	assert_false(frozen);
	if (cgroup_freeze(h->cg, true, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cgroup_is_frozen(h->cg, &frozen, &err), 0);
	assert_true(frozen);
	if (cgroup_freeze(h->cg, false, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cgroup_is_frozen(h->cg, &frozen, &err), 0);
	assert_false(frozen);

	/* a signal other than SIGKILL goes process by process */
	if (cgroup_kill_all(h->cg, SIGTERM, &err) < 0)
		fail_msg("%s", err.msg);
	int status = 0;
	assert_int_equal(waitpid(h->child, &status, 0), h->child);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	h->child = 0;
	assert_int_equal(wait_pids(h->cg, 0, 2000), 0);

	/* SIGKILL on a frozen cgroup: cgroup.kill (or iteration), then thaw */
	h->child = spawn_child(&go);
	assert_true(h->child > 0);
	if (cgroup_enter(h->cg, h->child, &err) < 0)
		fail_msg("%s", err.msg);
	release(go);
	assert_int_equal(wait_pids(h->cg, 2, 2000), 2);
	if (cgroup_freeze(h->cg, true, &err) < 0)
		fail_msg("%s", err.msg);
	if (cgroup_kill_all(h->cg, SIGKILL, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(waitpid(h->child, &status, 0), h->child);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	h->child = 0;
	assert_int_equal(wait_pids(h->cg, 0, 2000), 0);

	/* destroy removes every directory, and only those */
	if (cgroup_destroy(h->cg, &err) < 0)
		fail_msg("%s", err.msg);
	for (size_t i = 0; i < h->n_dirs; i++) {
		assert_int_equal(access(h->dirs[i], F_OK), -1);
		char *parent = cgroup_strip(h->dirs[i], 1);
		assert_int_equal(access(parent, F_OK), 0);
		free(parent);
	}
	assert_int_equal(cgroup_destroy(h->cg, &err), 0); /* idempotent */
}

/* Two levels made by create: destroy removes both and nothing above. (An
 * absolute path: a relative one would land in the cgroup of whatever
 * started this test, which is not ours to touch.) */
static void test_host_nested(void **state)
{
	struct host *h = *state;
	if (!host_usable())
		skip();
	struct error err = {0};
	char rel[96];
	snprintf(rel, sizeof(rel), "%s/inner", h->path);
	if (cgroup_create(rel, "x", &h->cg, &err) < 0)
		fail_msg("%s", err.msg);
	for (size_t i = 0; i < h->cg->n; i++) {
		struct cgroup_hier *hi = &h->cg->h[i];
		if (hi->errnum)
			continue;
		assert_int_equal(hi->created, 2);
		assert_non_null(strstr(hi->dir, "/inner"));
		h->dirs[h->n_dirs++] = cgroup_strip(hi->dir, 1);
	}
	if (cgroup_destroy(h->cg, &err) < 0)
		fail_msg("%s", err.msg);
	for (size_t i = 0; i < h->n_dirs; i++)
		assert_int_equal(access(h->dirs[i], F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shares_to_weight),
		cmocka_unit_test(test_v2_map),
		cmocka_unit_test(test_v2_unsupported),
		cmocka_unit_test(test_v1_map),
		cmocka_unit_test(test_pids_without_limit),
		cmocka_unit_test(test_zero_is_unset),
		cmocka_unit_test(test_map_invalid),
		cmocka_unit_test(test_mode_hybrid),
		cmocka_unit_test(test_mode_v2_v1_none),
		cmocka_unit_test(test_mode_forced),
		cmocka_unit_test(test_serialize_roundtrip),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_driver_table),
		cmocka_unit_test_setup_teardown(test_host, host_setup, host_teardown),
		cmocka_unit_test_setup_teardown(test_host_nested, host_setup, host_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
