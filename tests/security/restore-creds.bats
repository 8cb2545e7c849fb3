#!/usr/bin/env bats
# Restore against a checkpoint image that decides its process's
# credentials. CRIU gives every restored task the capability sets, uids,
# gids, no_new_privs and seccomp mode written in the image, and an image is
# a directory of files anyone who can write files can make (or a checkpoint
# of some other, more privileged container): a forged or foreign image
# would restore a process with any capability, host root where there is no
# user namespace. restore checks every restored task against the bundle's
# config.json before it runs again, and refuses (killing the tree, leaving
# nothing behind) on any excess. The attack image here is a genuine
# checkpoint of a more privileged container, which is what a forged
# creds-*.img amounts to.

load ../lib/bundle

criu_ok() {
	local bin v
	bin=$(PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v criu) || return 1
	v=$("$bin" --version 2>/dev/null | sed -n 's/^Version: *\([0-9][0-9.]*\).*/\1/p')
	[ -n "$v" ] && [ "$(printf '4.2\n%s\n' "$v" | sort -V | head -n1)" = 4.2 ]
}

setup() {
	criu_ok || skip "criu >= 4.2 not installed"
	setup_common
	IMG=$T/img
	set_cmd 'while true; do sleep 0.1; done'
	cp "$BUNDLE/config.json" "$T/config.orig.json"
}

teardown() {
	teardown_common
}

# try_restore ID: restore -d with stdio to files; sets $status and $output.
try_restore() {
	status=0
	runtime restore -d --image-path "$IMG" --bundle "$BUNDLE" "$1" \
		</dev/null >"$T/$1.out" 2>"$T/$1.err" || status=$?
	output=$(cat "$T/$1.err")
	echo "restore $1: status $status: $output"
}

# checkpointed: run the bundle as it is now, checkpoint it into $IMG, and
# delete it; then put the test's config back (the one restore is given).
checkpointed() {
	local id
	id=$(new_id)
	run_d "$id"
	runtime checkpoint --image-path "$IMG" "$id"
	runtime delete -f "$id" 2>/dev/null || true
	cp "$T/config.orig.json" "$BUNDLE/config.json"
}

# status_field PID KEY: a field of /proc/PID/status.
status_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr '\t' ' '
}

# all_caps: every capability of our own bounding set, by name (the
# features list is in capability number order).
all_caps() {
	local bnd
	bnd=$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)
	"$AGENTRUN" features | jq -c --arg b "$bnd" '
		($b | explode | map(if . >= 97 then . - 87 else . - 48 end)
		 | reduce .[] as $d (0; . * 16 + $d)) as $mask
		| [.linux.capabilities | to_entries[]
		   | select(($mask / pow(2; .key) | floor) % 2 == 1) | .value]'
}

@test "restore: an image with every capability, restored with a config of three, is refused; nothing left" {
	# a process that, whenever it runs, appends to /tmp/ran (no sleep: it
	# would write at once if it ever ran again)
	set_cmd 'exec >>/tmp/ran; while true; do echo x; done'
	cp "$BUNDLE/config.json" "$T/config.orig.json"
	cfg '.process.capabilities |= with_entries(.value = $all)' --argjson all "$(all_caps)"
	checkpointed
	last=$(stat -c %s "$BUNDLE/rootfs/tmp/ran")
	# the bundle now grants CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE
	[ "$(jq -c .process.capabilities.bounding "$BUNDLE/config.json")" = '["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]' ]
	id2=$(new_id)
	try_restore "$id2"
	[ "$status" -ne 0 ]
	[[ "$output" == *"restore: restored process "[0-9]*" has capabilities beyond config.json's process.capabilities.bounding"* ]]
	[ "$(grep -c . "$T/$id2.err")" -eq 1 ]
	run runtime state "$id2"
	[ "$status" -ne 0 ]
	assert_no_leftovers "$id2"
	# the restored process never ran: /tmp/ran is as the checkpointed
	# container left it
	[ "$(stat -c %s "$BUNDLE/rootfs/tmp/ran")" = "$last" ]
	# the image itself is sound: with the config it was made from, it
	# restores, with every capability
	cfg '.process.capabilities |= with_entries(.value = $all)' --argjson all "$(all_caps)"
	try_restore "$id2"
	[ "$status" -eq 0 ]
	pid=$(pid_of "$id2")
	[ "$(status_field "$pid" CapBnd)" = "$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)" ]
	runtime delete -f "$id2"
	assert_no_leftovers "$id2"
}

