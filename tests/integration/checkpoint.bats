#!/usr/bin/env bats
# checkpoint/restore through CRIU (>= 4.2): a counter keeps counting, a
# tmpfs workdir and open fds survive, --leave-running, restore under a new
# id from a moved copy, a user-namespaced read-only sandbox, a terminal,
# the network namespace (new with lo up, or joined again), lazy pages, and
# failures that leave nothing behind.

load ../lib/bundle

criu_bin() {
	PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v criu
}

# CRIU >= 4.2 on PATH (or in /usr/local/sbin, where scripts/criu.sh puts it).
criu_ok() {
	local bin v
	bin=$(criu_bin) || return 1
	v=$("$bin" --version 2>/dev/null | sed -n 's/^Version: *\([0-9][0-9.]*\).*/\1/p')
	[ -n "$v" ] && [ "$(printf '4.2\n%s\n' "$v" | sort -V | head -n1)" = 4.2 ]
}

setup() {
	criu_ok || skip "criu >= 4.2 not installed"
	setup_common
	IMG=$T/img
	# a counter: /tmp/count holds the last value (the rootfs is writable here)
	set_cmd 'i=0; while true; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
}

teardown() {
	local p
	for p in $(cat "$T/.helpers" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
	teardown_common
	# a sysctl a test raised goes back
	if [ -s "$T/.pipe-max-size" ]; then
		cat "$T/.pipe-max-size" >/proc/sys/fs/pipe-max-size
	fi
}

# count ID: the counter's value, read through exec (written by rename, so
# never read half-written).
count() {
	runtime exec "$1" cat /tmp/count
}

# wait_count ID MIN: poll until the counter is above MIN.
wait_count() {
	local i c
	for ((i = 0; i < 100; i++)); do
		c=$(count "$1" 2>/dev/null) || c=0
		[ "${c:-0}" -gt "$2" ] && return 0
		sleep 0.1
	done
	echo "counter of $1 stuck at '$c' (wanted > $2)" >&2
	return 1
}

# restore_d ID [ARGS...]: restore -d with stdio to files, like run_d.
restore_d() {
	local id=$1
	shift
	runtime restore -d --image-path "$IMG" --bundle "$BUNDLE" "$@" "$id" \
		</dev/null >>"$T/$id.out" 2>>"$T/$id.err"
}

# netns_owned_by_userns PID: the network namespace of PID belongs to its
# user namespace (NS_GET_USERNS on the netns gives PID's user namespace).
netns_owned_by_userns() {
	"$PYTHON" -c 'import fcntl, os, sys
fd = os.open("/proc/%s/ns/net" % sys.argv[1], os.O_RDONLY)
owner = fcntl.ioctl(fd, 0xb701)
sys.exit(os.fstat(owner).st_ino != os.stat("/proc/%s/ns/user" % sys.argv[1]).st_ino)' "$1"
}

@test "checkpoint: --help exits 0 and says whether CRIU is built in" {
	run runtime checkpoint --help
	[ "$status" -eq 0 ]
	[[ "$output" == *--leave-running* ]]
	[[ "$output" == *"CRIU support: built in"* ]]
	run runtime restore --help
	[ "$status" -eq 0 ]
	[[ "$output" == *--lsm-mount-context* ]]
	run runtime features
	[ "$status" -eq 0 ]
	[ "$(jq -r '.annotations["org.agentrun.checkpoint.enabled"]' <<<"$output")" = true ]
}

@test "restore: --lsm-mount-context without a value needs an argument" {
	run runtime restore --lsm-mount-context
	[ "$status" -ne 0 ]
	[[ "$output" == *"flag needs an argument"* ]]
}

@test "checkpoint: a counter keeps counting across checkpoint and restore" {
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 3
	before=$(count "$id")

	start=$(date +%s%N)
	runtime checkpoint --image-path "$IMG" "$id"
	mid=$(date +%s%N)
	# the container is gone: state, cgroup, processes
	run runtime state "$id"
	[ "$status" -ne 0 ]
	assert_no_leftovers "$id"
	[ -s "$IMG/pages-1.img" ] || ls "$IMG"/pages-*.img

	restore_d "$id"
	end=$(date +%s%N)
	echo "# checkpoint $(((mid - start) / 1000000)) ms, restore $(((end - mid) / 1000000)) ms" >&3
	[ "$(state_of "$id")" = running ]
	after=$(count "$id")
	[ "$after" -ge "$before" ]
	wait_count "$id" "$after"

	# the usual commands work on it
	runtime pause "$id"
	[ "$(state_of "$id")" = paused ]
	runtime resume "$id"
	[ "$(state_of "$id")" = running ]
	run runtime ps "$id"
	[ "$status" -eq 0 ]
	run runtime exec "$id" hostname
	[ "$output" = agentrun-test ]
	# a new network namespace with lo up
	run runtime exec "$id" cat /sys/class/net/lo/operstate
	[ "$output" = unknown ] || [ "$output" = up ]
	runtime kill "$id" KILL
	wait_status "$id" stopped
	runtime delete "$id"
	assert_no_leftovers "$id"
}

@test "checkpoint: a file in a tmpfs workdir and an open fd survive" {
	cfg '.mounts += [{"destination": "/work", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]}]'
	set_cmd 'echo kept > /work/file; exec 3>/work/log; i=0; while true; do i=$((i+1)); echo $i >&3; echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 2
	runtime checkpoint --image-path "$IMG" "$id"
	ls "$IMG"/tmpfs-dev-*.tar.gz.img >/dev/null
	restore_d "$id"
	run runtime exec "$id" cat /work/file
	[ "$output" = kept ]
	n=$(runtime exec "$id" wc -l /work/log | awk '{print $1}')
	wait_count "$id" "$(count "$id")"
	m=$(runtime exec "$id" wc -l /work/log | awk '{print $1}')
	# init still writes through its fd 3 into the restored tmpfs file
	[ "$m" -gt "$n" ]
	run runtime exec "$id" readlink /proc/1/fd/3
	[ "$output" = /work/log ]
}

@test "checkpoint: --leave-running keeps the container running" {
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 2
	runtime checkpoint --leave-running --image-path "$IMG" "$id"
	[ "$(state_of "$id")" = running ]
	c=$(count "$id")
	wait_count "$id" "$c"
	[ -e "$IMG/inventory.img" ]
	# the image restores under another id once the original is gone
	runtime delete -f "$id"
	id2=$(new_id)
	restore_d "$id2"
	[ "$(state_of "$id2")" = running ]
	wait_count "$id2" 1
}

@test "checkpoint: --leave-running of a paused container leaves it paused, of a running one thawed" {
	# checkpoint freezes the cgroup itself before CRIU: it thaws only
	# what it froze
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 2
	runtime pause "$id"
	runtime checkpoint --leave-running --image-path "$IMG" "$id"
	[ "$(state_of "$id")" = paused ]
	runtime resume "$id"
	[ "$(state_of "$id")" = running ]
	rm -rf "$IMG"
	runtime checkpoint --leave-running --image-path "$IMG" "$id"
	[ "$(state_of "$id")" = running ]
	c=$(count "$id")
	wait_count "$id" "$c"
}

@test "checkpoint: --manage-cgroups-mode full restores the freezer state the container had, not checkpoint's own freeze" {
	# checkpoint freezes a running container itself, so CRIU saves
	# freezer.state FROZEN; a restore that sets cgroup properties must
	# bring it back running; a paused one comes back paused
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 2
	runtime checkpoint --manage-cgroups-mode full --image-path "$IMG" "$id"
	grep -qx 'freezer	thawed' "$IMG/agentrun-criu.txt"
	restore_d "$id" --manage-cgroups-mode full
	[ "$(state_of "$id")" = running ]
	c=$(count "$id")
	wait_count "$id" "$c"
	runtime pause "$id"
	rm -rf "$IMG"
	runtime checkpoint --manage-cgroups-mode full --image-path "$IMG" "$id"
	run grep -c '^freezer' "$IMG/agentrun-criu.txt"
	[ "$output" = 0 ]
	restore_d "$id" --manage-cgroups-mode full
	[ "$(state_of "$id")" = paused ]
	runtime resume "$id"
	c=$(count "$id")
	wait_count "$id" "$c"
}

@test "checkpoint: restore --manage-cgroups-mode strict works, as with runc (CRIU restores in soft mode into the cgroup made for it)" {
	# CRIU's strict mode aborts on an existing cgroup directory, and the
	# container's cgroup exists before CRIU runs; runc 1.1.5 restores in
	# soft mode then, and so does agentrun
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 2
	runtime checkpoint --manage-cgroups-mode strict --image-path "$IMG" "$id"
	restore_d "$id" --manage-cgroups-mode strict
	[ "$(state_of "$id")" = running ]
	c=$(count "$id")
	wait_count "$id" "$c"
}

@test "checkpoint: CRIU mounts its own cgroups when a hierarchy is not mounted whole at /sys/fs/cgroup" {
	# agentrun gives CRIU the host's /sys/fs/cgroup as its cgroup yard
	# only when every hierarchy of the container is mounted there whole;
	# here one is covered by a tmpfs in a mount namespace of checkpoint's
	# own (a yard there would make CRIU fail to walk it)
	local h
	h=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup" && $5 ~ "^/sys/fs/cgroup/[^/]+$") print $5; break } }' /proc/self/mountinfo | head -n1)
	[ -n "$h" ] || skip "no cgroup v1 hierarchy mounted under /sys/fs/cgroup (CRIU is never given a yard)"
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 2
	run timeout -k 5 "$RUNTIME_TIMEOUT" unshare -m sh -c \
		'mount --make-rprivate / && mount -t tmpfs not-a-yard "$1" && shift && exec "$@"' x "$h" \
		"$AGENTRUN" --root "$STATE_ROOT" checkpoint --leave-running --image-path "$IMG" "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(state_of "$id")" = running ]
	runtime delete -f "$id"
	restore_d "$id"
	wait_count "$id" 1
}

