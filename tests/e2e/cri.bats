#!/usr/bin/env bats
# The Kubernetes path without a kubelet: containerd's CRI plugin with a
# runtime handler `agentrun` (io.containerd.runc.v2, BinaryName = agentrun),
# driven by a small CRI client (tests/e2e/cri/cri_client.py, gRPC over the
# unix socket, stubs generated at setup from tests/e2e/cri/api.proto) the
# way a kubelet drives it for a pod whose RuntimeClass is `agentrun`:
# RunPodSandbox, CreateContainer, StartContainer, ExecSync, ContainerStatus,
# StopContainer, RemoveContainer, StopPodSandbox, RemovePodSandbox. The
# sandbox (pause) and the containers are agentrun containers: the tests read
# them in `agentrun --root <shim root> list` / `state` while they run, and
# find the shim's calls (create, start, exec, kill, delete) in the log of the
# wrapper named as BinaryName (tests/e2e/cri/setup-cri.bash).
#
# As with runc: CreateContainer makes only containerd's record (the runtime
# `create` comes with StartContainer), and when a container exits the CRI
# plugin deletes its runtime container at once, so an EXITED container is no
# longer in agentrun's state.

load setup
load cri/setup-cri

setup_file() { e2e_suite_begin cri e2e_cri_start c; }
teardown_file() { e2e_suite_end e2e_cri_stop c; }

# pods a test ran: taken down by the teardown (a kubelet's order)
remove_pod() {
	cri stopp "$1"
	cri rmp "$1"
}
teardown() { e2e_remove_names remove_pod; }

# run_pod NAME [RUNP OPTIONS...]: RunPodSandbox with handler agentrun; sets
# POD (its id) and POD_CFG (its config, for CreateContainer) and POD_LOGS
# (its log dir).
run_pod() {
	local name=$1 out
	shift
	POD_LOGS=$CRI_DIR/pods/$name
	POD_CFG=$CRI_DIR/pods/$name.json
	mkdir -p "$POD_LOGS"
	out=$(cri runp --name "$name" --uid "uid-$name" --namespace agentrun-e2e --handler agentrun \
		--log-dir "$POD_LOGS" --cgroup-parent "/agentrun-e2e/$name" --config-out "$POD_CFG" "$@") || return 1
	POD=$(jq -r .pod_sandbox_id <<<"$out")
	[ -n "$POD" ] && [ "$POD" != null ] || return 1
	echo "$POD" >>"$BATS_TEST_TMPDIR/names"
	echo "$POD" >>"$CRI_DIR/pods.list"
}

# create_ctr NAME [CREATE OPTIONS...] -- CMD...: CreateContainer in $POD;
# sets CTR.
create_ctr() {
	local name=$1 out
	shift
	out=$(cri create "$POD" --pod-config "$POD_CFG" --name "$name" --image "$E2E_IMAGE" \
		--log-path "$name.log" "$@") || return 1
	CTR=$(jq -r .container_id <<<"$out")
	[ -n "$CTR" ] && [ "$CTR" != null ]
}

ctr_state() { cri status "$1" | jq -r .status.state; }
ctr_is() { [ "$(ctr_state "$1")" = "$2" ]; }
# agentrun's own view: the status `agentrun state` gives, or "absent"
ar_status() {
	local s
	s=$(timeout 10 "$AGENTRUN" --root "$CRI_ROOT" state "$1" 2>/dev/null) || { echo absent; return 0; }
	jq -r .status <<<"$s"
}
ar_listed() { timeout 10 "$AGENTRUN" --root "$CRI_ROOT" list -q | grep -qxF "$1"; }
# ar_called VERB ID: the shim called agentrun VERB ... ID [...]
ar_called() {
	grep -E " $1 (.* )?$2( |\$)" "$CRI_CALLS" >/dev/null || {
		echo "no call '$1 ... $2' in $CRI_CALLS:" >&2
		cat "$CRI_CALLS" >&2
		return 1
	}
}

# The shim's logs for agentrun failures that are agentrun's (the shim also
# reports a spurious "exit status 255" for fast cleanups, runc and crun alike).
agentrun_failures_in_log() {
	grep 'failed to remove runc container' "$CRI_DIR/containerd.log" | grep -v 'exit status 255: \\"' || true
}

@test "cri: Version over the CRI socket; both images are in the k8s.io namespace" {
	run cri version
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .runtime_name <<<"$output")" = containerd ]
	[ "$(jq -r .runtime_api_version <<<"$output")" = v1 ]
	for img in "$E2E_IMAGE" "$CRI_PAUSE_IMAGE"; do
		run cri image-status "$img"
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$(jq -r '.image.repo_tags[0]' <<<"$output")" = "$img" ]
	done
}

