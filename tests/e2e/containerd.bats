#!/usr/bin/env bats
# containerd drives agentrun through its runc shim (io.containerd.runc.v2,
# `ctr run --runc-binary agentrun --runc-root DIR`). The shim calls
# `--root DIR/NS --log FILE --log-format json create --bundle B --pid-file F ID`,
# `start`, `exec --process F --detach --pid-file F`, `pause`, `resume`,
# `kill ID SIG`, `delete ID`, and at its cleanup `delete --force ID` of the
# container it already deleted, which must succeed as with runc.

load setup

setup_file() { e2e_suite_begin ctrd e2e_containerd_start c; }
teardown_file() { e2e_suite_end e2e_containerd_stop c; }

remove_ctr() {
	cr task kill -s SIGKILL "$1"
	cr task delete -f "$1"
	cr containers delete "$1"
}
teardown() { e2e_remove_names remove_ctr; }

RUNC_ROOT() { echo "$CTRD_DIR/runc-root/$CTR_NS"; }
task_status() { cr task ls | awk -v id="$1" '$1 == id { print $3 }'; }
task_is() { [ "$(task_status "$1")" = "$2" ]; }

# The shim's logs for agentrun failures that are agentrun's (the shim also
# reports a spurious "exit status 255" for fast cleanups, runc and crun alike).
agentrun_failures_in_log() {
	grep 'failed to remove runc container' "$CTRD_DIR/containerd.log" | grep -v 'exit status 255: \\"' || true
}

@test "containerd: ctr run --rm prints the output and passes the exit code through" {
	n=$(cname)
	# shellcheck disable=SC2086
	run cr run --rm $CTR_RT "$E2E_IMAGE" "$n" sh -c 'echo hello from agentrun; cat /etc/image-marker; exit 3'
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"hello from agentrun"* ]]
	[[ "$output" == *agentrun-e2e* ]]
	# shellcheck disable=SC2086
	run cr run --rm $CTR_RT "$E2E_IMAGE" "$(cname)" true
	[ "$status" -eq 0 ]
	# gone from containerd and from agentrun's state
	[ -z "$(cr containers ls -q)" ]
	assert_no_state "$(RUNC_ROOT)" "$n"
	assert_no_cgroup "$n"
}

@test "containerd: ctr run --rm with stdin, env, cwd" {
	# shellcheck disable=SC2086
	run cr run --rm $CTR_RT --env FOO=bar --cwd /tmp "$E2E_IMAGE" "$(cname)" \
		sh -c 'read line; echo "$line $FOO $(pwd)"' <<<"piped"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "piped bar /tmp" ]
}

@test "containerd: run -d, task exec (output, exit code, stdin)" {
	n=$(cname)
	# shellcheck disable=SC2086
	cr run -d $CTR_RT "$E2E_IMAGE" "$n" sleep 1000
	task_is "$n" RUNNING
	# agentrun holds the state under the shim's --root
	run timeout 10 "$AGENTRUN" --root "$(RUNC_ROOT)" state "$n"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]
	run cr task exec --exec-id x1 "$n" sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "; exit 4'
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *in-exec* ]]
	[[ "$output" == *"sleep 1000"* ]]
	run cr task exec --exec-id x2 "$n" sh -c 'tr a-z A-Z' <<<"stdin to exec"
	[ "$status" -eq 0 ]
	[ "$output" = "STDIN TO EXEC" ]
	run cr task exec --exec-id x3 --user 65534 --cwd /tmp "$n" sh -c 'echo "$(id -u) $(pwd)"'
	[ "$output" = "65534 /tmp" ]
	run cr task ps "$n"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tail -n +2 | wc -l)" -ge 1 ]
}

@test "containerd: task pause and resume" {
	n=$(cname)
	# shellcheck disable=SC2086
	cr run -d $CTR_RT "$E2E_IMAGE" "$n" sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; sleep 0.1; done'
	sleep 0.5
	cr task pause "$n"
	task_is "$n" PAUSED
	[ "$(timeout 10 "$AGENTRUN" --root "$(RUNC_ROOT)" state "$n" | jq -r .status)" = paused ]
	pid=$(cr task ls | awk -v id="$n" '$1 == id { print $2 }')
	a=$(read_count "/proc/$pid/root/tmp/count")
	sleep 1
	b=$(read_count "/proc/$pid/root/tmp/count")
	[ "$a" = "$b" ]
	cr task resume "$n"
	task_is "$n" RUNNING
	sleep 1
	c=$(read_count "/proc/$pid/root/tmp/count")
	[ "$c" -gt "$b" ]
}

