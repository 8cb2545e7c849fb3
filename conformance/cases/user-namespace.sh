#!/usr/bin/env bash
# user namespace with uid/gid mappings
. "$(dirname "$0")/../lib.sh"

cfg '.linux.namespaces += [{"type": "user"}]
	| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
	| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
run_ok 'cat /proc/self/uid_map /proc/self/gid_map; id -u'
expect_eq "$(sed -n 1p <<<"$OUT" | xargs)" "0 100000 65536" "uid_map"
expect_eq "$(sed -n 2p <<<"$OUT" | xargs)" "0 100000 65536" "gid_map"
expect_eq "$(sed -n 3p <<<"$OUT")" 0 "uid inside"
pass
