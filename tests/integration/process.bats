#!/usr/bin/env bats
# The container process: args, env, cwd, user, umask, rlimits,
# capabilities, noNewPrivileges, oomScoreAdj.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

# capmask NUMBER...: the 16-hex-digit mask /proc/PID/status shows.
capmask() {
	local m=0 n
	for n in "$@"; do m=$((m | (1 << n))); done
	printf '%016x' "$m"
}

# status_field OUTPUT NAME: value of "NAME:\t..." in a /proc/self/status dump.
status_field() {
	awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' <<<"$1"
}

@test "process.args: arguments are passed verbatim (spaces, quotes, empty)" {
	set_args sh -c 'for a in "$@"; do echo "[$a]"; done' argv0 "a b" "" "'q'" '$HOME' "x
y"
	ID=$(new_id)
	run runtime run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '[a b]\n[]\n[%s]\n[$HOME]\n[x\ny]' "'q'")" ]
}

@test "process.args: an absolute path to the binary" {
	set_args /bin/busybox echo direct
	ID=$(new_id)
	run runtime run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = direct ]
}

@test "process.env: variables from config, and nothing from the caller" {
	cfg '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar", "WITH_SPACE=a b", "EMPTY="]'
	export AGENTRUN_TEST_LEAK=leaked
	run_ctr 'echo "FOO=$FOO"; echo "WITH_SPACE=$WITH_SPACE"; echo "PATH=$PATH"; env | grep -c AGENTRUN_TEST_LEAK; env | grep -c "^EMPTY=$"'
	unset AGENTRUN_TEST_LEAK
	[ "${lines[0]}" = FOO=bar ]
	[ "${lines[1]}" = "WITH_SPACE=a b" ]
	[ "${lines[2]}" = PATH=/bin:/usr/bin ]
	[ "${lines[3]}" = 0 ]
	[ "${lines[4]}" = 1 ]
}

@test "process.cwd: the process starts in cwd" {
	mkdir -p "$BUNDLE/rootfs/work/dir"
	cfg '.process.cwd = "/work/dir"'
	run_ctr 'pwd'
	[ "$status" -eq 0 ]
	[ "$output" = /work/dir ]
}

@test "process.user: uid, gid and additionalGids" {
	cfg '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [10, 29]}'
	run_ctr 'id -u; id -g; cat /proc/self/status'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1000 ]
	[ "$(status_field "$output" Uid)" = "1000 1000 1000 1000" ]
	[ "$(status_field "$output" Gid)" = "1000 1000 1000 1000" ]
	groups=$(status_field "$output" Groups)
	[ "$(echo $groups | tr ' ' '\n' | sort -n | xargs)" = "10 29" ]
}

@test "process.user: no additionalGids means no supplementary groups" {
	cfg '.process.user = {"uid": 1000, "gid": 1000}'
	run_ctr 'cat /proc/self/status'
	[ "$status" -eq 0 ]
	[ -z "$(status_field "$output" Groups | tr -d ' \t')" ]
}

@test "process.user: a non-root user cannot write root-owned files" {
	cfg '.process.user = {"uid": 1000, "gid": 1000}'
	run_ctr '{ echo x >> /etc/passwd; } 2>/dev/null && echo WROTE; echo y > /tmp/mine && echo tmp-ok'
	[ "$status" -eq 0 ]
	[ "$output" = tmp-ok ]
	[ "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/mine")" = 1000:1000 ]
}

@test "process.user.umask: applied to the process" {
	cfg '.process.user.umask = 63'
	run_ctr 'umask; touch /tmp/f; stat -c %a /tmp/f'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0077 ]
	[ "${lines[1]}" = 600 ]
}

@test "process.user.umask: a different value" {
	cfg '.process.user.umask = 2'
	run_ctr 'umask'
	[ "$status" -eq 0 ]
	[ "$output" = 0002 ]
}

@test "process.rlimits: soft and hard limits, checked with ulimit and /proc/self/limits" {
	cfg '.process.rlimits = [
		{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 768},
		{"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
		{"type": "RLIMIT_NPROC", "soft": 4000, "hard": 5000}]'
	run_ctr 'ulimit -n; ulimit -Hn; cat /proc/self/limits'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 512 ]
	[ "${lines[1]}" = 768 ]
	echo "$output" | grep -E '^Max open files +512 +768 '
	echo "$output" | grep -E '^Max core file size +0 +0 '
	echo "$output" | grep -E '^Max processes +4000 +5000 '
}