@test "containerd: task kill with SIGTERM (handled) and SIGKILL" {
	n=$(cname)
	# shellcheck disable=SC2086
	cr run -d $CTR_RT "$E2E_IMAGE" "$n" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
	sleep 0.5
	cr task kill "$n"
	wait_until 10 task_is "$n" STOPPED
	m=$(cname)
	# shellcheck disable=SC2086
	cr run -d $CTR_RT "$E2E_IMAGE" "$m" sleep 1000
	cr task kill "$m" # sleep as pid 1 ignores SIGTERM
	sleep 1
	task_is "$m" RUNNING
	cr task kill -s SIGKILL "$m"
	wait_until 10 task_is "$m" STOPPED
	[ "$(timeout 10 "$AGENTRUN" --root "$(RUNC_ROOT)" state "$m" | jq -r .status)" = stopped ]
}

@test "containerd: delete; the second delete fails in containerd, the shim's delete --force succeeds as with runc" {
	n=$(cname)
	# shellcheck disable=SC2086
	cr run -d $CTR_RT "$E2E_IMAGE" "$n" sh -c 'exit 6'
	wait_until 10 task_is "$n" STOPPED
	run cr task delete "$n"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_no_state "$(RUNC_ROOT)" "$n"
	assert_no_cgroup "$n"
	# the second delete: containerd refuses (not found), as it does with runc
	run cr task delete "$n"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not found"* ]]
	cr containers delete "$n"
	run cr containers delete "$n"
	[ "$status" -ne 0 ]
	# the shim's cleanup call, made again by hand: runc exits 0 for a
	# container that is not there when --force is given, and so must agentrun
	run timeout 10 "$AGENTRUN" --root "$(RUNC_ROOT)" --log "$BATS_TEST_TMPDIR/log.json" --log-format json delete --force "$n"
	echo "$output"
	cat "$BATS_TEST_TMPDIR/log.json" 2>/dev/null || true
	[ "$status" -eq 0 ]
	# without --force it is an error, as with runc
	run timeout 10 "$AGENTRUN" --root "$(RUNC_ROOT)" delete "$n"
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	# and the shim logged no agentrun failure at its cleanups
	[ -z "$(agentrun_failures_in_log)" ]
}

@test "containerd: ctr run -t gets a terminal" {
	need_terminal
	n=$(cname)
	# ctr -t needs a terminal of its own: script(1) gives it one
	# shellcheck disable=SC2086
	run timeout -k 5 "$E2E_TIMEOUT" script -qec "ctr --address $CTRD_DIR/containerd.sock -n $CTR_NS run --rm -t $CTR_RT $E2E_IMAGE $n sh -c 'tty; exit 4'" /dev/null </dev/null
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == */dev/pts/* ]]
}

@test "containerd: task exec -t gets a terminal" {
	need_terminal
	n=$(cname)
	# shellcheck disable=SC2086
	cr run -d $CTR_RT "$E2E_IMAGE" "$n" sleep 1000
	run timeout -k 5 "$E2E_TIMEOUT" script -qec "ctr --address $CTRD_DIR/containerd.sock -n $CTR_NS task exec -t --exec-id t1 $n sh -c 'tty; exit 5'" /dev/null </dev/null
	echo "$output"
	[ "$status" -eq 5 ]
	[[ "$output" == */dev/pts/* ]]
}

@test "containerd: nothing is left in agentrun's state or cgroups" {
	for c in $(cr task ls -q); do cr task kill -s SIGKILL "$c" >/dev/null 2>&1 || true; done
	sleep 0.5
	for c in $(cr task ls -q); do cr task delete -f "$c"; done
	for c in $(cr containers ls -q); do cr containers delete "$c"; done
	[ -z "$(ls -A "$(RUNC_ROOT)" 2>/dev/null | grep -vx '.seccomp-cache')" ]
	[ -z "$(find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -path "*/$CTR_NS/*" -type d 2>/dev/null || true)" ]
	[ -z "$(agentrun_failures_in_log)" ]
}
