/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "hooks/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (-1: none, wait forever). */
static int left_ms(long long deadline)
{
	if (deadline < 0)
		return -1;
	long long left = deadline - now_ms();
	return left > 0 ? (left > 1000000000LL ? 1000000000 : (int)left) : 0;
}

/* The state JSON to the hook's stdin (non-blocking), within the
 * deadline: a hook that does not read is not an error, one that neither
 * reads nor exits in time is a timeout. Returns false on timeout. */
static bool feed_state(int fd, int pidfd, const char *s, size_t len, long long deadline)
{
	while (len) {
		ssize_t r = write(fd, s, len);
		if (r > 0) {
			s += r;
			len -= (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno != EAGAIN)
			return true; /* EPIPE: the hook closed its stdin */
		struct pollfd p[2] = {{.fd = fd, .events = POLLOUT},
				      {.fd = pidfd, .events = POLLIN}};
		int n = poll(p, pidfd >= 0 ? 2 : 1, left_ms(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return false;
		if (n < 0 || (p[1].revents & POLLIN) || (p[0].revents & (POLLERR | POLLHUP)))
			return true; /* the hook exited without reading it all */
	}
	return true;
}

/* Wait for the hook until the deadline; at the deadline its whole process
 * group (its children too, whatever signals they ignore) is killed. */
static int wait_hook(pid_t pid, int pidfd, long long deadline, bool expired, int *status,
		     bool *timed_out)
{
	*timed_out = expired;
	while (!expired && pidfd >= 0) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		int n = poll(&p, 1, left_ms(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		*timed_out = n == 0;
		break;
	}
	if (*timed_out) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
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
	long long deadline = h->has_timeout && h->timeout > 0 ? now_ms() + h->timeout * 1000LL : -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return error_errno(err, "%s hook #%zu (%s): fork", kind, i, h->path);
	}
	if (pid == 0) {
		/* a process group of its own: a timeout kills all of it */
		setpgid(0, 0);
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
	setpgid(pid, pid); /* either side may run first */
	close(pfd[0]);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	fcntl(pfd[1], F_SETFL, O_NONBLOCK);
	/* a hook that does not read its stdin is not an error */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	bool fed = feed_state(pfd[1], pidfd, state, strlen(state), deadline);
	signal(SIGPIPE, old);
	close(pfd[1]);
	int status = 0;
	bool timed_out;
	int w = wait_hook(pid, pidfd, deadline, !fed, &status, &timed_out);
	if (pidfd >= 0)
		close(pidfd);
	if (w < 0)
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
