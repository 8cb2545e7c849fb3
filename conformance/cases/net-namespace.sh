#!/usr/bin/env bash
# a new network namespace has only lo, and it is up
. "$(dirname "$0")/../lib.sh"

run_ok 'ls /sys/class/net; cat /sys/class/net/lo/flags'
expect_eq "$(head -n1 <<<"$OUT")" lo "interfaces"
expect_eq "$(wc -l <<<"$OUT")" 2 "interface count + flags"
(( $(tail -n1 <<<"$OUT") & 1 )) || fail "lo is down"
pass
