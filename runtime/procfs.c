/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/procfs.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#define PROC_ROOT_INO 1

bool procfs_is_root(int fd)
{
	struct statfs sf;
	struct stat st;
	return fd >= 0 && fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC &&
	       fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_ino == PROC_ROOT_INO;
}

/* A new procfs instance as a detached mount: no path of the container
 * leads to it, and nothing can be mounted over any part of it. */
static int fresh_procfs(void)
{
	_cleanup_close_ int fs = fsopen("proc", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	/* only the pid directories (and self, thread-self): none of /proc/sys,
	 * /proc/kcore... that the container's masks would hide (kernels
	 * before 5.8 lack the option: a full procfs then) */
	fsconfig(fs, FSCONFIG_SET_STRING, "subset", "pid", 0);
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -1;
	return fsmount(fs, FSMOUNT_CLOEXEC,
		       MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
}

int procfs_open_private(struct error *err)
{
	int fd = fresh_procfs();
	/* a user namespace that does not own our pid namespace may not make
	 * one: a clone of /proc alone (no mount over part of it comes with
	 * it), or /proc itself */
	if (fd < 0)
		fd = open_tree(AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open a procfs handle");
	if (!procfs_is_root(fd)) {
		close(fd);
		return error_set(err, 0, "open a procfs handle: /proc is not the root of a procfs");
	}
	return fd;
}

/* "self" or "thread-self" as the procfs of the handle names us: only
 * digits (and "/task/"), never a path to follow. */
static int self_prefix(int procfd, const char *link, char *out, size_t size)
{
	ssize_t n = readlinkat(procfd, link, out, size - 1);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	bool slash_ok = !strcmp(link, "thread-self");
	for (ssize_t i = 0; i < n; i++)
		if (!((out[i] >= '0' && out[i] <= '9') ||
		      (slash_ok && (out[i] == '/' || (out[i] >= 'a' && out[i] <= 'z'))))) {
			errno = EINVAL;
			return -1;
		}
	if (slash_ok) {
		unsigned a, b;
		int end = 0;
		if (sscanf(out, "%u/task/%u%n", &a, &b, &end) != 2 || (size_t)end != (size_t)n) {
			errno = EINVAL;
			return -1;
		}
	}
	return 0;
}

int procfs_openat(int procfd, const char *path, int flags, struct error *err)
{
	char full[256], who[64];
	const char *rest = path;
	const char *link = NULL;
	if (!strncmp(path, "self/", 5) || !strcmp(path, "self"))
		link = "self", rest = path + 4;
	else if (!strncmp(path, "thread-self/", 12) || !strcmp(path, "thread-self"))
		link = "thread-self", rest = path + 11;
	if (link) {
		if (self_prefix(procfd, link, who, sizeof(who)) < 0)
			return error_errno(err, "procfs: read %s", link);
		snprintf(full, sizeof(full), "%s%s", who, rest);
	} else {
		snprintf(full, sizeof(full), "%s", path);
	}
	struct open_how how = {
		.flags = (unsigned long long)flags | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};
	int fd = (int)syscall(SYS_openat2, procfd, full, &how, sizeof(how));
	if (fd < 0)
		return error_errno(err, "open /proc/%s through a private procfs", path);
	return fd;
}

int procfs_reopen(int *procfd, int fd, int flags, struct error *err)
{
	int dir = procfs_openat(*procfd, "self/fd", O_PATH | O_DIRECTORY, err);
	close(*procfd);
	*procfd = -1;
	if (dir < 0)
		return -1;
	int r = fchdir(dir);
	close(dir);
	if (r < 0)
		return error_errno(err, "reopen fd %d: enter a private procfs", fd);
	char name[16];
	snprintf(name, sizeof(name), "%d", fd);
	/* the last step is the magic link itself */
	_cleanup_close_ int nfd = openat(AT_FDCWD, name, flags | O_CLOEXEC);
	if (nfd < 0)
		return error_errno(err, "reopen fd %d through a private procfs", fd);
	struct stat a, b;
	if (fstat(fd, &a) < 0 || fstat(nfd, &b) < 0)
		return error_errno(err, "reopen fd %d: stat", fd);
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return error_set(err, 0, "reopen fd %d: /proc gave another file", fd);
	return take_fd(&nfd);
}

int procfs_write(int procfd, const char *path, const char *value, struct error *err)
{
	_cleanup_close_ int fd = procfs_openat(procfd, path, O_WRONLY, err);
	if (fd < 0)
		return -1;
	size_t len = strlen(value);
	while (len) {
		ssize_t w = write(fd, value, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return error_errno(err, "write /proc/%s", path);
		value += w;
		len -= (size_t)w;
	}
	return 0;
}
