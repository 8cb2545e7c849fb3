#!/usr/bin/env bats
# exec: every runc flag, checked from inside the container.

load ../lib/bundle

setup() { setup_common; }
teardown() {
	# a container left frozen (a failed resume) would block its teardown
	[ -n "${FROZEN_PID:-}" ] && thaw_pid "$FROZEN_PID"
	teardown_common
}

# thaw_pid PID: thaw the freezer cgroup of PID directly (v1 or v2).
thaw_pid() {
	local line path
	while IFS= read -r line; do
		path=${line#*:*:}
		case $line in
		*:freezer:*) echo THAWED >"/sys/fs/cgroup/freezer$path/freezer.state" 2>/dev/null ;;
		0::*)
			for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
				[ -e "$d$path/cgroup.freeze" ] && echo 0 >"$d$path/cgroup.freeze" 2>/dev/null
			done
			;;
		esac
	done <"/proc/$1/cgroup" 2>/dev/null
	return 0
}

# start_sleeper: a running container ($id, init pid $pid) whose process sleeps;
# /shared is $T/shared.
start_sleeper() {
	add_shared
	set_args sleep 1000
	id=$(new_id)
	run_d "$id" "$@"
	wait_status "$id" running
	pid=$(pid_of "$id")
	[ -n "$pid" ] && [ "$pid" -gt 0 ]
}

# rt_fds ARGS...: the runtime with the caller's fds kept (runtime closes fd 3).
rt_fds() {
	timeout -k 5 "$RUNTIME_TIMEOUT" "$AGENTRUN" --root "$STATE_ROOT" "$@"
}

status_hex() { # status_hex FIELD TEXT: a hex field of /proc/PID/status output
	awk -v k="$1:" '$1 == k { print $2 }' <<<"$2"
}

@test "exec: output and exit code pass through" {
	start_sleeper
	run runtime exec "$id" sh -c 'echo out-of-exec; exit 7' </dev/null
	[ "$status" -eq 7 ]
	[ "$output" = out-of-exec ]
	run runtime exec "$id" true </dev/null
	[ "$status" -eq 0 ]
	run runtime exec "$id" sh -c 'exit 255' </dev/null
	[ "$status" -eq 255 ]
}

@test "exec: a process killed by a signal gives 128+signal" {
	start_sleeper
	run runtime exec "$id" sh -c 'kill -TERM $$' </dev/null
	[ "$status" -eq 143 ]
	run runtime exec "$id" sh -c 'kill -KILL $$' </dev/null
	[ "$status" -eq 137 ]
	run runtime exec "$id" sh -c 'kill -USR1 $$' </dev/null
	[ "$status" -eq 138 ]
}

@test "exec: the process runs in the container (pid namespace, rootfs, hostname)" {
	start_sleeper
	run runtime exec "$id" sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; hostname; cat /.agentrun-test' </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "sleep 1000 " ]
	[ "${lines[1]}" = agentrun-test ]
	[ "${lines[2]}" = "$T" ]
}

@test "exec --process/-p: a process.json replaces the process" {
	start_sleeper
	cat >"$T/process.json" <<-'EOF'
		{
			"terminal": false,
			"user": {"uid": 1000, "gid": 1000, "additionalGids": [29]},
			"args": ["sh", "-c", "echo FOO=$FOO; pwd; id -u; id -g; grep Groups /proc/self/status; echo TERM=${TERM:-unset}; exit 3"],
			"env": ["FOO=from-process-json", "PATH=/bin:/usr/bin"],
			"cwd": "/tmp"
		}
	EOF
	run runtime exec --process "$T/process.json" "$id" </dev/null
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = FOO=from-process-json ]
	[ "${lines[1]}" = /tmp ]
	[ "${lines[2]}" = 1000 ]
	[ "${lines[3]}" = 1000 ]
	[ "$(echo ${lines[4]})" = "Groups: 29" ]
	# the config's env is replaced, not merged
	[ "${lines[5]}" = TERM=unset ]
	run runtime exec -p "$T/process.json" "$id" </dev/null
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = FOO=from-process-json ]
}

