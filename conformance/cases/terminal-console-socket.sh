#!/usr/bin/env bash
# process.terminal: the pty master reaches --console-socket; the process
# has a tty on its stdio, consoleSize applies
. "$(dirname "$0")/../lib.sh"

"$PYTHON" -c 'import socket; socket.recv_fds' 2>/dev/null || skip "python3 with socket.recv_fds needed"
sock=$WORK/console.sock
# accept one connection, take the fd, read the pty until it closes
(cd / && exec timeout 60 "$PYTHON" -c '
import os, select, socket, sys, time
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path + ".tmp"); s.listen(1); os.rename(path + ".tmp", path)
s.settimeout(50)
c, _ = s.accept()
msg, fds, flags, addr = socket.recv_fds(c, 4096, 8)
data = b""
deadline = time.time() + 30
while fds and time.time() < deadline:
    if not select.select([fds[0]], [], [], 1)[0]:
        continue
    try:
        chunk = os.read(fds[0], 4096)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
open(out + ".tmp", "wb").write(("fds=%d\n" % len(fds)).encode() + data)
os.rename(out + ".tmp", out)
' "$sock" "$WORK/console.out" </dev/null >"$WORK/console.log" 2>&1) &
for ((i = 0; i < 200; i++)); do
	[ -S "$sock" ] && break
	sleep 0.1
done
[ -S "$sock" ] || fail "console socket helper did not start: $(cat "$WORK/console.log")"

cfg '.process.terminal = true | .process.consoleSize = {"height": 25, "width": 91}'
set_cmd 'tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo stdio-ttys; stty size; [ -c /dev/console ] && echo console'
id=$(new_id)
create_bg "$id" --console-socket "$sock"
rt start "$id" >/dev/null 2>&1 || fail "start failed"
for ((i = 0; i < 300; i++)); do
	[ -e "$WORK/console.out" ] && break
	sleep 0.1
done
[ -e "$WORK/console.out" ] || fail "no output through the pty: $(cat "$WORK/console.log")"
mapfile -t l < <(tr -d '\r' <"$WORK/console.out")
expect_eq "${l[0]}" fds=1 "fds received"
[[ "${l[1]}" =~ ^/dev/pts/[0-9]+$ ]] || fail "tty: ${l[1]}"
expect_eq "${l[2]}" stdio-ttys "stdio"
expect_eq "${l[3]}" "25 91" "stty size"
expect_eq "${l[4]}" console "/dev/console is a character device"
wait_status "$id" stopped
pass
