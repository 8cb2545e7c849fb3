#!/usr/bin/env bash
# create -> created, start -> running, exit -> stopped, delete -> gone
. "$(dirname "$0")/../lib.sh"

add_shared
set_cmd "$WAIT_GO"
id=$(new_id)
create_bg "$id"
expect_eq "$(state_of "$id")" created "state after create"
[ ! -e "$WORK/shared/ready" ] || fail "the process ran before start"
rt start "$id" >/dev/null 2>&1 </dev/null || fail "start failed"
wait_file "$WORK/shared/ready"
expect_eq "$(state_of "$id")" running "state after start"
touch "$WORK/shared/go"
wait_status "$id" stopped
rt delete "$id" >/dev/null 2>&1 || fail "delete of a stopped container failed"
rt state "$id" >/dev/null 2>&1 && fail "state still works after delete"
pass
