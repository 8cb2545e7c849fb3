# shellcheck shell=bash
# tests/lib/egress.bash - the test proxy for the egress tests (load after
# bundle). start_proxy NAMES starts tests/lib/egress_proxy.py on a unix
# socket with the allow-list NAMES (comma-separated) and sets:
#   PROXY_SOCK  the socket    PROXY_LOG  its ALLOW/DENY lines
#   PROXY_PID   its pid       UPSTREAM_PORT  the host's HTTP server (127.0.0.1)
# stop_proxy kills it (by pid). egress_pid ID: the forwarder's pid of ID.

start_proxy() {
	local d=$T/proxy i
	mkdir -p "$d"
	chmod 755 "$d"
	PROXY_SOCK=$d/sock
	PROXY_LOG=$d/log
	: >"$PROXY_LOG"
	# its cwd outside $T: the leak check counts processes with a cwd there
	(cd / && exec "$PYTHON" "$LIB_DIR/egress_proxy.py" "$PROXY_SOCK" "$d/ready" "$PROXY_LOG" "$1") \
		</dev/null >"$d/out" 2>&1 &
	PROXY_PID=$!
	for ((i = 0; i < 200; i++)); do
		[ -s "$d/ready" ] && break
		sleep 0.05
	done
	[ -s "$d/ready" ] || { echo "the test proxy did not start: $(cat "$d/out")" >&2; return 1; }
	UPSTREAM_PORT=$(cat "$d/ready")
}

stop_proxy() {
	[ -n "${PROXY_PID:-}" ] || return 0
	kill "$PROXY_PID" 2>/dev/null
	wait "$PROXY_PID" 2>/dev/null || true
	PROXY_PID=
}

egress_pid() {
	cut -d' ' -f1 "$STATE_ROOT/$1/egress.pid"
}
