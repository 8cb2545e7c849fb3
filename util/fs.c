/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util/fs.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *fs_fd_path(int fd, char buf[static 32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

int fs_read_fileat(int dirfd, const char *name, char **out, size_t *len, struct error *err)
{
	/* only a regular file: no symlink followed, no FIFO to hang on */
	_cleanup_close_ int fd = openat(dirfd, name,
					O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open %s", name);
	struct stat sb;
	if (fstat(fd, &sb) < 0)
		return error_errno(err, "stat %s", name);
	if (!S_ISREG(sb.st_mode))
		return error_set(err, EINVAL, "%s is not a regular file", name);
	size_t cap = 4096, n = 0;
	_cleanup_free_ char *buf = malloc(cap + 1);
	if (!buf)
		return error_set(err, ENOMEM, "read %s", name);
	for (;;) {
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb)
				return error_set(err, ENOMEM, "read %s", name);
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_errno(err, "read %s", name);
		if (r == 0)
			break;
		n += r;
	}
	buf[n] = '\0';
	*out = TAKE_PTR(buf);
	if (len)
		*len = n;
	return 0;
}

int fs_read_file(const char *path, char **out, size_t *len, struct error *err)
{
	return fs_read_fileat(AT_FDCWD, path, out, len, err);
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t r = write(fd, data, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		data += r;
		len -= r;
	}
	return 0;
}

int fs_write_file_atomic(int dirfd, const char *name, const char *data, size_t len,
			 struct error *err)
{
	char tmp[256];
	snprintf(tmp, sizeof(tmp), ".%s.tmp.%d", name, getpid());
	/* a stale temp file of a dead process with our pid goes; nothing
	 * planted there (a symlink) is followed */
	unlinkat(dirfd, tmp, 0);
	_cleanup_close_ int fd = openat(dirfd, tmp,
					O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_errno(err, "create %s", name);
	if (write_all(fd, data, len) < 0) {
		error_errno(err, "write %s", name);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		error_errno(err, "rename %s", name);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

int fs_write_pid_file(const char *path, pid_t pid, struct error *err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	_cleanup_free_ char *dir = strdup(path);
	if (!dir)
		return error_set(err, ENOMEM, "pid file %s", path);
	char *slash = strrchr(dir, '/');
	const char *name = slash ? path + (slash - dir) + 1 : path;
	if (slash)
		*slash = '\0';
	if (!*name)
		return error_set(err, EINVAL, "pid file %s: not a file name", path);
	/* the temp file is made next to it (O_EXCL|O_NOFOLLOW: nothing planted
	 * there is followed), then renamed over it */
	_cleanup_close_ int dfd = open(slash ? (*dir ? dir : "/") : ".",
				       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return error_errno(err, "open the directory of pid file %s", path);
	if (fs_write_file_atomic(dfd, name, buf, (size_t)n, err) < 0)
		return error_prefix(err, "write pid file %s", path);
	return 0;
}

int fs_write_string(const char *path, const char *value, struct error *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "open %s", path);
	if (write_all(fd, value, strlen(value)) < 0)
		return error_errno(err, "write %s", path);
	return 0;
}

int fs_mkdir_p(const char *path, mode_t mode, struct error *err)
{
	_cleanup_free_ char *p = strdup(path);
	if (!p)
		return error_set(err, ENOMEM, "mkdir %s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return error_errno(err, "mkdir %s", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return error_errno(err, "mkdir %s", p);
	return 0;
}

/* A directory under dirfd, opened without crossing a mount point (a bind
 * mount of the same filesystem too) or following a symlink: EXDEV when
 * name is a mount point. */
static int open_dir_same_mount(int dirfd, const char *name)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH,
	};
	int fd = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
	if (fd >= 0 || errno != ENOSYS)
		return fd;
	/* without openat2: the mount-root attribute, else another device */
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct statx sx;
	struct stat parent, self;
	bool mount_root = statx(fd, "", AT_EMPTY_PATH, 0, &sx) == 0 &&
			  (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
			  (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
	if (mount_root || fstat(dirfd, &parent) < 0 || fstat(fd, &self) < 0 ||
	    parent.st_dev != self.st_dev) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
}

static int rm_rf(int dirfd, const char *name, const char *shown, int depth, struct error *err)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno == EBUSY)
		return error_set(err, EBUSY, "%s is a mount point: left in place", shown);
	if (errno != EISDIR && errno != EPERM)
		return error_errno(err, "remove %s", shown);
	if (depth > 256)
		return error_set(err, ELOOP, "remove %s: tree too deep", shown);
	int fd = open_dir_same_mount(dirfd, name);
	if (fd < 0 && errno == EXDEV)
		return error_set(err, EXDEV,
				 "%s is a mount point: not removing what is mounted there "
				 "(unmount it first)",
				 shown);
	if (fd < 0)
		return error_errno(err, "open %s", shown);
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return error_errno(err, "open %s", shown);
	}
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		_cleanup_free_ char *sub = NULL;
		if (asprintf(&sub, "%s/%s", shown, de->d_name) < 0) {
			r = error_set(err, ENOMEM, "remove %s", shown);
			break;
		}
		struct error e = {0};
		/* the first failure is the one reported; the rest still goes */
		if (rm_rf(fd, de->d_name, sub, depth + 1, r < 0 ? &e : err) < 0)
			r = -1;
	}
	closedir(d);
	if (r < 0)
		return -1;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return error_errno(err, "remove %s", shown);
	return 0;
}

int fs_rm_rf_at(int dirfd, const char *name, const char *shown, struct error *err)
{
	return rm_rf(dirfd, name, shown ? shown : name, 0, err);
}

/* One directory level of fs_sync_tree_at: every regular file's writeback
 * is started first (so the device sees all of them at once), then each is
 * fsynced, subdirectories in turn, and the directory itself last (its
 * entries name the files). */
static int sync_tree(int dfd, const char *shown, int depth, struct error *err)
{
	if (depth > 8)
		return error_set(err, ELOOP, "fsync %s: directories nested too deep", shown);
	_cleanup_closedir_ DIR *d = fdopendir(fcntl(dfd, F_DUPFD_CLOEXEC, 3));
	if (!d)
		return error_errno(err, "fsync %s: read the directory", shown);
	int *fds = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int r = 0;
	struct dirent *de;
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat sb;
		if (fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			r = error_errno(err, "fsync %s/%s", shown, de->d_name);
			break;
		}
		if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
			continue; /* sockets, links: no data of their own */
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			int *nf = realloc(fds, cap * sizeof(*fds));
			if (nf)
				fds = nf;
			char **nn = realloc(names, cap * sizeof(*names));
			if (nn)
				names = nn;
			if (!nf || !nn) {
				r = error_set(err, ENOMEM, "fsync %s", shown);
				break;
			}
		}
		int fd = openat(dfd, de->d_name,
				O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
					(S_ISDIR(sb.st_mode) ? O_DIRECTORY : O_NOATIME));
		if (fd < 0 && errno == EPERM) /* O_NOATIME on a file not ours */
			fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			r = error_errno(err, "fsync %s/%s", shown, de->d_name);
			break;
		}
		names[n] = strdup(de->d_name);
		fds[n++] = fd;
		if (!names[n - 1]) {
			r = error_set(err, ENOMEM, "fsync %s", shown);
			break;
		}
		if (S_ISREG(sb.st_mode))
			sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	}
	if (r == 0 && errno && !de)
		r = error_errno(err, "fsync %s: read the directory", shown);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct stat sb;
		if (fstat(fds[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
			char sub[PATH_MAX];
			snprintf(sub, sizeof(sub), "%s/%s", shown, names[i]);
			r = sync_tree(fds[i], sub, depth + 1, err);
		} else if (fsync(fds[i]) < 0) {
			r = error_errno(err, "fsync %s/%s", shown, names[i]);
		}
	}
	for (size_t i = 0; i < n; i++) {
		close(fds[i]);
		free(names[i]);
	}
	free(fds);
	free(names);
	if (r == 0 && fsync(dfd) < 0)
		r = error_errno(err, "fsync %s", shown);
	return r;
}

