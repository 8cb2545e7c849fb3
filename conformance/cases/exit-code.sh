#!/usr/bin/env bash
# foreground run exits with the container process's exit code
. "$(dirname "$0")/../lib.sh"

run_fg 'exit 3'
expect_eq "$RC" 3 "exit code"
run_fg 'exit 0'
expect_eq "$RC" 0 "exit code"
pass
