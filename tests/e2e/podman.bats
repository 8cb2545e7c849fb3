#!/usr/bin/env bats
# podman (as root) drives agentrun: podman creates, starts, execs, pauses,
# kills and deletes through it (conmon calls `create --bundle --pid-file`,
# `start`, `exec --pid-file --process FILE --detach`, `pause`, `resume`,
# `kill ID 9|15`, `delete --force`, with no --root: /run/agentrun).

load setup

STATE=/run/agentrun

setup_file() { e2e_suite_begin pm e2e_podman_setup p; }
teardown_file() { e2e_suite_end e2e_podman_cleanup p; }

remove_ctr() {
	pm rm -f -t 0 "$1"
}
teardown() { e2e_remove_names remove_ctr; }

# cid NAME: the full container id (agentrun's container id).
cid() { pm inspect -f '{{.Id}}' "$1"; }
status_of() { pm inspect -f '{{.State.Status}}' "$1"; }
is_running() { [ "$(status_of "$1" 2>/dev/null)" = running ]; }
logs_have() { pm logs "$1" 2>&1 | grep -q "$2"; }

# rm_checked NAME: podman rm, then nothing of agentrun's is left.
rm_checked() {
	local id
	id=$(cid "$1")
	pm rm -f -t 0 "$1"
	assert_no_state "$STATE" "$id"
	assert_no_cgroup "libpod-$id"
}

@test "podman: run --rm prints the output and passes exit codes through" {
	run pm run --rm "$E2E_IMAGE" sh -c 'echo hello from agentrun; cat /etc/image-marker'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"hello from agentrun"* ]]
	[[ "$output" == *agentrun-e2e* ]]

	run pm run --rm "$E2E_IMAGE" sh -c 'exit 42'
	[ "$status" -eq 42 ]
	run pm run --rm "$E2E_IMAGE" false
	[ "$status" -eq 1 ]
	# killed by a signal (pid 1 can only get it from outside): 128 + signal
	n=$(cname)
	pm run --rm --name "$n" "$E2E_IMAGE" sleep 1000 &
	bg=$!
	wait_until 30 is_running "$n"
	pm kill "$n"
	rc=0
	wait "$bg" || rc=$?
	[ "$rc" -eq 137 ]
	# no such command: podman's 127 (the runtime reported it)
	run -127 pm run --rm "$E2E_IMAGE" /no/such/binary
	echo "$output"
	[ -z "$(pm ps -aq)" ]
}

@test "podman: run --rm with stdin (-i), env, user, workdir, hostname" {
	run pm run --rm -i "$E2E_IMAGE" sh -c 'tr a-z A-Z' <<<"piped through"
	[ "$status" -eq 0 ]
	[ "$output" = "PIPED THROUGH" ]
	run pm run --rm -e FOO=bar -u 65534:65534 -w /tmp --hostname e2ehost "$E2E_IMAGE" \
		sh -c 'echo "$FOO $(id -u):$(id -g) $(pwd) $(hostname)"'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "bar 65534:65534 /tmp e2ehost" ]
}

@test "podman: run -d, the container runs under agentrun; logs, inspect" {
	n=$(cname)
	run pm run -d --name "$n" "$E2E_IMAGE" sh -c 'echo started; exec sleep 1000'
	[ "$status" -eq 0 ]
	id=$(cid "$n")
	[ "$(status_of "$n")" = running ]
	# agentrun holds the state (podman gives no --root)
	run timeout 10 "$AGENTRUN" state "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r .pid <<<"$output")" = "$(pm inspect -f '{{.State.Pid}}' "$n")" ]
	wait_until 10 logs_have "$n" started
	rm_checked "$n"
}

@test "podman: exec runs in the container, passes output and exit code" {
	n=$(cname)
	pm run -d --name "$n" "$E2E_IMAGE" sleep 1000
	run pm exec "$n" sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *in-exec* ]]
	[[ "$output" == *"sleep 1000"* ]]
	run pm exec "$n" sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run pm exec -e A=1 -u 65534 -w /tmp "$n" sh -c 'echo "$A $(id -u) $(pwd)"'
	[ "$status" -eq 0 ]
	[ "$output" = "1 65534 /tmp" ]
	# detached exec
	pm exec -d "$n" sh -c 'echo detached > /tmp/d'
	wait_until 10 pm exec "$n" test -s /tmp/d
	rm_checked "$n"
}

