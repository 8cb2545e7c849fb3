/* SPDX-License-Identifier: GPL-2.0-or-later */
/* exec: a new process in a running container. agentrun forks a child that
 * joins every namespace of the container init at once (setns on a pidfd),
 * which forks the process itself so it lands in the pid namespace; the
 * parent puts it in the cgroup and lets it go. */
#include "runtime/container.h"
#include "runtime/finish.h"
#include "runtime/process.h"
#include "runtime/seccomp.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "cgroups/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int container_load_config(const char *root, const char *id, struct spec **out, struct error *err)
{
	int rootfd, dirfd;
	struct spec_state st = {0};
	if (container_open(root, id, &rootfd, &dirfd, &st, err) < 0) {
		container_close(rootfd, dirfd, &st);
		return -1;
	}
	*out = container_saved_config(dirfd);
	container_close(rootfd, dirfd, &st);
	if (!*out)
		return error_set(err, 0, "container %s: its saved config.json is missing", id);
	return 0;
}

/* Namespaces of pid that differ from ours: the flags for setns(pidfd). */
static int differing_namespaces(pid_t pid)
{
	static const struct {
		const char *name;
		int flag;
	} ns[] = {
		{"user", CLONE_NEWUSER},     {"mnt", CLONE_NEWNS},    {"net", CLONE_NEWNET},
		{"ipc", CLONE_NEWIPC},	     {"uts", CLONE_NEWUTS},   {"pid", CLONE_NEWPID},
		{"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
	};
	int flags = 0;
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		char a[64], b[64];
		struct stat sa, sb;
		snprintf(a, sizeof(a), "/proc/self/ns/%s", ns[i].name);
		snprintf(b, sizeof(b), "/proc/%d/ns/%s", pid, ns[i].name);
		if (stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino != sb.st_ino)
			flags |= ns[i].flag;
	}
	return flags;
}

static volatile sig_atomic_t exec_forward_pid;

/* The filter seccomp_prepare made for this exec (the child has a copy) */
static struct seccomp_filter *exec_seccomp;

static void exec_forward(int sig)
{
	if (exec_forward_pid > 0)
		kill(exec_forward_pid, sig);
}

/* The process, in the container's namespaces: finish and exec. */
__attribute__((noreturn)) static void exec_child(const struct exec_opts *o, struct spec *spec,
						 int sync_fd)
{
	struct error err = {0};
	const struct spec_process *p = &spec->process;
	struct process_finish f = {0};
	struct sync_msg msg;

	if (sync_recv(sync_fd, &msg, NULL, &err) < 0)
		goto fail;
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* as the joiner left it */
	if (setsid() < 0) {
		error_errno(&err, "setsid");
		goto fail;
	}
	if (p->terminal) {
		int master = terminal_setup(p, false, &err);
		if (master < 0)
			goto fail;
		int r = sync_send_fd(sync_fd, SYNC_CONSOLE, master);
		close(master);
		if (r < 0) {
			error_errno(&err, "pass the pty to agentrun");
			goto fail;
		}
	}
	if (process_set_affinity(0, p->exec_cpu_affinity.final, ".process.execCPUAffinity.final",
				 &err) < 0)
		goto fail;
	/* the same steps as the container init (finish.c) */
	f = (struct process_finish){.spec = spec,
				    .proc = p,
				    .sync_fd = sync_fd,
				    .first_fd = 3 + o->preserve_fds,
				    .keep = &sync_fd,
				    .n_keep = 1,
				    .procfd = -1 /* lsm.c opens a private procfs */,
				    .prepared = exec_seccomp};
	if (process_finish(&f, &err) < 0)
		goto fail;
	/* the sync socket (close-on-exec, not a directory) stays until execve:
	 * its EOF tells agentrun the exec happened */
	process_exec(&f, sync_fd, &err);
fail:
	sync_send(sync_fd, SYNC_ERROR, err.errnum, err.msg);
	_exit(127);
}

