#!/usr/bin/env bash
# process.selinuxLabel on a host without SELinux: refused (the process would
# run without the confinement asked for); runc refuses it the same way.
. "$(dirname "$0")/../lib.sh"

[ ! -e /sys/fs/selinux/enforce ] || skip "this host has SELinux"
cfg '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
run_fg 'echo RAN'
[ "$RC" -ne 0 ] || fail "a process label without SELinux was accepted"
[[ "$OUT" != *RAN* ]] || fail "the process ran"
pass
