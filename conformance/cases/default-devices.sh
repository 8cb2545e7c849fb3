#!/usr/bin/env bash
# default device nodes exist with the right numbers
. "$(dirname "$0")/../lib.sh"

run_ok 'for d in null zero full random urandom tty; do stat -c "%n %t:%T" /dev/$d; done'
expect_eq "$(xargs <<<"$OUT")" "/dev/null 1:3 /dev/zero 1:5 /dev/full 1:7 /dev/random 1:8 /dev/urandom 1:9 /dev/tty 5:0" "devices"
pass
