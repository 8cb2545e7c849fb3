#!/usr/bin/env bash
# create with an id already in use fails; the first container is unaffected
. "$(dirname "$0")/../lib.sh"

id=$(new_id)
create_bg "$id"
pid=$(pid_of "$id")
rt create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 && fail "second create succeeded"
expect_eq "$(state_of "$id")" created "state"
expect_eq "$(pid_of "$id")" "$pid" "pid"
pass
