#!/usr/bin/env bats
# podman with `--runtime` agentrun on the cgroup v2 + systemd guest
# (tests/run-vm), as root and as a plain user with a systemd user session
# (linger), with podman's default configuration there: its systemd cgroup
# manager, which agentrun's systemd driver serves (the container's
# libpod-ID.scope, in `systemctl status` as root and `systemctl --user` as
# the user while it runs, gone after rm): run with its exit code, exec,
# limits seen inside, stop, rm, and checkpoint/restore (root). The image is
# the tests' busybox rootfs, put in with `podman import` (no registry).
# Only for that guest: tests/run-integration does not run this file.

load ../lib/bundle
load ../lib/vmuser

IMG=localhost/agentrun-busybox:test

setup_file() {
	vm_user_setup
	command -v podman >/dev/null || skip "podman is not installed in the guest"
	# the image, for root and for the user, from a tar of the rootfs
	TAR=$VM_HOME/agentrun-busybox.tar
	tar -C "$(rootfs_cache)" --exclude=./.done -cf "$TAR" .
	chmod 644 "$TAR"
	podman import -q "$TAR" "$IMG" >/dev/null
	as_vm_user podman import -q "$TAR" "$IMG" >/dev/null
	export TAR
}

teardown_file() {
	podman rmi -f "$IMG" >/dev/null 2>&1 || true
	as_vm_user podman rmi -f "$IMG" >/dev/null 2>&1 || true
	rm -f "${TAR:-}"
	vm_user_teardown
}

setup() {
	setup_common
	[ -n "${VM_USER:-}" ] || skip "not the cgroup v2 + systemd guest (tests/run-vm boots it)"
	NAME=arpod-$$-$BATS_SUITE_TEST_NUMBER
}

teardown() {
	pm rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
	upm rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
	teardown_common
}

# pm ARGS: podman as root with agentrun; upm ARGS: as the user
pm() {
	timeout -k 5 120 podman --runtime "$VM_AGENTRUN" "$@"
}

upm() {
	as_vm_user podman --runtime "$VM_AGENTRUN" "$@"
}

# the container's cgroup directories anywhere in the hierarchy (podman
# names them after the container's full id)
cgroups_of() {
	find /sys/fs/cgroup -type d -name "*$1*" 2>/dev/null
}

# the scope podman's systemd cgroup manager asks for (cgroupsPath
# machine.slice:libpod:ID as root, user.slice:libpod:ID as the user)
scope_of() {
	echo "libpod-$1.scope"
}

@test "podman root: run gives the exit code and output, pids and memory limits seen inside its own cgroup" {
	run pm run --name "$NAME" --network none --pids-limit 33 --memory 64m "$IMG" \
		sh -c 'cat /sys/fs/cgroup/pids.max /sys/fs/cgroup/memory.max; echo out-ok; exit 7'
	echo "$output"
	[ "$status" -eq 7 ]
	[ "${lines[0]}" = 33 ]
	[ "${lines[1]}" = 67108864 ]
	[ "${lines[2]}" = out-ok ]
	# agentrun ran it: the runtime podman recorded
	[ "$(pm inspect -f '{{.OCIRuntime}}' "$NAME")" = "$VM_AGENTRUN" ]
	pm rm "$NAME"
}

@test "podman root: run -d, exec (output, exit code), stop, rm; its scope in systemctl status while it runs, it and its cgroup gone after rm" {
	pm run -d --name "$NAME" --network none --pids-limit 44 "$IMG" sleep 1000
	id=$(pm inspect -f '{{.Id}}' "$NAME")
	[ "$(pm inspect -f '{{.State.Status}}' "$NAME")" = running ]
	pid=$(pm inspect -f '{{.State.Pid}}' "$NAME")
	# the init in the scope agentrun's systemd driver started, as systemd
	# sees it, with the limit as a unit property and in the scope's file
	run systemctl status --no-pager "$(scope_of "$id")"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Active: active"* ]]
	[[ "$output" == *"─$pid sleep 1000"* ]]
	[ "$(systemctl show -P TasksMax "$(scope_of "$id")")" = 44 ]
	cg=$(systemctl show -P ControlGroup "$(scope_of "$id")")
	[ "$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")" = "$cg" ]
	[ "$(cat "/sys/fs/cgroup$cg/pids.max")" = 44 ]
	run pm exec "$NAME" sh -c 'echo exec-ok; id -u; exit 3'
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = exec-ok ]
	[ "${lines[1]}" = 0 ]
	pm stop -t 1 "$NAME"
	[ "$(pm inspect -f '{{.State.Status}}' "$NAME")" = exited ]
	pm rm "$NAME"
	run pm inspect "$NAME"
	[ "$status" -ne 0 ]
	! systemctl is-active -q "$(scope_of "$id")"
	[ -z "$(cgroups_of "$id")" ]
}

