#!/usr/bin/env bats
# Sessions (fork, suspend, wake) against a hostile container: what it
# plants in the data fork copies never makes fork read host files through
# it or hang (CVE-2019-16884/CVE-2021-30465-style symlink tricks on paths
# the runtime walks as root), and a waking command's own stdio never
# reaches the woken session (a leaked fd of the host: CVE-2024-21626's
# class).

load ../lib/bundle

criu_ok() {
	local bin v
	bin=$(PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v criu) || return 1
	v=$("$bin" --version 2>/dev/null | sed -n 's/^Version: *\([0-9][0-9.]*\).*/\1/p')
	[ -n "$v" ] && [ "$(printf '4.2\n%s\n' "$v" | sort -V | head -n1)" = 4.2 ]
}

setup() {
	criu_ok || skip "criu >= 4.2 not installed"
	setup_common
	mkdir -p "$T/data" "$BUNDLE/rootfs/data"
	cfg '.root.readonly = true | .mounts += [{"destination": "/data", "type": "bind", "source": $s, "options": ["rbind", "rw"]}]' --arg s "$T/data"
}

teardown() {
	teardown_common
}

@test "fork: symlinks the container plants in its data are copied as links, never followed to host files" {
	echo host-secret >"$T/secret"
	mkdir -p "$T/hostdir"
	echo host-secret >"$T/hostdir/file"
	# inside the container these point nowhere; on the host, at the secret
	set_cmd "ln -s $T/secret /data/leak; ln -s $T/hostdir /data/leakdir; echo 1 > /data/ready; while true; do sleep 1; done"
	id=$(new_id)
	run_d "$id"
	wait_file "$T/data/ready" || { cat "$T/$id.err"; false; }
	echo "$id-x" >>"$T/.ids"
	run runtime fork "$id" "$id-x"
	echo "$output"
	[ "$status" -eq 0 ]
	copy=$(sed -n "s|^cloned $T/data -> \([^ ]*\) .*|\1|p" <<<"$output")
	[ -n "$copy" ]
	[ -d "$copy" ]
	# on the host: links, as planted
	[ -L "$copy/leak" ]
	[ "$(readlink "$copy/leak")" = "$T/secret" ]
	[ -L "$copy/leakdir" ]
	# in the copy: nothing of the host's files
	run runtime exec "$id-x" cat /data/leak
	[[ "$output" != *host-secret* ]]
	run runtime exec "$id-x" cat /data/leakdir/file
	[[ "$output" != *host-secret* ]]
	run grep -rqs host-secret "$copy"
	[ "$status" -ne 0 ]
}

@test "fork: a FIFO, socket or device node the container makes in its data neither hangs nor breaks the fork" {
	set_cmd 'mkfifo /data/fifo; mknod /data/null c 1 3 2>/dev/null; echo 1 > /data/ready; while true; do sleep 1; done'
	id=$(new_id)
	run_d "$id"
	wait_file "$T/data/ready"
	echo "$id-y" >>"$T/.ids"
	run runtime fork "$id" "$id-y"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"special files left out"* ]]
	[ "$(state_of "$id-y")" = running ]
	copy=$(sed -n "s|^cloned $T/data -> \([^ ]*\) .*|\1|p" <<<"$output")
	[ ! -e "$copy/fifo" ]
	[ ! -e "$copy/null" ]
}

@test "wake: the waking exec's stdio (a file of the host) never becomes the session's" {
	set_cmd 'while true; do sleep 1; done'
	id=$(new_id)
	run_d "$id"
	runtime suspend "$id"
	# exec wakes it with its stdout and stderr on a file of ours (a file,
	# not a pipe: a leak must not hang this test waiting for EOF)
	runtime exec "$id" true </dev/null >"$T/exec.out" 2>&1
	pid=$(pid_of "$id")
	# the host's /dev/null (char 1:3), not our pipe
	for fd in 0 1 2; do
		l=$(stat -L -c '%F %t:%T' "/proc/$pid/fd/$fd")
		echo "fd $fd: $l"
		[ "$l" = "character special file 1:3" ]
	done
}
