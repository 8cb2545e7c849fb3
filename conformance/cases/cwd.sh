#!/usr/bin/env bash
# process.cwd is the working directory
. "$(dirname "$0")/../lib.sh"

mkdir -p "$BUNDLE/rootfs/work/here"
cfg '.process.cwd = "/work/here"'
run_ok 'pwd'
expect_eq "$OUT" /work/here "cwd"
pass
