/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lifecycle API: create, start, run, state, kill, delete, list. Each
 * call locks the container's state directory while it works. */
#ifndef AGENTRUN_CONTAINER_H
#define AGENTRUN_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/state.h"
#include "util/error.h"

struct create_opts {
	const char *root; /* --root */
	const char *id;
	const char *bundle; /* NULL: the current directory */
	const char *pid_file;
	const char *console_socket;
	int *terminal_master; /* set by run: relay the pty in the foreground */
	int preserve_fds;
	bool no_pivot;
	bool no_new_keyring;
};

int container_create(const struct create_opts *o, pid_t *pid, struct error *err);
int container_start(const char *root, const char *id, struct error *err);
/* create + start; in the foreground wait, delete, and give the exit code
 * (128+signal when killed). */
int container_run(const struct create_opts *o, bool detach, int *exit_code, struct error *err);
int container_state(const char *root, const char *id, struct spec_state *st, struct error *err);
int container_kill(const char *root, const char *id, int sig, bool all, struct error *err);
int container_delete(const char *root, const char *id, bool force, struct error *err);
/* Freeze (pause) or thaw (resume) every process of the container. */
int container_pause(const char *root, const char *id, bool pause, struct error *err);
/* The pids in the container's cgroup (malloc'd). */
int container_pids(const char *root, const char *id, pid_t **pids, size_t *n, struct error *err);
/* Every container under root, sorted by id (spec_state_clear each). */
int container_list(const char *root, struct spec_state **states, size_t *n, struct error *err);

struct spec;
/* The config.json the container was created with (from its state dir). */
struct spec *container_saved_config(int dirfd);
/* Keep the bundle's config.json in the state directory (exec, hooks of
 * start and delete, and delete after a crash read it there). */
int container_save_config(int dirfd, const char *bundle, struct error *err);

struct exec_opts {
	const char *root;
	const char *id;
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	bool detach;
	bool ignore_paused;
	const char *const *sub_cgroups; /* --cgroup, repeatable */
	size_t n_sub_cgroups;
};
/* Run spec->process (already merged with the exec flags) in the running
 * container: its namespaces, cgroup, capabilities and seccomp filter. In
 * the foreground wait and give its exit code (128+signal). */
int container_exec(const struct exec_opts *o, struct spec *spec, int *exit_code, struct error *err);
/* Load the container's saved config, for exec to merge flags into. */
int container_load_config(const char *root, const char *id, struct spec **out, struct error *err);

/* Lock and load a container's state (status refreshed); container_close
 * releases it. */
int container_open(const char *root, const char *id, int *rootfd, int *dirfd, struct spec_state *st,
		   struct error *err);
void container_close(int rootfd, int dirfd, struct spec_state *st);

/* Refuse, before anything is made, what this build does not apply yet. */
int container_check_supported(const struct spec *spec, struct error *err);

/* Write linux.resources into cg, with an allow rule for each linux.devices
 * node when the device cgroup is restricted (create and restore). */
struct cgroup;
int container_apply_resources(struct cgroup *cg, const struct spec *spec, struct error *err);

#endif
