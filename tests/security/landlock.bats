#!/usr/bin/env bats
# Attack tests: Landlock in the agent profile (runtime/landlock.c, the
# run.agentrun.landlock.* annotations). The container is `spec --profile
# agent` on the busybox rootfs, with the root made writable at the mount
# level and world-writable where the test says (so only Landlock stands in
# the way); each refusal is checked against a control run with
# run.agentrun.landlock "off", in which the same write or exec works.

load ../lib/bundle

setup() {
	setup_common
	LL_ABI=$("$PYTHON" -c 'import ctypes; l = ctypes.CDLL(None, use_errno=True); print(max(l.syscall(444, None, 0, 1), 0))')
	[ "$LL_ABI" -ge 1 ] || skip "this kernel has no Landlock"
	rm -f "$BUNDLE/config.json"
	mkdir -p "$BUNDLE/rootfs/work" "$BUNDLE/rootfs/data"
	chmod 777 "$BUNDLE/rootfs/data"
	echo host-data >"$BUNDLE/rootfs/data/existing"
	chmod 666 "$BUNDLE/rootfs/data/existing"
	make_traversable
	runtime spec --profile agent --bundle "$BUNDLE"
	cfg '.root.readonly = false'
}

teardown() {
	teardown_common
}

landlock_off() {
	cfg '.annotations["run.agentrun.landlock"] = "off"'
}

# writes outside /work, /tmp, /dev/shm and the writable binds, by every way
# a shell has; each prints "NAME ok" or "NAME refused"
WRITES='cd /work
	try() { n=$1; shift; if "$@" 2>/dev/null; then echo "$n ok"; else echo "$n refused"; fi; }
	try create sh -c "echo x > /data/new"
	try append sh -c "echo x >> /data/existing"
	try trunc truncate -s 0 /data/existing
	try mkdir mkdir /data/dir
	try rm rm -f /data/existing
	try symlink ln -s /work /data/link
	try hardlink ln /data/existing /data/hard
	try mkfifo mkfifo /data/fifo
	echo w > /work/w; try move mv /work/w /data/w
	try chmod-dir sh -c "touch /data/x2"
	try work sh -c "echo x > /work/a && mkdir /work/d && mv /work/a /work/d/b && rm -r /work/d"
	try tmp sh -c "echo x > /tmp/a && rm /tmp/a"
	try shm sh -c "echo x > /dev/shm/a && rm /dev/shm/a"
	try null sh -c "echo x > /dev/null"
	try bind sh -c "echo x > /shared/f && rm /shared/f"
	cat /data/existing 2>/dev/null; true'

add_shared() {
	mkdir -p "$T/shared"
	chmod 777 "$T/shared"
	cfg '.mounts += [{"destination": "/shared", "type": "bind", "source": $s, "options": ["rbind", "rw"]}]' --arg s "$T/shared"
	mkdir -p "$BUNDLE/rootfs/shared"
}

@test "landlock: writes outside /work, /tmp and the writable binds are refused on a writable root" {
	add_shared
	run_ctr "$WRITES"
	[ "$status" -eq 0 ]
	# truncate(2) is a Landlock right only from ABI 3 (Linux 6.2), but
	# busybox truncate opens the file for writing first: refused on every ABI
	# (seen on the 6.1 guest, ABI 2)
	local refused="create append trunc mkdir rm symlink hardlink mkfifo move chmod-dir"
	for w in $refused; do
		[[ "$output" == *"$w refused"* ]] || { echo "not refused: $w"; false; }
	done
	for w in work tmp shm null bind; do
		[[ "$output" == *"$w ok"* ]] || { echo "refused: $w"; false; }
	done
	[ "${lines[-1]}" = host-data ] # neither appended to, truncated nor removed
	[ ! -e "$BUNDLE/rootfs/data/new" ]
	# the refusal is EACCES (Landlock), not EROFS
	run_ctr 'echo x > /data/new'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	# control: without Landlock the same writes go through
	landlock_off
	run_ctr "$WRITES"
	[ "$status" -eq 0 ]
	for w in create append trunc mkdir symlink mkfifo move; do
		[[ "$output" == *"$w ok"* ]] || { echo "control refused: $w"; false; }
	done
}

