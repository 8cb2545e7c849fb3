#!/usr/bin/env bats
# Attack tests: fail closed on mounts that cannot be made. Without a mount
# namespace nothing of .mounts can be applied: a container that expects a
# read-only bind of its workspace, a tmpfs over a host directory or a
# fresh /proc would silently run on the host's view instead (runc skips
# them). agentrun refuses the config.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

@test "fail closed: .mounts without a mount namespace are refused, not skipped" {
	mkdir -p "$T/src"
	echo MOUNTED >"$T/src/marker"
	cfg 'del(.linux.namespaces[] | select(.type == "mount"))
		| .linux.maskedPaths = [] | .linux.readonlyPaths = []
		| .mounts = [{"destination": "/data", "type": "bind", "source": $s, "options": ["rbind", "ro"]}]' \
		--arg s "$T/src"
	run_ctr 'cat /data/marker 2>/dev/null; echo RAN'
	[ "$status" -ne 0 ]
	[[ "$output" == *"config.json: .mounts: needs a mount namespace"* ]]
	[[ "$output" != *RAN* ]]
	# with no mounts it runs (the rule is about .mounts alone)
	cfg '.mounts = []'
	run_ctr 'echo RAN'
	[ "$status" -eq 0 ]
	[ "$output" = RAN ]
}
