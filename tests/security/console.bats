#!/usr/bin/env bats
# Attack tests: /dev/console. A hostile image tries to get the pty bound
# on a file of its choosing (CVE-2025-52565 class).

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

@test "CVE-2025-52565: an image /dev/console symlinked to a file is replaced, the file untouched" {
	cfg 'del(.mounts[] | select(.destination == "/dev")) | .process.terminal = true'
	echo HOSTISH-SECRET >"$BUNDLE/rootfs/secret"
	ln -s /secret "$BUNDLE/rootfs/dev/console"
	set_cmd 'stat -c "%F %t" /dev/console /secret >/report; grep -c " /secret " /proc/self/mountinfo >>/report'
	id=$(new_id)
	runtime run --bundle "$BUNDLE" "$id" </dev/null >"$T/out" 2>&1 || true
	cat "$T/out" "$BUNDLE/rootfs/report"
	mapfile -t l <"$BUNDLE/rootfs/report"
	[ "${l[0]}" = "character special file 88" ]
	[ "${l[1]}" = "regular file 0" ]
	[ "${l[2]}" = 0 ]
	[ "$(cat "$BUNDLE/rootfs/secret")" = HOSTISH-SECRET ]
}

@test "CVE-2025-52565: an image /dev/console that is a device node is not mounted on" {
	cfg 'del(.mounts[] | select(.destination == "/dev")) | .process.terminal = true'
	mknod "$BUNDLE/rootfs/dev/console" c 1 3
	set_cmd 'stat -c "%F %t" /dev/console >/report'
	id=$(new_id)
	runtime run --bundle "$BUNDLE" "$id" </dev/null >"$T/out" 2>&1 || true
	cat "$T/out" "$BUNDLE/rootfs/report"
	[ "$(cat "$BUNDLE/rootfs/report")" = "character special file 88" ]
	# what the image had there is gone, replaced by a file under the pty
	[ -f "$BUNDLE/rootfs/dev/console" ]
}
