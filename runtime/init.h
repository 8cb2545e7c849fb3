/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container init (init.c): the child side of a launch. It knows
 * nothing of launch.c; launch.c fills init_args and calls init_main in the
 * cloned child. */
#ifndef AGENTRUN_INIT_H
#define AGENTRUN_INIT_H

#include <stdbool.h>

#include "spec/spec.h"
#include "spec/state.h"
#include "runtime/namespaces.h"

/* What init needs, handed over by memory copy at clone. */
struct init_args {
	const struct spec *spec;
	const struct spec_state *hook_state; /* id, bundle, annotations for hooks */
	const char *bundle;		     /* absolute */
	const char *rootfs;		     /* absolute */
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
	struct ns_plan *plan;
	int sync_fd;
	int fifo_fd;			/* O_PATH fd of exec.fifo */
	bool two_stage;			/* forked by a first stage that has exited */
	const int *idmap_fds;		/* per mount: its id-mapping user namespace, or -1 */
	struct seccomp_filter *seccomp; /* seccomp_prepare's, or NULL (finish.h) */
};

/* Runs in the child: sets the container up, waits on the exec fifo for
 * `start`, then execs the process. Never returns. */
__attribute__((noreturn)) void init_main(struct init_args *a);

#endif