@test "checkpoint: restore under a new id from a moved copy of image and bundle" {
	add_shared
	echo data >"$T/shared/in"
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 3
	before=$(count "$id")
	runtime checkpoint --image-path "$IMG" --work-path "$T/work" "$id"
	[ -s "$T/work/dump.log" ]
	# as if moved to another host: other paths, originals removed
	mkdir "$T/moved"
	cp -a "$IMG" "$T/moved/img"
	cp -a "$BUNDLE" "$T/moved/bundle"
	cp -a "$T/shared" "$T/moved/shared"
	rm -rf "$IMG" "$BUNDLE"
	CONFIG=$T/moved/bundle/config.json cfg '(.mounts[] | select(.destination == "/shared") | .source) = $s' --arg s "$T/moved/shared"
	id2=$(new_id)
	runtime restore -d --image-path "$T/moved/img" --bundle "$T/moved/bundle" "$id2" \
		</dev/null >"$T/$id2.out" 2>"$T/$id2.err"
	[ "$(runtime state "$id2" | jq -r .bundle)" = "$T/moved/bundle" ]
	after=$(count "$id2")
	[ "$after" -ge "$before" ]
	wait_count "$id2" "$after"
	# the bind mount now comes from the new place
	run runtime exec "$id2" cat /shared/in
	[ "$output" = data ]
	runtime exec "$id2" sh -c 'echo out > /shared/out'
	[ "$(cat "$T/moved/shared/out")" = out ]
	runtime delete -f "$id2"
	assert_no_leftovers "$id2"
}

