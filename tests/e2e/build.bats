#!/usr/bin/env bats
# Image builds: `podman build --runtime PATH` and `buildah bud --runtime PATH`
# run every RUN step of a Containerfile in a container made by agentrun
# (buildah's run path: `create --bundle B --pid-file F ID`, `start ID`,
# `state ID`, `delete ID`, with no --root: /run/agentrun). The runtime given
# is a wrapper that logs each call and execs agentrun, so the tests see that
# agentrun ran the steps. Both tools use one private store (podman's, under
# E2E_DIR); their bundles go to E2E_DIR too (TMPDIR).

load setup

STATE=/run/agentrun

build_setup() {
	local dir=$1
	e2e_podman_setup "$dir" || return 1
	mkdir -p "$dir/bundles"
	export TMPDIR=$dir/bundles
	export WRAP=$dir/agentrun-wrap WRAP_LOG=$dir/calls.log
	cat >"$WRAP" <<-EOF
		#!/bin/sh
		echo "\$*" >>"$WRAP_LOG"
		exec "$AGENTRUN" "\$@"
	EOF
	chmod 755 "$WRAP"
	# containers.conf's runtime "agentrun" is the wrapper too (read by
	# podman build and buildah when no --runtime is given)
	sed -i "s|^agentrun = .*|agentrun = [\"$WRAP\"]|" "$CONTAINERS_CONF"
	grep -qxF "agentrun = [\"$WRAP\"]" "$CONTAINERS_CONF"
}

build_cleanup() {
	local dir=$1
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	# buildah's working containers (a failed build keeps its own)
	bd rm --all >/dev/null 2>&1
	e2e_podman_cleanup "$dir"
}

setup_file() { e2e_suite_begin build build_setup b; }
teardown_file() { e2e_suite_end build_cleanup b; }

setup() {
	: >"$WRAP_LOG"
	CTX=$BATS_TEST_TMPDIR/ctx
	mkdir -p "$CTX"
}

remove_image() { pm rmi -f "$1"; }
teardown() { e2e_remove_names remove_image; }

# bd ARGS...: buildah on podman's private store, bounded.
bd() {
	# shellcheck disable=SC2086
	timeout -k 5 "$E2E_TIMEOUT" buildah --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/run" "$@" 3>&-
}

# A Containerfile whose RUN steps write files, use a tmpfs that is gone in
# the next step, see no network, and run as another user.
good_containerfile() {
	cat >"$CTX/Containerfile" <<-EOF
		FROM $E2E_IMAGE
		RUN echo step-one >/built-1 && cat /etc/image-marker >/built-marker
		RUN --mount=type=tmpfs,target=/scratch sh -c 'awk "\\\$2 == \"/scratch\" { print \\\$3 }" /proc/mounts >/built-tmpfs && echo data >/scratch/f && cat /scratch/f >/built-scratch-data'
		RUN if [ -e /scratch/f ]; then echo kept; else echo gone; fi >/built-scratch-after
		RUN ls /sys/class/net | tr '\n' ' ' >/built-net
		RUN mkdir -m 1777 /out && echo "\$(id -u):\$(id -g)" >/built-root-ids
		USER 65534
		RUN echo "\$(id -u)" >/out/user-ids
		USER 0
		ENV GREETING=hello-from-build
		RUN echo "\$GREETING" >/built-env
		CMD ["cat", "/built-1"]
	EOF
}

# check_built IMAGE: run the built image (agentrun again) and read what the
# RUN steps wrote.
check_built() {
	run pm run --rm "$1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = step-one ]
	run pm run --rm "$1" sh -c 'for f in /built-marker /built-tmpfs /built-scratch-data /built-scratch-after /built-net /built-root-ids /out/user-ids /built-env; do echo "$f=$(cat $f)"; done'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/built-marker=agentrun-e2e"* ]]
	[[ "$output" == *"/built-tmpfs=tmpfs"* ]]
	[[ "$output" == *"/built-scratch-data=data"* ]]
	[[ "$output" == *"/built-scratch-after=gone"* ]]
	# --network none: a network namespace with loopback only
	[[ "$output" == *"/built-net=lo "* ]]
	[[ "$output" == *"/built-root-ids=0:0"* ]]
	[[ "$output" == *"/out/user-ids=65534"* ]]
	[[ "$output" == *"/built-env=hello-from-build"* ]]
}

# ran_steps N: agentrun (through the wrapper) created, started and deleted
# N containers, and no buildah container is left in its state.
ran_steps() {
	cat "$WRAP_LOG"
	[ "$(grep -c '^create --bundle ' "$WRAP_LOG")" -eq "$1" ]
	[ "$(grep -c '^start ' "$WRAP_LOG")" -eq "$1" ]
	[ "$(grep -c '^delete ' "$WRAP_LOG")" -eq "$1" ]
	local id
	for id in $(awk '$1 == "create" { print $NF }' "$WRAP_LOG"); do
		assert_no_state "$STATE" "$id"
		assert_no_cgroup "$id"
	done
}

