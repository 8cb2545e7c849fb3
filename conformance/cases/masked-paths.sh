#!/usr/bin/env bash
# maskedPaths: a file reads empty, a directory looks empty, missing paths ignored
. "$(dirname "$0")/../lib.sh"

echo secret >"$BUNDLE/rootfs/etc/secret"
mkdir "$BUNDLE/rootfs/etc/sdir"
echo secret >"$BUNDLE/rootfs/etc/sdir/f"
cfg '.linux.maskedPaths += ["/etc/secret", "/etc/sdir", "/no/such/path"]'
run_ok 'cat /etc/secret; ls -A /etc/sdir; echo end'
expect_eq "$OUT" end "output"
pass
