/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A tree copy for forks: each regular file first with FICLONE (the new
 * file shares the old one's extents until either is written: constant
 * time in the data size), else copy_file_range (which the kernel may
 * still do in-filesystem), else read/write. */
#include "runtime/clonefs.h"
#include "util/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define CLONE_MAX_DEPTH 256

static int copy_data(int in, int out, off_t size, struct clonefs_stats *st, const char *shown,
		     struct error *err)
{
	if (ioctl(out, FICLONE, in) == 0) {
		st->reflinked++;
		return 0;
	}
	off_t done = 0;
	while (done < size) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)(size - done), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += n;
	}
	if (done < size) { /* no copy_file_range here: read and write */
		char buf[65536];
		if (lseek(in, done, SEEK_SET) < 0 || lseek(out, done, SEEK_SET) < 0)
			return error_errno(err, "copy %s", shown);
		for (;;) {
			ssize_t n = read(in, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return error_errno(err, "read %s", shown);
			if (n == 0)
				break;
			for (ssize_t w = 0; w < n;) {
				ssize_t k = write(out, buf + w, (size_t)(n - w));
				if (k < 0 && errno == EINTR)
					continue;
				if (k < 0)
					return error_errno(err, "write the copy of %s", shown);
				w += k;
			}
			done += n;
		}
	}
	st->copied_bytes += (uint64_t)done;
	return 0;
}

static void keep_meta(int fd, const struct stat *sb)
{
	if (fchown(fd, sb->st_uid, sb->st_gid) < 0) {
		/* best effort: a copy owned by us is still a copy */
	}
	fchmod(fd, sb->st_mode & 07777);
	struct timespec t[2] = {sb->st_atim, sb->st_mtim};
	futimens(fd, t);
}

static int copy_at(int sdir, const char *sname, int ddir, const char *dname, dev_t dev, int depth,
		   struct clonefs_stats *st, const char *shown, struct error *err)
{
	struct stat sb;
	if (depth > CLONE_MAX_DEPTH)
		return error_set(err, 0, "copy %s: deeper than %d directories", shown,
				 CLONE_MAX_DEPTH);
	if (fstatat(sdir, sname, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return error_errno(err, "stat %s/%s", shown, sname);
	if (S_ISLNK(sb.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(sdir, sname, target, sizeof(target) - 1);
		if (n < 0)
			return error_errno(err, "readlink %s/%s", shown, sname);
		target[n] = '\0';
		if (symlinkat(target, ddir, dname) < 0)
			return error_errno(err, "symlink %s/%s", shown, sname);
		if (fchownat(ddir, dname, sb.st_uid, sb.st_gid, AT_SYMLINK_NOFOLLOW) < 0) {
			/* best effort, as for files */
		}
		return 0;
	}
	if (S_ISREG(sb.st_mode)) {
		_cleanup_close_ int in = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0)
			return error_errno(err, "open %s/%s", shown, sname);
		_cleanup_close_ int out = openat(
			ddir, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0)
			return error_errno(err, "create the copy of %s/%s", shown, sname);
		st->files++;
		if (copy_data(in, out, sb.st_size, st, shown, err) < 0)
			return -1;
		keep_meta(out, &sb);
		return 0;
	}
	if (!S_ISDIR(sb.st_mode)) {
		/* a FIFO, socket or device node (which the container may
		 * have made): never opened (a FIFO would block), not copied */
		st->skipped++;
		return 0;
	}
	if (mkdirat(ddir, dname, 0700) < 0)
		return error_errno(err, "create the copy of %s/%s", shown, sname);
	_cleanup_close_ int out = openat(ddir, dname,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (out < 0)
		return error_errno(err, "open the copy of %s/%s", shown, sname);
	if (sb.st_dev == dev) { /* another mount below: left empty */
		int in = openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0)
			return error_errno(err, "open %s/%s", shown, sname);
		_cleanup_closedir_ DIR *d = fdopendir(in);
		if (!d) {
			close(in);
			return error_errno(err, "read %s/%s", shown, sname);
		}
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (copy_at(in, de->d_name, out, de->d_name, dev, depth + 1, st, shown,
				    err) < 0)
				return -1;
		}
	}
	keep_meta(out, &sb);
	return 0;
}

int clonefs_copy(const char *src, const char *dst, struct clonefs_stats *st, struct error *err)
{
	struct stat sb;
	if (lstat(src, &sb) < 0)
		return error_errno(err, "stat %s", src);
	return copy_at(AT_FDCWD, src, AT_FDCWD, dst, sb.st_dev, 0, st, src, err);
}
