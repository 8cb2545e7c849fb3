/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v2 (unified): linux.resources -> controller files, and the v2
 * driver (controller enabling, cgroup.freeze, cgroup.kill). */
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

#define NO_V2 "has no cgroup v2 equivalent"

uint64_t cgroup_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cgroup_blkio_to_io_weight(uint64_t weight)
{
	if (weight == 0)
		return 0;
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + ((weight - 10) * 9999) / 990;
}

/* v2 takes "max" for unlimited. */
static const char *max_value(char *buf, size_t len, int64_t v)
{
	if (v < 0)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%" PRId64, v);
	return buf;
}

static int map_memory(const struct spec_memory *m, cgroup_entry_fn fn, void *ud, struct error *err)
{
	char v[32];
	if (!m->present)
		return 0;
	/* 0 is "not set" for limit, reservation and swap (runc alike) */
	if (m->has_limit && m->limit)
		EMIT(.controller = "memory", .field = "linux.resources.memory.limit",
		     .file = "memory.max", .value = max_value(v, sizeof(v), m->limit),
		     .flags = m->has_check_before_update && m->check_before_update && m->limit >= 0
				      ? CGROUP_ENTRY_CHECK_USAGE
				      : 0);
	if (m->has_reservation && m->reservation)
		EMIT(.controller = "memory", .field = "linux.resources.memory.reservation",
		     .file = "memory.low", .value = max_value(v, sizeof(v), m->reservation));
	/* OCI swap is memory+swap; memory.swap.max is swap alone. */
	if (!(m->has_swap && m->swap)) {
		/* an unlimited memory with no swap limit: swap unlimited too */
		if (m->has_limit && m->limit < 0)
			EMIT(.controller = "memory", .field = "linux.resources.memory.limit",
			     .file = "memory.swap.max", .value = "max",
			     .flags = CGROUP_ENTRY_OPTIONAL);
	} else {
		const char *f = "linux.resources.memory.swap";
		if (m->swap < 0)
			EMIT(.controller = "memory", .field = f, .file = "memory.swap.max",
			     .value = "max", .flags = CGROUP_ENTRY_OPTIONAL);
		else if (!m->has_limit || m->limit < 0)
			EMIT(.controller = "memory", .field = f,
			     .note = "a memory+swap limit needs memory.limit on cgroup v2");
		else if (m->swap < m->limit)
			EMIT(.controller = "memory", .field = f,
			     .note = "memory+swap limit is below memory.limit");
		else
			EMIT(.controller = "memory", .field = f, .file = "memory.swap.max",
			     .value = max_value(v, sizeof(v), m->swap - m->limit));
	}
	/* kernel, kernelTCP, swappiness, disableOOMKiller, useHierarchy: v1
	 * only knobs with no v2 file; ignored like runc and crun do. */
	return 0;
}

static int map_cpu(const struct spec_cpu *c, cgroup_entry_fn fn, void *ud, struct error *err)
{
	char v[64];
	if (!c->present)
		return 0;
	if (c->has_shares && c->shares) {
		snprintf(v, sizeof(v), "%" PRIu64, cgroup_shares_to_weight(c->shares));
		EMIT(.controller = "cpu", .field = "linux.resources.cpu.shares",
		     .file = "cpu.weight", .value = v);
	}
	/* quota 0 and period 0 are "not set" */
	if ((c->has_quota && c->quota) || (c->has_period && c->period)) {
		int n = (c->has_quota && c->quota > 0)
				? snprintf(v, sizeof(v), "%" PRId64, c->quota)
				: snprintf(v, sizeof(v), "max");
		if (c->has_period && c->period)
			snprintf(v + n, sizeof(v) - (size_t)n, " %" PRIu64, c->period);
		EMIT(.controller = "cpu",
		     .field = c->has_quota && c->quota ? "linux.resources.cpu.quota"
						       : "linux.resources.cpu.period",
		     .file = "cpu.max", .value = v);
	}
	if (c->has_burst) {
		snprintf(v, sizeof(v), "%" PRIu64, c->burst);
		EMIT(.controller = "cpu", .field = "linux.resources.cpu.burst",
		     .file = "cpu.max.burst", .value = v);
	}
	if (c->has_realtime_period && c->realtime_period)
		EMIT(.controller = "cpu", .field = "linux.resources.cpu.realtimePeriod",
		     .note = NO_V2);
	if (c->has_realtime_runtime && c->realtime_runtime)
		EMIT(.controller = "cpu", .field = "linux.resources.cpu.realtimeRuntime",
		     .note = NO_V2);
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

static int map_io_max(const char *name, const char *key, const struct spec_throttle_device *t,
		      size_t n, cgroup_entry_fn fn, void *ud, struct error *err)
{
	char f[96], v[96];
	for (size_t i = 0; i < n; i++) {
		snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t[i].major,
			 t[i].minor, key, t[i].rate);
		EMIT(.controller = "io", .route = "blkio",
		     .field = FIELD(f, "linux.resources.blockIO.%s[%zu]", name, i),
		     .file = "io.max", .value = v);
	}
	return 0;
}

