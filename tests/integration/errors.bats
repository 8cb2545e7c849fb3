#!/usr/bin/env bats
# Bad input: each case fails with a non-zero exit and a one-line error on
# stderr that names the problem, and leaves nothing behind (no state entry,
# no process, no mount, no cgroup).

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

# one_line_error: $stderr (from run --separate-stderr) is exactly one line.
one_line_error() {
	local n
	n=$(printf '%s\n' "$stderr" | grep -c .)
	if [ "$n" -ne 1 ]; then
		echo "expected a one-line error on stderr, got $n lines:" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	fi
}

# stderr_mentions ERE: the error names the problem (case-insensitive).
stderr_mentions() {
	if ! grep -qiE -- "$1" <<<"$stderr"; then
		echo "stderr does not mention /$1/: $stderr" >&2
		return 1
	fi
}

# create_fails ID: `create` of the bundle must fail, leaving nothing.
create_fails() {
	run --separate-stderr runtime create --bundle "$BUNDLE" "$1" </dev/null
	[ "$status" -ne 0 ]
	one_line_error
	run runtime state "$1"
	[ "$status" -ne 0 ]
	assert_no_leftovers "$1"
}

@test "error: config.json is not valid JSON" {
	echo '{ "ociVersion": "1.3.0", not json' >"$BUNDLE/config.json"
	id=$(new_id)
	create_fails "$id"
	stderr_mentions 'json'
}

@test "error: config.json is missing" {
	rm "$BUNDLE/config.json"
	id=$(new_id)
	create_fails "$id"
	stderr_mentions 'config\.json|no such file'
}

@test "error: .process.args has the wrong type (string)" {
	cfg '.process.args = "sh"'
	id=$(new_id)
	create_fails "$id"
	stderr_mentions 'process\.args'
}

@test "error: .process.cwd has the wrong type (number)" {
	cfg '.process.cwd = 42'
	id=$(new_id)
	create_fails "$id"
	stderr_mentions 'process\.cwd'
}

@test "error: .linux.namespaces entry with an unknown type" {
	cfg '.linux.namespaces += [{"type": "bogus"}]'
	id=$(new_id)
	create_fails "$id"
	stderr_mentions 'namespace|bogus'
}

@test "error: the rootfs does not exist" {
	rm -rf "$BUNDLE/rootfs"
	id=$(new_id)
	create_fails "$id"
	stderr_mentions 'rootfs'
}

@test "error: the bundle directory does not exist" {
	id=$(new_id)
	run --separate-stderr runtime create --bundle "$T/no-such-bundle" "$id" </dev/null
	[ "$status" -ne 0 ]
	one_line_error
	stderr_mentions 'no-such-bundle|bundle'
	assert_no_leftovers "$id"
}

@test "error: create without a container id" {
	run --separate-stderr runtime create --bundle "$BUNDLE" </dev/null
	[ "$status" -ne 0 ]
	one_line_error
	stderr_mentions 'id|argument'
	run runtime list -q
	[ -z "$output" ]
	assert_no_leftovers
}

@test "error: state/start/kill/delete without a container id" {
	for cmd in state start kill delete; do
		run --separate-stderr runtime "$cmd"
		[ "$status" -ne 0 ]
		one_line_error
	done
}

@test "error: an id that is already in use; the first container is unaffected" {
	id=$(new_id)
	create_ctr "$id"
	pid=$(pid_of "$id")
	run --separate-stderr runtime create --bundle "$BUNDLE" "$id" </dev/null
	[ "$status" -ne 0 ]
	one_line_error
	stderr_mentions "$id|exist|in use"
	[ "$(state_of "$id")" = created ]
	[ "$(pid_of "$id")" = "$pid" ]
	pid_alive "$pid"
	[ "$(runtime list -q)" = "$id" ]
}

@test "error: an invalid container id (with a slash)" {
	run --separate-stderr runtime create --bundle "$BUNDLE" "../escape" </dev/null
	[ "$status" -ne 0 ]
	one_line_error
	[ ! -e "$T/escape" ]
	run runtime list -q
	[ -z "$output" ]
}

@test "error: state/start/kill/delete of an unknown id" {
	id=$(new_id)
	for cmd in state start kill delete; do
		# shellcheck disable=SC2086
		run --separate-stderr runtime $cmd "$id"
		[ "$status" -ne 0 ]
		one_line_error
		stderr_mentions "$id|not exist|no such|not found"
	done
	assert_no_leftovers "$id"
}

@test "error: the entrypoint does not exist" {
	set_args /no-such-binary
	id=$(new_id)
	run --separate-stderr runtime run --bundle "$BUNDLE" "$id" </dev/null
	[ "$status" -ne 0 ]
	one_line_error
	stderr_mentions 'no-such-binary'
	run runtime state "$id"
	[ "$status" -ne 0 ]
	assert_no_leftovers "$id"
}

