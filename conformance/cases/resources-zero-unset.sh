#!/usr/bin/env bash
# linux.resources zeros that engines send for "not set" (docker sends
# blockIO.weight 0, cpu.shares 0, memory.swappiness -1 ...): runc writes
# nothing for them, so the container starts and keeps the cgroup defaults.
# Each value is tried alone (a failure names it), then all together with the
# cgroup files read from the host while the container runs.
. "$(dirname "$0")/../lib.sh"

zeros=(
	'.blockIO.weight = 0'
	'.blockIO.leafWeight = 0'
	'.blockIO.weightDevice = [{"major": 1, "minor": 3, "weight": 0, "leafWeight": 0}]'
	'.cpu.shares = 0'
	'.cpu.quota = 0'
	'.cpu.period = 0'
	'.cpu.quota = 0 | .cpu.period = 0'
	'.cpu.realtimeRuntime = 0'
	'.cpu.realtimePeriod = 0'
	'.cpu.cpus = "" | .cpu.mems = ""'
	'.memory.limit = 0'
	'.memory.reservation = 0'
	'.memory.swap = 0'
	'.memory.kernel = 0'
	'.memory.kernelTCP = 0'
	'.memory.swappiness = "SWAPPINESS_MINUS_ONE"'
	'.memory.disableOOMKiller = false'
	'.network.classID = 0'
)
# swappiness -1 as the spec's uint64 (jq would round 2^64-1 to a float)
uint64_minus_one() {
	sed -i 's/"SWAPPINESS_MINUS_ONE"/18446744073709551615/' "$BUNDLE/config.json"
}
set_cmd 'echo ok'
cp "$BUNDLE/config.json" "$WORK/config.orig"
all=.
for z in "${zeros[@]}"; do
	cp "$WORK/config.orig" "$BUNDLE/config.json"
	cfg ".linux.resources |= ($z)"
	uint64_minus_one
	run_fg
	[ "$RC" -eq 0 ] && [ "$OUT" = ok ] || fail "linux.resources$z: run exited $RC: $ERR"
	all="$all | $z"
done

# cg_file PID CONTROLLER FILE: the v1 file of PID's cgroup, as the host sees it
cg_file() {
	local path mnt
	path=$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$1/cgroup")
	mnt=$(awk -v c="$2" '$9 == "cgroup" { n = split($NF, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) { print $5; exit } }' /proc/self/mountinfo)
	[ -n "$path" ] && [ -n "$mnt" ] || return 1
	cat "$mnt$path/$3"
}

cp "$WORK/config.orig" "$BUNDLE/config.json"
add_shared
set_cmd "$WAIT_GO"
cfg ".linux.resources |= ($all)"
uint64_minus_one
id=$(new_id)
run_d "$id"
wait_file "$WORK/shared/ready"
pid=$(pid_of "$id")
checked=0
if v=$(cg_file "$pid" cpu cpu.shares); then
	expect_eq "$v" 1024 "cpu.shares (the default) with shares 0"
	checked=$((checked + 1))
fi
if v=$(cg_file "$pid" cpu cpu.cfs_quota_us); then
	expect_eq "$v" -1 "cpu.cfs_quota_us with quota 0"
	checked=$((checked + 1))
fi
if v=$(cg_file "$pid" memory memory.limit_in_bytes); then
	[ "$v" -gt $((1 << 50)) ] || fail "memory.limit_in_bytes $v with limit 0"
	checked=$((checked + 1))
fi
if v=$(cg_file "$pid" memory memory.oom_control); then
	grep -qx 'oom_kill_disable 0' <<<"$v" || fail "memory.oom_control: $v"
	checked=$((checked + 1))
fi
touch "$WORK/shared/go"
wait_gone "$pid"
[ "$checked" -gt 0 ] || skip "no cgroup v1 cpu or memory controller to read the values from"
pass
