#!/usr/bin/env bats
# Attack tests: the root filesystem. A hostile image or a racing process
# tries to get a file of its choosing mounted over a masked /proc file, a
# mount to land outside the rootfs, or the runtime to skip masking.

load ../lib/bundle

setup() { setup_common; }
teardown() {
	# a swapper left by a failed assertion stops before the bundle goes
	if [ -s "$T/swapper.pid" ]; then
		touch "$T/stop"
		wait "$(cat "$T/swapper.pid")" 2>/dev/null || true
	fi
	teardown_common
}

# The image's /dev, not a tmpfs: the image (and a racer in the bundle)
# controls /dev/null.
image_dev() {
	cfg 'del(.mounts[] | select(.destination == "/dev")) | .linux.maskedPaths += ["/etc/masked"]'
	echo HOSTISH-SECRET >"$BUNDLE/rootfs/secret"
	echo MASKED-CONTENT >"$BUNDLE/rootfs/etc/masked"
}

# swapper DIR NAME TARGET KIND N: DIR/NAME becomes, in turn, a symlink to
# TARGET and a real KIND (file or dir), exchanged atomically
# (renameat2 RENAME_EXCHANGE) at most N times, until $T/stop exists.
SWAPPER='
import ctypes, os, sys
d, name, target, kind, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
libc = ctypes.CDLL(None, use_errno=True)
p, other = os.path.join(d, name), os.path.join(d, "." + name + ".swap")
for x in (p, other):
    if os.path.isdir(x) and not os.path.islink(x):
        os.rmdir(x)
    elif os.path.lexists(x):
        os.unlink(x)
if kind == "dir":
    os.mkdir(p)
else:
    open(p, "w").close()
os.symlink(target, other)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
exchange, pb, ob = libc.renameat2, p.encode(), other.encode()
stop = sys.argv[6]
for i in range(n):
    # agentrun may have replaced the symlink: make it again
    if i % 16 == 0 and not os.path.islink(p) and not os.path.islink(other):
        try:
            os.rmdir(other) if os.path.isdir(other) else os.unlink(other)
            os.symlink(target, other)
        except OSError:
            pass
    exchange(AT_FDCWD, pb, AT_FDCWD, ob, RENAME_EXCHANGE)
    if i % 1000 == 0 and os.path.exists(stop):
        break
'

# What the container reports about two masked files (/proc/keys, masked by
# default, and an image file): their type and numbers, and whether anything
# shows through them.
MASK_CHECK='stat -c "%F %t:%T" /proc/keys /etc/masked; cat /proc/keys /etc/masked | grep -q . && echo LEAKED; true'
MASKED='character special file 1:3
character special file 1:3'

@test "CVE-2025-31133: an image /dev/null symlinked to a file is not bound over masked paths" {
	image_dev
	rm -f "$BUNDLE/rootfs/dev/null"
	ln -s /secret "$BUNDLE/rootfs/dev/null"
	run_ctr "$MASK_CHECK"
	[ "$status" -eq 0 ]
	[ "$output" = "$MASKED" ]
}

# null_swap_race: 25 runs while a swapper turns the image's /dev/null into
# a symlink to /secret and back; a create the race made fail is safe, one
# that ran must have been masked by the null device.
null_swap_race() {
	set_cmd "$MASK_CHECK"
	"$PYTHON" -c "$SWAPPER" "$BUNDLE/rootfs/dev" null /secret file 50000000 "$T/stop" &
	swapper=$!
	echo "$swapper" >"$T/swapper.pid"
	ok=0
	for i in $(seq 1 25); do
		id=$(new_id)
		run runtime run --bundle "$BUNDLE" "$id" </dev/null
		echo "run $i: status $status: $output" >&2
		if [ "$status" -eq 0 ]; then
			[ "$output" = "$MASKED" ]
			ok=$((ok + 1))
		fi
	done
	touch "$T/stop"
	wait "$swapper"
	rm "$T/swapper.pid"
	echo "$ok of 25 runs started" >&2
	[ "$ok" -gt 0 ]
}

@test "CVE-2025-31133: /dev/null swapped for a symlink in a race during create never masks with it" {
	image_dev
	null_swap_race
}

@test "CVE-2025-31133: the same race in a user namespace (the agent's case)" {
	make_traversable
	cfg '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	# the image's /dev belongs to the container's root
	chown -h 100000:100000 "$BUNDLE/rootfs/dev"
	image_dev
	null_swap_race
}

