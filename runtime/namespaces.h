/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef AGENTRUN_NAMESPACES_H
#define AGENTRUN_NAMESPACES_H

#include <errno.h>
#include <stdbool.h>
#include <sys/types.h>

#include "spec/spec.h"

/* CLONE_NEW* flag of a config.json namespace type, 0 if unknown. */
int ns_flag(const char *type);
/* The /proc/PID/ns/ name of a type ("network" → "net"). */
const char *ns_proc_name(const char *type);

/* Namespaces of a container, split into those to create and those to join. */
struct ns_plan {
	int new_flags;	 /* CLONE_NEW* to create */
	int join_fds[8]; /* open fds of namespaces to join, -1 if none */
	int join_flags[8];
	size_t n_join;
	int user_join_fd; /* user namespace to join first, or -1 */
	int pid_join_fd, time_join_fd;
	bool user_joined; /* a user namespace was joined by path */
	/* how the maps of a new user namespace are written (ns_plan_maps):
	 * by newuidmap/newgidmap (the tool's path) or, when empty, by agentrun
	 * itself; an unprivileged agentrun writing one itself needs the child
	 * dumpable while it waits for them (ns_await_maps) */
	char uidmap_tool[256], gidmap_tool[256];
	bool deny_setgroups;
	bool maps_dumpable;
};

/* Open the namespace paths of the spec; checks each is a namespace of the
 * right type. */
int ns_plan_make(const struct spec *spec, struct ns_plan *plan, struct error *err);
void ns_plan_close(struct ns_plan *plan);
static inline void ns_plan_closep(struct ns_plan *plan)
{
	int saved = errno;
	ns_plan_close(plan);
	errno = saved;
}
/* Declare it where ns_plan_make fills it: closed at scope exit. */
#define _cleanup_ns_plan_ __attribute__((cleanup(ns_plan_closep)))
/* setns to every namespace in the join list (not user/pid/time). */
int ns_join_all(struct ns_plan *plan, struct error *err);

/* The kernel's limits on a uid_map/gid_map write: 340 lines
 * (UID_GID_MAP_MAX_EXTENTS), and one write shorter than a page. */
#define NS_MAP_MAX_LINES 340
#define NS_MAP_MAX_BYTES 4095
/* Format mappings as "ID HOSTID SIZE\n" lines into buf (size bytes, NUL
 * terminated); the length, or -1 when there are more than
 * NS_MAP_MAX_LINES lines or they do not fit. */
ssize_t ns_format_map(const struct spec_id_mapping *m, size_t n, char *buf, size_t size,
		      struct error *err);
/* Write /proc/PID/FILE (uid_map or gid_map) from mappings. */
int ns_write_map(pid_t pid, const char *file, const struct spec_id_mapping *m, size_t n,
		 struct error *err);
/* Decide how the id maps of a new user namespace are written. Root in
 * our user namespace writes them itself. Anyone else writes itself a map
 * of only its own id (one id, its euid or egid; setgroups is denied
 * first, as the kernel wants), and has newuidmap/newgidmap (found in PATH;
 * setuid helpers that check /etc/subuid and /etc/subgid) write any other:
 * without the tool that is an error naming the mapping. */
int ns_plan_maps(const struct spec *spec, struct ns_plan *plan, struct error *err);
/* Write uid_map/gid_map of pid (and setgroups deny) as plan says. */
int ns_write_id_maps(pid_t pid, const struct spec *spec, const struct ns_plan *plan,
		     struct error *err);

/* The id-map handshake of a new user namespace. The child, in it, calls
 * ns_await_maps: dumpable only when plan->maps_dumpable, it sends
 * SYNC_MAPS, waits for SYNC_GO, and is not dumpable again when it returns
 * (also on failure). The parent calls ns_answer_maps: it waits for
 * SYNC_MAPS (a SYNC_ERROR is the child's failure), writes the maps of pid
 * and sends SYNC_GO. */
int ns_await_maps(int sync_fd, const struct ns_plan *plan, struct error *err);
int ns_answer_maps(int sync_fd, pid_t pid, const struct spec *spec, const struct ns_plan *plan,
		   struct error *err);

#endif