@test "checkpoint: the agent sandbox (user namespace, read-only root, tmpfs workdir)" {
	make_traversable
	mkdir -p "$BUNDLE/rootfs/work"
	# the shape agentrun gives agent sandboxes: `spec --profile agent`
	rm "$BUNDLE/config.json"
	runtime spec --profile agent --bundle "$BUNDLE"
	# CRIU cannot checkpoint a Landlock domain (see landlock.bats)
	cfg '.annotations["run.agentrun.landlock"] = "off" | .process.terminal = false'
	[ "$(jq -r .root.readonly "$BUNDLE/config.json")" = true ]
	jq -e '.linux.namespaces | map(.type) | index("user")' "$BUNDLE/config.json" >/dev/null
	jq -e '.mounts[] | select(.destination == "/work" and .type == "tmpfs")' "$BUNDLE/config.json" >/dev/null
	set_cmd 'echo kept > /work/file; i=0; while true; do i=$((i+1)); echo $i > /work/c.new; mv /work/c.new /work/count; sleep 0.1; done'
	id=$(new_id)
	run_d "$id"
	for ((i = 0; i < 50; i++)); do runtime exec "$id" test -s /work/count && break; sleep 0.1; done
	runtime checkpoint --image-path "$IMG" "$id"
	id2=$(new_id)
	restore_d "$id2"
	[ "$(state_of "$id2")" = running ]
	run runtime exec "$id2" cat /work/file
	[ "$output" = kept ]
	run runtime exec "$id2" cat /proc/self/uid_map
	[ "$(echo $output)" = "$(jq -r '.linux.uidMappings[0] | "\(.containerID) \(.hostID) \(.size)"' "$BUNDLE/config.json")" ]
	run runtime exec "$id2" touch /rootfs-is-ro
	[ "$status" -ne 0 ]
	# a new network namespace with lo up, owned by the container's user
	# namespace (so its root keeps its network capabilities there)
	grep -qx 'netns	new' "$IMG/agentrun-criu.txt"
	run runtime exec "$id2" cat /sys/class/net/lo/operstate
	[ "$output" = unknown ] || [ "$output" = up ]
	netns_owned_by_userns "$(pid_of "$id2")"
	c=$(runtime exec "$id2" cat /work/count)
	for ((i = 0; i < 50; i++)); do
		[ "$(runtime exec "$id2" cat /work/count)" -gt "$c" ] && break
		sleep 0.1
	done
	[ "$(runtime exec "$id2" cat /work/count)" -gt "$c" ]
	runtime delete -f "$id2"
	assert_no_leftovers "$id2"
}

