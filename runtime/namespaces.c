/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/namespaces.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/fs.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/wait.h>
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

/* Is m exactly one id, the caller's own (id)? */
static bool own_id_only(const struct spec_id_mapping *m, size_t n, unsigned id)
{
	return n == 1 && m[0].size == 1 && m[0].host_id == id;
}

/* PATH lookup of an executable, as execvp would. */
static int find_tool(const char *name, char *out, size_t size)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (const char *p = path; *p;) {
		const char *e = strchrnul(p, ':');
		int len = (int)(e - p);
		if (len > 0 && p[0] == '/' &&
		    (size_t)snprintf(out, size, "%.*s/%s", len, p, name) < size &&
		    access(out, X_OK) == 0)
			return 0;
		p = *e ? e + 1 : e;
	}
	out[0] = '\0';
	return -1;
}

int ns_plan_maps(const struct spec *spec, struct ns_plan *plan, struct error *err)
{
	const struct spec_linux *l = &spec->linux_;
	plan->uidmap_tool[0] = plan->gidmap_tool[0] = '\0';
	plan->deny_setgroups = plan->maps_dumpable = false;
	if (!(plan->new_flags & CLONE_NEWUSER) || geteuid() == 0)
		return 0;
	bool own_uid = own_id_only(l->uid_mappings, l->n_uid_mappings, geteuid());
	bool own_gid = own_id_only(l->gid_mappings, l->n_gid_mappings, getegid());
	static const struct {
		const char *field, *tool, *what, *file;
	} t[2] = {
		{".linux.uidMappings", "newuidmap", "uid", "/etc/subuid"},
		{".linux.gidMappings", "newgidmap", "gid", "/etc/subgid"},
	};
	for (int k = 0; k < 2; k++) {
		const struct spec_id_mapping *m = k ? l->gid_mappings : l->uid_mappings;
		size_t n = k ? l->n_gid_mappings : l->n_uid_mappings;
		char *tool = k ? plan->gidmap_tool : plan->uidmap_tool;
		if (!n || (k ? own_gid : own_uid))
			continue;
		if (find_tool(t[k].tool, tool, sizeof(plan->uidmap_tool)) == 0)
			continue;
		unsigned own = k ? getegid() : geteuid();
		size_t i = 0;
		while (i + 1 < n && m[i].size == 1 && m[i].host_id == own)
			i++;
		return error_set(err, 0,
				 "config.json: %s[%zu]: %u %u %u maps ids other than your own %s "
				 "(%u): that needs %s (Debian's uidmap package) and %s, and %s "
				 "is not in PATH",
				 t[k].field, i, m[i].container_id, m[i].host_id, m[i].size,
				 t[k].what, own, t[k].tool, t[k].file, t[k].tool);
	}
	/* a map of our own gid is written by us only with setgroups denied
	 * (the kernel's rule); we write our own maps into a child that is
	 * dumpable, else its /proc/PID files are root's */
	plan->deny_setgroups = l->n_gid_mappings && own_gid;
	plan->maps_dumpable = (l->n_uid_mappings && own_uid) || (l->n_gid_mappings && own_gid);
	return 0;
}

/* The first mapping of m not inside one of the user's ranges in file
 * (/etc/subuid, /etc/subgid), -1 if all are or the file cannot be read;
 * its own id is allowed too (newuidmap's rule). */
static ssize_t outside_ranges(const char *file, unsigned own, const struct spec_id_mapping *m,
			      size_t n)
{
	struct passwd *pw = getpwuid(geteuid());
	_cleanup_free_ char *text = NULL;
	struct error ignored;
	if (!pw || fs_read_file(file, &text, NULL, &ignored) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned long long lo = m[i].host_id, hi = lo + m[i].size;
		bool ok = m[i].size == 1 && lo == own;
		for (char *line = text; !ok && line && *line;) {
			char *next = strchr(line, '\n');
			char name[256];
			unsigned long long start, count;
			if (sscanf(line, "%255[^:]:%llu:%llu", name, &start, &count) == 3 &&
			    (!strcmp(name, pw->pw_name) ||
			     strtoull(name, NULL, 10) == (unsigned long long)pw->pw_uid) &&
			    lo >= start && hi <= start + count)
				ok = true;
			line = next ? next + 1 : NULL;
		}
		if (!ok)
			return (ssize_t)i;
	}
	return -1;
}

