# shellcheck shell=sh
# tests/workloads/workloads.sh - what a coding agent does, run inside the
# Debian toolchain rootfs (tests/workloads/rootfs.sh) as
#     sh -c "$(cat workloads.sh)" workloads NAME [ARGS...]
# Every workload works in /work (HOME) and prints "NAME ok" at its end;
# any failing step stops it (set -e) with a non-zero status. The hostile
# ones print one line per attempt and "refused" or "ESCAPED".
set -eu
cd /work

wl_git() {
	git init -q repo
	cd repo
	git config user.email agent@example.invalid
	git config user.name agent
	printf 'hello\n' >README
	git add README
	git commit -qm "first commit"
	printf 'more\n' >>README
	git commit -qam "second commit"
	git log --oneline | awk '{ $1 = ""; print }'
	test "$(git rev-list --count HEAD)" = 2
	echo "git ok"
}

# a venv, a wheel made here (a zip with its dist-info) installed with pip
# from the file, offline, and a script run with the venv's python
wl_python() {
	python3 -m venv /work/venv
	mkdir -p /work/whl
	python3 - <<-'EOF'
		import base64, hashlib, zipfile
		files = {
		    "tiny_hello/__init__.py": "def greet():\n    return 'hello from a wheel'\n",
		    "tiny_hello-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tiny-hello\nVersion: 1.0\n",
		    "tiny_hello-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: agentrun-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
		}
		record = []
		with zipfile.ZipFile("/work/whl/tiny_hello-1.0-py3-none-any.whl", "w") as z:
		    for name, text in files.items():
		        data = text.encode()
		        z.writestr(name, data)
		        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
		        record.append("%s,sha256=%s,%d" % (name, h, len(data)))
		    record.append("tiny_hello-1.0.dist-info/RECORD,,")
		    z.writestr("tiny_hello-1.0.dist-info/RECORD", "\n".join(record) + "\n")
	EOF
	/work/venv/bin/pip install --quiet --no-index --disable-pip-version-check \
		/work/whl/tiny_hello-1.0-py3-none-any.whl
	cat >/work/script.py <<-'EOF'
		import sys, tiny_hello
		assert sys.prefix == "/work/venv", sys.prefix
		print(tiny_hello.greet(), "in", sys.prefix)
	EOF
	/work/venv/bin/python /work/script.py
	echo "python ok"
}

wl_c() {
	mkdir -p /work/cproj
	cd /work/cproj
	cat >greet.h <<-'EOF'
		const char *greet(void);
	EOF
	cat >greet.c <<-'EOF'
		#include "greet.h"
		const char *greet(void) { return "hello from C"; }
	EOF
	cat >main.c <<-'EOF'
		#include <stdio.h>
		#include "greet.h"
		int main(void) { puts(greet()); return 0; }
	EOF
	printf 'hello: main.o greet.o\n\t$(CC) -o $@ main.o greet.o\n%%.o: %%.c greet.h\n\t$(CC) -O2 -Wall -Werror -c $<\n' >Makefile
	make -j2 CC=gcc
	./hello
	echo "c ok"
}

wl_node() {
	node -e 'const os = require("os"); console.log("node", process.version, "sum", [1, 2, 3].reduce((a, b) => a + b))'
	echo "node ok"
}

# a tiny package made here, packed with npm pack, installed from the
# tarball, offline
wl_npm() {
	mkdir -p /work/tiny /work/app
	cd /work/tiny
	printf '{"name": "tiny-greet", "version": "1.0.0", "main": "index.js"}\n' >package.json
	printf 'module.exports = () => "hello from npm";\n' >index.js
	npm pack --silent >/dev/null
	cd /work/app
	printf '{"name": "app", "version": "1.0.0", "private": true}\n' >package.json
	npm install --offline --no-audit --no-fund --silent /work/tiny/tiny-greet-1.0.0.tgz
	node -e 'console.log(require("tiny-greet")())'
	echo "npm ok"
}

wl_jobs() {
	(seq 1 20000 | sort -rn | head -3 >/work/top) &
	(yes agent | head -n 50000 | wc -l >/work/count) &
	(sleep 0.2 && echo late >/work/late) &
	wait
	cat /work/top /work/count /work/late
	test "$(cat /work/count)" = 50000
	grep -c . /work/top | grep -qx 3
	echo "jobs ok"
}

# ---------------------------------------------------------------- hostile

attempt() {
	# attempt WHAT CMD...: CMD must fail; the last line of its error is shown
	what=$1
	shift
	if "$@" >/work/.attempt 2>&1; then
		echo "ESCAPED: $what"
	else
		echo "refused: $what ($(tail -n 1 /work/.attempt))"
	fi
}

