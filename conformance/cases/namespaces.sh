#!/usr/bin/env bash
# configured namespaces differ from the host's, omitted ones are shared
. "$(dirname "$0")/../lib.sh"

cfg 'del(.linux.namespaces[] | select(.type == "ipc"))'
run_ok 'for n in pid net uts mnt ipc; do readlink /proc/self/ns/$n; done'
i=1
for n in pid net uts mnt; do
	[ "$(sed -n ${i}p <<<"$OUT")" != "$(readlink /proc/self/ns/$n)" ] || fail "$n namespace is the host's"
	i=$((i + 1))
done
expect_eq "$(sed -n 5p <<<"$OUT")" "$(readlink /proc/self/ns/ipc)" "ipc (not configured) shared with host"
pass
