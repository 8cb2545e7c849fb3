/* SPDX-License-Identifier: GPL-2.0-or-later */
/* runtime/clonefs.c, fork's data copy: contents, modes and symlinks kept,
 * links never followed, FIFOs and sockets left out (and counted), an
 * existing destination refused. Real files in a temp dir (reflinks where
 * /tmp has them: the counts hold either way). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/clonefs.h"

static char base[64];

static int make_base(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/agentrun-test-clonefs.XXXXXX");
	return mkdtemp(base) ? 0 : -1;
}

static int drop_base(void **state)
{
	(void)state;
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

static void get(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, size - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
}

static void test_tree(void **state)
{
	(void)state;
	char src[PATH_MAX], dst[PATH_MAX], p[PATH_MAX + 64], buf[256];
	snprintf(src, sizeof(src), "%s/src", base);
	snprintf(dst, sizeof(dst), "%s/dst", base);
	snprintf(p, sizeof(p), "%s/secret", base);
	put(p, "host-secret", 0600);
	assert_int_equal(mkdir(src, 0750), 0);
	snprintf(p, sizeof(p), "%s/a", src);
	put(p, "alpha", 0640);
	snprintf(p, sizeof(p), "%s/sub", src);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/sub/b", src);
	put(p, "beta", 0755);
	snprintf(p, sizeof(p), "%s/leak", src);
	char target[PATH_MAX];
	snprintf(target, sizeof(target), "%s/secret", base);
	assert_int_equal(symlink(target, p), 0);
	snprintf(p, sizeof(p), "%s/fifo", src);
	assert_int_equal(mkfifo(p, 0600), 0);
	snprintf(p, sizeof(p), "%s/sock", src);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	assert_true(strlen(p) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, p, strlen(p) + 1);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);

	struct clonefs_stats st = {0};
	struct error err = {0};
	assert_int_equal(clonefs_copy(src, dst, &st, &err), 0);
	assert_int_equal(st.files, 2);
	assert_int_equal(st.skipped, 2);
	snprintf(p, sizeof(p), "%s/a", dst);
	get(p, buf, sizeof(buf));
	assert_string_equal(buf, "alpha");
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	snprintf(p, sizeof(p), "%s/sub/b", dst);
	get(p, buf, sizeof(buf));
	assert_string_equal(buf, "beta");
	snprintf(p, sizeof(p), "%s/sub", dst);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0700);
	snprintf(p, sizeof(p), "%s", dst);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0750);
	/* the planted link is a link, its target never read */
	snprintf(p, sizeof(p), "%s/leak", dst);
	assert_int_equal(lstat(p, &sb), 0);
	assert_true(S_ISLNK(sb.st_mode));
	ssize_t n = readlink(p, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, target);
	snprintf(p, sizeof(p), "%s/fifo", dst);
	assert_int_equal(lstat(p, &sb), -1);
	snprintf(p, sizeof(p), "%s/sock", dst);
	assert_int_equal(lstat(p, &sb), -1);
	/* a write in the copy stays there */
	snprintf(p, sizeof(p), "%s/a", dst);
	put(p, "changed", 0640);
	snprintf(p, sizeof(p), "%s/a", src);
	get(p, buf, sizeof(buf));
	assert_string_equal(buf, "alpha");

	/* an existing destination is refused, not merged */
	st = (struct clonefs_stats){0};
	assert_int_equal(clonefs_copy(src, dst, &st, &err), -1);
	assert_non_null(strstr(err.msg, "copy"));
}

static void test_single_file(void **state)
{
	(void)state;
	char src[PATH_MAX], dst[PATH_MAX], buf[64];
	snprintf(src, sizeof(src), "%s/one", base);
	snprintf(dst, sizeof(dst), "%s/one.copy", base);
	put(src, "just a file", 0604);
	struct clonefs_stats st = {0};
	struct error err = {0};
	assert_int_equal(clonefs_copy(src, dst, &st, &err), 0);
	assert_int_equal(st.files, 1);
	get(dst, buf, sizeof(buf));
	assert_string_equal(buf, "just a file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tree, make_base, drop_base),
		cmocka_unit_test_setup_teardown(test_single_file, make_base, drop_base),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
