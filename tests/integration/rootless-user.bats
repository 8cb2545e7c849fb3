#!/usr/bin/env bats
# agentrun run by a real unprivileged user (no capabilities), created by
# this file with useradd (subuid/subgid ranges) and removed at its end.

load ../lib/bundle
load ../lib/rootless

setup_file() { rl_user_create; }
teardown_file() { rl_user_remove; }
setup() {
	setup_common
	rl_setup
}
teardown() {
	rl_teardown
	teardown_common
}

# one_line: $output is exactly one line (the refusal message)
one_line() {
	[ -n "$output" ] && [ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
}

@test "rootless: run of /bin/true, the agent profile, 200 times in a row as a plain user (the uid_map race)" {
	rl_bundle "$T/b"
	CONFIG=$T/b/config.json cfg '.process.args = ["/bin/true"]'
	local i fails=0 first=
	for i in $(seq 200); do
		rl_track "race$i"
		if ! out=$(ar run --bundle "$T/b" "race$i" </dev/null 2>&1); then
			fails=$((fails + 1))
			[ -n "$first" ] || first="run $i: $out"
		fi
	done
	echo "failures: $fails of 200; first: $first" >&2
	[ "$fails" -eq 0 ]
	# nothing left behind in the state directory
	[ -z "$(ls -A "$RL_XDG/agentrun" 2>/dev/null | grep -vx '.seccomp-cache')" ]
}

@test "rootless: spec --rootless --profile agent as a plain user maps its own ids, no cgroupsPath, no devices" {
	rl_bundle "$T/b"
	f=$T/b/config.json
	validate_json config-schema.json "$f"
	jq -e --argjson u "$RL_UID" '.linux.uidMappings == [{"containerID": 0, "hostID": $u, "size": 1}]' "$f"
	jq -e --argjson g "$RL_GID" '.linux.gidMappings == [{"containerID": 0, "hostID": $g, "size": 1}]' "$f"
	jq -e '[.linux.namespaces[].type] | index("user") != null and index("network") != null' "$f"
	jq -e '.linux.cgroupsPath == null and .linux.devices == null' "$f"
	jq -e '[.mounts[].options[]? | select(startswith("uid=") or startswith("gid="))] == []' "$f"
	jq -e '.process.noNewPrivileges == true and .root.readonly == true' "$f"
}

@test "rootless: run of the agent profile: root inside is the user outside, state in \$XDG_RUNTIME_DIR/agentrun, one warning naming the limits" {
	rl_bundle "$T/b"
	CONFIG=$T/b/config.json cfg '.process.args = ["sh", "-c", "id -u; cat /proc/self/uid_map; grep NoNewPrivs /proc/self/status; touch /work/ok && echo work-ok; touch /rootfs-write 2>/dev/null || echo root-ro; cat /run/agentrun-id 2>/dev/null; sleep 0"]'
	rl_track r1
	run --separate-stderr ar run --bundle "$T/b" r1 </dev/null
	echo "out: $output / err: $stderr" >&2
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	read -r a b c <<<"${lines[1]}"
	[ "$a $b $c" = "0 $RL_UID 1" ]
	[[ "${lines[2]}" == *"NoNewPrivs:"*1 ]]
	[ "${lines[3]}" = work-ok ]
	[ "${lines[4]}" = root-ro ]
	# the user runs in root's cgroup (bats'), v1 or v2: no cgroup of its
	# own, one warning, and it names the limit that is not enforced
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
	[[ "$stderr" == "warning: no cgroup"*"not enforced: .linux.resources: pids.limit=4096" ]]
	# the state lived under $XDG_RUNTIME_DIR/agentrun, the user's, and is gone
	[ -d "$RL_XDG/agentrun" ]
	[ "$(stat -c %u "$RL_XDG/agentrun")" = "$RL_UID" ]
	# 0700 and sticky, as runc (kept from a session's clean-up)
	[ "$(stat -c %a "$RL_XDG/agentrun")" = 1700 ]
	[ -z "$(ls -A "$RL_XDG/agentrun" | grep -vx '.seccomp-cache')" ]
}

@test "rootless: run -d, exec, kill, delete as a plain user" {
	rl_bundle "$T/b"
	CONFIG=$T/b/config.json cfg '.process.args = ["sleep", "1000"]'
	rl_track life
	ar run -d --bundle "$T/b" life </dev/null >/dev/null 2>"$T/err"
	[ -f "$RL_XDG/agentrun/life/state.json" ]
	[ "$(stat -c %u "$RL_XDG/agentrun/life/state.json")" = "$RL_UID" ]
	run ar state life
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]
	pid=$(jq -r .pid <<<"$output")
	track_pid "$pid"
	# the container init runs as the user on the host
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" = "$RL_UID" ]
	run ar exec life sh -c 'id -u; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status'
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[[ "$output" == *"NoNewPrivs:"*1* ]]
	[[ "$output" == *"Seccomp:"*2* ]]
	run ar list -q
	[ "$output" = life ]
	ar kill life KILL
	for _ in $(seq 100); do
		[ "$(ar state life | jq -r .status)" = stopped ] && break
		sleep 0.1
	done
	[ "$(ar state life | jq -r .status)" = stopped ]
	ar delete life
	run ar state life
	[ "$status" -ne 0 ]
	[ ! -e "$RL_XDG/agentrun/life" ]
}

