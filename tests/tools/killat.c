/* SPDX-License-Identifier: GPL-2.0-or-later */
/* killat: a fault injector for tests (not part of agentrun). Runs a
 * command under ptrace, follows its forks, vforks and clones, and counts
 * the syscalls the runtime's processes enter, all of them together. With
 * -n N it SIGKILLs every runtime process of the tree at the entry of the
 * Nth syscall, as a crash would; without it, it prints the count.
 *
 * "The runtime's processes": the command and what it forks, and what
 * they exec of the same binary (agentrun re-executes itself from a sealed
 * memfd) or of a name given with -k (criu). A process that execs anything
 * else (the container's program, a hook) is let go at its exec: a crash
 * of agentrun does not kill the container. When the command exits, the
 * runtime processes still traced (a created container's init waiting for
 * start) are let go too.
 *
 * usage: killat [-n N] [-k NAME]... [-q] -- COMMAND [ARGS...]
 * exit: the command's status (128+signal when killed by one); 137 when
 * killat killed it; "killat: syscalls=N" on stderr without -n. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_TASKS 65536

static pid_t tasks[MAX_TASKS];
static size_t n_tasks;
static char runtime_exe[PATH_MAX];
static const char *keep_names[16];
static size_t n_keep;

static void add_task(pid_t pid)
{
	for (size_t i = 0; i < n_tasks; i++)
		if (tasks[i] == pid)
			return;
	if (n_tasks < MAX_TASKS)
		tasks[n_tasks++] = pid;
}

static bool known(pid_t pid)
{
	for (size_t i = 0; i < n_tasks; i++)
		if (tasks[i] == pid)
			return true;
	return false;
}

static void drop_task(pid_t pid)
{
	for (size_t i = 0; i < n_tasks; i++)
		if (tasks[i] == pid) {
			tasks[i] = tasks[--n_tasks];
			return;
		}
}

/* Is what pid just exec'd the runtime? */
static bool runtime_exec(pid_t pid)
{
	char path[64], exe[PATH_MAX];
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	ssize_t n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0)
		return true;
	exe[n] = '\0';
	if (!runtime_exe[0]) {
		snprintf(runtime_exe, sizeof(runtime_exe), "%s", exe);
		return true;
	}
	if (!strcmp(exe, runtime_exe) || !strncmp(exe, "/memfd:agentrun", 15))
		return true;
	const char *base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	for (size_t i = 0; i < n_keep; i++)
		if (!strncmp(base, keep_names[i], strlen(keep_names[i])))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	long long kill_at = 0;
	bool quiet = false;
	int opt;
	while ((opt = getopt(argc, argv, "+n:k:q")) != -1) {
		if (opt == 'n')
			kill_at = atoll(optarg);
		else if (opt == 'k' && n_keep < 16)
			keep_names[n_keep++] = optarg;
		else if (opt == 'q')
			quiet = true;
		else
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: killat [-n N] [-k NAME]... [-q] -- COMMAND [ARGS...]\n");
		return 2;
	}
	pid_t child = fork();
	if (child < 0)
		return perror("fork"), 2;
	if (child == 0) {
		raise(SIGSTOP);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "killat: exec %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	int status;
	if (waitpid(child, &status, WUNTRACED) < 0 || !WIFSTOPPED(status))
		return perror("killat: wait"), 2;
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		    PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
	if (ptrace(PTRACE_SEIZE, child, 0, opts) < 0)
		return perror("killat: PTRACE_SEIZE"), 2;
	add_task(child);
	kill(child, SIGCONT);

	long long count = 0;
	bool killed = false, detaching = false;
	int exit_code = 0;
	while (n_tasks > 0) {
		pid_t pid = waitpid(-1, &status, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			drop_task(pid);
			if (pid == child) {
				exit_code = WIFEXITED(status) ? WEXITSTATUS(status)
							      : 128 + WTERMSIG(status);
				/* the command is done: let the rest go */
				detaching = true;
				for (size_t i = 0; i < n_tasks; i++)
					ptrace(PTRACE_INTERRUPT, tasks[i], 0, 0);
			}
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		if (!known(pid)) /* a new child, auto-attached */
			add_task(pid);
		if (detaching && !killed) {
			ptrace(PTRACE_DETACH, pid, 0, 0);
			drop_task(pid);
			continue;
		}
		int sig = WSTOPSIG(status);
		int event = status >> 16;
		int inject = 0;
		if (sig == (SIGTRAP | 0x80)) {
			struct __ptrace_syscall_info info;
			if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof(info), &info) > 0 &&
			    info.op == PTRACE_SYSCALL_INFO_ENTRY && !killed) {
				count++;
				if (kill_at > 0 && count == kill_at) {
					killed = true;
					for (size_t i = 0; i < n_tasks; i++)
						kill(tasks[i], SIGKILL);
				}
			}
		} else if (event == PTRACE_EVENT_EXEC) {
			if (!runtime_exec(pid)) {
				ptrace(PTRACE_DETACH, pid, 0, 0);
				drop_task(pid);
				continue;
			}
		} else if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
			   event == PTRACE_EVENT_CLONE) {
			unsigned long newpid = 0;
			if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &newpid) == 0 && newpid) {
				add_task((pid_t)newpid);
				if (killed)
					kill((pid_t)newpid, SIGKILL);
			}
		} else if (event == PTRACE_EVENT_STOP) {
			/* a new task's first stop, a group stop or our interrupt */
		} else if (event == 0) {
			inject = sig; /* a signal on its way: deliver it */
		}
		if (killed)
			kill(pid, SIGKILL);
		ptrace(PTRACE_SYSCALL, pid, 0, inject);
	}
	if (kill_at > 0 && killed) {
		if (!quiet)
			fprintf(stderr, "killat: killed at syscall %lld\n", kill_at);
		return 137;
	}
	fprintf(stderr, "killat: syscalls=%lld\n", count);
	return exit_code;
}
