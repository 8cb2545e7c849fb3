/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What this build applies, gathered from the modules that apply it, so
 * `features` cannot claim more than the code does. */
#include "runtime/feature_list.h"
#include "runtime/criu.h"
#include "runtime/rootfs.h"
#include "runtime/seccomp.h"
#include "runtime/egress.h"
#include "runtime/landlock.h"
#include "runtime/lsm.h"
#include "spec/agent_seccomp.h"
#include "spec/feature_doc.h"
#include "spec/names.h"
#include "util/version.h"
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

int features_json(char **out, struct error *err)
{
	static const char *const hooks[] = {"prestart",
					    "createRuntime",
					    "createContainer",
					    "startContainer",
					    "poststart",
					    "poststop",
					    NULL};
	const char *mount_options[128];
	rootfs_mount_option_names(mount_options, 128);

	int ncaps = cap_max_bits();
	char **caps = calloc(ncaps + 1, sizeof(char *));
	if (!caps)
		return error_set(err, 0, "features: out of memory");
	for (int i = 0; i < ncaps; i++) {
		char *name = cap_to_name(i);
		caps[i] = name ? strdup(name) : NULL;
		cap_free(name);
		for (char *p = caps[i]; p && *p; p++)
			*p = (char)toupper((unsigned char)*p);
		if (!caps[i] || strncmp(caps[i], "CAP_", 4) != 0) {
			/* libcap older than the kernel: no name for this one */
			free(caps[i]);
			caps[i] = NULL;
			ncaps = i;
			break;
		}
	}
	static const char *const unsafe[] = {NULL};
	/* the kernel's Landlock ABI (0: none) and the annotations that use it */
	char landlock_abi_str[16];
	snprintf(landlock_abi_str, sizeof(landlock_abi_str), "%d", landlock_abi());
	/* the agent profile's seccomp allowlist, as `spec --profile agent`
	 * writes it (spec/agent_seccomp.c) */
	char *sc_allowed = NULL, *sc_cond = NULL, *sc_refused = NULL;
	if (agent_seccomp_lists(&sc_allowed, &sc_cond, &sc_refused, err) < 0) {
		for (int i = 0; i < ncaps; i++)
			free(caps[i]);
		free(caps);
		return -1;
	}
	const char *ann_keys[] = {"org.agentrun.version",
				  "org.agentrun.commit",
				  "org.agentrun.checkpoint.enabled",
				  "org.agentrun.profile.agent.seccomp.default",
				  "org.agentrun.profile.agent.seccomp.allowed",
				  "org.agentrun.profile.agent.seccomp.conditional",
				  "org.agentrun.profile.agent.seccomp.refused",
				  "org.agentrun.landlock.abi",
				  "org.agentrun.landlock.annotations",
				  "org.agentrun.net.proxy.annotations"};
	const char *ann_values[] = {
		AGENTRUN_VERSION,
		agentrun_commit,
		criu_built_in() ? "true" : "false",
		"SCMP_ACT_ERRNO(ENOSYS)",
		sc_allowed,
		sc_cond,
		sc_refused,
		landlock_abi_str,
		"run.agentrun.landlock run.agentrun.landlock.abi "
		"run.agentrun.landlock.ro run.agentrun.landlock.rw "
		"run.agentrun.landlock.exec run.agentrun.landlock.binds "
		"run.agentrun.landlock.tcp.bind run.agentrun.landlock.tcp.connect "
		"run.agentrun.landlock.scope",
		EGRESS_ANNOTATION " " EGRESS_PORT_ANNOTATION};
	struct spec_features f = {
		.oci_version_min = "1.0.0",
		.oci_version_max = AGENTRUN_SPEC_VERSION,
		.hooks = hooks,
		.mount_options = mount_options,
		.namespaces = spec_namespace_types,
		.capabilities = (const char *const *)caps,
		.cgroup_v1 = true,
		.cgroup_v2 = true,
		.cgroup_systemd = true,	     /* --systemd-cgroup (cgroups/systemd.c) */
		.cgroup_systemd_user = true, /* rootless: the user's own systemd */
		.cgroup_rdma = true,	     /* rdma.max on both versions */
		.apparmor = lsm_apparmor_enabled(),
		.selinux = lsm_selinux_enabled(),
		.idmap_mounts = true,
		.net_devices = true,
		.seccomp_enabled = true,
		.seccomp_actions = seccomp_action_names,
		.seccomp_operators = seccomp_operator_names,
		.seccomp_archs = seccomp_arch_names,
		.seccomp_known_flags = seccomp_flag_names,
		.seccomp_supported_flags = seccomp_supported_flags(),
		.annotations = {.n = sizeof(ann_keys) / sizeof(ann_keys[0]),
				.keys = (char **)ann_keys,
				.values = (char **)ann_values},
		.unsafe_annotations = unsafe,
	};
	int r = spec_features_json(&f, out, err);
	free(sc_allowed);
	free(sc_cond);
	free(sc_refused);
	for (int i = 0; i < ncaps; i++)
		free(caps[i]);
	free(caps);
	return r;
}
