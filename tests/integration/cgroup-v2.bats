#!/usr/bin/env bats
# The cgroup v2 driver on this host's unified hierarchy: AGENTRUN_CGROUP_MODE
# =unified makes agentrun use only the cgroup2 mount, as on a pure v2 host.
# The core files (cgroup.procs, cgroup.freeze, cgroup.events, cgroup.kill)
# are real here even where no controller is enabled, and so is the eBPF
# device filter. AGENTRUN_CGROUP_MODE=legacy/disabled and bad values too.

load ../lib/bundle

setup() {
	setup_common
	UNIFIED=$(awk '{ for (i = 1; i <= NF && $i != "-"; i++) ; if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo)
	[ -n "$UNIFIED" ] || skip "no cgroup2 hierarchy is mounted"
	export AGENTRUN_CGROUP_MODE=unified
	# an absolute path: the same directory whatever cgroup bats runs in
	CG=/agentrun-test-$$-$BATS_SUITE_TEST_NUMBER
	cfg '.linux.cgroupsPath = $p' --arg p "$CG"
}

teardown() {
	teardown_common
	[ -z "${RESTORE_SUBTREE:-}" ] || echo "$RESTORE_SUBTREE" >"$UNIFIED/cgroup.subtree_control" || true
	local d=$UNIFIED$CG
	[ -z "${UNIFIED:-}" ] || [ ! -d "$d" ] || rmdir "$d" 2>/dev/null || true
}

# add_fuse: the host's /dev/fuse (c 10:229, opening it needs no capability)
# bind-mounted into the container: a device outside the default list that
# (unlike a linux.devices entry) gets no implicit allow rule.
add_fuse() {
	[ -c /dev/fuse ] || skip "no /dev/fuse on this host"
	cfg '.mounts += [{"destination": "/dev/fuse", "type": "bind", "source": "/dev/fuse", "options": ["bind"]}]'
}

# wait_procs N: until the container's unified cgroup has N processes.
wait_procs() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(wc -l <"$UNIFIED$CG/cgroup.procs")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "cgroup v2: the container's processes are in its unified cgroup, and only there" {
	start_ctr 'sleep 100'
	[ -d "$UNIFIED$CG" ]
	grep -qx "$PID" "$UNIFIED$CG/cgroup.procs"
	grep -qx "0::$CG" "/proc/$PID/cgroup"
	# no v1 hierarchy got a directory for it (on a pure v2 host there is none)
	run awk '{ for (i = 1; i <= NF && $i != "-"; i++) ; if ($(i + 1) == "cgroup") print $5 }' /proc/self/mountinfo
	for m in "${lines[@]}"; do
		[ ! -d "$m$CG" ]
	done
	# exec joins the same cgroup
	runtime exec "$ID" sh -c 'cat /proc/self/cgroup' >"$T/exec.out"
	grep -qx "0::$CG" "$T/exec.out"
	runtime delete -f "$ID"
	[ ! -d "$UNIFIED$CG" ]
}

@test "cgroup v2: pause writes cgroup.freeze, stops a counter; resume continues it" {
	add_shared
	start_ctr 'i=0; while true; do i=$((i+1)); echo $i > /shared/c.tmp; mv /shared/c.tmp /shared/c; sleep 0.05; done'
	wait_file "$T/shared/c"
	runtime pause "$ID"
	[ "$(state_of "$ID")" = paused ]
	[ "$(cat "$UNIFIED$CG/cgroup.freeze")" = 1 ]
	grep -qx "frozen 1" "$UNIFIED$CG/cgroup.events"
	a=$(cat "$T/shared/c")
	sleep 1
	[ "$(cat "$T/shared/c")" = "$a" ]
	runtime resume "$ID"
	[ "$(state_of "$ID")" = running ]
	[ "$(cat "$UNIFIED$CG/cgroup.freeze")" = 0 ]
	sleep 1
	[ "$(cat "$T/shared/c")" -gt "$a" ]
}

@test "cgroup v2: kill and delete work on a paused container" {
	start_ctr 'sleep 100'
	runtime pause "$ID"
	runtime kill "$ID" KILL
	wait_gone "$PID"
	runtime delete "$ID"
	[ ! -d "$UNIFIED$CG" ]
	assert_no_leftovers
}

@test "cgroup v2: kill --all reaches every process (cgroup.kill), ps lists them" {
	start_ctr 'sleep 100 & sleep 101 & wait'
	wait_procs 3
	run runtime ps --format json "$ID"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq length)" -eq 3 ]
	mapfile -t procs <"$UNIFIED$CG/cgroup.procs"
	runtime kill --all "$ID" KILL
	for p in "${procs[@]}"; do wait_gone "$p"; done
	[ ! -s "$UNIFIED$CG/cgroup.procs" ]
	runtime delete "$ID"
	[ ! -d "$UNIFIED$CG" ]
}

@test "cgroup v2: kill --all TERM reaches every process and leaves the cgroup thawed" {
	# (sh as the pid namespace's init has no TERM handler: the kernel keeps
	# TERM from it, so it lives on)
	start_ctr 'sleep 100 & sleep 101 & wait; sleep 100'
	wait_procs 3
	mapfile -t procs <"$UNIFIED$CG/cgroup.procs"
	runtime kill --all "$ID" TERM
	# the sleeps die; the init lives on, thawed
	for p in "${procs[@]}"; do [ "$p" = "$PID" ] || wait_gone "$p"; done
	pid_alive "$PID"
	[ "$(cat "$UNIFIED$CG/cgroup.freeze")" = 0 ]
	[ "$(state_of "$ID")" = running ]
}

