#!/usr/bin/env bats
# Attack tests: the agent profile's seccomp allowlist (spec/agent_seccomp.c).
# The container is `spec --profile agent` on the busybox rootfs; a static
# prober (helpers/sysprobe.c) makes raw syscalls, with hostile arguments
# (upper 32 bits set where the kernel reads 32), and prints what the filter
# answered. Syscall numbers are x86_64's.

load ../lib/bundle

setup() {
	setup_common
	[ "$(uname -m)" = x86_64 ] || skip "syscall numbers here are x86_64's"
	command -v gcc >/dev/null || skip "gcc not installed (the prober is C)"
	rm -f "$BUNDLE/config.json"
	mkdir -p "$BUNDLE/rootfs/work"
	make_traversable
	runtime spec --profile agent --bundle "$BUNDLE"
	local bin=${BATS_RUN_TMPDIR:-/tmp}/sysprobe
	(
		flock 9
		[ -x "$bin" ] || gcc -static -O2 -o "$bin" "$BATS_TEST_DIRNAME/helpers/sysprobe.c"
	) 9>"$bin.lock"
	cp "$bin" "$BUNDLE/rootfs/bin/sysprobe"
	chmod 755 "$BUNDLE/rootfs/bin/sysprobe"
}

teardown() {
	teardown_common
}

# probe LABEL NR ARGS...: one line "LABEL errno=N" or "LABEL ret=N" in the script
probe() {
	local label=$1
	shift
	echo "echo $label \$(sysprobe $*);"
}

# the answer for LABEL in $output
answer() {
	local l
	for l in "${lines[@]}"; do
		[[ "$l" == "$1 "* ]] && { echo "${l#"$1 "}"; return; }
	done
	echo missing
}

@test "seccomp allowlist: a syscall not on the list fails with ENOSYS, so programs fall back" {
	# clone3 (435) with no arguments: EINVAL from the kernel, ENOSYS from the
	# filter (glibc then uses clone); get_thread_area (211): EFAULT/EINVAL
	# from the kernel
	run_ctr "$(probe clone3 435 0 0)$(probe gta 211 0)"
	[ "$status" -eq 0 ]
	[ "$(answer clone3)" = errno=38 ]
	[ "$(answer gta)" = errno=38 ]
	# the config says so
	[ "$(jq -r '.linux.seccomp.defaultAction' "$BUNDLE/config.json")" = SCMP_ACT_ERRNO ]
	[ "$(jq -r '.linux.seccomp.defaultErrnoRet' "$BUNDLE/config.json")" = 38 ]
}