/* First child: join the namespaces, fork the process, report its pid. */
__attribute__((noreturn)) static void exec_joiner(const struct exec_opts *o, struct spec *spec,
						  int pidfd, int ns_flags, int croot, int sync_fd)
{
	struct error err = {0};
	/* not reachable through /proc/PID/exe from the container (CVE-2019-5736) */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (ns_flags && setns(pidfd, ns_flags) < 0) {
		error_errno(&err, "join the namespaces of container %s", o->id);
		sync_send(sync_fd, SYNC_ERROR, err.errnum, err.msg);
		_exit(1);
	}
	/* no mount namespace of its own: the container is a chroot, so is this */
	if (croot >= 0 && (fchdir(croot) < 0 || chroot(".") < 0 || chdir("/") < 0)) {
		error_errno(&err, "enter the root of container %s", o->id);
		sync_send(sync_fd, SYNC_ERROR, err.errnum, err.msg);
		_exit(1);
	}
	if (croot >= 0)
		close(croot);
	close(pidfd);
	/* Root in the container's user namespace here, before the fork: the
	 * change of ids resets dumpable to fs.suid_dumpable, and a process
	 * already in the container's pid namespace would be ptrace-able by
	 * the container for that moment (CVE-2016-9962 with suid_dumpable 1).
	 * The joiner is not in it; the child is born with the ids and not
	 * dumpable. */
	if ((ns_flags & CLONE_NEWUSER) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
		error_errno(&err, "become root in the user namespace");
		sync_send(sync_fd, SYNC_ERROR, err.errnum, err.msg);
		_exit(1);
	}
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	pid_t pid = fork();
	if (pid == 0)
		exec_child(o, spec, sync_fd);
	if (pid < 0) {
		error_errno(&err, "fork the exec process");
		sync_send(sync_fd, SYNC_ERROR, err.errnum, err.msg);
		_exit(1);
	}
	sync_send(sync_fd, SYNC_CHILD_PID, pid, NULL);
	_exit(0);
}