@test "exec -p: flags still apply on top of the process.json" {
	start_sleeper
	jq -n '{terminal: false, user: {uid: 0, gid: 0}, args: ["sh", "-c", "echo $FOO; pwd"], env: ["FOO=a", "PATH=/bin"], cwd: "/"}' >"$T/process.json"
	run runtime exec -p "$T/process.json" --cwd /tmp -e FOO=b "$id" </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = b ]
	[ "${lines[1]}" = /tmp ]
}

@test "exec -p: a missing or invalid process.json, or a command as well, is refused" {
	start_sleeper
	run runtime exec -p "$T/nope.json" "$id" </dev/null
	[ "$status" -ne 0 ]
	echo '{"args": 5}' >"$T/bad.json"
	run runtime exec -p "$T/bad.json" "$id" </dev/null
	[ "$status" -ne 0 ]
	jq -n '{args: ["true"], cwd: "/"}' >"$T/ok.json"
	run runtime exec -p "$T/ok.json" "$id" echo extra </dev/null
	[ "$status" -ne 0 ]
}

@test "exec --cwd: the working directory" {
	start_sleeper
	run runtime exec --cwd /tmp "$id" pwd </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = /tmp ]
	run runtime exec --cwd /etc "$id" sh -c 'readlink /proc/self/cwd' </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = /etc ]
	# without --cwd: the config's (/)
	run runtime exec "$id" pwd </dev/null
	[ "$output" = / ]
	run runtime exec --cwd /no/such/dir "$id" true </dev/null
	[ "$status" -ne 0 ]
}

@test "exec --env/-e: variables are added and override the config's" {
	start_sleeper
	run runtime exec --env FOO=one -e BAR=two -e TERM=dumb "$id" env </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *FOO=one* ]]
	[[ "$output" == *BAR=two* ]]
	# overridden, not duplicated
	[ "$(grep -c '^TERM=' <<<"$output")" -eq 1 ]
	[[ "$output" == *TERM=dumb* ]]
	[[ "$output" != *TERM=xterm* ]]
	# the rest of the config's env is kept
	[[ "$output" == *PATH=/usr/local/sbin:* ]]
	run runtime exec -e NOEQUALS "$id" true </dev/null
	[ "$status" -ne 0 ]
}

@test "exec --user/-u: UID and UID:GID" {
	start_sleeper
	run runtime exec --user 1000 "$id" sh -c 'id -u; id -g' </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 0 ]
	run runtime exec -u 1000:1000 "$id" sh -c 'id -u; id -g; grep -E "^(Uid|Gid):" /proc/self/status' </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1000 ]
	[ "$(echo ${lines[2]})" = "Uid: 1000 1000 1000 1000" ]
	[ "$(echo ${lines[3]})" = "Gid: 1000 1000 1000 1000" ]
	# the host sees the same ids (no user namespace)
	run runtime exec -u 65534:65534 "$id" sh -c 'id -u' </dev/null
	[ "$output" = 65534 ]
	run runtime exec -u notanumber "$id" true </dev/null
	[ "$status" -ne 0 ]
}

@test "exec --additional-gids/-g: supplementary groups" {
	start_sleeper
	run runtime exec -u 1000:1000 --additional-gids 10 -g 29 "$id" sh -c 'grep "^Groups:" /proc/self/status; id -G' </dev/null
	[ "$status" -eq 0 ]
	[ "$(echo ${lines[0]})" = "Groups: 10 29" ]
	[ "${lines[1]}" = "1000 10 29" ]
}

@test "exec --cap: the capability is in the effective and bounding sets" {
	start_sleeper
	run runtime exec "$id" cat /proc/self/status </dev/null
	[ "$status" -eq 0 ]
	eff=$(status_hex CapEff "$output")
	bnd=$(status_hex CapBnd "$output")
	# CAP_SYS_ADMIN is 21: not there by default
	(((0x$eff >> 21 & 1) == 0))
	(((0x$bnd >> 21 & 1) == 0))
	run runtime exec --cap CAP_SYS_ADMIN "$id" cat /proc/self/status </dev/null
	[ "$status" -eq 0 ]
	eff=$(status_hex CapEff "$output")
	bnd=$(status_hex CapBnd "$output")
	prm=$(status_hex CapPrm "$output")
	(((0x$eff >> 21 & 1) == 1))
	(((0x$bnd >> 21 & 1) == 1))
	(((0x$prm >> 21 & 1) == 1))
	# the config's capabilities stay (CAP_KILL is 5)
	(((0x$eff >> 5 & 1) == 1))
	# and it works: with CAP_SYS_ADMIN a tmpfs can be mounted
	run runtime exec --cap CAP_SYS_ADMIN "$id" sh -c 'mkdir -p /mnt/x && mount -t tmpfs none /mnt/x && echo mounted' </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = mounted ]
	run runtime exec "$id" sh -c 'mkdir -p /mnt/y && mount -t tmpfs none /mnt/y' </dev/null
	[ "$status" -ne 0 ]
}

