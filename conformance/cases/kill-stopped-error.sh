#!/usr/bin/env bash
# kill on a stopped container is an error
. "$(dirname "$0")/../lib.sh"

set_cmd 'exit 0'
id=$(new_id)
run_d "$id"
wait_status "$id" stopped
rt kill "$id" KILL >/dev/null 2>&1 && fail "kill of a stopped container succeeded"
expect_eq "$(state_of "$id")" stopped "state"
pass