failing_containerfile() {
	cat >"$CTX/Containerfile" <<-EOF
		FROM $E2E_IMAGE
		RUN echo before >/before
		RUN sh -c 'echo the failing step; exit 7'
		RUN echo never >/never
	EOF
}

@test "podman build --runtime agentrun: RUN steps, tmpfs mount, --network none, --isolation oci" {
	good_containerfile
	img=localhost/e2e-built-podman:$BATS_TEST_NUMBER
	echo "$img" >>"$BATS_TEST_TMPDIR/names"
	run pm build --runtime "$WRAP" --network none --isolation oci -t "$img" "$CTX"
	echo "$output"
	[ "$status" -eq 0 ]
	ran_steps 7
	check_built "$img"
}

@test "podman build --runtime agentrun: a failing RUN fails the build with its exit code" {
	failing_containerfile
	img=localhost/e2e-failed-podman:$BATS_TEST_NUMBER
	echo "$img" >>"$BATS_TEST_TMPDIR/names"
	run pm build --runtime "$WRAP" --network none --isolation oci -t "$img" "$CTX"
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$output" == *"the failing step"* ]]
	[[ "$output" == *"exit status 7"* ]]
	[[ "$output" != *"STEP 4/4"* ]]
	ran_steps 2
	run pm image exists "$img"
	[ "$status" -ne 0 ]
}

@test "buildah bud --runtime agentrun: RUN steps, tmpfs mount, --network none, --isolation oci" {
	good_containerfile
	img=localhost/e2e-built-buildah:$BATS_TEST_NUMBER
	echo "$img" >>"$BATS_TEST_TMPDIR/names"
	run bd bud --runtime "$WRAP" --network none --isolation oci -t "$img" "$CTX"
	echo "$output"
	[ "$status" -eq 0 ]
	ran_steps 7
	check_built "$img"
}

@test "buildah bud --runtime agentrun: a failing RUN fails the build with its exit code" {
	failing_containerfile
	img=localhost/e2e-failed-buildah:$BATS_TEST_NUMBER
	echo "$img" >>"$BATS_TEST_TMPDIR/names"
	run bd bud --runtime "$WRAP" --network none --isolation oci -t "$img" "$CTX"
	echo "$output"
	[ "$status" -eq 7 ]
	[[ "$output" == *"the failing step"* ]]
	[[ "$output" == *"exit status 7"* ]]
	[[ "$output" != *"STEP 4/4"* ]]
	ran_steps 2
	run pm image exists "$img"
	[ "$status" -ne 0 ]
}

@test "buildah from / run --runtime agentrun / commit" {
	img=localhost/e2e-buildah-run:$BATS_TEST_NUMBER
	echo "$img" >>"$BATS_TEST_TMPDIR/names"
	run bd from --name "e2e-wc-$BATS_TEST_NUMBER" "$E2E_IMAGE"
	echo "$output"
	[ "$status" -eq 0 ]
	wc=$output
	run bd run --runtime "$WRAP" --isolation oci --network none "$wc" -- sh -c 'echo from-buildah-run >/wc-file; exit 0'
	echo "$output"
	[ "$status" -eq 0 ]
	run bd run --runtime "$WRAP" --isolation oci "$wc" -- sh -c 'echo out; exit 5'
	echo "$output"
	[ "$status" -eq 5 ]
	[[ "$output" == *out* ]]
	ran_steps 2
	bd commit "$wc" "$img"
	bd rm "$wc"
	run pm run --rm "$img" cat /wc-file
	[ "$status" -eq 0 ]
	[ "$output" = from-buildah-run ]
}

@test "podman build and buildah bud without --runtime: containers.conf's runtime, or BUILDAH_RUNTIME" {
	printf 'FROM %s\nRUN echo from-default-runtime >/d\n' "$E2E_IMAGE" >"$CTX/Containerfile"
	img=localhost/e2e-default-rt:$BATS_TEST_NUMBER
	echo "$img" >>"$BATS_TEST_TMPDIR/names"
	# [engine] runtime = "agentrun" in CONTAINERS_CONF
	run pm build -t "$img-p" "$CTX"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$img-p" >>"$BATS_TEST_TMPDIR/names"
	ran_steps 1
	: >"$WRAP_LOG"
	run bd bud -t "$img-b" "$CTX"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$img-b" >>"$BATS_TEST_TMPDIR/names"
	ran_steps 1
	# buildah's environment variable, with no containers.conf naming agentrun
	: >"$WRAP_LOG"
	run env CONTAINERS_CONF=/dev/null BUILDAH_RUNTIME="$WRAP" \
		timeout -k 5 "$E2E_TIMEOUT" buildah --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/run" bud -t "$img-e" "$CTX"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$img-e" >>"$BATS_TEST_TMPDIR/names"
	ran_steps 1
	run pm run --rm "$img-e" cat /d
	[ "$output" = from-default-runtime ]
}
