#!/usr/bin/env bats
# The cgroup v2 controllers enforced and observed from inside a container,
# on a pure v2 host with systemd as PID 1 (the guest of scripts/vm.sh; run
# by tests/run-vm). Each container gets a cgroup namespace and cgroup2
# mounted at /sys/fs/cgroup, so what it reads there is its own cgroup.
# Only for a pure v2 host: tests/run-integration does not run this file.

load ../lib/bundle

setup() {
	setup_common
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] ||
		skip "not a pure cgroup v2 host (tests/run-vm boots one)"
	LOOP=
	cfg '.linux.namespaces += [{"type": "cgroup"}]
		| .mounts += [{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
			"options": ["nosuid", "noexec", "nodev", "rw"]}]'
}

teardown() {
	local rc=0
	teardown_common || rc=$?
	[ -z "${LOOP:-}" ] || losetup -d "$LOOP" || rc=1
	return $rc
}

@test "vm: systemd is PID 1 and only the unified hierarchy is mounted, with every controller" {
	[ "$(cat /proc/1/comm)" = systemd ]
	run awk '{ for (i = 1; i <= NF && $i != "-"; i++) ; if ($(i + 1) == "cgroup") print $5 }' /proc/self/mountinfo
	[ -z "$output" ]
	for c in memory cpu io pids cpuset hugetlb; do
		grep -qw "$c" /sys/fs/cgroup/cgroup.controllers
	done
	# the kernel has what agentrun uses (the guest's 6.1 is older than most
	# hosts of this project)
	[ -e /sys/fs/cgroup/system.slice/cgroup.kill ]
}

@test "vm: memory.max OOM-kills the allocation inside, memory.events counts it" {
	cfg '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
	run_ctr 'cd /sys/fs/cgroup; echo max=$(cat memory.max) swap=$(cat memory.swap.max)
		dd if=/dev/zero of=/dev/null bs=96M count=1; echo dd=$?; grep oom_kill memory.events'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"max=33554432 swap=0"* ]]
	[[ "$output" == *dd=137* ]]
	[[ "$output" =~ oom_kill\ [1-9] ]]
}

@test "vm: memory.high throttles and reclaims (memory.events high), memory.low and swap are set" {
	add_shared
	# page cache above memory.high is reclaimed, not OOM-killed
	cfg '.linux.resources.memory = {"limit": 134217728, "reservation": 8388608, "swap": 150994944}
		| .linux.resources.unified = {"memory.high": "16777216"}'
	run_ctr 'cd /sys/fs/cgroup; echo high=$(cat memory.high) low=$(cat memory.low) swap=$(cat memory.swap.max)
		dd if=/dev/zero of=/shared/big bs=1M count=64 2>/dev/null; echo dd=$?; sync
		grep -E "^(high|oom_kill) " memory.events'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"high=16777216 low=8388608 swap=16777216"* ]]
	[[ "$output" == *dd=0* ]]
	[[ "$output" =~ high\ [1-9] ]]
	[[ "$output" == *"oom_kill 0"* ]]
}

@test "vm: cpu.max throttles a busy loop inside (cpu.stat nr_throttled), cpu.weight from shares" {
	cfg '.linux.resources.cpu = {"quota": 10000, "period": 100000, "shares": 1024}'
	run_ctr 'cd /sys/fs/cgroup; echo max=$(cat cpu.max) weight=$(cat cpu.weight)
		timeout 2 sh -c "while :; do :; done"; grep nr_throttled cpu.stat'
	echo "$output"
	[[ "$output" == *"max=10000 100000 weight=39"* ]]
	[[ "$output" =~ nr_throttled\ [1-9] ]]
}

@test "vm: update changes memory.max, cpu.max and pids.max seen inside a running container" {
	add_shared
	cfg '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 100}
		| .linux.resources.cpu = {"quota": 50000, "period": 100000}'
	start_ctr 'while :; do cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max >/shared/v.tmp; mv /shared/v.tmp /shared/v; sleep 0.2; done'
	wait_file "$T/shared/v"
	runtime update --memory 128m --pids-limit 42 --cpu-quota 20000 "$ID"
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(tr '\n' ' ' <"$T/shared/v")" = "134217728 20000 100000 42 " ] && break
		sleep 0.1
	done
	[ "$(tr '\n' ' ' <"$T/shared/v")" = "134217728 20000 100000 42 " ]
	runtime delete -f "$ID"
}

