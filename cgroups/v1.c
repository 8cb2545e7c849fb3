/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v1 (cgroupfs): linux.resources -> controller files, and the v1
 * driver (cpuset inheritance, freezer.state). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "cgroups/internal.h"

#define EMIT(...)                                                         \
	do {                                                              \
		if (fn(&(struct cgroup_entry){__VA_ARGS__}, ud, err) < 0) \
			return -1;                                        \
	} while (0)

#define FIELD(buf, ...) (snprintf(buf, sizeof(buf), __VA_ARGS__), buf)

/* v1 memory files take -1 for "unlimited". */
static const char *mem_value(char *buf, size_t len, int64_t v)
{
	snprintf(buf, len, "%" PRId64, v < 0 ? (int64_t)-1 : v);
	return buf;
}

/* Zero is "not set" for limit, swap, reservation, kernel and kernelTCP,
 * and a swappiness of -1 (2^64-1 as the spec's uint64) is "not set":
 * engines send those zeros for every container (runc writes nothing for
 * them). A limit of -1 with no swap limit lifts memory+swap too, as runc
 * does, so the kernel takes it when the old swap limit is lower. */
static int map_memory(const struct spec_memory *m, cgroup_entry_fn fn, void *ud, struct error *err)
{
	char v[32];
	if (!m->present)
		return 0;
	if (m->has_limit && m->limit)
		EMIT(.controller = "memory", .field = "linux.resources.memory.limit",
		     .file = "memory.limit_in_bytes", .value = mem_value(v, sizeof(v), m->limit));
	/* v1 swap is memory+swap; without swap accounting only "unlimited" is fine.
	 * cgroup_apply reorders this with the limit when the kernel insists. */
	if (m->has_swap && m->swap)
		EMIT(.controller = "memory", .field = "linux.resources.memory.swap",
		     .file = "memory.memsw.limit_in_bytes",
		     .value = mem_value(v, sizeof(v), m->swap),
		     .flags = m->swap < 0 ? CGROUP_ENTRY_OPTIONAL : 0);
	else if (m->has_limit && m->limit < 0)
		EMIT(.controller = "memory", .field = "linux.resources.memory.limit",
		     .file = "memory.memsw.limit_in_bytes", .value = "-1",
		     .flags = CGROUP_ENTRY_OPTIONAL);
	if (m->has_reservation && m->reservation)
		EMIT(.controller = "memory", .field = "linux.resources.memory.reservation",
		     .file = "memory.soft_limit_in_bytes",
		     .value = mem_value(v, sizeof(v), m->reservation));
	if (m->has_kernel && m->kernel)
		EMIT(.controller = "memory", .field = "linux.resources.memory.kernel",
		     .file = "memory.kmem.limit_in_bytes",
		     .value = mem_value(v, sizeof(v), m->kernel), .flags = CGROUP_ENTRY_LENIENT);
	if (m->has_kernel_tcp && m->kernel_tcp)
		EMIT(.controller = "memory", .field = "linux.resources.memory.kernelTCP",
		     .file = "memory.kmem.tcp.limit_in_bytes",
		     .value = mem_value(v, sizeof(v), m->kernel_tcp),
		     .flags = CGROUP_ENTRY_LENIENT);
	if (m->has_swappiness && m->swappiness != UINT64_MAX) {
		snprintf(v, sizeof(v), "%" PRIu64, m->swappiness);
		EMIT(.controller = "memory", .field = "linux.resources.memory.swappiness",
		     .file = "memory.swappiness", .value = v);
	}
	/* false is the kernel's default: only true is written (runc alike) */
	if (m->has_disable_oom_killer && m->disable_oom_killer)
		EMIT(.controller = "memory", .field = "linux.resources.memory.disableOOMKiller",
		     .file = "memory.oom_control", .value = "1");
	if (m->has_use_hierarchy)
		EMIT(.controller = "memory", .field = "linux.resources.memory.useHierarchy",
		     .file = "memory.use_hierarchy", .value = m->use_hierarchy ? "1" : "0");
	/* checkBeforeUpdate: v1 itself refuses a limit below the usage. */
	return 0;
}

