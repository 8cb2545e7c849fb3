#!/usr/bin/env bats
# Docker Engine (Debian's docker.io 20.10) drives agentrun: dockerd on a
# private socket, data root and exec root, agentrun added with
# `--add-runtime agentrun=PATH` (and at the end as `--default-runtime`),
# --experimental for `docker checkpoint`. Docker's containerd (started by
# dockerd) runs agentrun through its runc shim: `create --bundle`, `start`,
# `exec --process [--console-socket]`, `kill`, `pause`, `resume`, `ps`,
# `update --resources`, `checkpoint`, `restore`, `delete [--force]`.
# Each test checks the effect in the container or in the cgroup files
# agentrun wrote (read from the host).

load setup

setup_file() { e2e_suite_begin dk e2e_docker_start d; }
teardown_file() { e2e_suite_end e2e_docker_cleanup d; }

remove_ctr() { dk rm -f "$1"; }
teardown() {
	e2e_remove_names remove_ctr
	if [ -n "${PROP:-}" ]; then e2e_umount_under "$PROP"; fi
}

R=(--runtime agentrun)
RT_ROOT() { echo "$DOCKER_DIR/exec/runtime-runc/moby"; }
full_id() { dk inspect -f '{{.Id}}' "$1"; }
# the v1 cgroup file of container NAME, as agentrun wrote it
cg() { cat "/sys/fs/cgroup/$1/agentrun-e2e-docker/$(full_id "$2")/$3"; }
# agentrun's own state of the container: proof that agentrun runs it
ar_status() { timeout 10 "$AGENTRUN" --root "$(RT_ROOT)" state "$(full_id "$1")" | jq -r .status; }
status_of() { dk inspect -f '{{.State.Status}}' "$1"; }
is_status() { [ "$(status_of "$1")" = "$2" ]; }
# http_get PORT PATH: a GET to 127.0.0.1:PORT with bash's /dev/tcp
http_get() {
	timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "GET %s HTTP/1.0\r\n\r\n" "$2" >&3 && cat <&3' _ "$@"
}

@test "docker: run in the foreground passes output and the exit code through" {
	run dk run --rm "${R[@]}" "$E2E_IMAGE" sh -c 'echo hello from agentrun; cat /etc/image-marker; exit 3'
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"hello from agentrun"* ]]
	[[ "$output" == *agentrun-e2e* ]]
	run dk run --rm "${R[@]}" "$E2E_IMAGE" true
	[ "$status" -eq 0 ]
	[ -z "$(dk ps -aq)" ]
}

@test "docker: run -d runs under agentrun; exec passes output, exit code, user, cwd, env" {
	n=$(cname)
	dk run -d "${R[@]}" --name "$n" "$E2E_IMAGE" sleep 1000
	[ "$(ar_status "$n")" = running ]
	[ "$(dk inspect -f '{{.HostConfig.Runtime}}' "$n")" = agentrun ]
	run dk exec "$n" sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "; exit 4'
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *in-exec* ]]
	[[ "$output" == *"sleep 1000"* ]]
	run dk exec -u 65534 -w /tmp -e FOO=bar "$n" sh -c 'echo "$(id -u) $(pwd) $FOO"'
	[ "$output" = "65534 /tmp bar" ]
	run dk exec -i "$n" tr a-z A-Z <<<"stdin to exec"
	[ "$output" = "STDIN TO EXEC" ]
}

