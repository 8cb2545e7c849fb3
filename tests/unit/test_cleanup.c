/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util/cleanup.h and the typed cleanups built on it: each frees or kills
 * what it owns at scope exit, leaves what was released alone, and keeps
 * errno. Real fds and real child processes. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/cleanup.h"
#include "spec/spec.h"
#include "cgroups/cgroup.h"

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static pid_t sleeper(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

static void test_pid(void **state)
{
	(void)state;
	pid_t child = sleeper();
	{
		_cleanup_pid_ pid_t p = child;
		errno = EBADF;
	}
	assert_int_equal(errno, EBADF);
	/* killed and reaped: it is no longer our child */
	assert_int_equal(waitpid(child, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);

	/* released: left running */
	child = sleeper();
	pid_t kept;
	{
		_cleanup_pid_ pid_t p = child;
		kept = take_pid(&p);
		assert_int_equal(p, 0);
	}
	assert_int_equal(kept, child);
	assert_int_equal(waitpid(child, NULL, WNOHANG), 0);
	kill(child, SIGKILL);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	{
		_cleanup_pid_ pid_t none = -1, zero = 0;
		(void)none, (void)zero;
	}
}

static void test_fds(void **state)
{
	(void)state;
	int a, b;
	{
		_cleanup_close_pair_ int sv[2] = {-1, -1};
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		a = sv[0];
		b = sv[1];
		errno = ENOENT;
	}
	assert_int_equal(errno, ENOENT);
	assert_false(fd_open(a));
	assert_false(fd_open(b));

	/* one taken, one closed */
	{
		_cleanup_close_pair_ int sv[2] = {-1, -1};
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		a = take_fd(&sv[0]);
		b = sv[1];
	}
	assert_true(fd_open(a));
	assert_false(fd_open(b));
	close(a);

	int fds[3];
	{
		_cleanup_fd_vec_ struct fd_vec v = {.fds = malloc(4 * sizeof(int)), .n = 4};
		assert_non_null(v.fds);
		for (size_t i = 0; i < 3; i++)
			fds[i] = v.fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		v.fds[3] = -1;
		errno = EPERM;
	}
	assert_int_equal(errno, EPERM);
	for (size_t i = 0; i < 3; i++)
		assert_false(fd_open(fds[i]));
	{
		_cleanup_fd_vec_ struct fd_vec empty = {0};
		(void)empty;
	}
}

static void test_typed(void **state)
{
	(void)state;
	{
		_cleanup_spec_ struct spec *s = NULL;
		struct error err = {0};
		const char json[] = "{\"ociVersion\": \"1.3.0\"}";
		assert_int_equal(spec_parse(json, sizeof(json) - 1, "config.json", &s, &err), 0);
		assert_non_null(s);
		errno = EIO;
	}
	assert_int_equal(errno, EIO);
	{
		_cleanup_cgroup_ struct cgroup *cg = NULL;
		struct error err = {0};
		assert_int_equal(cgroup_open("agentrun-cgroup-1;2;2||/sys/fs/cgroup|/sys/fs/"
					     "cgroup/x|1|0",
					     &cg, &err),
				 0);
		errno = EEXIST;
	}
	assert_int_equal(errno, EEXIST);
	{
		_cleanup_free_ char *p = malloc(16);
		_cleanup_spec_ struct spec *none = NULL;
		_cleanup_cgroup_ struct cgroup *no_cg = NULL;
		(void)p, (void)none, (void)no_cg;
		errno = E2BIG;
	}
	assert_int_equal(errno, E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pid),
		cmocka_unit_test(test_fds),
		cmocka_unit_test(test_typed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
