#!/usr/bin/env bats
# Sessions (docs/sessions.md): suspend to disk and wake in place (also
# through resume and exec), kill and delete of a suspended session, the
# agent profile and a terminal; fork of a running session into copies;
# idle detection.

load ../lib/bundle
load ../lib/sessions

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

@test "sessions: --help lists suspend, wake, fork and idle; each describes its flags" {
	run "$AGENTRUN" --help
	[ "$status" -eq 0 ]
	for cmd in suspend wake fork idle; do
		grep -qE "^   $cmd " <<<"$output"
	done
	run "$AGENTRUN" suspend --help
	[[ "$output" == *--image-path* ]]
	run "$AGENTRUN" wake --help
	[[ "$output" == *--console-socket* ]]
	run "$AGENTRUN" fork --help
	[[ "$output" == *--count* ]]
	[[ "$output" == *--bundle* ]]
	run "$AGENTRUN" idle --help
	[[ "$output" == *--for* ]]
	[[ "$output" == *--watch* ]]
	run "$AGENTRUN" exec --help
	[[ "$output" == *--no-wake* ]]
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
	run pid_alive "$pid"
	[ "$status" -ne 0 ]
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
	[ "$status" -eq 0 ]
	[ "$output" = "[]" ]
	run runtime pause "$id"
	[ "$status" -ne 0 ]
	run runtime suspend "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"already suspended"* ]]
	run runtime exec --no-wake "$id" true
	[ "$status" -ne 0 ]
	[[ "$output" == *"is suspended"*"--no-wake"* ]]
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

@test "suspend: the image is durable before suspend returns: every file, the directory and its parent fsynced before the state says suspended" {
	command -v strace >/dev/null || skip "strace not installed (scripts/deps.sh installs it)"
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 2
	suspend_traced "$id" "$T/img"
	[ "$(annotation "$id" org.agentrun.suspended)" = "$T/img" ]
	assert_image_synced "$T/img"
	# the image is CRIU's, agentrun's record and the dump log
	[ -n "$(ls "$T/img"/pages-*.img)" ]
	[ -f "$T/img/agentrun-criu.txt" ]
	runtime wake "$id"
	c=$(count "$id")
	wait_count "$id" "$c"
	runtime delete -f "$id"
	assert_no_leftovers "$id"
}

@test "suspend: an fsync that fails (EIO) fails the suspend and the session goes on running as it was" {
	# a real failing fsync: ext4 on a loop device whose backing file lies
	# on a tmpfs too small for the image. CRIU's writes land in the page
	# cache; the writeback that fsync waits for fails (ENOSPC under the
	# loop device, EIO to the filesystem)
	command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 not installed (e2fsprogs)"
	mkdir -p "$T/small" "$T/fs"
	mount -t tmpfs -o size=24M tmpfs "$T/small"
	track_mount "$T/small"
	truncate -s 256M "$T/small/ext4.img"
	mkfs.ext4 -q -E lazy_itable_init=1,lazy_journal_init=1 "$T/small/ext4.img"
	mount -o loop "$T/small/ext4.img" "$T/fs"
	track_mount "$T/fs"
	# 64 MiB of memory (dd's buffer, held while dd blocks on the pipe)
	set_cmd 'exec </dev/null >/dev/null 2>&1; dd if=/dev/zero bs=64M count=1 | sleep 100000 & i=0; while true; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 2
	pid=$(pid_of "$id")
	run runtime suspend --image-path "$T/fs/img" "$id"
	echo "$output" | sed 's/^/# /' >&3
	[ "$status" -ne 0 ]
	[[ "$output" == *"suspend of $id failed (it goes on running)"*fsync*"$T/fs/img"* ]]
	# as it was: the same process, running, not suspended, counting
	[ "$(state_of "$id")" = running ]
	[ "$(pid_of "$id")" = "$pid" ]
	[ -z "$(annotation "$id" org.agentrun.suspended)" ]
	c=$(count "$id")
	wait_count "$id" "$c"
	runtime delete -f "$id"
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
	[ "$status" -ne 0 ]
	[[ "$output" == *"not empty"* ]]
	[ "$(state_of "$id")" = running ]
	[ -e "$T/full/x" ]
	runtime suspend --image-path "$T/img" "$id"
	[ "$(annotation "$id" org.agentrun.suspended)" = "$T/img" ]
	run runtime kill "$id" USR1
	[ "$status" -ne 0 ]
	[[ "$output" == *suspended* ]]
	[ -d "$T/img" ]
	runtime kill "$id" TERM
	[ ! -e "$T/img" ]
	[ "$(state_of "$id")" = stopped ]
	[ -z "$(annotation "$id" org.agentrun.suspended)" ]
	run runtime wake "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not suspended"* ]]
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
	[ "$status" -ne 0 ]
	[[ "$output" == *"still suspended"* ]]
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
	[ "$status" -ne 0 ]
	[[ "$output" == *"created by libpod"* ]]
	[ "$(state_of "$id")" = running ]
	[ -z "$(ls "$STATE_ROOT/$id")" ] || [ ! -e "$STATE_ROOT/$id/image" ]
}

