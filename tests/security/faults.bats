#!/usr/bin/env bats
# Fault injection: agentrun SIGKILLed at every step of create, start, exec,
# delete, checkpoint and restore (tests/tools/killat: ptrace, the whole
# runtime tree killed at the entry of its Nth syscall, the container's own
# processes left as a crash leaves them), then `delete -f`: no mount,
# cgroup, process, state entry or temp file may be left, and not a byte of
# the rootfs or of a bind-mount source may change. A full state root
# (ENOSPC) and a low fd limit (EMFILE) fail with a clear error and leave
# nothing either.
#
# FAULT_STRIDE (default 53): every how many syscalls to kill; 1 tries them
# all. FAULT_STRIDES="create=3 restore=20 ..." sets it per command (names
# as in the test titles, "run" for run -d); FAULT_FROM and FAULT_TO bound
# N. tests/README.md ("Fault
# injection") has the figures of a run.

load ../lib/bundle

KILLAT=${KILLAT:-$REPO/build/tests/tools/killat}
STRIDE=${FAULT_STRIDE:-53}

setup() {
	[ -x "$KILLAT" ] || skip "killat not built ($KILLAT): meson with -Dtests=true"
	setup_common
	add_shared
	echo "the bind source" >"$T/shared/data"
	# nothing the container runs writes to the rootfs or the bind source
	set_args sleep 1000
}

teardown() {
	teardown_common
}

criu_ok() {
	local bin v
	bin=$(PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v criu) || return 1
	v=$("$bin" --version 2>/dev/null | sed -n 's/^Version: *\([0-9][0-9.]*\).*/\1/p')
	[ -n "$v" ] && [ "$(printf '4.2\n%s\n' "$v" | sort -V | head -n1)" = 4.2 ]
}

tree_hash() {
	(cd "$1" && find . -xdev -printf '%p %y %m %s %l\n' | LC_ALL=C sort &&
		find . -xdev -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum) | sha256sum
}

# killed N ARGS...: agentrun ARGS under killat, killed at syscall N.
killed() {
	local n=$1
	shift
	timeout -k 5 60 "$KILLAT" -q -k criu -n "$n" -- "$AGENTRUN" --root "$STATE_ROOT" "$@" \
		</dev/null >>"$T/killed.out" 2>&1 3>&-
}

# syscalls ARGS...: how many syscalls agentrun ARGS makes (it runs).
syscalls() {
	timeout -k 5 60 "$KILLAT" -k criu -- "$AGENTRUN" --root "$STATE_ROOT" "$@" \
		</dev/null 2>"$T/count.err" >/dev/null 3>&-
	sed -n 's/^killat: syscalls=//p' "$T/count.err"
}

# clean ID N WHAT: after delete -f, nothing of ID is left; the bytes are
# those of the baseline.
clean() {
	local id=$1 n=$2 what=$3 x bad=
	runtime delete -f "$id" >"$T/delete.out" 2>&1 || bad="delete -f failed: $(cat "$T/delete.out")"
	x=$(state_entries "$id")
	[ -z "$x" ] || bad="$bad state: $x;"
	x=$(find "$STATE_ROOT" -name '*.tmp*' 2>/dev/null)
	[ -z "$x" ] || bad="$bad temp files: $x;"
	x=$(test_cgroups "$id")
	[ -z "$x" ] || bad="$bad cgroups: $x;"
	x=$(test_mounts)
	[ -z "$x" ] || bad="$bad mounts: $x;"
	# CRIU's own probe mounts (/tmp/.criu.*), made while it dumps
	x=$(awk '$5 ~ /\/\.criu\./ { print $5 }' /proc/self/mountinfo)
	[ -z "$x" ] || bad="$bad CRIU mounts on the host: $x;"
	x=$(test_pids)
	if [ -n "$x" ] && [ "${what%% *}" = restore ] && half_restored $x; then
		# KNOWN DEFECT, open (docs/security.md "Killed at any step"):
		# CRIU killed while it forks the restored tree leaves that
		# tree's first task orphaned, still "criu swrk", outside the
		# container's cgroup, where delete -f cannot reach it. runc
		# runs criu swrk in the container's cgroup; agentrun does not
		# yet. Reported on every hit, and by the skipped test below.
		echo "# KNOWN DEFECT: $what killed at syscall $n left a half-restored CRIU task: $x" >&3
		echo "$what $n $x" >>"$BATS_FILE_TMPDIR/half-restored"
		for x in $x; do kill -9 "$x" 2>/dev/null; done
		x=
	fi
	[ -z "$x" ] || bad="$bad processes: $x;"
	[ "$(tree_hash "$BUNDLE/rootfs")" = "$ROOTFS_HASH" ] || bad="$bad rootfs changed;"
	[ "$(tree_hash "$T/shared")" = "$SHARED_HASH" ] || bad="$bad bind source changed;"
	if [ -n "$bad" ]; then
		echo "$what killed at syscall $n: $bad" >&2
		# clean up for the next round
		for x in $(test_pids); do kill -9 "$x" 2>/dev/null; done
		runtime delete -f "$id" >/dev/null 2>&1
		while read -r x; do umount -l "$x" 2>/dev/null; done < <(test_mounts)
		while read -r x; do umount -l "$x" 2>/dev/null; done < <(awk '$5 ~ /\/\.criu\./ { print $5 }' /proc/self/mountinfo)
		return 1
	fi
}

