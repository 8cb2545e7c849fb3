/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File helpers, and resolution of paths inside a container rootfs that
 * never follows a symlink out of it (openat2 RESOLVE_IN_ROOT). */
#ifndef AGENTRUN_FS_H
#define AGENTRUN_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

int fs_read_file(const char *path, char **out, size_t *len, struct error *err);
int fs_read_fileat(int dirfd, const char *name, char **out, size_t *len, struct error *err);
/* Write atomically: a temp file in the same dir, fsync-free rename. */
int fs_write_file_atomic(int dirfd, const char *name, const char *data, size_t len,
			 struct error *err);
/* The pid file of create, run, exec and restore: written whole (a temp
 * file made O_EXCL|O_NOFOLLOW in its directory, then renamed). */
int fs_write_pid_file(const char *path, pid_t pid, struct error *err);
/* Write a short string to an existing file (sysctl, /proc, cgroup files). */
int fs_write_string(const char *path, const char *value, struct error *err);
int fs_mkdir_p(const char *path, mode_t mode, struct error *err);
/* Remove a directory tree under dirfd: no symlink followed, no mount point
 * crossed (one is reported as the error, and what is mounted there is left
 * untouched). shown names name in messages (NULL: name). */
int fs_rm_rf_at(int dirfd, const char *name, const char *shown, struct error *err);

/* Make a directory tree durable: fsync every regular file and directory
 * below dirfd (no symlink followed; sockets and other nodes skipped), and
 * dirfd itself. The first failure is the error (EIO: data lost). */
int fs_sync_tree_at(int dirfd, const char *shown, struct error *err);

/* Open `path` inside the tree rooted at rootfd: ".." and absolute symlinks
 * stay inside. flags as for openat (O_PATH works). */
int fs_open_in_root(int rootfd, const char *path, int flags, struct error *err);
/* Make `path` inside root exist (directories for dirs; parents plus an empty
 * file when !dir) and return an O_PATH fd on it. */
int fs_mkpath_in_root(int rootfd, const char *path, bool dir, mode_t mode, struct error *err);
/* Undo the octal escapes of /proc/PID/mountinfo fields (\040 for a
 * space) in place. */
void fs_unescape_octal(char *s);
/* This process is in a user namespace other than the initial one (its
 * /proc/self/uid_map is not the identity of all ids). */
bool fs_in_child_userns(void);
/* "/proc/self/fd/N" for an fd (buffer of at least 32 bytes). */
const char *fs_fd_path(int fd, char buf[static 32]);

#endif