@test "cri: a pod with RuntimeClass agentrun: sandbox, container, ExecSync, status, stop, remove" {
	run_pod web
	# the sandbox: READY, handler agentrun, an address from CNI (ptp)
	run cri pstatus "$POD"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status.state <<<"$output")" = SANDBOX_READY ]
	[ "$(jq -r .status.runtime_handler <<<"$output")" = agentrun ]
	ip=$(jq -r .status.network.ip <<<"$output")
	[[ "$ip" == 10.213.77.* ]]
	# agentrun runs the sandbox (the pause container)
	ar_listed "$POD"
	[ "$(ar_status "$POD")" = running ]
	ar_called create "$POD"
	ar_called start "$POD"

	mkdir -p "$CRI_DIR/vol"
	echo volume-data >"$CRI_DIR/vol/f"
	create_ctr app --env GREETING=hello-cri --mount "$CRI_DIR/vol:/vol:ro" -- \
		sh -c 'echo started $GREETING; trap "echo got-term; exit 3" TERM; while :; do sleep 1; done'
	[ "$(ctr_state "$CTR")" = CONTAINER_CREATED ]

	run cri start "$CTR"
	[ "$status" -eq 0 ]
	[ "$(ctr_state "$CTR")" = CONTAINER_RUNNING ]
	ar_listed "$CTR"
	[ "$(ar_status "$CTR")" = running ]
	ar_called create "$CTR"
	ar_called start "$CTR"

	# ExecSync: stdout, stderr and the exit code come back; the container
	# sees its volume (read-only), the pod's hostname and network
	run cri exec "$CTR" --timeout 30 -- sh -c 'echo out-line; echo err-line >&2; cat /vol/f; hostname; ip -4 addr show eth0; exit 5'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .exit_code <<<"$output")" -eq 5 ]
	[ "$(jq -r .stderr <<<"$output")" = err-line ]
	stdout=$(jq -r .stdout <<<"$output")
	[[ "$stdout" == out-line$'\n'volume-data$'\n'web$'\n'* ]]
	[[ "$stdout" == *"inet $ip/"* ]]
	run cri exec "$CTR" -- sh -c 'echo x >/vol/g'
	echo "$output"
	[ "$(jq -r .exit_code <<<"$output")" -ne 0 ]
	[[ "$(jq -r .stderr <<<"$output")" == *"Read-only file system"* ]]
	[ ! -e "$CRI_DIR/vol/g" ]
	run cri exec "$CTR" -- true
	[ "$(jq -r .exit_code <<<"$output")" -eq 0 ]
	ar_called exec "$CTR"

	# StopContainer: SIGTERM, the handler exits 3; EXITED with that code
	run cri stop "$CTR" --timeout 30
	[ "$status" -eq 0 ]
	run cri status "$CTR"
	echo "$output"
	[ "$(jq -r .status.state <<<"$output")" = CONTAINER_EXITED ]
	[ "$(jq -r .status.exit_code <<<"$output")" -eq 3 ]
	[ "$(jq -r .status.finished_at <<<"$output")" -gt 0 ]
	ar_called kill "$CTR"
	wait_until 10 ar_called delete "$CTR" 2>/dev/null
	[ "$(ar_status "$CTR")" = absent ]
	# the CRI log has the container's output
	cat "$POD_LOGS/app.log"
	grep -q ' stdout F started hello-cri$' "$POD_LOGS/app.log"
	grep -q ' stdout F got-term$' "$POD_LOGS/app.log"

	run cri rm "$CTR"
	[ "$status" -eq 0 ]
	run cri status "$CTR"
	[ "$status" -ne 0 ]
	assert_no_cgroup "$CTR"

	# the pod: stop (NOTREADY, the sandbox's agentrun container is stopped
	# or gone), remove (nothing of it left in agentrun)
	run cri stopp "$POD"
	[ "$status" -eq 0 ]
	run cri pstatus "$POD"
	[ "$(jq -r .status.state <<<"$output")" = SANDBOX_NOTREADY ]
	[[ "$(ar_status "$POD")" == @(stopped|absent) ]]
	run cri rmp "$POD"
	[ "$status" -eq 0 ]
	run cri pstatus "$POD"
	[ "$status" -ne 0 ]
	[ "$(ar_status "$POD")" = absent ]
	assert_no_cgroup "$POD"
}

@test "cri: a container that exits by itself: EXITED with its exit code; user, read-only rootfs, no_new_privs" {
	run_pod batch
	create_ctr job --user 65534 --readonly-rootfs --no-new-privs --workdir /tmp -- \
		sh -c 'echo "$(id -u) $(pwd) $(grep NoNewPrivs /proc/self/status | tr -d "\t ")"; touch /x 2>/dev/null && echo rootfs-writable; exit 7'
	cri start "$CTR"
	wait_until 30 ctr_is "$CTR" CONTAINER_EXITED
	run cri status "$CTR"
	echo "$output"
	[ "$(jq -r .status.exit_code <<<"$output")" -eq 7 ]
	[ "$(jq -r .status.reason <<<"$output")" = Error ]
	cat "$POD_LOGS/job.log"
	grep -q ' stdout F 65534 /tmp NoNewPrivs:1$' "$POD_LOGS/job.log"
	run grep -q rootfs-writable "$POD_LOGS/job.log"
	[ "$status" -ne 0 ]
	ar_called create "$CTR"
	ar_called start "$CTR"
	wait_until 10 ar_called delete "$CTR" 2>/dev/null
	[ "$(ar_status "$CTR")" = absent ]
	# a second container in the same pod, exit 0: reason Completed
	create_ctr ok -- true
	cri start "$CTR"
	wait_until 30 ctr_is "$CTR" CONTAINER_EXITED
	run cri status "$CTR"
	[ "$(jq -r .status.exit_code <<<"$output")" -eq 0 ]
	[ "$(jq -r .status.reason <<<"$output")" = Completed ]
	ar_called start "$CTR"
	# RemovePodSandbox takes the exited containers with it
	cri stopp "$POD"
	cri rmp "$POD"
	[ "$(ar_status "$CTR")" = absent ]
	[ "$(ar_status "$POD")" = absent ]
}

