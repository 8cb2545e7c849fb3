#!/usr/bin/env bash
# start on a running container is an error and changes nothing
. "$(dirname "$0")/../lib.sh"

add_shared
set_cmd "$WAIT_GO"
id=$(new_id)
create_bg "$id"
rt start "$id" </dev/null >/dev/null 2>&1 || fail "start failed"
wait_file "$WORK/shared/ready"
rt start "$id" </dev/null >/dev/null 2>&1 && fail "second start succeeded"
expect_eq "$(state_of "$id")" running "state"
pass
