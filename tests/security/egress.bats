#!/usr/bin/env bats
# Egress only through a proxy (run.agentrun.net.proxy): the agent profile's
# container has a network namespace with only lo; a forwarder of the
# runtime, outside the container, listens on 127.0.0.1:3128 in it and
# carries each connection to the host's proxy on a unix socket. These tests
# use tests/lib/egress_proxy.py (allow-list: allowed.test) as that proxy,
# and play the hostile container: direct connections, killing or tracing
# the forwarder, outliving it.

load ../lib/bundle
load ../lib/egress
load ../lib/rootless

setup_file() {
	rl_user_create
}

teardown_file() {
	rl_user_remove
}

setup() {
	setup_common
	start_proxy allowed.test
	rm -f "$BUNDLE/config.json"
	mkdir -p "$BUNDLE/rootfs/work"
	make_traversable
	runtime spec --profile agent --egress-proxy "$PROXY_SOCK" --bundle "$BUNDLE"
}

teardown() {
	stop_proxy
	[ -z "${RL_XDG:-}" ] || rl_teardown
	teardown_common
}

# fwd_gone PID START: the forwarder of that pid and start time is gone
fwd_gone() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(awk '{print $22}' "/proc/$1/stat" 2>/dev/null)" = "$2" ] && pid_alive "$1" || return 0
		sleep 0.1
	done
	echo "forwarder $1 still alive" >&2
	return 1
}

@test "egress: spec --egress-proxy writes the annotation; the process gets the proxy environment" {
	[ "$(jq -r '.annotations["run.agentrun.net.proxy"]' "$BUNDLE/config.json")" = "$PROXY_SOCK" ]
	[ "$(jq -r '.annotations["org.agentrun.profile"]' "$BUNDLE/config.json")" = agent ]
	validate_json config-schema.json "$BUNDLE/config.json"
	run_ctr 'env | grep -i proxy= | sort'
	[ "$status" -eq 0 ]
	[[ "$output" == *"HTTPS_PROXY=http://127.0.0.1:3128"* ]]
	[[ "$output" == *"HTTP_PROXY=http://127.0.0.1:3128"* ]]
	[[ "$output" == *"http_proxy=http://127.0.0.1:3128"* ]]
	[[ "$output" == *"https_proxy=http://127.0.0.1:3128"* ]]
	[[ "$output" == *"NO_PROXY=localhost,127.0.0.1"* ]]
	runtime features >"$T/features.json"
	validate_json features-schema.json "$T/features.json"
	[ "$(jq -r '.annotations["org.agentrun.net.proxy.annotations"]' "$T/features.json")" = "run.agentrun.net.proxy run.agentrun.net.proxy.port" ]
	run runtime spec --egress-proxy "$PROXY_SOCK" --bundle "$T"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--egress-proxy goes with --profile agent"* ]]
}

@test "egress: an allowed host name gets through the proxy (plain HTTP and CONNECT)" {
	run_ctr 'wget -q -O - http://allowed.test/plain && printf "CONNECT allowed.test:80 HTTP/1.1\r\n\r\nGET /tunnel HTTP/1.0\r\nHost: allowed.test\r\n\r\n" | nc 127.0.0.1 3128'
	[ "$status" -eq 0 ]
	[[ "$output" == *"upstream says hello to allowed.test/plain"* ]]
	[[ "$output" == *"200 Connection established"* ]]
	[[ "$output" == *"upstream says hello to allowed.test/tunnel"* ]]
	[ "$(grep -c '^ALLOW allowed.test$' "$PROXY_LOG")" = 2 ]
}

@test "egress: another host name gets 403 from the proxy" {
	run_ctr 'wget -q -O - http://denied.test/ 2>&1; echo "rc=$?"; printf "CONNECT other.test:443 HTTP/1.1\r\n\r\n" | nc 127.0.0.1 3128'
	[ "$status" -eq 0 ]
	[[ "$output" == *"403"* ]]
	[[ "$output" == *"HTTP/1.1 403 Forbidden"* ]]
	[[ "$output" != *"rc=0"* ]]
	[[ "$output" != *"upstream says"* ]]
	grep -qx 'DENY denied.test' "$PROXY_LOG"
	grep -qx 'DENY other.test' "$PROXY_LOG"
}