@test "rootless: the subordinate range through newuidmap/newgidmap: ids 1..65536 are the user's subuids" {
	rl_bundle "$T/b"
	mkdir -p "$T/share"
	chown "$RL_UID:$RL_GID" "$T/share"
	CONFIG=$T/b/config.json cfg '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}, {"containerID": 1, "hostID": $s, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1}, {"containerID": 1, "hostID": $sg, "size": 65536}]
		| .mounts += [{"destination": "/share", "type": "bind", "source": $d, "options": ["rbind", "rw"]}]
		| .process.args = ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; touch /share/by-root /share/by-1000; chown 1000:1000 /share/by-1000 && echo chowned; setpriv --reuid 1000 --regid 1000 --clear-groups id -u 2>/dev/null || su -s /bin/sh -c \"id -u\" tester"]' \
		--argjson u "$RL_UID" --argjson g "$RL_GID" --argjson s "$RL_SUBUID" --argjson sg "$RL_SUBGID" --arg d "$T/share"
	rl_track sub
	run ar run --bundle "$T/b" sub </dev/null
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[[ "$output" == *chowned* ]]
	# on the host: root's file is the user's, uid 1000's is subuid+999
	[ "$(stat -c %u:%g "$T/share/by-root")" = "$RL_UID:$RL_GID" ]
	[ "$(stat -c %u:%g "$T/share/by-1000")" = "$((RL_SUBUID + 999)):$((RL_SUBGID + 999))" ]
}

@test "rootless: refused with one line: a mapping outside the user's subuid range names the mapping" {
	rl_bundle "$T/b"
	CONFIG=$T/b/config.json cfg '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}, {"containerID": 1, "hostID": $s, "size": 65536}]' \
		--argjson u "$RL_UID" --argjson s $((RL_SUBUID + RL_SUBCOUNT))
	rl_track badmap
	run ar run --bundle "$T/b" badmap </dev/null
	echo "$output" >&2
	[ "$status" -ne 0 ]
	one_line
	[[ "$output" == "config.json: .linux.uidMappings[1]: host ids $((RL_SUBUID + RL_SUBCOUNT))-"*"not in /etc/subuid for user $RL_USER"* ]]
	# nothing left: no state, no process
	[ -z "$(ls -A "$RL_XDG/agentrun" 2>/dev/null | grep -vx '.seccomp-cache')" ]
	rl_gone
}

@test "rootless: refused with one line: a gid mapping outside the subgid range, and a range without newuidmap in PATH" {
	rl_bundle "$T/b"
	CONFIG=$T/b/config.json cfg '.linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1}, {"containerID": 1, "hostID": 1, "size": 10}]' \
		--argjson g "$RL_GID"
	rl_track badgid
	run ar run --bundle "$T/b" badgid </dev/null
	echo "$output" >&2
	[ "$status" -ne 0 ]
	one_line
	[[ "$output" == "config.json: .linux.gidMappings[1]: host ids 1-10 are not in /etc/subgid for user $RL_USER"* ]]
	CONFIG=$T/b/config.json cfg '.linux.uidMappings = [{"containerID": 0, "hostID": $s, "size": 65536}]' --argjson s "$RL_SUBUID"
	run as_user PATH=/nonexistent "$RL_AGENTRUN" run --bundle "$T/b" badgid </dev/null
	echo "$output" >&2
	[ "$status" -ne 0 ]
	one_line
	[[ "$output" == "config.json: .linux.uidMappings[0]: 0 $RL_SUBUID 65536 maps ids other than your own uid ($RL_UID): that needs newuidmap"*"not in PATH" ]]
	# its own ids alone need no tool
	rl_bundle "$T/c"
	CONFIG=$T/c/config.json cfg '.process.args = ["true"]'
	rl_track own
	as_user PATH=/nonexistent "$RL_AGENTRUN" run --bundle "$T/c" own </dev/null
}

