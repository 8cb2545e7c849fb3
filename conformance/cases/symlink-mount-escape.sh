#!/usr/bin/env bash
# a mount destination symlinked out of the rootfs lands inside it
. "$(dirname "$0")/../lib.sh"

mkdir "$WORK/outside" "$WORK/vol"
echo payload >"$WORK/vol/payload"
ln -s "$WORK/outside" "$BUNDLE/rootfs/escape"
add_mount /escape bind "$WORK/vol" bind
run_ok 'cat /escape/payload'
expect_eq "$OUT" payload "content through the symlink"
[ -z "$(ls -A "$WORK/outside")" ] || fail "the host directory was written"
true
pass
