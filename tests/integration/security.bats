#!/usr/bin/env bats
# Escapes that have hit other runtimes: leaked fds and cwd (CVE-2024-21626),
# /proc/self/exe (CVE-2019-5736), symlinked and ..-laden mount destinations,
# masked and read-only paths, seccomp order.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

start_sleeper() {
	set_args sleep 1000
	id=$(new_id)
	run_d "$id" "$@"
	wait_status "$id" running
	pid=$(pid_of "$id")
}

# host_fds PID: the fd numbers a process holds, sorted, on one line.
host_fds() {
	ls "/proc/$1/fd" | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# The walk up from the cwd: at the top we must be at the container's root,
# which holds the marker with $T; anything else is the host.
climb='for i in $(seq 40); do cd .. || exit 9; done; if [ "$(cat .agentrun-test 2>/dev/null)" = "$EXPECT" ]; then echo inside; else echo ESCAPED; ls | head -4; fi'

@test "fds: nothing of the runtime's or the caller's reaches the container process" {
	mkdir "$T/hostdir"
	# (no pipe nor $(...): the shell would hold its ends while ls looks)
	set_cmd 'ls /proc/$$/fd; echo ---; ls /proc/self/fd 2>/dev/null; echo ---; readlink /proc/self/cwd'
	ID=$(new_id)
	# the caller holds directories of the host open, without close-on-exec
	run runtime run --bundle "$BUNDLE" "$ID" </dev/null 5<"$T/hostdir" 7</ 9<"$BUNDLE/config.json"
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "0 1 2 --- 0 1 2 3 --- /" ]
}

@test "fds: a running container's init holds only stdio (seen from the host)" {
	start_sleeper 5<"$T" 7</
	[ "$(host_fds "$pid")" = "0 1 2" ]
	[ "$(readlink "/proc/$pid/root")" = / ] || [ "$(stat -L -c %i "/proc/$pid/root")" = "$(stat -c %i "$BUNDLE/rootfs")" ]
}

@test "fds: a created container's init holds no directory of the host" {
	set_args sleep 1000
	id=$(new_id)
	create_ctr "$id"
	pid=$(pid_of "$id")
	bad=
	for fd in /proc/$pid/fd/*; do
		if [ -d "$fd" ]; then
			bad="$bad ${fd##*/}->$(readlink "$fd")"
		fi
	done
	echo "directory fds of the created init:$bad"
	[ -z "$bad" ]
}

@test "fds: nothing reaches an exec'd process" {
	start_sleeper
	run runtime exec "$id" sh -c 'ls /proc/$$/fd; echo ---; readlink /proc/self/cwd' \
		</dev/null 5<"$T" 7</ 9<"$BUNDLE/config.json"
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "0 1 2 --- /" ]
	runtime exec -d --pid-file "$T/e.pid" "$id" sleep 1000 </dev/null >/dev/null 2>&1 5<"$T" 7</
	epid=$(cat "$T/e.pid")
	track_pid "$epid"
	[ "$(host_fds "$epid")" = "0 1 2" ]
	kill -9 "$epid"
}

@test "cwd: process.cwd through /proc/self/fd/N cannot reach the host (CVE-2024-21626)" {
	cfg '.process.env += ["EXPECT=" + $t]' --arg t "$T"
	set_cmd "$climb"
	bad=
	for n in 3 4 5 6 7 8 9 10; do
		cfg '.process.cwd = $c' --arg c "/proc/self/fd/$n"
		ID=$(new_id)
		run runtime run --bundle "$BUNDLE" "$ID" </dev/null 5<"$T" 7</
		echo "cwd /proc/self/fd/$n: $status: $output"
		[[ "$output" == *ESCAPED* ]] && bad="$bad $n"
	done
	[ -z "$bad" ]
}

@test "cwd: exec --cwd through /proc/self/fd/N cannot reach the host (CVE-2024-21626)" {
	start_sleeper
	bad=
	for n in 3 4 5 6 7 8 9 10; do
		run runtime exec -e "EXPECT=$T" --cwd "/proc/self/fd/$n" "$id" sh -c "$climb" </dev/null 5<"$T" 7</
		echo "exec --cwd /proc/self/fd/$n: $status: $output"
		[[ "$output" == *ESCAPED* ]] && bad="$bad $n"
	done
	[ -z "$bad" ]
}