# writes anywhere but /work (and the tmpfs /tmp)
wl_hostile_write() {
	for f in /x /etc/x /usr/bin/x /var/x /root/x /home/x /usr/lib/x /opt/x; do
		attempt "write $f" sh -c "echo pwned >$f"
	done
	attempt "append /etc/passwd" sh -c 'echo evil:x:0:0::/:/bin/sh >>/etc/passwd'
	attempt "chmod /usr/bin/git" chmod 777 /usr/bin/git
	echo ok >/work/allowed && echo "work writable"
}

# the host through /proc: $1 is a file of the host (outside the rootfs)
wl_hostile_proc() {
	secret=$1
	for p in /proc/[0-9]*; do
		attempt "read $p/root$secret" cat "$p/root$secret"
	done
	attempt "read /proc/1/root$secret via ..//" cat "/proc/1/root/../../../..$secret"
	attempt "write /proc/sys/kernel/hostname" sh -c 'echo pwned >/proc/sys/kernel/hostname'
	attempt "write /proc/sys/vm/drop_caches" sh -c 'echo 3 >/proc/sys/vm/drop_caches'
	attempt "write /proc/sysrq-trigger" sh -c 'echo h >/proc/sysrq-trigger'
	attempt "read /proc/kcore" sh -c 'test -n "$(head -c 16 /proc/kcore | od -An)"'
	attempt "read /proc/keys" sh -c 'test -s /proc/keys'
	echo "pids seen: $(ls -d /proc/[0-9]* | wc -l)"
}

wl_hostile_ns() {
	attempt "unshare -U" unshare -U true
	attempt "unshare -m" unshare -m true
	attempt "unshare -n" unshare -n true
	attempt "unshare -p -f" unshare -p -f true
	attempt "mount tmpfs" mount -t tmpfs none /mnt
	attempt "remount / rw" mount -o remount,rw /
	attempt "bind /work over /etc" mount --bind /work /etc
	attempt "python os.setns/unshare via ctypes" python3 -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
sys.exit(0 if libc.unshare(0x10000000) == 0 else 1)'
}

# io_uring_setup (425), bpf (321), userfaultfd (323), perf_event_open
# (298) on x86_64, straight through syscall(2)
wl_hostile_syscalls() {
	python3 - <<-'EOF'
		import ctypes, os
		libc = ctypes.CDLL(None, use_errno=True)
		libc.syscall.restype = ctypes.c_long
		buf = ctypes.create_string_buffer(256)
		for name, nr, args in (("io_uring_setup", 425, (8, buf)),
		                       ("bpf", 321, (0, buf, 72)),
		                       ("userfaultfd", 323, (0,)),
		                       ("perf_event_open", 298, (buf, 0, -1, -1, 0))):
		    r = libc.syscall(nr, *args)
		    e = ctypes.get_errno()
		    print(("ESCAPED: %s returned %d" % (name, r)) if r >= 0
		          else "refused: %s (%s)" % (name, os.strerror(e)))
	EOF
}

# connecting out without the proxy: $1 the host's address, $2 a port the
# host listens on at 127.0.0.1; then the proxy, as an agent's HTTP client
# would use it (urllib reads HTTP_PROXY)
wl_hostile_net() {
	python3 - "$1" "$2" <<-'EOF'
		import socket, sys, urllib.request, urllib.error
		host_ip, port = sys.argv[1], int(sys.argv[2])
		for addr in (("127.0.0.1", port), (host_ip, port), (host_ip, 22), ("192.0.2.1", 80), ("2001:db8::1", 80)):
		    try:
		        s = socket.create_connection(addr, timeout=5)
		        print("ESCAPED: connected to %s:%d" % addr)
		        s.close()
		    except OSError as e:
		        print("refused: %s:%d (%s)" % (addr[0], addr[1], e.strerror or e))
		for fam, typ in ((socket.AF_PACKET, socket.SOCK_RAW), (socket.AF_INET, socket.SOCK_RAW)):
		    try:
		        socket.socket(fam, typ).close()
		        print("ESCAPED: socket(%d, %d)" % (fam, typ))
		    except OSError as e:
		        print("refused: raw socket %d (%s)" % (fam, e.strerror))
		print("via proxy:", urllib.request.urlopen("http://allowed.test/agent", timeout=10).read().decode().strip())
		try:
		    urllib.request.urlopen("http://denied.test/", timeout=10)
		    print("ESCAPED: denied.test answered")
		except urllib.error.HTTPError as e:
		    print("refused: denied.test (proxy said %d)" % e.code)
	EOF
}

name=$1
shift
"wl_$name" "$@"
