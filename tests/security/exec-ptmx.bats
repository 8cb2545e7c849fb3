#!/usr/bin/env bats
# Attack tests: `exec -t` and the container's /dev/ptmx. The container
# replaces /dev/ptmx with a symlink to /proc/self/fd/7. `exec -t` opened it
# in the container before the caller's fds were closed: the exec'd process
# reopened fd 7 that the caller passed in (here the caller's own pty
# master), and got a pty of the caller's devpts instead of its own.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

# WITH_PTY7 CMD...: CMD with a fresh host pty master as fd 7 (inherited).
WITH_PTY7='
import os, subprocess, sys
m, s = os.openpty()
os.dup2(m, 7)
os.set_inheritable(7, True)
sys.exit(subprocess.call(sys.argv[1:], pass_fds=(7,), stdin=subprocess.DEVNULL))
'

@test "exec -t: a /dev/ptmx planted as a /proc magic link never reopens the caller's fd" {
	start_ctr 'ln -sf /proc/self/fd/7 /dev/ptmx && touch /tmp/planted; sleep 1000'
	local i
	for ((i = 0; i < 200; i++)); do
		[ -e "/proc/$PID/root/tmp/planted" ] && break
		sleep 0.1
	done
	[ "$(readlink "/proc/$PID/root/dev/ptmx")" = /proc/self/fd/7 ]
	# the exec'd process says whether its terminal is on the container's devpts
	run "$PYTHON" -c "$WITH_PTY7" timeout -k 5 "$RUNTIME_TIMEOUT" "$AGENTRUN" --root "$STATE_ROOT" \
		exec -t "$ID" sh -c '[ "$(stat -Lc %d /proc/self/fd/0)" = "$(stat -c %d /dev/pts)" ] && echo OWN-PTS || echo FOREIGN-PTS'
	echo "exec: status $status, output: $output" >&2
	[[ "$output" != *FOREIGN-PTS* ]]
	if [ "$status" -ne 0 ]; then
		[[ "$output" == *"/dev/ptmx in the container"* ]]
	else
		[[ "$output" == *OWN-PTS* ]]
	fi
	# with /dev/ptmx put back, exec -t works
	run runtime exec "$ID" ln -sf pts/ptmx /dev/ptmx
	[ "$status" -eq 0 ]
	run "$PYTHON" -c "$WITH_PTY7" timeout -k 5 "$RUNTIME_TIMEOUT" "$AGENTRUN" --root "$STATE_ROOT" \
		exec -t "$ID" sh -c '[ "$(stat -Lc %d /proc/self/fd/0)" = "$(stat -c %d /dev/pts)" ] && echo OWN-PTS || echo FOREIGN-PTS'
	echo "exec: status $status, output: $output" >&2
	[ "$status" -eq 0 ]
	[[ "$output" == *OWN-PTS* ]]
}