@test "exec --no-new-privs: NoNewPrivs is 1 even when the config says false" {
	cfg '.process.noNewPrivileges = false'
	start_sleeper
	run runtime exec "$id" grep NoNewPrivs /proc/self/status </dev/null
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "NoNewPrivs: 0" ]
	run runtime exec --no-new-privs "$id" grep NoNewPrivs /proc/self/status </dev/null
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "NoNewPrivs: 1" ]
}

@test "exec --detach/-d with --pid-file: returns at once, the pid file holds the host pid" {
	start_sleeper
	runtime exec --detach --pid-file "$T/exec.pid" "$id" sh -c 'echo $$ > /shared/exec-pid; exec sleep 1000' \
		</dev/null >"$T/exec.out" 2>"$T/exec.err"
	wait_file "$T/exec.pid"
	epid=$(cat "$T/exec.pid")
	track_pid "$epid"
	[[ "$epid" =~ ^[0-9]+$ ]]
	pid_alive "$epid"
	wait_file "$T/shared/exec-pid"
	# NSpid: host pid, then the pid the container sees
	nspid=$(awk '/^NSpid:/ { print $2, $NF }' "/proc/$epid/status")
	[ "$nspid" = "$epid $(cat "$T/shared/exec-pid")" ]
	[ "$(readlink "/proc/$epid/ns/pid")" = "$(readlink "/proc/$pid/ns/pid")" ]
	# the short form
	runtime exec -d --pid-file "$T/exec2.pid" "$id" sleep 1000 </dev/null >/dev/null 2>&1
	wait_file "$T/exec2.pid"
	track_pid "$(cat "$T/exec2.pid")"
	pid_alive "$(cat "$T/exec2.pid")"
	[ ! -s "$T/exec.out" ]
	# the container's init is untouched
	[ "$(state_of "$id")" = running ]
	[ "$(pid_of "$id")" = "$pid" ]
	kill -9 "$epid"
}

@test "exec --preserve-fds: the next N fds are passed, no more" {
	start_sleeper
	echo three >"$T/f3"
	echo four >"$T/f4"
	echo five >"$T/f5"
	run rt_fds exec --preserve-fds 2 "$id" sh -c 'cat <&3; cat <&4; [ -e /proc/$$/fd/5 ] && echo fd5-leaked; echo end' \
		3<"$T/f3" 4<"$T/f4" 5<"$T/f5" </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = three ]
	[ "${lines[1]}" = four ]
	[ "${lines[2]}" = end ]
	# without the flag none are passed
	run rt_fds exec "$id" sh -c '[ -e /proc/$$/fd/3 ] && echo fd3-leaked; echo end' 3<"$T/f3" </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = end ]
}

@test "exec: stdin is piped through" {
	start_sleeper
	out=$(echo piped-input | runtime exec "$id" cat)
	[ "$out" = piped-input ]
	out=$(printf 'a\nb\nc\n' | runtime exec "$id" wc -l)
	[ "$out" = 3 ]
}

@test "exec: refused in a stopped container" {
	set_cmd 'exit 0'
	id=$(new_id)
	create_ctr "$id"
	runtime start "$id"
	wait_status "$id" stopped
	run runtime exec "$id" true </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *stopped* ]]
}

@test "exec: refused for an unknown container, and without a command" {
	run runtime exec no-such-container true </dev/null
	[ "$status" -eq 255 ]
	start_sleeper
	run runtime exec "$id" </dev/null
	[ "$status" -eq 255 ]
	# no container id at all is a usage error: 1, as runc
	run runtime exec </dev/null
	[ "$status" -eq 1 ]
}

