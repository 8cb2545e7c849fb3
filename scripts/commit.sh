#!/bin/sh
# Print the commit of the agentrun tree SRCDIR: `git describe --always
# --dirty` (a commit id, "-dirty" when tracked files differ from it). Exits
# non-zero, printing nothing, when SRCDIR is not the top of a git work tree
# (a copy of the tree, an unpacked tarball, even inside another repository):
# meson's vcs_tag then uses the .commit file (meson.build).
#
#   scripts/commit.sh SRCDIR           the commit, for util/commit.c
#   scripts/commit.sh SRCDIR --dist    write HEAD's (what meson dist packs,
#                                      never -dirty) to $MESON_DIST_ROOT/.commit
set -eu
src=$1
top=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null) || exit 1
[ "$top" -ef "$src" ] || exit 1
if [ "${2:-}" = "--dist" ]; then
	# meson dist packs the committed HEAD: never "-dirty"
	: "${MESON_DIST_ROOT:?scripts/commit.sh --dist runs under meson dist}"
	commit=$(git -C "$src" describe --always 2>/dev/null) || exit 1
	printf '%s\n' "$commit" >"$MESON_DIST_ROOT/.commit"
	exit 0
fi
commit=$(git -C "$src" describe --always --dirty 2>/dev/null) || exit 1
[ -n "$commit" ] || exit 1
printf '%s\n' "$commit"
