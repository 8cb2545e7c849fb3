/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The commit this agentrun was built from: `git describe --always --dirty`
 * at build time, or the tree's .commit file, or "unknown" (meson.build,
 * util/commit.c.in). */
#ifndef AGENTRUN_VERSION_H
#define AGENTRUN_VERSION_H

extern const char agentrun_commit[];

#endif