@test "podman root: checkpoint and restore a counter, it keeps counting" {
	pm run -d --name "$NAME" --network none "$IMG" \
		sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/c.new; mv /tmp/c.new /tmp/c; sleep 0.2; done'
	local i c1 c2
	for i in $(seq 100); do
		c1=$(pm exec "$NAME" cat /tmp/c 2>/dev/null) && [ "${c1:-0}" -gt 2 ] && break
		sleep 0.2
	done
	[ "${c1:-0}" -gt 2 ]
	run pm container checkpoint "$NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(pm inspect -f '{{.State.Status}}' "$NAME")" = exited ]
	run pm container restore "$NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(pm inspect -f '{{.State.Status}}' "$NAME")" = running ]
	# the restored process goes on from where it was (not from 0)
	for i in $(seq 100); do
		c2=$(pm exec "$NAME" cat /tmp/c 2>/dev/null) && [ "${c2:-0}" -gt "$c1" ] && break
		sleep 0.2
	done
	echo "before $c1, after $c2" >&2
	[ "${c2:-0}" -gt "$c1" ]
	pm rm -f -t 0 "$NAME"
}

@test "podman rootless: run gives the exit code and output as root of a user namespace of the user" {
	run upm run --name "$NAME" --network none "$IMG" sh -c 'id -u; cat /proc/self/uid_map; exit 5'
	echo "$output"
	[ "$status" -eq 5 ]
	[ "${lines[0]}" = 0 ]
	read -r a b c <<<"${lines[1]}"
	[ "$a $b $c" = "0 $VM_UID 1" ]
	[ "$(upm inspect -f '{{.OCIRuntime}}' "$NAME")" = "$VM_AGENTRUN" ]
	upm rm "$NAME"
}

@test "podman rootless: --pids-limit and --memory seen inside its own cgroup, in the user's delegated subtree" {
	run upm run --name "$NAME" --network none --pids-limit 33 --memory 64m "$IMG" \
		sh -c 'cat /sys/fs/cgroup/pids.max /sys/fs/cgroup/memory.max; exit 6'
	echo "$output"
	[ "$status" -eq 6 ]
	[ "${lines[0]}" = 33 ]
	[ "${lines[1]}" = 67108864 ]
	upm rm "$NAME"
}

@test "podman rootless: run -d, exec (output, exit code), stop, rm; its scope in systemctl --user while it runs, gone after rm" {
	upm run -d --name "$NAME" --network none "$IMG" sleep 1000
	[ "$(upm inspect -f '{{.State.Status}}' "$NAME")" = running ]
	id=$(upm inspect -f '{{.Id}}' "$NAME")
	pid=$(upm inspect -f '{{.State.Pid}}' "$NAME")
	# the container's init runs as the user on the host
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" = "$VM_UID" ]
	# in the scope the user's own systemd started for it
	run as_vm_user systemctl --user status --no-pager "$(scope_of "$id")"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Active: active"* ]]
	cg=$(as_vm_user systemctl --user show -P ControlGroup "$(scope_of "$id")")
	[[ "$cg" == /user.slice/user-$VM_UID.slice/user@$VM_UID.service/* ]]
	[ "$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")" = "$cg" ]
	run upm exec "$NAME" sh -c 'echo exec-ok; exit 4'
	echo "$output"
	[ "$status" -eq 4 ]
	[ "${lines[0]}" = exec-ok ]
	upm stop -t 1 "$NAME"
	[ "$(upm inspect -f '{{.State.Status}}' "$NAME")" = exited ]
	upm rm "$NAME"
	run upm inspect "$NAME"
	[ "$status" -ne 0 ]
	! kill -0 "$pid" 2>/dev/null
	! as_vm_user systemctl --user is-active -q "$(scope_of "$id")"
	[ ! -e "/sys/fs/cgroup$cg" ]
}