@test "rootless: refused with one line: a device the host does not have, or not the node config.json names" {
	rl_bundle "$T/b"
	CONFIG=$T/b/config.json cfg '.linux.devices = [{"path": "/dev/agentrun-nonexistent", "type": "c", "major": 10, "minor": 232}] | .process.args = ["true"]'
	rl_track dev
	run ar run --bundle "$T/b" dev </dev/null
	echo "$output" >&2
	[ "$status" -ne 0 ]
	one_line
	[[ "$output" == "config.json: .linux.devices[0]: /dev/agentrun-nonexistent: no such device on the host"* ]]
	CONFIG=$T/b/config.json cfg '.linux.devices = [{"path": "/dev/null", "type": "c", "major": 10, "minor": 232}]'
	run ar run --bundle "$T/b" dev </dev/null
	echo "$output" >&2
	[ "$status" -ne 0 ]
	one_line
	[[ "$output" == "config.json: .linux.devices[0]: /dev/null is c 1:3 on the host, not c 10:232"* ]]
	# the host's own node is bound, with the host's permissions (root's
	# 0644 /dev/kmsg: no write); a default device listed again is kept
	[ -c /dev/kmsg ] || skip "no /dev/kmsg on this host"
	CONFIG=$T/b/config.json cfg '.linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11}, {"path": "/dev/full", "type": "c", "major": 1, "minor": 7}]
		| .process.args = ["sh", "-c", "test -c /dev/kmsg && echo is-kmsg; echo x > /dev/kmsg || echo no-write; echo x > /dev/full || echo full"]'
	run ar run --bundle "$T/b" dev </dev/null
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[[ "$output" == *is-kmsg*no-write*full* ]]
}

@test "rootless: refused with one line: sysctls of the host" {
	rl_bundle "$T/b"
	CONFIG=$T/b/config.json cfg '.process.args = ["true"] | .linux.sysctl = {"vm.swappiness": "1"}'
	rl_track sysctl
	run ar run --bundle "$T/b" sysctl </dev/null
	echo "$output" >&2
	[ "$status" -ne 0 ]
	one_line
	[[ "$output" == "config.json: .linux.sysctl.vm.swappiness: not in a namespace of the container's own"* ]]
	CONFIG=$T/b/config.json cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.namespaces -= [{"type": "network"}]'
	run ar run --bundle "$T/b" sysctl </dev/null
	echo "$output" >&2
	[ "$status" -ne 0 ]
	one_line
	[[ "$output" == "config.json: .linux.sysctl.net.ipv4.ip_forward: needs a network namespace"* ]]
	# one of its own network namespace is fine, and so are the uts names
	# (their /proc/sys files are host root's: set through their syscalls)
	CONFIG=$T/b/config.json cfg '.linux.namespaces += [{"type": "network"}]
		| .linux.sysctl += {"kernel.domainname": "dom.example", "kernel.hostname": "hn"}
		| .process.args = ["sh", "-c", "cat /proc/sys/net/ipv4/ip_forward; hostname; cat /proc/sys/kernel/domainname"]'
	run --separate-stderr ar run --bundle "$T/b" sysctl </dev/null
	echo "$output $stderr" >&2
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '1\nhn\ndom.example')" ]
}

