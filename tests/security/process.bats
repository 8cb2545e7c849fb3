#!/usr/bin/env bats
# The container process as agentrun leaves it: capabilities (fail closed),
# no_new_privs kept by exec --process, and no fd of the runtime or its
# caller left open when the user's binary is executed. Each test plays the
# hostile container or a hostile image and states the CVE class it stands
# for.

load ../lib/bundle

setup() {
	setup_common
	command -v gcc >/dev/null || skip "gcc not installed (the hostile helper is C)"
	hostile_into_rootfs
}
teardown() { teardown_common; }

# hostile_into_rootfs: the static attack helper (helpers/hostile.c), built
# once per run, at /bin/hostile in the bundle and in $T/hostdir (a host
# directory the caller leaks).
hostile_into_rootfs() {
	local bin=${BATS_RUN_TMPDIR:-/tmp}/hostile
	(
		flock 9
		[ -x "$bin" ] || gcc -static -O2 -o "$bin" "$BATS_TEST_DIRNAME/helpers/hostile.c"
	) 9>"$bin.lock"
	cp "$bin" "$BUNDLE/rootfs/bin/hostile"
	mkdir -p "$T/hostdir"
	cp "$bin" "$T/hostdir/escape"
	chmod 755 "$BUNDLE/rootfs/bin/hostile" "$T/hostdir/escape"
}

# rt: the runtime without the 3>&- of `runtime`, so a test can leak fds
rt() {
	timeout -k 5 "$RUNTIME_TIMEOUT" "$AGENTRUN" --root "$STATE_ROOT" "$@"
}

ATTACK_CAPS='grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb):" /proc/self/status
touch /tmp/f && chown 1000:1000 /tmp/f 2>/dev/null && echo CHOWN-WORKED
mount -t tmpfs t /mnt 2>/dev/null && echo MOUNT-WORKED
echo end'

# no capability at all: five zero sets, and the privileged calls fail
assert_no_caps() {
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = end ]
	local set
	for set in CapInh CapPrm CapEff CapBnd CapAmb; do
		grep -qx "$set:	0000000000000000" <<<"$output"
	done
	if grep -q WORKED <<<"$output"; then
		return 1
	fi
}

@test "caps: a config without process.capabilities gives no capability and an empty bounding set (fail closed; runc's rule)" {
	cfg 'del(.process.capabilities)'
	run_ctr "$ATTACK_CAPS"
	assert_no_caps
}

@test "caps: exec --process with a process JSON without capabilities gives none (fail closed)" {
	cfg '.process.capabilities.bounding += ["CAP_CHOWN", "CAP_SYS_ADMIN"]'
	start_ctr 'sleep 1000'
	jq -n --arg s "$ATTACK_CAPS" '{"args": ["sh", "-c", $s], "cwd": "/", "user": {"uid": 0, "gid": 0}, "env": ["PATH=/bin"]}' >"$T/process.json"
	run runtime exec --process "$T/process.json" "$ID"
	assert_no_caps
}

@test "caps: exec --cap is never inheritable, and not ambient without inheritable capabilities (CVE-2022-29162)" {
	start_ctr 'sleep 1000'
	run runtime exec --cap CAP_NET_RAW --cap CAP_SYS_ADMIN "$ID" grep -E '^Cap(Inh|Eff|Amb):' /proc/self/status
	echo "$output" >&2
	[ "$status" -eq 0 ]
	grep -qx "CapInh:	0000000000000000" <<<"$output"
	grep -qx "CapAmb:	0000000000000000" <<<"$output"
	# the added ones are there (CAP_NET_RAW 13, CAP_SYS_ADMIN 21)
	local eff
	eff=$(awk '$1 == "CapEff:" { print $2 }' <<<"$output")
	(((0x$eff >> 13) & 1))
	(((0x$eff >> 21) & 1))
}

@test "nnp: exec --process without noNewPrivileges keeps the container's no_new_privs (a setuid binary in the image gains nothing)" {
	cfg '.process.noNewPrivileges = true'
	start_ctr 'sleep 1000'
	echo '{"args": ["grep", "NoNewPrivs", "/proc/self/status"], "cwd": "/", "user": {"uid": 0, "gid": 0}}' >"$T/process.json"
	run runtime exec --process "$T/process.json" "$ID"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$output" = "NoNewPrivs:	1" ]
	# an explicit false is the caller's choice
	echo '{"args": ["grep", "NoNewPrivs", "/proc/self/status"], "cwd": "/", "user": {"uid": 0, "gid": 0}, "noNewPrivileges": false}' >"$T/process.json"
	run runtime exec --process "$T/process.json" "$ID"
	[ "$output" = "NoNewPrivs:	0" ]
}

