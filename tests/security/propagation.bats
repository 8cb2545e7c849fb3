#!/usr/bin/env bats
# Attack tests: mount propagation back to the host. An engine asks for
# shared propagation (docker `-v SRC:DST:rshared` sends rootfsPropagation
# "shared" and the bind options rbind,rshared); a container with
# CAP_SYS_ADMIN then mounts on the shared volume. Host mounts must still
# reach the container, and nothing the container mounts may reach the host
# (rootfs_prepare makes the host's mounts slaves first; docs/security.md).

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

# A shared tmpfs on the host at $T/prop, bound at /p with OPTIONS; the
# container gets CAP_SYS_ADMIN and rootfsPropagation PROPAGATION.
shared_volume() {
	local prop=$1
	shift
	mkdir -p "$T/prop"
	mount -t tmpfs sec-prop "$T/prop"
	track_mount "$T/prop"
	mount --make-shared "$T/prop"
	mkdir -p "$T/prop/in" "$T/prop/sub"
	cfg '.linux.rootfsPropagation = $p' --arg p "$prop"
	cfg '.mounts += [{"destination": "/p", "type": "bind", "source": $s, "options": $o}]' \
		--arg s "$T/prop" --argjson o "$(json_array "$@")"
	cfg '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
	add_shared
}

# host_sees_planted: the container's mount (or its file) is visible on the host
host_sees_planted() {
	grep -q " $T/prop/in " /proc/self/mountinfo || [ -e "$T/prop/in/x" ]
}

check_no_backflow() {
	shared_volume "$@"
	start_ctr 'while [ ! -e /shared/go ]; do sleep 0.1; done; cat /p/sub/m; mount -t tmpfs evil /p/in && echo planted > /p/in/x && cat /p/in/x; echo done > /shared/done; while :; do sleep 1; done'
	# a host mount made while the container runs reaches it
	mount -t tmpfs sec-sub "$T/prop/sub"
	echo from-host >"$T/prop/sub/m"
	touch "$T/shared/go"
	wait_file "$T/shared/done" || { cat "$T/$ID.out" "$T/$ID.err"; false; }
	run cat "$T/$ID.out"
	echo "$output"
	# (with rootfsPropagation private the copy of the host's mounts is
	# private: nothing comes in either, as with runc)
	[ "$1" = private ] || [[ "$output" == *from-host* ]]
	[[ "$output" == *planted* ]]
	# the container's mount stayed in the container
	run host_sees_planted
	[ "$status" -ne 0 ]
	umount "$T/prop/sub"
}

@test "propagation: rootfsPropagation shared, bind rbind,rshared (docker -v :rshared): no mount reaches the host" {
	check_no_backflow shared rbind rshared
}

@test "propagation: rootfsPropagation rshared, bind rbind,rshared: no mount reaches the host" {
	check_no_backflow rshared rbind rshared
}

@test "propagation: rootfsPropagation rslave, bind rbind,rshared: no mount reaches the host" {
	check_no_backflow rslave rbind rshared
}

@test "propagation: rootfsPropagation private, bind rbind,shared: no mount reaches the host" {
	check_no_backflow private rbind shared
}
