#!/usr/bin/env bash
# state reports ociVersion, id, status, pid and the absolute bundle
. "$(dirname "$0")/../lib.sh"

id=$(new_id)
create_bg "$id"
s=$(rt state "$id") || fail "state failed"
expect_eq "$(jq -r .id <<<"$s")" "$id" "id"
expect_eq "$(jq -r .status <<<"$s")" created "status"
expect_eq "$(jq -r .bundle <<<"$s")" "$(realpath "$BUNDLE")" "bundle"
jq -e '.ociVersion | type == "string"' <<<"$s" >/dev/null || fail "no ociVersion"
pid=$(jq -r .pid <<<"$s")
[ "$pid" -gt 0 ] 2>/dev/null || fail "pid: $pid"
expect_eq "$(cat "/proc/$pid/root/$MARKER" 2>/dev/null)" "$WORK" "the pid's root is the bundle rootfs"
pass