/* Run TOOL PID ID HOSTID SIZE... ; its stderr is the error when it fails. */
static int run_map_tool(const char *tool, pid_t pid, const struct spec_id_mapping *m, size_t n,
			const char *field, const char *file, unsigned own, struct error *err)
{
	if (n > NS_MAP_MAX_LINES)
		return error_set(err, 0,
				 "config.json: %s: %zu id mapping lines: the kernel takes "
				 "at most %d",
				 field, n, NS_MAP_MAX_LINES);
	size_t argc = 2 + 3 * n + 1;
	_cleanup_free_ char **argv = calloc(argc, sizeof(char *));
	_cleanup_free_ char *nums = malloc((1 + 3 * n) * 12);
	if (!argv || !nums)
		return error_set(err, ENOMEM, "%s", tool);
	char *w = nums;
	argv[0] = (char *)tool;
	argv[1] = w;
	w += sprintf(w, "%d", (int)pid) + 1;
	for (size_t i = 0; i < n; i++) {
		unsigned v[3] = {m[i].container_id, m[i].host_id, m[i].size};
		for (int k = 0; k < 3; k++) {
			argv[2 + 3 * i + k] = w;
			w += sprintf(w, "%u", v[k]) + 1;
		}
	}
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return error_errno(err, "pipe");
	pid_t child = fork();
	if (child == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		execv(tool, argv);
		dprintf(STDERR_FILENO, "exec %s: %s", tool, strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	if (child < 0) {
		close(pfd[0]);
		return error_errno(err, "fork %s", tool);
	}
	char out[512];
	size_t got = 0;
	for (;;) {
		char sink[256];
		ssize_t r = read(pfd[0], got < sizeof(out) - 1 ? out + got : sink,
				 got < sizeof(out) - 1 ? sizeof(out) - 1 - got : sizeof(sink));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (got < sizeof(out) - 1)
			got += (size_t)r;
	}
	close(pfd[0]);
	out[got] = '\0';
	int status;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return error_errno(err, "wait for %s", tool);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	/* one line: its first, without the newline */
	out[strcspn(out, "\n")] = '\0';
	ssize_t bad = outside_ranges(file, own, m, n);
	struct passwd *pw = getpwuid(geteuid());
	if (bad >= 0)
		return error_set(err, 0,
				 "config.json: %s[%zd]: host ids %u-%llu are not in %s for user "
				 "%s: %s",
				 field, bad, m[bad].host_id,
				 (unsigned long long)m[bad].host_id + m[bad].size - 1, file,
				 pw ? pw->pw_name : "?", out[0] ? out : "refused");
	return error_set(err, 0, "config.json: %s: %s refused the mapping: %s", field,
			 strrchr(tool, '/') + 1, out[0] ? out : "failed");
}

int ns_write_id_maps(pid_t pid, const struct spec *spec, const struct ns_plan *plan,
		     struct error *err)
{
	const struct spec_linux *l = &spec->linux_;
	if (plan->deny_setgroups) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
		if (fs_write_string(path, "deny", err) < 0)
			return -1;
	}
	if (l->n_uid_mappings &&
	    (plan->uidmap_tool[0]
		     ? run_map_tool(plan->uidmap_tool, pid, l->uid_mappings, l->n_uid_mappings,
				    ".linux.uidMappings", "/etc/subuid", geteuid(), err)
		     : ns_write_map(pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err)) < 0)
		return -1;
	if (l->n_gid_mappings &&
	    (plan->gidmap_tool[0]
		     ? run_map_tool(plan->gidmap_tool, pid, l->gid_mappings, l->n_gid_mappings,
				    ".linux.gidMappings", "/etc/subgid", getegid(), err)
		     : ns_write_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err)) < 0)
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

int ns_answer_maps(int sync_fd, pid_t pid, const struct spec *spec, const struct ns_plan *plan,
		   struct error *err)
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
	if (ns_write_id_maps(pid, spec, plan, err) < 0)
		return -1;
	if (sync_send(sync_fd, SYNC_GO, 0, NULL) < 0)
		return error_errno(err, "signal the container init");
	return 0;
}
