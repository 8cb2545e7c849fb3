#!/usr/bin/env bash
# hooks run in lifecycle order, each with the state on stdin, its args and env
. "$(dirname "$0")/../lib.sh"

# $out is bind-mounted at the same path in the container: the hook script
# and what it writes have one path in both namespaces.
out=$WORK/out
mkdir -p "$out"
chmod 777 "$out"
add_mount "$out" bind "$out" rbind rw
cat >"$out/hook.sh" <<'EOH'
#!/bin/sh
cat >"$2/$1.state"
readlink /proc/self/ns/mnt >"$2/$1.mnt"
echo "$*" >"$2/$1.args"
env >"$2/$1.env"
echo "$1" >>"$2/order"
EOH
chmod 755 "$out/hook.sh"
for h in prestart createRuntime createContainer startContainer poststart poststop; do
	cfg '.hooks[$h] = [{"path": $p, "args": ["hook.sh", $h, $o], "env": ["PATH=/usr/bin:/bin", "HOOKVAR=v-" + $h]}]' \
		--arg h "$h" --arg p "$out/hook.sh" --arg o "$out"
done
set_cmd "echo ran >> $out/order; sleep 1000"
order() { tr '\n' ' ' <"$out/order" 2>/dev/null | sed 's/ $//'; }

id=$(new_id)
create_bg "$id"
pid=$(pid_of "$id")
expect_eq "$(order)" "prestart createRuntime createContainer" "hooks run by create"
rt start "$id" >/dev/null 2>&1 || fail "start failed"
for ((i = 0; i < 100; i++)); do
	grep -qx ran "$out/order" && break
	sleep 0.1
done
o=$(order)
grep -qx poststart "$out/order" || fail "poststart did not run by the time start returned: $o"
# startContainer before the process; poststart is not ordered with either
seq=$(grep -vx poststart "$out/order" | tr '\n' ' ' | sed 's/ $//')
expect_eq "$seq" "prestart createRuntime createContainer startContainer ran" "order after start ($o)"
rt kill "$id" KILL >/dev/null 2>&1
wait_status "$id" stopped
rt delete "$id" >/dev/null 2>&1 || fail "delete failed"
expect_eq "$(tail -n 1 "$out/order")" poststop "the last hook"

host_mnt=$(readlink /proc/self/ns/mnt)
for h in prestart createRuntime createContainer startContainer poststart poststop; do
	f=$out/$h.state
	jq -e . "$f" >/dev/null 2>&1 || fail "$h: no JSON state on stdin: $(cat "$f")"
	expect_eq "$(jq -r .id "$f")" "$id" "$h: state id"
	jq -e '.ociVersion | type == "string"' "$f" >/dev/null || fail "$h: no ociVersion"
	jq -e '.status | type == "string"' "$f" >/dev/null || fail "$h: no status"
	expect_eq "$(cat "$out/$h.args")" "$h $out" "$h: args"
	grep -qx "HOOKVAR=v-$h" "$out/$h.env" || fail "$h: env: $(cat "$out/$h.env")"
done
# the runtime namespace: the bundle and the pid as the host sees them
for h in prestart createRuntime poststart poststop; do
	expect_eq "$(jq -r .bundle "$out/$h.state")" "$(realpath "$BUNDLE")" "$h: state bundle"
	expect_eq "$(cat "$out/$h.mnt")" "$host_mnt" "$h: mount namespace (the runtime's)"
done
for h in prestart createRuntime poststart; do
	expect_eq "$(jq -r .pid "$out/$h.state")" "$pid" "$h: state pid"
done
expect_eq "$(jq -r .status "$out/poststop.state")" stopped "poststop: state status"
for h in createContainer startContainer; do
	[ "$(cat "$out/$h.mnt")" != "$host_mnt" ] || fail "$h ran in the runtime's mount namespace"
done
pass
