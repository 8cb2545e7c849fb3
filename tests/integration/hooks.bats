#!/usr/bin/env bats
# Hooks: prestart, createRuntime, createContainer, startContainer, poststart,
# poststop: state on stdin, args, env, namespace, order, and failures.

load ../lib/bundle

# $OUT (= $T/out) is bind-mounted at the same path in the container, so the
# hook scripts in it and the files they write have one path on the host,
# in the container before pivot_root and after it.
setup() {
	setup_common
	OUT=$T/out
	mkdir -p "$OUT"
	chmod 777 "$OUT"
	cfg '.mounts += [{"destination": $o, "type": "bind", "source": $o, "options": ["rbind", "rw"]}]' --arg o "$OUT"
	cat >"$OUT/hook.sh" <<-'EOF'
		#!/bin/sh
		# hook.sh NAME OUTDIR: record what the hook got
		name=$1
		out=$2
		cat >"$out/$name.state"
		readlink /proc/self/ns/mnt >"$out/$name.mnt"
		echo "$@" >"$out/$name.args"
		env >"$out/$name.env"
		echo "$name" >>"$out/order"
	EOF
	cat >"$OUT/fail.sh" <<-'EOF'
		#!/bin/sh
		echo "$1" >>"$2/order"
		echo "hook $1 fails on purpose" >&2
		exit 3
	EOF
	cat >"$OUT/sleep.sh" <<-'EOF'
		#!/bin/sh
		echo $$ >"$2/sleeper.pid"
		exec sleep 60
	EOF
	chmod 755 "$OUT"/*.sh
}
teardown() { teardown_common; }

# hook NAME [SCRIPT] [EXTRA JSON]: append a hook of kind NAME running
# $OUT/SCRIPT NAME $OUT with env PATH and HOOK_VAR=v-NAME.
hook() {
	local name=$1 script=${2:-hook.sh} extra=${3:-}
	cfg ".hooks[\$n] += [{\"path\": \$p, \"args\": [\"$script\", \$n, \$o],
		\"env\": [\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\", \"HOOK_VAR=v-\" + \$n]${extra:+, $extra}}]" \
		--arg n "$name" --arg p "$OUT/$script" --arg o "$OUT"
}

all_hooks() {
	local h
	for h in prestart createRuntime createContainer startContainer poststart poststop; do
		hook "$h"
	done
	set_cmd "echo ran >> $OUT/order; echo \$\$ > $OUT/ran.pid; sleep 1000"
}

order() { tr '\n' ' ' <"$OUT/order" | sed 's/ $//'; }

# wait_order WORD: poll until WORD is in the order file.
wait_order() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -qx "$1" "$OUT/order" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "$1 never ran; order: $(order)" >&2
	return 1
}

@test "hooks: all six run, in lifecycle order" {
	all_hooks
	id=$(new_id)
	create_ctr "$id"
	# create ran the creation hooks, not the process
	[ "$(order)" = "prestart createRuntime createContainer" ]
	runtime start "$id"
	# start returns after poststart; the process runs after startContainer
	grep -qx poststart "$OUT/order"
	wait_order ran
	o=$(order)
	echo "after start: $o"
	[[ "$o" == "prestart createRuntime createContainer startContainer "* ]]
	[ "$(grep -c . "$OUT/order")" -eq 6 ]
	runtime kill "$id" KILL
	wait_status "$id" stopped
	[ ! -e "$OUT/poststop.state" ]
	runtime delete "$id"
	[ "$(tail -n 1 "$OUT/order")" = poststop ]
	[ "$(grep -c . "$OUT/order")" -eq 7 ]
}

@test "hooks: each gets its args and env, and nothing of the runtime's env" {
	all_hooks
	id=$(new_id)
	HOOK_LEAK=leaked create_ctr "$id"
	runtime start "$id"
	wait_order ran
	runtime delete -f "$id"
	for h in prestart createRuntime createContainer startContainer poststart poststop; do
		echo "$h: $(cat "$OUT/$h.args")"
		[ "$(cat "$OUT/$h.args")" = "$h $OUT" ]
		grep -qx "HOOK_VAR=v-$h" "$OUT/$h.env"
		grep -qx "PATH=/usr/sbin:/usr/bin:/sbin:/bin" "$OUT/$h.env"
		! grep -q HOOK_LEAK "$OUT/$h.env"
		! grep -q '^BATS_' "$OUT/$h.env"
	done
}

@test "hooks: the state on stdin (id, bundle, status, pid)" {
	all_hooks
	id=$(new_id)
	create_ctr "$id"
	pid=$(pid_of "$id")
	runtime start "$id"
	wait_order ran
	runtime delete -f "$id"
	st() { jq -r ".$2 // \"none\"" "$OUT/$1.state"; }
	for h in prestart createRuntime createContainer startContainer poststart poststop; do
		echo "$h: $(cat "$OUT/$h.state")"
		[ "$(st $h id)" = "$id" ]
		[ "$(st $h bundle)" = "$BUNDLE" ]
		[ "$(st $h ociVersion)" != none ]
		validate_json state-schema.json "$OUT/$h.state"
	done
	[ "$(st prestart status)" = creating ]
	[ "$(st createRuntime status)" = creating ]
	[ "$(st createContainer status)" = creating ]
	[ "$(st startContainer status)" = created ]
	[ "$(st poststart status)" = running ]
	[ "$(st poststop status)" = stopped ]
	# the pid as seen from the hook's namespace
	[ "$(st prestart pid)" = "$pid" ]
	[ "$(st createRuntime pid)" = "$pid" ]
	[ "$(st poststart pid)" = "$pid" ]
	[ "$(st createContainer pid)" = 1 ]
	[ "$(st startContainer pid)" = 1 ]
}

@test "hooks: prestart, createRuntime, poststart, poststop in the runtime's mount namespace; createContainer, startContainer in the container's" {
	all_hooks
	id=$(new_id)
	create_ctr "$id"
	pid=$(pid_of "$id")
	ctr_mnt=$(readlink "/proc/$pid/ns/mnt")
	host_mnt=$(readlink /proc/self/ns/mnt)
	[ "$ctr_mnt" != "$host_mnt" ]
	runtime start "$id"
	wait_order ran
	runtime delete -f "$id"
	for h in prestart createRuntime poststart poststop; do
		echo "$h: $(cat "$OUT/$h.mnt") (host $host_mnt)"
		[ "$(cat "$OUT/$h.mnt")" = "$host_mnt" ]
	done
	for h in createContainer startContainer; do
		echo "$h: $(cat "$OUT/$h.mnt") (container $ctr_mnt)"
		[ "$(cat "$OUT/$h.mnt")" = "$ctr_mnt" ]
	done
}

@test "hooks: startContainer runs after pivot_root (container paths), createContainer before it" {
	# a script that exists only inside the rootfs, at a path absent on the host
	mkdir -p "$BUNDLE/rootfs/only-in-container"
	cat >"$BUNDLE/rootfs/only-in-container/hook.sh" <<-EOF
		#!/bin/sh
		cat /.agentrun-test > $OUT/startContainer.root
	EOF
	chmod 755 "$BUNDLE/rootfs/only-in-container/hook.sh"
	[ ! -e /only-in-container ]
	cfg '.hooks.startContainer = [{"path": "/only-in-container/hook.sh"}]'
	# createContainer: its path resolves in the runtime namespace (spec), a
	# host path that is not in the rootfs
	mkdir "$T/host-only"
	cp "$OUT/hook.sh" "$T/host-only/hook.sh"
	[ ! -e "$BUNDLE/rootfs$T/host-only" ]
	cfg '.hooks.createContainer = [{"path": $p, "args": ["hook.sh", "createContainer", $o], "env": ["PATH=/usr/bin:/bin"]}]' \
		--arg p "$T/host-only/hook.sh" --arg o "$OUT"
	set_cmd "echo ran >> $OUT/order"
	id=$(new_id)
	create_ctr "$id"
	runtime start "$id"
	wait_order ran
	[ "$(cat "$OUT/startContainer.root")" = "$T" ]
	[ -s "$OUT/createContainer.state" ]
}

# expect_create_fails NAME: a failing NAME hook fails create, leaves nothing.
expect_create_fails() {
	cfg 'del(.hooks)'
	: >"$OUT/order"
	hook "$1" fail.sh
	set_cmd "echo ran >> $OUT/order"
	local id
	id=$(new_id)
	run runtime create --bundle "$BUNDLE" "$id" </dev/null
	echo "create with a failing $1 hook: $status: $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$1"* ]]
	[[ "$output" == *"fails on purpose"* ]] || [[ "$output" == *"exit status 3"* ]]
	run runtime state "$id"
	[ "$status" -ne 0 ]
	[ "$(order)" = "$1" ]
	assert_no_leftovers "$id"
}

@test "hooks: a failing createRuntime hook fails create and leaves nothing behind" {
	expect_create_fails createRuntime
}

@test "hooks: a failing prestart or createContainer hook fails create and leaves nothing behind" {
	expect_create_fails prestart
	expect_create_fails createContainer
}

@test "hooks: a failing startContainer hook fails start; the process never runs" {
	hook startContainer fail.sh
	set_cmd "echo ran >> $OUT/order"
	id=$(new_id)
	create_ctr "$id"
	run runtime start "$id"
	echo "start: $status: $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *startContainer* ]]
	wait_status "$id" stopped
	sleep 0.5
	[ "$(order)" = startContainer ]
	runtime delete "$id"
	assert_no_leftovers "$id"
}

@test "hooks: a failing poststart hook fails start and the container is stopped" {
	hook poststart fail.sh
	set_cmd "echo ran >> $OUT/order; sleep 1000"
	id=$(new_id)
	create_ctr "$id"
	pid=$(pid_of "$id")
	run runtime start "$id"
	echo "start: $status: $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *poststart* ]]
	wait_status "$id" stopped
	wait_gone "$pid"
	runtime delete "$id"
	assert_no_leftovers "$id"
}

@test "hooks: a failing poststop hook only warns; delete succeeds" {
	hook poststop fail.sh
	hook poststop hook.sh
	set_cmd 'exit 0'
	id=$(new_id)
	create_ctr "$id"
	runtime start "$id"
	wait_status "$id" stopped
	run --separate-stderr runtime delete "$id"
	echo "delete: $status: out [$output] err [$stderr]"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *poststop* ]]
	run runtime state "$id"
	[ "$status" -ne 0 ]
	assert_no_leftovers "$id"
}

@test "hooks: a hook past its timeout is killed and fails the step" {
	hook createRuntime sleep.sh '"timeout": 1'
	id=$(new_id)
	SECONDS=0
	run runtime create --bundle "$BUNDLE" "$id" </dev/null
	took=$SECONDS
	echo "create: $status in ${took}s: $output"
	[ "$status" -ne 0 ]
	[ "$took" -lt 15 ]
	[[ "$output" == *createRuntime* ]]
	wait_file "$OUT/sleeper.pid"
	wait_gone "$(cat "$OUT/sleeper.pid")"
	run runtime state "$id"
	[ "$status" -ne 0 ]
	assert_no_leftovers "$id"
}

@test "hooks: a poststart hook past its timeout fails start" {
	hook poststart sleep.sh '"timeout": 1'
	set_args sleep 1000
	id=$(new_id)
	create_ctr "$id"
	SECONDS=0
	run runtime start "$id"
	echo "start: $status in ${SECONDS}s: $output"
	[ "$status" -ne 0 ]
	[ "$SECONDS" -lt 15 ]
	wait_gone "$(cat "$OUT/sleeper.pid")"
	wait_status "$id" stopped
}

@test "hooks: a hook that never reads its stdin is bounded by its timeout (state larger than a pipe)" {
	cat >"$OUT/deaf.sh" <<-'EOF2'
		#!/bin/sh
		echo $$ >"$2/deaf.pid"
		exec sleep 60
	EOF2
	chmod 755 "$OUT/deaf.sh"
	hook createRuntime deaf.sh '"timeout": 1'
	# 256 KiB of annotation: the state JSON does not fit the pipe
	cfg '.annotations["big"] = ("x" * 262144)'
	id=$(new_id)
	run runtime create --bundle "$BUNDLE" "$id" </dev/null
	echo "create: $status: ${output:0:300}"
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ]
	[[ "$output" == *"createRuntime hook #0"*"timed out after 1 s"* ]]
	wait_gone "$(cat "$OUT/deaf.pid")"
	assert_no_leftovers "$id"
}

@test "hooks: a timeout kills the hook's whole process group (a child that ignores TERM too)" {
	cat >"$OUT/forker.sh" <<-'EOF2'
		#!/bin/sh
		sh -c 'trap "" TERM HUP INT; echo $$ >"$1/child.pid"; exec sleep 60' child "$2" </dev/null >/dev/null 2>&1 &
		echo $$ >"$2/forker.pid"
		wait
	EOF2
	chmod 755 "$OUT/forker.sh"
	hook prestart forker.sh '"timeout": 1'
	id=$(new_id)
	run runtime create --bundle "$BUNDLE" "$id" </dev/null
	echo "create: $status: $output"
	wait_file "$OUT/child.pid"
	track_pid "$(cat "$OUT/child.pid")"
	[ "$status" -ne 0 ]
	[[ "$output" == *"prestart hook #0"*"timed out"* ]]
	wait_gone "$(cat "$OUT/forker.pid")"
	wait_gone "$(cat "$OUT/child.pid")"
	assert_no_leftovers "$id"
}