int container_exec(const struct exec_opts *o, struct spec *spec, int *exit_code, struct error *err)
{
	int rootfd, dirfd;
	struct spec_state st = {0};
	_cleanup_cgroup_ struct cgroup *cg = NULL;
	_cleanup_close_pair_ int sv[2] = {-1, -1};
	_cleanup_close_ int pidfd = -1;
	_cleanup_close_ int croot = -1;
	_cleanup_close_ int master = -1;
	/* killed and reaped on failure */
	_cleanup_pid_ pid_t joiner = -1;
	_cleanup_pid_ pid_t pid = -1;
	int r = -1;
	*exit_code = 0;

	if (spec->process.terminal && o->detach && !o->console_socket)
		return error_set(err, 0,
				 "exec: cannot allocate a tty when detached without "
				 "--console-socket");
	if (!spec->process.terminal && o->console_socket)
		return error_set(err, 0, "exec: --console-socket needs --tty");
	if (container_open(o->root, o->id, &rootfd, &dirfd, &st, err) < 0)
		goto out;
	if (!strcmp(st.status, "stopped") || !strcmp(st.status, "creating")) {
		error_set(err, 0, "cannot exec in a %s container", st.status);
		goto out;
	}
	if (!strcmp(st.status, "paused") && !o->ignore_paused) {
		error_set(err, 0, "cannot exec in a paused container (use --ignore-paused)");
		goto out;
	}
	pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
	if (pidfd < 0 || !state_process_alive(st.pid, st.start_time)) {
		error_errno(err, "container %s: its init process is gone", o->id);
		goto out;
	}
	if (st.cgroup && cgroup_open(st.cgroup, &cg, err) < 0)
		goto out;
	int ns_flags = differing_namespaces(st.pid);
	/* sharing our mount namespace, the init is in a chroot: its root (read
	 * while the pidfd, checked above, still names a live init) */
	if (!(ns_flags & CLONE_NEWNS)) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/root", st.pid);
		croot = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (croot < 0 || syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0) {
			error_errno(err, "container %s: open the root of its init", o->id);
			goto out;
		}
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		error_errno(err, "socketpair");
		goto out;
	}
	/* the process is a grandchild: become its reaper in the foreground */
	if (!o->detach)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* compiled (or read from the cache under --root) before the fork */
	if (seccomp_prepare(spec, rootfd, &exec_seccomp, err) < 0)
		goto out;
	/* the lock is not held while the process starts or runs (a paused
	 * container must stay resumable), and no child inherits its fds */
	close(dirfd);
	close(rootfd);
	dirfd = rootfd = -1;
	/* not dumpable from before the fork on (CVE-2016-9962, CVE-2019-5736) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		error_errno(err, "prctl(PR_SET_DUMPABLE)");
		goto out;
	}
	joiner = fork();
	if (joiner < 0) {
		error_errno(err, "fork");
		goto out;
	}
	if (joiner == 0) {
		close(sv[0]);
		exec_joiner(o, spec, pidfd, ns_flags, croot, sv[1]);
	}
	close(sv[1]);
	sv[1] = -1;
	seccomp_filter_free(exec_seccomp);
	exec_seccomp = NULL;
	struct sync_msg msg;
	if (sync_recv(sv[0], &msg, NULL, err) < 0)
		goto out;
	while (waitpid(joiner, NULL, 0) < 0 && errno == EINTR)
		;
	joiner = -1;
	if (msg.type != SYNC_CHILD_PID) {
		error_set(err, 0, "%s", msg.text);
		goto out;
	}
	pid = msg.value;
	if (process_set_affinity(pid, spec->process.exec_cpu_affinity.initial,
				 ".process.execCPUAffinity.initial", err) < 0)
		goto out;
	if (!cg && o->n_sub_cgroups) {
		error_set(err, 0, "exec --cgroup: container %s has no cgroup", o->id);
		goto out;
	}
	if (cg &&
	    (o->n_sub_cgroups ? cgroup_enter_sub(cg, o->sub_cgroups, o->n_sub_cgroups, pid, err)
			      : cgroup_enter(cg, pid, err)) < 0)
		goto out;
	if (process_set_oom_score_adj(pid, &spec->process, err) < 0)
		goto out;
	if (!o->detach) {
		exec_forward_pid = pid;
		struct sigaction sa = {.sa_handler = exec_forward, .sa_flags = SA_RESTART};
		sigemptyset(&sa.sa_mask);
		int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			sigaction(sigs[i], &sa, NULL);
	}
	if (sync_send(sv[0], SYNC_GO, 0, NULL) < 0) {
		error_errno(err, "signal the exec process");
		goto out;
	}
	/* EOF: exec succeeded (the socket is close-on-exec); a message: the pty,
	 * or why it failed */
	for (;;) {
		int passed = -1;
		if (sync_recv(sv[0], &msg, &passed, err) < 0)
			break;
		if (msg.type == SYNC_CONSOLE && passed >= 0) {
			int r2 = 0;
			if (o->console_socket) {
				r2 = terminal_send(o->console_socket, passed, err);
				close(passed);
			} else {
				master = passed;
			}
			if (r2 < 0)
				goto out;
			continue;
		}
		if (msg.type == SYNC_SECCOMP_FD) {
			/* as runc: the exec'd process's pid, the container running */
			struct spec_state ls = {.oci_version = spec->oci_version,
						.id = (char *)o->id,
						.status = "running",
						.pid = pid,
						.bundle = st.bundle,
						.annotations = spec->annotations};
			int r2 = process_seccomp_to_listener(spec, &ls, passed, err);
			if (passed >= 0)
				close(passed);
			if (r2 < 0)
				goto out;
			continue;
		}
		if (passed >= 0)
			close(passed);
		error_set(err, 0, "%s", msg.text);
		goto out;
	}
	error_clear(err);
	if (o->pid_file && fs_write_pid_file(o->pid_file, pid, err) < 0)
		goto out;
	if (o->detach) {
		pid = -1;
		r = 0;
		goto out;
	}
	if (master >= 0)
		terminal_relay(master);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			error_errno(err, "wait for the exec process");
			goto out;
		}
	}
	exec_forward_pid = 0;
	pid = -1;
	*exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r = 0;
out:
	seccomp_filter_free(exec_seccomp);
	exec_seccomp = NULL;
	if (rootfd >= 0 || dirfd >= 0)
		container_close(rootfd, dirfd, &st);
	else
		spec_state_clear(&st);
	return r;
}
