#!/usr/bin/env bats
# Rootless agentrun with a cgroup v2 subtree delegated by systemd, on the
# cgroup v2 + systemd guest (tests/run-vm): a plain user with a systemd
# user session (linger) runs agentrun in a unit of its user manager with
# Delegate=yes; the container's cgroup is made below that unit's (agentrun
# moves itself into a leaf first: "no internal processes"), its limits are
# seen and enforced inside, and delete leaves nothing. Only for that guest:
# tests/run-integration does not run this file.

load ../lib/bundle
load ../lib/vmuser

setup_file() { vm_user_setup; }
teardown_file() { vm_user_teardown; }

setup() {
	setup_common
	[ -n "${VM_USER:-}" ] || skip "not the cgroup v2 + systemd guest (tests/run-vm boots it)"
	B=$VM_HOME/b-$BATS_SUITE_TEST_NUMBER
	UNIT=ardeleg-$$-$BATS_SUITE_TEST_NUMBER
	CID=deleg$BATS_SUITE_TEST_NUMBER
	SROOT=$VM_XDG/agentrun-vmtest
	vm_user_bundle "$B"
	# limits, a cgroup namespace and cgroup2 at /sys/fs/cgroup: what the
	# container reads there is its own cgroup
	jq '.linux.resources = {"pids": {"limit": 20}, "memory": {"limit": 67108864}}
		| if ([.linux.namespaces[].type] | index("cgroup")) then . else .linux.namespaces += [{"type": "cgroup"}] end
		| .mounts += [{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
			"options": ["nosuid", "noexec", "nodev", "rw"]}]
		| .process.args = ["sleep", "1000"]' "$B/config.json" >"$B/config.json.new"
	mv "$B/config.json.new" "$B/config.json"
	chown "$VM_UID:$VM_GID" "$B/config.json"
}

teardown() {
	as_vm_user "$VM_AGENTRUN" --root "$SROOT" delete -f "$CID" >/dev/null 2>&1 || true
	as_vm_user systemctl --user stop "$UNIT.scope" "$UNIT.service" >/dev/null 2>&1 || true
	rm -rf "$B"
	teardown_common
}

uar() {
	as_vm_user "$VM_AGENTRUN" --root "$SROOT" "$@"
}

# uar_in_session ARGS: agentrun as the user from a scope of its user manager
# (as from its own session): exec moves its process into the container's
# cgroup, which cgroup v2 allows only from a cgroup below an ancestor
# whose cgroup.procs the user can write (bats runs in a system unit)
uar_in_session() {
	as_vm_user systemd-run --user --scope --quiet "$VM_AGENTRUN" --root "$SROOT" "$@"
}

# unit_gone UNIT: the user manager no longer has it (a scope stops once
# empty), bounded
unit_gone() {
	local i
	for i in $(seq 100); do
		as_vm_user systemctl --user is-active -q "$1" || return 0
		sleep 0.2
	done
	as_vm_user systemctl --user status "$1" >&2 || true
	return 1
}

# check_limits: the container's cgroup below DIR (/sys/fs/cgroup/...), its
# limits there and inside, pids.max enforced (a fork fails, pids.events
# counts it)
check_limits() {
	local unit_dir=$1 pid cgpath inside
	pid=$(uar state "$CID" | jq -r .pid)
	[ "$pid" -gt 0 ]
	cgpath=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
	echo "init in $cgpath; unit: $unit_dir" >&2
	[ "/sys/fs/cgroup$cgpath" = "$unit_dir/$CID" ]
	[ "$(cat "$unit_dir/$CID/pids.max")" = 20 ]
	[ "$(cat "$unit_dir/$CID/memory.max")" = 67108864 ]
	local rc=0
	inside=$(uar_in_session exec "$CID" sh -c 'cat /sys/fs/cgroup/pids.max /sys/fs/cgroup/memory.max
		(for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do
			sleep 60 </dev/null >/dev/null 2>&1 &
		done) 2>/dev/null
		grep "^max " /sys/fs/cgroup/pids.events; true' </dev/null 2>&1) || rc=$?
	echo "inside ($rc): $inside" >&2
	[ "$rc" -eq 0 ]
	[ "$(printf '%s\n' "$inside" | sed -n 1p)" = 20 ]
	[ "$(printf '%s\n' "$inside" | sed -n 2p)" = 67108864 ]
	[[ "$(printf '%s\n' "$inside" | sed -n 3p)" =~ ^max\ [1-9] ]]
}

@test "vm rootless: systemd-run --user --scope -p Delegate=yes: the container's cgroup is below the scope, pids.max and memory.max seen and enforced inside, scope and cgroups gone after delete" {
	# stdio to files: the container keeps what it inherits open
	rc=0
	as_vm_user systemd-run --user --scope -p Delegate=yes --unit="$UNIT" \
		"$VM_AGENTRUN" --root "$SROOT" run -d --bundle "$B" "$CID" </dev/null \
		>"$T/out" 2>"$T/err" || rc=$?
	cat "$T/out" "$T/err" >&2
	[ "$rc" -eq 0 ]
	# no warning: every limit was applied
	! grep -q warning "$T/err"
	local scope_dir
	scope_dir=/sys/fs/cgroup$(as_vm_user systemctl --user show -P ControlGroup "$UNIT.scope")
	as_vm_user systemctl --user is-active -q "$UNIT.scope"
	check_limits "$scope_dir"
	# agentrun left the scope's own cgroup for a leaf: none of it is there
	[ -z "$(cat "$scope_dir/cgroup.procs")" ]
	uar delete -f "$CID"
	[ ! -e "$scope_dir/$CID" ]
	# the leaf is gone with delete, the scope (empty) with it
	unit_gone "$UNIT.scope"
	[ ! -e "$scope_dir" ]
	[ -z "$(find /sys/fs/cgroup/user.slice -name "$CID" -o -name agentrun-runtime)" ]
}

@test "vm rootless: a Delegate=yes service of the user's manager (systemd-run --user) runs agentrun in the foreground: limits below the service's cgroup, gone when it ends" {
	as_vm_user systemd-run --user -p Delegate=yes --unit="$UNIT" \
		"$VM_AGENTRUN" --root "$SROOT" run --bundle "$B" "$CID"
	local svc_dir i
	svc_dir=/sys/fs/cgroup$(as_vm_user systemctl --user show -P ControlGroup "$UNIT.service")
	for i in $(seq 100); do
		[ "$(uar state "$CID" 2>/dev/null | jq -r .status)" = running ] && break
		sleep 0.2
	done
	check_limits "$svc_dir"
	# the container's end ends the service (agentrun run returns)
	uar kill "$CID" KILL
	unit_gone "$UNIT.service"
	run uar state "$CID"
	[ "$status" -ne 0 ]
	[ ! -e "$svc_dir" ]
	[ -z "$(find /sys/fs/cgroup/user.slice -name "$CID" -o -name agentrun-runtime)" ]
}