@test "landlock: execute only from the system directories and /work, not /tmp or /dev/shm" {
	# a hostile image: /lib64 (listed for exec) a link to /, /opt a link to
	# /tmp: the rules never follow them
	ln -s / "$BUNDLE/rootfs/lib64"
	ln -s /tmp "$BUNDLE/rootfs/opt"
	# copies named "true": busybox runs the applet of its name
	run_ctr 'cp /bin/busybox /tmp/true; cp /bin/busybox /dev/shm/true; cp /bin/busybox /work/true
		/tmp/true; echo "tmp $?"; /dev/shm/true; echo "shm $?"
		/work/true; echo "work $?"; /bin/true; echo "bin $?"'
	[ "$status" -eq 0 ]
	[[ "$output" == *"tmp 126"* ]]
	[[ "$output" == *"shm 126"* ]]
	[[ "$output" == *"work 0"* ]]
	[[ "$output" == *"bin 0"* ]]
	[[ "$output" == *"Permission denied"* ]]
	landlock_off
	run_ctr 'cp /bin/busybox /tmp/true; /tmp/true; echo "tmp $?"'
	[[ "$output" == *"tmp 0"* ]]
}

@test "landlock: children and a process started by exec are confined too" {
	set_cmd 'sleep 100'
	ID=$(new_id)
	run_d "$ID"
	run runtime exec "$ID" sh -c 'echo x > /data/by-exec'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	# a grandchild in a new session, after its parent exited
	run runtime exec "$ID" sh -c 'setsid sh -c "sleep 0.2; echo x > /data/orphan; echo \$? > /work/orphan.rc" & exit 0'
	[ "$status" -eq 0 ]
	for ((i = 0; i < 50; i++)); do
		runtime exec "$ID" test -s /work/orphan.rc && break
		sleep 0.1
	done
	[ "$(runtime exec "$ID" cat /work/orphan.rc)" != 0 ]
	run runtime exec "$ID" sh -c 'echo x > /work/by-exec && cat /work/by-exec'
	[ "$output" = x ]
	[ ! -e "$BUNDLE/rootfs/data/by-exec" ]
	[ ! -e "$BUNDLE/rootfs/data/orphan" ]
	runtime delete -f "$ID"
}

@test "landlock: an ABI the kernel lacks is refused with a clear error, required or best-effort" {
	cfg '.annotations["run.agentrun.landlock.abi"] = "99"' # the profile's mode: best-effort
	run_ctr 'echo ran'
	[ "$status" -ne 0 ]
	[[ "$output" != *ran* ]]
	[[ "$output" == *"annotation run.agentrun.landlock.abi: Landlock ABI 99 asked, this kernel has ABI $LL_ABI"* ]]
	assert_no_leftovers "$ID"
	cfg '.annotations["run.agentrun.landlock"] = "required"'
	run_ctr 'echo ran'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Landlock ABI 99 asked"* ]]
	# required with a rule the kernel's ABI cannot hold (TCP ports need 4,
	# scopes 6): refused when the kernel is older, applied when it is not
	cfg 'del(.annotations["run.agentrun.landlock.abi"]) | .annotations["run.agentrun.landlock"] = "required" | .annotations["run.agentrun.landlock.scope"] = "abstract-unix-socket"'
	run_ctr 'echo ran'
	if [ "$LL_ABI" -ge 6 ]; then
		[ "$status" -eq 0 ] && [ "$output" = ran ]
	else
		[ "$status" -ne 0 ]
		[[ "$output" == *"annotation run.agentrun.landlock.scope needs Landlock ABI 6, this kernel has ABI $LL_ABI"* ]]
	fi
}

@test "landlock: bad paths and values fail create with the annotation and the path named" {
	cfg '.annotations["run.agentrun.landlock.rw"] = "/work:/no/such/dir"'
	run_ctr 'echo ran'
	[ "$status" -ne 0 ]
	[[ "$output" == *"annotation run.agentrun.landlock.rw: /no/such/dir: No such file or directory"* ]]
	assert_no_leftovers "$ID"
	cfg '.annotations["run.agentrun.landlock.rw"] = "/work:?/no/such/dir"'
	run_ctr 'echo ran'
	[ "$status" -eq 0 ] && [ "$output" = ran ]
	cfg '.annotations["run.agentrun.landlock.exec"] = "bin"'
	run_ctr 'echo ran'
	[ "$status" -ne 0 ]
	[[ "$output" == *'annotation run.agentrun.landlock.exec: "bin" is not an absolute path'* ]]
	cfg '.annotations["run.agentrun.landlock.exec"] = "/bin" | .annotations["run.agentrun.landlock.write"] = "/data"'
	run_ctr 'echo ran'
	[ "$status" -ne 0 ]
	[[ "$output" == *"annotation run.agentrun.landlock.write: unknown"* ]]
	cfg 'del(.annotations["run.agentrun.landlock.write"]) | .annotations["run.agentrun.landlock"] = "yes"'
	run_ctr 'echo ran'
	[ "$status" -ne 0 ]
	[[ "$output" == *'annotation run.agentrun.landlock: "yes" is not off, best-effort or required'* ]]
	# a listed path with a symbolic link on the way is refused, or skipped
	# when optional
	ln -s /data "$BUNDLE/rootfs/data-link"
	cfg '.annotations["run.agentrun.landlock"] = "best-effort" | .annotations["run.agentrun.landlock.exec"] = "/bin:/data-link"'
	run_ctr 'echo ran'
	[ "$status" -ne 0 ]
	[[ "$output" == *'annotation run.agentrun.landlock.exec: /data-link: a symbolic link on the way'* ]]
	cfg '.annotations["run.agentrun.landlock.exec"] = "/bin:?/data-link/x"'
	run_ctr 'echo ran'
	[ "$status" -eq 0 ] && [ "$output" = ran ]
	# a file named for a directory's rights gets the file's share of them
	cfg '.annotations["run.agentrun.landlock"] = "required" | .annotations["run.agentrun.landlock.rw"] = "/work:/data/existing"'
	run_ctr 'echo appended >> /data/existing && echo x > /data/other'
	[ "$status" -ne 0 ]
	[ "$(tail -n1 "$BUNDLE/rootfs/data/existing")" = appended ]
	[ ! -e "$BUNDLE/rootfs/data/other" ]
}

