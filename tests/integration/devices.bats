#!/usr/bin/env bats
# /dev: default device nodes, standard symlinks, /dev/shm, /dev/pts,
# linux.devices.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

@test "devices: the default nodes exist as character devices with the right numbers" {
	# busybox stat: %F file type, %t/%T major/minor in hex.
	run_ctr 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T" /dev/$d; done'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/dev/null character special file 1:3" ]
	[ "${lines[1]}" = "/dev/zero character special file 1:5" ]
	[ "${lines[2]}" = "/dev/full character special file 1:7" ]
	[ "${lines[3]}" = "/dev/random character special file 1:8" ]
	[ "${lines[4]}" = "/dev/urandom character special file 1:9" ]
	[ "${lines[5]}" = "/dev/tty character special file 5:0" ]
}

@test "devices: the default nodes work (device cgroup allows them)" {
	run_ctr 'echo x > /dev/null && echo null-ok
		[ "$(head -c 8 /dev/zero | wc -c)" = 8 ] && echo zero-ok
		[ "$(head -c 8 /dev/urandom | wc -c)" = 8 ] && echo urandom-ok
		[ "$(head -c 8 /dev/random | wc -c)" = 8 ] && echo random-ok
		echo x 2>/dev/null > /dev/full || echo full-ok'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'null-ok\nzero-ok\nurandom-ok\nrandom-ok\nfull-ok')" ]
}

@test "devices: default nodes are readable and writable by everyone (0666)" {
	run_ctr 'for d in null zero full random urandom tty; do stat -c %a /dev/$d; done'
	[ "$status" -eq 0 ]
	for l in "${lines[@]}"; do
		[ "$l" = 666 ]
	done
}

@test "devices: /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr, /dev/ptmx symlinks" {
	run_ctr 'for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /proc/self/fd ]
	[ "${lines[1]}" = /proc/self/fd/0 ]
	[ "${lines[2]}" = /proc/self/fd/1 ]
	[ "${lines[3]}" = /proc/self/fd/2 ]
	[ "${lines[4]}" = pts/ptmx ]
}

@test "devices: /dev/stdout and /dev/stderr reach the caller" {
	run_ctr 'echo to-stdout > /dev/stdout; echo to-stderr > /dev/stderr'
	[ "$status" -eq 0 ]
	[[ "$output" == *to-stdout* ]]
	[[ "$output" == *to-stderr* ]]
}

@test "devices: /dev/shm is a writable sticky tmpfs directory" {
	run_ctr 'stat -c %a /dev/shm; echo hi > /dev/shm/f && cat /dev/shm/f'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1777 ]
	[ "${lines[1]}" = hi ]
}

@test "devices: /dev/pts is a new devpts instance with ptmx" {
	run_ctr 'stat -c "%F %t:%T" /dev/pts/ptmx; ls /dev/pts | grep -v ptmx | wc -l'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "character special file 5:2" ]
	# A new instance: no host terminals.
	[ "${lines[1]}" -eq 0 ]
}

@test "devices: no host devices besides the defaults" {
	run_ctr 'ls /dev'
	[ "$status" -eq 0 ]
	for d in "${lines[@]}"; do
		case "$d" in
		null | zero | full | random | urandom | tty | fd | stdin | stdout | stderr | ptmx | pts | shm | mqueue | console | core) ;;
		*)
			echo "unexpected /dev entry: $d" >&2
			return 1
			;;
		esac
	done
}

@test "linux.devices: a configured device node is created and usable" {
	cfg '.linux.devices = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 420, "uid": 0, "gid": 0}]
		| .linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
	run_ctr 'stat -c "%F %t:%T %a" /dev/mynull; echo x > /dev/mynull && echo write-ok'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "character special file 1:3 644" ]
	[ "${lines[1]}" = write-ok ]
}

@test "linux.resources.devices: a device not allowed cannot be opened" {
	# /dev/mem-like node 1:1, not in the allow list.
	cfg '.linux.devices = [{"path": "/dev/denied", "type": "c", "major": 1, "minor": 1, "fileMode": 384}]
		| .linux.resources.devices = [{"allow": false, "access": "rwm"}]'
	cfg '.process.capabilities.bounding += ["CAP_SYS_RAWIO"] | .process.capabilities.effective += ["CAP_SYS_RAWIO"] | .process.capabilities.permitted += ["CAP_SYS_RAWIO"]'
	run_ctr 'head -c 1 /dev/denied >/dev/null 2>&1 && echo OPENED; echo done'
	[ "$status" -eq 0 ]
	[ "$output" = done ]
}
