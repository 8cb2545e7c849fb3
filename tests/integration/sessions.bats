#!/usr/bin/env bats
# Sessions (docs/sessions.md): suspend to disk and wake in place (also
# through resume and exec), kill and delete of a suspended session, the
# agent profile and a terminal; fork of a running session into copies;
# idle detection.

load ../lib/bundle

criu_ok() {
	local bin v
	bin=$(PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v criu) || return 1
	v=$("$bin" --version 2>/dev/null | sed -n 's/^Version: *\([0-9][0-9.]*\).*/\1/p')
	[ -n "$v" ] && [ "$(printf '4.2\n%s\n' "$v" | sort -V | head -n1)" = 4.2 ]
}

setup() {
	criu_ok || skip "criu >= 4.2 not installed"
	setup_common
	# a counter: /tmp/count holds the last value (the rootfs is writable here)
	set_cmd 'i=0; while true; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
}

teardown() {
	local p
	for p in $(cat "$T/.helpers" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
	teardown_common
}

count() {
	runtime exec --no-wake "$1" cat "${2:-/tmp/count}"
}

# wait_count ID MIN [FILE]: poll until the counter is above MIN.
wait_count() {
	local i c
	for ((i = 0; i < 100; i++)); do
		c=$(count "$1" "${3:-}" 2>/dev/null) || c=0
		[ "${c:-0}" -gt "$2" ] && return 0
		sleep 0.1
	done
	echo "counter of $1 stuck at '$c' (wanted > $2)" >&2
	return 1
}

annotation() {
	runtime state "$1" | jq -r --arg k "$2" '.annotations[$k] // empty'
}

# the host cgroup directories of pid (one per hierarchy), to see them go
cgroup_dirs_of() {
	local line
	while IFS=: read -r _ ctrl path; do
		for d in /sys/fs/cgroup/"${ctrl#name=}"*"$path" /sys/fs/cgroup/unified"$path"; do
			[ -n "$path" ] && [ "$path" != / ] && [ -d "$d" ] && echo "$d"
		done
	done </proc/"$1"/cgroup | sort -u
}

@test "suspend: the processes and cgroup go, the id stays; wake restores it in place" {
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 3
	pid=$(pid_of "$id")
	mapfile -t cgs < <(cgroup_dirs_of "$pid")
	[ "${#cgs[@]}" -gt 0 ]

	runtime suspend "$id"
	# the process is gone, every cgroup directory of it too
	! pid_alive "$pid"
	for d in "${cgs[@]}"; do [ ! -d "$d" ]; done
	# the id is kept: stopped, with the image path; schema-valid
	[ "$(state_of "$id")" = stopped ]
	runtime state "$id" >"$T/state.json"
	validate_json state-schema.json "$T/state.json"
	[ "$(jq -r '.pid // 0' "$T/state.json")" = 0 ]
	img=$(annotation "$id" org.agentrun.suspended)
	[ "$img" = "$(realpath "$STATE_ROOT")/$id/image" ]
	[ -n "$(ls "$img"/pages-*.img)" ]
	runtime list --format json | jq -e --arg id "$id" '.[] | select(.id == $id and .status == "stopped")'
	run runtime list
	[[ "$output" == *"$id"*stopped* ]]
	# ps shows nothing, pause refuses, a second suspend refuses
	run runtime ps --format json "$id"
	[ "$status" -eq 0 ] && [ "$output" = "[]" ]
	run runtime pause "$id"
	[ "$status" -ne 0 ]
	run runtime suspend "$id"
	[ "$status" -ne 0 ] && [[ "$output" == *"already suspended"* ]]
	run runtime exec --no-wake "$id" true
	[ "$status" -ne 0 ] && [[ "$output" == *"is suspended"*"--no-wake"* ]]
	[ "$(state_of "$id")" = stopped ]

	runtime wake "$id"
	[ "$(state_of "$id")" = running ]
	[ -z "$(annotation "$id" org.agentrun.suspended)" ]
	[ ! -e "$img" ]
	# the same session: the counter goes on from where it was, not from 0
	c=$(count "$id")
	[ "$c" -ge 3 ]
	wait_count "$id" "$c"
	runtime delete -f "$id"
	assert_no_leftovers "$id"
}

@test "suspend: exec wakes a suspended session; resume wakes it too; resume of a running one still fails" {
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 2
	runtime suspend "$id"
	[ "$(state_of "$id")" = stopped ]
	run runtime exec "$id" cat /tmp/count
	[ "$status" -eq 0 ]
	[ "$output" -ge 2 ]
	[ "$(state_of "$id")" = running ]
	# runc's resume of a container that is not paused is an error still
	run runtime resume "$id"
	[ "$status" -ne 0 ]
	runtime suspend "$id"
	runtime resume "$id"
	[ "$(state_of "$id")" = running ]
	c=$(count "$id")
	wait_count "$id" "$c"
}

@test "suspend: kill TERM discards the image and stops it; other signals are refused; delete removes an --image-path" {
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 1
	mkdir "$T/full"; touch "$T/full/x"
	run runtime suspend --image-path "$T/full" "$id"
	[ "$status" -ne 0 ] && [[ "$output" == *"not empty"* ]]
	[ "$(state_of "$id")" = running ]
	[ -e "$T/full/x" ]
	runtime suspend --image-path "$T/img" "$id"
	[ "$(annotation "$id" org.agentrun.suspended)" = "$T/img" ]
	run runtime kill "$id" USR1
	[ "$status" -ne 0 ] && [[ "$output" == *suspended* ]]
	[ -d "$T/img" ]
	runtime kill "$id" TERM
	[ ! -e "$T/img" ]
	[ "$(state_of "$id")" = stopped ]
	[ -z "$(annotation "$id" org.agentrun.suspended)" ]
	run runtime wake "$id"
	[ "$status" -ne 0 ] && [[ "$output" == *"not suspended"* ]]
	runtime delete "$id"
	assert_no_leftovers "$id"

	id2=$(new_id)
	run_d "$id2"
	runtime suspend --image-path "$T/img2" "$id2"
	[ -d "$T/img2" ]
	runtime delete "$id2"
	[ ! -e "$T/img2" ]
	run runtime state "$id2"
	[ "$status" -ne 0 ]
	assert_no_leftovers "$id2"
}

@test "suspend: a failed wake leaves it suspended" {
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 1
	runtime suspend "$id"
	img=$(annotation "$id" org.agentrun.suspended)
	mv "$img/pages-1.img" "$T/pages"
	run runtime wake "$id"
	[ "$status" -ne 0 ] && [[ "$output" == *"still suspended"* ]]
	[ "$(state_of "$id")" = stopped ]
	[ "$(annotation "$id" org.agentrun.suspended)" = "$img" ]
	[ -z "$(test_cgroups "$id")" ]
	mv "$T/pages" "$img/pages-1.img"
	runtime wake "$id"
	[ "$(state_of "$id")" = running ]
	wait_count "$id" 1
}

@test "suspend: refused on a container an engine created (podman's annotation)" {
	cfg '.annotations["io.container.manager"] = "libpod"'
	id=$(new_id)
	run_d "$id"
	run runtime suspend "$id"
	[ "$status" -ne 0 ] && [[ "$output" == *"created by libpod"* ]]
	[ "$(state_of "$id")" = running ]
	[ -z "$(ls "$STATE_ROOT/$id")" ] || [ ! -e "$STATE_ROOT/$id/image" ]
}

@test "suspend: the agent sandbox (user namespace, read-only root, tmpfs /work) wakes with its /work" {
	make_traversable
	mkdir -p "$BUNDLE/rootfs/work"
	rm "$BUNDLE/config.json"
	runtime spec --profile agent --bundle "$BUNDLE"
	cfg '.process.terminal = false'
	set_cmd 'echo kept > /work/file; i=0; while true; do i=$((i+1)); echo $i > /work/c.new; mv /work/c.new /work/count; sleep 0.1; done'
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 1 /work/count
	runtime suspend "$id"
	[ "$(state_of "$id")" = stopped ]
	runtime wake "$id"
	run runtime exec "$id" cat /work/file
	[ "$output" = kept ]
	run runtime exec "$id" touch /rootfs-is-ro
	[ "$status" -ne 0 ]
	c=$(count "$id" /work/count)
	wait_count "$id" "$c" /work/count
}

# console_receiver SOCK OUT: accept one pty master on SOCK, copy what it
# reads into OUT (background; killed by teardown).
console_receiver() {
	"$PYTHON" /dev/fd/4 "$1" "$2" </dev/null >/dev/null 2>&1 3>&- 4<<-'EOF' &
		import os, socket, sys
		s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		s.bind(sys.argv[1]); s.listen(1)
		c, _ = s.accept()
		_, fds, _, _ = socket.recv_fds(c, 1, 1)
		with open(sys.argv[2], "ab", buffering=0) as out:
		    while True:
		        try:
		            b = os.read(fds[0], 4096)
		        except OSError:
		            break
		        if not b:
		            break
		        out.write(b)
	EOF
	echo $! >>"$T/.helpers"
	for ((i = 0; i < 50; i++)); do [ -S "$1" ] && return 0; sleep 0.1; done
	return 1
}

@test "suspend: a container with a terminal wakes with a new pty through --console-socket" {
	cfg '.process.terminal = true'
	set_cmd 'i=0; while true; do i=$((i+1)); echo tick$i; echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
	console_receiver "$T/c1.sock" "$T/tty1"
	id=$(new_id)
	runtime run -d --console-socket "$T/c1.sock" --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>"$T/err"
	wait_count "$id" 2
	runtime suspend "$id"
	# exec cannot wake it: the terminal needs a socket
	run runtime exec "$id" true
	[ "$status" -ne 0 ] && [[ "$output" == *"--console-socket"* ]]
	console_receiver "$T/c2.sock" "$T/tty2"
	runtime wake --console-socket "$T/c2.sock" "$id"
	wait_file "$T/tty2"
	for ((i = 0; i < 50; i++)); do grep -q tick "$T/tty2" && break; sleep 0.1; done
	grep -q tick "$T/tty2"
}