static int map_cpu(const struct spec_cpu *c, cgroup_entry_fn fn, void *ud, struct error *err)
{
	char v[32];
	if (!c->present)
		return 0;
	/* 0 is "not set" for shares, quota, period and the realtime pair */
	if (c->has_shares && c->shares) {
		snprintf(v, sizeof(v), "%" PRIu64, c->shares);
		EMIT(.controller = "cpu", .field = "linux.resources.cpu.shares",
		     .file = "cpu.shares", .value = v);
	}
	if (c->has_period && c->period) {
		snprintf(v, sizeof(v), "%" PRIu64, c->period);
		EMIT(.controller = "cpu", .field = "linux.resources.cpu.period",
		     .file = "cpu.cfs_period_us", .value = v);
	}
	if (c->has_quota && c->quota) {
		snprintf(v, sizeof(v), "%" PRId64, c->quota > 0 ? c->quota : -1);
		EMIT(.controller = "cpu", .field = "linux.resources.cpu.quota",
		     .file = "cpu.cfs_quota_us", .value = v);
	}
	if (c->has_burst) {
		snprintf(v, sizeof(v), "%" PRIu64, c->burst);
		EMIT(.controller = "cpu", .field = "linux.resources.cpu.burst",
		     .file = "cpu.cfs_burst_us", .value = v);
	}
	if (c->has_realtime_period && c->realtime_period) {
		snprintf(v, sizeof(v), "%" PRIu64, c->realtime_period);
		EMIT(.controller = "cpu", .field = "linux.resources.cpu.realtimePeriod",
		     .file = "cpu.rt_period_us", .value = v);
	}
	if (c->has_realtime_runtime && c->realtime_runtime) {
		snprintf(v, sizeof(v), "%" PRId64, c->realtime_runtime);
		EMIT(.controller = "cpu", .field = "linux.resources.cpu.realtimeRuntime",
		     .file = "cpu.rt_runtime_us", .value = v);
	}
	if (c->has_idle) {
		snprintf(v, sizeof(v), "%" PRId64, c->idle);
		EMIT(.controller = "cpu", .field = "linux.resources.cpu.idle", .file = "cpu.idle",
		     .value = v);
	}
	if (c->cpus && *c->cpus)
		EMIT(.controller = "cpuset", .field = "linux.resources.cpu.cpus",
		     .file = "cpuset.cpus", .value = c->cpus);
	if (c->mems && *c->mems)
		EMIT(.controller = "cpuset", .field = "linux.resources.cpu.mems",
		     .file = "cpuset.mems", .value = c->mems);
	return 0;
}

static int map_throttle(const char *name, const char *file, const struct spec_throttle_device *t,
			size_t n, cgroup_entry_fn fn, void *ud, struct error *err)
{
	char f[96], v[96];
	for (size_t i = 0; i < n; i++) {
		snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %" PRIu64, t[i].major, t[i].minor,
			 t[i].rate);
		EMIT(.controller = "blkio",
		     .field = FIELD(f, "linux.resources.blockIO.%s[%zu]", name, i), .file = file,
		     .value = v);
	}
	return 0;
}

static int map_blkio(const struct spec_blkio *b, cgroup_entry_fn fn, void *ud, struct error *err)
{
	char f[96], v[96];
	if (!b->present)
		return 0;
	/* 0 is "not set" for every weight (docker sends weight 0 always) */
	if (b->has_weight && b->weight) {
		snprintf(v, sizeof(v), "%u", b->weight);
		EMIT(.controller = "blkio", .field = "linux.resources.blockIO.weight",
		     .file = "blkio.weight", .value = v, .alt_file = "blkio.bfq.weight");
	}
	if (b->has_leaf_weight && b->leaf_weight) {
		snprintf(v, sizeof(v), "%u", b->leaf_weight);
		EMIT(.controller = "blkio", .field = "linux.resources.blockIO.leafWeight",
		     .file = "blkio.leaf_weight", .value = v);
	}
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct spec_weight_device *w = &b->weight_device[i];
		if (w->has_weight && w->weight) {
			snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
				 w->weight);
			EMIT(.controller = "blkio",
			     .field = FIELD(f, "linux.resources.blockIO.weightDevice[%zu].weight",
					    i),
			     .file = "blkio.weight_device", .value = v,
			     .alt_file = "blkio.bfq.weight_device");
		}
		if (w->has_leaf_weight && w->leaf_weight) {
			snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
				 w->leaf_weight);
			EMIT(.controller = "blkio",
			     .field = FIELD(
				     f, "linux.resources.blockIO.weightDevice[%zu].leafWeight", i),
			     .file = "blkio.leaf_weight_device", .value = v);
		}
	}
	if (map_throttle("throttleReadBpsDevice", "blkio.throttle.read_bps_device",
			 b->throttle_read_bps, b->n_throttle_read_bps, fn, ud, err) < 0 ||
	    map_throttle("throttleWriteBpsDevice", "blkio.throttle.write_bps_device",
			 b->throttle_write_bps, b->n_throttle_write_bps, fn, ud, err) < 0 ||
	    map_throttle("throttleReadIOPSDevice", "blkio.throttle.read_iops_device",
			 b->throttle_read_iops, b->n_throttle_read_iops, fn, ud, err) < 0 ||
	    map_throttle("throttleWriteIOPSDevice", "blkio.throttle.write_iops_device",
			 b->throttle_write_iops, b->n_throttle_write_iops, fn, ud, err) < 0)
		return -1;
	return 0;
}

