/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A procfs handle the container cannot fake or reach: every write agentrun
 * makes through /proc while it sets up or enters a container (LSM labels,
 * the exec fifo reopen) goes through one, never through the container's
 * /proc path (CVE-2019-16884, CVE-2023-27561, CVE-2025-52881 classes). */
#ifndef AGENTRUN_PROCFS_H
#define AGENTRUN_PROCFS_H

#include <stdbool.h>

#include "util/error.h"

/* An fd on the root of a procfs of the caller's pid namespace: a fresh,
 * detached procfs (fsopen/fsmount) attached nowhere, or where the kernel
 * refuses that, the /proc this process sees now (call it before the
 * container can change it). Either is checked to be the root of a real
 * procfs (PROC_SUPER_MAGIC, inode 1). */
int procfs_open_private(struct error *err);
/* Is fd the root of a real procfs? */
bool procfs_is_root(int fd);
/* Open path beneath the handle: no symlink (a leading "self" or
 * "thread-self" is read from the handle itself and replaced by the pid it
 * names), no "..", no crossing into a mount over part of it. */
int procfs_openat(int procfd, const char *path, int flags, struct error *err);
/* Reopen fd (e.g. an O_PATH fd on a fifo) with flags through <pid>/fd/<fd>
 * of the handle; the result is checked to be the same file. The handle is
 * consumed (*procfd closed and set to -1) and the lookup runs from the
 * working directory, so that no directory fd is held while the open
 * blocks (a fifo waiting for its reader): the caller chdirs back. */
int procfs_reopen(int *procfd, int fd, int flags, struct error *err);
/* Write value to path beneath the handle (procfs_openat O_WRONLY). */
int procfs_write(int procfd, const char *path, const char *value, struct error *err);

#endif
