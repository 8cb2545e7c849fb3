#!/usr/bin/env bats
# Attack tests: a plain user (a real unprivileged account made by this
# file) writes a hostile config.json and runs agentrun itself, to get host
# ids it does not own. Class: privilege escalation through the runtime's
# id mapping (the user namespace is the only thing between the container's
# root and the host).

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

one_line() {
	[ -n "$output" ] && [ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
}

# A copy of agentrun installed the wrong way, as an admin might: setuid
# root (MODE=setuid) or with file capabilities (MODE=caps). Prints its path.
bad_install() {
	local mode=$1 f=$RL_DIR/bin/agentrun-$1
	cp "$AGENTRUN" "$f"
	chown root:root "$f"
	if [ "$mode" = setuid ]; then
		chmod 4755 "$f"
	else
		chmod 755 "$f"
		setcap cap_setuid,cap_setgid,cap_sys_admin,cap_dac_override,cap_chown+ep "$f"
	fi
	echo "$f"
}

nosuid_here() {
	findmnt -no OPTIONS -T "$RL_DIR/bin" | tr , '\n' | grep -qx nosuid
}

# the hostile bundle: the container's root is host root if agentrun lets
# it (uid 0 and gid 0 mapped to 0; the user's own ids as 1, so that its
# rootfs and /share, a directory of the user's on the host, are reachable)
hostile_bundle() {
	rl_bundle "$T/b"
	mkdir -p "$T/share"
	chown "$RL_UID:$RL_GID" "$T/share"
	rm -f "$T/share/rootsh"
	CONFIG=$T/b/config.json cfg '.linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 1}, {"containerID": 1, "hostID": $u, "size": 1}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 0, "size": 1}, {"containerID": 1, "hostID": $g, "size": 1}]
		| del(.linux.resources)
		| .mounts += [{"destination": "/share", "type": "bind", "source": $d, "options": ["rbind", "rw"]}]
		| .process.args = ["sh", "-c", "cat /proc/self/uid_map; cp /bin/busybox /share/rootsh && chown 0:0 /share/rootsh && chmod 4755 /share/rootsh; echo RAN"]' \
		--arg d "$T/share" --argjson u "$RL_UID" --argjson g "$RL_GID"
}

# after an attempt: no setuid file of host root's was made
assert_no_host_root_file() {
	if [ -e "$T/share/rootsh" ]; then
		ls -ln "$T/share/rootsh" >&2
		[ "$(stat -c %u "$T/share/rootsh")" != 0 ]
	fi
}

@test "rootless attack: a plain user cannot map host root or ids outside its subuid range (newuidmap refuses, the error names the mapping)" {
	hostile_bundle
	rl_track map0
	run ar run --bundle "$T/b" map0 </dev/null
	echo "$output" >&2
	[ "$status" -ne 0 ]
	one_line
	[[ "$output" == "config.json: .linux.uidMappings[0]: host ids 0-0 are not in /etc/subuid for user $RL_USER: newuidmap: "* ]]
	[[ "$output" != *RAN* ]]
	assert_no_host_root_file
	# the gid side alone
	CONFIG=$T/b/config.json cfg '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}]' --argjson u "$RL_UID"
	run ar run --bundle "$T/b" map0 </dev/null
	echo "$output" >&2
	[ "$status" -ne 0 ]
	one_line
	[[ "$output" == "config.json: .linux.gidMappings[0]: host ids 0-0 are not in /etc/subgid for user $RL_USER: newgidmap: "* ]]
	# the range right after its own (another user's, or nobody's yet)
	CONFIG=$T/b/config.json cfg '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}, {"containerID": 1, "hostID": $s, "size": 1000}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1}]' \
		--argjson u "$RL_UID" --argjson g "$RL_GID" --argjson s $((RL_SUBUID + RL_SUBCOUNT - 10))
	run ar run --bundle "$T/b" map0 </dev/null
	echo "$output" >&2
	[ "$status" -ne 0 ]
	one_line
	[[ "$output" == "config.json: .linux.uidMappings[1]: host ids $((RL_SUBUID + RL_SUBCOUNT - 10))-"* ]]
	[ -z "$(ls -A "$RL_XDG/agentrun" 2>/dev/null | grep -vx '.seccomp-cache')" ]
	rl_gone
	# newuidmap is the only helper with the privilege to map other ids:
	# an agentrun installed setuid root would write any map itself
	if ! nosuid_here; then
		rm -rf "$T/b"
		hostile_bundle
		bin=$(bad_install setuid)
		rl_track map0suid
		run as_user "$bin" run --bundle "$T/b" map0suid </dev/null
		echo "setuid: $output" >&2
		rm -f "$bin"
		[[ "$output" != *RAN* ]]
		assert_no_host_root_file
		[ "$status" -ne 0 ]
	fi
}

@test "rootless attack: agentrun installed setuid root or with file capabilities refuses to run, so host root cannot be mapped through it" {
	nosuid_here && skip "$RL_DIR is on a nosuid mount: a setuid install cannot be played here"
	hostile_bundle
	local mode bin
	for mode in setuid caps; do
		bin=$(bad_install "$mode")
		rl_track "bad-$mode"
		run as_user "$bin" run --bundle "$T/b" "bad-$mode" </dev/null
		echo "$mode: $output" >&2
		[[ "$output" != *RAN* ]]
		assert_no_host_root_file
		[ "$status" -ne 0 ]
		one_line
		[ "$output" = "agentrun must not run setuid, setgid or with file capabilities: run it as yourself (a plain user's subordinate ids come through newuidmap/newgidmap)" ]
		# nothing at all runs that way, not even `state` (root's state dir)
		run as_user "$bin" list
		[ "$status" -ne 0 ]
		rm -f "$bin"
	done
	# root itself still runs it (a setuid-root binary run by root is not
	# a privilege change)
	bin=$(bad_install setuid)
	"$bin" --version >/dev/null
	rm -f "$bin"
}

@test "rootless attack: what the container's root makes on a bind mount is the user's on the host (own id) or its subuid's, never host root's" {
	rl_bundle "$T/b"
	mkdir -p "$T/share"
	chown "$RL_UID:$RL_GID" "$T/share"
	CONFIG=$T/b/config.json cfg '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}, {"containerID": 1, "hostID": $s, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1}, {"containerID": 1, "hostID": $sg, "size": 65536}]
		| .mounts += [{"destination": "/share", "type": "bind", "source": $d, "options": ["rbind", "rw"]}]
		| .process.args = ["sh", "-c", "cp /bin/busybox /share/rootsh && chown 0:0 /share/rootsh && chmod 6755 /share/rootsh && echo made-root; cp /bin/busybox /share/sh1000 && chown 1000:1000 /share/sh1000 && chmod 6755 /share/sh1000 && echo made-1000; touch /share/f; chown 70000 /share/f 2>/dev/null && echo CHOWN-UNMAPPED; mknod /share/mem c 1 1 2>/dev/null && echo MKNOD; true"]' \
		--argjson u "$RL_UID" --argjson g "$RL_GID" --argjson s "$RL_SUBUID" --argjson sg "$RL_SUBGID" --arg d "$T/share"
	rl_track own
	run ar run --bundle "$T/b" own </dev/null
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[[ "$output" == *made-root*made-1000* ]]
	[[ "$output" != *CHOWN-UNMAPPED* ]]
	[[ "$output" != *MKNOD* ]]
	ls -ln "$T/share" >&2
	[ "$(stat -c %u:%g "$T/share/rootsh")" = "$RL_UID:$RL_GID" ]
	[ "$(stat -c %u:%g "$T/share/sh1000")" = "$((RL_SUBUID + 999)):$((RL_SUBGID + 999))" ]
	[ ! -e "$T/share/mem" ]
	# (its setuid bit is the user's own uid's: run on the host it gives
	# no one more than the plain user has)
	[ "$(stat -c %u "$T/share/rootsh")" != 0 ] && [ "$(stat -c %g "$T/share/rootsh")" != 0 ]
	# and the same attack through a setuid install of agentrun (host root
	# mapped) is refused before any container exists
	if ! nosuid_here; then
		rm -rf "$T/b"
		hostile_bundle
		bin=$(bad_install setuid)
		rl_track viasuid
		run as_user "$bin" run --bundle "$T/b" viasuid </dev/null
		echo "setuid: $output" >&2
		rm -f "$bin"
		[[ "$output" != *RAN* ]]
		assert_no_host_root_file
	fi
}

@test "rootless attack: the init a plain user's agentrun made is not dumpable once its maps are written: another process of the same user cannot read its memory, environ or exe (CVE-2019-5736 class)" {
	rl_bundle "$T/b"
	CONFIG=$T/b/config.json cfg '.process.args = ["true"]'
	rl_track dump
	ar create --bundle "$T/b" dump </dev/null >/dev/null 2>"$T/err"
	pid=$(ar state dump | jq -r .pid)
	[ -n "$pid" ] && [ "$pid" -gt 0 ]
	track_pid "$pid"
	# the init waits for `start` as the user's uid: same uid, so only the
	# dumpable flag keeps the user's other processes out of it
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" = "$RL_UID" ]
	run as_user sh -c "cat /proc/$pid/environ >/dev/null && echo READ-ENVIRON; head -c 1 /proc/$pid/exe >/dev/null && echo READ-EXE; head -c 1 /proc/$pid/mem >/dev/null 2>&1; ls -l /proc/$pid/fd/ >/dev/null && echo LIST-FDS; true"
	echo "$output" >&2
	[[ "$output" != *READ-ENVIRON* ]]
	[[ "$output" != *READ-EXE* ]]
	[[ "$output" != *LIST-FDS* ]]
	ar delete -f dump
}