@test "checkpoint: a network namespace with only lo is not saved; restore makes a new one with lo up" {
	cfg '.process.capabilities |= with_entries(.value += ["CAP_NET_ADMIN"])'
	# an address added inside, and a server listening on 127.0.0.1
	set_cmd 'ip addr add 10.1.2.3/32 dev lo; httpd -f -p 127.0.0.1:8080 -h /etc & i=0; while true; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 2
	run runtime exec "$id" ip -4 addr show dev lo
	[[ "$output" == *10.1.2.3* ]]
	runtime checkpoint --image-path "$IMG" "$id"
	# recorded for restore; CRIU ran none of its ip/iptables-save dumps
	grep -qx 'netns	new' "$IMG/agentrun-criu.txt"
	run grep -c 'ip addr save' "$IMG/dump.log"
	[ "$output" = 0 ]
	restore_d "$id"
	[ "$(state_of "$id")" = running ]
	run runtime exec "$id" cat /sys/class/net/lo/operstate
	[ "$output" = unknown ] || [ "$output" = up ]
	# lo was up before CRIU restored the listening socket
	run runtime exec "$id" wget -q -O - http://127.0.0.1:8080/group
	[ "$status" -eq 0 ]
	[[ "$output" == *root:x:0:* ]]
	# the namespace's contents are not saved (documented)
	run runtime exec "$id" ip -4 addr show dev lo
	[[ "$output" == *127.0.0.1* ]]
	[[ "$output" != *10.1.2.3* ]]
	wait_count "$id" "$(count "$id")"
}

@test "checkpoint: a network namespace with more than lo, or hooks that may set it up, is saved" {
	cfg '.process.capabilities |= with_entries(.value += ["CAP_NET_ADMIN"])'
	set_cmd 'ip link add br0 type bridge && ip addr add 10.9.8.7/24 dev br0 && ip link set br0 up; i=0; while true; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 2
	run runtime exec "$id" ip -4 addr show dev br0
	[[ "$output" == *10.9.8.7* ]] || skip "no bridge interfaces on this host: $output"
	runtime checkpoint --image-path "$IMG" "$id"
	run grep -c '^netns' "$IMG/agentrun-criu.txt"
	[ "$output" = 0 ]
	grep -q 'ip addr save' "$IMG/dump.log"
	restore_d "$id"
	run runtime exec "$id" ip -4 addr show dev br0
	[[ "$output" == *10.9.8.7* ]]
	wait_count "$id" "$(count "$id")"
	runtime delete -f "$id"

	# only lo, but a prestart hook (which could have configured it)
	cfg '.hooks.prestart = [{"path": "/bin/true"}]'
	set_cmd 'i=0; while true; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 1
	runtime checkpoint --image-path "$T/img-hook" "$id"
	run grep -c '^netns' "$T/img-hook/agentrun-criu.txt"
	[ "$output" = 0 ]
}

