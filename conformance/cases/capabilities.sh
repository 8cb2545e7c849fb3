#!/usr/bin/env bash
# capability sets from config appear in /proc/self/status
. "$(dirname "$0")/../lib.sh"

cfg '.process.user = {"uid": 1000, "gid": 1000}
	| .process.capabilities = {
		"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"inheritable": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"permitted": ["CAP_KILL"], "effective": ["CAP_KILL"], "ambient": ["CAP_KILL"]}'
run_ok 'cat /proc/self/status'
expect_eq "$(status_field "$OUT" CapBnd)" "$(capmask 0 5 10)" CapBnd
expect_eq "$(status_field "$OUT" CapInh)" "$(capmask 5 10)" CapInh
expect_eq "$(status_field "$OUT" CapPrm)" "$(capmask 5)" CapPrm
expect_eq "$(status_field "$OUT" CapEff)" "$(capmask 5)" CapEff
expect_eq "$(status_field "$OUT" CapAmb)" "$(capmask 5)" CapAmb
pass