@test "cgroup v2: events --stats reads cpu.stat from the unified cgroup" {
	start_ctr 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 100'
	sleep 0.5
	run runtime events --stats "$ID"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.type == "stats" and .data.cpu.usage.total > 0'
}

@test "cgroup v2: the eBPF device filter denies a device outside the rules" {
	add_fuse
	run_ctr '(: < /dev/fuse) && echo opened; (: < /dev/null) && echo null-ok'
	[ "$status" -eq 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" != *opened* ]]
	[[ "$output" == *null-ok* ]]
}

@test "cgroup v2: the eBPF device filter allows a configured device and access" {
	add_fuse
	cfg '.linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "r"}]'
	run_ctr '(: < /dev/fuse) && echo read-ok; (: > /dev/fuse) && echo write-ok'
	[[ "$output" == *read-ok* ]]
	[[ "$output" != *write-ok* ]]
	# as on v1: a later deny of the same device takes the access away
	cfg '.linux.resources.devices += [{"allow": false, "type": "c", "major": 10, "minor": 229, "access": "rwm"}]'
	run_ctr '(: < /dev/fuse) && echo read-ok'
	[[ "$output" != *read-ok* ]]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "cgroup v2: a linux.devices node is allowed implicitly, as with runc" {
	[ -c /dev/net/tun ] || skip "no /dev/net/tun on this host"
	cfg '.linux.devices += [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438}]'
	# the filter is in force: a bind-mounted device without a rule is not
	cfg '.mounts += [{"destination": "/dev/tun-bind", "type": "bind", "source": "/dev/net/tun", "options": ["bind"]}]'
	run_ctr '(: < /dev/fuse) && echo read-ok; (: < /dev/tun-bind) && echo tun-ok'
	[[ "$output" == *read-ok* ]]
	[[ "$output" != *tun-ok* ]]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "cgroup v2: a controller the unified hierarchy lacks is a clear create error" {
	grep -qw pids "$UNIFIED/cgroup.controllers" && skip "pids is enabled in the unified hierarchy here"
	cfg '.linux.resources.pids = {"limit": 10}'
	ID=$(new_id)
	run runtime run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.resources.pids.limit"* ]]
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	assert_no_leftovers
	[ ! -d "$UNIFIED$CG" ]
}

@test "AGENTRUN_CGROUP_MODE=legacy: no directory in the unified hierarchy" {
	[ -d /sys/fs/cgroup/pids ] || skip "no v1 pids hierarchy (a pure cgroup v2 host)"
	export AGENTRUN_CGROUP_MODE=legacy
	start_ctr 'sleep 100'
	[ ! -d "$UNIFIED$CG" ]
	[ -d "/sys/fs/cgroup/pids$CG" ]
	runtime delete -f "$ID"
	[ ! -d "/sys/fs/cgroup/pids$CG" ]
}

@test "--cgroup-manager disabled and AGENTRUN_CGROUP_MODE=disabled: no cgroup, no warning" {
	unset AGENTRUN_CGROUP_MODE
	set_cmd 'cat /proc/self/cgroup'
	ID=$(new_id)
	run runtime --cgroup-manager disabled run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" != *warn* ]]
	# in no cgroup of its own (the runtime's, inherited)
	[[ "$output" == *"0::"* ]]
	[[ "$output" != *"$CG"* ]]
	export AGENTRUN_CGROUP_MODE=disabled
	start_ctr 'sleep 100'
	run find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d -name "${CG#/}"
	[ -z "$output" ]
	[ -z "$(cat "$T/$ID.err")" ]
	runtime delete -f "$ID"
}

@test "AGENTRUN_CGROUP_MODE with a bad value: one-line error, nothing made" {
	export AGENTRUN_CGROUP_MODE=v3
	ID=$(new_id)
	run runtime run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "AGENTRUN_CGROUP_MODE=v3: must be auto, unified, legacy or disabled" ]
	assert_no_leftovers
}

# Needs a controller in the unified hierarchy: hugetlb is there on a fresh
# machine of this kind (until something binds it to v1, as the conformance
# runner does for crun).
@test "cgroup v2: a limit in an enabled controller (hugetlb) is written, enabling it on the way" {
	grep -qw hugetlb "$UNIFIED/cgroup.controllers" ||
		skip "hugetlb is not in the unified hierarchy here (bound to v1)"
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages"
	# the test enables hugetlb in the root's subtree_control: undo that after
	grep -qw hugetlb "$UNIFIED/cgroup.subtree_control" || RESTORE_SUBTREE=-hugetlb
	cfg '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	start_ctr 'sleep 100'
	[ "$(cat "$UNIFIED$CG/hugetlb.2MB.max")" = 4194304 ]
	grep -qw hugetlb "$UNIFIED$(dirname "$CG")/cgroup.subtree_control"
	runtime delete -f "$ID"
	[ ! -d "$UNIFIED$CG" ]
}
