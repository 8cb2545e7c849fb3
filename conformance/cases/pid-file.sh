#!/usr/bin/env bash
# --pid-file holds the pid that state reports
. "$(dirname "$0")/../lib.sh"

id=$(new_id)
create_bg "$id" --pid-file "$WORK/pidfile"
expect_eq "$(cat "$WORK/pidfile" 2>/dev/null)" "$(pid_of "$id")" "pid file"
pass
