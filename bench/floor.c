/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench/floor - what the kernel itself needs to start a process in a
 * container, without a runtime: the reference bench/run measures agentrun,
 * crun and runc against.
 *
 *   floor run ROOTFS [ARG...]  new pid, mount, uts, ipc, net and cgroup
 *                              namespaces; fork; chroot into ROOTFS; exec
 *                              ARG (default /bin/true); wait; exit with its
 *                              exit code. No mounts, no cgroups, no user
 *                              namespace, no capabilities or seccomp.
 *   floor exec PID [ARG...]    join the namespaces of PID (one setns() on a
 *                              pidfd of PID: mount, uts, ipc, net, pid,
 *                              cgroup, and user when PID has its own, as
 *                              nsenter -a does); fork; exec ARG (default
 *                              /bin/true) in PID's root; wait; exit with its
 *                              exit code.
 *
 * Built by bench/run with `cc -O2` (and by meson, to keep it compiling). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	return 125;
}

static int wait_child(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return die("waitpid");
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static char *default_args[] = {"/bin/true", NULL};

static int floor_run(const char *rootfs, char **args)
{
	if (unshare(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
		    CLONE_NEWCGROUP) < 0)
		return die("unshare");
	pid_t pid = fork();
	if (pid < 0)
		return die("fork");
	if (pid == 0) {
		if (chroot(rootfs) < 0 || chdir("/") < 0)
			_exit(die("chroot"));
		execvp(args[0], args);
		_exit(die("exec"));
	}
	return wait_child(pid);
}

static int same_ns(pid_t pid, const char *ns)
{
	char p[64];
	struct stat a, b;
	snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)pid, ns);
	if (stat(p, &a) < 0)
		return 1;
	snprintf(p, sizeof(p), "/proc/self/ns/%s", ns);
	if (stat(p, &b) < 0)
		return 1;
	return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static int floor_exec(pid_t target, char **args)
{
	int pidfd = (int)syscall(SYS_pidfd_open, target, 0);
	if (pidfd < 0)
		return die("pidfd_open");
	int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID |
		    CLONE_NEWCGROUP;
	if (!same_ns(target, "user"))
		flags |= CLONE_NEWUSER;
	if (setns(pidfd, flags) < 0)
		return die("setns");
	close(pidfd);
	pid_t pid = fork();
	if (pid < 0)
		return die("fork");
	if (pid == 0) {
		if (chdir("/") < 0)
			_exit(die("chdir"));
		execvp(args[0], args);
		_exit(die("exec"));
	}
	return wait_child(pid);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "run"))
		return floor_run(argv[2], argc > 3 ? argv + 3 : default_args);
	if (argc >= 3 && !strcmp(argv[1], "exec"))
		return floor_exec((pid_t)atoi(argv[2]), argc > 3 ? argv + 3 : default_args);
	fprintf(stderr, "usage: floor run ROOTFS [ARG...] | floor exec PID [ARG...]\n");
	return 2;
}
