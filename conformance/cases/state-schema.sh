#!/usr/bin/env bash
# state output validates against state-schema.json (created, running, stopped)
. "$(dirname "$0")/../lib.sh"

add_shared
set_cmd "$WAIT_GO"
id=$(new_id)
create_bg "$id"
rt state "$id" >"$WORK/s1.json"; validate state-schema.json "$WORK/s1.json"
rt start "$id" </dev/null >/dev/null 2>&1 || fail "start failed"
wait_file "$WORK/shared/ready"
rt state "$id" >"$WORK/s2.json"; validate state-schema.json "$WORK/s2.json"
touch "$WORK/shared/go"
wait_status "$id" stopped
rt state "$id" >"$WORK/s3.json"; validate state-schema.json "$WORK/s3.json"
pass
