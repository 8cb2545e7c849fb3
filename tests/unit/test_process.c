/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runtime/process.c: closing inherited fds (close_range, and the
 * /proc/self/fd walk when a seccomp filter refuses close_range), and
 * capability sets that fail closed. Real fds, a real filter, in a child. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <seccomp.h>

#include "runtime/process.h"

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* In a child: fds 5, 9, 700 and 1500 open, keep 9 and 700, close from 4.
 * Exit 0 when exactly the kept ones and those below 4 are left. */
static int close_in_child(bool refuse_close_range)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct rlimit rl = {4096, 4096};
		setrlimit(RLIMIT_NOFILE, &rl);
		int fds[] = {3, 5, 9, 700, 1500};
		for (size_t i = 0; i < 5; i++)
			if (dup2(0, fds[i]) < 0)
				_exit(10);
		if (refuse_close_range) {
			scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
			prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
			if (!ctx ||
			    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
					     seccomp_syscall_resolve_name("close_range"), 0) < 0 ||
			    seccomp_load(ctx) < 0)
				_exit(11);
		}
		int keep[] = {9, 700, 2};
		struct error err = {0};
		if (process_close_fds(4, keep, 3, &err) < 0)
			_exit(12);
		bool ok = is_open(0) && is_open(3) && !is_open(5) && is_open(9) && is_open(700) &&
			  !is_open(1500);
		_exit(ok ? 0 : 13);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

static void test_close_fds(void **state)
{
	(void)state;
	assert_int_equal(close_in_child(false), 0);
}

static void test_close_fds_without_close_range(void **state)
{
	(void)state;
	assert_int_equal(close_in_child(true), 0);
}

static void test_caps_absent_are_empty(void **state)
{
	(void)state;
	struct spec_process p = {0};
	struct process_caps c;
	memset(&c, 0xa5, sizeof(c));
	struct error err = {0};
	assert_int_equal(process_caps_load(&p, &c, &err), 0);
	for (int s = 0; s < 5; s++)
		assert_int_equal(c.n[s], 0);
}

static void test_caps_unknown_name(void **state)
{
	(void)state;
	char *names[] = {"CAP_KILL", "CAP_NOPE"};
	struct spec_process p = {0};
	p.capabilities.present = true;
	p.capabilities.permitted = names;
	p.capabilities.n_permitted = 2;
	struct process_caps c;
	struct error err = {0};
	assert_int_equal(process_caps_load(&p, &c, &err), -1);
	assert_non_null(strstr(err.msg, ".process.capabilities.permitted[1]"));
	assert_non_null(strstr(err.msg, "CAP_NOPE"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_close_fds),
		cmocka_unit_test(test_close_fds_without_close_range),
		cmocka_unit_test(test_caps_absent_are_empty),
		cmocka_unit_test(test_caps_unknown_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
