#!/usr/bin/env bats
# The state directory and what agentrun writes for the caller: read-only
# commands never wait behind a stuck create (a hostile bundle's hook can
# stall it), a pid file is never written through a planted symlink
# (CVE-2019-19921-style symlink races on runtime-written files), and net.*
# sysctls never reach the host's network namespace when it is joined by
# path.

load ../lib/bundle

setup() {
	setup_common
}

teardown() {
	[ -n "${HOOK_GO:-}" ] && touch "$HOOK_GO"
	[ -s "$T/.keepalive" ] && cat "$T/.keepalive" >/proc/sys/net/ipv4/tcp_keepalive_time
	teardown_common
}

@test "state and list answer while a create is stuck in a hook (no blocking on its lock)" {
	HOOK_GO=$T/go
	cat >"$T/stall.sh" <<-EOF2
		#!/bin/sh
		cat >/dev/null
		echo \$PPID >"$T/stalled"
		while [ ! -e "$HOOK_GO" ]; do sleep 0.1; done
	EOF2
	chmod 755 "$T/stall.sh"
	cfg '.hooks.createRuntime = [{"path": $p, "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}]' --arg p "$T/stall.sh"
	set_args sleep 1000
	id=$(new_id)
	create_ctr "$id" &
	cpid=$!
	wait_file "$T/stalled"
	run runtime state "$id"
	echo "state: $status: $output"
	# answered while the create still waits in its hook
	kill -0 "$(cat "$T/stalled")"
	[ ! -e "$HOOK_GO" ]
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = creating ]
	run runtime list
	echo "list: $status: $output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$id"*creating* ]]
	run runtime list --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r --arg i "$id" '.[] | select(.id == $i) | .status' <<<"$output")" = creating ]
	# commands that change the container still wait for the create
	touch "$HOOK_GO"
	wait "$cpid"
	[ "$(state_of "$id")" = created ]
	runtime delete -f "$id"
	assert_no_leftovers "$id"
}

@test "pid file: a symlink planted at its temp name is not followed (create and exec)" {
	set_args sleep 1000
	echo precious >"$T/target"
	mkdir "$T/pids"
	# the temp names agentrun may use, under the pid of the agentrun
	# process (the shell's, kept by exec): new and old naming
	plant_and_run() {
		local pidfile=$1
		shift
		bash -c 'for n in ".$(basename "$1").tmp.$$" "$(basename "$1").tmp$$"; do
			ln -s "$2" "$(dirname "$1")/$n"; done
			shift 2; exec "$@"' plant "$pidfile" "$T/target" \
			"$AGENTRUN" --root "$STATE_ROOT" "$@" </dev/null >/dev/null 2>"$T/err" 3>&-
	}
	id=$(new_id)
	plant_and_run "$T/pids/create.pid" create --bundle "$BUNDLE" --pid-file "$T/pids/create.pid" "$id"
	[ "$(cat "$T/target")" = precious ]
	[ ! -L "$T/pids/create.pid" ]
	[ "$(cat "$T/pids/create.pid")" = "$(pid_of "$id")" ]
	runtime start "$id"
	plant_and_run "$T/pids/exec.pid" exec -d --pid-file "$T/pids/exec.pid" "$id" sleep 100
	[ "$(cat "$T/target")" = precious ]
	[ ! -L "$T/pids/exec.pid" ]
	grep -Eqx '[0-9]+' "$T/pids/exec.pid"
	# no temp file of ours is left, only what the test planted
	[ -z "$(find "$T/pids" -name '*tmp*' ! -type l)" ]
	runtime delete -f "$id"
}

@test "sysctl: net.* refused when the network namespace joined is the host's" {
	# the host's network namespace, by a path of it (this shell's; /proc/1
	# may be hidden here)
	cfg '.linux.namespaces |= map(select(.type != "network")) + [{"type": "network", "path": $p}]' \
		--arg p "/proc/$$/ns/net"
	cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1", "net.ipv4.tcp_keepalive_time": "4242"}'
	before=$(cat /proc/sys/net/ipv4/tcp_keepalive_time)
	fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	[ "$before" != 4242 ]
	# a weakened build changes the host: put it back whatever happens
	echo "$before" >"$T/.keepalive"
	run_ctr 'true'
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"net.ipv4."*"host's network namespace"* ]]
	[ "$(cat /proc/sys/net/ipv4/tcp_keepalive_time)" = "$before" ]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$fwd" ]
	assert_no_leftovers
	# a network namespace of its own: allowed, and only there
	cfg '.linux.namespaces |= map(select(.type != "network")) + [{"type": "network"}]'
	run_ctr 'cat /proc/sys/net/ipv4/tcp_keepalive_time'
	[ "$status" -eq 0 ]
	[ "$output" = 4242 ]
	[ "$(cat /proc/sys/net/ipv4/tcp_keepalive_time)" = "$before" ]
}