@test "restore: the same config both ways restores, with the config's capabilities and user" {
	checkpointed
	id2=$(new_id)
	try_restore "$id2"
	[ "$status" -eq 0 ]
	[ "$(state_of "$id2")" = running ]
	pid=$(pid_of "$id2")
	# CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10)
	[ "$(status_field "$pid" CapBnd)" = 0000000020000420 ]
	[ "$(status_field "$pid" CapEff)" = 0000000020000420 ]
	[ "$(status_field "$pid" NoNewPrivs)" = 1 ]
	[ "$(status_field "$pid" Uid)" = "0 0 0 0" ]
	runtime exec "$id2" true
	runtime delete -f "$id2"
	assert_no_leftovers "$id2"
}

@test "restore: an image of a uid 0 process, restored with a config saying uid 1000, is refused" {
	checkpointed
	cfg '.process.user.uid = 1000 | .process.user.gid = 1000'
	id2=$(new_id)
	try_restore "$id2"
	[ "$status" -ne 0 ]
	[[ "$output" == *"restore: restored process "[0-9]*" has Uid 0 0 0 0 (as agentrun sees it), not config.json's process.user.uid 1000"* ]]
	assert_no_leftovers "$id2"
}

@test "restore: an image with a supplementary group the config does not give is refused" {
	cfg '.process.user.additionalGids = [10]'
	checkpointed
	[ "$(jq -c '.process.user.additionalGids // []' "$BUNDLE/config.json")" = '[]' ]
	id2=$(new_id)
	try_restore "$id2"
	[ "$status" -ne 0 ]
	[[ "$output" == *"restore: restored process "[0-9]*" has the supplementary group 10 (as agentrun sees it), not in config.json's process.user.additionalGids"* ]]
	assert_no_leftovers "$id2"
}

@test "restore: an image without no_new_privs is refused by a config that asks for it" {
	cfg '.process.noNewPrivileges = false'
	checkpointed
	id2=$(new_id)
	try_restore "$id2"
	[ "$status" -ne 0 ]
	[[ "$output" == *"has NoNewPrivs 0, but config.json's process.noNewPrivileges is true"* ]]
	assert_no_leftovers "$id2"
}

@test "restore: an image without a seccomp filter is refused by a config that has one" {
	checkpointed
	id2=$(new_id)
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}]}'
	try_restore "$id2"
	[ "$status" -ne 0 ]
	[[ "$output" == *"has no seccomp filter (Seccomp 0), but config.json has linux.seccomp"* ]]
	assert_no_leftovers "$id2"
}

@test "restore: a user namespace whose map is not config.json's is refused" {
	make_traversable
	rm "$BUNDLE/config.json"
	runtime spec --profile agent --bundle "$BUNDLE"
	# CRIU cannot checkpoint a Landlock domain (see landlock.bats)
	cfg '.annotations["run.agentrun.landlock"] = "off" | .process.terminal = false | .process.args = ["sh", "-c", "while true; do sleep 0.1; done"]'
	mkdir -p "$BUNDLE/rootfs/work"
	cp "$BUNDLE/config.json" "$T/config.orig.json"
	checkpointed
	# the image's namespace maps container root elsewhere than the bundle
	cfg '.linux.uidMappings[0].hostID += 1 | .linux.gidMappings[0].hostID += 1'
	id2=$(new_id)
	try_restore "$id2"
	[ "$status" -ne 0 ]
	[[ "$output" == *"restore: restored process "[0-9]*" has a uid_map other than config.json's linux.uidMappings"* ]]
	assert_no_leftovers "$id2"
	# and with the config's own map it restores
	cp "$T/config.orig.json" "$BUNDLE/config.json"
	try_restore "$id2"
	[ "$status" -eq 0 ]
	runtime delete -f "$id2"
	assert_no_leftovers "$id2"
}
