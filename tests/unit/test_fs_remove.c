/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util/fs.c: removing a state directory never crosses a mount point or
 * follows a symlink; the pid-file writer never writes through a symlink
 * planted at its temp name; a tree is made durable without opening what
 * is not a file or directory. Real files, a real bind mount (as root). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/fs.h"

static char base[64];

static int make_base(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/agentrun-test-fs.XXXXXX");
	return mkdtemp(base) ? 0 : -1;
}

static int drop_base(void **state)
{
	(void)state;
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *rel, const char *text)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static bool exists(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	return lstat(p, &st) == 0;
}

static void mk(const char *rel)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

/* a tree with a symlink to a directory outside it: the tree goes, what
 * the link points to stays */
static void test_rm_rf_symlink(void **state)
{
	(void)state;
	mk("outside");
	put("outside/keep", "x");
	mk("tree");
	mk("tree/a");
	mk("tree/a/b");
	put("tree/a/b/f", "y");
	char target[PATH_MAX], link[PATH_MAX];
	snprintf(target, sizeof(target), "%s/outside", base);
	snprintf(link, sizeof(link), "%s/tree/a/out", base);
	assert_int_equal(symlink(target, link), 0);
	int dfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct error err = {0};
	assert_int_equal(fs_rm_rf_at(dfd, "tree", NULL, &err), 0);
	close(dfd);
	assert_false(exists("tree"));
	assert_true(exists("outside/keep"));
}

/* a bind mount inside: refused, named, what is mounted untouched */
static void test_rm_rf_mount_point(void **state)
{
	(void)state;
	/* the mount lives in a namespace of this test's own: nothing stays if
	 * it dies */
	if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		skip();
		return;
	}
	mk("src");
	put("src/precious", "z");
	mk("st");
	mk("st/id");
	mk("st/id/criu-root");
	put("st/id/state.json", "{}");
	char src[PATH_MAX], dst[PATH_MAX];
	snprintf(src, sizeof(src), "%s/src", base);
	snprintf(dst, sizeof(dst), "%s/st/id/criu-root", base);
	assert_int_equal(mount(src, dst, NULL, MS_BIND, NULL), 0);
	char sdir[PATH_MAX];
	snprintf(sdir, sizeof(sdir), "%s/st", base);
	int dfd = open(sdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct error err = {0};
	int r = fs_rm_rf_at(dfd, "id", "id", &err);
	int saved = err.errnum;
	umount2(dst, MNT_DETACH);
	assert_int_equal(r, -1);
	assert_int_equal(saved, EXDEV);
	assert_non_null(strstr(err.msg, "id/criu-root is a mount point"));
	assert_true(exists("src/precious"));
	/* unmounted, it goes */
	assert_int_equal(fs_rm_rf_at(dfd, "id", "id", &err), 0);
	close(dfd);
	assert_false(exists("st/id"));
}

static void test_pid_file_planted_symlink(void **state)
{
	(void)state;
	put("target", "precious");
	char target[PATH_MAX], tmp[PATH_MAX], pidfile[PATH_MAX];
	snprintf(target, sizeof(target), "%s/target", base);
	snprintf(tmp, sizeof(tmp), "%s/.p.pid.tmp.%d", base, getpid());
	snprintf(pidfile, sizeof(pidfile), "%s/p.pid", base);
	assert_int_equal(symlink(target, tmp), 0);
	struct error err = {0};
	assert_int_equal(fs_write_pid_file(pidfile, 4242, &err), 0);
	char buf[64] = "";
	FILE *f = fopen(target, "r");
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "precious");
	f = fopen(pidfile, "r");
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "4242");
	struct stat st;
	assert_int_equal(lstat(pidfile, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_false(exists(".p.pid.tmp.0"));
}

/* fs_sync_tree_at: files and subdirectories are fsynced; a FIFO (whose
 * open would block), a symlink (to a directory outside) and a socket are
 * skipped, never opened through; a bad fd is an error. */
static void test_sync_tree(void **state)
{
	(void)state;
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/img", base);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/img/sub", base);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/img/sub/pages-1.img", base);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("pages", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/img/core-1.img", base);
	f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/img/fifo", base);
	assert_int_equal(mkfifo(p, 0600), 0);
	snprintf(p, sizeof(p), "%s/img/out", base);
	assert_int_equal(symlink("/", p), 0);
	snprintf(p, sizeof(p), "%s/img", base);
	int dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	struct error err = {0};
	assert_int_equal(fs_sync_tree_at(dfd, p, &err), 0);
	close(dfd);
	assert_int_equal(fs_sync_tree_at(-1, p, &err), -1);
	assert_non_null(strstr(err.msg, p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rm_rf_symlink, make_base, drop_base),
		cmocka_unit_test_setup_teardown(test_rm_rf_mount_point, make_base, drop_base),
		cmocka_unit_test_setup_teardown(test_pid_file_planted_symlink, make_base,
						drop_base),
		cmocka_unit_test_setup_teardown(test_sync_tree, make_base, drop_base),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