@test "/proc/1/exe of a created container cannot be read or opened from an exec (CVE-2019-5736)" {
	set_args sleep 1000
	id=$(new_id)
	create_ctr "$id"
	[ "$(state_of "$id")" = created ]
	sum=$(md5sum <"$AGENTRUN")
	run runtime exec "$id" sh -c '
		cat /proc/1/exe >/dev/null
		(exec 5</proc/1/exe) && echo OPENED-READ
		(exec 5>>/proc/1/exe) && echo OPENED-WRITE
		readlink /proc/1/exe && echo READLINK
		cat /proc/1/environ >/dev/null && echo ENVIRON
		readlink /proc/1/fd/0 && echo FDLINK
		readlink /proc/1/cwd && echo CWDLINK
		echo end' </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"Permission denied"* ]]
	[[ "$output" != *OPENED* ]]
	[[ "$output" != *READLINK* ]]
	[[ "$output" != *ENVIRON* ]]
	[[ "$output" != *LINK* ]]
	[ "${lines[-1]}" = end ]
	[ "$(md5sum <"$AGENTRUN")" = "$sum" ]
	# and the container still starts
	runtime start "$id"
	wait_status "$id" running
}

@test "mounts: a destination symlinked to an absolute host path lands inside the rootfs" {
	mkdir -p "$T/hostdir" "$T/vol" "$BUNDLE/rootfs$T/hostdir"
	echo payload >"$T/vol/payload"
	ln -s "$T/hostdir" "$BUNDLE/rootfs/evil"
	cfg '.mounts += [{"destination": "/evil", "type": "bind", "source": $v, "options": ["rbind", "rw"]}]' --arg v "$T/vol"
	run_ctr 'cat /evil/payload; touch /evil/written'
	[ "$status" -eq 0 ]
	[ "$output" = payload ]
	[ -e "$T/vol/written" ]
	[ -z "$(ls -A "$T/hostdir")" ]
	! mountpoint -q "$T/hostdir"
}

@test "mounts: a destination symlinked to a missing host path is created inside the rootfs" {
	mkdir -p "$T/hostdir" "$T/vol"
	echo payload >"$T/vol/payload"
	ln -s "$T/hostdir/sub" "$BUNDLE/rootfs/evil"
	cfg '.mounts += [{"destination": "/evil", "type": "bind", "source": $v, "options": ["rbind", "rw"]}]' --arg v "$T/vol"
	run_ctr 'cat /evil/payload'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = payload ]
	[ -z "$(ls -A "$T/hostdir")" ]
	[ -d "$BUNDLE/rootfs$T/hostdir/sub" ]
}

@test "mounts: a relative symlink climbing out of the rootfs stays inside (tmpfs)" {
	mkdir -p "$T/hostdir" "$BUNDLE/rootfs$T/hostdir"
	ln -s "../../../../../../../../../../..$T/hostdir" "$BUNDLE/rootfs/evil"
	cfg '.mounts += [{"destination": "/evil", "type": "tmpfs", "source": "tmpfs"}]'
	run_ctr 'touch /evil/written && echo ok'
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	[ -z "$(ls -A "$T/hostdir")" ]
	[ -z "$(ls -A "$BUNDLE/rootfs$T/hostdir")" ]
}

@test "mounts: a ..-laden destination stays inside the rootfs" {
	mkdir -p "$T/esc" "$T/vol"
	echo payload >"$T/vol/payload"
	cfg '.mounts += [{"destination": $d, "type": "bind", "source": $v, "options": ["bind"]}]' \
		--arg v "$T/vol" --arg d "/a/../../../../../../../..$T/esc"
	run_ctr "cat $T/esc/payload; touch $T/esc/written"
	[ "$status" -eq 0 ]
	[ "$output" = payload ]
	[ -e "$T/vol/written" ]
	[ -z "$(ls -A "$T/esc")" ]
	! mountpoint -q "$T/esc"
	[ -d "$BUNDLE/rootfs$T/esc" ]
}

