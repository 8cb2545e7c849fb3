#!/usr/bin/env bats
# cgroups: limits seen from inside (OOM kill, pids, cpuset), pause/resume,
# `update` (flags and --resources), `ps`, `events` (stats and OOM events).
# Needs root and cgroup access; every test force-deletes its containers.

load ../lib/bundle

setup() {
	setup_common
	EVENTS_PID=
}

teardown() {
	local rc=0
	teardown_common || rc=$?
	# an `events` stream the test started ends once its container is gone
	# (and `runtime` bounds it with a timeout anyway)
	if [ -n "${EVENTS_PID:-}" ]; then
		wait "$EVENTS_PID" 2>/dev/null || true
	fi
	return $rc
}

# cg_mount CONTROLLER: the mount point of the v1 hierarchy with CONTROLLER,
# or of the unified hierarchy when CONTROLLER is empty.
cg_mount() {
	awk -v c="$1" '{
		for (i = 1; i <= NF && $i != "-"; i++) ;
		fs = $(i + 1); so = $(i + 3)
		if (c == "" && fs == "cgroup2") { print $5; exit }
		if (c != "" && fs == "cgroup") {
			n = split(so, a, ",")
			for (j = 1; j <= n; j++) if (a[j] == c) { print $5; exit }
		}
	}' /proc/self/mountinfo
}

# host_cg_file PID CONTROLLER V1FILE V2FILE: the path of the limit file in
# the cgroup of host process PID (v1 controller hierarchy, else unified).
host_cg_file() {
	local pid=$1 ctrl=$2 v1file=$3 v2file=$4 mnt path
	mnt=$(cg_mount "$ctrl")
	if [ -n "$mnt" ]; then
		path=$(awk -F: -v c="$ctrl" '{ n = split($2, a, ","); for (j = 1; j <= n; j++) if (a[j] == c) print $3 }' "/proc/$pid/cgroup")
		echo "$mnt$path/$v1file"
	else
		mnt=$(cg_mount "")
		path=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
		echo "$mnt$path/$v2file"
	fi
}

# wait_grep PATTERN FILE: poll (bounded, ~20s) until FILE has a matching line.
wait_grep() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -qE "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "no line matching '$1' in $2:" >&2
	cat "$2" >&2 2>/dev/null
	return 1
}

@test "cgroups: a memory limit OOM-kills, and events reports it" {
	add_shared
	# no swap beyond the limit, so the allocation cannot escape to swap
	cfg '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
	start_ctr 'while [ ! -e /shared/go ]; do sleep 0.1; done; dd if=/dev/zero of=/dev/null bs=96M count=1; echo "dd=$?" > /shared/dd; sleep 100'
	runtime events --interval 200ms "$ID" >"$T/events" 2>"$T/events.err" &
	EVENTS_PID=$!
	wait_grep '"type":"stats"' "$T/events"
	touch "$T/shared/go"
	wait_grep '"type":"oom"' "$T/events"
	# (the stream is still being written: look at complete lines only)
	grep '"type":"oom"' "$T/events" | head -n1 | jq -e --arg id "$ID" '. == {"type": "oom", "id": $id}'
	wait_file "$T/shared/dd"
	[ "$(cat "$T/shared/dd")" != "dd=0" ]
	runtime delete -f "$ID"
	# the stream ends by itself once the container is gone
	wait "$EVENTS_PID"
	EVENTS_PID=
}

@test "cgroups: a pids limit makes fork fail inside" {
	cfg '.linux.resources.pids = {"limit": 5}'
	run_ctr 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 30 & done; echo forked'
	echo "$output"
	[[ "$output" == *"can't fork"* ]] || [[ "$output" == *"Resource temporarily unavailable"* ]]
}

@test "cgroups: a cpuset limits the cpus the container may run on" {
	cfg '.linux.resources.cpu = {"cpus": "0"}'
	run_ctr 'grep Cpus_allowed_list /proc/self/status'
	[ "$status" -eq 0 ]
	[[ "$output" =~ Cpus_allowed_list:[[:space:]]+0$ ]]
}

@test "cgroups: pause stops a counter and resume continues it" {
	add_shared
	start_ctr 'i=0; while true; do i=$((i+1)); echo $i > /shared/count.tmp; mv /shared/count.tmp /shared/count; sleep 0.05; done'
	wait_file "$T/shared/count"
	runtime pause "$ID"
	[ "$(state_of "$ID")" = paused ]
	a=$(cat "$T/shared/count")
	sleep 1
	b=$(cat "$T/shared/count")
	[ "$a" = "$b" ]
	runtime resume "$ID"
	[ "$(state_of "$ID")" = running ]
	sleep 1
	c=$(cat "$T/shared/count")
	[ "$c" -gt "$b" ]
	runtime delete -f "$ID"
}

