#!/usr/bin/env bash
# process.user uid, gid and additionalGids
. "$(dirname "$0")/../lib.sh"

cfg '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [10, 29]}'
run_ok 'cat /proc/self/status'
expect_eq "$(status_field "$OUT" Uid)" "1000 1000 1000 1000" "Uid"
expect_eq "$(status_field "$OUT" Gid)" "1001 1001 1001 1001" "Gid"
expect_eq "$(status_field "$OUT" Groups | tr ' ' '\n' | sort -n | xargs)" "10 29" "Groups"
pass
