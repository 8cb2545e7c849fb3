#!/usr/bin/env bats
# Real agent workloads under the agent profile, in a Debian 12 toolchain
# rootfs (tests/workloads/rootfs.sh: mmdebstrap, cached under
# /var/cache/agentrun-tests/), run by a plain user created by the test
# (tests/lib/rootless.bash) with `spec --profile agent --rootless
# --egress-proxy` (the seccomp allowlist, Landlock, egress only through the
# test proxy); the same workloads under crun with the containers' default seccomp
# profile for comparison; and the hostile side, all refused.
#
# AGENT_WORKLOADS=full (default: with nodejs and npm) or ci (without them;
# see tests/README.md for its last result).

load ../lib/bundle
load ../lib/rootless
load ../lib/egress

WL_SCRIPT=$BATS_TEST_DIRNAME/workloads.sh

setup_file() {
	export WL_SET=${AGENT_WORKLOADS:-full}
	WL_ROOTFS=$(bash "$BATS_TEST_DIRNAME/rootfs.sh" "$WL_SET") || return 1
	export WL_ROOTFS
	rl_user_create
}

teardown_file() {
	rl_user_remove
}

setup() {
	setup_common
	rl_setup
	start_proxy allowed.test
	# the agent's bundle: the user's config, the shared read-only rootfs
	WB=$T/agent
	mkdir -p "$WB"
	chown "$RL_UID:$RL_GID" "$WB"
	ar spec --bundle "$WB" --profile agent --rootless --egress-proxy "$PROXY_SOCK"
	CONFIG=$WB/config.json cfg '.root.path = $r' --arg r "$WL_ROOTFS"
	chmod 644 "$WB/config.json"
	RL_TIMEOUT=600
}

teardown() {
	stop_proxy
	rl_teardown
	# nothing of the user's is left running (its containers, forwarders)
	local left= p
	for p in $(rl_pids); do pid_alive "$p" && left+=" $p"; done
	[ -z "$left" ] || { echo "the user's processes left:$left" >&2; return 1; }
	teardown_common
}

has() {
	[ -x "$WL_ROOTFS/usr/bin/$1" ]
}

# agent NAME [ARGS...]: the workload NAME in a fresh agent-profile container,
# run by the plain user; sets $status and $output
agent() {
	local id
	id=w$BATS_TEST_NUMBER-$RANDOM
	rl_track "$id"
	CONFIG=$WB/config.json cfg '.process.args = ["sh", "-c", $s, "workloads"] + $ARGS.positional' \
		--rawfile s "$WL_SCRIPT" --args "$@"
	run ar run --bundle "$WB" "$id" </dev/null
	echo "agent $*: status $status, output: $output" >&2
}

