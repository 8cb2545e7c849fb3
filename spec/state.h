/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state of a container: the OCI state JSON (`agentrun state`) and the
 * record agentrun keeps in its state directory (a superset of it). */
#ifndef AGENTRUN_SPEC_STATE_H
#define AGENTRUN_SPEC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "spec/spec.h"

struct spec_state {
	char *oci_version;
	char *id;
	char *status; /* creating, created, running, paused, stopped */
	int pid;
	char *bundle;
	struct spec_map annotations;
	/* agentrun's own record, not part of the OCI state */
	unsigned long long start_time; /* /proc/PID/stat starttime: detects pid reuse */
	char *rootfs;
	char *created; /* RFC 3339 with nanoseconds */
	char *owner;
	char *cgroup; /* cgroup_serialize() output, NULL without cgroups */
	bool systemd_cgroup;
	bool has_terminal;
};

/* internal=false: the OCI state JSON; true: the full record. */
int spec_state_to_json(const struct spec_state *st, bool internal, bool pretty, char **out,
		       struct error *err);
/* The OCI state handed to a hook on stdin (and the one `state` prints,
 * compact): base's ociVersion, id, bundle and annotations with this status
 * and pid (left out when pid <= 0 or the status is "stopped"); base's own
 * status, pid and agentrun's internal fields are ignored. */
int spec_state_hook_json(const struct spec_state *base, const char *status, pid_t pid, char **out,
			 struct error *err);
int spec_state_parse(const char *json, const char *origin, struct spec_state *st,
		     struct error *err);
/* runc's `list --format json`: an array of container summaries. */
int spec_state_list_json(const struct spec_state *states, size_t n, char **out, struct error *err);
/* The containerProcessState sent with a seccomp notify fd to a listener. */
int spec_seccomp_listener_json(const struct spec_state *st, const char *metadata, char **out,
			       struct error *err);
void spec_state_clear(struct spec_state *st);
int spec_map_copy(struct spec_map *dst, const struct spec_map *src);
void spec_map_clear(struct spec_map *m);

#endif
