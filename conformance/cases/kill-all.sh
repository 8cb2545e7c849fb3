#!/usr/bin/env bash
# kill --all signals every process of the container
. "$(dirname "$0")/../lib.sh"

cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
add_shared
set_cmd 'sleep 1000 & echo $! > /shared/child; echo $$ > /shared/ready; wait'
id=$(new_id)
run_d "$id"
wait_file "$WORK/shared/ready"
wait_file "$WORK/shared/child"
child=$(cat "$WORK/shared/child")
rt kill --all "$id" KILL >/dev/null 2>&1 || fail "kill --all failed"
wait_gone "$child"
wait_status "$id" stopped
pass
