#!/usr/bin/env bash
# a container process killed by SIGKILL makes run exit 137
. "$(dirname "$0")/../lib.sh"

# No pid namespace: a namespace init cannot SIGKILL itself.
cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
run_fg 'kill -9 $$'
expect_eq "$RC" 137 "exit code"
pass
