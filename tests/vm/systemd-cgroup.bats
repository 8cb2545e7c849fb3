#!/usr/bin/env bats
# The systemd cgroup driver (--systemd-cgroup, cgroups/systemd.c) on a pure
# cgroup v2 host with systemd as PID 1 (the guest of scripts/vm.sh; run by
# tests/run-vm): the container's scope as systemctl sees it, its properties
# and files, the limits enforced inside, update, pause/resume, exec, kill,
# delete; and rootless, through a plain user's own systemd instance.
# Only for a pure v2 host with systemd: tests/run-integration does not run
# this file.

load ../lib/bundle
load ../lib/rootless

sd_host() {
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && [ "$(cat /proc/1/comm)" = systemd ]
}

# The rootless tests' user, with its own systemd instance (user@UID.service,
# started by lingering) and session bus.
setup_file() {
	sd_host || return 0
	rl_user_create
	loginctl enable-linger "$RL_USER"
	local i
	for ((i = 0; i < 300; i++)); do
		[ -S "/run/user/$RL_UID/bus" ] && break
		sleep 0.2
	done
	[ -S "/run/user/$RL_UID/bus" ] || {
		echo "no session bus for $RL_USER: $(systemctl status "user@$RL_UID.service" --no-pager 2>&1)" >&2
		return 1
	}
}

teardown_file() {
	[ -n "${RL_USER:-}" ] || return 0
	loginctl disable-linger "$RL_USER" || true
	systemctl stop "user@$RL_UID.service" || true
	rl_user_remove
}

setup() {
	setup_common
	sd_host || skip "not a pure cgroup v2 host with systemd (tests/run-vm boots one)"
	SLICES=()
}

teardown() {
	local rc=0 s
	[ -z "${RL_XDG:-}" ] || rl_teardown
	teardown_common || rc=$?
	for s in "${SLICES[@]}"; do
		systemctl stop "$s" 2>/dev/null || true
	done
	return $rc
}

# sdar ARGS...: agentrun --systemd-cgroup as the user, on its session bus
# (its state under /run/user/UID, as a user session has it).
sdar() {
	as_user DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$RL_UID/bus" \
		"$RL_AGENTRUN" --systemd-cgroup "$@"
}

sd() {
	runtime --systemd-cgroup "$@"
}

# sd_create ID: create with the systemd driver, stdio to files.
sd_create() {
	local id=$1
	sd create --bundle "$BUNDLE" "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err" || {
		local rc=$?
		echo "create $id failed ($rc): $(cat "$T/$id.err")" >&2
		return $rc
	}
}

# prop UNIT NAME: the property's value as systemctl shows it.
prop() {
	systemctl show -P "$2" "$1"
}

@test "systemd: create puts init in a scope of system.slice with the limits as properties and files" {
	ID=$(new_id)
	unit=agentrun-$ID.scope
	set_args sleep 1000
	cfg '.linux.cgroupsPath = $p
		| .linux.resources = {"memory": {"limit": 67108864, "reservation": 8388608},
			"pids": {"limit": 40}, "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0"},
			"blockIO": {"weight": 300}}
		| .annotations = {"org.systemd.property.TimeoutStopSec": "7",
			"org.systemd.property.CollectMode": $cm, "org.systemd.property.KillSignal": "15",
			"org.systemd.property.After": $after}' --arg p "system.slice:agentrun:$ID" \
		--arg cm "'inactive-or-failed'" --arg after "['basic.target']"
	sd_create "$ID"
	systemctl status "$unit" --no-pager
	[ "$(prop "$unit" ActiveState)" = active ]
	[ "$(prop "$unit" Slice)" = system.slice ]
	[ "$(prop "$unit" Delegate)" = yes ]
	[ "$(prop "$unit" MemoryMax)" = 67108864 ]
	[ "$(prop "$unit" MemoryLow)" = 8388608 ]
	[ "$(prop "$unit" TasksMax)" = 40 ]
	[ "$(prop "$unit" CPUQuotaPerSecUSec)" = 500ms ]
	[ "$(prop "$unit" AllowedCPUs)" = 0 ]
	# shares 512 -> weight 1 + (510 * 9999) / 262142 = 20 (runc's conversion)
	[ "$(prop "$unit" CPUWeight)" = 20 ]
	[ "$(prop "$unit" TimeoutStopUSec)" = 7s ]
	[ "$(prop "$unit" CollectMode)" = inactive-or-failed ]
	# podman's and CRI-O's: an int32 and an array of strings
	[ "$(prop "$unit" KillSignal)" = 15 ]
	[[ " $(prop "$unit" After) " == *" basic.target "* ]]
	pid=$(pid_of "$ID")
	[ "$(cat "/proc/$pid/cgroup")" = "0::/system.slice/$unit" ]
	dir=/sys/fs/cgroup/system.slice/$unit
	[ "$(cat "$dir/memory.max")" = 67108864 ]
	[ "$(cat "$dir/pids.max")" = 40 ]
	[ "$(cat "$dir/cpu.max")" = "50000 100000" ]
	[ "$(cat "$dir/cpuset.cpus")" = 0 ]
	# the state remembers the unit: delete stops it
	sd kill "$ID" KILL
	wait_status "$ID" stopped
	runtime delete "$ID"
	run systemctl status "$unit" --no-pager
	[ "$status" -eq 4 ]
	[[ "$output" == *"could not be found"* ]]
	[ ! -e "$dir" ]
	assert_no_leftovers
}

