#!/usr/bin/env bats
# Restore and delete against a hostile checkpoint image and a crash:
# an image is a directory of files anyone who can write files can make,
# so nothing in it may name a host path; a restore that dies half-way must
# leave nothing mounted in the host's namespace; `delete` never walks
# across a mount point into what is mounted there (class: CVE-2019-16884 /
# runc's rootfs-removal bugs, host files destroyed or exposed by cleanup).

load ../lib/bundle

criu_ok() {
	local bin v
	bin=$(PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v criu) || return 1
	v=$("$bin" --version 2>/dev/null | sed -n 's/^Version: *\([0-9][0-9.]*\).*/\1/p')
	[ -n "$v" ] && [ "$(printf '4.2\n%s\n' "$v" | sort -V | head -n1)" = 4.2 ]
}

setup() {
	setup_common
	IMG=$T/img
	# nothing written in the rootfs: its bytes are compared
	set_cmd 'while true; do sleep 0.1; done'
}

teardown() {
	teardown_common
}

# tree_hash DIR: names, types, modes, sizes, link targets and file
# contents of the tree (not crossing mounts).
tree_hash() {
	(cd "$1" && find . -xdev -printf '%p %y %m %s %l\n' | LC_ALL=C sort &&
		find . -xdev -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum) | sha256sum
}

# mounts_under DIR: mount points at or below DIR in our namespace.
mounts_under() {
	awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print $5 }' /proc/self/mountinfo
}

# try_restore ID: restore -d with stdio to files (a restored tree would
# hold bats' output pipe); sets $status and $output like bats' run.
try_restore() {
	status=0
	runtime restore -d --image-path "$IMG" --bundle "$BUNDLE" "$1" \
		</dev/null >"$T/$1.out" 2>"$T/$1.err" || status=$?
	output=$(cat "$T/$1.err")
	echo "restore $1: status $status: $output"
}

checkpointed() {
	id=$(new_id)
	run_d "$id"
	runtime checkpoint --image-path "$IMG" "$id"
	runtime delete -f "$id"
}

@test "restore: a bind-mount source named in the image's record is refused (host path smuggled in)" {
	criu_ok || skip "criu >= 4.2 not installed"
	add_shared
	checkpointed
	grep -q "^mount	bind	/shared	$T/shared\$" "$IMG/agentrun-criu.txt"
	# the hostile image: its record names a host directory; the bundle
	# restored has no such mount in its config.json
	mkdir -p "$T/secret"
	echo host-secret >"$T/secret/key"
	sed -i "s|^mount	bind	/shared	.*|mount	bind	/shared	$T/secret|" "$IMG/agentrun-criu.txt"
	cfg 'del(.mounts[] | select(.destination == "/shared"))'
	id2=$(new_id)
	try_restore "$id2"
	[ "$status" -ne 0 ]
	[[ "$output" == *"external bind mount at /shared"*"refused"* ]]
	assert_no_leftovers "$id2"
	# the config's own source is the one used when it has the mount
	cfg '.mounts += [{"destination": "/shared", "type": "bind", "source": $s, "options": ["rbind", "rw"]}]' --arg s "$T/shared"
	echo mine >"$T/shared/file"
	try_restore "$id2"
	[ "$status" -eq 0 ]
	[ "$(runtime exec "$id2" cat /shared/file)" = mine ]
	run runtime exec "$id2" cat /shared/key
	[ "$status" -ne 0 ]
}