@test "podman: exec -i passes stdin" {
	n=$(cname)
	pm run -d --name "$n" "$E2E_IMAGE" sleep 1000
	run pm exec -i "$n" sh -c 'cat > /tmp/in; wc -l < /tmp/in; head -n1 /tmp/in' <<<$'one\ntwo\nthree'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[0]}" = 3 ]
	[ "${lines[1]}" = one ]
	run pm exec -i "$n" cat <<<"round trip"
	[ "$output" = "round trip" ]
	rm_checked "$n"
}

@test "podman: exec -t gets a terminal" {
	need_terminal
	n=$(cname)
	pm run -d --name "$n" "$E2E_IMAGE" sleep 1000
	run pm exec -t "$n" sh -c 'tty; stty size >/dev/null && echo has-size'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == */dev/pts/* ]]
	run pm exec -it "$n" sh -c 'read x; echo "got $x"' <<<"typed"
	echo "$output"
	[[ "$output" == *"got typed"* ]]
	rm_checked "$n"
}

@test "podman: run -t gets a terminal" {
	need_terminal
	run pm run --rm -t "$E2E_IMAGE" sh -c 'tty; test -t 0 && test -t 1 && echo both-tty; exit 3'
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == */dev/pts/* ]]
	[[ "$output" == *both-tty* ]]
}

@test "podman: stop sends SIGTERM; a process that handles it exits by itself" {
	n=$(cname)
	pm run -d --name "$n" "$E2E_IMAGE" sh -c 'trap "echo got-term; exit 0" TERM; echo ready; while :; do sleep 0.2; done'
	wait_until 10 logs_have "$n" ready
	SECONDS=0
	pm stop -t 30 "$n"
	[ "$SECONDS" -lt 20 ]
	[ "$(status_of "$n")" = exited ]
	[ "$(pm inspect -f '{{.State.ExitCode}}' "$n")" = 0 ]
	pm logs "$n" | grep -q got-term
	rm_checked "$n"
}

@test "podman: stop falls back to SIGKILL when SIGTERM is ignored" {
	n=$(cname)
	# sleep as pid 1 has no SIGTERM handler: the kernel ignores it
	pm run -d --name "$n" "$E2E_IMAGE" sleep 1000
	SECONDS=0
	run pm stop -t 2 "$n"
	[ "$status" -eq 0 ]
	[ "$SECONDS" -ge 2 ]
	[ "$(status_of "$n")" = exited ]
	[ "$(pm inspect -f '{{.State.ExitCode}}' "$n")" = 137 ]
	rm_checked "$n"
}

@test "podman: start runs a stopped container again; start -a attaches" {
	n=$(cname)
	pm create --name "$n" "$E2E_IMAGE" sh -c 'echo run >> /runs; wc -l < /runs; exit 5'
	[ "$(status_of "$n")" = created ]
	run pm start -a "$n"
	[ "$status" -eq 5 ]
	[ "$output" = 1 ]
	run pm start -a "$n"
	[ "$status" -eq 5 ]
	[ "$output" = 2 ]
	# a detached start of a long-running one
	m=$(cname)
	pm run -d --name "$m" "$E2E_IMAGE" sleep 1000
	pm stop -t 0 "$m"
	pm start "$m"
	[ "$(status_of "$m")" = running ]
	rm_checked "$n"
	rm_checked "$m"
}

@test "podman: kill (SIGKILL by default, or a given signal) and wait" {
	n=$(cname)
	pm run -d --name "$n" "$E2E_IMAGE" sh -c 'trap "exit 12" USR1; while :; do sleep 0.2; done'
	sleep 0.5
	pm kill -s USR1 "$n"
	run pm wait "$n"
	[ "$status" -eq 0 ]
	[ "$output" = 12 ]
	m=$(cname)
	pm run -d --name "$m" "$E2E_IMAGE" sleep 1000
	pm kill "$m"
	run pm wait "$m"
	[ "$output" = 137 ]
	[ "$(status_of "$m")" = exited ]
	rm_checked "$n"
	rm_checked "$m"
}

@test "podman: wait returns the exit code of a container that exits" {
	n=$(cname)
	pm run -d --name "$n" "$E2E_IMAGE" sh -c 'sleep 1; exit 9'
	run pm wait "$n"
	[ "$status" -eq 0 ]
	[ "$output" = 9 ]
	rm_checked "$n"
}

@test "podman: rm removes stopped containers; rm -f kills a running one" {
	n=$(cname)
	pm run --name "$n" "$E2E_IMAGE" true
	id=$(cid "$n")
	pm rm "$n"
	assert_no_state "$STATE" "$id"
	run pm inspect "$n"
	[ "$status" -ne 0 ]
	m=$(cname)
	pm run -d --name "$m" "$E2E_IMAGE" sleep 1000
	id=$(cid "$m")
	pid=$(pm inspect -f '{{.State.Pid}}' "$m")
	run pm rm "$m"
	[ "$status" -ne 0 ] # running: refused without -f
	pm rm -f -t 0 "$m"
	assert_no_state "$STATE" "$id"
	assert_no_cgroup "libpod-$id"
	! kill -0 "$pid" 2>/dev/null
}

@test "podman: pause and unpause freeze and thaw the container" {
	n=$(cname)
	pm run -d --name "$n" "$E2E_IMAGE" sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
	sleep 0.5
	pm pause "$n"
	[ "$(status_of "$n")" = paused ]
	id=$(cid "$n")
	[ "$(timeout 10 "$AGENTRUN" state "$id" | jq -r .status)" = paused ]
	# frozen: the counter does not move (read from the host side)
	merged=$(pm inspect -f '{{.GraphDriver.Data.MergedDir}}' "$n")
	a=$(read_count "$merged/tmp/count")
	sleep 1
	b=$(read_count "$merged/tmp/count")
	[ "$a" = "$b" ]
	pm unpause "$n"
	[ "$(status_of "$n")" = running ]
	sleep 1
	c=$(read_count "$merged/tmp/count")
	[ "$c" -gt "$b" ]
	rm_checked "$n"
}

@test "podman: ps and top list the container's processes" {
	n=$(cname)
	pm run -d --name "$n" "$E2E_IMAGE" sh -c 'sleep 1001 & sleep 1002'
	run pm ps --format '{{.Names}} {{.Status}}'
	[[ "$output" == *"$n Up"* ]]
	run pm top "$n"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"sleep 1001"* ]]
	[[ "$output" == *"sleep 1002"* ]]
	run pm top "$n" pid comm
	[ "$status" -eq 0 ]
	[[ "$output" == *sleep* ]]
	rm_checked "$n"
}

@test "podman: --read-only root, writable /tmp (tmpfs with tmpcopyup)" {
	run pm run --rm --read-only "$E2E_IMAGE" sh -c 'touch /x 2>&1; echo "rc=$?"; touch /tmp/y && echo tmp-ok; grep " / " /proc/mounts'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" == *tmp-ok* ]]
	[[ "$output" == *" / overlay ro,"* ]]
}

@test "podman: --tmpfs mounts a tmpfs with its options; tmpcopyup keeps the image's files" {
	run pm run --rm --tmpfs /scratch:size=1m,mode=1777 "$E2E_IMAGE" sh -c 'grep " /scratch " /proc/mounts; stat -c %a /scratch'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"tmpfs /scratch tmpfs rw"*"size=1024k"* ]]
	[ "${lines[1]}" = 1777 ]
	# a tmpfs on a directory of the image starts with its content (tmpcopyup)
	run pm run --rm --tmpfs /etc "$E2E_IMAGE" sh -c 'grep " /etc " /proc/mounts; cat /etc/image-marker; echo new > /etc/new && cat /etc/new'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"tmpfs /etc tmpfs"* ]]
	[[ "$output" == *agentrun-e2e* ]]
	[[ "$output" == *new* ]]
}

@test "podman: --network none has only loopback" {
	run pm run --rm --network none "$E2E_IMAGE" sh -c 'ls /sys/class/net'
	[ "$status" -eq 0 ]
	[ "$output" = lo ]
}

@test "podman: --network slirp4netns gives the container a tap device and a route" {
	run pm run --rm --network slirp4netns "$E2E_IMAGE" sh -c 'ip -o -4 addr show tap0; ip route; ping -c1 -W2 10.0.2.2 >/dev/null && echo gw-ok || true'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"10.0.2.100"* ]]
	[[ "$output" == *"default via 10.0.2.2"* ]]
}

@test "podman: --memory sets the memory cgroup limit; going over it is an OOM kill" {
	run pm run --rm --memory 64m "$E2E_IMAGE" sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = 67108864 ]
	# 100 MB in a shell variable: the OOM killer ends it
	run pm run --rm --memory 32m --memory-swap 32m "$E2E_IMAGE" sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived'
	echo "$output"
	[ "$status" -eq 137 ]
	[[ "$output" != *survived* ]]
}

@test "podman: --pids-limit caps the number of processes" {
	run pm run --rm --pids-limit 10 "$E2E_IMAGE" sh -c 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max'
	[ "$status" -eq 0 ]
	[ "$output" = 10 ]
	run pm run --rm --pids-limit 5 "$E2E_IMAGE" sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 3 & done 2>&1; wait'
	echo "$output"
	[[ "$output" == *"can't fork"* ]] || [[ "$output" == *"Resource temporarily unavailable"* ]]
}

@test "podman: --cap-drop removes capabilities" {
	run pm run --rm --cap-drop CHOWN "$E2E_IMAGE" sh -c 'grep CapEff /proc/self/status; chown 1 /tmp 2>&1; echo "rc=$?"'
	echo "$output"
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" == *"Operation not permitted"* ]]
	eff=$(awk '/CapEff/ { print $2 }' <<<"$output")
	# CAP_CHOWN is bit 0
	[ $((0x$eff & 1)) -eq 0 ]
	run pm run --rm --cap-drop all "$E2E_IMAGE" grep -E 'Cap(Eff|Prm|Bnd)' /proc/self/status
	echo "$output"
	[ "$(awk '{ print $2 }' <<<"$output" | sort -u)" = 0000000000000000 ]
	# and the default set keeps CAP_CHOWN
	run pm run --rm "$E2E_IMAGE" sh -c 'chown 1 /tmp && echo chown-ok'
	[ "$output" = chown-ok ]
}

@test "podman: --security-opt seccomp=FILE is loaded; the default profile too" {
	cat >"$BATS_TEST_TMPDIR/seccomp.json" <<-'EOF'
		{"defaultAction": "SCMP_ACT_ALLOW",
		 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
	EOF
	run pm run --rm --security-opt seccomp="$BATS_TEST_TMPDIR/seccomp.json" "$E2E_IMAGE" \
		sh -c 'mkdir /tmp/d 2>&1; echo "rc=$?"; grep Seccomp: /proc/self/status'
	echo "$output"
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" == *"Seccomp:"*2* ]]
	run pm run --rm "$E2E_IMAGE" sh -c 'mkdir /tmp/d && echo mkdir-ok; grep Seccomp: /proc/self/status'
	[[ "$output" == *mkdir-ok* ]]
	[[ "$output" == *"Seccomp:"*2* ]]
	run pm run --rm --security-opt seccomp=unconfined "$E2E_IMAGE" grep Seccomp: /proc/self/status
	[[ "$output" == *"Seccomp:"*0* ]]
}

@test "podman: container checkpoint and restore in place" {
	need_checkpoint
	n=$(cname)
	pm run -d --name "$n" "$E2E_IMAGE" sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
	sleep 1
	run pm container checkpoint "$n"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(status_of "$n")" = exited ]
	run pm container restore "$n"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(status_of "$n")" = running ]
	a=$(pm exec "$n" cat /tmp/count)
	sleep 1
	b=$(pm exec "$n" cat /tmp/count)
	[ "$b" -gt "$a" ]
	rm_checked "$n"
}

@test "podman: checkpoint --export, restore --import under a new name" {
	need_checkpoint
	n=$(cname)
	pm run -d --name "$n" "$E2E_IMAGE" sh -c 'echo state-before > /tmp/mark; i=0; while :; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
	sleep 1
	run pm container checkpoint --export "$BATS_TEST_TMPDIR/ckpt.tar.gz" "$n"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -s "$BATS_TEST_TMPDIR/ckpt.tar.gz" ]
	m=$(cname)
	run pm container restore --import "$BATS_TEST_TMPDIR/ckpt.tar.gz" --name "$m"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(status_of "$m")" = running ]
	[ "$(pm exec "$m" cat /tmp/mark)" = state-before ]
	a=$(pm exec "$m" cat /tmp/count)
	sleep 1
	b=$(pm exec "$m" cat /tmp/count)
	[ "$b" -gt "$a" ]
	rm_checked "$m"
	rm_checked "$n"
}

@test "podman: nothing of the suite's containers is left in agentrun's state or cgroups" {
	pm rm -a -f -t 0 >/dev/null
	[ -z "$(pm ps -aq)" ]
	# every container the suite made (podman's event log)
	pm events --stream=false --filter event=create --format '{{.ID}}' >"$BATS_TEST_TMPDIR/ids"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/ids")" -gt 20 ]
	run timeout 10 "$AGENTRUN" list -q
	[ "$status" -eq 0 ]
	while read -r id; do
		! grep -qx "$id" <<<"$output"
		assert_no_state "$STATE" "$id"
		assert_no_cgroup "libpod-$id"
	done <"$BATS_TEST_TMPDIR/ids"
}