@test "masked paths: cannot be read, written through or unmounted" {
	echo secret >"$BUNDLE/rootfs/etc/secret"
	mkdir "$BUNDLE/rootfs/etc/sdir"
	echo secret >"$BUNDLE/rootfs/etc/sdir/f"
	cfg '.linux.maskedPaths += ["/etc/secret", "/etc/sdir"]'
	run_ctr 'cat /etc/secret; ls -A /etc/sdir; cat /proc/keys; ls -A /sys/firmware; echo ---
		echo overwritten > /etc/secret 2>/dev/null
		umount /etc/secret 2>/dev/null && echo UNMOUNTED
		umount /etc/sdir 2>/dev/null && echo UNMOUNTED
		umount /proc/keys 2>/dev/null && echo UNMOUNTED
		cat /etc/secret; echo end'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = --- ]
	[ "${lines[1]}" = end ]
	[ "$(cat "$BUNDLE/rootfs/etc/secret")" = secret ]
}

@test "readonly paths: cannot be written nor remounted read-write" {
	mkdir "$BUNDLE/rootfs/ro"
	cfg '.linux.readonlyPaths += ["/ro"]'
	run_ctr '
		touch /ro/x 2>/dev/null && echo WROTE-RO
		echo x > /proc/sys/kernel/domainname 2>/dev/null && echo WROTE-SYS
		mount -o remount,rw /proc/sys 2>/dev/null && echo REMOUNTED
		mount -o remount,bind,rw /ro 2>/dev/null && echo REMOUNTED
		umount /ro 2>/dev/null && echo UNMOUNTED
		touch /ro/x 2>/dev/null && echo WROTE-RO
		grep -E " /(ro|proc/sys) " /proc/self/mountinfo | awk "{print \$5, \$6}"'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *WROTE* ]]
	[[ "$output" != *REMOUNTED* ]]
	[[ "$output" != *UNMOUNTED* ]]
	[[ "$(grep '^/ro ' <<<"$output")" == "/ro ro"* ]]
	[ ! -e "$BUNDLE/rootfs/ro/x" ]
}

@test "readonly rootfs: cannot be remounted read-write" {
	cfg '.root.readonly = true'
	run_ctr 'touch /x 2>/dev/null && echo WROTE; mount -o remount,rw / 2>/dev/null && echo REMOUNTED; touch /x 2>/dev/null && echo WROTE; echo end'
	[ "$status" -eq 0 ]
	[ "$output" = end ]
	[ ! -e "$BUNDLE/rootfs/x" ]
}

# a filter denying what container setup itself needs
setup_denying_filter() {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": $n, "action": "SCMP_ACT_ERRNO"}]}
		| .mounts += [{"destination": "/new/dir", "type": "tmpfs", "source": "tmpfs"}]' \
		--argjson n "$(json_array "$@")"
}

@test "seccomp is applied last: a filter denying mkdir, mount, mknod... does not break setup (noNewPrivileges false)" {
	cfg '.process.noNewPrivileges = false'
	setup_denying_filter mkdir mkdirat mount umount2 pivot_root mknod mknodat symlink symlinkat \
		sethostname setdomainname open_tree move_mount fsopen fsmount fsconfig
	run_ctr 'mkdir /tmp/x; [ -d /new/dir ] && echo new-dir; hostname; grep "^Seccomp:" /proc/self/status'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"Operation not permitted"* ]]
	[ "${lines[1]}" = new-dir ]
	[ "${lines[2]}" = agentrun-test ]
	[ "$(echo ${lines[3]})" = "Seccomp: 2" ]
}

@test "seccomp is applied last: a filter denying setup and identity syscalls does not break setup (noNewPrivileges true)" {
	setup_denying_filter mkdir mkdirat mount umount2 pivot_root mknod mknodat symlink symlinkat \
		sethostname setdomainname chdir fchdir capset setgroups setresuid setresgid setuid setgid \
		umask keyctl prctl setsid
	run_ctr 'mkdir /tmp/x; [ -d /new/dir ] && echo new-dir; hostname; grep "^Seccomp:" /proc/self/status'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"Operation not permitted"* ]]
	[ "${lines[1]}" = new-dir ]
	[ "${lines[2]}" = agentrun-test ]
	[ "$(echo ${lines[3]})" = "Seccomp: 2" ]
}
