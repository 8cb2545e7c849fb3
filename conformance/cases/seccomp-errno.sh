#!/usr/bin/env bash
# seccomp: an SCMP_ACT_ERRNO rule returns its errnoRet (EPERM without one)
. "$(dirname "$0")/../lib.sh"

cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
	{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95},
	{"names": ["rmdir"], "action": "SCMP_ACT_ERRNO"}]}'
mkdir "$BUNDLE/rootfs/tmp/d"
run_fg 'exec 2>&1; mkdir /tmp/x; rmdir /tmp/d; touch /tmp/f && echo other-calls-work'
expect_eq "$OUT" "mkdir: can't create directory '/tmp/x': Operation not supported
rmdir: '/tmp/d': Operation not permitted
other-calls-work" "output"
[ ! -e "$BUNDLE/rootfs/tmp/x" ] || fail "mkdir went through"
pass
