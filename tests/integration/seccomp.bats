#!/usr/bin/env bats
# linux.seccomp: actions, errno values, argument conditions, architectures,
# flags, validation, and SCMP_ACT_NOTIFY with a listener.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

# seccomp JSON: set .linux.seccomp.
seccomp() {
	cfg '.linux.seccomp = $s' --argjson s "$1"
}

deny_mkdir() { # deny_mkdir ACTION [EXTRA JSON FIELDS]
	seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"$1\"${2:+, $2}}]}"
}

@test "seccomp: ERRNO with errnoRet gives that errno" {
	deny_mkdir SCMP_ACT_ERRNO '"errnoRet": 95'
	run_ctr 'mkdir /tmp/x; echo rc=$?; touch /tmp/y && echo other-syscalls-work'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "mkdir: can't create directory '/tmp/x': Operation not supported" ]
	[ "${lines[1]}" = rc=1 ]
	[ "${lines[2]}" = other-syscalls-work ]
	[ ! -e "$BUNDLE/rootfs/tmp/x" ]
}

@test "seccomp: ERRNO without errnoRet gives EPERM" {
	deny_mkdir SCMP_ACT_ERRNO
	run_ctr 'mkdir /tmp/x'
	[ "$status" -eq 1 ]
	[ "$output" = "mkdir: can't create directory '/tmp/x': Operation not permitted" ]
}

@test "seccomp: another errnoRet (ENOSPC)" {
	deny_mkdir SCMP_ACT_ERRNO '"errnoRet": 28'
	run_ctr 'mkdir /tmp/x'
	[ "$status" -eq 1 ]
	[[ "$output" == *"No space left on device" ]]
}

@test "seccomp: KILL kills the calling process (128+SIGSYS)" {
	deny_mkdir SCMP_ACT_KILL
	run_ctr 'mkdir /tmp/x; echo mkdir-status=$?'
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = mkdir-status=159 ]
	# the container process itself: run exits 159
	set_args mkdir /tmp/x
	ID=$(new_id)
	run runtime run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 159 ]
}

@test "seccomp: KILL_PROCESS and KILL_THREAD kill with SIGSYS" {
	deny_mkdir SCMP_ACT_KILL_PROCESS
	set_args mkdir /tmp/x
	ID=$(new_id)
	run runtime run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 159 ]
	deny_mkdir SCMP_ACT_KILL_THREAD
	ID=$(new_id)
	run runtime run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 159 ]
}

@test "seccomp: TRAP sends SIGSYS" {
	deny_mkdir SCMP_ACT_TRAP
	run_ctr 'mkdir /tmp/x; echo mkdir-status=$?'
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = mkdir-status=159 ]
}

@test "seccomp: LOG and ALLOW rules let the call through" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_LOG"}, {"names": ["rmdir"], "action": "SCMP_ACT_ALLOW"}]}'
	run_ctr 'mkdir /tmp/x && rmdir /tmp/x && echo ok'
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

# busybox: linux64 calls personality(PER_LINUX = 0), linux32 personality(PER_LINUX32 = 8)
@test "seccomp: args with SCMP_CMP_EQ deny one value only" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		"args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}'
	run_ctr 'linux64 true && echo per-linux-allowed; linux32 true; echo linux32=$?'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = per-linux-allowed ]
	[[ "${lines[1]}" == *"personality(0x8): Operation not permitted" ]]
	[ "${lines[2]}" = linux32=1 ]
}

@test "seccomp: args with SCMP_CMP_MASKED_EQ (value is the mask, valueTwo the datum)" {
	# (arg & 0x8) == 0x8: PER_LINUX32 denied, PER_LINUX allowed
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
		"args": [{"index": 0, "value": 8, "valueTwo": 8, "op": "SCMP_CMP_MASKED_EQ"}]}]}'
	run_ctr 'linux64 true && echo per-linux-allowed; linux32 true; echo linux32=$?'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = per-linux-allowed ]
	[[ "${lines[1]}" == *"personality(0x8): Permission denied" ]]
	[ "${lines[2]}" = linux32=1 ]
	# (arg & 0xf0) == 0: both denied
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
		"args": [{"index": 0, "value": 240, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}]}'
	run_ctr 'linux64 true; echo linux64=$?; linux32 true; echo linux32=$?'
	[ "$status" -eq 0 ]
	[[ "$output" == *linux64=1* ]]
	[[ "$output" == *linux32=1* ]]
}

@test "seccomp: args with SCMP_CMP_GT and SCMP_CMP_NE" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		"args": [{"index": 0, "value": 4, "op": "SCMP_CMP_GT"}]}]}'
	run_ctr 'linux64 true; echo linux64=$?; linux32 true 2>/dev/null; echo linux32=$?'
	[ "$status" -eq 0 ]
	[ "$output" = "linux64=0
linux32=1" ]
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		"args": [{"index": 0, "value": 8, "op": "SCMP_CMP_NE"}]}]}'
	run_ctr 'linux64 true 2>/dev/null; echo linux64=$?; linux32 true; echo linux32=$?'
	[ "$status" -eq 0 ]
	[ "$output" = "linux64=1
linux32=0" ]
}

@test "seccomp: defaultAction ERRNO with defaultErrnoRet" {
	hdr=/usr/include/x86_64-linux-gnu/asm/unistd_64.h
	[ -r "$hdr" ] || skip "no $hdr to list the syscalls"
	[ "$(uname -m)" = x86_64 ] || skip "x86_64 only"
	# allow every syscall but mkdir/mkdirat: those get the default errno
	names=$(awk '$1 == "#define" && $2 ~ /^__NR_/ { sub(/^__NR_/, "", $2); print $2 }' "$hdr" |
		grep -vx -e mkdir -e mkdirat | jq -R . | jq -cs .)
	seccomp "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 95,
		\"syscalls\": [{\"names\": $names, \"action\": \"SCMP_ACT_ALLOW\"}]}"
	run_ctr 'mkdir /tmp/x; echo ok'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "mkdir: can't create directory '/tmp/x': Operation not supported" ]
	[ "${lines[1]}" = ok ]
}

