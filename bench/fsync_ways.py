#!/usr/bin/env python3
"""The ways to make a suspended image durable, alone (no CRIU, no
container): a directory shaped like a CRIU image (45 small files of 3000
bytes, one pages file of 64 or 256 MiB) written to the page cache, then
made durable by (1) agentrun's way (sync_file_range WRITE on every file,
then fsync of each, the directory and its parent: util/fs.c
fs_sync_tree_at), (2) fsync of each file in turn, (3) one syncfs of the
filesystem. Each after a sync, in a rotating order.

  bench/fsync_ways.py [RUNS [DIR]]     (DIR: default /var/tmp, the disk)
"""
import ctypes, os, sys, time, statistics, shutil, tempfile
libc = ctypes.CDLL(None, use_errno=True)
base = tempfile.mkdtemp(prefix="fsync-ways-", dir=sys.argv[2] if len(sys.argv) > 2 else "/var/tmp")
buf = os.urandom(1 << 20)
def make(d, mib):
    os.mkdir(d)
    for i in range(45):
        with open(os.path.join(d, "core-%d.img" % i), "wb") as f:
            f.write(buf[:3000])
    with open(os.path.join(d, "pages-1.img"), "wb") as f:
        for _ in range(mib):
            f.write(buf)
def twopass(d):
    fds = []
    for n in sorted(os.listdir(d)):
        fd = os.open(os.path.join(d, n), os.O_RDONLY)
        libc.sync_file_range(fd, ctypes.c_long(0), ctypes.c_long(0), 2)  # WRITE
        fds.append(fd)
    for fd in fds:
        os.fsync(fd); os.close(fd)
    fd = os.open(d, os.O_RDONLY); os.fsync(fd); os.close(fd)
    fd = os.open(base, os.O_RDONLY); os.fsync(fd); os.close(fd)
def perfile(d):
    for n in sorted(os.listdir(d)):
        fd = os.open(os.path.join(d, n), os.O_RDONLY); os.fsync(fd); os.close(fd)
    fd = os.open(d, os.O_RDONLY); os.fsync(fd); os.close(fd)
    fd = os.open(base, os.O_RDONLY); os.fsync(fd); os.close(fd)
def syncfs(d):
    fd = os.open(d, os.O_RDONLY); assert libc.syncfs(fd) == 0; os.close(fd)
ways = {"agentrun two-pass fsync": twopass, "fsync one by one": perfile, "syncfs": syncfs}
for mib in (64, 256):
    res = {k: [] for k in ways}
    for i in range(int(sys.argv[1]) if len(sys.argv) > 1 else 11):
        ks = list(ways)
        ks = ks[i % 3:] + ks[:i % 3]
        for k in ks:
            d = os.path.join(base, "img")
            os.sync()
            make(d, mib)
            t = time.monotonic(); ways[k](d); res[k].append((time.monotonic() - t) * 1e3)
            shutil.rmtree(d)
    for k in ways:
        v = res[k]
        print("%d MiB %-24s median %.1f ms  (min %.1f max %.1f, n=%d)" % (mib, k, statistics.median(v), min(v), max(v), len(v)))
print("load", os.getloadavg())
os.rmdir(base)
