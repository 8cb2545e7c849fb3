#!/usr/bin/env bash
# the container process is pid 1 of a new pid namespace
. "$(dirname "$0")/../lib.sh"

run_ok 'echo $$'
expect_eq "$OUT" 1 "pid"
pass
