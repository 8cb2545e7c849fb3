#!/usr/bin/env bash
# root.readonly makes / read-only
. "$(dirname "$0")/../lib.sh"

cfg '.root.readonly = true'
run_ok '{ touch /x; } 2>/dev/null && echo WROTE; echo ok > /dev/shm/ok && cat /dev/shm/ok'
expect_eq "$OUT" ok "output"
[ ! -e "$BUNDLE/rootfs/x" ] || fail "/x was created"
pass
