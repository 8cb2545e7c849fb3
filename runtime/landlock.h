/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Landlock, configured by annotations (the runtime-spec has no field yet):
 *
 *   run.agentrun.landlock              off | best-effort | required
 *   run.agentrun.landlock.abi          the lowest Landlock ABI to accept
 *   run.agentrun.landlock.ro           paths: read files, list directories
 *   run.agentrun.landlock.rw           paths: read and write, make and
 *                                      remove entries (no devices)
 *   run.agentrun.landlock.exec         paths: read and execute
 *   run.agentrun.landlock.binds        rw: config.json's writable bind
 *                                      mounts get the rw rights; ro: not
 *   run.agentrun.landlock.tcp.bind     ports (1,2,8000-8099; "" = none)
 *   run.agentrun.landlock.tcp.connect  ports the process may connect to
 *   run.agentrun.landlock.scope        abstract-unix-socket, signal
 *
 * Paths are the container's, colon-separated; "?/path" may be absent.
 * Whatever is not granted is denied (every right the kernel's ABI knows is
 * handled). The ruleset is built by process_finish (errors fail `create`
 * and `exec`) and enforced by process_exec, right before seccomp and
 * execve; children inherit it. */
#ifndef AGENTRUN_LANDLOCK_H
#define AGENTRUN_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/spec.h"

enum landlock_mode {
	LANDLOCK_OFF,
	LANDLOCK_BEST_EFFORT,
	LANDLOCK_REQUIRED,
};

enum landlock_right_set {
	LANDLOCK_SET_RO,
	LANDLOCK_SET_RW,
	LANDLOCK_SET_EXEC,
};

struct landlock_path {
	char *path;
	bool optional;
	enum landlock_right_set set;
	const char *key; /* the annotation it came from (static) */
};

struct landlock_ports {
	bool handled;	/* the key is present: only these ports */
	uint16_t *port; /* sorted, unique */
	size_t n;
};

struct landlock_conf {
	enum landlock_mode mode;
	unsigned int min_abi; /* 0: none asked */
	struct landlock_path *paths;
	size_t n_paths;
	bool binds_rw;
	struct landlock_ports tcp_bind, tcp_connect;
	bool scope_abstract_unix, scope_signal;
};

/* Parse the annotations (pure; no kernel). Errors name the annotation and
 * the bad value. Any run.agentrun.landlock.* key without the mode key
 * means "required"; an unknown run.agentrun.landlock.* key is an error. */
int landlock_parse(const struct spec_map *annotations, struct landlock_conf *out,
		   struct error *err);
void landlock_conf_clear(struct landlock_conf *c);

/* The kernel's Landlock ABI (0: none). */
int landlock_abi(void);

/* The ABI the configuration needs for everything it asks (1 paths, 4 TCP,
 * 6 scopes) or its .abi if higher. */
unsigned int landlock_needed_abi(const struct landlock_conf *c);

/* In the container (its root, as root in its user namespace): build the
 * ruleset of spec's annotations for the process proc (the container's or an
 * exec'd one); *fd = -1 when Landlock is off (or, best-effort, not in the
 * kernel). */
int landlock_prepare(const struct spec *spec, const struct spec_process *proc, int *fd,
		     struct error *err);
/* CRIU neither dumps nor restores a Landlock domain: a restored process
 * would run without it. Refuse (what: "checkpoint", "restore") when spec
 * asks for Landlock and the kernel has it. */
int landlock_refuse_criu(const struct spec *spec, const char *what, struct error *err);
/* Enforce it on the calling thread (needs no_new_privs); closes fd. */
int landlock_enforce(int fd, struct error *err);

#endif