@test "systemd: memory.max OOM-kills inside the scope, pids.max stops forks" {
	cfg '.linux.cgroupsPath = "" | .linux.resources = {"memory": {"limit": 33554432, "swap": 33554432}, "pids": {"limit": 8}}'
	set_cmd 'cat /proc/self/cgroup; dd if=/dev/zero of=/dev/null bs=96M count=1; echo dd=$?
		(for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 2 & done) 2>/tmp/forks
		while read -r l; do case $l in *fork*) echo "refused: $l" ;; esac; done </tmp/forks'
	ID=$(new_id)
	run sd run --bundle "$BUNDLE" "$ID" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	# the empty cgroupsPath: runc's default, ":agentrun:ID" in system.slice
	[[ "$output" == *"0::/system.slice/agentrun-$ID.scope"* ]]
	[[ "$output" == *dd=137* ]]
	# 12 sleeps in a cgroup of 8 pids (sh among them)
	[[ "$output" == *"refused: "*fork* ]]
	run systemctl is-active "agentrun-$ID.scope"
	[ "$status" -ne 0 ]
	assert_no_leftovers
}

@test "systemd: update sets the unit's properties and the files; pause and resume; exec joins the scope" {
	ID=$(new_id)
	unit=agentrun-$ID.scope
	dir=/sys/fs/cgroup/system.slice/$unit
	set_args sleep 1000
	cfg '.linux.cgroupsPath = $p | .linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 40}}' --arg p "system.slice:agentrun:$ID"
	sd_create "$ID"
	sd start "$ID"
	runtime update --memory 100663296 --pids-limit 55 "$ID"
	[ "$(prop "$unit" MemoryMax)" = 100663296 ]
	[ "$(prop "$unit" TasksMax)" = 55 ]
	[ "$(cat "$dir/memory.max")" = 100663296 ]
	[ "$(cat "$dir/pids.max")" = 55 ]
	runtime update --cpu-quota 20000 --cpu-period 100000 "$ID"
	[ "$(prop "$unit" CPUQuotaPerSecUSec)" = 200ms ]
	[ "$(cat "$dir/cpu.max")" = "20000 100000" ]
	runtime pause "$ID"
	[ "$(state_of "$ID")" = paused ]
	[ "$(cat "$dir/cgroup.freeze")" = 1 ]
	runtime resume "$ID"
	[ "$(state_of "$ID")" = running ]
	[ "$(cat "$dir/cgroup.freeze")" = 0 ]
	run runtime exec "$ID" cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	[ "$output" = "0::/system.slice/$unit" ]
	runtime delete -f "$ID"
	run systemctl is-active "$unit"
	[ "$status" -ne 0 ]
	[ ! -e "$dir" ]
	assert_no_leftovers
}

@test "systemd: a dashed slice nests (a-b.slice under a.slice); a name ending in .slice makes a slice" {
	ID=$(new_id)
	SLICES+=(artest-sub.slice artest.slice)
	set_args sleep 1000
	cfg '.linux.cgroupsPath = $p' --arg p "artest-sub.slice:agentrun:$ID"
	sd_create "$ID"
	pid=$(pid_of "$ID")
	[ "$(cat "/proc/$pid/cgroup")" = "0::/artest.slice/artest-sub.slice/agentrun-$ID.scope" ]
	[ "$(prop "agentrun-$ID.scope" Slice)" = artest-sub.slice ]
	runtime delete -f "$ID"
	[ ! -e "/sys/fs/cgroup/artest.slice/artest-sub.slice/agentrun-$ID.scope" ]
	ID2=$(new_id)
	SLICES+=("artest2.slice")
	cfg '.linux.cgroupsPath = "system.slice::artest2.slice"'
	sd_create "$ID2"
	pid=$(pid_of "$ID2")
	[ "$(cat "/proc/$pid/cgroup")" = "0::/artest2.slice" ]
	[ "$(prop artest2.slice ActiveState)" = active ]
	runtime delete -f "$ID2"
	run systemctl is-active artest2.slice
	[ "$status" -ne 0 ]
	assert_no_leftovers
}

