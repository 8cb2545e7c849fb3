/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Starting a container's init, the parent side; the child side is
 * runtime/init.h. */
#ifndef AGENTRUN_LAUNCH_H
#define AGENTRUN_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/spec.h"

struct cgroup;

struct launch_opts {
	const struct spec *spec;
	const char *id;
	const char *bundle; /* absolute */
	const char *rootfs; /* absolute */
	int state_dirfd;
	int root_dirfd;	       /* --root: the compiled seccomp filter's cache, or -1 */
	struct cgroup *cgroup; /* NULL: no cgroups */
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
	const char *console_socket; /* where the pty master goes */
	int *terminal_master;	    /* or here, for a foreground relay */
	int *egress_fd;		    /* the egress proxy's listening socket (egress.c) */
};

/* Clone the container init, finish its namespaces and wait until it is set
 * up and waiting on the exec fifo. On error nothing of it remains (the
 * child is killed and reaped). */
int launch_container(const struct launch_opts *o, pid_t *pid_out, struct error *err);

#endif
