#!/usr/bin/env bats
# Attack tests: linux.devices in a user namespace, where a device is the
# host's node bound on a file in the rootfs. A hostile image puts a FIFO at
# the device's path: opened for writing to make the bind target, it blocks
# create forever (no reader ever comes). agentrun must give a clear error
# or a working device, within the runtime's timeout.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

# run_bounded SCRIPT: run the container with stdio on files (a hung init
# must not hold bats' pipe); sets status and output.
run_bounded() {
	set_cmd "$1"
	ID=$(new_id)
	status=0
	runtime run --bundle "$BUNDLE" "$ID" </dev/null >"$T/out" 2>&1 || status=$?
	output=$(cat "$T/out")
	echo "run $ID: status $status, output: $output" >&2
}

userns() {
	make_traversable
	cfg '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

@test "DoS: a FIFO in the image at a linux.devices path outside /dev does not hang create" {
	userns
	cfg '.linux.devices = [{"path": "/opt/dev0", "type": "c", "major": 1, "minor": 3}]'
	# an image whose files belong to the container's root
	mkdir -p "$BUNDLE/rootfs/opt"
	mkfifo -m 0666 "$BUNDLE/rootfs/opt/dev0"
	chown -R 100000:100000 "$BUNDLE/rootfs/opt"
	run_bounded 'stat -c "%F %t:%T" /opt/dev0'
	# 124/137: the runtime's timeout killed it
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ]
	if [ "$status" -ne 0 ]; then
		# the host has no /opt/dev0 to bind: a clear error naming it
		[[ "$output" == *"config.json: .linux.devices[0]: "*"/opt/dev0"* ]]
	else
		[ "$output" = "character special file 1:3" ]
	fi
}

@test "DoS: a FIFO in the image's own /dev at a linux.devices path gets the device" {
	[ -c /dev/kmsg ] || skip "the host has no /dev/kmsg"
	userns
	cfg 'del(.mounts[] | select(.destination == "/dev"))
		| .linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11}]'
	mkfifo -m 0666 "$BUNDLE/rootfs/dev/kmsg"
	# the image's /dev belongs to the container's root
	mkdir -p "$BUNDLE/rootfs/dev/pts" "$BUNDLE/rootfs/dev/shm" "$BUNDLE/rootfs/dev/mqueue"
	chown -R 100000:100000 "$BUNDLE/rootfs/dev"
	run_bounded 'stat -c "%F %t:%T" /dev/kmsg'
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ]
	[ "$status" -eq 0 ]
	[ "$output" = "character special file 1:b" ]
}
