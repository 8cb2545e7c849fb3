#!/usr/bin/env bats
# Attack tests: mounts renamed away during create. A mounted directory can
# be renamed from another mount namespace, and the mount goes with it: a
# running container that can write this rootfs (one shared with it, or
# inside its workspace) renames /proc (or /sys) while the next container is
# being created and leaves an empty directory in its place. Masks and
# read-only paths looked up again by name after pivot_root then find
# nothing to do, and the new container gets an unmasked, writable procfs
# at /proc2. A prestart hook, run while create is between its mounts and
# pivot_root, stands in for the racer.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

# rename_hook DIR: a prestart hook that moves rootfs/DIR to rootfs/DIR2 and
# puts an empty DIR in its place.
rename_hook() {
	cat >"$T/rename.sh" <<-EOS
		#!/bin/sh
		mv "$BUNDLE/rootfs/$1" "$BUNDLE/rootfs/${1}2" && mkdir "$BUNDLE/rootfs/$1"
	EOS
	chmod 755 "$T/rename.sh"
	cfg '.hooks.prestart = [{"path": $p}]' --arg p "$T/rename.sh"
}

@test "masks: /proc renamed away during create never leaves an unmasked procfs" {
	rename_hook proc
	# wherever the procfs is, /proc/keys must be the null device and
	# /proc/sys read-only
	set_cmd 'P=/proc; [ -d /proc2 ] && P=/proc2; echo "AT $P"
		stat -c "KEYS %F %t:%T" $P/keys
		grep -q . $P/timer_list 2>/dev/null && echo UNMASKED
		echo x >$P/sys/kernel/hostname 2>/dev/null && echo WRITABLE; true'
	run_ctr
	[[ "$output" != *UNMASKED* ]]
	[[ "$output" != *WRITABLE* ]]
	if [ "$status" -ne 0 ]; then
		[[ "$output" == *"config.json: .mounts[0]: the proc mount on /proc is no longer there"* ]]
	else
		[[ "$output" == *"KEYS character special file 1:3"* ]]
	fi
}

@test "masks: /sys renamed away during create never leaves an unmasked sysfs" {
	rename_hook sys
	local i
	i=$(jq '.mounts | map(.destination) | index("/sys")' "$BUNDLE/config.json")
	# the host's /sys/firmware is not empty: masked, it is an empty tmpfs
	set_cmd 'S=/sys; [ -d /sys2 ] && S=/sys2; echo "AT $S"
		[ -n "$(ls -A $S/firmware)" ] && echo UNMASKED; true'
	run_ctr
	[ -n "$(ls -A /sys/firmware)" ]
	[[ "$output" != *UNMASKED* ]]
	if [ "$status" -ne 0 ]; then
		[[ "$output" == *"config.json: .mounts[$i]: the sysfs mount on /sys is no longer there"* ]]
	else
		[[ "$output" == *AT* ]]
	fi
}