static int map_io(const struct spec_blkio *b, cgroup_entry_fn fn, void *ud, struct error *err)
{
	char f[96], v[64], alt[64];
	if (!b->present)
		return 0;
	/* io.bfq.weight takes the v1 range (1..1000); io.weight is 1..10000. */
	/* 0 is "not set" for every weight (docker sends weight 0 always) */
	if (b->has_weight && b->weight) {
		snprintf(v, sizeof(v), "%u", b->weight);
		snprintf(alt, sizeof(alt), "%" PRIu64, cgroup_blkio_to_io_weight(b->weight));
		EMIT(.controller = "io", .route = "blkio",
		     .field = "linux.resources.blockIO.weight", .file = "io.bfq.weight", .value = v,
		     .alt_file = "io.weight", .alt_value = alt);
	}
	if (b->has_leaf_weight && b->leaf_weight)
		EMIT(.controller = "io", .route = "blkio",
		     .field = "linux.resources.blockIO.leafWeight", .note = NO_V2);
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct spec_weight_device *w = &b->weight_device[i];
		if (w->has_weight && w->weight) {
			snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
				 w->weight);
			snprintf(alt, sizeof(alt), "%" PRId64 ":%" PRId64 " %" PRIu64, w->major,
				 w->minor, cgroup_blkio_to_io_weight(w->weight));
			EMIT(.controller = "io", .route = "blkio",
			     .field = FIELD(f, "linux.resources.blockIO.weightDevice[%zu].weight",
					    i),
			     .file = "io.bfq.weight", .value = v, .alt_file = "io.weight",
			     .alt_value = alt);
		}
		if (w->has_leaf_weight && w->leaf_weight)
			EMIT(.controller = "io", .route = "blkio",
			     .field = FIELD(
				     f, "linux.resources.blockIO.weightDevice[%zu].leafWeight", i),
			     .note = NO_V2);
	}
	if (map_io_max("throttleReadBpsDevice", "rbps", b->throttle_read_bps,
		       b->n_throttle_read_bps, fn, ud, err) < 0 ||
	    map_io_max("throttleWriteBpsDevice", "wbps", b->throttle_write_bps,
		       b->n_throttle_write_bps, fn, ud, err) < 0 ||
	    map_io_max("throttleReadIOPSDevice", "riops", b->throttle_read_iops,
		       b->n_throttle_read_iops, fn, ud, err) < 0 ||
	    map_io_max("throttleWriteIOPSDevice", "wiops", b->throttle_write_iops,
		       b->n_throttle_write_iops, fn, ud, err) < 0)
		return -1;
	return 0;
}

static int map_unified(const struct spec_map *u, cgroup_entry_fn fn, void *ud, struct error *err)
{
	char f[160], ctrl[64];
	for (size_t i = 0; i < u->n; i++) {
		const char *key = u->keys[i];
		FIELD(f, "linux.resources.unified.%s", key ? key : "");
		const char *dot = key ? strchr(key, '.') : NULL;
		if (!dot || dot == key || strchr(key, '/') || strstr(key, "..") ||
		    (size_t)(dot - key) >= sizeof(ctrl))
			return error_set(err, EINVAL, "%s: invalid cgroup file name", f);
		snprintf(ctrl, sizeof(ctrl), "%.*s", (int)(dot - key), key);
		EMIT(.controller = ctrl, .route = !strcmp(ctrl, "io") ? "blkio" : ctrl, .field = f,
		     .file = key, .value = u->values[i] ? u->values[i] : "",
		     .flags = CGROUP_ENTRY_UNIFIED);
	}
	return 0;
}

