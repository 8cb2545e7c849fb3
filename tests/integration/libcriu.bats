#!/usr/bin/env bats
# libcriu is loaded with dlopen() by checkpoint and restore only: agentrun is
# not linked against it, a container's processes never map it, and on a host
# without libcriu containers run while checkpoint fails with one line.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

# the libcriu.so.2 files the dynamic loader could find (its cache, the
# build's pkg-config libdir, the usual directories), as real paths
libcriu_files() {
	{
		ldconfig -p 2>/dev/null | sed -n 's/.*libcriu\.so\.2 .*=> \(.*\)$/\1/p'
		ls /usr/local/lib/libcriu.so.2 /usr/lib/libcriu.so.2 /usr/lib/*-linux-gnu/libcriu.so.2 \
			/lib/*-linux-gnu/libcriu.so.2 2>/dev/null
		if [ -n "$(pkg-config --variable=libdir criu 2>/dev/null)" ]; then
			ls "$(pkg-config --variable=libdir criu)/libcriu.so.2" 2>/dev/null
		fi
	} | while read -r f; do readlink -f "$f"; done | sort -u
}

# without_libcriu CMD...: CMD in a private mount namespace where every
# libcriu.so.2 of the host is /dev/null (as on a host without it)
without_libcriu() {
	# shellcheck disable=SC2016
	unshare -m --propagation private bash -c '
		for f in $(cat "$1"); do mount --bind /dev/null "$f" || exit 99; done
		shift
		exec "$@"' _ "$T/libcriu.list" "$@"
}

@test "libcriu: agentrun is not linked against libcriu or libprotobuf-c" {
	run readelf -d "$AGENTRUN"
	[ "$status" -eq 0 ]
	[[ "$output" == *"(NEEDED)"* ]]
	[[ "$output" != *libcriu* ]]
	[[ "$output" != *protobuf* ]]
}

@test "libcriu: the init of a created container does not map libcriu" {
	local id pid maps
	id=$(new_id)
	set_args /bin/true
	create_ctr "$id"
	pid=$(pid_of "$id")
	[ -n "$pid" ]
	maps=$(cat "/proc/$pid/maps")
	# it is agentrun (the sealed copy), with its libraries mapped
	[[ "$maps" == *memfd:agentrun* ]]
	[[ "$maps" == *libc.so* ]]
	[[ "$maps" != *libcriu* ]]
	[[ "$maps" != *protobuf* ]]
	runtime delete -f "$id"
}

@test "libcriu: without libcriu on the host, run works and checkpoint fails with one line" {
	libcriu_files >"$T/libcriu.list"
	[ -s "$T/libcriu.list" ] || skip "libcriu is not installed on this host"
	runtime checkpoint --help | grep -q "CRIU support: built in" ||
		skip "this agentrun is built without libcriu"
	local id pid
	# a foreground run in the namespace without libcriu
	id=$(new_id)
	set_cmd 'echo ran-$((6*7))'
	run without_libcriu "$AGENTRUN" --root "$STATE_ROOT" run --bundle "$BUNDLE" "$id" </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "ran-42" ]
	# the library really is gone there: it cannot be opened
	run without_libcriu "$PYTHON" -c 'import ctypes; ctypes.CDLL("libcriu.so.2")'
	[ "$status" -ne 0 ]
	# --version says so instead of failing
	run without_libcriu "$AGENTRUN" --version
	[ "$status" -eq 0 ]
	[[ "$output" == *"criu: unknown (checkpoint/restore needs libcriu"* ]]
	# a running container: checkpoint fails, says why in one line, and the
	# container runs on
	id=$(new_id)
	set_args sleep 1000
	create_ctr "$id"
	runtime start "$id"
	pid=$(pid_of "$id")
	run --separate-stderr without_libcriu "$AGENTRUN" --root "$STATE_ROOT" checkpoint \
		--image-path "$T/img" "$id"
	echo "status $status stderr: $stderr" >&2
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == *"needs libcriu"*"cannot be loaded"* ]]
	[ "$(state_of "$id")" = running ]
	kill -0 "$pid"
	runtime delete -f "$id"
}
