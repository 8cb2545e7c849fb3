#!/usr/bin/env bats
# The runtime binary and its processes, as the hostile container sees them
# while agentrun enters it: they must never be ptrace-able, and their
# /proc/PID/exe must never lead to the host's agentrun binary
# (CVE-2016-9962, CVE-2019-5736). Each test runs with fs.suid_dumpable 0, 1
# and 2 (saved and restored) against a COPY of the runtime, whose sha256 must
# not change.

load ../lib/bundle

setup() {
	setup_common
	REAL_AGENTRUN=$AGENTRUN
	SAVED_DUMPABLE=$(cat /proc/sys/fs/suid_dumpable)
	command -v gcc >/dev/null || skip "gcc not installed (the hostile helper is C)"
	# the runtime under attack: a copy, never the build output itself
	cp "$REAL_AGENTRUN" "$T/agentrun"
	AGENTRUN=$T/agentrun
	SUM=$(sha256sum <"$AGENTRUN")
	hostile_into_rootfs
	add_shared
}

teardown() {
	[ -n "${SAVED_DUMPABLE:-}" ] && echo "$SAVED_DUMPABLE" >/proc/sys/fs/suid_dumpable
	AGENTRUN=${REAL_AGENTRUN:-$AGENTRUN}
	teardown_common
}

# hostile_into_rootfs: the static attack helper (helpers/hostile.c), built
# once per run, at /bin/hostile in the bundle.
hostile_into_rootfs() {
	local bin=${BATS_RUN_TMPDIR:-/tmp}/hostile
	(
		flock 9
		[ -x "$bin" ] || gcc -static -O2 -o "$bin" "$BATS_TEST_DIRNAME/helpers/hostile.c"
	) 9>"$bin.lock"
	cp "$bin" "$BUNDLE/rootfs/bin/hostile"
	chmod 755 "$BUNDLE/rootfs/bin/hostile"
}

# the report must show no success against the runtime: not attached to an
# agentrun process before its execve, no /proc/PID/exe of one opened (with
# "exe": only the host binary's counts, the sealed memfd copy is harmless),
# nothing overwritten, the binary unchanged
assert_not_reached() {
	local f=$1 what=${2:-all} bad
	echo "--- $f" >&2
	cat "$f" >&2
	[ -z "${DEBUG_EXE:-}" ] || cat "$f" >&3
	grep -q '^DONE' "$f"
	if [ "$what" = all ]; then
		bad='^(ATTACHED [0-9]+ .*agentrun|EXE-OPENED|EXE-READABLE|OVERWROTE)'
	else
		bad='^(EXE-OPENED [0-9]+ /[^m]|EXE-OPENED [0-9]+ /m[^e]|OVERWROTE)'
	fi
	if grep -E "$bad" "$f" >&2; then
		echo "the attack reached the runtime" >&2
		return 1
	fi
	[ "$(sha256sum <"$AGENTRUN")" = "$SUM" ]
}

# start_watcher OUT: a container whose init is `hostile watch /shared/OUT`,
# attacking every new process; sets id
start_watcher() {
	rm -f "$T/shared/stop"
	set_args /bin/hostile watch "/shared/$1" 60
	id=$(new_id)
	run_d "$id"
	track_pid "$(pid_of "$id")"
	wait_file "$T/shared/$1"
}

# done_and_unreached OUT: wait up to 15 s for the attacker's DONE, check
# it reached nothing, delete the container
done_and_unreached() {
	for ((i = 0; i < 150; i++)); do
		grep -q '^DONE' "$T/shared/$1" && break
		sleep 0.1
	done
	assert_not_reached "$T/shared/$1"
	runtime delete -f "$id"
}

# stop_watcher OUT: stop the watcher, then done_and_unreached
stop_watcher() {
	touch "$T/shared/stop"
	done_and_unreached "$1"
}

@test "exe: the init waiting for start can neither be ptraced nor its exe opened, then overwritten (CVE-2016-9962, CVE-2019-5736)" {
	# uid 1000 with the same capabilities as the attacker: only
	# dumpable stands between them
	cfg '.process.user = {"uid": 1000, "gid": 1000}
		| .process.capabilities = {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"], "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}
		| .process.args = ["true"]'
	for d in 0 1 2; do
		echo "$d" >/proc/sys/fs/suid_dumpable
		id=$(new_id)
		create_ctr "$id"
		track_pid "$(pid_of "$id")"
		runtime exec -d "$id" /bin/hostile hold "/shared/init.$d" 10 1
		wait_file "$T/shared/init.$d"
		grep -q READY "$T/shared/init.$d" || sleep 1
		# start: the init execs `true`, every agentrun process exits; a
		# held /proc/1/exe would now be writable
		runtime start "$id"
		done_and_unreached "init.$d"
	done
}