# Attack: every other way out. The host's HTTP server (127.0.0.1 of the
# host), the host's own address, an outside address: none is reachable
# from the namespace; only lo is there.
@test "egress attack: no direct connection leaves the namespace (host 127.0.0.1, host address, outside address)" {
	local host_ip
	host_ip=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -1)
	[ -n "$host_ip" ] || host_ip=192.0.2.1
	run_ctr "ip -o link | cut -d: -f2 | sed 's/^ */if:/'; for a in 127.0.0.1 $host_ip 192.0.2.1; do echo GET / | nc -w 5 \$a $UPSTREAM_PORT 2>&1; echo rc=\$?; done"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '^if:')" = 1 ] # no interface but lo
	[ "$(echo "$output" | grep -c '^if:lo$')" = 1 ]
	[[ "$output" != *"upstream says"* ]]
	[[ "$output" != *"HTTP/"* ]]
	[ "$(echo "$output" | grep -cx 'rc=1')" = 3 ]
	# 127.0.0.1 is the container's own lo; no route to anything else
	[[ "$output" == *"(127.0.0.1): Connection refused"* ]]
	[[ "$output" == *"($host_ip): Network is unreachable"* ]]
	[[ "$output" == *"(192.0.2.1): Network is unreachable"* ]]
	[ ! -s "$PROXY_LOG" ]
}

# Attack: the proxy mode on a network namespace that is not the container's
# own (joined by path: here the host's) or with a device moved in would
# leave another way out; refused at create, nothing left behind.
@test "egress attack: proxy mode refuses a joined network namespace and netDevices" {
	# the host's network namespace: the container would reach the host's 127.0.0.1
	cfg '.linux.namespaces |= map(select(.type != "network"))'
	run_ctr "printf 'GET /direct HTTP/1.0\\r\\n\\r\\n' | nc -w 5 127.0.0.1 $UPSTREAM_PORT 2>&1"
	[[ "$output" != *"upstream says"* ]]
	[ "$status" -ne 0 ]
	[[ "$output" == *'.annotations["run.agentrun.net.proxy"]: needs a network namespace of the container'"'s own"* ]]
	# a network namespace joined by path is not known to hold only lo
	cfg '.linux.namespaces += [{"type": "network", "path": "/proc/1/ns/net"}]'
	run_ctr true
	[ "$status" -ne 0 ]
	[[ "$output" == *"needs a network namespace of the container's own"* ]]
	# a device moved in is another way out
	cfg '.linux.namespaces |= map(if .type == "network" then {"type": "network"} else . end) | .linux.netDevices = {"lo": {"name": "eth0"}}'
	run_ctr true
	[ "$status" -ne 0 ]
	[[ "$output" == *'.annotations["run.agentrun.net.proxy"]: .linux.netDevices would give the container another way out'* ]]
	assert_no_leftovers
}

@test "egress: bad annotations are refused with the key named" {
	cfg '.annotations["run.agentrun.net.proxy"] = "relative/sock"'
	run_ctr true
	[ "$status" -ne 0 ]
	[[ "$output" == *'.annotations["run.agentrun.net.proxy"]: "relative/sock" is not an absolute path'* ]]
	cfg '.annotations["run.agentrun.net.proxy"] = $s' --arg s "$T/proxy/ready"
	run_ctr true
	[ "$status" -ne 0 ]
	[[ "$output" == *"is not a unix socket"* ]]
	cfg '.annotations["run.agentrun.net.proxy"] = $s | .annotations["run.agentrun.net.proxy.port"] = "70000"' --arg s "$PROXY_SOCK"
	run_ctr true
	[ "$status" -ne 0 ]
	[[ "$output" == *'.annotations["run.agentrun.net.proxy.port"]: "70000" is not a port'* ]]
	cfg '.annotations["run.agentrun.net.proxy.port"] = "8080"'
	run_ctr 'echo $HTTP_PROXY; wget -q -O - http://allowed.test/p8080'
	[ "$status" -eq 0 ]
	[[ "$output" == *"http://127.0.0.1:8080"* ]]
	[[ "$output" == *"upstream says hello to allowed.test/p8080"* ]]
	assert_no_leftovers
}

