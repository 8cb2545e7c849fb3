#!/usr/bin/env bash
# list -q and --format json show the containers
. "$(dirname "$0")/../lib.sh"

a=$(new_id)
create_bg "$a"
expect_eq "$(rt list -q)" "$a" "list -q"
rt list --format json | jq -e --arg id "$a" '.[] | select(.id == $id) | .status == "created"' >/dev/null ||
	fail "list --format json: $(rt list --format json)"
pass
