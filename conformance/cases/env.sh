#!/usr/bin/env bash
# process.env is the environment, nothing leaks from the caller
. "$(dirname "$0")/../lib.sh"

cfg '.process.env = ["PATH=/bin", "FOO=bar baz"]'
export CONFORMANCE_LEAK=1
run_ok 'echo "$FOO"; env | grep -c CONFORMANCE_LEAK || true'
expect_eq "$OUT" "$(printf 'bar baz\n0')" "output"
pass