@test "suspend: the agent sandbox (user namespace, read-only root, tmpfs /work) wakes with its /work" {
	make_traversable
	mkdir -p "$BUNDLE/rootfs/work"
	rm "$BUNDLE/config.json"
	runtime spec --profile agent --bundle "$BUNDLE"
	# CRIU cannot checkpoint a Landlock domain (see landlock.bats)
	cfg '.annotations["run.agentrun.landlock"] = "off" | .process.terminal = false'
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
	[ "$status" -ne 0 ]
	[[ "$output" == *"--console-socket"* ]]
	console_receiver "$T/c2.sock" "$T/tty2"
	runtime wake --console-socket "$T/c2.sock" "$id"
	wait_file "$T/tty2"
	for ((i = 0; i < 50; i++)); do grep -q tick "$T/tty2" && break; sleep 0.1; done
	grep -q tick "$T/tty2"
}

# ------------------------------------------------------------------ fork

# a bundle whose container counts in /tmp/count and has a writable bind
# mount of $T/data at /data
data_bundle() {
	mkdir -p "$T/data" "$BUNDLE/rootfs/data"
	echo orig >"$T/data/file"
	cfg '.mounts += [{"destination": "/data", "type": "bind", "source": $s, "options": ["rbind", "rw"]}]' --arg s "$T/data"
}

netns_of() {
	readlink "/proc/$(pid_of "$1")/ns/net"
}

@test "fork: the copy goes on from the source's state; data is copied, not shared; the source keeps running" {
	data_bundle
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 3
	run runtime fork "$id" "$id-f"
	echo "$output" | sed 's/^/# /' >&3
	[ "$status" -eq 0 ]
	echo "$id-f" >>"$T/.ids"
	[[ "$output" == *"cloned $T/data -> "*"(copy"* ]] || [[ "$output" == *"cloned $T/data -> "*"(reflink"* ]]
	[[ "$output" == *"paused $id "*" ms"* ]]
	[ "$(state_of "$id")" = running ]
	[ "$(state_of "$id-f")" = running ]
	# the copy's counter starts where the source's was, not at 0
	c=$(count "$id-f")
	[ "$c" -ge 3 ]
	wait_count "$id-f" "$c"
	s=$(count "$id")
	wait_count "$id" "$s"
	# its own network namespace, cgroup and pid
	[ "$(netns_of "$id")" != "$(netns_of "$id-f")" ]
	[ "$(pid_of "$id")" != "$(pid_of "$id-f")" ]
	[ -n "$(test_cgroups "$id-f")" ]
	# data: the copy sees the source's file, and writes of each stay its own
	[ "$(runtime exec "$id-f" cat /data/file)" = orig ]
	runtime exec "$id-f" sh -c 'echo copy > /data/file; echo new > /data/only-copy'
	runtime exec "$id" sh -c 'echo source > /data/only-source'
	[ "$(cat "$T/data/file")" = orig ]
	[ ! -e "$T/data/only-copy" ]
	run runtime exec "$id-f" cat /data/only-source
	[ "$status" -ne 0 ]
	[ "$(runtime exec "$id" cat /data/file)" = orig ]
	# the writable rootfs is the copy's own too
	runtime exec "$id-f" touch /rootfs-copy-only
	[ ! -e "$BUNDLE/rootfs/rootfs-copy-only" ]
	run runtime exec "$id" ls /rootfs-copy-only
	[ "$status" -ne 0 ]
	runtime delete -f "$id-f"
	[ "$(state_of "$id")" = running ]
	runtime delete -f "$id"
	assert_no_leftovers "$id" "$id-f"
}