int fs_sync_tree_at(int dirfd, const char *shown, struct error *err)
{
	return sync_tree(dirfd, shown, 0, err);
}

static int openat2_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (unsigned long long)flags | O_CLOEXEC,
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

/* Fallback without openat2: walk component by component, refusing symlinks. */
static int walk_nofollow(int rootfd, const char *path, int flags)
{
	_cleanup_free_ char *copy = strdup(path);
	if (!copy)
		return -1;
	int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	char *save = NULL;
	char *comp = strtok_r(copy, "/", &save);
	while (cur >= 0 && comp) {
		char *next = strtok_r(NULL, "/", &save);
		if (strcmp(comp, "..") == 0) {
			close(cur);
			errno = EXDEV;
			return -1;
		}
		int nfd = openat(cur, comp,
				 (next ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
		close(cur);
		cur = nfd;
		comp = next;
	}
	return cur;
}

int fs_open_in_root(int rootfd, const char *path, int flags, struct error *err)
{
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	int fd = openat2_in_root(rootfd, path, flags, 0);
	if (fd < 0 && errno == ENOSYS)
		fd = walk_nofollow(rootfd, path, flags);
	if (fd < 0)
		return error_errno(err, "open %s in the container rootfs", path);
	return fd;
}

/* The path inside the root that fd names ("/a/b"), from /proc/self/fd. */
static int path_in_root(int rootfd, int fd, char *out, size_t size)
{
	char a[32], b[32], root[PATH_MAX], full[PATH_MAX];
	ssize_t rl = readlink(fs_fd_path(rootfd, a), root, sizeof(root) - 1);
	ssize_t fl = readlink(fs_fd_path(fd, b), full, sizeof(full) - 1);
	if (rl < 0 || fl < 0)
		return -1;
	root[rl] = full[fl] = '\0';
	size_t n = strcmp(root, "/") ? (size_t)rl : 0;
	if (strncmp(full, root, n) != 0 || (full[n] && full[n] != '/')) {
		errno = EXDEV;
		return -1;
	}
	snprintf(out, size, "%s", full[n] ? full + n : "/");
	return 0;
}

static int mkpath(int rootfd, const char *path, bool dir, mode_t mode, int depth, struct error *err)
{
	if (depth > 40)
		return error_set(err, ELOOP, "create %s in the container rootfs", path);
	struct error ignored;
	int fd = fs_open_in_root(rootfd, path, O_PATH, &ignored);
	if (fd >= 0 || errno != ENOENT) {
		if (fd < 0)
			error_errno(err, "open %s in the container rootfs", path);
		return fd;
	}
	/* the parent first (made, and its symlinks followed, inside the root) */
	_cleanup_free_ char *copy = strdup(path);
	if (!copy)
		return error_set(err, ENOMEM, "%s", path);
	size_t len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	char *slash = strrchr(copy, '/');
	const char *name = copy;
	_cleanup_close_ int parent = -1;
	if (!slash) {
		parent = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	} else {
		name = slash + 1;
		*slash = '\0';
		parent = copy[0] ? mkpath(rootfd, copy, true, 0755, depth + 1, err)
				 : fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	}
	if (parent < 0)
		return -1;
	int r;
	if (dir) {
		r = mkdirat(parent, name, mode);
	} else {
		r = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
			   mode & 0666);
		if (r >= 0)
			close(r), r = 0;
	}
	if (r < 0 && errno == EEXIST) {
		/* a dangling symlink: make what it points to, inside the root */
		char target[PATH_MAX], where[PATH_MAX], next[PATH_MAX * 2];
		ssize_t tl = readlinkat(parent, name, target, sizeof(target) - 1);
		if (tl < 0)
			return error_errno(err, "create %s in the container rootfs", path);
		target[tl] = '\0';
		if (target[0] == '/') {
			snprintf(next, sizeof(next), "%s", target);
		} else {
			if (path_in_root(rootfd, parent, where, sizeof(where)) < 0)
				return error_errno(err, "resolve %s in the container rootfs", path);
			snprintf(next, sizeof(next), "%s/%s", strcmp(where, "/") ? where : "",
				 target);
		}
		int t = mkpath(rootfd, next, dir, mode, depth + 1, err);
		if (t < 0)
			return -1;
		close(t);
	} else if (r < 0) {
		return error_errno(err, "create %s in the container rootfs", path);
	}
	return fs_open_in_root(rootfd, path, O_PATH, err);
}

/* "/a/./b/../c" → "/a/c", ".." never above "/" (as a lookup in root). */
static void clean_path(const char *in, char *out, size_t size)
{
	size_t o = 0;
	out[o++] = '/';
	out[o] = '\0';
	const char *p = in;
	while (*p) {
		while (*p == '/')
			p++;
		const char *e = strchrnul(p, '/');
		size_t len = (size_t)(e - p);
		if (len == 0)
			break;
		if (len == 1 && p[0] == '.') {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 1 && out[o - 1] != '/')
				o--;
			if (o > 1)
				o--;
			out[o] = '\0';
		} else if (o + len + 2 < size) {
			if (o > 1)
				out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
			out[o] = '\0';
		}
		p = e;
	}
}

int fs_mkpath_in_root(int rootfd, const char *path, bool dir, mode_t mode, struct error *err)
{
	char clean[PATH_MAX];
	clean_path(path, clean, sizeof(clean));
	return mkpath(rootfd, clean, dir, mode, 0, err);
}

void fs_unescape_octal(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

bool fs_in_child_userns(void)
{
	char buf[128] = "";
	int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	unsigned long a, b, c;
	/* the initial namespace maps everything: "0 0 4294967295", one line */
	const char *nl = strchr(buf, '\n');
	bool one_line = !nl || !nl[1];
	return !(sscanf(buf, "%lu %lu %lu", &a, &b, &c) == 3 && a == 0 && b == 0 &&
		 c == 4294967295UL && one_line);
}