@test "checkpoint: a network namespace joined by path stays the one restore joins" {
	# a namespace of the host side, with an address of its own
	unshare --net sh -c 'ip link set lo up && ip addr add 10.9.9.9/32 dev lo && exec sleep 120' \
		</dev/null >/dev/null 2>&1 3>&- &
	holder=$!
	echo "$holder" >>"$T/.helpers"
	for ((i = 0; i < 50; i++)); do
		[ "$(readlink "/proc/$holder/ns/net")" != "$(readlink /proc/self/ns/net)" ] && break
		sleep 0.1
	done
	ns=$(readlink "/proc/$holder/ns/net")
	cfg '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
		--arg p "/proc/$holder/ns/net"
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 1
	runtime checkpoint --image-path "$IMG" "$id"
	run grep -c '^netns' "$IMG/agentrun-criu.txt"
	[ "$output" = 0 ]
	restore_d "$id"
	[ "$(readlink "/proc/$(pid_of "$id")/ns/net")" = "$ns" ]
	run runtime exec "$id" ip -4 addr show dev lo
	[[ "$output" == *10.9.9.9* ]]
	wait_count "$id" "$(count "$id")"
}

@test "checkpoint: a paused container; foreground restore gives the exit code" {
	set_cmd 'i=0; while [ $i -lt 30 ]; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done; exit 7'
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 2
	runtime pause "$id"
	runtime checkpoint --image-path "$IMG" "$id"
	run runtime restore --image-path "$IMG" --bundle "$BUNDLE" "$id" </dev/null
	[ "$status" -eq 7 ]
	# a foreground restore deletes the container when it exits
	run runtime state "$id"
	[ "$status" -ne 0 ]
	assert_no_leftovers "$id"
}

@test "checkpoint: cgroup mounts follow the container to its new cgroup" {
	cfg '.mounts += [{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}]
		| .annotations = {"org.criu.config": $c}' --arg c "$T/criu.conf"
	echo "tcp-close" >"$T/criu.conf"
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 1
	runtime checkpoint --image-path "$IMG" "$id"
	grep -q "Parsing config file $T/criu.conf" "$IMG/dump.log"
	id2=$(new_id)
	restore_d "$id2"
	pid=$(pid_of "$id2")
	run grep -c " /sys/fs/cgroup/" "/proc/$pid/mountinfo"
	[ "$output" -gt 0 ]
	# every cgroup mount shows the new container's cgroup, none the old one
	[ "$(grep " /sys/fs/cgroup/" "/proc/$pid/mountinfo" | grep -c "/$id ")" = 0 ]
	grep " /sys/fs/cgroup/" "/proc/$pid/mountinfo" | grep -q "/$id2 "
	wait_count "$id2" 1
}