# half_restored PID...: every one is an orphan that is still CRIU's binary
# ("criu swrk": a task CRIU forked and had not yet turned into the
# container's process), in the root cgroup
half_restored() {
	local p
	for p in "$@"; do
		[ "$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)" = 1 ] || return 1
		[[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" == *"criu swrk"* ]] || return 1
		grep -q '^0::/$' "/proc/$p/cgroup" 2>/dev/null || return 1
	done
}

# baseline: one full lifecycle first, so that the mount points create
# makes in the rootfs exist before its bytes are taken
baseline() {
	local id
	id=$(new_id)
	create_ctr "$id"
	runtime delete -f "$id"
	ROOTFS_HASH=$(tree_hash "$BUNDLE/rootfs")
	SHARED_HASH=$(tree_hash "$T/shared")
}

# sweep WHAT PREPARE ACTION: for N = 1, 1+STRIDE, ... up to the count of
# syscalls ACTION makes (+10%): PREPARE ID, ACTION under killat -n N,
# clean. PREPARE and ACTION are functions of the id.
sweep() {
	local what=$1 prepare=$2 action=$3 id total n fails=0 tried=0 killed_n=0 rc
	local stride=$STRIDE kv
	for kv in ${FAULT_STRIDES:-}; do
		[ "${kv%%=*}" = "${what%% *}" ] && stride=${kv#*=}
	done
	id=$(new_id)
	$prepare "$id"
	COUNT_ONLY=1 $action "$id"
	total=$LAST_COUNT
	clean "$id" 0 "$what (uninterrupted)" || fails=$((fails + 1))
	[ "${total:-0}" -gt 0 ]
	local last=$((total + total / 10))
	[ -n "${FAULT_TO:-}" ] && [ "$FAULT_TO" -lt "$last" ] && last=$FAULT_TO
	for ((n = ${FAULT_FROM:-1}; n <= last; n += stride)); do
		id=$(new_id)
		$prepare "$id"
		rc=0
		COUNT_ONLY= KILL_AT=$n $action "$id" || rc=$?
		[ "$rc" -eq 137 ] && killed_n=$((killed_n + 1))
		tried=$((tried + 1))
		clean "$id" "$n" "$what" || fails=$((fails + 1))
	done
	echo "# $what: $total syscalls, $tried kills tried (stride $stride), $killed_n killed it, $fails left something" >&3
	[ "$fails" -eq 0 ]
}

# run ID ARGS...: under killat, counting or killing as the sweep says.
under() {
	local id=$1
	shift
	# LeakSanitizer cannot run under ptrace (a sanitizer build): no leak
	# check for the traced runtime; everything else still reports
	local ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	export ASAN_OPTIONS
	if [ -n "${COUNT_ONLY:-}" ]; then
		LAST_COUNT=$(syscalls "$@")
	else
		killed "$KILL_AT" "$@"
	fi
}

nothing() { :; }
created() { create_ctr "$1"; }
running() { run_d "$1"; }

act_create() { under "$1" create --bundle "$BUNDLE" "$1"; }
act_start() { under "$1" start "$1"; }
act_exec() { under "$1" exec "$1" sh -c 'echo x >/dev/null'; }
act_delete() { under "$1" delete -f "$1"; }
act_run() { under "$1" run -d --bundle "$BUNDLE" "$1"; }

@test "faults: agentrun killed at every step of create" {
	baseline
	sweep create nothing act_create
}

@test "faults: agentrun killed at every step of start" {
	baseline
	sweep start created act_start
}

@test "faults: agentrun killed at every step of run -d" {
	baseline
	sweep "run -d" nothing act_run
}

@test "faults: agentrun killed at every step of exec" {
	baseline
	sweep exec running act_exec
}

@test "faults: agentrun killed at every step of delete" {
	baseline
	sweep delete running act_delete
}

act_checkpoint() {
	rm -rf "$T/img"
	under "$1" checkpoint --image-path "$T/img" "$1"
}

@test "faults: agentrun (and CRIU) killed at every step of checkpoint" {
	criu_ok || skip "criu >= 4.2 not installed"
	baseline
	sweep checkpoint running act_checkpoint
}

# a checkpoint of a container of this bundle, made once
make_image() {
	local id
	id=$(new_id)
	run_d "$id"
	runtime checkpoint --image-path "$T/master" "$id"
	runtime delete -f "$id"
}

act_restore() {
	rm -rf "$T/img"
	cp -a "$T/master" "$T/img"
	under "$1" restore -d --image-path "$T/img" --bundle "$BUNDLE" "$1"
}

@test "faults: agentrun (and CRIU) killed at every step of restore" {
	criu_ok || skip "criu >= 4.2 not installed"
	baseline
	make_image
	sweep restore nothing act_restore
}

@test "faults: restore killed together with CRIU leaves no half-restored CRIU task (KNOWN DEFECT, open)" {
	# Seen at 3cbc02b and later (restore killed at syscalls ~1320-1328 of
	# ~1410 with CRIU): the first task CRIU forks for the restored tree
	# stays, orphaned, outside the container's cgroup. The fix (runc's):
	# run criu swrk in the container's cgroup, so that everything it
	# forks is there for delete -f. Until then this is reported here, not
	# counted as passed.
	skip "known defect, not fixed yet: CRIU killed mid-restore can leave a half-restored task outside the container's cgroup (the restore sweep prints each hit)"
}

@test "faults: a full state root (ENOSPC) fails create with a clear error and leaves nothing" {
	baseline
	mkdir "$T/small"
	mount -t tmpfs -o size=64k tmpfs "$T/small"
	track_mount "$T/small"
	# fill it
	dd if=/dev/zero of="$T/small/fill" bs=4k count=100 2>/dev/null || true
	id=$(new_id)
	run timeout 20 "$AGENTRUN" --root "$T/small/state" create --bundle "$BUNDLE" "$id" </dev/null
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"No space left on device"* ]]
	# room for the directory, not for the files: fails later, same result
	rm "$T/small/fill"
	mkdir -p "$T/small/state"
	dd if=/dev/zero of="$T/small/fill" bs=1k count=1000 2>/dev/null || true
	run timeout 20 "$AGENTRUN" --root "$T/small/state" create --bundle "$BUNDLE" "$id" </dev/null
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"No space left on device"* ]]
	[ -z "$(ls -A "$T/small/state")" ]
	[ -z "$(test_cgroups "$id")" ]
	[ -z "$(test_pids)" ]
	[ "$(tree_hash "$BUNDLE/rootfs")" = "$ROOTFS_HASH" ]
	umount "$T/small"
}

