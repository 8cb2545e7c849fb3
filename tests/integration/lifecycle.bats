#!/usr/bin/env bats
# Lifecycle: create/start/state/kill/delete/run/list, pid files, concurrency.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

# A container that writes /shared/ready, then waits for /shared/go.
wait_for_go_cmd='echo $$ > /shared/ready; while [ ! -e /shared/go ]; do sleep 0.1; done; echo done > /shared/done'

@test "lifecycle: create -> created -> start -> running -> exits -> stopped -> delete" {
	add_shared
	set_cmd "$wait_for_go_cmd"
	id=$(new_id)
	create_ctr "$id"
	[ "$(state_of "$id")" = created ]
	pid=$(pid_of "$id")
	[ "$pid" -gt 0 ]
	pid_alive "$pid"
	# The user process must not run before start.
	[ ! -e "$T/shared/ready" ]

	runtime start "$id"
	wait_file "$T/shared/ready"
	[ "$(state_of "$id")" = running ]
	[ "$(pid_of "$id")" = "$pid" ]

	touch "$T/shared/go"
	wait_status "$id" stopped
	[ "$(cat "$T/shared/done")" = done ]
	wait_gone "$pid"

	runtime delete "$id"
	run runtime state "$id"
	[ "$status" -ne 0 ]
	assert_no_leftovers "$id"
}

@test "lifecycle: the create/start/run/delete commands print nothing on stdout" {
	set_cmd 'exit 0'
	id=$(new_id)
	create_ctr "$id"
	[ ! -s "$T/$id.out" ]
	run runtime start "$id"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	wait_status "$id" stopped
	run runtime delete "$id"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "run: foreground run passes the exit code through" {
	run_ctr 'exit 3'
	[ "$status" -eq 3 ]
	run_ctr 'exit 0'
	[ "$status" -eq 0 ]
	run_ctr 'exit 255'
	[ "$status" -eq 255 ]
}

@test "run: container output reaches the caller's stdout" {
	run_ctr 'echo hello-from-container'
	[ "$status" -eq 0 ]
	[ "$output" = hello-from-container ]
}

@test "run: foreground container killed by itself with SIGKILL gives 137" {
	# Without a pid namespace, so that the shell is not a namespace init
	# (which cannot be sent SIGKILL from inside).
	cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
	run_ctr 'kill -9 $$'
	[ "$status" -eq 137 ]
}

@test "run: foreground container killed with 'kill ID KILL' gives 137" {
	add_shared
	set_cmd "$wait_for_go_cmd"
	id=$(new_id)
	runtime run --bundle "$BUNDLE" "$id" </dev/null >"$T/run.out" 2>&1 &
	rpid=$!
	wait_file "$T/shared/ready"
	wait_status "$id" running
	runtime kill "$id" KILL
	rc=0
	wait "$rpid" || rc=$?
	[ "$rc" -eq 137 ]
}

@test "run: foreground container ended by SIGTERM (trapped) exits with the trap's code" {
	add_shared
	set_cmd 'trap "exit 42" TERM; echo $$ > /shared/ready; while :; do sleep 0.1; done'
	id=$(new_id)
	runtime run --bundle "$BUNDLE" "$id" </dev/null >"$T/run.out" 2>&1 &
	rpid=$!
	wait_file "$T/shared/ready"
	runtime kill "$id" TERM
	rc=0
	wait "$rpid" || rc=$?
	[ "$rc" -eq 42 ]
}

@test "run -d: returns at once, the container keeps running" {
	add_shared
	set_cmd "$wait_for_go_cmd"
	id=$(new_id)
	run_d "$id"
	wait_file "$T/shared/ready"
	[ "$(state_of "$id")" = running ]
	pid=$(pid_of "$id")
	pid_alive "$pid"
	touch "$T/shared/go"
	wait_status "$id" stopped
	runtime delete "$id"
	assert_no_leftovers "$id"
}

@test "run: deletes the container after the foreground process exits" {
	run_ctr 'true'
	[ "$status" -eq 0 ]
	run runtime state "$ID"
	[ "$status" -ne 0 ]
	assert_no_leftovers "$ID"
}

# Start a container that logs the signals it gets to /shared/sig.
start_signal_logger() {
	add_shared
	set_cmd 'trap "echo USR1 >> /shared/sig" USR1; trap "echo HUP >> /shared/sig" HUP; trap "echo TERM >> /shared/sig; exit 0" TERM; echo $$ > /shared/ready; while :; do sleep 0.1; done'
	id=$(new_id)
	run_d "$id"
	wait_file "$T/shared/ready"
}

# wait_lines FILE N: FILE has at least N lines (bounded wait).
wait_lines() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ -e "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "$1: fewer than $2 lines" >&2
	return 1
}