# crun_run NAME [ARGS...]: the same under crun as root, its own `crun spec`
# with the containers' default seccomp profile (podman's, from
# golang-github-containers-common) and a tmpfs /work
crun_run() {
	local b=$T/crun id=c$BATS_TEST_NUMBER-$RANDOM
	mkdir -p "$b"
	rm -f "$b/config.json"
	(cd "$b" && crun spec)
	CONFIG=$b/config.json cfg '
		def keep: ((.includes.arches // null) == null or (.includes.arches | index("amd64")))
			and (.includes.caps // null) == null;
		.root = {"path": $r, "readonly": true}
		| .process.args = ["sh", "-c", $s, "workloads"] + $ARGS.positional
		| .process.terminal = false
		| .process.cwd = "/work"
		| .process.env += ["HOME=/work"]
		| .mounts += [{"destination": "/work", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=0755", "size=1g"]},
			{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]}]
		| .linux.seccomp = ($prof[0] | {defaultAction, defaultErrnoRet,
			architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
			syscalls: [.syscalls[] | select(keep) | {names, action} + (if .errnoRet then {errnoRet} else {} end) + (if .args then {args} else {} end)]})' \
		--arg r "$WL_ROOTFS" --rawfile s "$WL_SCRIPT" --slurpfile prof "$CONTAINERS_SECCOMP" --args "$@"
	run timeout 600 crun --root "$T/crun-state" run --bundle "$b" "$id" </dev/null
	echo "crun $*: status $status, output: $output" >&2
}

CONTAINERS_SECCOMP=/usr/share/containers/seccomp.json

crun_ready() {
	command -v crun >/dev/null || skip "crun is not installed"
	[ -r "$CONTAINERS_SECCOMP" ] || skip "$CONTAINERS_SECCOMP (golang-github-containers-common) is not installed"
}

# ---------------------------------------------------------------- workloads

@test "workloads: the config is the agent profile, rootless, with the allowlist, Landlock and the proxy" {
	jq -e --argjson u "$RL_UID" '.linux.uidMappings == [{"containerID": 0, "hostID": $u, "size": 1}]' "$WB/config.json"
	jq -e '.linux.seccomp.defaultAction != "SCMP_ACT_ALLOW"' "$WB/config.json"
	jq -e --arg s "$PROXY_SOCK" '.annotations["run.agentrun.net.proxy"] == $s' "$WB/config.json"
	jq -e '.root.readonly == true' "$WB/config.json"
	# Landlock on (best-effort where the kernel lacks it; this host has it)
	jq -e '.annotations["run.agentrun.landlock"] | . != null and . != "off"' "$WB/config.json"
	cat "$WL_ROOTFS/.built" >&2
}

@test "workloads: git init, add, commit, log" {
	agent git
	[ "$status" -eq 0 ]
	[[ "$output" == *"second commit"* ]]
	[[ "$output" == *"first commit"* ]]
	[ "${lines[-1]}" = "git ok" ]
}

@test "workloads: python3 -m venv, pip install of a local wheel, a script in the venv" {
	agent python
	[ "$status" -eq 0 ]
	[[ "$output" == *"hello from a wheel in /work/venv"* ]]
	[ "${lines[-1]}" = "python ok" ]
}

@test "workloads: gcc and make of a small C project" {
	agent c
	[ "$status" -eq 0 ]
	[[ "$output" == *"hello from C"* ]]
	[ "${lines[-1]}" = "c ok" ]
}

@test "workloads: node -e" {
	has node || skip "the $WL_SET rootfs has no nodejs (AGENT_WORKLOADS=full)"
	agent node
	[ "$status" -eq 0 ]
	[[ "$output" == *"sum 6"* ]]
	[ "${lines[-1]}" = "node ok" ]
}

@test "workloads: npm pack and npm install from the local tarball" {
	has npm || skip "the $WL_SET rootfs has no npm (AGENT_WORKLOADS=full)"
	agent npm
	[ "$status" -eq 0 ]
	[[ "$output" == *"hello from npm"* ]]
	[ "${lines[-1]}" = "npm ok" ]
}

@test "workloads: a shell pipeline with background jobs" {
	agent jobs
	[ "$status" -eq 0 ]
	[[ "$output" == *"20000"* ]]
	[[ "$output" == *"late"* ]]
	[ "${lines[-1]}" = "jobs ok" ]
}

@test "workloads: the same under crun with the containers' default seccomp profile" {
	crun_ready
	local w
	for w in git python c jobs $(has node && echo node) $(has npm && echo npm); do
		crun_run "$w"
		[ "$status" -eq 0 ]
		[ "${lines[-1]}" = "$w ok" ]
	done
}

# ---------------------------------------------------------------- hostile

@test "workloads attack: writes outside /work are refused" {
	agent hostile_write
	[ "$status" -eq 0 ]
	[[ "$output" != *ESCAPED* ]]
	[ "$(grep -c '^refused: ' <<<"$output")" = 10 ]
	# refused by the read-only root itself, not only by the files' owner
	# (the rootfs is root's: /root and /etc/passwd fail on permissions first)
	local f
	for f in /x /etc/x /usr/bin/x /var/x /home/x /usr/lib/x /opt/x; do
		grep -q "^refused: write $f (.*Read-only file system)$" <<<"$output"
	done
	grep -q "^refused: chmod /usr/bin/git (.*Read-only file system)$" <<<"$output"
	[[ "$output" == *"work writable"* ]]
}

@test "workloads attack: the host is not reachable through /proc; /proc/sys and sysrq-trigger are read-only" {
	echo "host secret $T" >"$T/host-secret"
	chmod 644 "$T/host-secret"
	agent hostile_proc "$T/host-secret"
	[ "$status" -eq 0 ]
	[[ "$output" != *ESCAPED* ]]
	[[ "$output" != *"host secret"* ]]
	[[ "$output" == *"refused: read /proc/1/root$T/host-secret"* ]]
	[[ "$output" == *"refused: write /proc/sys/kernel/hostname"* ]]
	[[ "$output" == *"refused: write /proc/sysrq-trigger"* ]]
	# its /proc shows its own processes only (sh, the script, ls, wc)
	[ "$(sed -n 's/^pids seen: //p' <<<"$output")" -le 6 ]
}

@test "workloads attack: unshare and mount are refused" {
	agent hostile_ns
	[ "$status" -eq 0 ]
	[[ "$output" != *ESCAPED* ]]
	[ "$(grep -c '^refused: ' <<<"$output")" = 8 ]
}

@test "workloads attack: io_uring, bpf, userfaultfd, perf_event_open are refused" {
	agent hostile_syscalls
	[ "$status" -eq 0 ]
	[[ "$output" != *ESCAPED* ]]
	[ "$(grep -c '^refused: ' <<<"$output")" = 4 ]
}

@test "workloads attack: no connection out but through the proxy, which holds its allow-list" {
	local host_ip
	host_ip=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -1)
	[ -n "$host_ip" ] || host_ip=192.0.2.1
	agent hostile_net "$host_ip" "$UPSTREAM_PORT"
	[ "$status" -eq 0 ]
	[[ "$output" != *ESCAPED* ]]
	[ "$(grep -c '^refused: ' <<<"$output")" = 8 ]
	[[ "$output" == *"via proxy: upstream says hello to allowed.test/agent"* ]]
	[[ "$output" == *"refused: denied.test (proxy said 403)"* ]]
	grep -qx 'DENY denied.test' "$PROXY_LOG"
}
