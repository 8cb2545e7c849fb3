#!/usr/bin/env bats
# The schemas of tests/schema against the documents of tests/fixtures: the
# good ones conform, the bad ones do not (config documents listed in
# tests/fixtures/config/bad/beyond-schema.txt excepted, with the reason).
# The unit tests hold the same config documents against agentrun's parser
# (tests/unit/test_spec.c), so parser and schema are checked to agree.

load ../lib/bundle

FIXTURES=$REPO/tests/fixtures

# check_all KIND good|bad: every document of tests/fixtures/KIND/good|bad
# against KIND-schema.json; prints each one that does the wrong thing.
check_all() {
	local kind=$1 want=$2 f name n=0 wrong=0
	for f in "$FIXTURES/$kind/$want"/*.json; do
		n=$((n + 1))
		name=$(basename "$f" .json)
		if [ "$want" = bad ] && [ "$kind" = config ] &&
			grep -q "^$name " "$FIXTURES/config/bad/beyond-schema.txt"; then
			continue
		fi
		if validate_json "$kind-schema.json" "$f" 2>"$BATS_TEST_TMPDIR/err"; then
			[ "$want" = good ] || { echo "bad/$name conforms to $kind-schema.json"; wrong=$((wrong + 1)); }
		else
			[ "$want" = bad ] || { echo "good/$name:"; cat "$BATS_TEST_TMPDIR/err"; wrong=$((wrong + 1)); }
		fi
	done
	echo "$n documents in $kind/$want"
	[ "$n" -ge 3 ] && [ "$wrong" -eq 0 ]
}

@test "schema: python3-jsonschema is installed" {
	"$PYTHON" -c 'import jsonschema'
}

@test "schema: the schemas are valid JSON Schema (draft 7)" {
	for s in "$SCHEMA_DIR"/*.json; do
		"$PYTHON" -c 'import json, sys, jsonschema; jsonschema.Draft7Validator.check_schema(json.load(open(sys.argv[1])))' "$s"
	done
}

@test "schema: good config documents conform to config-schema.json" {
	check_all config good
}

@test "schema: bad config documents do not (beyond-schema.txt excepted)" {
	check_all config bad
	# every exception names an existing bad document
	while read -r name _; do
		case "$name" in '#'* | '') continue ;; esac
		[ -f "$FIXTURES/config/bad/$name.json" ] || { echo "beyond-schema.txt: no $name.json"; false; }
	done <"$FIXTURES/config/bad/beyond-schema.txt"
}

@test "schema: state documents against state-schema.json" {
	check_all state good
	check_all state bad
}

@test "schema: features documents against features-schema.json" {
	check_all features good
	check_all features bad
}

@test "schema: tests/lib/config.json conforms to config-schema.json" {
	validate_json config-schema.json "$CONFIG_TEMPLATE"
}
