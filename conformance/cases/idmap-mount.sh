#!/usr/bin/env bash
# an idmapped bind mount (mount uidMappings/gidMappings): files owned by
# uid 0 on disk show the mapped owner
. "$(dirname "$0")/../lib.sh"

mkdir -p "$WORK/idm"
touch "$WORK/idm/f"
chown 0:0 "$WORK/idm/f"
cfg '.mounts += [{"destination": "/idm", "type": "bind", "source": $s, "options": ["bind", "idmap"],
	"uidMappings": [{"containerID": 0, "hostID": 2345, "size": 1}],
	"gidMappings": [{"containerID": 0, "hostID": 2345, "size": 1}]}]' --arg s "$WORK/idm"
run_fg 'stat -c "%u:%g" /idm/f'
[ "$RC" -eq 0 ] || skip "idmapped mounts not supported by this runtime: $ERR"
[ "$OUT" != "0:0" ] || skip "this runtime ignores a mount's id mappings"
expect_eq "$OUT" "2345:2345" "owner seen through the idmapped mount"
expect_eq "$(stat -c %u:%g "$WORK/idm/f")" "0:0" "owner on the host"
pass