# Attack: the container kills every process it can signal, tries the
# forwarder's host pid and looks for it in /proc; the forwarder is not in
# its pid namespace, so it can neither name, kill nor trace it, and the
# proxy still works afterwards. The forwarder itself holds no capability,
# has no_new_privs, is not dumpable, and has only its sockets open.
@test "egress attack: the container cannot see, kill or trace the forwarder" {
	local id fwd start
	id=$(new_id)
	set_cmd 'sleep 1000'
	create_ctr "$id"
	runtime start "$id"
	fwd=$(egress_pid "$id")
	[ -n "$fwd" ]
	start=$(awk '{print $22}' "/proc/$fwd/stat")
	run runtime exec "$id" sh -c "kill -9 $fwd; echo rc=\$?; grep -l agentrun-egress /proc/[0-9]*/comm; kill -9 -1; echo killed"
	echo "$output" >&2
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" != *"/comm"* ]]
	[ "$(awk '{print $22}' "/proc/$fwd/stat")" = "$start" ]
	pid_alive "$fwd"
	run runtime exec "$id" wget -q -O - http://allowed.test/after
	[ "$status" -eq 0 ]
	[[ "$output" == *"upstream says hello to allowed.test/after"* ]]
	# then the runtime's side of it, seen from the host
	grep -q '^CapEff:.*0000000000000000$' "/proc/$fwd/status"
	grep -q '^CapBnd:.*0000000000000000$' "/proc/$fwd/status"
	grep -q '^NoNewPrivs:.*1$' "/proc/$fwd/status"
	[ "$(readlink /proc/$fwd/ns/pid)" = "$(readlink /proc/self/ns/pid)" ]
	[ "$(readlink /proc/$fwd/ns/user)" = "$(readlink /proc/self/ns/user)" ]
	[ "$(readlink /proc/$fwd/ns/mnt)" = "$(readlink /proc/self/ns/mnt)" ]
	[ "$(ls /proc/$fwd/fd | sort -n | tr '\n' ' ')" = "0 1 2 3 4 5 " ]
	runtime delete -f "$id"
	fwd_gone "$fwd" "$start"
	assert_no_leftovers
}

# The forwarder dies with the container: when init is killed from the host
# (a crash: no delete) it exits by itself; delete removes its record.
@test "egress: the forwarder goes with the container (init killed without delete; kill; delete -f)" {
	local id fwd start pid
	id=$(new_id)
	set_cmd 'sleep 1000'
	create_ctr "$id"
	fwd=$(egress_pid "$id")
	start=$(awk '{print $22}' "/proc/$fwd/stat")
	pid=$(pid_of "$id")
	kill -9 "$pid"
	fwd_gone "$fwd" "$start"
	runtime delete -f "$id"
	id=$(new_id)
	create_ctr "$id"
	runtime start "$id"
	fwd=$(egress_pid "$id")
	start=$(awk '{print $22}' "/proc/$fwd/stat")
	runtime kill "$id" KILL
	fwd_gone "$fwd" "$start"
	runtime delete "$id"
	id=$(new_id)
	create_ctr "$id"
	fwd=$(egress_pid "$id")
	start=$(awk '{print $22}' "/proc/$fwd/stat")
	runtime delete -f "$id"
	! pid_alive "$fwd" || [ "$(awk '{print $22}' "/proc/$fwd/stat")" != "$start" ]
	assert_no_leftovers
}

@test "egress: the proxy is away: the connection closes, the container is not harmed" {
	stop_proxy
	run_ctr 'wget -q -O - http://allowed.test/ 2>&1; echo rc=$?'
	# the socket file stayed but nobody listens: connect is refused
	[ "$status" -eq 0 ]
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" != *"upstream says"* ]]
}

# A plain user runs it: the forwarder is the user's (same uid as the
# container's root seen from the host), still outside the container's pid
# namespace and not dumpable, so the container can neither kill nor trace
# it; it goes with the container.
@test "egress attack: run by a plain user, the forwarder is the user's, out of the container's reach" {
	local id=rl-egress fwd start
	rl_setup
	rl_bundle "$T/rb" --profile agent --rootless --egress-proxy "$PROXY_SOCK"
	CONFIG=$T/rb/config.json cfg '.process.args = ["sleep", "1000"]'
	rl_track "$id"
	ar create --bundle "$T/rb" "$id" </dev/null >"$T/rl.out" 2>"$T/rl.err" || { cat "$T/rl.err" >&2; return 1; }
	ar start "$id"
	fwd=$(cut -d' ' -f1 "$RL_XDG/agentrun/$id/egress.pid")
	start=$(awk '{print $22}' "/proc/$fwd/stat")
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$fwd/status")" = "$RL_UID" ]
	[ "$(stat -c %u "/proc/$fwd/environ")" = 0 ] # not dumpable: its /proc files are root's
	! as_user cat "/proc/$fwd/environ" # not even the user reads it
	grep -q '^CapEff:.*0000000000000000$' "/proc/$fwd/status"
	run ar exec "$id" sh -c "kill -9 $fwd; echo rc=\$?; kill -9 -1; wget -q -O - http://allowed.test/rootless"
	echo "$output" >&2
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" == *"upstream says hello to allowed.test/rootless"* ]]
	[ "$(awk '{print $22}' "/proc/$fwd/stat")" = "$start" ]
	ar delete -f "$id"
	fwd_gone "$fwd" "$start"
	local left= p
	for p in $(rl_pids); do pid_alive "$p" && left+=" $p"; done
	[ -z "$left" ] || { echo "the user's processes left:$left" >&2; false; }
}