@test "exe: an exec'd process being set up can neither be ptraced nor its exe opened, even by CAP_SYS_PTRACE in the container's user namespace (CVE-2016-9962, CVE-2019-5736)" {
	make_traversable
	cfg '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .process.capabilities = {"bounding": ["CAP_SYS_PTRACE", "CAP_KILL"], "effective": ["CAP_SYS_PTRACE", "CAP_KILL"], "permitted": ["CAP_SYS_PTRACE", "CAP_KILL"]}'
	# a long PATH keeps the exec'd process in agentrun's code for a while
	local path
	path=$(printf '/no/%d:' $(seq 1 4000))/bin
	for d in 0 1 2; do
		echo "$d" >/proc/sys/fs/suid_dumpable
		start_watcher "watch.$d"
		for ((i = 0; i < 8; i++)); do
			runtime exec --env "PATH=$path" "$id" true
		done
		stop_watcher "watch.$d"
	done
}

@test "exe: exec --user to another uid: a process of that uid cannot ptrace the joiner while it changes ids (fs.suid_dumpable 1)" {
	# With fs.suid_dumpable 1 each change of the effective ids makes the
	# process dumpable until agentrun's next prctl. Two things keep a
	# container process of the target uid out in that moment: agentrun
	# keeps its saved ids until it is not dumpable again (ptrace needs the
	# caller's uid to be all three of the target's), and it still holds a
	# full permitted set then (ptrace needs the caller's to cover it). The
	# attacker here is uid 1000 with the capabilities a joiner needs to
	# change ids, so that a build cut to those would rest on the ids alone
	# (tests/security/README.md: how each was weakened).
	cfg '["CAP_KILL", "CAP_SETUID", "CAP_SETGID"] as $c
		| .process.user = {"uid": 1000, "gid": 1000}
		| .process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c, "inheritable": $c, "ambient": $c}'
	echo 1 >/proc/sys/fs/suid_dumpable
	start_watcher user.1
	for ((i = 0; i < 10; i++)); do
		runtime exec --user 1000:1000 "$id" true
	done
	stop_watcher user.1
}

@test "exe: a container process running /proc/self/exe gets a sealed copy of agentrun, never the host binary (CVE-2019-5736)" {
	# the hostile image's entrypoint is /proc/self/exe: the runtime's own
	# image then runs as the container process; its --log fifo holds it
	# there while the attacker takes an O_PATH fd on its /proc/PID/exe,
	# to write it once the runtime has exited
	# a full image has the dynamic loader and the libraries agentrun uses
	local lib
	for lib in $(ldd "$AGENTRUN" | grep -o '/[^ ]*'); do
		mkdir -p "$BUNDLE/rootfs$(dirname "$lib")"
		cp -L "$lib" "$BUNDLE/rootfs$lib"
	done
	for d in 0 1 2; do
		echo "$d" >/proc/sys/fs/suid_dumpable
		rm -f "$T/shared/stop" "$T/shared/fifo"
		mkfifo -m 666 "$T/shared/fifo"
		set_args /bin/hostile watch "/shared/evil.$d" 60
		id=$(new_id)
		run_d "$id"
		track_pid "$(pid_of "$id")"
		wait_file "$T/shared/evil.$d"
		runtime exec -d "$id" /proc/self/exe --log=/shared/fifo pwn
		for ((i = 0; i < 50; i++)); do
			grep -q '^EXE-OPENED' "$T/shared/evil.$d" && break
			sleep 0.1
		done
		# let it go: it logs, fails ("No help topic") and exits
		timeout 10 cat "$T/shared/fifo" >/dev/null
		touch "$T/shared/stop"
		for ((i = 0; i < 150; i++)); do
			grep -q '^DONE' "$T/shared/evil.$d" && break
			sleep 0.1
		done
		assert_not_reached "$T/shared/evil.$d" exe
		runtime delete -f "$id"
	done
}

@test "exe: the sealed copy is the binary's loadable part, byte for byte, with every seal" {
	set_args sleep 30
	id=$(new_id)
	"$AGENTRUN" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 &
	apid=$!
	wait_status "$id" running
	exe=/proc/$apid/exe
	[ "$(readlink "$exe")" = "/memfd:agentrun (deleted)" ]
	size=$(stat -L -c %s "$exe")
	full=$(stat -c %s "$AGENTRUN")
	[ "$size" -gt 0 ] && [ "$size" -le "$full" ]
	# what it copies: up to the end of the furthest program header's data
	want=$("$PYTHON" - "$AGENTRUN" <<-'PY'
		import struct, sys
		d = open(sys.argv[1], "rb").read()
		phoff, = struct.unpack_from("<Q", d, 32)
		phentsize, phnum = struct.unpack_from("<HH", d, 54)
		end = max(64, phoff + phnum * phentsize)
		for i in range(phnum):
		    off, filesz = struct.unpack_from("<Q", d, phoff + i * phentsize + 8)[0], struct.unpack_from("<Q", d, phoff + i * phentsize + 32)[0]
		    end = max(end, off + filesz)
		print(end)
	PY
	)
	[ "$size" = "$want" ]
	cmp -n "$size" "$exe" "$AGENTRUN"
	# F_GET_SEALS (1034): SEAL, SHRINK, GROW, WRITE
	seals=$("$PYTHON" -c 'import fcntl, sys; f = open(sys.argv[1], "rb"); print(fcntl.fcntl(f.fileno(), 1034) & 15)' "$exe")
	[ "$seals" = 15 ]
	runtime kill "$id" KILL
	wait "$apid" || true
	runtime delete -f "$id" 2>/dev/null || true
}
