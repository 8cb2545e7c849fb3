/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Becoming the container process: one sequence for the init (create) and
 * for an exec'd process, so both end in the same state. */
#ifndef AGENTRUN_FINISH_H
#define AGENTRUN_FINISH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "spec/spec.h"

struct seccomp_filter;

struct process_finish {
	const struct spec *spec; /* linux.seccomp, .personality, .memoryPolicy */
	const struct spec_process *proc;
	int sync_fd;	 /* a seccomp notify fd is passed to agentrun here */
	int first_fd;	 /* 3 + preserved fds: every fd from here is closed */
	const int *keep; /* but these, until process_exec */
	size_t n_keep;
	int procfd; /* a private procfs for the LSM writes (procfs_open_private,
		     * kept); anything else: one is opened if a label is set */
	/* the filter seccomp_prepare made before the fork (taken over), or
	 * NULL: built here */
	struct seccomp_filter *prepared;
	/* set by process_finish */
	struct seccomp_filter *filter; /* still to load in process_exec */
	int landlock_fd;	       /* the Landlock ruleset to enforce there, or -1 */
	char exe[PATH_MAX];	       /* the executable, resolved in the container */
};

/* In the container's namespaces and root, with the terminal and session
 * set up: rlimits, scheduler, io priority, memory policy, personality,
 * umask, LSM exec labels, the user and its capabilities, no_new_privs,
 * cwd (checked inside the root), the executable; then seccomp (with a
 * notify fd handed to agentrun), unless it can wait for process_exec.
 * Every check of agentrun's own is done before the filter is loaded. */
int process_finish(struct process_finish *f, struct error *err);

/* The last step: enforce Landlock (run.agentrun.landlock.*), close every
 * fd >= first_fd but keep_fd (-1: none; it must be close-on-exec and not a
 * directory), load a pending filter, execve.
 * Returns only on error. */
int process_exec(struct process_finish *f, int keep_fd, struct error *err);

/* Hand a seccomp notify fd to linux.seccomp.listenerPath with the state
 * st, as the runtime-spec says (for the init and for exec'd processes). */
struct spec_state;
int process_seccomp_to_listener(const struct spec *spec, const struct spec_state *st, int notify_fd,
				struct error *err);

#endif