@test "kill: signal by name, with and without SIG prefix, and by number" {
	start_signal_logger
	runtime kill "$id" USR1
	wait_lines "$T/shared/sig" 1
	runtime kill "$id" SIGUSR1
	wait_lines "$T/shared/sig" 2
	runtime kill "$id" 10
	wait_lines "$T/shared/sig" 3
	runtime kill "$id" SIGHUP
	wait_lines "$T/shared/sig" 4
	runtime kill "$id" 1
	wait_lines "$T/shared/sig" 5
	[ "$(cat "$T/shared/sig")" = "$(printf 'USR1\nUSR1\nUSR1\nHUP\nHUP')" ]
	[ "$(state_of "$id")" = running ]
	runtime kill "$id" 15
	wait_status "$id" stopped
	[ "$(tail -n1 "$T/shared/sig")" = TERM ]
}

@test "kill: the default signal is SIGTERM" {
	start_signal_logger
	runtime kill "$id"
	wait_status "$id" stopped
	[ "$(cat "$T/shared/sig")" = TERM ]
}

@test "kill: SIGKILL stops a container that ignores SIGTERM" {
	add_shared
	set_cmd 'trap "" TERM; echo $$ > /shared/ready; while :; do sleep 0.1; done'
	id=$(new_id)
	run_d "$id"
	wait_file "$T/shared/ready"
	pid=$(pid_of "$id")
	runtime kill "$id" KILL
	wait_status "$id" stopped
	wait_gone "$pid"
}

@test "kill --all: signals every process of the container" {
	# No pid namespace: killing the init alone would leave its child.
	cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
	add_shared
	set_cmd 'sleep 1000 & echo $! > /shared/child; echo $$ > /shared/ready; wait'
	id=$(new_id)
	run_d "$id"
	wait_file "$T/shared/ready"
	wait_file "$T/shared/child"
	init=$(cat "$T/shared/ready")
	child=$(cat "$T/shared/child")
	track_pid "$init"
	track_pid "$child"
	[ "$init" = "$(pid_of "$id")" ]
	pid_alive "$child"
	runtime kill --all "$id" KILL
	wait_gone "$init"
	wait_gone "$child"
	wait_status "$id" stopped
}

@test "kill: refused on a stopped container" {
	set_cmd 'exit 0'
	id=$(new_id)
	run_d "$id"
	wait_status "$id" stopped
	run --separate-stderr runtime kill "$id" KILL
	[ "$status" -ne 0 ]
	[ -n "$stderr" ]
	[ "$(state_of "$id")" = stopped ]
}

@test "start: refused on a running container and on a stopped one" {
	add_shared
	set_cmd "$wait_for_go_cmd"
	id=$(new_id)
	create_ctr "$id"
	runtime start "$id"
	wait_file "$T/shared/ready"
	run --separate-stderr runtime start "$id"
	[ "$status" -ne 0 ]
	[ -n "$stderr" ]
	[ "$(state_of "$id")" = running ]
	touch "$T/shared/go"
	wait_status "$id" stopped
	run --separate-stderr runtime start "$id"
	[ "$status" -ne 0 ]
	[ "$(state_of "$id")" = stopped ]
}

@test "delete: refused while running, the container is unaffected; -f kills and removes it" {
	add_shared
	set_cmd "$wait_for_go_cmd"
	id=$(new_id)
	run_d "$id"
	wait_file "$T/shared/ready"
	pid=$(pid_of "$id")
	run --separate-stderr runtime delete "$id"
	[ "$status" -ne 0 ]
	[ -n "$stderr" ]
	[ "$(state_of "$id")" = running ]
	pid_alive "$pid"

	run runtime delete -f "$id"
	[ "$status" -eq 0 ]
	wait_gone "$pid"
	run runtime state "$id"
	[ "$status" -ne 0 ]
	assert_no_leftovers "$id"
}

@test "delete: a created (never started) container can be force-deleted" {
	id=$(new_id)
	create_ctr "$id"
	pid=$(pid_of "$id")
	runtime delete -f "$id"
	wait_gone "$pid"
	assert_no_leftovers "$id"
}

@test "delete -f: on a stopped container works like delete" {
	set_cmd 'exit 0'
	id=$(new_id)
	run_d "$id"
	wait_status "$id" stopped
	runtime delete -f "$id"
	assert_no_leftovers "$id"
}

@test "state: JSON fields for created, running and stopped" {
	add_shared
	set_cmd "$wait_for_go_cmd"
	id=$(new_id)
	create_ctr "$id"
	runtime state "$id" >"$T/created.json"
	validate_json state-schema.json "$T/created.json"
	[ "$(jq -r .id "$T/created.json")" = "$id" ]
	[ "$(jq -r .status "$T/created.json")" = created ]
	[ "$(jq -r .bundle "$T/created.json")" = "$(realpath "$BUNDLE")" ]
	[ -n "$(jq -r '.ociVersion | strings' "$T/created.json")" ]
	pid=$(jq -r .pid "$T/created.json")
	[ "$pid" -gt 0 ]
	# The pid is the container's process: its root is our rootfs.
	[ "$(cat "/proc/$pid/root/$MARKER")" = "$T" ]

	runtime start "$id"
	wait_file "$T/shared/ready"
	runtime state "$id" >"$T/running.json"
	validate_json state-schema.json "$T/running.json"
	[ "$(jq -r .status "$T/running.json")" = running ]
	[ "$(jq -r .pid "$T/running.json")" = "$pid" ]

	touch "$T/shared/go"
	wait_status "$id" stopped
	runtime state "$id" >"$T/stopped.json"
	validate_json state-schema.json "$T/stopped.json"
	[ "$(jq -r .status "$T/stopped.json")" = stopped ]
}

