/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/namespaces.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <linux/nsfs.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *type, *proc;
	int flag;
} ns_table[] = {
	{"pid", "pid", CLONE_NEWPID},	       {"network", "net", CLONE_NEWNET},
	{"mount", "mnt", CLONE_NEWNS},	       {"ipc", "ipc", CLONE_NEWIPC},
	{"uts", "uts", CLONE_NEWUTS},	       {"user", "user", CLONE_NEWUSER},
	{"cgroup", "cgroup", CLONE_NEWCGROUP}, {"time", "time", CLONE_NEWTIME},
};

int ns_flag(const char *type)
{
	for (size_t i = 0; i < sizeof(ns_table) / sizeof(ns_table[0]); i++)
		if (!strcmp(ns_table[i].type, type))
			return ns_table[i].flag;
	return 0;
}

const char *ns_proc_name(const char *type)
{
	for (size_t i = 0; i < sizeof(ns_table) / sizeof(ns_table[0]); i++)
		if (!strcmp(ns_table[i].type, type))
			return ns_table[i].proc;
	return NULL;
}

void ns_plan_close(struct ns_plan *plan)
{
	for (size_t i = 0; i < plan->n_join; i++)
		if (plan->join_fds[i] >= 0)
			close(plan->join_fds[i]);
	plan->n_join = 0;
	if (plan->user_join_fd >= 0)
		close(plan->user_join_fd);
	if (plan->pid_join_fd >= 0)
		close(plan->pid_join_fd);
	if (plan->time_join_fd >= 0)
		close(plan->time_join_fd);
	plan->user_join_fd = plan->pid_join_fd = plan->time_join_fd = -1;
}

int ns_plan_make(const struct spec *spec, struct ns_plan *plan, struct error *err)
{
	memset(plan, 0, sizeof(*plan));
	plan->user_join_fd = plan->pid_join_fd = plan->time_join_fd = -1;
	for (size_t i = 0; i < spec->linux_.n_namespaces; i++) {
		const struct spec_namespace *ns = &spec->linux_.namespaces[i];
		int flag = ns_flag(ns->type);
		if (!ns->path) {
			plan->new_flags |= flag;
			continue;
		}
		int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			ns_plan_close(plan);
			return error_errno(err, "open %s namespace %s", ns->type, ns->path);
		}
		int kind = ioctl(fd, NS_GET_NSTYPE);
		if (kind >= 0 && kind != flag) {
			close(fd);
			ns_plan_close(plan);
			return error_set(
				err,
				0, "config.json: .linux.namespaces[%zu].path: %s is not a %s namespace",
				i, ns->path, ns->type);
		}
		if (flag == CLONE_NEWUSER) {
			plan->user_join_fd = fd;
			plan->user_joined = true;
		} else if (flag == CLONE_NEWPID)
			plan->pid_join_fd = fd;
		else if (flag == CLONE_NEWTIME)
			plan->time_join_fd = fd;
		else {
			plan->join_fds[plan->n_join] = fd;
			plan->join_flags[plan->n_join++] = flag;
		}
	}
	return 0;
}

int ns_join_all(struct ns_plan *plan, struct error *err)
{
	for (size_t i = 0; i < plan->n_join; i++) {
		if (plan->join_fds[i] < 0)
			continue; /* joined already (by the first stage) */
		if (setns(plan->join_fds[i], plan->join_flags[i]) < 0)
			return error_errno(err, "join namespace (setns)");
		close(plan->join_fds[i]);
		plan->join_fds[i] = -1;
	}
	return 0;
}

ssize_t ns_format_map(const struct spec_id_mapping *m, size_t n, char *buf, size_t size,
		      struct error *err)
{
	if (n > NS_MAP_MAX_LINES)
		return error_set(err, 0, "%zu id mapping lines: the kernel takes at most %d", n,
				 NS_MAP_MAX_LINES);
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + off, size - off, "%u %u %u\n", m[i].container_id,
				 m[i].host_id, m[i].size);
		if (w < 0 || (size_t)w >= size - off)
			return error_set(err, 0,
					 "id mappings: %zu lines do not fit in %zu bytes (the "
					 "kernel's limit)",
					 n, size - 1);
		off += (size_t)w;
	}
	return (ssize_t)off;
}

int ns_write_map(pid_t pid, const char *file, const struct spec_id_mapping *m, size_t n,
		 struct error *err)
{
	char buf[NS_MAP_MAX_BYTES + 1], path[64];
	ssize_t off = ns_format_map(m, n, buf, sizeof(buf), err);
	if (off < 0)
		return error_prefix(err, "write %s", file);
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, (size_t)off) != off)
		return error_errno(err, "write %s", path);
	return 0;
}

int ns_write_id_maps(pid_t pid, const struct spec *spec, struct error *err)
{
	const struct spec_linux *l = &spec->linux_;
	if (geteuid() != 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
		struct error ignored;
		fs_write_string(path, "deny", &ignored);
	}
	if (l->n_uid_mappings &&
	    ns_write_map(pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err) < 0)
		return -1;
	if (l->n_gid_mappings &&
	    ns_write_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err) < 0)
		return -1;
	return 0;
}

int ns_await_maps(int sync_fd, const struct ns_plan *plan, struct error *err)
{
	/* A process that is not dumpable has its /proc/PID files owned by
	 * root: an unprivileged agentrun could not open our uid_map. So we
	 * are dumpable for this wait only, while nothing of the container
	 * exists yet (runc's nsexec does the same), and not again before any
	 * other step; a privileged agentrun writes them as they are. */
	if (plan->maps_dumpable && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return error_errno(err, "prctl(PR_SET_DUMPABLE) for the id maps");
	struct sync_msg msg;
	int r = 0;
	if (sync_send(sync_fd, SYNC_MAPS, 0, NULL) < 0)
		r = error_errno(err, "ask agentrun for the id maps");
	else if (sync_recv(sync_fd, &msg, NULL, err) < 0)
		r = -1;
	else if (msg.type != SYNC_GO)
		r = error_set(err, 0, "unexpected message %u from agentrun", msg.type);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		r = error_errno(err, "prctl(PR_SET_DUMPABLE)");
	return r;
}

int ns_answer_maps(int sync_fd, pid_t pid, const struct spec *spec, struct error *err)
{
	struct sync_msg msg;
	if (sync_recv(sync_fd, &msg, NULL, err) < 0)
		return -1;
	if (msg.type == SYNC_ERROR) {
		error_set(err, 0, "%s", msg.text);
		err->errnum = msg.value;
		return -1;
	}
	if (msg.type != SYNC_MAPS)
		return error_set(err, 0, "unexpected message %u from the container init", msg.type);
	if (ns_write_id_maps(pid, spec, err) < 0)
		return -1;
	if (sync_send(sync_fd, SYNC_GO, 0, NULL) < 0)
		return error_errno(err, "signal the container init");
	return 0;
}