int cgroup_v2_map(const struct spec_resources *res, cgroup_entry_fn fn, void *ud, struct error *err)
{
	char f[160], file[128], v[160];
	if (!res)
		return 0;
	for (size_t i = 0; i < res->n_devices; i++) {
		/* Validate the rules the same way on both versions. */
		if (cgroup_device_rule(&res->devices[i], v, sizeof(v), err) < 0)
			return error_prefix(err, "linux.resources.devices[%zu]", i);
	}
	/* the rules become an eBPF program (devfilter.c), not a file */
	if (map_memory(&res->memory, fn, ud, err) < 0 || map_cpu(&res->cpu, fn, ud, err) < 0)
		return -1;
	if (res->pids.has_limit)
		EMIT(.controller = "pids", .field = "linux.resources.pids.limit",
		     .file = "pids.max", .value = max_value(v, sizeof(v), res->pids.limit));
	if (map_io(&res->block_io, fn, ud, err) < 0)
		return -1;
	for (size_t i = 0; i < res->n_hugepage_limits; i++) {
		const struct spec_hugepage_limit *hp = &res->hugepage_limits[i];
		FIELD(f, "linux.resources.hugepageLimits[%zu]", i);
		if (!cgroup_page_size_valid(hp->page_size))
			return error_set(err, EINVAL, "%s.pageSize: invalid page size \"%s\"", f,
					 hp->page_size ? hp->page_size : "");
		snprintf(v, sizeof(v), "%" PRIu64, hp->limit);
		EMIT(.controller = "hugetlb", .field = f,
		     .file = FIELD(file, "hugetlb.%s.max", hp->page_size), .value = v);
		EMIT(.controller = "hugetlb", .field = f,
		     .file = FIELD(file, "hugetlb.%s.rsvd.max", hp->page_size), .value = v,
		     .flags = CGROUP_ENTRY_OPTIONAL);
	}
	if (res->network.present && res->network.has_class_id && res->network.class_id)
		EMIT(.controller = "net_cls", .field = "linux.resources.network.classID",
		     .note = "needs the cgroup v1 net_cls controller, which is not mounted");
	if (res->network.present && res->network.n_priorities)
		EMIT(.controller = "net_prio", .field = "linux.resources.network.priorities",
		     .note = "needs the cgroup v1 net_prio controller, which is not mounted");
	for (size_t i = 0; i < res->n_rdma; i++) {
		const struct spec_rdma *r = &res->rdma[i];
		FIELD(f, "linux.resources.rdma.%s", r->device ? r->device : "");
		if (cgroup_rdma_value(r, v, sizeof(v), err) < 0)
			return error_prefix(err, "%s", f);
		EMIT(.controller = "rdma", .field = f, .file = "rdma.max", .value = v);
	}
	return map_unified(&res->unified, fn, ud, err);
}

/* ---- the v2 driver ---- */

