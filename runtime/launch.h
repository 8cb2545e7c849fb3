/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Starting a container's init: the parent side (launch.c) and the child
 * side (init.c). */
#ifndef AGENTRUN_LAUNCH_H
#define AGENTRUN_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "runtime/namespaces.h"

struct cgroup;

struct launch_opts {
	const struct spec *spec;
	const char *id;
	const char *bundle; /* absolute */
	const char *rootfs; /* absolute */
	int state_dirfd;
	struct cgroup *cgroup; /* NULL: no cgroups */
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
	const char *console_socket; /* where the pty master goes */
	int *terminal_master;	    /* or here, for a foreground relay */
};

/* What init needs, handed over by memory copy at clone. */
struct init_args {
	const struct launch_opts *opts;
	struct ns_plan *plan;
	int sync_fd;
	int fifo_fd;	      /* O_PATH fd of exec.fifo */
	bool two_stage;	      /* forked by a first stage that has exited */
	const int *idmap_fds; /* per mount: its id-mapping user namespace, or -1 */
};

/* Clone the container init, finish its namespaces and wait until it is set
 * up and waiting on the exec fifo. On error nothing of it remains (the
 * child is killed and reaped). */
int launch_container(const struct launch_opts *o, pid_t *pid_out, struct error *err);

/* The OCI state of the container being launched, for hooks. */
int launch_state_json(const struct launch_opts *o, const char *status, pid_t pid, char **out,
		      struct error *err);

/* init.c: runs in the child; never returns. */
__attribute__((noreturn)) void init_main(struct init_args *a);

#endif
