/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runtime/procfs.c on the real kernel (a private procfs needs root or a
 * user namespace owning our pid namespace: skipped without), and the
 * /proc mount-destination rules of spec/ (pure). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/procfs.h"
#include "spec/spec.h"

static void clean(const char *in, const char *want)
{
	char out[64];
	assert_int_equal(spec_clean_path(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_clean_path(void **state)
{
	(void)state;
	clean("/proc", "/proc");
	clean("/proc/", "/proc");
	clean("proc", "/proc");
	clean("//proc/./self/", "/proc/self");
	clean("/a/../proc/x/..", "/proc");
	clean("/../../proc", "/proc");
	clean("/", "/");
	clean("", "/");
	char small[8];
	assert_int_equal(spec_clean_path("/a-long-path", small, sizeof(small)), -1);
}

static void test_proc_files(void **state)
{
	(void)state;
	assert_true(spec_proc_file_mountable("/proc/cpuinfo"));
	assert_true(spec_proc_file_mountable("/proc/net/dev"));
	assert_true(spec_proc_file_mountable("/proc/sys/kernel/ns_last_pid"));
	assert_false(spec_proc_file_mountable("/proc"));
	assert_false(spec_proc_file_mountable("/proc/self"));
	assert_false(spec_proc_file_mountable("/proc/sys"));
	assert_false(spec_proc_file_mountable("/proc/cpuinfo/x"));
}

static void test_private_procfs(void **state)
{
	(void)state;
	struct error err = {0};
	int fd = procfs_open_private(&err);
	if (fd < 0)
		skip();
	assert_true(procfs_is_root(fd));
	/* self is read from the handle: our own status */
	int st = procfs_openat(fd, "self/status", O_RDONLY, &err);
	assert_true(st >= 0);
	char buf[4096];
	ssize_t n = read(st, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "Pid:"));
	close(st);
	int ts = procfs_openat(fd, "thread-self/attr", O_PATH | O_DIRECTORY, &err);
	assert_true(ts >= 0);
	close(ts);
	/* no symlink (cwd, root, exe are magic links), no ".." out of it */
	assert_int_equal(procfs_openat(fd, "self/cwd", O_PATH, &err), -1);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(procfs_openat(fd, "self/root/etc", O_PATH, &err), -1);
	assert_int_equal(procfs_openat(fd, "../etc", O_PATH, &err), -1);
	/* a directory that is not a procfs root is not one */
	int root = open("/", O_PATH | O_DIRECTORY);
	assert_false(procfs_is_root(root));
	close(root);
	/* reopen: the same file, another open */
	int p[2];
	assert_int_equal(pipe(p), 0);
	int again = procfs_reopen(&fd, p[1], O_WRONLY, &err);
	assert_int_equal(fd, -1); /* consumed */
	assert_true(again >= 0);
	struct stat a, b;
	assert_int_equal(fstat(p[1], &a), 0);
	assert_int_equal(fstat(again, &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	assert_int_equal(write(again, "x", 1), 1);
	assert_int_equal(read(p[0], buf, 1), 1);
	close(again);
	close(p[0]);
	close(p[1]);
	assert_int_equal(chdir("/"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_path),
		cmocka_unit_test(test_proc_files),
		cmocka_unit_test(test_private_procfs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
