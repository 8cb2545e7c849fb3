/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Container cgroups: detection of the host layout (v1, v2, hybrid), the
 * container's directories in every hierarchy, resource limits, freezer,
 * signalling and removal. Nothing here prints or exits. Each call on a
 * struct cgroup goes to the driver that made it (cgroups/driver.h):
 * cgroupfs (the default) or systemd (a transient unit per container). */
#ifndef AGENTRUN_CGROUP_H
#define AGENTRUN_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "spec/spec.h"

enum cgroup_mode {
	CGROUP_MODE_V1,
	CGROUP_MODE_V2,
	CGROUP_MODE_HYBRID
};

struct cgroup; /* opaque */

int cgroup_detect_mode(enum cgroup_mode *mode, struct error *err);
/* "unified": use only the cgroup2 hierarchy (as on a pure v2 host);
 * "legacy": only the v1 ones; "disabled": none (cgroup_available() is
 * false); "auto" or NULL: all (the default). Process-wide. */
int cgroup_force_mode(const char *value, struct error *err);
bool cgroup_disabled(void);

/* The driver cgroup_create uses from now on ("cgroupfs", "systemd");
 * process-wide.
 * Cgroups opened from a saved string keep the driver that made them. */
int cgroup_use_driver(const char *name, struct error *err);
const char *cgroup_driver_name(void);

/* Resolve and mkdir the container's cgroup(s). cgroups_path may be NULL
 * (default: "<the calling process's own cgroup in each hierarchy>/<id>"),
 * absolute ("/a/b" under each hierarchy root) or relative (under the
 * calling process's own cgroup). A hierarchy whose directory cannot be
 * made is remembered as unusable; it only fails cgroup_apply when a
 * resource needs it. Fails when the leaf already exists with processes. */
int cgroup_create(const char *cgroups_path, const char *id, struct cgroup **out, struct error *err);
/* Re-open an existing container cgroup from cgroup_serialize's string. */
int cgroup_open(const char *serialized, struct cgroup **out, struct error *err);
/* malloc'd, single line, no newline; NULL on allocation failure. */
char *cgroup_serialize(const struct cgroup *cg);

/* Put pid in every usable hierarchy, including unified and name=systemd. */
int cgroup_enter(struct cgroup *cg, pid_t pid, struct error *err);
/* Like cgroup_enter, into existing sub-cgroups of the container's: each
 * entry is "PATH" (every hierarchy) or "CONTROLLER:PATH" (v1), as runc's
 * `exec --cgroup`. */
int cgroup_enter_sub(struct cgroup *cg, const char *const *subs, size_t n, pid_t pid,
		     struct error *err);
/* Write the limits. Errors name the field:
 * "linux.resources.memory.limit: write .../memory.limit_in_bytes: ..." */
int cgroup_apply(struct cgroup *cg, const struct spec_resources *res, struct error *err);
/* config.json's annotations, for a driver that reads some: systemd takes
 * runc's org.systemd.property.NAME ones as unit properties (an error names
 * the annotation). Before cgroup_enter. */
int cgroup_set_annotations(struct cgroup *cg, const struct spec_map *annotations,
			   struct error *err);
/* Every process in the container cgroup, recursively (malloc'd array). */
int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct error *err);
/* Signal every process: v2 cgroup.kill for SIGKILL when present, else
 * freeze, signal each process, restore the freezer state. */
int cgroup_kill_all(struct cgroup *cg, int sig, struct error *err);
/* v1 freezer.state FROZEN/THAWED or v2 cgroup.freeze; waits until the
 * state has settled (bounded). */
int cgroup_freeze(struct cgroup *cg, bool frozen, struct error *err);
int cgroup_is_frozen(struct cgroup *cg, bool *frozen, struct error *err);
/* The directory cgroup_freeze works on (v1 freezer, else unified), or NULL. */
const char *cgroup_freezer_dir(struct cgroup *cg);
/* rmdir the container's directories (its sub-cgroups first, then the leaf,
 * then the ancestors cgroup_create made), retrying ~2s while EBUSY. */
int cgroup_destroy(struct cgroup *cg, struct error *err);
void cgroup_free(struct cgroup *cg);
DEFINE_CLEANUP_FUNC(cgroup_freep, struct cgroup, cgroup_free)
#define _cleanup_cgroup_ __attribute__((cleanup(cgroup_freep)))

/* Usage counters, as runc's `events` reports them (its types.Stats). Every
 * value is 0 when the host does not provide it. Times are nanoseconds. */
struct cgroup_mem_entry {
	uint64_t limit, usage, max, failcnt;
};

struct cgroup_blkio_entry {
	uint64_t major, minor;
	char op[16]; /* "Read", "Write", "Total" ...; "" for single-value files */
	uint64_t value;
};

struct cgroup_blkio_list {
	struct cgroup_blkio_entry *v;
	size_t n;
};

struct cgroup_stat_kv {
	char *key;
	uint64_t value;
};

struct cgroup_hugetlb_stats {
	char *page_size; /* "2MB" */
	uint64_t usage, max, failcnt;
};

struct cgroup_stats {
	struct {
		uint64_t total, kernel, user;
		uint64_t *percpu, *percpu_kernel, *percpu_user;
		size_t n_percpu, n_percpu_kernel, n_percpu_user;
		uint64_t periods, throttled_periods, throttled_time;
	} cpu;
	struct {
		uint16_t *cpus, *mems;
		size_t n_cpus, n_mems;
		uint64_t cpu_exclusive, mem_hardwall, mem_exclusive, memory_migrate,
			memory_spread_page, memory_spread_slab, memory_pressure,
			memory_pressure_enabled, sched_load_balance;
		int64_t sched_relax_domain_level;
	} cpuset;
	struct {
		uint64_t cache;
		struct cgroup_mem_entry usage, swap, kernel, kernel_tcp;
		struct cgroup_stat_kv *raw; /* memory.stat */
		size_t n_raw;
		/* OOM kills in the cgroup (v1 memory.oom_control oom_kill, v2
		 * memory.events oom_kill); has_oom_kill false when the kernel
		 * does not count them (old v1: use usage.failcnt instead). */
		bool has_oom_kill;
		uint64_t oom_kill;
	} memory;
	struct {
		uint64_t current, limit; /* limit 0: unlimited */
	} pids;
	struct {
		struct cgroup_blkio_list service_bytes, serviced, queued, service_time, wait_time,
			merged, time, sectors;
	} blkio;
	struct cgroup_hugetlb_stats *hugetlb;
	size_t n_hugetlb;
};

/* Read the counters of every usable hierarchy: a controller mounted on v1
 * is read there, any other from the unified hierarchy. Files the host does
 * not have are skipped; out is cleared first (cgroup_stats_clear it). */
int cgroup_stats(struct cgroup *cg, struct cgroup_stats *out, struct error *err);
void cgroup_stats_clear(struct cgroup_stats *s);
/* The OOM counter alone (cheap, for polling): oom_kill, or the v1
 * memory.failcnt when the kernel has no oom_kill count. */
int cgroup_oom_count(struct cgroup *cg, uint64_t *count, struct error *err);

/* True when this process can write cgroups (root, or a delegated v2
 * subtree). When false the caller runs without cgroups and warns once. */
bool cgroup_available(void);

#endif
