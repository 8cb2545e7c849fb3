#!/usr/bin/env bash
# nosuid, nodev, noexec on a bind mount show in mountinfo and noexec holds
. "$(dirname "$0")/../lib.sh"

mkdir "$WORK/vol"
cp "$BUNDLE/rootfs/bin/busybox" "$WORK/vol/"
add_mount /vol bind "$WORK/vol" bind nosuid nodev noexec
run_ok '/vol/busybox true 2>/dev/null && echo EXECUTED; cat /proc/self/mountinfo'
grep -q EXECUTED <<<"$OUT" && fail "noexec not applied"
o=",$(mnt_field "$OUT" /vol | cut -d' ' -f1),"
for f in nosuid nodev noexec; do [[ "$o" == *,$f,* ]] || fail "$f missing in $o"; done
true
pass
