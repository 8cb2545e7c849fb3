#!/usr/bin/env bash
# tmpfs with size= and mode=
. "$(dirname "$0")/../lib.sh"

add_mount /scratch tmpfs tmpfs size=1m mode=1770
run_ok 'stat -c %a /scratch; cat /proc/self/mountinfo'
expect_eq "$(head -n1 <<<"$OUT")" 1770 "mode"
f=$(mnt_field "$OUT" /scratch)
[[ "$f" == *" tmpfs "*size=1024k* ]] || fail "mountinfo: $f"
pass
