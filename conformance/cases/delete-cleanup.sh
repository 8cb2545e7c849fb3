#!/usr/bin/env bash
# delete leaves no state entry, process or mount behind
. "$(dirname "$0")/../lib.sh"

id=$(new_id)
start_waiting "$id"
pid=$(pid_of "$id")
touch "$WORK/shared/go"
wait_status "$id" stopped
rt delete "$id" >/dev/null 2>&1 || fail "delete failed"
wait_gone "$pid"
[ -z "$(find "$ROOT" -name "$id" 2>/dev/null)" ] || fail "state entry left: $(find "$ROOT" -name "$id")"
[ -z "$(rt list -q 2>/dev/null)" ] || fail "list still shows: $(rt list -q)"
grep -q " $WORK/" /proc/self/mountinfo && fail "mounts left under $WORK"
true
pass
