#!/usr/bin/env bash
# delete of a running container is an error and changes nothing
. "$(dirname "$0")/../lib.sh"

id=$(new_id)
start_waiting "$id"
pid=$(pid_of "$id")
rt delete "$id" >/dev/null 2>&1 && fail "delete of a running container succeeded"
expect_eq "$(state_of "$id")" running "state"
pid_alive "$pid" || fail "the process died"
pass
