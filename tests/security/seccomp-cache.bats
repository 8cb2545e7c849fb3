#!/usr/bin/env bats
# The cache of compiled seccomp filters (ROOT/.seccomp-cache, runtime/seccomp.h)
# plays the hostile side: an entry planted by a user who is not root, a
# cache directory someone opened to others, an entry altered to an
# allow-all program of valid length. In each case the container must run
# with the filter of its config.json (mkdir denied), never a weaker one.
# What the cache trusts (root, who owns --root) is in docs/security.md.

load ../lib/bundle

setup() {
	setup_common
	# a --root others can traverse: a refusal below comes from the cache
	# directory itself, not from a private test directory above it
	STATE_ROOT=$(mktemp -d /tmp/agentrun-sccache.XXXXXX)
	chmod 711 "$STATE_ROOT"
	CACHE=$STATE_ROOT/.seccomp-cache
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
}
teardown() { teardown_common; }

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# mkdir is denied in a container of this bundle (and other calls work)
assert_mkdir_denied() {
	run_ctr 'mkdir /tmp/x; echo rc=$?; touch /tmp/y && echo other-syscalls-work'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "mkdir: can't create directory '/tmp/x': Operation not permitted" ]
	[ "${lines[1]}" = rc=1 ]
	[ "${lines[2]}" = other-syscalls-work ]
}

# the one entry of the cache
entry() {
	local f
	f=$(find "$CACHE" -maxdepth 1 -type f -name '????????????????????????????????????????????????????????????????')
	[ "$(printf '%s\n' "$f" | grep -c .)" -eq 1 ] || return 1
	echo "$f"
}

# write_allow_all FILE: a well-formed entry (header, key, digest) for the
# key FILE is named after, whose program allows every call
write_allow_all() {
	"$PYTHON" - "$1" <<-'PY'
		import hashlib, os, struct, sys
		path = sys.argv[1]
		key = bytes.fromhex(os.path.basename(path))
		prog = struct.pack("<HBBI", 0x06, 0, 0, 0x7FFF0000)  # ret SECCOMP_RET_ALLOW
		hdr = b"ARSECC01" + key + struct.pack("<II", 1, 0) + hashlib.sha256(key + prog).digest()
		tmp = path + ".new"
		with open(tmp, "wb") as f:
		    f.write(hdr + prog)
		os.replace(tmp, path)
	PY
}

@test "seccomp cache: cold and warm runs and exec deny the same calls; list ignores the cache" {
	assert_mkdir_denied
	E=$(entry)
	[ "$(stat -c '%a %u' "$CACHE")" = "700 0" ]
	[ "$(stat -c '%a %u %h' "$E")" = "600 0 1" ]
	ino=$(stat -c %i "$E")
	assert_mkdir_denied
	[ "$(stat -c %i "$E")" = "$ino" ] # a hit: not written again
	# exec in a running container takes the same entry
	set_args sleep 1000
	ID=$(new_id)
	create_ctr "$ID"
	runtime start "$ID"
	run runtime exec "$ID" sh -c 'mkdir /tmp/e; echo rc=$?'
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = rc=1 ]
	[[ "$output" == *"Operation not permitted"* ]]
	[ "$(stat -c %i "$E")" = "$ino" ]
	run runtime list -q
	[ "$status" -eq 0 ]
	[ "$output" = "$ID" ]
	runtime kill "$ID" KILL
	runtime delete -f "$ID"
}

@test "seccomp cache: a user who is not root cannot plant an entry" {
	assert_mkdir_denied
	E=$(entry)
	run as_nobody sh -c "echo x >'$CACHE/planted'"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	run as_nobody sh -c "echo x >'$E'"
	[ "$status" -ne 0 ]
	run as_nobody ls "$CACHE"
	[ "$status" -ne 0 ]
	[ ! -e "$CACHE/planted" ]
}

@test "seccomp cache: a cache directory opened to others is not used: a planted allow-all entry is ignored" {
	assert_mkdir_denied
	E=$(entry)
	chmod 777 "$CACHE" # the admin's mistake
	rm -f "$E"
	as_nobody touch "$E" # another user gets in first
	write_allow_all "$E"
	chown 65534:65534 "$E"
	assert_mkdir_denied
}

@test "seccomp cache: an allow-all entry owned by another user is ignored" {
	assert_mkdir_denied
	E=$(entry)
	write_allow_all "$E"
	chown 65534:65534 "$E"
	assert_mkdir_denied
	[ "$(stat -c %u "$E")" = 0 ] # replaced by the compiled one
}

@test "seccomp cache: an entry altered to an allow-all program of valid length is recompiled" {
	assert_mkdir_denied
	E=$(entry)
	size=$(stat -c %s "$E")
	# header kept, every instruction "return ALLOW": the digest no longer matches
	"$PYTHON" - "$E" <<-'PY'
		import struct, sys
		with open(sys.argv[1], "r+b") as f:
		    data = f.read()
		    n = (len(data) - 80) // 8
		    f.seek(80)
		    f.write(struct.pack("<HBBI", 0x06, 0, 0, 0x7FFF0000) * n)
	PY
	[ "$(stat -c %s "$E")" = "$size" ]
	assert_mkdir_denied
}
