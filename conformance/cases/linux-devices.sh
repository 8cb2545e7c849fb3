#!/usr/bin/env bash
# linux.devices: a char device node with its major, minor, mode and owner
. "$(dirname "$0")/../lib.sh"

cfg '.linux.devices = [{"path": "/dev/conf-null", "type": "c", "major": 1, "minor": 3,
	"fileMode": 432, "uid": 0, "gid": 0}] |
	.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
run_ok 'stat -c "%t:%T %a %u" /dev/conf-null; echo x > /dev/conf-null && echo written'
expect_eq "$OUT" "$(printf '1:3 660 0\nwritten')" "device node"
pass
