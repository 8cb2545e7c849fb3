/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copy a file tree for a fork's private data: reflinks (FICLONE) where the
 * filesystem shares extents (btrfs, XFS), a plain copy otherwise. */
#ifndef AGENTRUN_CLONEFS_H
#define AGENTRUN_CLONEFS_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

struct clonefs_stats {
	uint64_t files, reflinked, copied_bytes;
	uint64_t skipped; /* FIFOs, sockets, device nodes: not copied */
};

/* Copy src (a directory, a regular file or a symlink) to dst, which must
 * not exist: modes, owners and times kept, symlinks copied as links, no
 * symlink followed below src, no other mount crossed (a mount point below
 * src becomes an empty directory), special files (FIFOs, sockets, device
 * nodes) left out and counted. */
int clonefs_copy(const char *src, const char *dst, struct clonefs_stats *st, struct error *err);

#endif