static int map_devices(const struct spec_resources *res, cgroup_entry_fn fn, void *ud,
		       struct error *err)
{
	char f[64], v[64];
	if (!res->n_devices)
		return 0; /* no rules: leave the device cgroup as inherited */
	EMIT(.controller = "devices", .field = "linux.resources.devices", .file = "devices.deny",
	     .value = "a");
	for (size_t i = 0; i < res->n_devices; i++) {
		const struct spec_device_cgroup *d = &res->devices[i];
		FIELD(f, "linux.resources.devices[%zu]", i);
		if (cgroup_device_rule(d, v, sizeof(v), err) < 0)
			return error_prefix(err, "%s", f);
		EMIT(.controller = "devices", .field = f,
		     .file = d->allow ? "devices.allow" : "devices.deny", .value = v);
	}
	for (size_t i = 0; i < cgroup_n_default_devices; i++) {
		if (cgroup_device_rule(&cgroup_default_devices[i], v, sizeof(v), err) < 0)
			return -1;
		EMIT(.controller = "devices", .field = "linux.resources.devices (default devices)",
		     .file = "devices.allow", .value = v);
	}
	return 0;
}

int cgroup_v1_map(const struct spec_resources *res, cgroup_entry_fn fn, void *ud, struct error *err)
{
	char f[160], file[128], v[160];
	if (!res)
		return 0;
	if (map_devices(res, fn, ud, err) < 0 || map_memory(&res->memory, fn, ud, err) < 0 ||
	    map_cpu(&res->cpu, fn, ud, err) < 0)
		return -1;
	if (res->pids.has_limit) {
		if (res->pids.limit < 0)
			snprintf(v, sizeof(v), "max");
		else
			snprintf(v, sizeof(v), "%" PRId64, res->pids.limit);
		EMIT(.controller = "pids", .field = "linux.resources.pids.limit",
		     .file = "pids.max", .value = v);
	}
	if (map_blkio(&res->block_io, fn, ud, err) < 0)
		return -1;
	for (size_t i = 0; i < res->n_hugepage_limits; i++) {
		const struct spec_hugepage_limit *hp = &res->hugepage_limits[i];
		FIELD(f, "linux.resources.hugepageLimits[%zu]", i);
		if (!cgroup_page_size_valid(hp->page_size))
			return error_set(err, EINVAL, "%s.pageSize: invalid page size \"%s\"", f,
					 hp->page_size ? hp->page_size : "");
		snprintf(v, sizeof(v), "%" PRIu64, hp->limit);
		EMIT(.controller = "hugetlb", .field = f,
		     .file = FIELD(file, "hugetlb.%s.limit_in_bytes", hp->page_size), .value = v);
		EMIT(.controller = "hugetlb", .field = f,
		     .file = FIELD(file, "hugetlb.%s.rsvd.limit_in_bytes", hp->page_size),
		     .value = v, .flags = CGROUP_ENTRY_OPTIONAL);
	}
	if (res->network.present && res->network.has_class_id && res->network.class_id) {
		snprintf(v, sizeof(v), "%" PRIu32, res->network.class_id);
		EMIT(.controller = "net_cls", .field = "linux.resources.network.classID",
		     .file = "net_cls.classid", .value = v);
	}
	for (size_t i = 0; res->network.present && i < res->network.n_priorities; i++) {
		const struct spec_net_priority *p = &res->network.priorities[i];
		FIELD(f, "linux.resources.network.priorities[%zu]", i);
		if (!cgroup_name_valid(p->name))
			return error_set(err, EINVAL, "%s.name: invalid interface name", f);
		snprintf(v, sizeof(v), "%s %" PRIu32, p->name, p->priority);
		EMIT(.controller = "net_prio", .field = f, .file = "net_prio.ifpriomap",
		     .value = v);
	}
	for (size_t i = 0; i < res->n_rdma; i++) {
		const struct spec_rdma *r = &res->rdma[i];
		FIELD(f, "linux.resources.rdma.%s", r->device ? r->device : "");
		if (cgroup_rdma_value(r, v, sizeof(v), err) < 0)
			return error_prefix(err, "%s", f);
		EMIT(.controller = "rdma", .field = f, .file = "rdma.max", .value = v);
	}
	if (res->unified.n)
		EMIT(.controller = "unified", .field = "linux.resources.unified", .file = NULL,
		     .note = "needs cgroup v2, and this host has only cgroup v1",
		     .flags = CGROUP_ENTRY_UNIFIED);
	return 0;
}