@test "capabilities: a non-root process gets exactly the configured sets" {
	# CHOWN=0 KILL=5 SETUID=7 NET_BIND_SERVICE=10 AUDIT_WRITE=29.
	# For a non-root process, exec keeps inheritable and bounding, and
	# permitted = effective = ambient (ambient must be in permitted and
	# inheritable), so the config uses effective = permitted = ambient.
	cfg '.process.user = {"uid": 1000, "gid": 1000}
		| .process.capabilities = {
			"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"],
			"inheritable": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"ambient": ["CAP_KILL", "CAP_NET_BIND_SERVICE"]}'
	run_ctr 'cat /proc/self/status'
	[ "$status" -eq 0 ]
	[ "$(status_field "$output" CapBnd)" = "$(capmask 0 5 7 10 29)" ]
	[ "$(status_field "$output" CapInh)" = "$(capmask 0 5 10)" ]
	[ "$(status_field "$output" CapPrm)" = "$(capmask 5 10)" ]
	[ "$(status_field "$output" CapEff)" = "$(capmask 5 10)" ]
	[ "$(status_field "$output" CapAmb)" = "$(capmask 5 10)" ]
}

@test "capabilities: root is limited by the bounding set" {
	cfg '.process.capabilities = {
			"bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE"]}'
	run_ctr 'cat /proc/self/status'
	[ "$status" -eq 0 ]
	[ "$(status_field "$output" CapBnd)" = "$(capmask 5 10)" ]
	[ "$(status_field "$output" CapEff)" = "$(capmask 5 10)" ]
	[ "$(status_field "$output" CapPrm)" = "$(capmask 5 10)" ]
	[ "$(status_field "$output" CapAmb)" = "$(capmask)" ]
}

@test "capabilities: without CAP_CHOWN root cannot chown, with it it can" {
	run_ctr 'touch /tmp/f; chown 1000 /tmp/f 2>/dev/null && echo CHOWNED; true'
	[ "$status" -eq 0 ]
	[[ "$output" != *CHOWNED* ]]
	cfg '.process.capabilities.bounding += ["CAP_CHOWN"] | .process.capabilities.effective += ["CAP_CHOWN"] | .process.capabilities.permitted += ["CAP_CHOWN"]'
	run_ctr 'touch /tmp/g; chown 1000 /tmp/g && echo CHOWNED'
	[ "$status" -eq 0 ]
	[ "$output" = CHOWNED ]
}

@test "capabilities: an empty capabilities object drops everything" {
	cfg '.process.capabilities = {} | .process.user = {"uid": 1000, "gid": 1000}'
	run_ctr 'cat /proc/self/status'
	[ "$status" -eq 0 ]
	for f in CapBnd CapInh CapPrm CapEff CapAmb; do
		[ "$(status_field "$output" "$f")" = "$(capmask)" ]
	done
}

@test "noNewPrivileges: true sets NoNewPrivs" {
	cfg '.process.noNewPrivileges = true'
	run_ctr 'grep NoNewPrivs /proc/self/status'
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "NoNewPrivs: 1" ]
}

@test "noNewPrivileges: false leaves NoNewPrivs at 0" {
	cfg '.process.noNewPrivileges = false'
	run_ctr 'grep NoNewPrivs /proc/self/status'
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "NoNewPrivs: 0" ]
}

@test "oomScoreAdj: written to /proc/self/oom_score_adj" {
	cfg '.process.oomScoreAdj = 500'
	run_ctr 'cat /proc/self/oom_score_adj'
	[ "$status" -eq 0 ]
	[ "$output" = 500 ]
}

@test "oomScoreAdj: a negative value" {
	# Lowering the score needs CAP_SYS_RESOURCE (bit 24) on the host side.
	eff=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
	(( (0x$eff >> 24) & 1 )) || skip "no CAP_SYS_RESOURCE here: a negative oomScoreAdj cannot be set"
	cfg '.process.oomScoreAdj = -200'
	run_ctr 'cat /proc/self/oom_score_adj'
	[ "$status" -eq 0 ]
	[ "$output" = -200 ]
}

@test "process: stdin is /dev/null-like when the caller gives /dev/null" {
	run_ctr 'cat; echo eof'
	[ "$status" -eq 0 ]
	[ "$output" = eof ]
}

@test "process: the container process is in a new session (setsid)" {
	add_shared
	set_cmd 'echo $$ > /shared/ready; while [ ! -e /shared/go ]; do sleep 0.1; done'
	id=$(new_id)
	create_ctr "$id"
	runtime start "$id"
	wait_file "$T/shared/ready"
	pid=$(pid_of "$id")
	# Field 6 of /proc/PID/stat (after the comm) is the session id.
	sid=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $4}')
	[ "$sid" = "$pid" ]
	touch "$T/shared/go"
	wait_status "$id" stopped
}
