#!/usr/bin/env bats
# More of config.json: idmapped and recursive-attribute mounts, netDevices,
# personality, memoryPolicy, execCPUAffinity, LSM labels, the agent profile.

load ../lib/bundle

setup() { setup_common; }
teardown() {
	[ -z "${VETH:-}" ] || ip link del "$VETH" 2>/dev/null || true
	teardown_common
}

@test "mounts: an idmapped bind mount shows the mapped owner" {
	mkdir -p "$T/idm"
	touch "$T/idm/owned-by-root"
	chown 0:0 "$T/idm/owned-by-root"
	cfg '.mounts += [{"destination": "/idm", "type": "bind", "source": $s, "options": ["bind"],
		"uidMappings": [{"containerID": 0, "hostID": 1234, "size": 1}],
		"gidMappings": [{"containerID": 0, "hostID": 1234, "size": 1}]}]' --arg s "$T/idm"
	run_ctr 'ls -ln /idm; grep " /idm " /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[[ "$output" == *"1234     1234"*owned-by-root* ]] || [[ "$output" =~ 1234\ +1234\ .*owned-by-root ]]
	[[ "$output" == *idmapped* ]]
	# the host file is untouched
	[ "$(stat -c %u "$T/idm/owned-by-root")" = 0 ]
}

@test "mounts: idmap on a non-bind mount is refused at create" {
	cfg '.mounts += [{"destination": "/x", "type": "tmpfs", "source": "tmpfs",
		"uidMappings": [{"containerID": 0, "hostID": 1234, "size": 1}],
		"gidMappings": [{"containerID": 0, "hostID": 1234, "size": 1}]}]'
	run_ctr 'true'
	[ "$status" -ne 0 ]
	[[ "$output" == *".mounts["*"idmapped mounts are supported on bind mounts only"* ]]
}

@test "mounts: recursive attributes (rro, rnosuid) reach submounts" {
	mkdir -p "$T/rsrc/sub"
	mount -t tmpfs agentrun-test "$T/rsrc/sub"
	track_mount "$T/rsrc/sub"
	cfg '.mounts += [{"destination": "/r", "type": "bind", "source": $s, "options": ["rbind", "rro", "rnosuid"]}]' \
		--arg s "$T/rsrc"
	run_ctr 'touch /r/sub/x 2>&1; grep -E " /r(/sub)? " /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	# both the mount and its submount are ro,nosuid
	[ "$(grep -cE ' /r(/sub)? ro,nosuid' <<<"$output")" -eq 2 ]
}

@test "netDevices: a host interface is moved in, renamed, keeps its address and is up" {
	VETH=agt$$a
	ip link add "$VETH" type veth peer name "agt$$b"
	ip addr add 192.0.2.77/24 dev "$VETH"
	cfg '.linux.netDevices = {($d): {"name": "eth9"}}' --arg d "$VETH"
	run_ctr 'ip -o addr show eth9; ip -o link show eth9'
	[ "$status" -eq 0 ]
	[[ "$output" == *"192.0.2.77/24"* ]]
	[[ "$output" == *"UP"* ]]
	# with the container's network namespace gone, so is the veth pair
	! ip link show "$VETH" 2>/dev/null
	VETH=
}

@test "netDevices: a missing host interface is refused at create" {
	cfg '.linux.netDevices = {"agt-nonexistent0": {}}'
	run_ctr 'true'
	[ "$status" -ne 0 ]
	[[ "$output" == *".linux.netDevices.agt-nonexistent0: no such interface on the host"* ]]
}

@test "personality, memoryPolicy and execCPUAffinity apply" {
	cfg '.linux.personality = {"domain": "LINUX32"} |
		.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0"} |
		.process.execCPUAffinity = {"initial": "0", "final": "0"}'
	run_ctr 'uname -m; grep Cpus_allowed_list /proc/self/status; grep -c bind:0 /proc/self/numa_maps'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == i686 ]]
	[[ "$output" == *"Cpus_allowed_list:"*"0"* ]]
	[ "${lines[2]}" -gt 0 ]
}

@test "apparmor and selinux labels are refused clearly where the host has no such LSM" {
	if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
		skip "this host has AppArmor"
	fi
	cfg '.process.apparmorProfile = "agentrun-test"'
	run_ctr 'true'
	[ "$status" -ne 0 ]
	[[ "$output" == *".process.apparmorProfile: AppArmor is not enabled on this host"* ]]
}

@test "spec --profile agent: user namespace, read-only root, tmpfs /work, no network, seccomp" {
	rm -f "$BUNDLE/config.json"
	mkdir -p "$BUNDLE/rootfs/work"
	make_traversable
	runtime spec --profile agent --bundle "$BUNDLE"
	validate_json config-schema.json "$BUNDLE/config.json"
	set_cmd 'cat /proc/self/uid_map; touch /x 2>&1; echo a > /work/a && cat /work/a; ip -o link | wc -l; mount -t tmpfs t /mnt 2>&1; grep NoNewPrivs /proc/self/status'
	run_ctr
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^\ *0\ +100000\ +65536 ]]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *$'\na\n'* ]]
	[[ "$output" == *$'\n1\n'* ]] # loopback only
	[[ "$output" == *"permission denied"* ]]
	[[ "$output" == *"NoNewPrivs:"*"1"* ]]
}
