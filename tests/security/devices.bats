#!/usr/bin/env bats
# The device cgroup fails closed. A config.json without
# linux.resources.devices (or without linux.resources at all) must not leave
# the container's device cgroup as the host's allow-all: a process that is
# real root with CAP_MKNOD could make and open any host device node (a disk,
# /dev/mem) and own the host. runc's rules start from "deny all" whatever
# the config says; so do ours (runtime/container.c container_apply_resources).

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

# Make /dev/net/tun (10:200, not a default device) on a tmpfs and open it.
mknod_cfg() {
	cfg '.mounts += [{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}]
	   | .process.capabilities.bounding += ["CAP_MKNOD"]
	   | .process.capabilities.effective += ["CAP_MKNOD"]
	   | .process.capabilities.permitted += ["CAP_MKNOD"]'
	set_cmd 'mknod /mnt/tun c 10 200 || exit 7; if (exec 3<>/mnt/tun) 2>/dev/null; then echo OPENED; else echo denied; fi; cat /dev/null && echo null-ok'
}

attack() {
	mknod_cfg
	cfg "$1"
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *denied* ]]
	[[ "$output" != *OPENED* ]]
	# the default devices still work
	[[ "$output" == *null-ok* ]]
}

@test "devices: no linux.resources at all: a host device made with mknod cannot be opened" {
	attack 'del(.linux.resources)'
}

@test "devices: linux.resources without devices: a host device made with mknod cannot be opened" {
	attack '.linux.resources = {"pids": {"limit": 100}}'
}

@test "devices: the same on the v2 driver (eBPF device program), no linux.resources" {
	AGENTRUN_CGROUP_MODE=unified
	export AGENTRUN_CGROUP_MODE
	attack 'del(.linux.resources)'
}

@test "devices: a linux.devices node is still usable without linux.resources" {
	cfg 'del(.linux.resources) | .linux.devices = [{"path": "/dev/net/tun", "type": "c", "major": 10, "minor": 200, "fileMode": 438, "uid": 0, "gid": 0}]'
	set_cmd 'if (exec 3<>/dev/net/tun) 2>/dev/null; then echo opened; else echo denied; fi'
	run_ctr
	[ "$status" -eq 0 ]
	[ "$output" = opened ]
}