@test "restore: a host device source in the image's record must be a device the config gives" {
	criu_ok || skip "criu >= 4.2 not installed"
	make_traversable
	rm "$BUNDLE/config.json"
	runtime spec --profile agent --bundle "$BUNDLE"
	# CRIU cannot checkpoint a Landlock domain (see landlock.bats)
	cfg '.annotations["run.agentrun.landlock"] = "off" | .process.terminal = false | .process.args = ["sh", "-c", "while true; do sleep 0.1; done"]'
	mkdir -p "$BUNDLE/rootfs/work"
	checkpointed
	# in a user namespace the masked paths are host /dev/null bound in
	grep -q "^mount	host	/proc/keys	/dev/null\$" "$IMG/agentrun-criu.txt"
	mkdir -p "$T/secret"
	echo host-secret >"$T/secret/key"
	chmod -R o+rX "$T/secret"
	sed -i "s|^mount	host	/proc/keys	.*|mount	host	/proc/keys	$T/secret/key|" "$IMG/agentrun-criu.txt"
	id2=$(new_id)
	try_restore "$id2"
	[ "$status" -ne 0 ]
	[[ "$output" == *"external host mount at /proc/keys"*"refused"* ]]
	assert_no_leftovers "$id2"
}

@test "restore: SIGKILLed half-way, then delete -f: rootfs bytes unchanged, nothing mounted" {
	criu_ok || skip "criu >= 4.2 not installed"
	checkpointed
	before=$(tree_hash "$BUNDLE/rootfs")
	# CRIU's action script, once the tree is restored and the mounts are
	# made: SIGKILL agentrun (CRIU's parent) and CRIU, as a crash would
	cat >"$T/crash.sh" <<-EOF2
		#!/bin/sh
		[ "\$CRTOOLS_SCRIPT_ACTION" = post-restore ] || exit 0
		criu=\$PPID
		agentrun=\$(awk '{ print \$4 }' /proc/\$criu/stat)
		echo "\$agentrun \$criu" >"$T/crashed"
		kill -9 "\$agentrun" "\$criu"
		exit 0
	EOF2
	chmod +x "$T/crash.sh"
	echo "action-script $T/crash.sh" >"$T/criu.conf"
	cfg '.annotations["org.criu.config"] = $c' --arg c "$T/criu.conf"
	id2=$(new_id)
	# stdio to files: the half-restored tree holds them
	rc=0
	runtime restore -d --image-path "$IMG" --bundle "$BUNDLE" "$id2" \
		</dev/null >"$T/restore.out" 2>&1 || rc=$?
	[ "$rc" -eq 137 ]
	[ -s "$T/crashed" ]
	# what the dead restore left: its state directory, no mount
	[ -d "$STATE_ROOT/$id2" ]
	left=$(mounts_under "$STATE_ROOT")
	run runtime delete -f "$id2"
	echo "delete: $status: $output"
	# first: not a byte of the rootfs changed
	[ "$(tree_hash "$BUNDLE/rootfs")" = "$before" ]
	[ -x "$BUNDLE/rootfs/bin/busybox" ]
	echo "mounts left by the crash: $left"
	[ -z "$left" ]
	[ "$status" -eq 0 ]
	[ ! -e "$STATE_ROOT/$id2" ]
	[ -z "$(mounts_under "$STATE_ROOT")" ]
	[ -z "$(mounts_under "$IMG")" ]
	assert_no_leftovers
}

@test "delete: a mount point in the state directory is not walked into; its contents stay" {
	id=$(new_id)
	create_ctr "$id"
	# what a restore of an older agentrun left when it died: the rootfs
	# bound under the state directory, in the host's mount namespace
	before=$(tree_hash "$BUNDLE/rootfs")
	mkdir "$STATE_ROOT/$id/criu-root"
	mount --bind "$BUNDLE/rootfs" "$STATE_ROOT/$id/criu-root"
	track_mount "$STATE_ROOT/$id/criu-root"
	run runtime delete -f "$id"
	echo "$output"
	[ "$(tree_hash "$BUNDLE/rootfs")" = "$before" ]
	[ -x "$BUNDLE/rootfs/bin/busybox" ]
	[ "$status" -ne 0 ]
	[[ "$output" == *"criu-root is a mount point"* ]]
	umount "$STATE_ROOT/$id/criu-root"
	runtime delete -f "$id"
	[ ! -e "$STATE_ROOT/$id" ]
	[ "$(tree_hash "$BUNDLE/rootfs")" = "$before" ]
}