@test "rootless: the state directory: \$XDG_RUNTIME_DIR/agentrun, else /run/user/UID/agentrun, else one clear line" {
	rl_bundle "$T/b"
	CONFIG=$T/b/config.json cfg '.process.args = ["true"] | del(.linux.resources)'
	# neither: refused before anything is made
	[ ! -e "/run/user/$RL_UID" ]
	run as_user XDG_RUNTIME_DIR= "$RL_AGENTRUN" run --bundle "$T/b" st1 </dev/null
	echo "$output" >&2
	[ "$status" -ne 0 ]
	one_line
	[ "$output" = "no state directory for uid $RL_UID: XDG_RUNTIME_DIR is not set and /run/user/$RL_UID is not a directory of yours; set XDG_RUNTIME_DIR or give --root" ]
	run as_user XDG_RUNTIME_DIR= "$RL_AGENTRUN" list
	[ "$status" -ne 0 ]
	# `spec` and --help need none
	as_user XDG_RUNTIME_DIR= "$RL_AGENTRUN" list --help >/dev/null
	# /run/user/UID when it is the user's (what a login session makes)
	mkdir -p "/run/user/$RL_UID"
	chown "$RL_UID:$RL_GID" "/run/user/$RL_UID"
	chmod 700 "/run/user/$RL_UID"
	rc=0
	as_user XDG_RUNTIME_DIR= "$RL_AGENTRUN" run -d --bundle "$T/b" st2 </dev/null || rc=$?
	[ -f "/run/user/$RL_UID/agentrun/st2/state.json" ] || rc=1
	as_user XDG_RUNTIME_DIR= "$RL_AGENTRUN" delete -f st2 || rc=1
	rm -rf "/run/user/$RL_UID"
	[ "$rc" -eq 0 ]
	# an XDG_RUNTIME_DIR it cannot write: one line naming the directory
	run as_user XDG_RUNTIME_DIR=/usr "$RL_AGENTRUN" run --bundle "$T/b" st3 </dev/null
	echo "$output" >&2
	[ "$status" -ne 0 ]
	one_line
	[[ "$output" == "create state directory /usr/agentrun: "*"Permission denied" ]]
	# --root wins over both
	run as_user XDG_RUNTIME_DIR= "$RL_AGENTRUN" --root "$RL_XDG/other" run --bundle "$T/b" st4 </dev/null
	[ "$status" -eq 0 ]
	[ -d "$RL_XDG/other" ]
}

@test "rootless: a cgroup v2 delegated to the user (its own cgroup writable) is used: the container's cgroup is made under it, agentrun leaves it for a leaf, limits where the controllers are, all removed at delete" {
	local unified cg
	unified=$(awk '{ for (i = 1; i <= NF && $i != "-"; i++) ; if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo)
	[ -n "$unified" ] || skip "no cgroup2 hierarchy is mounted"
	# a cgroup whose parent is not the user's, as a system service's
	# Delegate= with User= makes it, below bats' own (the root of a v1
	# hybrid's unified mount here, a delegated unit on a systemd host)
	cg=$unified$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
	cg=${cg%/}/agentrun-rl-$$-$BATS_SUITE_TEST_NUMBER
	mkdir "$cg"
	echo "$cg" >"$T/.rl_cgroup"
	# what systemd's Delegate= hands a user: the directory and these files
	chown "$RL_UID:$RL_GID" "$cg" "$cg/cgroup.procs" "$cg/cgroup.threads" "$cg/cgroup.subtree_control"
	# the controllers the host has there (none on a v1 hybrid's unified
	# mount): the delegated cgroup can have them
	local want=""
	for c in pids memory; do
		grep -qw "$c" "$cg/cgroup.controllers" && want+=" $c"
	done
	rl_bundle "$T/b"
	CONFIG=$T/b/config.json cfg '.process.args = ["sleep", "1000"]
		| .linux.resources = {"pids": {"limit": 77}, "memory": {"limit": 67108864}}'
	rl_track deleg
	rc=0
	# agentrun starts in the delegated cgroup; the later commands need not
	RL_CGROUP=$cg ar run -d --bundle "$T/b" deleg </dev/null >/dev/null 2>"$T/err" || rc=$?
	cat "$T/err" >&2
	pid=$(ar state deleg | jq -r .pid)
	track_pid "$pid"
	cgpath=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
	inside=$(ar exec deleg sh -c 'cat /sys/fs/cgroup/pids.max /sys/fs/cgroup/memory.max 2>&1' || true)
	outside=$(cat "$unified$cgpath/pids.max" "$unified$cgpath/memory.max" 2>&1 || true)
	echo "controllers:$want; inside: $inside; outside: $outside" >&2
	ls "$cg" >&2
	ar delete -f deleg
	[ "$rc" -eq 0 ]
	# the init ran in <delegated cgroup>/deleg
	[ "$unified$cgpath" = "$cg/deleg" ]
	# with the controllers, the limits hold there (no warning then)
	if [[ "$want" == *pids*memory* ]]; then
		[ "$(cat "$T/err")" = "" ]
		[ "$outside" = "$(printf '77\n67108864')" ]
		[ "$inside" = "$outside" ]
	fi
	# nothing is left below it: not the container's cgroup, not the leaf
	# agentrun left it for
	[ -z "$(find "$cg" -mindepth 1 -type d)" ]
}
