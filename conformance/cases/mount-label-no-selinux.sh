#!/usr/bin/env bash
# linux.mountLabel on a host without SELinux (engines send one): ignored,
# the container runs (runc ignores it there too).
. "$(dirname "$0")/../lib.sh"

[ ! -e /sys/fs/selinux/enforce ] || skip "this host has SELinux"
cfg '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
run_ok 'echo ok'
expect_eq "$OUT" ok "output"
pass