@test "systemd: an invalid cgroupsPath or annotation fails in one line, leaving nothing" {
	ID=$(new_id)
	for p in "a/b" "system.slice:agentrun" "bad:agentrun:$ID" "a--b.slice:x:$ID"; do
		cfg '.linux.cgroupsPath = $p' --arg p "$p"
		run sd run --bundle "$BUNDLE" "$ID" </dev/null
		echo "$p: $output"
		[ "$status" -eq 1 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == *linux.cgroupsPath* ]]
	done
	cfg '.linux.cgroupsPath = "" | .annotations = {"org.systemd.property.CPUWeight": "[1, 2]"}'
	run sd run --bundle "$BUNDLE" "$ID" </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *org.systemd.property.CPUWeight* ]]
	run systemctl status "agentrun-$ID.scope" --no-pager
	[ "$status" -eq 4 ]
	assert_no_leftovers
}

@test "systemd rootless: the user's systemd holds the scope under user@UID.service, limits hold, delete removes it" {
	rl_setup
	RL_XDG=/run/user/$RL_UID
	B=$T/rlb
	rl_bundle "$B"
	ID=$(new_id)
	rl_track "$ID"
	CONFIG=$B/config.json cfg '.linux.resources = {"pids": {"limit": 8}, "memory": {"limit": 33554432}}
		| .process.args = ["sh", "-c", $s]' --arg s '(for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 2 & done) 2>/tmp/forks
		while read -r l; do case $l in *fork*) echo "refused: $l" ;; esac; done </tmp/forks
		dd if=/dev/zero of=/dev/null bs=96M count=1; echo dd=$?'
	run sdar run --bundle "$B" "$ID" </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"refused: "*fork* ]]
	[[ "$output" == *dd=137* ]]
	# detached: the scope is the user manager's, in its user.slice
	CONFIG=$B/config.json cfg '.process.args = ["sleep", "1000"]'
	sdar create --bundle "$B" "$ID" </dev/null >"$T/c.out" 2>"$T/c.err" || {
		cat "$T/c.err" >&2
		false
	}
	pid=$(sdar state "$ID" | jq -r .pid)
	cg=$(cat "/proc/$pid/cgroup")
	echo "$cg"
	[ "$cg" = "0::/user.slice/user-$RL_UID.slice/user@$RL_UID.service/user.slice/agentrun-$ID.scope" ]
	dir=/sys/fs/cgroup${cg#0::}
	[ "$(cat "$dir/pids.max")" = 8 ]
	[ "$(stat -c %u "$dir")" = "$RL_UID" ]
	as_user DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$RL_UID/bus" systemctl --user show -P TasksMax "agentrun-$ID.scope" >"$T/tasks"
	[ "$(cat "$T/tasks")" = 8 ]
	sdar delete -f "$ID"
	[ ! -e "$dir" ]
	run as_user DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$RL_UID/bus" systemctl --user is-active "agentrun-$ID.scope"
	[ "$status" -ne 0 ]
	run sdar state "$ID"
	[ "$status" -ne 0 ]
}

# CRIU >= 4.2 on PATH or in /usr/local/sbin (scripts/criu.sh).
criu_ok() {
	local bin v
	bin=$(PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v criu) || return 1
	v=$("$bin" --version 2>/dev/null | sed -n 's/^Version: *\([0-9][0-9.]*\).*/\1/p')
	[ -n "$v" ] && [ "$(printf '4.2\n%s\n' "$v" | sort -V | head -n1)" = 4.2 ]
}

@test "systemd: checkpoint, then restore into a new scope with the limits" {
	criu_ok || skip "criu >= 4.2 not installed in this guest"
	ID=$(new_id)
	unit=agentrun-$ID.scope
	IMG=$T/img
	set_cmd 'i=0; while true; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
	cfg '.linux.cgroupsPath = $p | .linux.resources = {"pids": {"limit": 30}}' --arg p "system.slice:agentrun:$ID"
	sd run -d --bundle "$BUNDLE" "$ID" </dev/null >"$T/r.out" 2>"$T/r.err"
	[ "$(prop "$unit" ActiveState)" = active ]
	runtime checkpoint --image-path "$IMG" "$ID"
	run systemctl is-active "$unit"
	[ "$status" -ne 0 ]
	sd restore -d --image-path "$IMG" --bundle "$BUNDLE" "$ID" </dev/null >"$T/rs.out" 2>"$T/rs.err" || {
		cat "$T/rs.err" >&2
		false
	}
	[ "$(state_of "$ID")" = running ]
	[ "$(prop "$unit" ActiveState)" = active ]
	[ "$(prop "$unit" TasksMax)" = 30 ]
	pid=$(pid_of "$ID")
	[ "$(cat "/proc/$pid/cgroup")" = "0::/system.slice/$unit" ]
	a=$(runtime exec "$ID" cat /tmp/count)
	sleep 0.5
	b=$(runtime exec "$ID" cat /tmp/count)
	[ "$b" -gt "$a" ]
	runtime delete -f "$ID"
	run systemctl is-active "$unit"
	[ "$status" -ne 0 ]
	assert_no_leftovers
}
