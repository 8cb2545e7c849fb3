#!/usr/bin/env bats
# Attack tests: /proc. A hostile config or image tries to put a fake /proc
# (or a file of its own inside it) where agentrun writes: the exec fifo
# reopen, LSM labels, masked and read-only paths.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

# A directory that looks like a procfs to a path walk.
fake_proc() {
	local d=$1 n
	mkdir -p "$d/self/fd" "$d/self/attr" "$d/thread-self/attr"
	for n in $(seq 0 64); do : >"$d/self/fd/$n"; done
	: >"$d/self/attr/exec"
	: >"$d/thread-self/attr/exec"
}

@test "CVE-2019-16884: a bind mount of a fake directory over /proc is refused, before or after proc" {
	fake_proc "$T/fakeproc"
	cfg '.mounts += [{"destination": "/proc", "type": "bind", "source": $s, "options": ["rbind"]}]' \
		--arg s "$T/fakeproc"
	n=$(jq '.mounts | length - 1' "$BUNDLE/config.json")
	run_ctr 'echo RAN'
	[ "$status" -ne 0 ]
	[[ "$output" == *"config.json: .mounts[$n]: destination \"/proc\" is /proc or a procfs: only proc or a bind of a procfs root may go there"* ]]
	[[ "$output" != *RAN* ]]
	# first, on the image's /proc directory, with no proc mount after it
	cfg '.mounts = [.mounts[-1]] + [.mounts[1:-1][]]'
	run_ctr 'echo RAN'
	[ "$status" -ne 0 ]
	[[ "$output" == *'config.json: .mounts[0]: destination "/proc" is /proc or a procfs'* ]]
	[[ "$output" != *RAN* ]]
}

@test "CVE-2019-16884: a tmpfs over /proc and a bind over /proc/self are refused" {
	cfg '.mounts += [{"destination": "/proc/", "type": "tmpfs", "source": "tmpfs"}]'
	run_ctr 'echo RAN'
	[ "$status" -ne 0 ]
	[[ "$output" == *'destination "/proc/": only a proc mount'* ]]
	fake_proc "$T/fakeproc"
	cfg '.mounts[-1] = {"destination": "/proc/./self", "type": "bind", "source": $s, "options": ["rbind"]}' \
		--arg s "$T/fakeproc/self"
	run_ctr 'echo RAN'
	[ "$status" -ne 0 ]
	[[ "$output" == *'destination "/proc/./self" is inside /proc'* ]]
	[[ "$output" != *RAN* ]]
}

@test "CVE-2019-16884: a destination symlinked into /proc by the image is refused where it resolves" {
	fake_proc "$T/fakeproc"
	ln -s /proc/self "$BUNDLE/rootfs/innocent"
	cfg '.mounts += [{"destination": "/innocent", "type": "bind", "source": $s, "options": ["rbind"]}]' \
		--arg s "$T/fakeproc/self"
	run_ctr 'echo RAN'
	[ "$status" -ne 0 ]
	[[ "$output" == *'destination "/innocent" is inside a procfs'* ]]
	[[ "$output" != *RAN* ]]
}

@test "CVE-2025-52881: a /proc symlinked by the image to a directory of its own is refused" {
	rm -rf "$BUNDLE/rootfs/proc"
	fake_proc "$BUNDLE/rootfs/fakeproc"
	ln -s /fakeproc "$BUNDLE/rootfs/proc"
	run_ctr 'echo RAN'
	[ "$status" -ne 0 ]
	[[ "$output" == *"proc in the rootfs is a symlink or has one on its way; a proc mount needs a real directory"* ]]
	[[ "$output" != *RAN* ]]
}

@test "CVE-2019-16884: the exec fifo is not reopened through a fake /proc of the image" {
	# no proc mount: the image's /proc, a fake one, is what the container sees
	cfg 'del(.mounts[] | select(.type == "proc")) | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
	rm -rf "$BUNDLE/rootfs/proc"
	fake_proc "$BUNDLE/rootfs/proc"
	echo BEFORE-START >"$BUNDLE/rootfs/phase"
	set_cmd 'cat /phase'
	id=$(new_id)
	create_ctr "$id"
	# the process may only run once `start` has opened the fifo
	echo AFTER-START >"$BUNDLE/rootfs/phase"
	before=$(state_of "$id")
	run runtime start "$id"
	wait_status "$id" stopped
	# deterministic, whatever the timing: the init is gone, and no file of
	# the fake procfs received the "0" meant for the fifo
	written=$(find "$BUNDLE/rootfs/proc" -type f -size +0c)
	echo "state before start: $before; written: $written; out: $(cat "$T/$id.out")" >&2
	[ -z "$written" ]
	[ -f "$BUNDLE/rootfs/proc/self/fd/0" ]
	[ "$before" = created ]
	[ "$(cat "$T/$id.out")" = AFTER-START ]
}

@test "lxcfs: a bind mount on /proc/cpuinfo (one of runc's allowed files) works" {
	echo "processor : fake-lxcfs" >"$T/cpuinfo"
	cfg '.mounts += [{"destination": "/proc/cpuinfo", "type": "bind", "source": $s, "options": ["bind", "ro"]}]' \
		--arg s "$T/cpuinfo"
	run_ctr 'cat /proc/cpuinfo'
	[ "$status" -eq 0 ]
	[ "$output" = "processor : fake-lxcfs" ]
}
