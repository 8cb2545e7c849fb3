#!/usr/bin/env bats
# Rootless podman drives agentrun: a non-root test user (made here, with
# subuid/subgid ranges and an XDG_RUNTIME_DIR of its own, removed after).
# podman runs agentrun inside the user namespace it made, as uid 0 there,
# with no --root: agentrun keeps its state in $XDG_RUNTIME_DIR/agentrun.
#
# On this host /dev/net/tun is mode 0600, so slirp4netns cannot give a
# rootless container a network: these containers use --network none (the
# default of the test containers.conf). Cgroups v1 cannot be delegated to a
# user: rootless podman runs without cgroup limits here.

load setup

setup_file() { e2e_suite_begin rl e2e_user_setup u; }
teardown_file() { e2e_suite_end e2e_rootless_cleanup u; }

remove_ctr() {
	pmu rm -f -t 0 "$1"
}
teardown() { e2e_remove_names remove_ctr; }

status_of() { pmu inspect -f '{{.State.Status}}' "$1"; }
STATE() { echo "$ROOTLESS_DIR/xdg/agentrun"; }

@test "rootless podman: run --rm in a user namespace, exit code passed through" {
	run pmu run --rm "$E2E_IMAGE" sh -c 'id -u; cat /proc/self/uid_map; exit 3'
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = 0 ]
	# uid 0 inside is the test user outside
	[[ "${lines[1]}" =~ ^\ *0\ +$ROOTLESS_UID\ +1$ ]]
	run pmu run --rm -i "$E2E_IMAGE" cat <<<"stdin works"
	[ "$output" = "stdin works" ]
	run pmu run --rm -u 65534 "$E2E_IMAGE" id -u
	[ "$output" = 65534 ]
}

@test "rootless podman: run -d, exec, stop, rm; state under XDG_RUNTIME_DIR" {
	n=$(cname)
	run pmu run -d --name "$n" "$E2E_IMAGE" sh -c 'trap "exit 0" TERM; while :; do sleep 0.2; done'
	echo "$output"
	[ "$status" -eq 0 ]
	id=$(pmu inspect -f '{{.Id}}' "$n")
	[ "$(status_of "$n")" = running ]
	[ -d "$(STATE)/$id" ]
	[ ! -e "/run/agentrun/$id" ]
	# the container's init runs as the test user on the host
	pid=$(pmu inspect -f '{{.State.Pid}}' "$n")
	[ "$(stat -c %u "/proc/$pid")" = "$ROOTLESS_UID" ]

	run pmu exec "$n" sh -c 'echo in-exec; exit 6'
	[ "$status" -eq 6 ]
	[ "${lines[0]}" = in-exec ]
	run pmu exec -i "$n" sh -c 'tr a-z A-Z' <<<"rootless exec"
	[ "$output" = "ROOTLESS EXEC" ]

	SECONDS=0
	pmu stop -t 20 "$n"
	[ "$SECONDS" -lt 15 ]
	[ "$(status_of "$n")" = exited ]
	pmu rm "$n"
	[ ! -e "$(STATE)/$id" ]
	run pmu inspect "$n"
	[ "$status" -ne 0 ]
}

@test "rootless podman: stop falls back to SIGKILL; rm -f of a running container" {
	n=$(cname)
	pmu run -d --name "$n" "$E2E_IMAGE" sleep 1000
	id=$(pmu inspect -f '{{.Id}}' "$n")
	run pmu stop -t 1 "$n"
	[ "$status" -eq 0 ]
	[ "$(pmu inspect -f '{{.State.ExitCode}}' "$n")" = 137 ]
	pmu start "$n"
	[ "$(status_of "$n")" = running ]
	pmu rm -f -t 0 "$n"
	[ ! -e "$(STATE)/$id" ]
}

@test "rootless podman: exec -t and run -t get a terminal" {
	need_terminal
	n=$(cname)
	run pmu run --rm -t "$E2E_IMAGE" sh -c 'tty; exit 2'
	echo "$output"
	[ "$status" -eq 2 ]
	[[ "$output" == */dev/pts/* ]]
	pmu run -d --name "$n" "$E2E_IMAGE" sleep 1000
	run pmu exec -t "$n" tty
	echo "$output"
	[[ "$output" == */dev/pts/* ]]
}

@test "rootless podman build --runtime agentrun: RUN steps in the user namespace, a failing RUN's exit code" {
	local d=$ROOTLESS_DIR calls=$ROOTLESS_DIR/home/calls.log ctx=$ROOTLESS_DIR/home/ctx-$BATS_TEST_NUMBER
	# a wrapper that logs each call and execs agentrun (the user's copy)
	printf '#!/bin/sh\necho "$*" >>"%s"\nexec "%s" "$@"\n' "$calls" "$d/bin/agentrun" >"$d/bin/agentrun-wrap"
	chmod 755 "$d/bin/agentrun-wrap"
	mkdir -p "$ctx"
	cat >"$ctx/Containerfile" <<-EOF
		FROM $E2E_IMAGE
		RUN echo built >/built && head -n 1 /proc/self/uid_map | tr -s ' ' >/uidmap
		RUN --mount=type=tmpfs,target=/scratch sh -c 'echo x >/scratch/f && awk "\\\$2 == \"/scratch\" { print \\\$3 }" /proc/mounts >/tmpfs'
	EOF
	chown -R "$E2E_USER:" "$ctx"
	: >"$calls"
	chown "$E2E_USER:" "$calls"
	run pmu build --runtime "$d/bin/agentrun-wrap" --isolation oci --network none -t localhost/rl-built:1 "$ctx"
	echo "$output"
	[ "$status" -eq 0 ]
	cat "$calls"
	[ "$(grep -c '^create --bundle ' "$calls")" -eq 2 ]
	[ "$(grep -c '^delete ' "$calls")" -eq 2 ]
	run pmu run --rm localhost/rl-built:1 sh -c 'cat /built /uidmap /tmpfs'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = built ]
	# the steps ran as uid 0 of the user's namespace: the test user outside
	[[ "${lines[1]}" =~ ^\ ?0\ $ROOTLESS_UID\ 1$ ]]
	[ "${lines[2]}" = tmpfs ]
	# a failing RUN fails the build with its exit code
	printf 'FROM %s\nRUN sh -c "exit 4"\nRUN touch /never\n' "$E2E_IMAGE" >"$ctx/Containerfile"
	: >"$calls"
	run pmu build --runtime "$d/bin/agentrun-wrap" --isolation oci --network none -t localhost/rl-failed:1 "$ctx"
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *"exit status 4"* ]]
	[ "$(grep -c '^create --bundle ' "$calls")" -eq 1 ]
}

@test "rootless podman: nothing left in agentrun's state" {
	pmu rm -a -f -t 0 >/dev/null
	[ -z "$(pmu ps -aq)" ]
	[ -z "$(ls -A "$(STATE)" 2>/dev/null | grep -vx '.seccomp-cache')" ]
}