@test "exec: a process that cannot be run exits 255 (runc, crun), its own status passes through" {
	start_sleeper
	run runtime exec "$id" /no/such/program </dev/null
	[ "$status" -eq 255 ]
	[[ "$output" == */no/such/program* ]]
	run runtime exec --cwd /no/such/dir "$id" true </dev/null
	[ "$status" -eq 255 ]
	run runtime exec -e NOEQUALS "$id" true </dev/null
	[ "$status" -eq 255 ]
	# a process that ran and failed keeps its own status, 255 included
	run runtime exec "$id" sh -c 'exit 255' </dev/null
	[ "$status" -eq 255 ]
	run runtime exec "$id" sh -c 'exit 1' </dev/null
	[ "$status" -eq 1 ]
}

@test "exec: in a paused container refused without --ignore-paused, allowed with it" {
	start_sleeper
	runtime pause "$id"
	[ "$(state_of "$id")" = paused ]
	FROZEN_PID=$pid
	run runtime exec "$id" sh -c 'echo no > /shared/not-paused' </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *paused* ]]
	[ ! -e "$T/shared/not-paused" ]
	# the process is frozen with the container until resume
	(runtime exec --ignore-paused "$id" sh -c 'echo yes > /shared/paused; echo exec-out' \
		</dev/null >"$T/ip.out" 2>"$T/ip.err"
	echo $? >"$T/ip.rc") &
	sleep 1
	[ ! -e "$T/shared/paused" ]
	run runtime resume "$id"
	echo "resume: $status $output"
	[ "$status" -eq 0 ]
	FROZEN_PID=
	wait_file "$T/ip.rc"
	echo "exec --ignore-paused: $(cat "$T/ip.rc") $(cat "$T/ip.out" "$T/ip.err")"
	[ "$(cat "$T/ip.rc")" = 0 ]
	[ "$(cat "$T/ip.out")" = exec-out ]
	[ "$(cat "$T/shared/paused")" = yes ]
	[ "$(state_of "$id")" = running ]
}

@test "exec: five concurrent execs all succeed" {
	start_sleeper
	for i in 1 2 3 4 5; do
		(runtime exec "$id" sh -c "echo $i > /shared/c$i; echo out$i" </dev/null >"$T/c$i.out" 2>"$T/c$i.err"
		echo $? >"$T/c$i.rc") &
	done
	for i in 1 2 3 4 5; do
		wait_file "$T/c$i.rc"
	done
	for i in 1 2 3 4 5; do
		echo "exec $i: $(cat "$T/c$i.rc") $(cat "$T/c$i.out" "$T/c$i.err")"
		[ "$(cat "$T/c$i.rc")" = 0 ]
		[ "$(cat "$T/c$i.out")" = "out$i" ]
		[ "$(cat "$T/shared/c$i")" = "$i" ]
	done
	[ "$(state_of "$id")" = running ]
}

# ns_check: exec'd namespaces equal the init's, for every kind.
ns_check() {
	local n i=0
	run runtime exec "$id" sh -c 'for n in mnt net pid uts ipc cgroup user; do readlink /proc/self/ns/$n; done' </dev/null
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 7 ]
	for n in mnt net pid uts ipc cgroup user; do
		echo "$n: exec ${lines[$i]} init $(readlink "/proc/$pid/ns/$n")"
		[ "${lines[$i]}" = "$(readlink "/proc/$pid/ns/$n")" ]
		i=$((i + 1))
	done
}

@test "exec: every namespace is the init's" {
	start_sleeper
	ns_check
	# the configured ones are not the host's
	[ "$(readlink /proc/$pid/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]
}

@test "exec: every namespace is the init's, with user and cgroup namespaces" {
	make_traversable
	cfg '.linux.namespaces += [{"type": "user"}, {"type": "cgroup"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	start_sleeper
	ns_check
	[ "$(readlink /proc/$pid/ns/user)" != "$(readlink /proc/self/ns/user)" ]
	[ "$(readlink /proc/$pid/ns/cgroup)" != "$(readlink /proc/self/ns/cgroup)" ]
	# root in the container, the mapped uid on the host
	runtime exec -d --pid-file "$T/e.pid" "$id" sleep 1000 </dev/null >/dev/null 2>&1
	epid=$(cat "$T/e.pid")
	track_pid "$epid"
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$epid/status")" = 100000 ]
	kill -9 "$epid"
}

