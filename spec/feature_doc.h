/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef AGENTRUN_SPEC_FEATURES_H
#define AGENTRUN_SPEC_FEATURES_H

#include <stdbool.h>

#include "spec/spec.h"

/* What this build and host support; the runtime fills it in, so the
 * features document tells the truth. Lists are NULL-terminated. */
struct spec_features {
	const char *oci_version_min, *oci_version_max;
	const char *const *hooks;
	const char *const *mount_options;
	const char *const *namespaces;
	const char *const *capabilities;
	bool cgroup_v1, cgroup_v2, cgroup_systemd, cgroup_systemd_user, cgroup_rdma;
	bool seccomp_enabled;
	const char *const *seccomp_actions, *const *seccomp_operators,
						    *const *seccomp_archs,
							    *const *seccomp_known_flags,
								    *const *seccomp_supported_flags;
	bool apparmor, selinux, intel_rdt, idmap_mounts, net_devices;
	struct spec_map annotations;
	const char *const *unsafe_annotations;
};

int spec_features_json(const struct spec_features *f, char **out, struct error *err);

#endif
