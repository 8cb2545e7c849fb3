/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "hooks/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t r = write(fd, s, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		s += r;
		len -= r;
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Wait for pid, killing it once timeout_s (>0) has passed. */
static int wait_hook(pid_t pid, int timeout_s, int *status, bool *timed_out)
{
	*timed_out = false;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	long long deadline = timeout_s > 0 ? now_ms() + timeout_s * 1000LL : -1;
	while (pidfd >= 0) {
		int wait_ms = -1;
		if (deadline >= 0) {
			long long left = deadline - now_ms();
			wait_ms = left > 0 ? (int)left : 0;
		}
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		int n = poll(&p, 1, wait_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			*timed_out = true;
			kill(pid, SIGKILL);
		}
		break;
	}
	if (pidfd >= 0)
		close(pidfd);
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

static int run_one(const struct spec_hook *h, const char *kind, size_t i, const char *state,
		   struct error *err)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return error_errno(err, "%s hook #%zu (%s): pipe", kind, i, h->path);
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return error_errno(err, "%s hook #%zu (%s): fork", kind, i, h->path);
	}
	if (pid == 0) {
		dup2(pfd[0], STDIN_FILENO);
		/* a hook's stdout would mix with the container's: send it to stderr */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		char *default_args[] = {h->path, NULL};
		char *empty_env[] = {NULL};
		signal(SIGPIPE, SIG_DFL);
		execve(h->path, h->n_args ? h->args : default_args, h->n_env ? h->env : empty_env);
		dprintf(STDERR_FILENO, "exec %s: %s\n", h->path, strerror(errno));
		_exit(127);
	}
	close(pfd[0]);
	/* a hook that does not read its stdin is not an error */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	write_all(pfd[1], state, strlen(state));
	signal(SIGPIPE, old);
	close(pfd[1]);
	int status = 0;
	bool timed_out;
	if (wait_hook(pid, h->has_timeout ? h->timeout : 0, &status, &timed_out) < 0)
		return error_errno(err, "%s hook #%zu (%s): wait", kind, i, h->path);
	if (timed_out)
		return error_set(err, 0, "%s hook #%zu (%s): timed out after %d s", kind, i,
				 h->path, h->timeout);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		return error_set(err, 0, "%s hook #%zu (%s): killed by signal %d", kind, i, h->path,
				 WTERMSIG(status));
	return error_set(err, 0, "%s hook #%zu (%s): exit status %d", kind, i, h->path,
			 WEXITSTATUS(status));
}

int hooks_run(const struct spec_hook *hooks, size_t n, const char *kind, const char *state_json,
	      struct error *err)
{
	for (size_t i = 0; i < n; i++)
		if (run_one(&hooks[i], kind, i, state_json, err) < 0)
			return -1;
	return 0;
}
