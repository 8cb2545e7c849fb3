#!/usr/bin/env bash
# seccomp: SCMP_ACT_KILL kills the caller with SIGSYS (run exits 128+31)
. "$(dirname "$0")/../lib.sh"

cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
	{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}]}'
# a child of the shell: the shell sees it killed by SIGSYS
run_fg 'mkdir /tmp/x; echo status=$?'
expect_eq "$RC" 0 "run exit code"
expect_eq "$(tail -n 1 <<<"$OUT")" status=159 "the killed child's status"
# the container process itself
set_args mkdir /tmp/x
run_fg
expect_eq "$RC" 159 "run exit code of a process killed by seccomp"
pass