static int enable_in(const char *dir, const char *controller, struct error *err)
{
	_cleanup_free_ char *avail = NULL, *enabled = NULL;
	if (cgroup_read(dir, "cgroup.controllers", &avail, err) < 0 ||
	    cgroup_read(dir, "cgroup.subtree_control", &enabled, err) < 0)
		return -1;
	char plus[80];
	if (controller) {
		if (cgroup_list_has(enabled, controller, ' '))
			return 0;
		if (!cgroup_list_has(avail, controller, ' ')) {
			error_set(err, 0, "the %s controller is not available in %s", controller,
				  dir);
			if (err)
				err->errnum = EOPNOTSUPP;
			return -1;
		}
		snprintf(plus, sizeof(plus), "+%s", controller);
		return cgroup_write(dir, "cgroup.subtree_control", plus, err);
	}
	char *save = NULL;
	for (char *c = strtok_r(avail, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
		if (cgroup_list_has(enabled, c, ' '))
			continue;
		snprintf(plus, sizeof(plus), "+%s", c);
		cgroup_write(dir, "cgroup.subtree_control", plus, NULL); /* best effort */
	}
	return 0;
}

int cgroup_v2_enable(struct cgroup_hier *h, const char *controller, struct error *err)
{
	size_t ml = strlen(h->mountpoint);
	if (strncmp(h->dir, h->mountpoint, ml) != 0)
		return error_set(err, EINVAL, "%s is not under %s", h->dir, h->mountpoint);
	/* Each ancestor, from the mount point down to the parent of dir: the
	 * prefix of dir before every '/' that starts a component. */
	const char *rel = h->dir + ml;
	for (size_t i = 0; rel[i]; i++) {
		if (rel[i] != '/' || !rel[i + 1] || rel[i + 1] == '/')
			continue;
		_cleanup_free_ char *anc = ml + i ? strndup(h->dir, ml + i) : strdup("/");
		if (!anc)
			return error_set(err, ENOMEM, "enable controllers");
		if (enable_in(anc, controller, err) < 0)
			return -1;
	}
	return 0;
}

static int v2_prepare(struct cgroup *cg, struct cgroup_hier *h, struct error *err)
{
	(void)err;
	/* On a pure v2 host give the container every controller, as runc and
	 * crun do; on hybrid hosts enable only what cgroup_apply needs. */
	if (cg->mode == CGROUP_MODE_V2)
		cgroup_v2_enable(h, NULL, NULL);
	return 0;
}

static int check_usage(struct cgroup_hier *h, const struct cgroup_entry *e, struct error *err)
{
	_cleanup_free_ char *cur = NULL;
	if (cgroup_read(h->dir, "memory.current", &cur, err) < 0)
		return error_prefix(err, "%s", e->field);
	unsigned long long usage = strtoull(cur, NULL, 10), limit = strtoull(e->value, NULL, 10);
	if (limit < usage)
		return error_set(err, EBUSY,
				 "%s: the limit %llu is below the current usage %llu "
				 "(checkBeforeUpdate)",
				 e->field, limit, usage);
	return 0;
}

static int v2_write(struct cgroup_hier *h, const struct cgroup_entry *e, struct error *err)
{
	if (strcmp(e->controller, "cgroup") != 0) {
		_cleanup_free_ char *avail = NULL;
		if (cgroup_read(h->dir, "cgroup.controllers", &avail, err) < 0)
			return error_prefix(err, "%s", e->field);
		if (!cgroup_list_has(avail, e->controller, ' ') &&
		    cgroup_v2_enable(h, e->controller, err) < 0)
			return error_prefix(err, "%s", e->field);
	}
	if ((e->flags & CGROUP_ENTRY_CHECK_USAGE) && check_usage(h, e, err) < 0)
		return -1;
	return cgroup_write_entry(h->dir, e, err);
}

static int read_event(struct cgroup_hier *h, const char *key, int *val, struct error *err)
{
	_cleanup_free_ char *ev = NULL;
	if (cgroup_read(h->dir, "cgroup.events", &ev, err) < 0)
		return -1;
	size_t kl = strlen(key);
	for (char *l = ev; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, key, kl) && l[kl] == ' ') {
			*val = atoi(l + kl + 1);
			return 0;
		}
	}
	return error_set(err, ENOENT, "read %s/cgroup.events: no \"%s\"", h->dir, key);
}

static int v2_freeze(struct cgroup_hier *h, bool frozen, struct error *err)
{
	if (cgroup_write(h->dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
		return -1;
	uint64_t deadline = cgroup_now_ms() + 5000;
	unsigned step = 0;
	for (;;) {
		int state = -1;
		if (read_event(h, "frozen", &state, err) < 0)
			return -1;
		if (state == (int)frozen)
			return 0;
		if (cgroup_now_ms() > deadline) {
			if (frozen)
				cgroup_write(h->dir, "cgroup.freeze", "0", NULL);
			return error_set(err, ETIMEDOUT, "%s %s/cgroup.freeze: timed out",
					 frozen ? "freeze" : "thaw", h->dir);
		}
		cgroup_backoff(&step);
	}
}

static int v2_is_frozen(struct cgroup_hier *h, bool *frozen, struct error *err)
{
	int state = 0;
	if (read_event(h, "frozen", &state, err) < 0)
		return -1;
	*frozen = state == 1;
	return 0;
}

static int v2_kill(struct cgroup_hier *h, struct error *err)
{
	if (!cgroup_exists(h->dir, "cgroup.kill"))
		return 1;
	return cgroup_write(h->dir, "cgroup.kill", "1", err);
}

const struct cgroup_version_ops cgroup_v2_ops = {
	.name = "v2",
	.prepare = v2_prepare,
	.write = v2_write,
	.freeze = v2_freeze,
	.is_frozen = v2_is_frozen,
	.kill = v2_kill,
};