# leak_host_dir ARGS...: the runtime with a host directory leaked by its
# caller as fds 7 and 1500 (past 1024: closing must go to the last fd)
leak_host_dir() {
	bash -c 'ulimit -n 4096 && exec 7<"$1" 1500<"$1" && shift && exec timeout -k 5 20 "$@" </dev/null' \
		_ "$T/hostdir" "$AGENTRUN" --root "$STATE_ROOT" "$@"
}

# The caller leaks a host directory (fds 7 and 1500, not close-on-exec). A hostile
# image names the user binary /proc/self/fd/N/escape: if any runtime or
# caller fd that is a directory is still open at the user's execve, the
# host's $T/hostdir/escape runs (CVE-2024-21626, the args[0] variant).
@test "fds: no fd is left open at the user's execve, args[0] /proc/self/fd/N/... reaches nothing (run; CVE-2024-21626)" {
	local n
	for n in $(seq 3 12) 1500; do
		set_args "/proc/self/fd/$n/escape" fds
		id=$(new_id)
		run leak_host_dir run --bundle "$BUNDLE" "$id"
		echo "fd $n: status $status: $output" >&2
		[ "$status" -ne 0 ]
		if grep -q '^fd ' <<<"$output"; then
			return 1
		fi
	done
}

@test "fds: no fd is left open at the user's execve, args[0] /proc/self/fd/N/... reaches nothing (exec; CVE-2024-21626)" {
	start_ctr 'sleep 1000'
	local n
	for n in $(seq 3 12) 1500; do
		run leak_host_dir exec "$ID" "/proc/self/fd/$n/escape" fds
		echo "fd $n: status $status: $output" >&2
		[ "$status" -ne 0 ]
		if grep -q '^fd ' <<<"$output"; then
			return 1
		fi
	done
}

@test "fds: a cwd through a leaked fd (/proc/self/fd/N) never starts the process outside the root (run and exec; CVE-2024-21626)" {
	local n
	start_ctr 'sleep 1000'
	for n in 7 1500; do
		set_args sh -c 'echo RAN-IN $(pwd)'
		cfg '.process.cwd = $c' --arg c "/proc/self/fd/$n"
		id=$(new_id)
		run leak_host_dir run --bundle "$BUNDLE" "$id"
		echo "run, fd $n: status $status: $output" >&2
		[ "$status" -ne 0 ]
		if grep -q RAN-IN <<<"$output"; then
			return 1
		fi
		run leak_host_dir exec --cwd "/proc/self/fd/$n" "$ID" sh -c 'echo RAN-IN $(pwd)'
		echo "exec, fd $n: status $status: $output" >&2
		[ "$status" -ne 0 ]
		if grep -q RAN-IN <<<"$output"; then
			return 1
		fi
	done
}

# A hostile binary lists its fds at its first instruction: stdio and the
# preserved fds only, nothing of the runtime's or its caller's.
@test "fds: the user's binary starts with stdio and --preserve-fds only (run and exec)" {
	echo preserved >"$T/p3"
	set_args /bin/hostile fds
	id=$(new_id)
	run rt run --preserve-fds 1 --bundle "$BUNDLE" "$id" 3<"$T/p3" 7<"$T/hostdir" 9<"$T/p3" </dev/null
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$(grep -c '^fd ' <<<"$output")" -eq 4 ]
	grep -q "^fd 3 $T/p3\$" <<<"$output"
	start_ctr 'sleep 1000'
	run rt exec --preserve-fds 1 "$ID" /bin/hostile fds 3<"$T/p3" 7<"$T/hostdir" 9<"$T/p3" </dev/null
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$(grep -c '^fd ' <<<"$output")" -eq 4 ]
	grep -q "^fd 3 $T/p3\$" <<<"$output"
}

@test "fds: LISTEN_FDS is honoured only with LISTEN_PID = agentrun's pid (sd_listen_fds; a stray LISTEN_FDS leaks no host fd)" {
	echo secret >"$T/secret"
	set_args /bin/hostile fds
	# LISTEN_PID names another process: fd 3 is not ours to pass
	id=$(new_id)
	run env LISTEN_FDS=1 LISTEN_PID=1 timeout 20 "$AGENTRUN" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$id" 3<"$T/secret" </dev/null
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$(grep -c '^fd ' <<<"$output")" -eq 3 ]
	# LISTEN_PID is us (exec keeps the pid): passed, and the container told
	set_cmd 'echo "$LISTEN_FDS $LISTEN_PID"; /bin/hostile fds'
	id=$(new_id)
	run timeout 20 sh -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" --root "$1" run --bundle "$2" "$3"' \
		"$AGENTRUN" "$STATE_ROOT" "$BUNDLE" "$id" 3<"$T/secret" </dev/null
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1 1" ]
	grep -q "^fd 3 $T/secret\$" <<<"$output"
}
