#!/usr/bin/env bash
# delete -f kills and removes a running container
. "$(dirname "$0")/../lib.sh"

id=$(new_id)
start_waiting "$id"
pid=$(pid_of "$id")
rt delete -f "$id" >/dev/null 2>&1 || fail "delete -f failed"
wait_gone "$pid"
rt state "$id" >/dev/null 2>&1 && fail "state still works after delete -f"
true
pass
