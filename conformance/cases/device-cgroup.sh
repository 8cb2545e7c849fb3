#!/usr/bin/env bash
# linux.resources.devices: a host device bind-mounted into the container is
# refused unless an allow rule names it, and only with the access it grants.
# agentrun runs it twice: as the host's layout gives (v1 devices cgroup here)
# and with AGENTRUN_CGROUP_MODE=unified (the cgroup v2 eBPF device program).
. "$(dirname "$0")/../lib.sh"

[ -c /dev/fuse ] || skip "no /dev/fuse on this host"
add_mount /dev/fuse bind /dev/fuse bind
probe='(: < /dev/fuse) 2>/dev/null && echo r-ok || echo r-no; (: > /dev/fuse) 2>/dev/null && echo w-ok || echo w-no'

# expect RULES WHAT R W: with linux.resources.devices = deny-all + RULES
expect() {
	cfg '.linux.resources.devices = [{"allow": false, "access": "rwm"}] + '"$1"
	run_ok "$probe"
	expect_eq "$OUT" "$(printf 'r-%s\nw-%s' "$3" "$4")" "$MODE: $2"
}

allow_r='{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "r"}'
allow_w='{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "w"}'
deny_r='{"allow": false, "type": "c", "major": 10, "minor": 229, "access": "r"}'
deny_major='{"allow": false, "type": "c", "major": 10, "access": "rwm"}'

# v1's rules: exceptions are keyed by type and numbers; an allow adds
# access to its key, a deny takes access away from the same key only
check() {
	expect '[]' "deny-all" no no
	expect "[$allow_r]" "allow c 10:229 r" ok no
	expect "[$allow_r, $deny_major]" "then deny c 10:* (another key)" ok no
	expect "[$allow_r, $allow_w]" "allow r, then allow w (merged)" ok ok
	expect "[$allow_r, $allow_w, $deny_r]" "then deny r of the same key" no ok
}

MODE="host cgroups"
check
if "$RUNTIME" --version 2>/dev/null | grep -q '^agentrun'; then
	AGENTRUN_CGROUP_MODE=unified
	export AGENTRUN_CGROUP_MODE
	MODE="AGENTRUN_CGROUP_MODE=unified"
	check
fi
pass
