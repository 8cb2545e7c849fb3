#!/usr/bin/env bash
# kill without a signal sends SIGTERM
. "$(dirname "$0")/../lib.sh"

add_shared
set_cmd 'trap "echo TERM > /shared/sig; exit 0" TERM; echo $$ > /shared/ready; while :; do sleep 0.1; done'
id=$(new_id)
run_d "$id"
wait_file "$WORK/shared/ready"
rt kill "$id" >/dev/null 2>&1 || fail "kill failed"
wait_status "$id" stopped
expect_eq "$(cat "$WORK/shared/sig" 2>/dev/null)" TERM "signal received"
pass
