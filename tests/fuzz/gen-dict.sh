#!/usr/bin/env bash
# Regenerate config.dict: the member names of spec/parse.c's field tables
# and the enum strings of spec/validate.c, as libFuzzer dictionary entries.
set -euo pipefail
cd "$(dirname "$0")/../.."
{
	echo "# libFuzzer dictionary: config.json member names and enum values"
	echo "# (generated from spec/parse.c and spec/validate.c by gen-dict.sh)"
	grep -oE 'FIELD_[A-Z_]+\("[A-Za-z0-9_.]+"' spec/parse.c | sed -E 's/.*\("//; s/"$//' | sort -u |
		awk '{ printf "\"\\\"%s\\\":\"\n", $0 }'
	grep -oE '"(SCMP|SECCOMP|RLIMIT|SCHED|IOPRIO|MPOL|CAP)_[A-Z0-9_]+"' spec/validate.c | sort -u
	for w in pid network mount ipc uts user cgroup time private shared slave unbindable \
		bind tmpfs proc rbind ro rw nosuid idmap rro rrw LINUX LINUX32 MB: 1.3.0 \
		'{' '}' '[' ']' ',' ':' true false null '-1' '0' '4294967295' '18446744073709551615'; do
		printf '"%s"\n' "$w"
	done
	printf '"\\"\\\\u0000\\""\n'
	for t in '"agentrun-criu 1\x0a"' '"mount\x09"' '"fd\x09"' '"netns\x09new"' \
		'"agentrun-cgroup-1;"' '"hca_handle="'; do
		echo "$t"
	done
} >tests/fuzz/config.dict
