/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Container cgroups: detection of the host layout (v1, v2, hybrid), the
 * container's directories in every hierarchy, resource limits, freezer,
 * signalling and removal. Nothing here prints or exits. */
#ifndef AGENTRUN_CGROUP_H
#define AGENTRUN_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../runtime/util/error.h"
#include "../spec/spec.h"

enum cgroup_mode { CGROUP_MODE_V1, CGROUP_MODE_V2, CGROUP_MODE_HYBRID };

struct cgroup; /* opaque */

int cgroup_detect_mode(enum cgroup_mode *mode, struct error *err);

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
/* Write the limits. Errors name the field:
 * "linux.resources.memory.limit: write .../memory.limit_in_bytes: ..." */
int cgroup_apply(struct cgroup *cg, const struct spec_resources *res, struct error *err);
/* Every process in the container cgroup, recursively (malloc'd array). */
int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct error *err);
/* Signal every process: v2 cgroup.kill for SIGKILL when present, else
 * freeze, signal each process, restore the freezer state. */
int cgroup_kill_all(struct cgroup *cg, int sig, struct error *err);
/* v1 freezer.state FROZEN/THAWED or v2 cgroup.freeze; waits until the
 * state has settled (bounded). */
int cgroup_freeze(struct cgroup *cg, bool frozen, struct error *err);
int cgroup_is_frozen(struct cgroup *cg, bool *frozen, struct error *err);
/* rmdir the container's directories (its sub-cgroups first, then the leaf,
 * then the ancestors cgroup_create made), retrying ~2s while EBUSY. */
int cgroup_destroy(struct cgroup *cg, struct error *err);
void cgroup_free(struct cgroup *cg);

/* True when this process can write cgroups (root, or a delegated v2
 * subtree). When false the caller runs without cgroups and warns once. */
bool cgroup_available(void);

#endif
