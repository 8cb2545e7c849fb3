#!/usr/bin/env bats
# Hostile sizes in config.json (docs/security.md, "fuzz"): each is refused
# with a one-line error naming the JSON path, a non-zero exit, and nothing
# left behind; none crashes the runtime.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

# create_refused ID ERE: create fails (no crash) with one line on stderr
# matching ERE, and leaves nothing behind. stdio goes to files: a weakened
# build that accepts the config must not hold the test's pipes open.
create_refused() {
	local id=$1 rc=0
	runtime create --bundle "$BUNDLE" "$id" </dev/null >"$T/$id.out" 2>"$T/$id.err" || rc=$?
	local err
	err=$(cat "$T/$id.err")
	echo "status=$rc stderr=${err:0:300}" >&2
	[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ]
	[ "$(grep -c . "$T/$id.err")" -eq 1 ]
	grep -qE -- "$2" "$T/$id.err"
	run runtime state "$id"
	[ "$status" -ne 0 ]
	assert_no_leftovers "$id"
}

@test "bounds: 100000 additionalGids" {
	# large documents: slow under the sanitizers (tests/run-sanitizers)
	RUNTIME_TIMEOUT=120
	cfg '.process.user.additionalGids = [range(100000)]'
	create_refused "$(new_id)" 'config.json: \.process\.user\.additionalGids: 100000 entries, at most 65536 allowed'
}

@test "bounds: 65536 additionalGids are accepted and set" {
	RUNTIME_TIMEOUT=120
	cfg '.process.user.additionalGids = [range(65536)]'
	run_ctr 'awk "/^Groups:/ { print NF - 1 }" /proc/self/status'
	[ "$status" -eq 0 ]
	[ "$output" = 65536 ]
}

@test "bounds: JSON nested 100000 levels deep" {
	python3 - "$BUNDLE/config.json" <<-'PY'
		import json, sys
		p = sys.argv[1]
		text = open(p).read().rstrip()
		assert text.endswith("}")
		open(p, "w").write(text[:-1] + ',"deep":' + "[" * 100000 + "]" * 100000 + "}")
	PY
	create_refused "$(new_id)" 'config.json: invalid JSON: nested deeper than 64 levels'
}

@test "bounds: 341 uid mapping lines" {
	cfg '.linux.namespaces += [{"type":"user"}] | .linux.gidMappings = [{"containerID":0,"hostID":0,"size":1}] | .linux.uidMappings = [range(341) | {"containerID":., "hostID":(100000 + .), "size":1}]'
	create_refused "$(new_id)" 'config.json: \.linux\.uidMappings: 341 entries, at most 340 allowed'
}

@test "bounds: an rdma device name of 5000 bytes" {
	cfg '.linux.resources.rdma = {($d): {"hcaHandles": 1, "hcaObjects": 2}}' --arg d "$(head -c 5000 /dev/zero | tr '\0' m)"
	create_refused "$(new_id)" 'config\.json: \.linux\.resources\.rdma: device name of 5000 bytes, at most 63 allowed'
}

@test "bounds: a cgroupsPath component of 16 MiB" {
	# twice the default stack: a VLA of it crashed the runtime
	head -c 16777216 /dev/zero | tr '\0' c >"$T/component"
	cfg '.linux.cgroupsPath = $c' --rawfile c "$T/component"
	create_refused "$(new_id)" '.'
}
