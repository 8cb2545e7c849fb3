#!/usr/bin/env bash
# linux.netDevices: a host interface moved into the container, renamed,
# its address kept and up; gone with the container's network namespace
. "$(dirname "$0")/../lib.sh"

dev=cnf$$a
ip link add "$dev" type veth peer name "cnf$$b" 2>/dev/null || skip "cannot make a veth pair here"
trap 'ip link del "$dev" 2>/dev/null || true' EXIT
ip addr add 192.0.2.88/24 dev "$dev"
cfg '.linux.netDevices = {($d): {"name": "ctr0"}}' --arg d "$dev"
run_fg 'ip -o addr show ctr0; ip -o link show ctr0'
if [ "$RC" -ne 0 ]; then
	# runtimes older than runtime-spec 1.3 ignore or refuse netDevices
	ip link show "$dev" >/dev/null 2>&1 && skip "netDevices not applied by this runtime"
	fail "run exited $RC: $ERR"
fi
case "$OUT" in *192.0.2.88/24*) ;; *) fail "address not kept: $OUT" ;; esac
case "$OUT" in *UP*) ;; *) fail "not up: $OUT" ;; esac
if ip link show "$dev" >/dev/null 2>&1; then
	# the runtime ignored netDevices: the interface never moved
	skip "netDevices ignored by this runtime"
fi
pass