@test "fork: --count 4 makes four running copies, each with its own state, data, network namespace" {
	data_bundle
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 2
	for k in 1 2 3 4; do echo "$id-c-$k" >>"$T/.ids"; done
	run runtime fork --count 4 "$id" "$id-c"
	echo "$output" | sed 's/^/# /' >&3
	[ "$status" -eq 0 ]
	[ "$(grep -c "^cloned $T/data -> " <<<"$output")" -eq 4 ]
	[ "$(grep -c "^forked $id -> $id-c-" <<<"$output")" -eq 4 ]
	declare -A seen=()
	for k in 1 2 3 4; do
		[ "$(state_of "$id-c-$k")" = running ]
		c=$(count "$id-c-$k")
		[ "$c" -ge 2 ]
		runtime exec "$id-c-$k" sh -c "echo $k > /data/who"
		n=$(netns_of "$id-c-$k")
		[ -z "${seen[$n]:-}" ]
		seen[$n]=1
		# lo is up in each (a new namespace, as after restore)
		run runtime exec "$id-c-$k" cat /sys/class/net/lo/operstate
		[ "$output" = unknown ] || [ "$output" = up ]
	done
	for k in 1 2 3 4; do [ "$(runtime exec "$id-c-$k" cat /data/who)" = "$k" ]; done
	[ ! -e "$T/data/who" ]
	[ "$(state_of "$id")" = running ]
	runtime list --format json | jq -e "[.[] | select(.id | startswith(\"$id-c-\"))] | length == 4"
	for k in 1 2 3 4; do runtime delete -f "$id-c-$k"; done
	runtime delete -f "$id"
	assert_no_leftovers
}

@test "fork: a new id in use is refused before anything is frozen or made" {
	id=$(new_id)
	run_d "$id"
	other=$(new_id)
	run_d "$other"
	run runtime fork --count 1 "$id" "$other"
	[ "$status" -ne 0 ]
	[[ "$output" == *"exists"* ]]
	[ "$(state_of "$id")" = running ]
	[ "$(state_of "$other")" = running ]
	[ -z "$(ls -A "$STATE_ROOT" | grep '^\.fork')" ]
	run runtime fork --count 0 "$id" x
	[ "$status" -ne 0 ]
}

@test "fork: the agent sandbox (user namespace, read-only root shared, tmpfs /work in the image, a project copied)" {
	make_traversable
	mkdir -p "$BUNDLE/rootfs/work" "$BUNDLE/rootfs/project" "$T/proj"
	echo code >"$T/proj/main.c"
	rm "$BUNDLE/config.json"
	runtime spec --profile agent --bundle "$BUNDLE"
	# CRIU cannot checkpoint a Landlock domain (see landlock.bats)
	cfg '.annotations["run.agentrun.landlock"] = "off" | .process.terminal = false'
	uid=$(jq -r '.linux.uidMappings[0].hostID' "$BUNDLE/config.json")
	chown -R "$uid:$uid" "$T/proj"
	cfg '.mounts += [{"destination": "/project", "type": "bind", "source": $s, "options": ["rbind", "rw"]}]' --arg s "$T/proj"
	set_cmd 'echo kept > /work/file; i=0; while true; do i=$((i+1)); echo $i > /work/c.new; mv /work/c.new /work/count; sleep 0.1; done'
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 1 /work/count
	echo "$id-a" >>"$T/.ids"
	run runtime fork "$id" "$id-a"
	echo "$output" | sed 's/^/# /' >&3
	[ "$status" -eq 0 ]
	# the read-only root is shared, not copied: only the project is
	[ "$(grep -c '^cloned' <<<"$output")" -eq 1 ]
	[ "$(runtime exec "$id-a" cat /work/file)" = kept ]
	c=$(count "$id-a" /work/count)
	[ "$c" -ge 1 ]
	wait_count "$id-a" "$c" /work/count
	run runtime exec "$id-a" touch /rootfs-is-ro
	[ "$status" -ne 0 ]
	[ "$(runtime exec "$id-a" cat /proc/self/uid_map | awk '{print $2}')" = "$uid" ]
	runtime exec "$id-a" sh -c 'echo changed > /project/main.c'
	[ "$(cat "$T/proj/main.c")" = code ]
	[ "$(runtime exec "$id" cat /project/main.c)" = code ]
	# the tmpfs /work is the copy's own
	runtime exec "$id-a" sh -c 'echo mine > /work/file'
	[ "$(runtime exec "$id" cat /work/file)" = kept ]
}

