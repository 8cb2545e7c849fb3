/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resources of a live container: `update` (new limits written to its
 * cgroup and into its saved config) and the cgroup `events` reads. */
#ifndef AGENTRUN_RESOURCES_H
#define AGENTRUN_RESOURCES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroups/cgroup.h"
#include "spec/spec.h"
#include "util/error.h"

/* Apply res to the cgroup of a container that is not stopped, and merge
 * patch_json (a linux.resources object: what res was parsed from, or NULL
 * to generate it from res) into the config saved in its state dir.
 * linux.resources.devices is not updated (as runc). */
int resources_update(const char *root, const char *id, struct spec_resources *res,
		     const char *patch_json, struct error *err);

/* The cgroup of a container that is not stopped (the state lock is
 * released on return); pid and start_time let the caller watch it. */
int resources_open_cgroup(const char *root, const char *id, struct cgroup **cg, pid_t *pid,
			  unsigned long long *start_time, struct error *err);

/* "512m", "1g", "1.5G", "100kb", "4096" (1024-based, as runc's --memory);
 * "-1" is unlimited. */
int resources_parse_bytes(const char *s, int64_t *out, struct error *err);

#endif
