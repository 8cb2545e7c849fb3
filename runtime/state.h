/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state directory (--root): one directory per container holding
 * state.json and exec.fifo, locked with flock while a command works on it. */
#ifndef AGENTRUN_STATE_H
#define AGENTRUN_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/state.h"
#include "util/error.h"

#define STATE_FILE "state.json"
#define EXEC_FIFO "exec.fifo"

/* runc's rule: ^[\w+-\.]+$ and not "." or "..". */
int state_check_id(const char *id, struct error *err);
/* Open (and with create, make) the --root directory. */
int state_root_open(const char *root, bool create, struct error *err);
/* Make ROOT/ID exclusively (fails if the id is in use) and lock it. */
int state_dir_create(int rootfd, const char *id, struct error *err);
/* Open and lock ROOT/ID of an existing container. */
/* The state directory without its lock, for reading only (state, list). */
int state_dir_open_unlocked(int rootfd, const char *id, struct error *err);
int state_dir_open(int rootfd, const char *id, struct error *err);
int state_load(int dirfd, const char *id, struct spec_state *st, struct error *err);
int state_save(int dirfd, const struct spec_state *st, struct error *err);
/* Recompute st->status from the process, the exec fifo and the freezer. */
void state_refresh(int dirfd, struct spec_state *st);
/* Remove ROOT/ID and everything in it. */
/* The record of a container still being created (or restored): its
 * cgroup, so that `delete` after a crash finds and removes what is in it. */
struct cgroup;
int state_save_creating(int dirfd, const char *id, const char *bundle, const struct cgroup *cg,
			struct error *err);
int state_dir_remove(int rootfd, const char *id, struct error *err);

/* Is the process pid, started at start_time, alive (and not a zombie)? */
bool state_process_alive(pid_t pid, unsigned long long start_time);
/* starttime (field 22 of /proc/PID/stat), 0 if the process is gone. */
unsigned long long state_process_start_time(pid_t pid);

#endif
