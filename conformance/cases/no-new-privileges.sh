#!/usr/bin/env bash
# noNewPrivileges sets NoNewPrivs
. "$(dirname "$0")/../lib.sh"

cfg '.process.noNewPrivileges = true'
run_ok 'grep NoNewPrivs /proc/self/status'
expect_eq "$(xargs <<<"$OUT")" "NoNewPrivs: 1" "NoNewPrivs"
pass