@test "seccomp allowlist: no new namespace by clone or unshare (EPERM); fds and fs may be unshared" {
	# CLONE_NEWUSER 0x10000000, CLONE_NEWNS 0x20000, CLONE_NEWNET 0x40000000,
	# CLONE_NEWPID 0x20000000, CLONE_NEWTIME 0x80; SIGCHLD 17;
	# CLONE_FILES 0x400, CLONE_FS 0x200
	run_ctr "$(probe u-user 272 0x10000000)$(probe u-ns 272 0x20000)$(probe u-net 272 0x40000000)$(probe u-time 272 0x80)$(probe u-hi 272 0x100000000010000000)$(probe c-user 56 0x10000011)$(probe c-pid 56 0x20000011)$(probe c-ipc 56 0x08000011)$(probe c-plain 56 17)$(probe u-files 272 0x600)
		unshare -U true 2>&1; echo unshare-cmd \$?; unshare -m true 2>&1; echo unshare-m \$?"
	[ "$status" -eq 0 ]
	for l in u-user u-ns u-net u-time c-user c-pid c-ipc; do
		[ "$(answer $l)" = errno=1 ] || { echo "$l: $(answer $l)"; false; }
	done
	# upper bits set: the kernel refuses them itself (EINVAL), never a namespace
	[ "$(answer u-hi)" = errno=1 ] || [ "$(answer u-hi)" = errno=22 ]
	[[ "$(answer c-plain)" == ret=* ]]
	[ "$(answer u-files)" = ret=0 ]
	[ "$(answer unshare-cmd)" != 0 ]
	[ "$(answer unshare-m)" != 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "seccomp allowlist: TIOCSTI and TIOCLINUX refused (EPERM), also with upper bits set; other ioctls work" {
	# on stdin (not a tty): ENOTTY (25) if the filter let it through
	run_ctr "$(probe sti 16 0 0x5412 @buf)$(probe sti-hi 16 0 0x100005412 @buf)$(probe sti-hi2 16 0 0xffffffff00005412 @buf)$(probe linux 16 0 0x541c @buf)$(probe linux-hi 16 0 0x80000000541c @buf)$(probe tcgets 16 0 0x5401 @buf)$(probe fionread 16 0 0x541b @buf)$(probe big 16 0 0x80045430 @buf)"
	[ "$status" -eq 0 ]
	for l in sti sti-hi sti-hi2 linux linux-hi; do
		[ "$(answer $l)" = errno=1 ] || { echo "$l: $(answer $l)"; false; }
	done
	# allowed requests reach the driver (stdin is /dev/null: ENOTTY)
	[ "$(answer tcgets)" = errno=25 ]
	[ "$(answer big)" = errno=25 ]
	[ "$(answer fionread)" != errno=1 ] && [ "$(answer fionread)" != errno=38 ]
}

@test "seccomp allowlist: sockets only of unix, inet, inet6 and netlink-route" {
	# AF_PACKET 17, AF_VSOCK 40, AF_ALG 38, AF_KEY 15, AF_BLUETOOTH 31; SOCK_RAW 3,
	# SOCK_STREAM 1, SOCK_DGRAM 2; NETLINK_KOBJECT_UEVENT 15, NETLINK_AUDIT 9
	run_ctr "$(probe packet 41 17 3 0)$(probe packet-hi 41 0x100000011 3 0)$(probe vsock 41 40 1 0)$(probe alg 41 38 5 0)$(probe key 41 15 3 2)$(probe bt 41 31 3 0)$(probe unspec 41 0 1 0)$(probe uevent 41 16 2 15)$(probe audit 41 16 3 9)$(probe nl-hi 41 16 3 0x100000000)$(probe pair-inet 53 2 1 0 @buf)$(probe unix 41 1 1 0)$(probe inet 41 2 2 0)$(probe inet6 41 10 1 0)$(probe route 41 16 3 0)$(probe pair 53 1 1 0 @buf)
		ip -o addr 2>&1 | grep -c ' lo '"
	[ "$status" -eq 0 ]
	for l in packet packet-hi vsock alg key bt unspec; do
		[ "$(answer $l)" = errno=97 ] || { echo "$l: $(answer $l)"; false; }
	done
	for l in uevent audit nl-hi; do
		[ "$(answer $l)" = errno=93 ] || { echo "$l: $(answer $l)"; false; }
	done
	[ "$(answer pair-inet)" = errno=38 ]
	for l in unix inet inet6 route pair; do
		[[ "$(answer $l)" == ret=* ]] || { echo "$l: $(answer $l)"; false; }
	done
	[[ "$output" == *$'\n'[12]* ]] # ip read the addresses over NETLINK_ROUTE
}

@test "seccomp allowlist: io_uring, bpf, userfaultfd, perf, keyrings, ptrace, mount API, modules, kexec, file handles refused" {
	# io_uring_setup 425, io_uring_enter 426, bpf 321, userfaultfd 323,
	# perf_event_open 298, add_key 248, keyctl 250, ptrace 101 (PTRACE_TRACEME 0
	# and PTRACE_ATTACH 16 to pid 1), mount 165, fsopen 430, open_tree 428,
	# move_mount 429, init_module 175, finit_module 313, kexec_load 246,
	# open_by_handle_at 304, name_to_handle_at 303, pidfd_getfd 438, setns
	# 308, process_vm_readv 310, pivot_root 155, reboot 169, settimeofday
	# 164, clock_settime 227, swapon 167, acct 163, syslog 103, iopl 172
	run_ctr "$(probe uring 425 8 @buf)$(probe uring-enter 426 0 0 0 0)$(probe bpf 321 0 @buf 0)$(probe ufd 323 0)$(probe perf 298 @buf 0 -1 -1 0)$(probe addkey 248 @path:user @path:k 0 0 -3)$(probe keyctl 250 0 -3)$(probe traceme 101 0 0 0 0)$(probe attach 101 16 1 0 0)$(probe mount 165 @path:none @path:/mnt @path:tmpfs 0 0)$(probe fsopen 430 @path:tmpfs 0)$(probe open-tree 428 -100 @path:/ 1)$(probe move-mount 429 -100 @path:/ -100 @path:/mnt 0)$(probe initmod 175 0 0 @path:)$(probe finitmod 313 0 @path: 0)$(probe kexec 246 0 0 0 0)$(probe byhandle 304 -100 @buf 0)$(probe tohandle 303 -100 @path:/ @buf @buf 0)$(probe getfd 438 0 0 0)$(probe setns 308 0 0)$(probe vmread 310 1 @buf 1 @buf 1 0)$(probe pivot 155 @path:/ @path:/)$(probe reboot 169 0 0 0 0)$(probe settod 164 @buf 0)$(probe clockset 227 0 @buf)$(probe swapon 167 @path:/x 0)$(probe acct 163 0)$(probe syslog 103 3 @buf 10)$(probe iopl 172 3)"
	[ "$status" -eq 0 ]
	for l in uring uring-enter bpf ufd perf addkey keyctl traceme attach mount fsopen open-tree move-mount initmod finitmod kexec byhandle tohandle getfd setns vmread pivot reboot settod clockset swapon acct syslog iopl; do
		[ "$(answer $l)" = errno=1 ] || { echo "$l: $(answer $l)"; false; }
	done
}

@test "seccomp allowlist: personality only PER_LINUX and the query" {
	# READ_IMPLIES_EXEC 0x400000, ADDR_NO_RANDOMIZE 0x40000, PER_LINUX32 8
	run_ctr "$(probe query 135 0xffffffff)$(probe linux 135 0)$(probe rie 135 0x400000)$(probe norand 135 0x40000)$(probe linux32 135 8)$(probe hi 135 0x100400000)"
	[ "$status" -eq 0 ]
	[[ "$(answer query)" == ret=* ]]
	[ "$(answer linux)" = ret=0 ]
	for l in rie norand linux32 hi; do
		[ "$(answer $l)" = errno=38 ] || { echo "$l: $(answer $l)"; false; }
	done
}

@test "seccomp allowlist: a shell's pipelines, background jobs, subshells, fifos and files work" {
	run_ctr 'set -e; cd /work
		seq 1 1000 | sort -rn | head -3 | tr "\n" " "; echo
		(sleep 0.2; echo bg-done > bg.out) & sleep 0.1 & wait
		cat bg.out
		mkfifo f; (echo through-fifo > f) & cat f; wait
		echo data > a; cp a b; mv b c; ln -s c d; cat d; rm c d
		mkdir -p x/y/z; find x | wc -l
		echo $(( $(cat /proc/self/stat | cut -d" " -f1) > 0 ))
		date +%Y >/dev/null; id -u; uname -s; ps >/dev/null; echo ok'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1000 999 998 " ]
	[ "${lines[1]}" = bg-done ]
	[ "${lines[2]}" = through-fifo ]
	[ "${lines[3]}" = data ]
	[ "${lines[4]}" = 3 ]
	[ "${lines[7]}" = Linux ]
	[ "${lines[8]}" = ok ]
}

@test "seccomp allowlist: a process started by exec is filtered too" {
	set_cmd 'sleep 100'
	ID=$(new_id)
	run_d "$ID"
	run runtime exec "$ID" sysprobe 425 8 @buf
	[ "$output" = errno=1 ]
	run runtime exec "$ID" sysprobe 272 0x10000000
	[ "$output" = errno=1 ]
	run runtime exec "$ID" sysprobe 435 0 0
	[ "$output" = errno=38 ]
	runtime delete -f "$ID"
}

@test "seccomp allowlist: features lists it, and the list is what spec writes" {
	run runtime features
	[ "$status" -eq 0 ]
	echo "$output" >"$T/features.json"
	validate_json features-schema.json "$T/features.json"
	allowed=$(jq -r '.annotations["org.agentrun.profile.agent.seccomp.allowed"]' "$T/features.json")
	refused=$(jq -r '.annotations["org.agentrun.profile.agent.seccomp.refused"]' "$T/features.json")
	cond=$(jq -r '.annotations["org.agentrun.profile.agent.seccomp.conditional"]' "$T/features.json")
	[ "$(jq -r '.annotations["org.agentrun.profile.agent.seccomp.default"]' "$T/features.json")" = "SCMP_ACT_ERRNO(ENOSYS)" ]
	[[ " $allowed " == *" openat "* ]] && [[ " $allowed " == *" execve "* ]]
	[[ " $refused " == *" io_uring_setup "* ]] && [[ " $refused " == *" bpf "* ]]
	[ "$cond" = "clone unshare ioctl socket socketpair personality" ]
	[[ " $allowed $refused $cond " != *" clone3 "* ]]
	# the config written by spec holds exactly these names
	want=$(printf '%s\n' $allowed $refused $cond | sort -u)
	got=$(jq -r '.linux.seccomp.syscalls[].names[]' "$BUNDLE/config.json" | sort -u)
	[ "$want" = "$got" ]
	# and docs/agent-profile.md names every one of them
	local missing=
	for n in $allowed $refused $cond; do
		grep -qw -- "$n" "$BATS_TEST_DIRNAME/../../docs/agent-profile.md" || missing+=" $n"
	done
	[ -z "$missing" ] || { echo "not in docs/agent-profile.md:$missing"; false; }
}

@test "seccomp allowlist: 32-bit entries (int 0x80, x32) are not a way around it: the thread is killed" {
	# i386 getpid (20) and unshare (310) through int 0x80; x32 getpid
	# (0x40000000 | 39): the filter holds only x86_64, so libseccomp's
	# bad-architecture action kills the caller (SIGSYS, status 159)
	run_ctr 'sysprobe int80 20; echo "int80-getpid $?"; sysprobe int80 310 0x10000000; echo "int80-unshare $?"; sysprobe 0x40000027; echo "x32 $?"; sysprobe 39; echo "native $?"'
	[ "$status" -eq 0 ]
	[[ "$output" == *"int80-getpid 159"* ]]
	[[ "$output" == *"int80-unshare 159"* ]]
	[[ "$output" == *"x32 159"* ]]
	# the native getpid works
	[[ "$output" =~ ret=[0-9]+$'\n'"native 0" ]]
}
