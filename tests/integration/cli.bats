#!/usr/bin/env bats
# Command line: --version, --help, spec, features.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

@test "cli: --version prints a version and exits 0" {
	run --separate-stderr "$AGENTRUN" --version
	[ "$status" -eq 0 ]
	[[ "$output" == *version* ]]
	[[ "$output" =~ [0-9]+\.[0-9]+ ]]
}

@test "cli: --version: runc's first three lines, the commit of this tree, the libraries, CRIU" {
	run --separate-stderr "$AGENTRUN" --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^agentrun\ version\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[[ "${lines[1]}" =~ ^commit:\ ([^ ]+)$ ]]
	local commit=${BASH_REMATCH[1]}
	[ "$commit" != unknown ]
	[ "${lines[2]}" = "spec: 1.3.0" ]
	[[ "$output" =~ $'\n'libseccomp:\ [0-9]+\.[0-9]+\.[0-9]+$'\n' ]]
	[[ "$output" =~ $'\n'yajl:\ [0-9]+\.[0-9]+\.[0-9]+$'\n' ]]
	[[ "$output" =~ $'\n'libcap:\ [0-9]+\.[0-9]+ ]]
	[[ "$output" =~ $'\n'libmnl:\ [0-9]+\.[0-9]+ ]]
	[[ "$output" =~ $'\n'libcriu:\  ]]
	[[ "$output" =~ $'\n'criu:\ [^$'\n']+$ ]]
	# the commit is `git describe --always --dirty` of the tree built:
	# [TAG-N-g]HASH[-dirty], HASH a prefix of HEAD
	local src
	src=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	git -C "$src" rev-parse --show-toplevel >/dev/null 2>&1 || skip "$src is not a git tree"
	local head hash=${commit%-dirty}
	head=$(git -C "$src" rev-parse HEAD)
	hash=${hash##*-g}
	[ "${#hash}" -ge 7 ]
	[[ "$head" == "$hash"* ]] || { echo "commit: $commit, HEAD: $head" >&2; return 1; }
}

@test "cli: --version says which CRIU it would run, or that there is none" {
	run --separate-stderr "$AGENTRUN" --criu /nonexistent/criu --version
	[ "$status" -eq 0 ]
	if [[ "$output" == *"libcriu: not built in"* ]]; then
		[[ "$output" == *"criu: not supported (built without libcriu)"* ]]
	else
		[[ "$output" == *"criu: not found (/nonexistent/criu: No such file or directory)"* ]]
		# a binary that is not CRIU: no version, and nothing on stderr
		run --separate-stderr "$AGENTRUN" --version --criu /bin/true
		[ "$status" -eq 0 ]
		[[ "$output" == *"criu: unknown (/bin/true does not answer as CRIU)"* ]]
		[ -z "$stderr" ]
	fi
}

@test "cli: --help lists the commands and exits 0" {
	run --separate-stderr "$AGENTRUN" --help
	[ "$status" -eq 0 ]
	for cmd in create start run state kill delete list spec features; do
		echo "$output" | grep -qw "$cmd" || { echo "--help does not list $cmd" >&2; return 1; }
	done
}

@test "cli: COMMAND --help describes the command's flags and exits 0" {
	run "$AGENTRUN" create --help
	[ "$status" -eq 0 ]
	[[ "$output" == *--bundle* ]]
	[[ "$output" == *--pid-file* ]]
	run "$AGENTRUN" kill --help
	[ "$status" -eq 0 ]
	[[ "$output" == *--all* ]]
	run "$AGENTRUN" delete --help
	[ "$status" -eq 0 ]
	[[ "$output" == *--force* ]] || [[ "$output" == *-f* ]]
	run "$AGENTRUN" list --help
	[ "$status" -eq 0 ]
	[[ "$output" == *--format* ]]
	for cmd in start run state spec features; do
		run "$AGENTRUN" "$cmd" --help
		[ "$status" -eq 0 ]
		[ -n "$output" ]
	done
}

@test "spec: writes a valid default config.json in the current directory" {
	mkdir "$T/spec"
	(cd "$T/spec" && runtime spec)
	f=$T/spec/config.json
	[ -s "$f" ]
	jq -e . "$f" >/dev/null
	validate_json config-schema.json "$f"
	jq -e '.ociVersion | type == "string"' "$f"
	jq -e '.root.path == "rootfs"' "$f"
	jq -e '.process.args | type == "array" and length > 0' "$f"
	jq -e '.process.cwd == "/"' "$f"
	jq -e '.process.env | map(startswith("PATH=")) | any' "$f"
	jq -e '[.mounts[].destination] | index("/proc") != null and index("/dev") != null and index("/sys") != null' "$f"
	jq -e '[.linux.namespaces[].type] | (index("pid") != null and index("mount") != null and index("network") != null and index("ipc") != null and index("uts") != null)' "$f"
	jq -e '[.linux.namespaces[].type] | index("user") == null' "$f"
	jq -e '.linux.maskedPaths | length > 0' "$f"
	jq -e '.linux.readonlyPaths | length > 0' "$f"
	jq -e '.process.capabilities.bounding | length > 0' "$f"
}

@test "spec: --bundle DIR writes DIR/config.json" {
	mkdir "$T/other"
	runtime spec --bundle "$T/other"
	validate_json config-schema.json "$T/other/config.json"
}

@test "spec: refuses to overwrite an existing config.json" {
	mkdir "$T/other"
	echo '{"keep": true}' >"$T/other/config.json"
	run --separate-stderr runtime spec --bundle "$T/other"
	[ "$status" -ne 0 ]
	[ -n "$stderr" ]
	jq -e '.keep == true' "$T/other/config.json"
}

@test "spec: --rootless adds a user namespace with mappings" {
	mkdir "$T/rootless"
	runtime spec --rootless --bundle "$T/rootless"
	f=$T/rootless/config.json
	validate_json config-schema.json "$f"
	jq -e '[.linux.namespaces[].type] | index("user") != null' "$f"
	jq -e '.linux.uidMappings | length > 0' "$f"
	jq -e '.linux.gidMappings | length > 0' "$f"
	jq -e '.linux.uidMappings[0].containerID == 0' "$f"
}

@test "spec: the generated config runs in a real bundle" {
	mkdir "$T/gen"
	runtime spec --bundle "$T/gen"
	cp -a "$BUNDLE/rootfs" "$T/gen/rootfs"
	jq '.process.terminal = false | .process.args = ["sh", "-c", "echo spec-ok"]' \
		"$T/gen/config.json" >"$T/gen/c.json"
	mv "$T/gen/c.json" "$T/gen/config.json"
	id=$(new_id)
	run runtime run --bundle "$T/gen" "$id" </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = spec-ok ]
}

