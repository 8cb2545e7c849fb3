#!/usr/bin/env bats
# agentrun run by a real unprivileged user (no capabilities), created by
# this file with useradd (subuid/subgid ranges) and removed at its end.

load ../lib/bundle
load ../lib/rootless

setup_file() { rl_user_create; }
teardown_file() { rl_user_remove; }
setup() {
	setup_common
	rl_setup
}
teardown() {
	rl_teardown
	teardown_common
}

# one_line: $output is exactly one line (the refusal message)
one_line() {
	[ -n "$output" ] && [ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
}

@test "rootless: run of /bin/true, the agent profile, 200 times in a row as a plain user (the uid_map race)" {
	rl_bundle "$T/b"
	CONFIG=$T/b/config.json cfg '.process.args = ["/bin/true"]'
	local i fails=0 first=
	for i in $(seq 200); do
		rl_track "race$i"
		if ! out=$(ar run --bundle "$T/b" "race$i" </dev/null 2>&1); then
			fails=$((fails + 1))
			[ -n "$first" ] || first="run $i: $out"
		fi
	done
	echo "failures: $fails of 200; first: $first" >&2
	[ "$fails" -eq 0 ]
	# nothing left behind in the state directory
	[ -z "$(ls -A "$RL_XDG/agentrun" 2>/dev/null)" ]
}
