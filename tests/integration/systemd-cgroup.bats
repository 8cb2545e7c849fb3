#!/usr/bin/env bats
# The systemd cgroup driver's flags on this host (cgroup v1 hybrid, no
# systemd): --systemd-cgroup and --cgroup-manager systemd are accepted and
# fail in one line when systemd's bus cannot be reached, leaving nothing
# behind; an invalid cgroupsPath is refused first. The driver itself is
# tested on a systemd + cgroup v2 host: tests/vm/systemd-cgroup.bats.

load ../lib/bundle

setup() {
	setup_common
	[ ! -S /run/dbus/system_bus_socket ] && [ "$(cat /proc/1/comm)" != systemd ] ||
		skip "this host has systemd's bus (tests/vm/systemd-cgroup.bats covers it)"
}

teardown() {
	teardown_common
}

@test "systemd-cgroup: no systemd here: run fails in one line, exit 1, nothing left" {
	for flag in --systemd-cgroup "--cgroup-manager=systemd" "--cgroup-manager systemd"; do
		ID=$(new_id)
		# shellcheck disable=SC2086 # the flag and its value are two words
		run -1 --separate-stderr runtime $flag run --bundle "$BUNDLE" "$ID" </dev/null
		echo "$flag: $stderr"
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ "$stderr" == "--systemd-cgroup: cannot connect to systemd's bus: "* ]]
		[ -z "$output" ]
		run runtime state "$ID"
		[ "$status" -ne 0 ]
	done
	assert_no_leftovers
}

@test "systemd-cgroup: a cgroupsPath not in slice:prefix:name form is named in one line" {
	ID=$(new_id)
	cfg '.linux.cgroupsPath = "/a/b"'
	run -1 --separate-stderr runtime --systemd-cgroup create --bundle "$BUNDLE" "$ID" </dev/null
	echo "$stderr"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "linux.cgroupsPath: \"/a/b\": the systemd cgroup driver expects \"slice:prefix:name\"" ]]
	assert_no_leftovers
}

@test "systemd-cgroup: wake and fork refuse the systemd driver in one line" {
	run -1 --separate-stderr runtime --systemd-cgroup wake x
	[[ "$stderr" == *"--systemd-cgroup: wake is not supported"* ]]
	run -1 --separate-stderr runtime --systemd-cgroup fork x y
	[[ "$stderr" == *"--systemd-cgroup: fork is not supported"* ]]
}

@test "systemd-cgroup: features reports the systemd driver, root and user" {
	runtime features | jq -e '.linux.cgroup.systemd == true and .linux.cgroup.systemdUser == true'
}
