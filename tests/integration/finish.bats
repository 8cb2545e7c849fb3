#!/usr/bin/env bats
# One "become the process" sequence (runtime/finish.c) for create and exec:
# agentrun's own checks run before the user's seccomp filter, and the init
# and an exec'd process of the same container end in the same state.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

# a legitimate profile: getcwd refused (EPERM)
deny_getcwd() {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
}

@test "finish: a seccomp filter denying getcwd does not fail run (noNewPrivileges true and false)" {
	deny_getcwd
	cfg '.process.cwd = "/tmp"'
	for nnp in true false; do
		cfg '.process.noNewPrivileges = $v' --argjson v $nnp
		run_ctr 'pwd; echo ran'
		[ "$status" -eq 0 ]
		[ "${lines[-1]}" = ran ]
	done
}

@test "finish: a seccomp filter denying getcwd does not fail exec (noNewPrivileges true and false)" {
	deny_getcwd
	cfg '.process.cwd = "/tmp"'
	for nnp in true false; do
		cfg '.process.noNewPrivileges = $v' --argjson v $nnp
		start_ctr 'sleep 1000'
		run runtime exec "$ID" sh -c 'echo ran'
		echo "$output" >&2
		[ "$status" -eq 0 ]
		[ "$output" = ran ]
		run runtime exec --cwd /tmp "$ID" sh -c 'echo ran'
		[ "$status" -eq 0 ]
		[ "$output" = ran ]
		runtime delete -f "$ID"
	done
}

# what a process is: creds, capabilities, no_new_privs, seccomp, LSM label,
# open fds (3: the pipe of $(ls)), umask, personality (of the shell, $$)
SNAP='s=/proc/$$; grep -E "^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters):" $s/status; cat $s/attr/current 2>/dev/null; echo; echo fds: $(ls $s/fd); echo umask: $(umask); echo personality: $(cat $s/personality)'

same_state() {
	add_shared
	start_ctr "exec >/shared/init.tmp; $SNAP; mv /shared/init.tmp /shared/init; exec sleep 1000"
	wait_file "$T/shared/init"
	run runtime exec "$ID" sh -c "$SNAP"
	[ "$status" -eq 0 ]
	echo "init:" >&2
	cat "$T/shared/init" >&2
	echo "exec:" >&2
	echo "$output" >&2
	[ "$output" = "$(cat "$T/shared/init")" ]
	# and the state is what the config says
	[[ "$output" == *"NoNewPrivs:	$1"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
}

@test "finish: the init and an exec'd process end in the same state (user, groups, caps, nnp, seccomp, umask, personality)" {
	cfg '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [10, 29], "umask": 63}'
	cfg '.process.capabilities = {"bounding": ["CAP_KILL", "CAP_CHOWN", "CAP_NET_RAW"], "effective": ["CAP_KILL", "CAP_CHOWN"], "permitted": ["CAP_KILL", "CAP_CHOWN"], "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}'
	cfg '.linux.personality = {"domain": "LINUX32"}'
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mknodat"], "action": "SCMP_ACT_ERRNO"}]}'
	cfg '.process.noNewPrivileges = true'
	same_state 1
	[[ "$output" == *"Groups:	10 29"* ]]
	[[ "$output" == *"CapAmb:	0000000000000020"* ]]
	[[ "$output" == *"umask: 0077"* ]]
	[[ "$output" == *"personality: 00000008"* ]]
}

@test "finish: same state without no_new_privs (the filter loaded while privileged) and without capabilities" {
	cfg 'del(.process.capabilities)'
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mknodat"], "action": "SCMP_ACT_ERRNO"}]}'
	cfg '.process.noNewPrivileges = false'
	same_state 0
	[[ "$output" == *"CapBnd:	0000000000000000"* ]]
	[[ "$output" == *"CapEff:	0000000000000000"* ]]
}

listen_once() { # listen_once OUT: a listener at $T/listener.sock
	rm -f "$T/listener.sock"
	(cd / && exec timeout 60 "$PYTHON" -c "$LISTENER" "$T/listener.sock" "$1" \
		</dev/null >>"$T/listener.log" 2>&1) &
	local i
	for ((i = 0; i < 200; i++)); do
		[ -S "$T/listener.sock" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "finish: an exec'd process hands its seccomp notify fd to listenerPath too (state running, its own pid)" {
	"$PYTHON" -c 'import socket; socket.recv_fds' 2>/dev/null || skip "python3 without socket.recv_fds"
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $p, "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}' \
		--arg p "$T/listener.sock"
	listen_once "$T/init.json"
	start_ctr 'sleep 1000'
	wait_file "$T/init.json"
	listen_once "$T/exec.json"
	runtime exec -d --pid-file "$T/exec.pid" "$ID" sleep 1000 </dev/null >/dev/null 2>"$T/exec.err"
	wait_file "$T/exec.json"
	cat "$T/exec.json"
	track_pid "$(cat "$T/exec.pid")"
	[ "$(jq -r .nfds "$T/exec.json")" = 1 ]
	[ "$(jq -r '.links[0]' "$T/exec.json")" = "anon_inode:seccomp notify" ]
	[ "$(jq -r .state.state.status "$T/exec.json")" = running ]
	[ "$(jq -r .state.state.id "$T/exec.json")" = "$ID" ]
	[ "$(jq -r .state.pid "$T/exec.json")" = "$(cat "$T/exec.pid")" ]
}