/* ---- the v1 driver ---- */

/* A cpuset cgroup takes no process until cpus and mems are set: copy
 * them from the parent into each directory the container made. */
static int v1_prepare(struct cgroup *cg, struct cgroup_hier *h, struct error *err)
{
	(void)cg;
	if (!cgroup_list_has(h->controllers, "cpuset", ','))
		return 0;
	for (int i = h->created - 1; i >= 0; i--) {
		_cleanup_free_ char *dir = cgroup_strip(h->dir, i);
		_cleanup_free_ char *parent = dir ? cgroup_strip(dir, 1) : NULL;
		if (!parent)
			return error_set(err, ENOMEM, "cpuset");
		static const char *const files[][2] = {{"cpuset.cpus", "cpuset.effective_cpus"},
						       {"cpuset.mems", "cpuset.effective_mems"}};
		for (size_t k = 0; k < 2; k++) {
			_cleanup_free_ char *cur = NULL, *val = NULL;
			if (cgroup_read(dir, files[k][0], &cur, err) < 0)
				return -1;
			if (strspn(cur, " \n") != strlen(cur))
				continue;
			if (cgroup_read(parent, files[k][0], &val, err) < 0)
				return -1;
			if (strspn(val, " \n") == strlen(val)) {
				free(val);
				val = NULL;
				if (cgroup_read(parent, files[k][1], &val, err) < 0)
					return -1;
			}
			val[strcspn(val, "\n")] = '\0';
			if (*val && cgroup_write(dir, files[k][0], val, err) < 0)
				return -1;
		}
	}
	return 0;
}

static int v1_write(struct cgroup_hier *h, const struct cgroup_entry *e, struct error *err)
{
	return cgroup_write_entry(h->dir, e, err);
}

static int v1_state(struct cgroup_hier *h, char **state, struct error *err)
{
	if (cgroup_read(h->dir, "freezer.state", state, err) < 0)
		return -1;
	(*state)[strcspn(*state, " \n")] = '\0';
	return 0;
}

static int v1_freeze(struct cgroup_hier *h, bool frozen, struct error *err)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	uint64_t deadline = cgroup_now_ms() + 5000;
	unsigned step = 0;
	for (;;) {
		/* Re-writing FROZEN nudges tasks that were busy while FREEZING. */
		if (cgroup_write(h->dir, "freezer.state", want, err) < 0)
			return -1;
		_cleanup_free_ char *state = NULL;
		if (v1_state(h, &state, err) < 0)
			return -1;
		if (!strcmp(state, want))
			return 0;
		if (cgroup_now_ms() > deadline) {
			if (frozen)
				cgroup_write(h->dir, "freezer.state", "THAWED", NULL);
			return error_set(err, ETIMEDOUT, "%s %s/freezer.state (still %s)",
					 frozen ? "freeze" : "thaw", h->dir, state);
		}
		cgroup_backoff(&step);
	}
}

static int v1_is_frozen(struct cgroup_hier *h, bool *frozen, struct error *err)
{
	_cleanup_free_ char *state = NULL;
	if (v1_state(h, &state, err) < 0)
		return -1;
	*frozen = !strcmp(state, "FROZEN") || !strcmp(state, "FREEZING");
	return 0;
}

const struct cgroup_version_ops cgroup_v1_ops = {
	.name = "v1",
	.prepare = v1_prepare,
	.write = v1_write,
	.freeze = v1_freeze,
	.is_frozen = v1_is_frozen,
	.kill = NULL,
};