@test "error: the entrypoint is not executable" {
	printf '#!/bin/sh\necho should-not-run\n' >"$BUNDLE/rootfs/bin/notexec"
	chmod 644 "$BUNDLE/rootfs/bin/notexec"
	set_args /bin/notexec
	id=$(new_id)
	run --separate-stderr runtime run --bundle "$BUNDLE" "$id" </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" != *should-not-run* ]]
	one_line_error
	stderr_mentions 'notexec|permission'
	run runtime state "$id"
	[ "$status" -ne 0 ]
	assert_no_leftovers "$id"
}

@test "error: a command not found in PATH" {
	set_args no-such-command-xyz
	id=$(new_id)
	run --separate-stderr runtime run --bundle "$BUNDLE" "$id" </dev/null
	[ "$status" -ne 0 ]
	one_line_error
	stderr_mentions 'no-such-command-xyz'
	assert_no_leftovers "$id"
}

@test "error: --root under a regular file" {
	touch "$T/regular-file"
	id=$(new_id)
	run --separate-stderr timeout -k 5 "$RUNTIME_TIMEOUT" "$AGENTRUN" --root "$T/regular-file/state" \
		create --bundle "$BUNDLE" "$id" </dev/null
	[ "$status" -ne 0 ]
	one_line_error
	stderr_mentions 'regular-file|not a directory'
	[ -f "$T/regular-file" ]
	assert_no_leftovers "$id"
}

@test "error: --root on a read-only filesystem" {
	mkdir "$T/rofs"
	mount -t tmpfs -o ro,size=1m tmpfs "$T/rofs"
	track_mount "$T/rofs"
	id=$(new_id)
	run --separate-stderr timeout -k 5 "$RUNTIME_TIMEOUT" "$AGENTRUN" --root "$T/rofs/state" \
		create --bundle "$BUNDLE" "$id" </dev/null
	[ "$status" -ne 0 ]
	one_line_error
	stderr_mentions 'rofs|read-only'
	umount "$T/rofs"
	assert_no_leftovers "$id"
}

@test "error: --root under a regular file, for list/state" {
	touch "$T/regular-file"
	run --separate-stderr timeout -k 5 "$RUNTIME_TIMEOUT" "$AGENTRUN" --root "$T/regular-file/state" state foo
	[ "$status" -ne 0 ]
	one_line_error
}

@test "error: an unknown command" {
	run --separate-stderr runtime no-such-command
	[ "$status" -ne 0 ]
	[ -n "$stderr" ]
}

@test "error: a bind mount whose source does not exist" {
	cfg '.mounts += [{"destination": "/mnt/x", "type": "bind", "source": $s, "options": ["bind"]}]' \
		--arg s "$T/no-such-source"
	id=$(new_id)
	create_fails "$id"
	stderr_mentions 'no-such-source|/mnt/x'
	[ ! -e "$T/no-such-source" ]
}

@test "error: a user namespace without mappings fails or maps nothing; nothing leaks" {
	# Either outcome is allowed by the spec wording for runtimes, but a
	# failure must not leave anything behind.
	cfg '.linux.namespaces += [{"type": "user"}] | del(.linux.uidMappings, .linux.gidMappings)'
	set_cmd 'exit 0'
	id=$(new_id)
	run --separate-stderr runtime run --bundle "$BUNDLE" "$id" </dev/null
	assert_no_leftovers "$id"
}

@test "log: --log FILE --log-format json writes JSON lines for a failing command" {
	rm -rf "$BUNDLE/rootfs"
	id=$(new_id)
	run --separate-stderr runtime --log "$T/log.json" --log-format json create --bundle "$BUNDLE" "$id" </dev/null
	[ "$status" -ne 0 ]
	[ -s "$T/log.json" ]
	# Every line is a JSON object with string level, msg and time.
	while IFS= read -r line; do
		jq -e 'type == "object" and (.level | type) == "string" and (.msg | type) == "string" and (.time | type) == "string"' <<<"$line"
	done <"$T/log.json"
	jq -se 'map(select(.level == "error")) | length >= 1' "$T/log.json"
	jq -se 'map(select(.level == "error") | .msg | test("rootfs"; "i")) | any' "$T/log.json"
	assert_no_leftovers "$id"
}

@test "log: --log FILE (text format) records the error" {
	id=$(new_id)
	run --separate-stderr runtime --log "$T/log.txt" state "$id"
	[ "$status" -ne 0 ]
	[ -s "$T/log.txt" ]
	grep -qi error "$T/log.txt"
}

@test "error: a --pid-file that cannot be written fails create after init started; nothing is left" {
	id=$(new_id)
	# stdio to files: an init left running must not hold a pipe of bats open
	status=0
	runtime create --bundle "$BUNDLE" --pid-file "$T/no-such-dir/pid" "$id" \
		</dev/null >"$T/create.out" 2>"$T/create.err" || status=$?
	[ "$status" -ne 0 ]
	stderr=$(cat "$T/create.err")
	one_line_error
	stderr_mentions 'no-such-dir'
	run runtime state "$id"
	[ "$status" -ne 0 ]
	assert_no_leftovers "$id"
}