# Checkpoint and restore: the old forwarder goes with the checkpointed
# container; the restored one (a new network namespace) gets a new
# forwarder on a socket made in that namespace, and delete removes it.
@test "egress: checkpoint and restore: the restored container gets its own forwarder" {
	local v id id2 fwd start fwd2 start2
	v=$(PATH="$PATH:/usr/local/sbin" criu --version 2>/dev/null | sed -n 's/^Version: *\([0-9][0-9.]*\).*/\1/p')
	[ -n "$v" ] && [ "$(printf '4.2\n%s\n' "$v" | sort -V | head -n1)" = 4.2 ] || skip "criu >= 4.2 not installed"
	# CRIU cannot restore a Landlock domain: checkpoint refuses the profile's
	cfg '.annotations["run.agentrun.landlock"] = "off"'
	set_cmd 'sleep 1000'
	id=$(new_id)
	run_d "$id"
	fwd=$(egress_pid "$id")
	start=$(awk '{print $22}' "/proc/$fwd/stat")
	runtime checkpoint --image-path "$T/img" "$id"
	fwd_gone "$fwd" "$start"
	id2=$(new_id)
	runtime restore -d --image-path "$T/img" --bundle "$BUNDLE" "$id2" </dev/null >"$T/r.out" 2>"$T/r.err" ||
		{ cat "$T/r.err" >&2; false; }
	fwd2=$(egress_pid "$id2")
	start2=$(awk '{print $22}' "/proc/$fwd2/stat")
	pid_alive "$fwd2"
	[ "$(readlink /proc/$fwd2/ns/pid)" = "$(readlink /proc/self/ns/pid)" ]
	run runtime exec "$id2" wget -q -O - http://allowed.test/restored
	[ "$status" -eq 0 ]
	[[ "$output" == *"upstream says hello to allowed.test/restored"* ]]
	runtime delete -f "$id2"
	fwd_gone "$fwd2" "$start2"
	assert_no_leftovers
}

# Attack: the socket's path is swapped after create (a symlink to another
# socket of the host, say a root daemon's, where the proxy's socket was: a
# writable socket directory shared with the container, or a careless
# admin). The forwarder connects as the runtime's user, so it must keep
# reaching the socket that was there at create: it holds it by an O_PATH
# fd, and the other socket never hears from the container.
@test "egress attack: a socket path swapped after create does not move the forwarder" {
	local id other=$T/other i
	mkdir -p "$other"
	(cd / && exec "$PYTHON" "$LIB_DIR/egress_proxy.py" "$other/sock" "$other/ready" "$other/log" allowed.test) \
		</dev/null >"$other/out" 2>&1 &
	echo $! >"$other/pid"
	for ((i = 0; i < 200; i++)); do [ -s "$other/ready" ] && break; sleep 0.05; done
	set_cmd 'sleep 1000'
	id=$(new_id)
	create_ctr "$id"
	runtime start "$id"
	mv "$PROXY_SOCK" "$PROXY_SOCK.moved"
	ln -s "$other/sock" "$PROXY_SOCK"
	run runtime exec "$id" wget -q -O - http://allowed.test/swapped
	kill "$(cat "$other/pid")"
	wait "$(cat "$other/pid")" 2>/dev/null || true
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[[ "$output" == *"upstream says hello to allowed.test/swapped"* ]]
	grep -qx 'ALLOW allowed.test' "$PROXY_LOG"
	[ ! -s "$other/log" ]
}