@test "features: valid against features-schema.json" {
	runtime features >"$T/features.json"
	validate_json features-schema.json "$T/features.json"
	jq -e '.ociVersionMin | type == "string"' "$T/features.json"
	jq -e '.ociVersionMax | type == "string"' "$T/features.json"
}

@test "features: lists the hooks, mount options and namespaces it supports" {
	runtime features >"$T/features.json"
	jq -e '.hooks | index("prestart") != null and index("poststop") != null' "$T/features.json"
	jq -e '.mountOptions | index("ro") != null and index("nosuid") != null' "$T/features.json"
	jq -e '.linux.namespaces | (index("pid") != null and index("network") != null and index("user") != null)' "$T/features.json"
	# cgroupfs v1 and v2 (rdma.max on both), the systemd driver (root and
	# the user's own instance)
	jq -e '.linux.cgroup == {"v1": true, "v2": true, "systemd": true, "systemdUser": true, "rdma": true}' "$T/features.json"
}

@test "cli: --root is created when missing" {
	rm -rf "$STATE_ROOT"
	id=$(new_id)
	create_ctr "$id"
	[ -d "$STATE_ROOT" ]
	[ "$(state_of "$id")" = created ]
}

@test "cli: separate --root dirs do not see each other's containers" {
	id=$(new_id)
	create_ctr "$id"
	run timeout 20 "$AGENTRUN" --root "$T/other-root" list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run timeout 20 "$AGENTRUN" --root "$T/other-root" state "$id"
	[ "$status" -ne 0 ]
	rm -rf "$T/other-root"
}