@test "exec: the process is in the init's cgroups" {
	start_sleeper
	run runtime exec "$id" sh -c 'cat /proc/self/cgroup; echo ---; cat /proc/1/cgroup' </dev/null
	[ "$status" -eq 0 ]
	self=$(sed '/^---$/,$d' <<<"$output")
	init=$(sed '1,/^---$/d' <<<"$output")
	[ -n "$self" ]
	[ "$self" = "$init" ]
	# and from the host, for a detached one
	runtime exec -d --pid-file "$T/e.pid" "$id" sleep 1000 </dev/null >/dev/null 2>&1
	epid=$(cat "$T/e.pid")
	track_pid "$epid"
	[ "$(cat "/proc/$epid/cgroup")" = "$(cat "/proc/$pid/cgroup")" ]
	# the container has a cgroup of its own, not the runtime's
	[ "$(cat "/proc/$pid/cgroup")" != "$(cat /proc/self/cgroup)" ]
	kill -9 "$epid"
}

@test "exec: the container's rlimits apply" {
	cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 777, "hard": 888}, {"type": "RLIMIT_NPROC", "soft": 3333, "hard": 4444}]'
	start_sleeper
	run runtime exec "$id" cat /proc/self/limits </dev/null
	[ "$status" -eq 0 ]
	[ "$(awk '/^Max open files/ {print $4, $5}' <<<"$output")" = "777 888" ]
	[ "$(awk '/^Max processes/ {print $3, $4}' <<<"$output")" = "3333 4444" ]
}

@test "exec: the container's seccomp filter applies" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95}]}'
	start_sleeper
	run runtime exec "$id" sh -c 'grep "^Seccomp:" /proc/self/status; mkdir /tmp/denied' </dev/null
	[ "$status" -ne 0 ]
	[ "$(echo ${lines[0]})" = "Seccomp: 2" ]
	[[ "${lines[1]}" == *"Operation not supported"* ]]
	[ ! -e "$BUNDLE/rootfs/tmp/denied" ]
	# for another user too
	run runtime exec -u 1000 "$id" sh -c 'mkdir /tmp/denied2' </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not supported"* ]]
}

@test "exec: the container's seccomp filter applies without noNewPrivileges" {
	cfg '.process.noNewPrivileges = false
		| .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95}]}'
	start_sleeper
	run runtime exec -u 1000:1000 "$id" sh -c 'grep "^NoNewPrivs:" /proc/self/status; mkdir /tmp/denied' </dev/null
	[ "$status" -ne 0 ]
	[ "$(echo ${lines[0]})" = "NoNewPrivs: 0" ]
	[[ "${lines[1]}" == *"Operation not supported"* ]]
}

@test "exec --cgroup: the process joins an existing sub-cgroup of the container" {
	[ -d /sys/fs/cgroup/memory ] || skip "no v1 memory hierarchy (a pure cgroup v2 host)"
	set_cmd 'sleep 300'
	id=$(new_id)
	run_d "$id"
	pid=$(pid_of "$id")
	# the container's memory cgroup, seen from the host
	mem=$(awk -F: '$2 == "memory" {print $3}' "/proc/$pid/cgroup")
	[ -n "$mem" ]
	mkdir "/sys/fs/cgroup/memory$mem/agt-sub"
	run runtime exec --cgroup memory:agt-sub "$id" cat /proc/self/cgroup
	echo "$output" >&2
	[ "$status" -eq 0 ]
	grep -q "^[0-9]*:memory:$mem/agt-sub\$" <<<"$output"
	# the other hierarchies: the container's own cgroup
	pids=$(awk -F: '$2 == "pids" {print $3}' "/proc/$pid/cgroup")
	grep -q "^[0-9]*:pids:$pids\$" <<<"$output"
	# a sub-cgroup that does not exist is refused
	run runtime exec --cgroup nope "$id" true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--cgroup: sub-cgroup"*"nope"* ]]
	runtime delete -f "$id"
}
