#!/usr/bin/env bash
# readonlyPaths: /proc/sys and a configured directory are read-only
. "$(dirname "$0")/../lib.sh"

mkdir "$BUNDLE/rootfs/etc/rodir"
cfg '.linux.readonlyPaths += ["/etc/rodir"]'
run_ok '{ echo x > /etc/rodir/f; } 2>/dev/null && echo WROTE1; { echo y > /proc/sys/kernel/domainname; } 2>/dev/null && echo WROTE2; echo end'
expect_eq "$OUT" end "output"
pass
