#!/usr/bin/env bats
# Mounts, root filesystem, masked and read-only paths, checked from inside.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

# add_mount DEST TYPE SOURCE OPTION...: append a mount to config.json.
add_mount() {
	local dest=$1 type=$2 src=$3
	shift 3
	cfg '.mounts += [{"destination": $d, "type": $t, "source": $s, "options": $o}]' \
		--arg d "$dest" --arg t "$type" --arg s "$src" --argjson o "$(json_array "$@")"
}

# mnt_field MOUNTINFO MOUNTPOINT: "<mount options> <fstype> <super options>"
# of the last (topmost) mount at MOUNTPOINT.
mnt_field() {
	awk -v mp="$2" '$5 == mp {
		for (i = 7; $i != "-"; i++) ;
		line = $6 " " $(i + 1) " " $(i + 3)
	} END { print line }' <<<"$1"
}

@test "mounts: bind rw, the host sees what the container writes" {
	mkdir "$T/vol"
	echo from-host >"$T/vol/in"
	add_mount /vol bind "$T/vol" bind rw
	run_ctr 'cat /vol/in && echo from-container > /vol/out'
	[ "$status" -eq 0 ]
	[ "$output" = from-host ]
	[ "$(cat "$T/vol/out")" = from-container ]
}

@test "mounts: bind ro, writes fail and mountinfo says ro" {
	mkdir "$T/vol"
	echo data >"$T/vol/in"
	add_mount /vol bind "$T/vol" bind ro
	run_ctr 'cat /vol/in; if echo x > /vol/out; then echo WROTE; fi; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = data ]
	[[ "$output" != *WROTE* ]]
	[ ! -e "$T/vol/out" ]
	opts=$(mnt_field "$output" /vol)
	[[ ",${opts%% *}," == *,ro,* ]]
}

@test "mounts: rbind ro applies to the whole subtree's top mount" {
	mkdir -p "$T/vol/sub"
	add_mount /vol bind "$T/vol" rbind ro
	run_ctr 'touch /vol/sub/x 2>/dev/null && echo WROTE; true'
	[ "$status" -eq 0 ]
	[[ "$output" != *WROTE* ]]
}

@test "mounts: nosuid, nodev, noexec are applied to a bind mount" {
	mkdir "$T/vol"
	cp "$BUNDLE/rootfs/bin/busybox" "$T/vol/busybox"
	add_mount /vol bind "$T/vol" bind nosuid nodev noexec
	run_ctr 'if /vol/busybox true; then echo EXECUTED; fi; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[[ "$output" != *EXECUTED* ]]
	opts=$(mnt_field "$output" /vol)
	o=",${opts%% *},"
	[[ "$o" == *,nosuid,* ]]
	[[ "$o" == *,nodev,* ]]
	[[ "$o" == *,noexec,* ]]
}

@test "mounts: tmpfs with size= and mode=" {
	add_mount /scratch tmpfs tmpfs size=1m mode=1770 nosuid
	run_ctr 'stat -c %a /scratch; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1770 ]
	f=$(mnt_field "$output" /scratch)
	[[ "$f" == *" tmpfs "* ]]
	[[ "$f" == *size=1024k* ]]
	[[ "$f" == *mode=1770* ]]
	[[ ",${f%% *}," == *,nosuid,* ]]
}

@test "mounts: a tmpfs is writable and private to the container" {
	add_mount /scratch tmpfs tmpfs size=1m
	run_ctr 'echo hi > /scratch/f && cat /scratch/f'
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	[ ! -e "$BUNDLE/rootfs/scratch/f" ]
}

@test "mounts: proc, sysfs, mqueue, devpts, tmpfs /dev and /dev/shm are mounted" {
	run_ctr 'cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[[ "$(mnt_field "$output" /proc)" == *" proc "* ]]
	[[ "$(mnt_field "$output" /sys)" == *" sysfs "* ]]
	[[ "$(mnt_field "$output" /dev)" == *" tmpfs "* ]]
	[[ "$(mnt_field "$output" /dev/pts)" == *" devpts "* ]]
	[[ "$(mnt_field "$output" /dev/shm)" == *" tmpfs "* ]]
	[[ "$(mnt_field "$output" /dev/mqueue)" == *" mqueue "* ]]
	# /sys is read-only as configured.
	s=$(mnt_field "$output" /sys)
	[[ ",${s%% *}," == *,ro,* ]]
}

@test "mounts: the rootfs is the container's / (pivot_root), host paths are not visible" {
	run_ctr "cat /$MARKER; ls $T 2>/dev/null && echo HOST-VISIBLE; true"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$T" ]
	[[ "$output" != *HOST-VISIBLE* ]]
}

@test "mounts: mounts stay inside the container's mount namespace" {
	mkdir "$T/vol"
	add_mount /vol bind "$T/vol" bind
	add_mount /scratch tmpfs tmpfs size=1m
	run_ctr 'true'
	[ "$status" -eq 0 ]
	run test_mounts
	[ -z "$output" ]
}

@test "mounts: an absolute symlink destination pointing outside the rootfs lands inside the rootfs" {
	mkdir "$T/outside" "$T/vol"
	echo host-side >"$T/outside/keep"
	echo payload >"$T/vol/payload"
	ln -s "$T/outside" "$BUNDLE/rootfs/escape"
	add_mount /escape bind "$T/vol" bind
	run_ctr 'cat /escape/payload; ls /escape'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = payload ]
	# The host directory the symlink names is untouched.
	[ "$(ls "$T/outside")" = keep ]
	[ "$(cat "$T/outside/keep")" = host-side ]
	[ -L "$BUNDLE/rootfs/escape" ]
}

