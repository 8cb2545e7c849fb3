/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup driver interface: what a cgroup manager implements. Every
 * function of cgroups/cgroup.h on a struct cgroup calls through cg->ops;
 * cgroup_create uses the selected driver (cgroup_use_driver), cgroup_open
 * the one whose serial_tag starts the saved string. Callers never see the
 * table.
 *
 * cgroupfs (cgroupfs.c, apply.c, stats.c) is the driver there is: it
 * writes the cgroup filesystems directly, v1, v2 and hybrid alike, each
 * hierarchy through its version's file semantics (struct
 * cgroup_version_ops in internal.h: v1.c, v2.c). The systemd driver
 * (systemd.c) is the second table: it starts the unit in enter (a scope
 * needs its first process), stops it in destroy, and uses cgroupfs's
 * operations on the unit's cgroup for the rest. */
#ifndef AGENTRUN_CGROUP_DRIVER_H
#define AGENTRUN_CGROUP_DRIVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroups/cgroup.h"

struct cgroup_driver_ops {
	const char *name;	/* "cgroupfs" */
	const char *serial_tag; /* first ';'-separated field of its serialized state */
	/* Can this process manage cgroups with this driver at all? */
	bool (*available)(void);
	/* The contracts are those of the cgroup_* function of the same name. */
	int (*create)(const char *cgroups_path, const char *id, struct cgroup **out,
		      struct error *err);
	int (*open)(const char *serialized, struct cgroup **out, struct error *err);
	char *(*serialize)(const struct cgroup *cg);
	int (*enter)(struct cgroup *cg, pid_t pid, struct error *err);
	int (*enter_sub)(struct cgroup *cg, const char *const *subs, size_t n, pid_t pid,
			 struct error *err);
	int (*apply)(struct cgroup *cg, const struct spec_resources *res, struct error *err);
	/* optional (NULL: annotations mean nothing to the driver) */
	int (*set_annotations)(struct cgroup *cg, const struct spec_map *annotations,
			       struct error *err);
	int (*pids)(struct cgroup *cg, pid_t **pids, size_t *n, struct error *err);
	int (*kill_all)(struct cgroup *cg, int sig, struct error *err);
	int (*freeze)(struct cgroup *cg, bool frozen, struct error *err);
	int (*is_frozen)(struct cgroup *cg, bool *frozen, struct error *err);
	const char *(*freezer_dir)(struct cgroup *cg);
	int (*stats)(struct cgroup *cg, struct cgroup_stats *out, struct error *err);
	int (*oom_count)(struct cgroup *cg, uint64_t *count, struct error *err);
	int (*destroy)(struct cgroup *cg, struct error *err);
	void (*free)(struct cgroup *cg);
};

extern const struct cgroup_driver_ops cgroup_fs_driver;
/* systemd.c: a transient unit per container, asked for over D-Bus */
extern const struct cgroup_driver_ops cgroup_systemd_driver;

#endif