@test "landlock: rules without the mode key are enforced (fail closed)" {
	cfg 'del(.annotations["run.agentrun.landlock"])'
	run_ctr 'echo x > /data/new; echo x > /work/ok && echo wrote-work'
	[[ "$output" == *"Permission denied"* ]]
	[[ "$output" == *wrote-work* ]]
	[ ! -e "$BUNDLE/rootfs/data/new" ]
}

@test "landlock: TCP bind and connect only to the allowed ports (ABI 4)" {
	[ "$LL_ABI" -ge 4 ] || skip "Landlock ABI $LL_ABI has no TCP rules"
	cfg '.annotations["run.agentrun.landlock.tcp.bind"] = "8080" | .annotations["run.agentrun.landlock.tcp.connect"] = "8080"'
	local script='mkdir -p /work/www; echo served > /work/www/f
		httpd -p 127.0.0.1:8080 -h /work/www; echo "bind-8080 $?"
		httpd -p 127.0.0.1:9090 -h /work/www 2>&1; echo "bind-9090 $?"
		wget -q -O- http://127.0.0.1:8080/f; echo "get-8080 $?"
		nc 127.0.0.1 9999 </dev/null 2>&1; echo "connect-9999 $?"'
	run_ctr "$script"
	[[ "$output" == *"bind-8080 0"* ]]
	[[ "$output" == *$'\nserved\nget-8080 0'* ]]
	[[ "$output" == *"Permission denied"*"bind-9090 1"* ]]
	[[ "$output" == *"Permission denied"*"connect-9999"* ]]
	# control: without the TCP keys the kernel answers (refused: no listener)
	cfg 'del(.annotations["run.agentrun.landlock.tcp.bind"]) | del(.annotations["run.agentrun.landlock.tcp.connect"])'
	run_ctr 'nc 127.0.0.1 9999 </dev/null 2>&1; echo "connect-9999 $?"'
	[[ "$output" == *"Connection refused"* ]]
}

@test "landlock: process.noNewPrivileges false is refused (Landlock needs it without CAP_SYS_ADMIN)" {
	cfg '.process.noNewPrivileges = false'
	run_ctr 'echo ran'
	[ "$status" -ne 0 ]
	[[ "$output" == *"annotation run.agentrun.landlock: Landlock needs process.noNewPrivileges: true (or CAP_SYS_ADMIN)"* ]]
	assert_no_leftovers "$ID"
}

@test "landlock: checkpoint and restore refuse a confined container (CRIU would drop the domain)" {
	PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v criu >/dev/null || skip "criu not installed"
	set_cmd 'sleep 100'
	ID=$(new_id)
	run_d "$ID"
	run runtime checkpoint --image-path "$T/img" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"annotation run.agentrun.landlock: CRIU cannot checkpoint a process confined by Landlock"* ]]
	[ "$(state_of "$ID")" = running ]
	# an image made elsewhere is not restored into a confined config
	mkdir -p "$T/img2"
	id2=$(new_id)
	run runtime restore --image-path "$T/img2" --bundle "$BUNDLE" -d "$id2"
	[ "$status" -ne 0 ]
	[[ "$output" == *"CRIU cannot restore a process confined by Landlock"* ]]
	runtime delete -f "$ID"
}

@test "landlock: features reports the kernel's ABI and the annotations" {
	run runtime features
	[ "$status" -eq 0 ]
	echo "$output" >"$T/features.json"
	validate_json features-schema.json "$T/features.json"
	[ "$(jq -r '.annotations["org.agentrun.landlock.abi"]' "$T/features.json")" = "$LL_ABI" ]
	jq -r '.annotations["org.agentrun.landlock.annotations"]' "$T/features.json" | grep -qw run.agentrun.landlock.tcp.connect
}
