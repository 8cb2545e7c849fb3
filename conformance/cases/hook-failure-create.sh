#!/usr/bin/env bash
# a failing createRuntime hook fails create; no container is left
. "$(dirname "$0")/../lib.sh"

cat >"$WORK/fail.sh" <<'EOH'
#!/bin/sh
echo "$1" >>"$2/ran"
exit 3
EOH
chmod 755 "$WORK/fail.sh"
cfg '.hooks.createRuntime = [{"path": $p, "args": ["fail.sh", "createRuntime", $w]}]' \
	--arg p "$WORK/fail.sh" --arg w "$WORK"
add_shared
set_cmd 'echo ran > /shared/ran; sleep 1000'
id=$(new_id)
rc=0
rt create --bundle "$BUNDLE" "$id" </dev/null >"$WORK/create.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "create succeeded despite the failing hook"
expect_eq "$(cat "$WORK/ran" 2>/dev/null)" createRuntime "the hook ran"
sleep 0.5
[ ! -e "$WORK/shared/ran" ] || fail "the container process ran"
if rt state "$id" >/dev/null 2>&1; then
	fail "state still shows $id: $(rt state "$id" 2>&1)"
fi
[ -z "$(rt list -q 2>/dev/null)" ] || fail "list still shows: $(rt list -q)"
pass
