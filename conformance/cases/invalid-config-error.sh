#!/usr/bin/env bash
# a config.json with a wrong type is refused, nothing is left
. "$(dirname "$0")/../lib.sh"

cfg '.process.args = "sh"'
id=$(new_id)
rt create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>"$WORK/err" && fail "create succeeded"
[ -s "$WORK/err" ] || fail "no error message"
rt state "$id" >/dev/null 2>&1 && fail "a state exists for the failed id"
true
pass
