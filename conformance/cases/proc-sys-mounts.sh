#!/usr/bin/env bash
# proc, sysfs, devpts, mqueue are mounted where configured
. "$(dirname "$0")/../lib.sh"

run_ok 'cat /proc/self/mountinfo'
for m in "/proc proc" "/sys sysfs" "/dev/pts devpts" "/dev/mqueue mqueue" "/dev tmpfs"; do
	set -- $m
	[[ "$(mnt_field "$OUT" "$1")" == *" $2 "* ]] || fail "$1 is not $2"
done
true
pass