@test "update: --memory and --pids-limit change the limits of a running container" {
	cfg '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 100}'
	start_ctr 'sleep 100'
	mem=$(host_cg_file "$PID" memory memory.limit_in_bytes memory.max)
	pids=$(host_cg_file "$PID" pids pids.max pids.max)
	[ "$(cat "$mem")" = 67108864 ]
	[ "$(cat "$pids")" = 100 ]

	runtime update --memory 128m --pids-limit 42 "$ID"
	[ "$(cat "$mem")" = 134217728 ]
	[ "$(cat "$pids")" = 42 ]
	# also written into the config kept in the state dir
	run jq -c '.linux.resources.memory.limit, .linux.resources.pids.limit' "$STATE_ROOT/$ID/config.json"
	[ "${lines[0]}" = 134217728 ]
	[ "${lines[1]}" = 42 ]

	# a paused container can be updated too; -1 lifts the pids limit
	runtime pause "$ID"
	runtime update --pids-limit -1 --memory 1g "$ID"
	[ "$(cat "$pids")" = max ]
	[ "$(cat "$mem")" = 1073741824 ]
	runtime resume "$ID"

	# --kernel-memory is accepted and ignored with a warning, as runc does
	run --separate-stderr runtime update --kernel-memory 10m "$ID"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"Kernel memory settings are ignored"* ]]

	run runtime update --memory 12x "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid value for memory"* ]]
	runtime delete -f "$ID"
}

@test "update: -r applies a linux.resources JSON file (and - reads stdin)" {
	start_ctr 'sleep 100'
	mem=$(host_cg_file "$PID" memory memory.limit_in_bytes memory.max)
	pids=$(host_cg_file "$PID" pids pids.max pids.max)
	cat >"$T/res.json" <<-'EOF'
		{"memory": {"limit": 50331648}, "pids": {"limit": 33}}
	EOF
	runtime update -r "$T/res.json" "$ID"
	[ "$(cat "$mem")" = 50331648 ]
	[ "$(cat "$pids")" = 33 ]

	echo '{"pids": {"limit": 44}}' | runtime update --resources - "$ID"
	[ "$(cat "$pids")" = 44 ]
	# the saved config merges both updates
	run jq -c '.linux.resources | [.memory.limit, .pids.limit]' "$STATE_ROOT/$ID/config.json"
	[ "$output" = "[50331648,44]" ]

	echo '{"pids": {"limit": "many"}}' >"$T/bad.json"
	run runtime update -r "$T/bad.json" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *".pids.limit"* ]]
	[ "$(cat "$pids")" = 44 ]
	runtime delete -f "$ID"
}

@test "update, events: a stopped container is refused" {
	set_cmd 'exit 0'
	ID=$(new_id)
	run_d "$ID"
	wait_status "$ID" stopped
	run runtime update --memory 64m "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *stopped* ]]
	run runtime events --stats "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not running"* ]]
	run runtime update --memory 64m no-such-container
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
}

@test "ps: lists the container's processes" {
	start_ctr 'sleep 101 & sleep 102 & wait'
	local i n=0
	for ((i = 0; i < 100; i++)); do
		n=$(runtime ps --format json "$ID" | jq length)
		[ "$n" -ge 3 ] && break
		sleep 0.1
	done
	[ "$n" -eq 3 ]
	runtime ps --format json "$ID" | jq -e --argjson p "$PID" 'index($p) != null'
	run runtime ps "$ID"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *PID* ]]
	[[ "$output" == *"sleep 101"* ]]
	[[ "$output" == *"sleep 102"* ]]
	[ "${#lines[@]}" -eq 4 ]
	runtime delete -f "$ID"
}

@test "events --stats: one JSON object with cpu, memory and pids" {
	cfg '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 64}'
	start_ctr 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 100'
	sleep 0.5
	run --separate-stderr runtime events --stats "$ID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	echo "$output" | jq -e --arg id "$ID" '
		.type == "stats" and .id == $id
		and (.data.cpu.usage.total > 0)
		and (.data.cpu.usage | has("kernel") and has("user"))
		and (.data.memory.usage.limit == 67108864)
		and (.data.memory.usage.usage > 0)
		and (.data.memory.usage | has("failcnt"))
		and (.data.memory.raw | type == "object")
		and (.data.pids.current >= 1) and (.data.pids.limit == 64)
		and (.data.blkio | type == "object")'
	runtime delete -f "$ID"
}

@test "events: streams stats every interval and ends when the container stops" {
	add_shared
	start_ctr 'while [ ! -e /shared/stop ]; do sleep 0.1; done'
	runtime events --interval 100ms "$ID" >"$T/events" 2>"$T/events.err" &
	EVENTS_PID=$!
	wait_grep '"type":"stats"' "$T/events"
	sleep 0.5
	touch "$T/shared/stop"
	wait "$EVENTS_PID"
	EVENTS_PID=
	n=$(grep -c '"type":"stats"' "$T/events")
	[ "$n" -ge 3 ]
	jq -e -s 'all(.[]; .type == "stats" and (.data.pids | type == "object"))' "$T/events"

	run runtime events --interval 0s "$ID"
	[ "$status" -ne 0 ]
	run runtime events --interval 5parsecs "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"interval"* ]]
}

@test "cgroups: \"pids\": {} without a limit is accepted and leaves pids.max as it was" {
	cfg '.linux.resources.pids = {}'
	start_ctr 'sleep 100'
	pids=$(host_cg_file "$PID" pids pids.max pids.max)
	[ "$(cat "$pids")" = max ]
}
