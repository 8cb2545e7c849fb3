#!/usr/bin/env bash
# a bundle without its rootfs is refused, nothing is left
. "$(dirname "$0")/../lib.sh"

rm -rf "$BUNDLE/rootfs"
id=$(new_id)
rt create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>"$WORK/err" && fail "create succeeded"
[ -s "$WORK/err" ] || fail "no error message"
rt state "$id" >/dev/null 2>&1 && fail "a state exists for the failed id"
true
pass
