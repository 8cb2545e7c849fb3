#!/usr/bin/env bats
# Namespaces, checked from inside the container.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

host_ns() {
	readlink "/proc/self/ns/$1"
}

@test "pid namespace: the container process is pid 1" {
	run_ctr 'echo $$'
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
}

@test "pid namespace: only the container's processes are visible" {
	run_ctr 'ls -d /proc/[0-9]* | wc -l'
	[ "$status" -eq 0 ]
	# sh, ls, wc (and maybe a subshell): far fewer than the host has.
	[ "$output" -le 4 ]
}

@test "uts namespace: hostname from config" {
	cfg '.hostname = "box-one"'
	run_ctr 'hostname; cat /proc/sys/kernel/hostname'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = box-one ]
	[ "${lines[1]}" = box-one ]
	# The host's name is untouched.
	[ "$(hostname)" != box-one ]
}

@test "uts namespace: domainname from config" {
	cfg '.domainname = "example.test"'
	run_ctr 'cat /proc/sys/kernel/domainname'
	[ "$status" -eq 0 ]
	[ "$output" = example.test ]
	[ "$(cat /proc/sys/kernel/domainname)" != example.test ]
}

@test "network namespace: only lo, and it is up" {
	run_ctr 'ls /sys/class/net; cat /sys/class/net/lo/flags'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = lo ]
	[ "${#lines[@]}" -eq 2 ]
	# IFF_UP is bit 0 of the interface flags.
	(( ${lines[1]} & 1 ))
}

@test "network namespace: lo answers on 127.0.0.1" {
	run_ctr 'ip -o addr show lo 2>/dev/null || ifconfig lo'
	[ "$status" -eq 0 ]
	[[ "$output" == *127.0.0.1* ]]
}

@test "namespaces: each configured namespace differs from the host's" {
	cfg '.linux.namespaces += [{"type": "cgroup"}]'
	run_ctr 'for n in pid net ipc uts mnt cgroup; do readlink /proc/self/ns/$n; done'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 6 ]
	i=0
	for n in pid net ipc uts mnt cgroup; do
		[[ "${lines[$i]}" == "$n:["* ]]
		[ "${lines[$i]}" != "$(host_ns "$n")" ]
		i=$((i + 1))
	done
}

@test "namespaces: a namespace left out of the config is shared with the host" {
	cfg 'del(.linux.namespaces[] | select(.type == "network" or .type == "ipc"))'
	run_ctr 'readlink /proc/self/ns/net; readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(host_ns net)" ]
	[ "${lines[1]}" = "$(host_ns ipc)" ]
	[ "${lines[2]}" != "$(host_ns uts)" ]
}

@test "cgroup namespace: the container sees its cgroups as the root" {
	cfg '.linux.namespaces += [{"type": "cgroup"}]'
	run_ctr 'cat /proc/self/cgroup'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -gt 0 ]
	for l in "${lines[@]}"; do
		[[ "$l" == *:/ ]] || { echo "not the root: $l" >&2; return 1; }
	done
}

@test "ipc namespace: System V objects are private" {
	run_ctr 'cat /proc/sysvipc/shm | wc -l'
	[ "$status" -eq 0 ]
	# Only the header line.
	[ "$output" -eq 1 ]
}

@test "user namespace: uid and gid mappings from config" {
	make_traversable
	cfg '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
	run_ctr 'cat /proc/self/uid_map; cat /proc/self/gid_map; id -u; id -g; readlink /proc/self/ns/user'
	[ "$status" -eq 0 ]
	[ "$(echo ${lines[0]})" = "0 100000 65536" ]
	[ "$(echo ${lines[1]})" = "0 200000 65536" ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" = 0 ]
	[ "${lines[4]}" != "$(host_ns user)" ]
}

@test "user namespace: the container process runs as the mapped host uid" {
	make_traversable
	add_shared
	cfg '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	set_cmd 'echo $$ > /shared/ready; while [ ! -e /shared/go ]; do sleep 0.1; done'
	id=$(new_id)
	run_d "$id"
	wait_file "$T/shared/ready"
	pid=$(pid_of "$id")
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 100000 ]
	[ "$(awk '/^Gid:/ {print $2}' "/proc/$pid/status")" = 100000 ]
	touch "$T/shared/go"
	wait_status "$id" stopped
}

@test "namespaces: join a network namespace by path" {
	# A persistent netns of our own, bind-mounted on a file under $T.
	mkdir "$T/ns"
	mount --bind "$T/ns" "$T/ns"
	track_mount "$T/ns"
	mount --make-private "$T/ns"
	touch "$T/ns/net"
	unshare --net="$T/ns/net" true
	track_mount "$T/ns/net"
	ino=$(stat -L -c %i "$T/ns/net")
	cfg '(.linux.namespaces[] | select(.type == "network")) |= . + {"path": $p}' --arg p "$T/ns/net"
	run_ctr 'readlink /proc/self/ns/net'
	[ "$status" -eq 0 ]
	[ "$output" = "net:[$ino]" ]
}

@test "namespaces: join another container's ipc and uts namespaces by /proc path" {
	add_shared
	set_cmd 'echo $$ > /shared/ready; while [ ! -e /shared/go ]; do sleep 0.1; done'
	cfg '.hostname = "first"'
	a=$(new_id)
	run_d "$a"
	wait_file "$T/shared/ready"
	pid=$(pid_of "$a")
	ipc=$(readlink "/proc/$pid/ns/ipc")
	uts=$(readlink "/proc/$pid/ns/uts")

	make_bundle "$T/second"
	CONFIG=$T/second/config.json cfg '
		(.linux.namespaces[] | select(.type == "ipc")) |= . + {"path": $ipc}
		| (.linux.namespaces[] | select(.type == "uts")) |= . + {"path": $uts}
		| del(.hostname)
		| .process.args = ["sh", "-c", "readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts; hostname"]' \
		--arg ipc "/proc/$pid/ns/ipc" --arg uts "/proc/$pid/ns/uts"
	b=$(new_id)
	run runtime run --bundle "$T/second" "$b" </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$ipc" ]
	[ "${lines[1]}" = "$uts" ]
	[ "${lines[2]}" = first ]
	touch "$T/shared/go"
	wait_status "$a" stopped
}

@test "sysctl: set inside the container's namespaces" {
	cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.msgmax": "4096"}'
	run_ctr 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = 4096 ]
}