@test "docker: run -it and exec -it get a terminal" {
	need_terminal
	run timeout -k 5 "$E2E_TIMEOUT" script -qec "$DOCKER_CLI run --rm -it --runtime agentrun $E2E_IMAGE sh -c 'tty; stty size; exit 6'" /dev/null </dev/null
	echo "$output"
	[ "$status" -eq 6 ]
	[[ "$output" == */dev/pts/* ]]
	n=$(cname)
	dk run -d "${R[@]}" --name "$n" "$E2E_IMAGE" sleep 1000
	run timeout -k 5 "$E2E_TIMEOUT" script -qec "$DOCKER_CLI exec -it $n sh -c 'tty; exit 5'" /dev/null </dev/null
	echo "$output"
	[ "$status" -eq 5 ]
	[[ "$output" == */dev/pts/* ]]
	# without -t: no terminal
	run dk exec "$n" sh -c 'tty; true'
	[[ "$output" == *"not a tty"* ]]
}

@test "docker: --read-only root; --tmpfs is a writable tmpfs with its options" {
	run dk run --rm "${R[@]}" --read-only --tmpfs /scratch:size=1m,mode=1777 "$E2E_IMAGE" sh -c '
		touch /x 2>&1; echo data > /scratch/y && cat /scratch/y; grep " /scratch " /proc/self/mountinfo'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/x: Read-only file system"* ]]
	[[ "$output" == *data* ]]
	[[ "$output" == *" /scratch "*tmpfs*size=1024k* ]]
}

@test "docker: --cap-drop ALL and --security-opt no-new-privileges" {
	run dk run --rm "${R[@]}" --cap-drop ALL --security-opt no-new-privileges "$E2E_IMAGE" sh -c '
		grep -E "^(CapEff|CapPrm|CapBnd|NoNewPrivs):" /proc/self/status; chown 65534 /tmp 2>&1'
	echo "$output"
	[[ "$output" == *"CapEff:"*0000000000000000* ]]
	[[ "$output" == *"CapBnd:"*0000000000000000* ]]
	[[ "$output" == *"NoNewPrivs:"*1* ]]
	[[ "$output" == *"Operation not permitted"* ]]
	# the default set keeps CAP_CHOWN and leaves no_new_privs off
	run dk run --rm "${R[@]}" "$E2E_IMAGE" sh -c 'grep NoNewPrivs /proc/self/status; chown 65534 /tmp && echo chowned'
	[[ "$output" == *"NoNewPrivs:"*0* ]]
	[[ "$output" == *chowned* ]]
}

@test "docker: --memory, --pids-limit, --cpu-shares are written to the cgroup; --user sets the ids" {
	n=$(cname)
	dk run -d "${R[@]}" --name "$n" --memory 64m --pids-limit 50 --cpu-shares 512 --user 65534:65534 "$E2E_IMAGE" sleep 1000
	[ "$(cg memory "$n" memory.limit_in_bytes)" = 67108864 ]
	[ "$(cg pids "$n" pids.max)" = 50 ]
	[ "$(cg cpu "$n" cpu.shares)" = 512 ]
	# docker sends blockIO.weight 0 and no quota: nothing written there
	[ "$(cg cpu "$n" cpu.cfs_quota_us)" = -1 ]
	run dk exec "$n" sh -c 'echo "$(id -u):$(id -g)"'
	[ "$output" = "65534:65534" ]
	# the pids limit holds: 60 more processes cannot all start
	run dk exec "$n" sh -c 'for i in $(seq 60); do sleep 30 & done 2>&1; wait'
	[[ "$output" == *"can't fork"* || "$output" == *"Resource temporarily unavailable"* ]]
}

@test "docker: -v volumes: rw, :ro refuses writes" {
	d=$BATS_TEST_TMPDIR/vol
	mkdir -p "$d"
	echo host-data >"$d/f"
	run dk run --rm "${R[@]}" -v "$d:/vol:ro" "$E2E_IMAGE" sh -c 'cat /vol/f; echo x > /vol/g 2>&1'
	echo "$output"
	[[ "$output" == *host-data* ]]
	[[ "$output" == *"Read-only file system"* ]]
	[ ! -e "$d/g" ]
	run dk run --rm "${R[@]}" -v "$d:/vol" "$E2E_IMAGE" sh -c 'echo from-ctr > /vol/g'
	[ "$status" -eq 0 ]
	[ "$(cat "$d/g")" = from-ctr ]
}

# PROP: a shared tmpfs on the host (docker wants a shared or slave source
# for rslave/rshared); teardown unmounts everything under it
make_prop() {
	PROP=$BATS_TEST_TMPDIR/prop
	mkdir -p "$PROP"
	mount -t tmpfs e2e-prop "$PROP"
	mount --make-shared "$PROP"
	mkdir -p "$PROP/sub" "$PROP/in"
}

@test "docker: -v with propagation rslave: a host mount made later appears in the container" {
	make_prop
	n=$(cname)
	dk run -d "${R[@]}" --name "$n" -v "$PROP:/p:rslave" "$E2E_IMAGE" sleep 1000
	mount -t tmpfs e2e-sub "$PROP/sub"
	echo from-host >"$PROP/sub/m"
	run dk exec "$n" cat /p/sub/m
	[ "$output" = from-host ]
	run dk exec "$n" grep " /p " /proc/self/mountinfo
	echo "$output"
	[[ "$output" == *master:* ]]
}

@test "docker: -v with propagation rshared: host mounts reach the container, the container's mounts never reach the host" {
	make_prop
	n=$(cname)
	# docker sends rootfsPropagation "shared" and the options rbind,rshared
	dk run -d "${R[@]}" --name "$n" --cap-add SYS_ADMIN -v "$PROP:/p:rshared" "$E2E_IMAGE" sleep 1000
	mount -t tmpfs e2e-sub "$PROP/sub"
	echo from-host >"$PROP/sub/m"
	run dk exec "$n" cat /p/sub/m
	[ "$output" = from-host ]
	# the hostile side: a container with CAP_SYS_ADMIN mounts on the shared
	# volume; with runc this mount would appear on the host (docs/security.md)
	run dk exec "$n" sh -c 'mount -t tmpfs evil /p/in && echo planted > /p/in/x && cat /p/in/x'
	echo "$output"
	[ "$output" = planted ]
	run grep -q " $PROP/in " /proc/self/mountinfo
	[ "$status" -ne 0 ]
	[ ! -e "$PROP/in/x" ]
}

@test "docker: --network none has only loopback" {
	run dk run --rm "${R[@]}" --network none "$E2E_IMAGE" sh -c 'ls /sys/class/net'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = lo ]
}

@test "docker: the default bridge network: an address on the bridge, the gateway answers, -p publishes a port" {
	run dk run --rm "${R[@]}" "$E2E_IMAGE" sh -c 'ip -o -4 addr show eth0; ip route; ping -c 1 -W 5 '"$DOCKER_NET.1"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"inet $DOCKER_NET."* ]]
	[[ "$output" == *"default via $DOCKER_NET.1"* ]]
	[[ "$output" == *"1 packets received"* ]]
	# a published port (dockerd's iptables DNAT and docker-proxy)
	n=$(cname)
	dk run -d "${R[@]}" --name "$n" -p 127.0.0.1::8080 "$E2E_IMAGE" sh -c 'mkdir /www; echo served-by-agentrun > /www/index.html; httpd -f -p 8080 -h /www'
	port=$(dk port "$n" 8080/tcp | head -1 | sed 's/.*://')
	[ -n "$port" ]
	run wait_until 10 http_get "$port" /index.html
	echo "$output"
	[[ "$output" == *served-by-agentrun* ]]
}

@test "docker: stop sends SIGTERM (the handler's exit code), then SIGKILL after the timeout" {
	n=$(cname)
	dk run -d "${R[@]}" --name "$n" "$E2E_IMAGE" sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'
	dk stop -t 20 "$n"
	[ "$(status_of "$n")" = exited ]
	[ "$(dk inspect -f '{{.State.ExitCode}}' "$n")" = 7 ]
	m=$(cname)
	# sleep as pid 1 ignores SIGTERM: stop kills it after 1 s
	dk run -d "${R[@]}" --name "$m" "$E2E_IMAGE" sleep 1000
	dk stop -t 1 "$m"
	[ "$(dk inspect -f '{{.State.ExitCode}}' "$m")" = 137 ]
}

@test "docker: kill (SIGKILL by default, or --signal)" {
	n=$(cname)
	dk run -d "${R[@]}" --name "$n" "$E2E_IMAGE" sleep 1000
	dk kill "$n"
	wait_until 10 is_status "$n" exited
	[ "$(dk inspect -f '{{.State.ExitCode}}' "$n")" = 137 ]
	m=$(cname)
	dk run -d "${R[@]}" --name "$m" "$E2E_IMAGE" sh -c 'trap "exit 9" USR1; while :; do sleep 0.1; done'
	dk kill --signal USR1 "$m"
	wait_until 10 is_status "$m" exited
	[ "$(dk inspect -f '{{.State.ExitCode}}' "$m")" = 9 ]
}

@test "docker: pause and unpause freeze and thaw the container" {
	n=$(cname)
	dk run -d "${R[@]}" --name "$n" "$E2E_IMAGE" sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
	sleep 0.5
	dk pause "$n"
	[ "$(status_of "$n")" = paused ]
	[ "$(ar_status "$n")" = paused ]
	[ "$(cg freezer "$n" freezer.state)" = FROZEN ]
	pid=$(dk inspect -f '{{.State.Pid}}' "$n")
	a=$(read_count "/proc/$pid/root/tmp/count")
	sleep 1
	b=$(read_count "/proc/$pid/root/tmp/count")
	[ "$a" = "$b" ]
	dk unpause "$n"
	[ "$(status_of "$n")" = running ]
	[ "$(cg freezer "$n" freezer.state)" = THAWED ]
	sleep 1
	c=$(read_count "/proc/$pid/root/tmp/count")
	[ "$c" -gt "$b" ]
}

@test "docker: top lists the container's processes; stats --no-stream reads its cgroup" {
	n=$(cname)
	# (sh execs its last command: sleep 1002 is pid 1, sleep 1001 its child)
	dk run -d "${R[@]}" --name "$n" "$E2E_IMAGE" sh -c 'sleep 1001 & sleep 1002'
	run wait_until 10 sh -c "$DOCKER_CLI top $n | grep -q 'sleep 1002'"
	run dk top "$n"
	echo "$output"
	[[ "$output" == *"sleep 1001"* ]]
	[[ "$output" == *"sleep 1002"* ]]
	run dk stats --no-stream --format '{{.Name}} {{.PIDs}} {{.MemUsage}}' "$n"
	echo "$output"
	[ "$status" -eq 0 ]
	read -r name pids mem _ <<<"$output"
	[ "$name" = "$n" ]
	[ "$pids" -eq 2 ]
	[[ "$mem" != 0B ]]
}

@test "docker: update changes the limits of a running container" {
	n=$(cname)
	dk run -d "${R[@]}" --name "$n" --memory 64m "$E2E_IMAGE" sleep 1000
	dk update --memory 100m --memory-swap 200m --pids-limit 77 --cpu-shares 256 --cpu-quota 50000 "$n"
	[ "$(cg memory "$n" memory.limit_in_bytes)" = 104857600 ]
	[ "$(cg pids "$n" pids.max)" = 77 ]
	[ "$(cg cpu "$n" cpu.shares)" = 256 ]
	[ "$(cg cpu "$n" cpu.cfs_quota_us)" = 50000 ]
	if [ -e "/sys/fs/cgroup/memory/agentrun-e2e-docker/$(full_id "$n")/memory.memsw.limit_in_bytes" ]; then
		[ "$(cg memory "$n" memory.memsw.limit_in_bytes)" = 209715200 ]
	fi
	# an update that leaves the rest as it was (docker sends zeros for it)
	dk update --pids-limit 88 "$n"
	[ "$(cg pids "$n" pids.max)" = 88 ]
	[ "$(cg memory "$n" memory.limit_in_bytes)" = 104857600 ]
	[ "$(cg cpu "$n" cpu.shares)" = 256 ]
}

@test "docker: restart runs the container again under agentrun" {
	n=$(cname)
	dk run -d "${R[@]}" --name "$n" "$E2E_IMAGE" sh -c 'cat /proc/uptime > /tmp/started; sleep 1000'
	pid1=$(dk inspect -f '{{.State.Pid}}' "$n")
	dk restart -t 1 "$n"
	[ "$(status_of "$n")" = running ]
	[ "$(ar_status "$n")" = running ]
	pid2=$(dk inspect -f '{{.State.Pid}}' "$n")
	[ "$pid1" != "$pid2" ]
	run kill -0 "$pid1"
	[ "$status" -ne 0 ]
}

@test "docker: rm -f removes a running container: no agentrun state, no cgroup" {
	n=$(cname)
	dk run -d "${R[@]}" --name "$n" "$E2E_IMAGE" sleep 1000
	id=$(full_id "$n")
	pid=$(dk inspect -f '{{.State.Pid}}' "$n")
	dk rm -f "$n"
	[ -z "$(dk ps -aq --filter "name=$n")" ]
	run kill -0 "$pid"
	[ "$status" -ne 0 ]
	assert_no_state "$(RT_ROOT)" "$id"
	assert_no_cgroup "$id"
}

@test "docker: checkpoint create and start --checkpoint restore the process state" {
	need_checkpoint
	[ -x /usr/local/sbin/criu ] || command -v criu >/dev/null || skip "criu is not installed"
	n=$(cname)
	# the counter lives in the shell's memory; a fresh start would count from 1
	dk run -d "${R[@]}" --name "$n" --network none "$E2E_IMAGE" sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
	sleep 2
	run dk checkpoint create "$n" ck1
	echo "$output"
	tail -5 "$DOCKER_DIR/dockerd.log"
	[ "$status" -eq 0 ]
	[ "$(status_of "$n")" = exited ]
	run dk checkpoint ls "$n"
	[[ "$output" == *ck1* ]]
	# the count when it was dumped (the file is in the container's layer)
	c1=$(dk cp "$n:/tmp/count" - | tar -xO)
	[ "$c1" -ge 10 ]
	run dk start --checkpoint ck1 "$n"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(status_of "$n")" = running ]
	[ "$(ar_status "$n")" = running ]
	sleep 1
	c2=$(dk exec "$n" cat /tmp/count)
	[ "$c2" -gt "$c1" ]
}

@test "docker: every container of the suite is gone from agentrun's state and cgroups" {
	mapfile -t ids < <(dk ps -aq)
	[ ${#ids[@]} -eq 0 ] || dk rm -f "${ids[@]}"
	# (agentrun keeps its CRIU version cache, .criu-version, in the root)
	[ -z "$(ls "$(RT_ROOT)" 2>/dev/null)" ]
	[ -z "$(find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -path '*/agentrun-e2e-docker/*' -type d 2>/dev/null)" ]
}

@test "docker: dockerd --default-runtime agentrun runs every container with agentrun" {
	e2e_docker_stop_daemon "$DOCKER_DIR"
	e2e_docker_start "$DOCKER_DIR" --default-runtime agentrun
	run dk info --format '{{.DefaultRuntime}}'
	[ "$output" = agentrun ]
	n=$(cname)
	dk run -d --name "$n" --memory 32m "$E2E_IMAGE" sleep 1000
	[ "$(dk inspect -f '{{.HostConfig.Runtime}}' "$n")" = agentrun ]
	[ "$(ar_status "$n")" = running ]
	[ "$(cg memory "$n" memory.limit_in_bytes)" = 33554432 ]
	run dk exec "$n" sh -c 'echo ok; exit 2'
	[ "$status" -eq 2 ]
	[ "$output" = ok ]
	run dk run --rm "$E2E_IMAGE" sh -c 'exit 5'
	[ "$status" -eq 5 ]
}