@test "checkpoint: a container with a terminal gets a new pty through --console-socket" {
	cfg '.process.terminal = true'
	set_cmd 'i=0; while true; do i=$((i+1)); echo tick$i; echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
	console_receiver "$T/c1.sock" "$T/tty1"
	id=$(new_id)
	runtime run -d --console-socket "$T/c1.sock" --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>"$T/err"
	wait_file "$T/tty1"
	wait_count "$id" 2
	runtime checkpoint --image-path "$IMG" "$id"
	console_receiver "$T/c2.sock" "$T/tty2"
	runtime restore -d --console-socket "$T/c2.sock" --image-path "$IMG" --bundle "$BUNDLE" "$id" \
		</dev/null >/dev/null 2>"$T/err"
	wait_file "$T/tty2"
	grep -q tick "$T/tty2"
	run runtime exec "$id" readlink /proc/1/fd/1
	[[ "$output" == /dev/pts/* ]]
}

@test "checkpoint: a failed checkpoint leaves the container running and names CRIU's log" {
	id=$(new_id)
	# fd 3 of init is a unix socket whose peer stays outside, held by a
	# helper: without --ext-unix-sk the dump fails
	"$PYTHON" /dev/fd/4 "$T/ready" timeout -k 5 "$RUNTIME_TIMEOUT" "$AGENTRUN" --root "$STATE_ROOT" \
		run -d --preserve-fds 1 --bundle "$BUNDLE" "$id" \
		</dev/null >"$T/$id.out" 2>"$T/$id.err" 3>&- 4<<-'EOF' &
		import os, socket, subprocess, sys, time
		a, b = socket.socketpair()
		os.dup2(b.fileno(), 3, inheritable=True)
		b.close()
		rc = subprocess.run(sys.argv[2:], pass_fds=(3,)).returncode
		os.close(3)
		open(sys.argv[1], "w").write(str(rc))
		time.sleep(120)
	EOF
	echo $! >>"$T/.helpers"
	wait_file "$T/ready"
	[ "$(cat "$T/ready")" = 0 ]
	wait_count "$id" 1
	run runtime checkpoint --image-path "$IMG" "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"checkpoint of $id failed"* ]]
	[[ "$output" == *"$IMG/dump.log"* ]]
	[[ "$output" == *"nix socket"* ]]
	[ "$(state_of "$id")" = running ]
	c=$(count "$id")
	wait_count "$id" "$c"
}

@test "checkpoint: a failed restore leaves no state, cgroup, mount or process" {
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 1
	runtime checkpoint --image-path "$IMG" "$id"
	# restore into an id that exists: refused, the other container untouched
	id2=$(new_id)
	run_d "$id2"
	run restore_d "$id2"
	[ "$status" -ne 0 ]
	[[ "$output" == *"exists"* ]] || grep -q exists "$T/$id2.err"
	[ "$(state_of "$id2")" = running ]
	runtime delete -f "$id2"
	# a broken image: CRIU fails, nothing of the new container remains
	cp -a "$IMG" "$T/broken"
	rm -f "$T/broken"/core-*.img
	id3=$(new_id)
	run runtime restore -d --image-path "$T/broken" --bundle "$BUNDLE" "$id3" </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *"restore of $id3 failed"* ]]
	[[ "$output" == *"$T/broken/restore.log"* ]]
	assert_no_leftovers "$id3"
	# not a checkpoint at all
	mkdir "$T/empty"
	run runtime restore -d --image-path "$T/empty" --bundle "$BUNDLE" "$id3" </dev/null
	[ "$status" -ne 0 ]
	assert_no_leftovers "$id3"
	# checkpointing what does not run
	run runtime checkpoint --image-path "$T/none" "$id3"
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	# the good image still restores
	restore_d "$id"
	[ "$(state_of "$id")" = running ]
}

# lazy_pipe_ok: root here can make the pipe of 819 pages CRIU's lazy page
# server needs (above fs.pipe-max-size only with CAP_SYS_RESOURCE).
lazy_pipe_ok() {
	"$PYTHON" -c 'import fcntl, os
r, w = os.pipe()
fcntl.fcntl(r, 1031, 819 * os.sysconf("SC_PAGESIZE"))' 2>/dev/null
}

@test "checkpoint: --lazy-pages through a page server, restored lazily under a new id" {
	if ! lazy_pipe_ok; then
		# root here lacks CAP_SYS_RESOURCE: raise the limit for this test
		# (teardown puts the old value back)
		cat /proc/sys/fs/pipe-max-size >"$T/.pipe-max-size"
		echo 4194304 >/proc/sys/fs/pipe-max-size
		lazy_pipe_ok
	fi
	port=$((20000 + RANDOM % 20000))
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 2
	before=$(count "$id")
	# the dump serves the pages until all are fetched; its status fd
	# says when the page server listens
	mkfifo "$T/status"
	runtime checkpoint --lazy-pages --page-server "127.0.0.1:$port" --status-fd 5 \
		--image-path "$IMG" "$id" </dev/null >"$T/ck.out" 2>"$T/ck.err" 5>"$T/status" &
	ck=$!
	timeout 20 head -c 1 "$T/status" >"$T/ready"
	[ "$(od -An -tx1 "$T/ready" | tr -d ' ')" = 00 ]
	timeout 60 "$(criu_bin)" lazy-pages --page-server --address 127.0.0.1 --port "$port" \
		-D "$IMG" -W "$IMG" -o lazy-pages.log </dev/null >"$T/lp.out" 2>&1 3>&- &
	lp=$!
	echo "$lp" >>"$T/.helpers"
	for ((i = 0; i < 100; i++)); do [ -S "$IMG/lazy-pages.socket" ] && break; sleep 0.1; done
	id2=$(new_id)
	restore_d "$id2" --lazy-pages
	[ "$(state_of "$id2")" = running ]
	after=$(count "$id2")
	[ "$after" -ge "$before" ]
	wait_count "$id2" "$after"
	# every page fetched: the dump and the daemon end, the original is gone
	wait "$ck"
	wait "$lp"
	run runtime state "$id"
	[ "$status" -ne 0 ]
	runtime delete -f "$id2"
	assert_no_leftovers "$id" "$id2"
}

@test "checkpoint: --lazy-pages is refused up front where CRIU's page server would fail" {
	lazy_pipe_ok && skip "CRIU's lazy page server can make its pipe on this host"
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 1
	run runtime checkpoint --lazy-pages --page-server 127.0.0.1:27999 --image-path "$IMG" "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--lazy-pages: CRIU's page server needs"*"/proc/sys/fs/pipe-max-size"* ]]
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	# nothing was dumped or frozen
	[ ! -e "$IMG/inventory.img" ]
	[ "$(state_of "$id")" = running ]
	wait_count "$id" "$(count "$id")"
}

@test "checkpoint: a CRIU older than 4.2 is refused; the version is cached per binary" {
	id=$(new_id)
	run_d "$id"
	wait_count "$id" 1
	# a copy of criu of our own, to change its times
	cp "$(criu_bin)" "$T/criu"
	runtime --criu "$T/criu" checkpoint --leave-running --image-path "$IMG" "$id"
	want=$("$T/criu" --version | awk -F'[ .]' '/^Version:/ { print $2 * 10000 + $3 * 100 + $4 }')
	[ "$(awk '{ print $NF }' "$STATE_ROOT/.criu-version")" = "$want" ]
	# the cache is what is read: a forged entry for the same binary counts
	sed -i 's/ [0-9]*$/ 40100/' "$STATE_ROOT/.criu-version"
	run runtime --criu "$T/criu" checkpoint --leave-running --image-path "$T/img2" "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"is CRIU 4.1.0; agentrun needs CRIU >= 4.2"* ]]
	# a changed binary (new ctime) is asked again
	sleep 0.01
	touch "$T/criu"
	runtime --criu "$T/criu" checkpoint --leave-running --image-path "$T/img3" "$id"
	[ "$(awk '{ print $NF }' "$STATE_ROOT/.criu-version")" = "$want" ]
	# another binary that says 4.1.1 is refused, the container untouched
	printf '#!/bin/sh\necho "Version: 4.1.1"\n' >"$T/old-criu"
	chmod +x "$T/old-criu"
	run runtime --criu "$T/old-criu" checkpoint --image-path "$T/img4" "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"is CRIU 4.1.1; agentrun needs CRIU >= 4.2"* ]]
	[ "$(state_of "$id")" = running ]
	wait_count "$id" "$(count "$id")"
}

@test "checkpoint: --pre-dump says why where the kernel has no soft-dirty tracking" {
	id=$(new_id)
	run_d "$id"
	run runtime checkpoint --pre-dump --image-path "$IMG" "$id"
	if [ "$status" -ne 0 ]; then
		[[ "$output" == *"soft-dirty"* ]]
	fi
	[ "$(state_of "$id")" = running ]
}
