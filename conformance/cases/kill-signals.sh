#!/usr/bin/env bash
# kill by name (USR1, SIGUSR1) and by number (10), then KILL
. "$(dirname "$0")/../lib.sh"

add_shared
set_cmd 'trap "echo USR1 >> /shared/sig" USR1; echo $$ > /shared/ready; while :; do sleep 0.1; done'
id=$(new_id)
run_d "$id"
wait_file "$WORK/shared/ready"
n=0
for s in USR1 SIGUSR1 10; do
	rt kill "$id" "$s" >/dev/null 2>&1 || fail "kill $s failed"
	n=$((n + 1))
	for ((i = 0; i < 200; i++)); do
		[ "$(wc -l <"$WORK/shared/sig" 2>/dev/null || echo 0)" -ge $n ] && break
		sleep 0.1
	done
	[ "$(wc -l <"$WORK/shared/sig" 2>/dev/null || echo 0)" -ge $n ] || fail "signal $s not received"
done
expect_eq "$(state_of "$id")" running "state after USR1s"
rt kill "$id" KILL >/dev/null 2>&1 || fail "kill KILL failed"
wait_status "$id" stopped
pass
