/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checkpoint and restore through CRIU (libcriu, RPC with `criu swrk`).
 * Builds without libcriu keep the API: every call fails with a message
 * that says so, and criu_built_in() is false. */
#ifndef AGENTRUN_CRIU_H
#define AGENTRUN_CRIU_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* --manage-cgroups-mode; CRIU_MODE_DEFAULT lets agentrun pick (soft). */
enum criu_cgroups_mode {
	CRIU_MODE_DEFAULT,
	CRIU_MODE_SOFT,
	CRIU_MODE_FULL,
	CRIU_MODE_STRICT,
	CRIU_MODE_IGNORE,
};

/* Options both commands share. */
struct criu_common_opts {
	const char *image_path; /* default: ./checkpoint */
	const char *work_path;	/* logs; default: the image path */
	bool tcp_established;
	bool tcp_skip_in_flight;
	bool ext_unix_sk;
	bool shell_job;
	bool file_locks;
	bool auto_dedup;
	bool lazy_pages;
	bool link_remap;
	int empty_ns; /* CLONE_NEW* mask (only CLONE_NEWNET) */
	enum criu_cgroups_mode cgroups_mode;
};

struct checkpoint_opts {
	struct criu_common_opts c;
	const char *root; /* --root of agentrun */
	const char *id;
	const char *parent_path; /* relative to the image path */
	const char *page_server; /* ADDRESS:PORT */
	int status_fd;		 /* -1: none */
	bool leave_running;
	bool pre_dump;
	bool prefrozen; /* the caller froze the running container for CRIU */
};

struct restore_opts {
	struct criu_common_opts c;
	const char *root;
	const char *id;
	const char *bundle; /* NULL: the current directory */
	const char *pid_file;
	const char *console_socket;
	const char *lsm_profile;
	const char *lsm_mount_context;
	bool detach;
	bool no_subreaper;
	bool no_pivot;
	bool null_stdio; /* hand CRIU /dev/null for the recorded stdio */
};

/* Was this agentrun built with libcriu? */
bool criu_built_in(void);

/* For --version: the CRIU binary agentrun would use and its version as
 * libcriu's criu_get_version() reports it ("4.2.1 (/usr/local/sbin/criu)"),
 * "not found", or why not; and the libcriu built in ("4.2.1", or "not
 * built in"). */
void criu_describe(char *buf, size_t size);
const char *criu_library_version(void);

/* Parsers for the command line. */
int criu_parse_cgroups_mode(const char *s, enum criu_cgroups_mode *out, struct error *err);
int criu_parse_empty_ns(const char *s, int *mask, struct error *err);

/* Checkpoint a running (or paused) container into the image directory.
 * Without --leave-running the container is gone afterwards (its state,
 * cgroup and processes), as with runc; a failed checkpoint leaves it
 * running and names CRIU's log. */
int container_checkpoint(const struct checkpoint_opts *o, struct error *err);

/* Restore a checkpoint as container o->id from o->bundle: a new state
 * directory and cgroup, the process tree back in its namespaces. In the
 * foreground wait for it and give its exit code (128+signal); detached,
 * return once it runs. A failure leaves nothing behind. */
int container_restore(const struct restore_opts *o, int *exit_code, struct error *err);

#endif