@test "vm: io.max and io.weight on a loop device, its reads accounted in io.stat inside" {
	truncate -s 8M "$T/disk"
	LOOP=$(losetup -f --show "$T/disk")
	local mm maj min
	mm=$(stat -Lc '%t:%T' "$LOOP")
	maj=$((16#${mm%:*})) min=$((16#${mm#*:}))
	cfg '.linux.devices += [{"path": "/dev/vdisk", "type": "b", "major": $maj, "minor": $min, "fileMode": 432}]
		| .linux.resources.devices += [{"allow": true, "type": "b", "major": $maj, "minor": $min, "access": "rw"}]
		| .linux.resources.blockIO = {"weight": 500,
			"throttleReadBpsDevice": [{"major": $maj, "minor": $min, "rate": 4194304}],
			"throttleWriteIOPSDevice": [{"major": $maj, "minor": $min, "rate": 100}]}' \
		--argjson maj "$maj" --argjson min "$min"
	run_ctr 'cd /sys/fs/cgroup; grep "^'"$maj:$min"' " io.max; cat io.weight io.bfq.weight 2>/dev/null | grep default
		dd if=/dev/vdisk of=/dev/null bs=64k count=32 2>/dev/null; echo dd=$?; grep "^'"$maj:$min"' " io.stat'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$maj:$min rbps=4194304 wbps=max riops=max wiops=100"* ]]
	# io.bfq.weight (bfq) takes 500 as is; io.weight 1..10000 by runc's
	# conversion 1 + (500 - 10) * 9999 / 990
	[[ "$output" =~ default\ (500|4950) ]]
	[[ "$output" == *dd=0* ]]
	[[ "$output" =~ $maj:$min\ rbytes=[1-9] ]]
}

@test "vm: pids.max makes fork fail inside, pids.events counts it" {
	cfg '.linux.resources.pids = {"limit": 5}'
	# the shell that cannot fork gives up: a subshell; read is a builtin
	run_ctr 'cd /sys/fs/cgroup; read -r p <pids.max; echo pids=$p
		(for i in 1 2 3 4 5 6 7 8; do sleep 30 & done)
		while read -r l; do echo "ev $l"; done <pids.events'
	echo "$output"
	[[ "$output" == *pids=5* ]]
	[[ "$output" == *"can't fork"* ]] || [[ "$output" == *"Resource temporarily unavailable"* ]]
	[[ "$output" =~ ev\ max\ [1-9] ]]
}

@test "vm: cpuset pins the container to one cpu and one memory node" {
	[ "$(nproc --all)" -ge 2 ] || skip "one cpu: nothing to restrict"
	cfg '.linux.resources.cpu = {"cpus": "1", "mems": "0"}'
	run_ctr 'cd /sys/fs/cgroup; echo cpus=$(cat cpuset.cpus) eff=$(cat cpuset.cpus.effective) mems=$(cat cpuset.mems); grep Cpus_allowed_list /proc/self/status'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"cpus=1 eff=1 mems=0"* ]]
	[[ "$output" =~ Cpus_allowed_list:[[:space:]]+1$ ]]
}

@test "vm: hugetlb.2MB.max refuses a huge page beyond the limit inside" {
	[ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)" -ge 4 ] ||
		skip "fewer than 4 free 2MB huge pages (the guest boots with hugepages=16)"
	mkdir "$T/huge"
	mount -t hugetlbfs -o pagesize=2M none "$T/huge"
	track_mount "$T/huge"
	cfg '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 2097152}]
		| .mounts += [{"destination": "/huge", "type": "bind", "source": $h, "options": ["bind", "rw"]}]' \
		--arg h "$T/huge"
	run_ctr 'echo max=$(cat /sys/fs/cgroup/hugetlb.2MB.max); fallocate -l 2097152 /huge/a && echo first-ok
		fallocate -l 2097152 /huge/b && echo second-ok; grep max /sys/fs/cgroup/hugetlb.2MB.events; rm -f /huge/a /huge/b'
	echo "$output"
	[[ "$output" == *max=2097152* ]]
	[[ "$output" == *first-ok* ]]
	[[ "$output" != *second-ok* ]]
	[[ "$output" =~ max\ [1-9] ]]
}

@test "vm: events --stats reports memory, pids and cpu of the unified cgroup" {
	cfg '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 50}'
	start_ctr 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 100'
	sleep 1
	run runtime events --stats "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.type == "stats" and .data.cpu.usage.total > 0 and .data.memory.usage.usage > 0
		and .data.memory.usage.limit == 67108864 and .data.pids.current >= 1 and .data.pids.limit == 50'
	runtime delete -f "$ID"
}