@test "fork: a container with a terminal; the copy's new pty goes to --console-socket" {
	cfg '.process.terminal = true'
	set_cmd 'i=0; while true; do i=$((i+1)); echo tick$i; echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
	console_receiver "$T/c1.sock" "$T/tty1"
	id=$(new_id)
	runtime run -d --console-socket "$T/c1.sock" --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>"$T/err"
	wait_count "$id" 2
	console_receiver "$T/c2.sock" "$T/tty2"
	echo "$id-t" >>"$T/.ids"
	runtime fork --console-socket "$T/c2.sock" "$id" "$id-t"
	wait_file "$T/tty2"
	for ((i = 0; i < 50; i++)); do grep -q tick "$T/tty2" && break; sleep 0.1; done
	grep -q tick "$T/tty2"
	run runtime exec "$id-t" readlink /proc/1/fd/1
	[[ "$output" == /dev/pts/* ]]
	[ "$(state_of "$id")" = running ]
}

# reflink_fs TYPE DIR: a loop-mounted filesystem of TYPE (btrfs, xfs) on a
# sparse image under $T, at DIR (unmounted by teardown; the loop device
# goes with it: autoclear).
reflink_fs() {
	local type=$1 dir=$2
	command -v "mkfs.$type" >/dev/null || skip "mkfs.$type not installed ($type-progs)"
	grep -qw "$type" /proc/filesystems || modprobe "$type" 2>/dev/null || skip "no $type in this kernel"
	truncate -s 320M "$T/$type.img"
	"mkfs.$type" -q "$T/$type.img" >/dev/null 2>&1 || "mkfs.$type" "$T/$type.img" >/dev/null
	mkdir -p "$dir"
	mount -o loop "$T/$type.img" "$dir"
	track_mount "$dir"
	chmod 755 "$dir"
}

# fork_reflinked TYPE: the data of a bind mount on TYPE is reflinked for the
# copy: the output says so, the filesystem holds the 64 MiB once, and a
# write in the copy stays the copy's.
fork_reflinked() {
	local fs=$T/fs used0 used1 id
	reflink_fs "$1" "$fs"
	mkdir -p "$fs/data" "$fs/forks" "$BUNDLE/rootfs/data"
	head -c 64M /dev/urandom >"$fs/data/blob"
	sum=$(md5sum <"$fs/data/blob")
	cfg '.root.readonly = true | .mounts += [{"destination": "/data", "type": "bind", "source": $s, "options": ["rbind", "rw"]}]' --arg s "$fs/data"
	set_cmd 'while true; do sleep 1; done'
	id=$(new_id)
	run_d "$id"
	sync -f "$fs"
	used0=$(df -k --output=used "$fs" | tail -1)
	echo "$id-r" >>"$T/.ids"
	run runtime fork --bundle "$fs/forks" "$id" "$id-r"
	echo "$output" | sed 's/^/# /' >&3
	[ "$status" -eq 0 ]
	[[ "$output" == *"cloned $fs/data -> $fs/forks/$id-r/mounts/"*"(reflink, 1 files"* ]]
	sync -f "$fs"
	used1=$(df -k --output=used "$fs" | tail -1)
	echo "# used before $used0 KiB, after $used1 KiB" >&3
	# a plain copy would take 65536 KiB more
	[ $((used1 - used0)) -lt 16384 ]
	[ "$(runtime exec "$id-r" md5sum </dev/null /data/blob | cut -d' ' -f1)" = "${sum%% *}" ]
	runtime exec "$id-r" sh -c 'echo x | dd of=/data/blob conv=notrunc 2>/dev/null'
	[ "$(md5sum <"$fs/data/blob")" = "$sum" ]
	runtime delete -f "$id-r"
	runtime delete -f "$id"
}

@test "fork: on btrfs the data is reflinked (FICLONE), not copied" {
	fork_reflinked btrfs
}

@test "fork: on XFS the data is reflinked (FICLONE), not copied" {
	fork_reflinked xfs
}

# ------------------------------------------------------------------ idle

@test "idle: a sleeping container is idle, a busy one is not; --suspend suspends only the idle one" {
	set_args sleep 1000
	quiet=$(new_id)
	run_d "$quiet"
	set_cmd 'while true; do echo x > /tmp/f; sleep 0.05; done'
	busy=$(new_id)
	run_d "$busy"
	# the first run only samples: nothing is known idle yet
	run runtime idle --for 1s --json
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" = 0 ]
	run runtime idle --for 1s --json --all
	jq -e --arg id "$quiet" '.[] | select(.id == $id and .idle == false)' <<<"$output"
	[ -s "$STATE_ROOT/$quiet/idle.sample" ]
	sleep 1.5
	run runtime idle --for 1s --json
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e --arg id "$quiet" '.[] | select(.id == $id and .idle and .stillSeconds >= 1)' <<<"$output"
	[ "$(jq --arg id "$busy" '[.[] | select(.id == $id)] | length' <<<"$output")" = 0 ]
	# a longer --for: not yet
	run runtime idle --for 1h --json
	[ "$(jq length <<<"$output")" = 0 ]
	run runtime idle --for 1s --suspend
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$quiet"*suspended* ]]
	[ -n "$(annotation "$quiet" org.agentrun.suspended)" ]
	[ "$(state_of "$busy")" = running ]
	# woken, it starts a new sample: not idle at once
	runtime wake "$quiet"
	run runtime idle --for 1s --json
	[ "$(jq length <<<"$output")" = 0 ]
}

@test "idle: --watch suspends a container once it has been idle long enough" {
	set_args sleep 1000
	id=$(new_id)
	run_d "$id"
	"$AGENTRUN" --root "$STATE_ROOT" idle --watch --for 1s --interval 200ms --suspend \
		>"$T/watch.out" 2>&1 </dev/null &
	watcher=$!
	echo "$watcher" >>"$T/.helpers"
	for ((i = 0; i < 100; i++)); do
		[ -n "$(annotation "$id" org.agentrun.suspended)" ] && break
		sleep 0.1
	done
	kill "$watcher"
	cat "$T/watch.out"
	[ -n "$(annotation "$id" org.agentrun.suspended)" ]
	grep -q "$id.*suspended" "$T/watch.out"
}

@test "fork and suspend: refused before anything is frozen for a Landlock-confined sandbox (CRIU would bring it back unconfined)" {
	# landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION): the ABI version
	"$PYTHON" -c 'import ctypes, sys; sys.exit(ctypes.CDLL(None).syscall(444, None, 0, 1) <= 0)' ||
		skip "no Landlock in this kernel"
	make_traversable
	mkdir -p "$BUNDLE/rootfs/work"
	rm "$BUNDLE/config.json"
	runtime spec --profile agent --bundle "$BUNDLE"
	cfg '.process.terminal = false'
	set_args sleep 1000
	id=$(new_id)
	run_d "$id"
	run runtime fork "$id" "$id-l"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *fork*Landlock* ]]
	[ "$(state_of "$id")" = running ]
	run runtime state "$id-l"
	[ "$status" -ne 0 ]
	run runtime suspend "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *suspend*Landlock* ]]
	[ "$(state_of "$id")" = running ]
	[ ! -e "$STATE_ROOT/$id/image" ]
}

@test "wake --lazy-pages: the session runs at once, its memory pulled on demand; the image goes once every page is in" {
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 2
	runtime suspend "$id"
	img=$(annotation "$id" org.agentrun.suspended)
	runtime wake --lazy-pages "$id"
	[ "$(state_of "$id")" = running ]
	c=$(count "$id")
	[ "$c" -ge 2 ]
	wait_count "$id" "$c"
	# the lazy-pages daemon pushes the rest, exits, and its keeper removes
	# the image
	# (bounded at 60 s: the keeper is slow under the sanitizers)
	for ((i = 0; i < 600; i++)); do [ -e "$img" ] || break; sleep 0.1; done
	[ ! -e "$img" ] || { cat "$STATE_ROOT/$id/lazy-pages.log" | tail -20; ls -la "$img"; false; }
	# the pages went through userfaultfd, every one of them
	grep -E 'UFFD transferred pages: \(([0-9]+)/\1\)' "$STATE_ROOT/$id/lazy-pages.log"
	wait_count "$id" "$((c + 1))"
}