@test "mounts: a relative symlink destination climbing out of the rootfs lands inside the rootfs" {
	mkdir "$T/outside" "$T/vol"
	echo payload >"$T/vol/payload"
	ln -s ../../../../../../../../../../../../../..$T/outside "$BUNDLE/rootfs/escape"
	add_mount /escape bind "$T/vol" bind
	run_ctr 'cat /escape/payload'
	[ "$status" -eq 0 ]
	[ "$output" = payload ]
	[ -z "$(ls "$T/outside")" ]
}

@test "mounts: a symlinked parent directory of a destination is resolved inside the rootfs" {
	mkdir "$T/outside" "$T/vol"
	echo payload >"$T/vol/payload"
	ln -s "$T/outside" "$BUNDLE/rootfs/linkdir"
	add_mount /linkdir/sub bind "$T/vol" bind
	run_ctr 'cat /linkdir/sub/payload'
	[ "$status" -eq 0 ]
	[ "$output" = payload ]
	[ -z "$(ls "$T/outside")" ]
}

@test "mounts: a missing destination directory is created inside the rootfs" {
	mkdir "$T/vol"
	echo payload >"$T/vol/payload"
	add_mount /a/b/c bind "$T/vol" bind
	run_ctr 'cat /a/b/c/payload'
	[ "$status" -eq 0 ]
	[ "$output" = payload ]
	[ -d "$BUNDLE/rootfs/a/b/c" ]
}

@test "mounts: a file bind mount onto a missing file destination" {
	echo file-content >"$T/file"
	add_mount /etc/injected bind "$T/file" bind ro
	run_ctr 'cat /etc/injected'
	[ "$status" -eq 0 ]
	[ "$output" = file-content ]
}

@test "root.readonly: / is read-only, writes fail" {
	cfg '.root.readonly = true'
	run_ctr 'touch /x 2>/dev/null && echo WROTE; touch /etc/y 2>/dev/null && echo WROTE; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[[ "$output" != *WROTE* ]]
	[ ! -e "$BUNDLE/rootfs/x" ]
	opts=$(mnt_field "$output" /)
	[[ ",${opts%% *}," == *,ro,* ]]
}

@test "root.readonly: mounts on top stay writable (/dev/shm, tmpfs)" {
	cfg '.root.readonly = true'
	add_mount /scratch tmpfs tmpfs size=1m
	run_ctr 'echo a > /dev/shm/f && echo b > /scratch/f && cat /dev/shm/f /scratch/f'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a\nb')" ]
}

@test "root.readonly false: / is writable" {
	run_ctr 'echo hi > /written && cat /written'
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	[ "$(cat "$BUNDLE/rootfs/written")" = hi ]
}

@test "maskedPaths: a masked file reads empty" {
	echo secret-data >"$BUNDLE/rootfs/etc/secret"
	cfg '.linux.maskedPaths += ["/etc/secret"]'
	run_ctr 'wc -c < /etc/secret; cat /etc/secret; echo x > /etc/secret 2>/dev/null; cat /etc/secret'
	[ "$status" -eq 0 ]
	# wc prints 0, both cats print nothing (the write went nowhere).
	[ "$output" = 0 ]
	[ "$(cat "$BUNDLE/rootfs/etc/secret")" = secret-data ]
}

@test "maskedPaths: the default /proc files read nothing" {
	files=()
	for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/latency_stats; do
		[ -f "$f" ] && files+=("$f")
	done
	[ "${#files[@]}" -gt 0 ] || skip "none of the default masked /proc files exist on this kernel"
	run_ctr "for f in ${files[*]}; do head -c 16 \$f | wc -c; done"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq "${#files[@]}" ]
	for l in "${lines[@]}"; do
		[ "$l" -eq 0 ]
	done
}

@test "maskedPaths: a masked directory appears empty" {
	mkdir "$BUNDLE/rootfs/etc/secretdir"
	echo hidden >"$BUNDLE/rootfs/etc/secretdir/f"
	cfg '.linux.maskedPaths += ["/etc/secretdir", "/sys/firmware"]'
	run_ctr 'ls -A /etc/secretdir | wc -l; ls -A /sys/firmware | wc -l'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -eq 0 ]
	[ "${lines[1]}" -eq 0 ]
}

@test "maskedPaths: a path that does not exist is ignored" {
	cfg '.linux.maskedPaths += ["/no/such/path", "/proc/no-such-file"]'
	run_ctr 'echo ok'
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	[ ! -e "$BUNDLE/rootfs/no" ]
}

@test "readonlyPaths: /proc/sys is read-only" {
	run_ctr 'echo test > /proc/sys/kernel/domainname 2>/dev/null && echo WROTE; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[[ "$output" != *WROTE* ]]
	opts=$(mnt_field "$output" /proc/sys)
	[[ ",${opts%% *}," == *,ro,* ]]
}

@test "readonlyPaths: a configured directory is read-only, its parent is not" {
	mkdir "$BUNDLE/rootfs/etc/rodir"
	echo keep >"$BUNDLE/rootfs/etc/rodir/f"
	cfg '.linux.readonlyPaths += ["/etc/rodir"]'
	run_ctr 'cat /etc/rodir/f; echo x > /etc/rodir/new 2>/dev/null && echo WROTE; echo y > /etc/rwfile && echo PARENT-RW'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = keep ]
	[[ "$output" != *WROTE* ]]
	[[ "$output" == *PARENT-RW* ]]
	[ ! -e "$BUNDLE/rootfs/etc/rodir/new" ]
}

@test "readonlyPaths: a path that does not exist is ignored" {
	cfg '.linux.readonlyPaths += ["/no/such/path"]'
	run_ctr 'echo ok'
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}
