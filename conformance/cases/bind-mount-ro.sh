#!/usr/bin/env bash
# bind mounts: rw writes reach the host, ro writes fail
. "$(dirname "$0")/../lib.sh"

mkdir "$WORK/rw" "$WORK/ro"
echo in >"$WORK/ro/f"
add_mount /rw bind "$WORK/rw" bind rw
add_mount /ro bind "$WORK/ro" bind ro
run_ok 'echo out > /rw/f; cat /ro/f; { echo x > /ro/g; } 2>/dev/null && echo WROTE; true'
expect_eq "$OUT" in "output"
expect_eq "$(cat "$WORK/rw/f")" out "rw write seen on the host"
[ ! -e "$WORK/ro/g" ] || fail "ro mount was written"
pass
