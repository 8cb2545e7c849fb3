#!/usr/bin/env bats
# Compressed images of suspended sessions (suspend --compress, zstd;
# docs/sessions.md): the memory comes back, the image is smaller for
# compressible memory, a corrupted image fails the wake and the session
# stays suspended with its image.

load ../lib/bundle
load ../lib/sessions

criu_ok() {
	local bin v
	bin=$(PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" command -v criu) || return 1
	v=$("$bin" --version 2>/dev/null | sed -n 's/^Version: *\([0-9][0-9.]*\).*/\1/p')
	[ -n "$v" ] && [ "$(printf '4.2\n%s\n' "$v" | sort -V | head -n1)" = 4.2 ]
}

setup() {
	criu_ok || skip "criu >= 4.2 not installed"
	run "$AGENTRUN" suspend --compress no-such-container
	[[ "$output" != *"without libzstd"* ]] || skip "agentrun built without libzstd"
	setup_common
	run "$AGENTRUN" suspend --help
	[[ "$output" == *--compress* ]]
	# v: a random value held only in the shell's memory (written once to
	# /tmp/v0 for the test to know it); /tmp/ask makes it write v to
	# /tmp/ans. big: 16 MB of compressible text in its memory.
	set_cmd 'v=$(head -c 8 /dev/urandom | od -An -tx1 | tr -d " \n"); big=$(yes abcdefgh | head -c 16000000); echo "$v" >/tmp/v0; while true; do if [ -e /tmp/ask ]; then echo "$v${#big}" >/tmp/ans.new; mv /tmp/ans.new /tmp/ans; rm /tmp/ask; fi; sleep 0.05; done'
}

teardown() {
	teardown_common
}

annotation() {
	runtime state "$1" | jq -r --arg k "$2" '.annotations[$k] // empty'
}

ready() {
	local i
	for ((i = 0; i < 200; i++)); do
		runtime exec --no-wake "$1" test -s /tmp/v0 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# ask ID: the value the shell holds in its memory
ask() {
	local i
	runtime exec --no-wake "$1" sh -c 'rm -f /tmp/ans; touch /tmp/ask'
	for ((i = 0; i < 200; i++)); do
		runtime exec --no-wake "$1" cat /tmp/ans 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

sum_bytes() {
	local n=0 f
	for f in "$@"; do n=$((n + $(stat -c %s "$f"))); done
	echo "$n"
}

@test "suspend --compress: wake brings the memory back; the image is smaller than the plain one" {
	id=$(new_id)
	run_d "$id"
	ready "$id"
	want="$(runtime exec --no-wake "$id" cat /tmp/v0)16000000"

	# a plain suspend first: its pages, then wake
	runtime suspend "$id"
	img=$(annotation "$id" org.agentrun.suspended)
	plain=$(sum_bytes "$img"/pages-*.img)
	[ ! -e "$img/agentrun-compressed" ]
	runtime wake "$id"
	[ "$(ask "$id")" = "$want" ]

	runtime suspend --compress "$id"
	[ "$(state_of "$id")" = stopped ]
	img=$(annotation "$id" org.agentrun.suspended)
	[ "$(cat "$img/agentrun-compressed")" = zstd ]
	# only the compressed pages are left, each a zstd frame
	[ -z "$(ls "$img" | grep -E '^pages-[0-9]+\.img$')" ]
	zst=$(sum_bytes "$img"/pages-*.img.zst)
	for f in "$img"/pages-*.img.zst; do zstd -tq "$f"; done
	echo "plain $plain compressed $zst" >&2
	[ "$plain" -gt 16000000 ]
	[ $((zst * 4)) -lt "$plain" ]

	runtime wake "$id"
	[ "$(state_of "$id")" = running ]
	[ ! -e "$img" ]
	[ "$(ask "$id")" = "$want" ]
	runtime delete -f "$id"
	assert_no_leftovers "$id"
}

@test "suspend --compress: the compressed image is durable (every file, the directory, its parent fsynced) before the state says suspended" {
	command -v strace >/dev/null || skip "strace not installed (scripts/deps.sh installs it)"
	id=$(new_id)
	run_d "$id"
	ready "$id"
	suspend_traced "$id" "$T/img" --compress
	[ "$(annotation "$id" org.agentrun.suspended)" = "$T/img" ]
	[ -n "$(ls "$T/img"/pages-*.img.zst)" ]
	assert_image_synced "$T/img"
	# the .zst files themselves were among them
	grep -q '\.img\.zst$' "$T/synced"
	runtime wake "$id"
	runtime delete -f "$id"
}

@test "suspend --compress: a corrupted or truncated image fails the wake; the session stays suspended, its image intact" {
	id=$(new_id)
	run_d "$id"
	ready "$id"
	runtime suspend --compress "$id"
	img=$(annotation "$id" org.agentrun.suspended)
	big=$(ls -S "$img"/pages-*.img.zst | head -n1)
	size=$(stat -c %s "$big")
	[ "$size" -gt 4096 ]
	# garbage over the middle of the largest one
	head -c 2048 /dev/urandom | dd of="$big" bs=1 seek=$((size / 2)) conv=notrunc status=none
	sum=$(md5sum "$img"/* | sort)

	run runtime wake "$id"
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"still suspended"*"$(basename "$big")"*zstd* ]]
	[ "$(state_of "$id")" = stopped ]
	[ "$(annotation "$id" org.agentrun.suspended)" = "$img" ]
	# the image as it was: no half-written plain pages left beside it
	[ "$(md5sum "$img"/* | sort)" = "$sum" ]

	# truncated: the same
	truncate -s $((size / 3)) "$big"
	sum=$(md5sum "$img"/* | sort)
	run runtime wake "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"still suspended"*zstd* ]]
	[ "$(state_of "$id")" = stopped ]
	[ "$(md5sum "$img"/* | sort)" = "$sum" ]

	# delete works on it and takes the image
	runtime delete -f "$id"
	[ ! -e "$img" ]
	assert_no_leftovers "$id"
}

@test "wake --lazy-pages of a compressed image: decompressed first, then served lazily" {
	id=$(new_id)
	run_d "$id"
	ready "$id"
	want="$(runtime exec --no-wake "$id" cat /tmp/v0)16000000"
	runtime suspend --compress "$id"
	img=$(annotation "$id" org.agentrun.suspended)
	runtime wake --lazy-pages "$id"
	[ "$(state_of "$id")" = running ]
	[ "$(ask "$id")" = "$want" ]
	for ((i = 0; i < 100; i++)); do [ -e "$img" ] || break; sleep 0.1; done
	[ ! -e "$img" ]
	grep -E 'UFFD transferred pages: \(([0-9]+)/\1\)' "$STATE_ROOT/$id/lazy-pages.log"
}