@test "state: annotations from config.json are reported" {
	cfg '.annotations = {"org.example.key": "value-1"}'
	id=$(new_id)
	create_ctr "$id"
	runtime state "$id" >"$T/s.json"
	validate_json state-schema.json "$T/s.json"
	[ "$(jq -r '.annotations["org.example.key"]' "$T/s.json")" = value-1 ]
}

@test "state: the bundle path is absolute when -b is relative" {
	id=$(new_id)
	(cd "$T" && runtime create --bundle bundle "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err")
	[ "$(runtime state "$id" | jq -r .bundle)" = "$(realpath "$BUNDLE")" ]
}

@test "create: --pid-file holds the container's pid" {
	id=$(new_id)
	create_ctr "$id" --pid-file "$T/pidfile"
	[ -s "$T/pidfile" ]
	[ "$(cat "$T/pidfile")" = "$(pid_of "$id")" ]
	pid_alive "$(cat "$T/pidfile")"
}

@test "run -d: --pid-file holds the container's pid" {
	add_shared
	set_cmd "$wait_for_go_cmd"
	id=$(new_id)
	run_d "$id" --pid-file "$T/pidfile"
	wait_file "$T/shared/ready"
	[ "$(cat "$T/pidfile")" = "$(pid_of "$id")" ]
}

@test "create: flags may follow the container id" {
	id=$(new_id)
	runtime create "$id" --bundle "$BUNDLE" </dev/null >"$T/$id.out" 2>"$T/$id.err"
	[ "$(state_of "$id")" = created ]
}

@test "create: --preserve-fds passes extra descriptors" {
	set_cmd 'echo via-fd3 >&3'
	id=$(new_id)
	timeout -k 5 "$RUNTIME_TIMEOUT" "$AGENTRUN" --root "$STATE_ROOT" run --preserve-fds 1 \
		--bundle "$BUNDLE" "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err" 3>"$T/fd3"
	[ "$(cat "$T/fd3")" = via-fd3 ]
}

@test "list: table, -q and --format json" {
	add_shared
	set_cmd "$wait_for_go_cmd"
	a=$(new_id)
	b=$(new_id)
	create_ctr "$a"
	run_d "$b"
	wait_file "$T/shared/ready"

	run runtime list
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == ID* ]]
	[[ "${lines[0]}" == *PID* ]]
	[[ "${lines[0]}" == *STATUS* ]]
	[[ "${lines[0]}" == *BUNDLE* ]]
	[ "${#lines[@]}" -eq 3 ]
	echo "$output" | grep -E "^$a[[:space:]]+[0-9]+[[:space:]]+created[[:space:]]+$BUNDLE"
	echo "$output" | grep -E "^$b[[:space:]]+[0-9]+[[:space:]]+running[[:space:]]+$BUNDLE"

	run runtime list -q
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | sort)" = "$(printf '%s\n' "$a" "$b" | sort)" ]

	run runtime list --format json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e 'type == "array" and length == 2'
	echo "$output" | jq -e --arg a "$a" --arg p "$(pid_of "$a")" --arg b "$BUNDLE" \
		'.[] | select(.id == $a) | .status == "created" and (.pid | tostring) == $p and .bundle == $b'
	echo "$output" | jq -e --arg id "$b" '.[] | select(.id == $id) | .status == "running"'
}

@test "list: an empty state dir lists nothing" {
	run runtime list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run runtime list --format json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e 'length == 0'
}

@test "concurrency: parallel state and kill on one id do not corrupt state" {
	add_shared
	set_cmd 'trap "echo USR1 >> /shared/sig" USR1; echo $$ > /shared/ready; while :; do sleep 0.1; done'
	id=$(new_id)
	run_d "$id"
	wait_file "$T/shared/ready"
	pids=()
	for i in $(seq 1 8); do
		runtime state "$id" >"$T/state.$i" 2>"$T/state.$i.err" &
		pids+=($!)
		runtime kill "$id" USR1 >/dev/null 2>"$T/kill.$i.err" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p"
	done
	for i in $(seq 1 8); do
		jq -e --arg id "$id" '.id == $id and .status == "running"' "$T/state.$i"
	done
	[ "$(state_of "$id")" = running ]
	runtime state "$id" >"$T/final.json"
	validate_json state-schema.json "$T/final.json"
	runtime delete -f "$id"
	assert_no_leftovers "$id"
}

@test "concurrency: parallel creates of distinct ids all succeed" {
	ids=()
	pids=()
	for i in 1 2 3 4; do
		ids+=("$(new_id)")
	done
	for id in "${ids[@]}"; do
		create_ctr "$id" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p"
	done
	for id in "${ids[@]}"; do
		[ "$(state_of "$id")" = created ]
	done
	[ "$(runtime list -q | wc -l)" -eq 4 ]
}
