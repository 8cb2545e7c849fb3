#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A small allow-listing HTTP proxy on a unix socket, for the egress tests.

    egress_proxy.py SOCKET READY LOG NAME[,NAME...]

Listens on the unix socket SOCKET (mode 0666). Understands CONNECT
host:port (a tunnel) and plain HTTP requests with an absolute URI
(GET http://host/path). A host name on the allow-list is resolved by the
proxy itself, never by DNS or /etc/hosts: every allowed name maps to an
upstream HTTP server this script runs on 127.0.0.1 of the host (its answer
names the Host it was asked for). Any other host gets "403 Forbidden".
Each decision is appended to LOG ("ALLOW name" / "DENY name"). When
listening, the upstream port is written to READY. Runs until killed.
"""
import http.server
import os
import socket
import socketserver
import sys
import threading


class Upstream(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("upstream says hello to %s%s\n" % (self.headers.get("Host", "?"), self.path)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def relay(a, b):
    """Copy both ways until both sides are done."""

    def one(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    t = threading.Thread(target=one, args=(b, a), daemon=True)
    t.start()
    one(a, b)
    t.join(60)


def main():
    path, ready, log, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    allowed = {n.strip().lower() for n in names.split(",") if n.strip()}
    up = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=up.serve_forever, daemon=True).start()
    upstream = ("127.0.0.1", up.server_address[1])
    lock = threading.Lock()

    def note(line):
        with lock, open(log, "a") as f:
            f.write(line + "\n")

    class Proxy(socketserver.BaseRequestHandler):
        def handle(self):
            c = self.request
            c.settimeout(60)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                data = c.recv(4096)
                if not data:
                    return
                head += data
            head, _, rest = head.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) != 3:
                c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                return
            method, target, version = parts
            if method == "CONNECT":
                host = target.rsplit(":", 1)[0]
            elif target.startswith("http://"):
                hostport, _, p = target[len("http://"):].partition("/")
                host, target = hostport.rsplit(":", 1)[0] if ":" in hostport else hostport, "/" + p
            else:
                c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                return
            host = host.strip("[]").lower()
            if host not in allowed:
                note("DENY " + host)
                body = b"blocked by the egress proxy\n"
                c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n"
                          b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
                return
            note("ALLOW " + host)
            u = socket.create_connection(upstream, timeout=60)
            with u:
                if method == "CONNECT":
                    c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    if rest:
                        u.sendall(rest)
                else:
                    keep = [l for l in lines[1:]
                            if l.split(":", 1)[0].strip().lower() not in ("connection", "proxy-connection")]
                    req = "\r\n".join(["%s %s %s" % (method, target, version)] + keep + ["Connection: close", "", ""])
                    u.sendall(req.encode("latin-1") + rest)
                relay(c, u)

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

    tmp = path + ".tmp"
    if os.path.exists(tmp):
        os.unlink(tmp)
    srv = Server(tmp, Proxy)
    os.chmod(tmp, 0o666)
    os.rename(tmp, path)
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % upstream[1])
    os.rename(ready + ".tmp", ready)
    srv.serve_forever()


if __name__ == "__main__":
    main()