@test "faults: a low fd limit (EMFILE) fails with a clear error and leaves nothing" {
	baseline
	local n ok=0
	for n in 7 8 9 10 11 12 14 16 20; do
		id=$(new_id)
		run timeout 20 bash -c 'ulimit -n "$1"; shift; exec "$@"' limit "$n" \
			"$AGENTRUN" --root "$STATE_ROOT" run -d --bundle "$BUNDLE" "$id" </dev/null
		echo "ulimit -n $n: $status: $output"
		if [ "$status" -ne 0 ]; then
			# one line saying what failed
			[ -n "$output" ] && [ "$(wc -l <<<"$output")" -eq 1 ]
			[[ "$output" == *"Too many open files"* ]] || [[ "$output" == *RLIMIT_NOFILE* ]]
		else
			ok=$((ok + 1))
		fi
		clean "$id" "$n" "ulimit -n $n"
	done
	echo "# fd limits tried: 9, succeeded: $ok" >&3
}

@test "faults: checkpoint to a full tmpfs fails with a clear error; the container runs on, nothing left" {
	criu_ok || skip "criu >= 4.2 not installed"
	baseline
	mkdir "$T/full"
	mount -t tmpfs -o size=256k tmpfs "$T/full"
	track_mount "$T/full"
	dd if=/dev/zero of="$T/full/fill" bs=4k count=1000 2>/dev/null || true
	id=$(new_id)
	run_d "$id"
	run runtime checkpoint --image-path "$T/full/img" "$id"
	echo "$output"
	[ "$status" -ne 0 ]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	[[ "$output" == *"No space left on device"* ]] || [[ "$output" == *"checkpoint of $id failed"* ]]
	[ "$(state_of "$id")" = running ]
	runtime exec "$id" true
	# the image directory asked for stays, empty: no temp file in it
	[ -z "$(ls -A "$T/full/img")" ]
	umount "$T/full"
	clean "$id" 0 "checkpoint to a full tmpfs"
}