@test "seccomp: an architectures list is accepted and the rules apply" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95}]}'
	run_ctr 'mkdir /tmp/x'
	[ "$status" -eq 1 ]
	[[ "$output" == *"Operation not supported" ]]
}

@test "seccomp: flags SECCOMP_FILTER_FLAG_LOG and SPEC_ALLOW are accepted" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95}]}'
	run_ctr 'grep "^Seccomp:" /proc/self/status; mkdir /tmp/x'
	[ "$status" -eq 1 ]
	[ "$(echo ${lines[0]})" = "Seccomp: 2" ]
	[[ "${lines[1]}" == *"Operation not supported" ]]
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_TSYNC"]}'
	run_ctr 'echo ok'
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "seccomp: an unknown syscall name is ignored" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["no_such_syscall_xyz", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	run_ctr 'mkdir /tmp/x'
	[ "$status" -eq 1 ]
	[[ "$output" == *"Operation not permitted" ]]
}

# create_fails MESSAGE: create must fail, with MESSAGE in its error ($CREATE_OUT),
# leaving nothing.
create_fails() {
	local id
	id=$(new_id)
	run runtime create --bundle "$BUNDLE" "$id" </dev/null
	echo "create: $status: $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$1"* ]]
	CREATE_OUT=$output
	run runtime state "$id"
	[ "$status" -ne 0 ]
	assert_no_leftovers "$id"
}

@test "seccomp: an unknown action is rejected at create, naming the JSON path" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ALLOW"}, {"names": ["rmdir"], "action": "SCMP_ACT_BOGUS"}]}'
	create_fails 'linux.seccomp.syscalls[1].action'
	[[ "$CREATE_OUT" == *SCMP_ACT_BOGUS* ]]
	seccomp '{"defaultAction": "SCMP_ACT_NOPE"}'
	create_fails 'linux.seccomp.defaultAction'
	[[ "$CREATE_OUT" == *SCMP_ACT_NOPE* ]]
}

@test "seccomp: an unknown operator, architecture or flag is rejected at create" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_BOGUS"}]}]}'
	create_fails 'linux.seccomp.syscalls[0].args[0].op'
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_BOGUS"]}'
	create_fails 'linux.seccomp.architectures[1]'
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_BOGUS"]}'
	create_fails 'linux.seccomp.flags[0]'
}

@test "seccomp: SCMP_ACT_NOTIFY without listenerPath is rejected at create" {
	deny_mkdir SCMP_ACT_NOTIFY
	create_fails listenerPath
}

start_listener() {
	(cd / && exec timeout 60 "$PYTHON" -c "$LISTENER" "$T/listener.sock" "$T/listener.json" \
		</dev/null >"$T/listener.log" 2>&1) &
	LISTENER_PID=$!
	local i
	for ((i = 0; i < 200; i++)); do
		[ -S "$T/listener.sock" ] && return 0
		sleep 0.1
	done
	echo "the listener did not start: $(cat "$T/listener.log")" >&2
	return 1
}

@test "seccomp: SCMP_ACT_NOTIFY hands the notify fd and the state to listenerPath" {
	"$PYTHON" -c 'import socket; socket.recv_fds' 2>/dev/null || skip "python3 without socket.recv_fds"
	start_listener
	seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$T/listener.sock\", \"listenerMetadata\": \"meta-data 42\",
		\"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	add_shared
	set_cmd 'mkdir /tmp/x 2>/shared/mkdir.err; echo $? > /shared/mkdir.rc'
	id=$(new_id)
	create_ctr "$id"
	pid=$(pid_of "$id")
	# the listener has it before create returns (or very soon after)
	wait_file "$T/listener.json"
	cat "$T/listener.json"
	f=$T/listener.json
	[ "$(jq -r .nfds "$f")" = 1 ]
	[ "$(jq -r '.links[0]' "$f")" = "anon_inode:seccomp notify" ]
	[ "$(jq -c .state.fds "$f")" = '["seccompFd"]' ]
	[ "$(jq -r .state.pid "$f")" = "$pid" ]
	[ "$(jq -r .state.metadata "$f")" = "meta-data 42" ]
	[ "$(jq -r .state.ociVersion "$f")" != null ]
	[ "$(jq -r .state.state.id "$f")" = "$id" ]
	[ "$(jq -r .state.state.pid "$f")" = "$pid" ]
	[ "$(jq -r .state.state.bundle "$f")" = "$BUNDLE" ]
	[ "$(jq -r .state.state.status "$f")" = creating ] || [ "$(jq -r .state.state.status "$f")" = created ]
	# the message is a containerProcessState of the spec
	jq .state "$f" >"$T/cps.json"
	validate_json process-state-schema.json "$T/cps.json"
	# with the listener gone (fd closed), the notifying call fails with ENOSYS
	runtime start "$id"
	wait_file "$T/shared/mkdir.rc"
	[ "$(cat "$T/shared/mkdir.rc")" = 1 ]
	[[ "$(cat "$T/shared/mkdir.err")" == *"Function not implemented" ]]
}

@test "seccomp: SCMP_ACT_NOTIFY with no listener at listenerPath fails create" {
	seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$T/nobody.sock\",
		\"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	create_fails nobody.sock
}
