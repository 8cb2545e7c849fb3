#!/usr/bin/env bash
# process.user.umask
. "$(dirname "$0")/../lib.sh"

cfg '.process.user.umask = 63'
run_ok 'umask'
expect_eq "$OUT" 0077 "umask"
pass