@test "cri: StopContainer kills a container that ignores SIGTERM after the grace period (137)" {
	run_pod stubborn
	create_ctr sleeper -- sh -c 'trap "" TERM; while :; do sleep 1; done'
	cri start "$CTR"
	[ "$(ctr_state "$CTR")" = CONTAINER_RUNNING ]
	run cri stop "$CTR" --timeout 2
	[ "$status" -eq 0 ]
	run cri status "$CTR"
	echo "$output"
	[ "$(jq -r .status.state <<<"$output")" = CONTAINER_EXITED ]
	[ "$(jq -r .status.exit_code <<<"$output")" -eq 137 ]
	# SIGTERM first, then SIGKILL
	grep -E " kill $CTR 15\$" "$CRI_CALLS"
	grep -E " kill $CTR 9\$" "$CRI_CALLS"
	# ExecSync into a stopped container is refused
	run cri exec "$CTR" -- true
	[ "$status" -ne 0 ]
	# RemovePodSandbox on a running pod with a stopped container: the kubelet
	# always stops first, and the CRI plugin stops it itself if not
	run cri rmp "$POD"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(ar_status "$CTR")" = absent ]
	[ "$(ar_status "$POD")" = absent ]
}

@test "cri: a restricted pod: seccomp RuntimeDefault (containerd's profile), all capabilities dropped, non-root" {
	# what the "restricted" Pod Security Standard asks of an agent pod
	run_pod restricted --seccomp runtime/default
	spid=$(timeout 10 "$AGENTRUN" --root "$CRI_ROOT" state "$POD" | jq -r .pid)
	grep -P '^Seccomp:\t2$' "/proc/$spid/status"
	create_ctr agent --user 65534 --seccomp runtime/default --cap-drop ALL --no-new-privs --readonly-rootfs -- \
		sh -c 'trap "exit 0" TERM; while :; do sleep 1; done'
	cri start "$CTR"
	[ "$(ctr_state "$CTR")" = CONTAINER_RUNNING ]
	# the container's process (pid 1 in its pid namespace) and an ExecSync'd one
	for who in 1 self; do
		run cri exec "$CTR" -- grep -E '^(Uid|Seccomp|NoNewPrivs|CapEff|CapPrm|CapBnd):' "/proc/$who/status"
		echo "$output"
		[ "$(jq -r .exit_code <<<"$output")" -eq 0 ]
		st=$(jq -r .stdout <<<"$output")
		[[ "$st" == *$'Uid:\t65534\t65534\t65534\t65534'* ]]
		[[ "$st" == *$'Seccomp:\t2'* ]]
		[[ "$st" == *$'NoNewPrivs:\t1'* ]]
		[[ "$st" == *$'CapEff:\t0000000000000000'* ]]
		[[ "$st" == *$'CapPrm:\t0000000000000000'* ]]
		[[ "$st" == *$'CapBnd:\t0000000000000000'* ]]
	done
	# the profile is containerd's default: unshare(2) needs CAP_SYS_ADMIN
	# there (EPERM), whatever the host allows unprivileged users
	run cri exec "$CTR" -- unshare -U true
	echo "$output"
	[ "$(jq -r .exit_code <<<"$output")" -ne 0 ]
	[[ "$(jq -r .stderr <<<"$output")" == *"Operation not permitted"* ]]
	cri stop "$CTR" --timeout 10
	run cri status "$CTR"
	[ "$(jq -r .status.exit_code <<<"$output")" -eq 0 ]
	cri stopp "$POD"
	cri rmp "$POD"
	[ "$(ar_status "$POD")" = absent ]
}

@test "cri: nothing is left in agentrun's state, the cgroups or the shim's log" {
	[ -z "$(timeout 10 "$AGENTRUN" --root "$CRI_ROOT" list -q)" ]
	[ -z "$(ls -A "$CRI_ROOT" 2>/dev/null | grep -vx '.seccomp-cache')" ]
	[ -z "$(find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -path '*/agentrun-e2e/*' -type d 2>/dev/null || true)" ]
	[ -z "$(agentrun_failures_in_log)" ]
}