@test "CVE-2021-30465: a mount destination swapped for a symlink in a race lands inside the rootfs" {
	mkdir -p "$T/src" "$BUNDLE/rootfs/elsewhere"
	echo MOUNTED >"$T/src/marker"
	cfg '.mounts += [{"destination": "/data", "type": "bind", "source": $s, "options": ["rbind"]}]' \
		--arg s "$T/src"
	# followed on the host, the symlink would put the mount on rootfs/elsewhere:
	# seen from inside (the mount exists only in the container's namespace)
	set_cmd 'cat /elsewhere/marker 2>/dev/null && echo ESCAPED
		grep -q " /elsewhere " /proc/self/mountinfo && echo MOUNTED-ELSEWHERE; true'
	"$PYTHON" -c "$SWAPPER" "$BUNDLE/rootfs" data "$BUNDLE/rootfs/elsewhere" dir 50000000 "$T/stop" &
	swapper=$!
	echo "$swapper" >"$T/swapper.pid"
	ok=0
	for i in $(seq 1 25); do
		id=$(new_id)
		run runtime run --bundle "$BUNDLE" "$id" </dev/null
		echo "run $i: status $status: $output" >&2
		if [ "$status" -eq 0 ]; then
			[ -z "$output" ]
			ok=$((ok + 1))
		fi
	done
	touch "$T/stop"
	wait "$swapper"
	rm "$T/swapper.pid"
	echo "$ok of 25 runs started" >&2
	[ "$ok" -gt 0 ]
}

@test "CVE-2021-30465 class: a read-only bind is read-only where it lands, however its destination resolves after" {
	# the source (say, a workspace the agent filled) holds a symlink s to /;
	# the destination /d/s/.. is /d before the bind and / once /d is the
	# source: a flag remount that looked the destination up again would
	# make / read-only and leave the bind writable
	mkdir -p "$T/src" "$BUNDLE/rootfs/d/s"
	: >"$T/src/ro-marker"
	ln -s / "$T/src/s"
	cfg '.mounts += [{"destination": "/d/s/..", "type": "bind", "source": $s, "options": ["rbind", "ro"]}]' \
		--arg s "$T/src"
	run_ctr 'cat /d/ro-marker && echo MOUNTED; touch /d/w 2>/dev/null && echo WRITABLE; true'
	[ "$status" -eq 0 ]
	[ "$output" = MOUNTED ]
	[ ! -e "$T/src/w" ]
}

@test "fail closed: maskedPaths without a mount namespace are refused, not skipped" {
	cfg 'del(.linux.namespaces[] | select(.type == "mount")) | .linux.readonlyPaths = []'
	set_cmd 'cat /proc/keys >/dev/null; echo RAN'
	run_ctr
	[ "$status" -ne 0 ]
	[[ "$output" == *"config.json: .linux.maskedPaths: needs a mount namespace"* ]]
	[[ "$output" != *RAN* ]]
}

@test "fail closed: readonlyPaths and a read-only root without a mount namespace are refused" {
	cfg 'del(.linux.namespaces[] | select(.type == "mount")) | .linux.maskedPaths = []'
	set_cmd 'echo RAN'
	run_ctr
	[ "$status" -ne 0 ]
	[[ "$output" == *"config.json: .linux.readonlyPaths: needs a mount namespace"* ]]
	cfg '.linux.readonlyPaths = [] | .root.readonly = true'
	run_ctr
	[ "$status" -ne 0 ]
	[[ "$output" == *"config.json: .root.readonly: needs a mount namespace"* ]]
}

@test "exec into a container without a mount namespace lands in its root, not the host's" {
	cfg 'del(.linux.namespaces[] | select(.type == "mount")) | .linux.maskedPaths = [] | .linux.readonlyPaths = [] | .mounts = []'
	start_ctr 'sleep 1000'
	run runtime exec "$ID" cat "/$MARKER"
	echo "exec: status $status: $output" >&2
	[ "$status" -eq 0 ]
	[ "$output" = "$T" ]
	run runtime exec "$ID" sh -c 'test -e /etc/debian_version && echo HOST-ROOT; ls /'
	[ "$status" -eq 0 ]
	[[ "$output" != *HOST-ROOT* ]]
}
