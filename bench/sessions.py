#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/sessions.py: suspend, wake and fork of agentrun sessions (issue 15),
against runc's checkpoint/restore as the peer and plain criu as the floor.

    sudo bench/sessions.py [--sizes 64,256] [--runs 3] [--idle 100] [--json PATH]

Kept apart from bench/run (which another change restructures); the same
method: the same bundle for every runtime, interleaved runs, medians, the
ratios are the claim. Scenarios (per size of touched memory):

  S1 suspend to disk: `agentrun suspend` vs `runc checkpoint`, plain
     `criu dump` as the floor; image bytes, and the write rate against
     `dd` of the same bytes to the same disk (conv=fsync off for both:
     page cache, as CRIU writes).
  S2 wake: time from starting `agentrun wake` (eager, and with
     --lazy-pages), `runc restore -d` or plain `criu restore -d` until the
     restored process answers a ping over a FIFO in a bind-mounted
     directory; image on disk (/var/tmp) and on tmpfs (/dev/shm).
  S3 fork into 4: `agentrun fork --count 4` of a running session (the
     source's pause as agentrun reports it); peer: `runc checkpoint
     --leave-running` + 4 `runc restore -d`; floor: `criu dump
     --leave-running` + 4 plain `criu restore -d`.
  S4 idle scan: `agentrun idle` over N idle containers (wall and cpu of one
     scan), the cost of each --watch round.
  S5 fork with 1 MiB and 1 GiB of project data in a writable bind mount,
     on a loop-mounted btrfs (reflinks) and on the disk's ext4 (copies):
     fork wall time and agentrun's data-clone time.
  S6 compressed images: `suspend` vs `suspend --compress`, then wake to
     the ping, per size, with memory that is not zeros: random bytes
     (incompressible), the host's shared libraries and programs (code and
     data), C headers (text); image bytes, suspend and wake times.
  S7 dump against the floor: `agentrun checkpoint` and `agentrun
     suspend` against plain `criu dump` of the same tree (what runc asks
     of CRIU, cgroups ignored; and with --manage-cgroups=soft, the CRIU
     work agentrun asks for), one after the other in a rotating order,
     each after a `sync`; wall and cpu (of the command and what it
     reaped: CRIU included), and the time outside CRIU (wall minus the
     last timestamp of CRIU's dump.log). --before BINARY adds an older
     agentrun (e.g. a build of main) to the same rotation.
  S8 suspend at disk speed: image bytes over the time of `agentrun
     suspend`, which makes its image durable itself (fsync of every file,
     the directory and its parent), against `dd conv=fsync` of the same
     bytes to the same directory (dd through the page cache as context).
     --before BINARY (a suspend without fsync) adds that one alone, with
     the bench's fsync of every file after it, and with one syncfs: the
     cost of durability and the two ways to pay it. Each after a `sync`,
     in a rotating order.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
AGENTRUN = os.environ.get("AGENTRUN") or os.path.join(REPO, "build", "agentrun")
RUNC = os.environ.get("RUNC") or shutil.which("runc")
CRIU = os.environ.get("CRIU") or shutil.which("criu") or "/usr/local/sbin/criu"
BUSYBOX = os.environ.get("BUSYBOX", "/bin/busybox")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def sh(cmd, timeout=300, check=True, **kw):
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s %s" % (" ".join(cmd), r.returncode,
                                                   r.stdout[-500:], r.stderr[-500:]))
    return r


def timed(cmd, timeout=300):
    """wall seconds and cpu seconds (user+sys of it and what it reaped)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    r = sh(cmd, timeout=timeout)
    wall = time.monotonic() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, r


def du(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(d, f)).st_blocks * 512
            except OSError:
                pass
    return total


def make_rootfs(d):
    for sub in ("bin", "proc", "sys", "dev", "tmp", "etc", "ping", "work"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    shutil.copy(BUSYBOX, os.path.join(d, "bin", "busybox"))
    for a in subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True).stdout.split():
        p = os.path.join(d, "bin", a)
        if a != "busybox" and not os.path.lexists(p):
            os.symlink("busybox", p)
    with open(os.path.join(d, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n")


# The session: N MiB touched (dd's buffer, held while dd blocks on a pipe
# nobody reads), and a loop answering a ping: read a line from the FIFO
# /ping/req, write "pong" into /ping/resp.
SESSION = ("exec </dev/null >/dev/null 2>&1; dd if=/dev/zero bs=%dM count=1 | sleep 100000 & "
           "while true; do read x </ping/req; echo pong >/ping/resp; done")


def make_bundle(d, mib, pingdir):
    os.makedirs(d)
    rootfs = os.path.join(d, "rootfs")
    make_rootfs(rootfs)
    cfg = json.loads(sh([RUNC, "spec", "--bundle", d]).stdout or open(os.path.join(d, "config.json")).read())
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["sh", "-c", SESSION % mib]
    cfg["root"] = {"path": rootfs, "readonly": True}
    cfg["mounts"].append({"destination": "/ping", "type": "bind", "source": pingdir,
                          "options": ["rbind", "rw"]})
    cfg["linux"].pop("cgroupsPath", None)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f)
    return d


def fifos(pingdir):
    os.makedirs(pingdir, exist_ok=True)
    for n in ("req", "resp"):
        p = os.path.join(pingdir, n)
        if not os.path.exists(p):
            os.mkfifo(p)


def ping(pingdir, timeout=60):
    """Seconds until the session answers (monotonic time of the answer)."""
    res = {}

    def go():
        try:
            with open(os.path.join(pingdir, "req"), "w") as f:
                f.write("ping\n")
            with open(os.path.join(pingdir, "resp")) as f:
                res["answer"] = f.read().strip()
            res["t"] = time.monotonic()
        except OSError as e:
            res["error"] = str(e)

    th = threading.Thread(target=go, daemon=True)
    th.start()
    return th, res


def rss_of_tree(pid):
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open("/proc/%d/status" % p) as f:
                for l in f:
                    if l.startswith("VmRSS:"):
                        total += int(l.split()[1]) * 1024
            with open("/proc/%d/task/%d/children" % (p, p)) as f:
                todo += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return total


class Runtime:
    def __init__(self, name, binary, root):
        self.name, self.binary, self.root = name, binary, root

    def cmd(self, *a):
        return [self.binary, "--root", self.root] + list(a)

    def run_d(self, cid, bundle):
        # the container's stdio: /dev/null and a log file (a pipe would
        # stay open in it)
        with open(os.path.join(os.path.dirname(self.root), "run.log"), "a") as err:
            r = subprocess.run(self.cmd("run", "-d", "--bundle", bundle, cid),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=err, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("%s run -d %s: exit %d" % (self.name, cid, r.returncode))

    def pid(self, cid):
        return json.loads(sh(self.cmd("state", cid)).stdout)["pid"]

    def delete(self, cid):
        sh(self.cmd("delete", "-f", cid), check=False)


def wait_rss(rt, cid, mib, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if rss_of_tree(rt.pid(cid)) >= mib << 20:
            return
        time.sleep(0.05)
    raise RuntimeError("%s %s: never reached %d MiB" % (rt.name, cid, mib))


def answer(pingdir):
    th, res = ping(pingdir)
    th.join(30)
    if res.get("answer") != "pong":
        raise RuntimeError("no pong: %s" % res)


def median(v):
    return statistics.median(v) if v else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="64,256")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--idle", type=int, default=100, help="containers for S4 (0: skip)")
    ap.add_argument("--only", default="1,2,3,4")
    ap.add_argument("--json", default=os.path.join(HERE, "results", "sessions.json"))
    ap.add_argument("--before", help="S7, S8: an older agentrun binary to measure in the same rotation")
    a = ap.parse_args()
    load0 = os.getloadavg()
    only = set(a.only.split(","))
    sizes = [int(x) for x in a.sizes.split(",")]
    disk = tempfile.mkdtemp(prefix="sess-", dir="/var/tmp")
    shm = tempfile.mkdtemp(prefix="sess-", dir="/dev/shm")
    os.chmod(disk, 0o755)
    rows = []

    def row(label, unit, ag, peer=None, floor=None, note=""):
        r = {"label": label, "unit": unit, "agentrun": ag, "runc": peer, "criu": floor, "note": note}
        for k in ("agentrun", "runc", "criu"):
            r[k + "_median"] = median(r[k]) if isinstance(r[k], list) else r[k]
        am, pm, fm = r["agentrun_median"], r["runc_median"], r["criu_median"]
        r["agentrun/runc"] = am / pm if am and pm else None
        r["agentrun/criu"] = am / fm if am and fm else None
        rows.append(r)
        log("%-44s agentrun %s  runc %s  criu %s %s" % (
            label, fmt(am), fmt(pm), fmt(fm), note))

    ag = Runtime("agentrun", AGENTRUN, os.path.join(disk, "root-agentrun"))
    rc = Runtime("runc", RUNC, os.path.join(disk, "root-runc"))
    try:
        for mib in sizes:
            pingdir = os.path.join(disk, "ping-%d" % mib)
            fifos(pingdir)
            bundle = make_bundle(os.path.join(disk, "bundle-%d" % mib), mib, pingdir)
            if "1" in only or "2" in only:
                sus = {"agentrun": [], "runc": [], "criu": []}
                img_bytes = []
                dd_rate = []
                wake = {(w, rt): [] for w in ("disk", "tmpfs") for rt in ("agentrun", "lazy", "runc", "criu")}
                for i in range(a.runs):
                    for where, base in (("disk", disk), ("tmpfs", shm)):
                        # agentrun: suspend, wake
                        cid = "s%d-%d-%s" % (mib, i, where)
                        img = os.path.join(base, "img-" + cid)
                        ag.run_d(cid, bundle)
                        wait_rss(ag, cid, mib)
                        answer(pingdir)
                        w, _, _ = timed(ag.cmd("suspend", "--image-path", img, cid))
                        if where == "disk":
                            sus["agentrun"].append(w * 1e3)
                            b = du(img)
                            img_bytes.append(b)
                            # dd of the same bytes to the same disk
                            t = time.monotonic()
                            sh(["dd", "if=/dev/zero", "of=" + os.path.join(disk, "dd.out"),
                                "bs=1M", "count=%d" % (b >> 20)])
                            dd_rate.append((b / (time.monotonic() - t)) / (1 << 20))
                            os.unlink(os.path.join(disk, "dd.out"))
                        t0 = time.monotonic()
                        th, res = ping(pingdir)
                        sh(ag.cmd("wake", cid))
                        th.join(60)
                        if res.get("answer") != "pong":
                            raise RuntimeError("agentrun wake: no pong: %s" % res)
                        wake[(where, "agentrun")].append((res["t"] - t0) * 1e3)
                        # and lazily: suspended again, woken with --lazy-pages
                        img2 = img + "-lazy"
                        sh(ag.cmd("suspend", "--image-path", img2, cid))
                        t0 = time.monotonic()
                        th, res = ping(pingdir)
                        sh(ag.cmd("wake", "--lazy-pages", cid))
                        th.join(60)
                        if res.get("answer") == "pong":
                            wake[(where, "lazy")].append((res["t"] - t0) * 1e3)
                        ag.delete(cid)
                        shutil.rmtree(img2, ignore_errors=True)
                        # runc: checkpoint, restore -d
                        cid = "r%d-%d-%s" % (mib, i, where)
                        img = os.path.join(base, "img-" + cid)
                        rc.run_d(cid, bundle)
                        wait_rss(rc, cid, mib)
                        answer(pingdir)
                        w, _, _ = timed(rc.cmd("checkpoint", "--image-path", img, cid))
                        if where == "disk":
                            sus["runc"].append(w * 1e3)
                        t0 = time.monotonic()
                        th, res = ping(pingdir)
                        sh(rc.cmd("restore", "-d", "--image-path", img, "--bundle", bundle, cid))
                        th.join(60)
                        if res.get("answer") == "pong":
                            wake[(where, "runc")].append((res["t"] - t0) * 1e3)
                        rc.delete(cid)
                        # plain criu on a tree agentrun started
                        cid = "c%d-%d-%s" % (mib, i, where)
                        img = os.path.join(base, "img-" + cid)
                        ag.run_d(cid, bundle)
                        wait_rss(ag, cid, mib)
                        answer(pingdir)
                        pid = ag.pid(cid)
                        rootfs = os.path.join(bundle, "rootfs")
                        os.makedirs(img)
                        common = ["--external", "mnt[]", "--manage-cgroups=ignore", "--empty-ns", "net",
                                  "-v4", "-D", img]
                        w, _, _ = timed([CRIU, "dump", "-t", str(pid), "-o", "dump.log"] + common)
                        if where == "disk":
                            sus["criu"].append(w * 1e3)
                        mnt = os.path.join(disk, "criu-root-" + cid)
                        os.makedirs(mnt)
                        t0 = time.monotonic()
                        th, res = ping(pingdir)
                        r = subprocess.run(
                            ["unshare", "-m", "sh", "-c",
                             'mount --make-rprivate / && mount --bind "$1" "$2" && '
                             'shift 2 && exec "$@"', "x", rootfs, mnt,
                             CRIU, "restore", "-d", "-o", "restore.log", "--root", mnt,
                             "--pidfile", os.path.join(img, "pid")] + common,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
                        th.join(60)
                        if r.returncode == 0 and res.get("answer") == "pong":
                            wake[(where, "criu")].append((res["t"] - t0) * 1e3)
                        else:
                            log("plain criu restore %s: exit %d %s" % (cid, r.returncode, r.stderr[-300:]))
                        try:
                            with open(os.path.join(img, "pid")) as f:
                                os.kill(int(f.read()), 9)
                        except (OSError, ValueError):
                            pass
                        ag.delete(cid)
                        # a ping thread left waiting: unblock it
                        if th.is_alive():
                            try:
                                fd = os.open(os.path.join(pingdir, "req"), os.O_RDONLY | os.O_NONBLOCK)
                                os.close(fd)
                            except OSError:
                                pass
                        for d in ("img-s%d-%d-%s" % (mib, i, where), "img-r%d-%d-%s" % (mib, i, where),
                                  "img-c%d-%d-%s" % (mib, i, where)):
                            shutil.rmtree(os.path.join(base, d), ignore_errors=True)
                if "1" in only:
                    row("S1 suspend %d MiB, disk (ms)" % mib, "ms", sus["agentrun"], sus["runc"], sus["criu"])
                    ib = median(img_bytes)
                    row("S1 image size %d MiB (MiB)" % mib, "MiB", ib / (1 << 20) if ib else None)
                    sm = median(sus["agentrun"])
                    if sm and ib:
                        rate = ib / (sm / 1e3) / (1 << 20)
                        row("S1 suspend write rate %d MiB (MiB/s)" % mib, "MiB/s", rate,
                            note="dd to the same disk: %.0f MiB/s (%.2fx of dd)" % (median(dd_rate), median(dd_rate) / rate))
                if "2" in only:
                    for where in ("disk", "tmpfs"):
                        row("S2 wake->pong %d MiB, %s (ms)" % (mib, where), "ms",
                            wake[(where, "agentrun")], wake[(where, "runc")], wake[(where, "criu")])
                        row("S2 wake --lazy-pages->pong %d MiB, %s (ms)" % (mib, where), "ms",
                            wake[(where, "lazy")], wake[(where, "runc")], wake[(where, "criu")])
            if "3" in only:
                fk = {"agentrun": [], "runc": [], "criu": []}
                pause = []
                for i in range(a.runs):
                    cid = "f%d-%d" % (mib, i)
                    ag.run_d(cid, bundle)
                    wait_rss(ag, cid, mib)
                    w, _, r = timed(ag.cmd("fork", "--count", "4", "--bundle", disk, cid, cid + "-k"))
                    fk["agentrun"].append(w * 1e3)
                    for l in r.stdout.splitlines():
                        if l.startswith("paused "):
                            pause.append(float(l.split()[2]))
                    for k in range(1, 5):
                        if ag.pid("%s-k-%d" % (cid, k)) <= 0:
                            raise RuntimeError("fork copy %d not running" % k)
                        ag.delete("%s-k-%d" % (cid, k))
                        shutil.rmtree(os.path.join(disk, "%s-k-%d" % (cid, k)), ignore_errors=True)
                    ag.delete(cid)
                    # runc: checkpoint --leave-running + 4 restores
                    cid = "g%d-%d" % (mib, i)
                    img = os.path.join(disk, "img-" + cid)
                    rc.run_d(cid, bundle)
                    wait_rss(rc, cid, mib)
                    t = time.monotonic()
                    sh(rc.cmd("checkpoint", "--leave-running", "--image-path", img, cid))
                    for k in range(1, 5):
                        sh(rc.cmd("restore", "-d", "--image-path", img, "--bundle", bundle, "%s-%d" % (cid, k)))
                    fk["runc"].append((time.monotonic() - t) * 1e3)
                    for k in range(1, 5):
                        rc.delete("%s-%d" % (cid, k))
                    rc.delete(cid)
                    shutil.rmtree(img, ignore_errors=True)
                row("S3 fork %d MiB into 4 (ms)" % mib, "ms", fk["agentrun"], fk["runc"], None,
                    note="agentrun's pause (freeze to thaw): %s ms" % fmt(median(pause)))
        if "4" in only and a.idle:
            idle_scan(ag, disk, a.idle, row)
        if "5" in only:
            fork_data(ag, disk, a.runs, row)
        if "6" in only:
            compressed(ag, disk, sizes, a.runs, row)
        if "7" in only:
            dump_floor(ag, disk, sizes, a.runs, row, a.before)
        if "8" in only:
            disk_speed(ag, disk, sizes, a.runs, row, a.before)
    finally:
        for rt in (ag, rc):
            try:
                for c in json.loads(sh(rt.cmd("list", "--format", "json"), check=False).stdout or "[]") or []:
                    rt.delete(c["id"])
            except (ValueError, RuntimeError):
                pass
        shutil.rmtree(shm, ignore_errors=True)
        shutil.rmtree(disk, ignore_errors=True)
    os.makedirs(os.path.dirname(a.json), exist_ok=True)
    meta = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "argv": sys.argv,
            "kernel": os.uname().release, "load_start": load0, "load": os.getloadavg(),
            "agentrun": AGENTRUN, "before": a.before,
            "runc": sh([RUNC, "--version"]).stdout.splitlines()[0],
            "criu": sh([CRIU, "--version"]).stdout.split("\n")[0]}
    with open(a.json, "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=1)
    print("| scenario | agentrun | runc | plain criu | agentrun/runc | agentrun/criu | note |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %s | %s | %s | %s | %s | %s |" % (
            r["label"], fmt(r["agentrun_median"]), fmt(r["runc_median"]), fmt(r["criu_median"]),
            fmt(r["agentrun/runc"], 2), fmt(r["agentrun/criu"], 2), r["note"]))


def idle_scan(ag, disk, n, row):
    bundle = os.path.join(disk, "bundle-idle")
    os.makedirs(bundle)
    rootfs = os.path.join(bundle, "rootfs")
    make_rootfs(rootfs)
    cfg = json.loads(open(make_spec(bundle)).read())
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["sleep", "100000"]
    cfg["root"] = {"path": rootfs, "readonly": True}
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(cfg, f)
    for i in range(n):
        ag.run_d("idle-%d" % i, bundle)
    walls, cpus = [], []
    sh(ag.cmd("idle", "--for", "1s"))  # the first samples
    time.sleep(1.2)
    for _ in range(5):
        w, c, r = timed(ag.cmd("idle", "--for", "1s", "--json"))
        walls.append(w * 1e3)
        cpus.append(c * 1e3)
    found = len(json.loads(r.stdout))
    for i in range(n):
        ag.delete("idle-%d" % i)
    row("S4 idle scan of %d idle containers, wall (ms)" % n, "ms", walls, note="%d found idle" % found)
    row("S4 idle scan of %d idle containers, cpu (ms)" % n, "ms", cpus)


def fork_data(ag, disk, runs, row):
    """S5: fork time against the size of the project data."""
    fsdir = os.path.join(disk, "btrfs")
    img = os.path.join(disk, "btrfs.img")
    sh(["truncate", "-s", "3G", img])
    sh(["mkfs.btrfs", "-q", img])
    os.makedirs(fsdir)
    sh(["mount", "-o", "loop", img, fsdir])
    try:
        for fs, base in (("btrfs", fsdir), ("ext4", disk)):
            for mib in (1, 1024):
                data = os.path.join(base, "data-%d" % mib)
                os.makedirs(data)
                sh(["dd", "if=/dev/urandom", "of=" + os.path.join(data, "blob"), "bs=1M",
                    "count=%d" % mib])
                bundle = os.path.join(base, "bundle-data-%d" % mib)
                os.makedirs(bundle)
                rootfs = os.path.join(bundle, "rootfs")
                make_rootfs(rootfs)
                os.makedirs(os.path.join(rootfs, "data"), exist_ok=True)
                cfg = json.loads(open(make_spec(bundle)).read())
                cfg["process"]["terminal"] = False
                cfg["process"]["args"] = ["sh", "-c", "exec </dev/null >/dev/null 2>&1; exec sleep 100000"]
                cfg["root"] = {"path": rootfs, "readonly": True}
                cfg["mounts"].append({"destination": "/data", "type": "bind", "source": data,
                                      "options": ["rbind", "rw"]})
                with open(os.path.join(bundle, "config.json"), "w") as f:
                    json.dump(cfg, f)
                walls, clone, how = [], [], ""
                for i in range(runs):
                    cid = "d%s%d-%d" % (fs, mib, i)
                    ag.run_d(cid, bundle)
                    w, _, r = timed(ag.cmd("fork", "--bundle", base, cid, cid + "-x"))
                    walls.append(w * 1e3)
                    for l in r.stdout.splitlines():
                        if l.startswith("paused "):
                            clone.append(float(l.split("data ")[1].split()[0]))
                        if l.startswith("cloned "):
                            how = l.split("(")[1].split(",")[0]
                    ag.delete(cid + "-x")
                    ag.delete(cid)
                    shutil.rmtree(os.path.join(base, cid + "-x"), ignore_errors=True)
                row("S5 fork, %d MiB of data on %s (ms)" % (mib, fs), "ms", walls,
                    note="data clone %s ms (%s)" % (fmt(median(clone)), how))
                shutil.rmtree(data, ignore_errors=True)
                shutil.rmtree(bundle, ignore_errors=True)
    finally:
        subprocess.run(["umount", fsdir], check=False)


def content(path, kind, size):
    """size bytes of one kind of memory content, in a file."""
    with open(path, "wb") as out:
        if kind == "random":
            out.write(os.urandom(size))
            return
        roots = {"binaries": ["/usr/lib/x86_64-linux-gnu", "/usr/bin", "/usr/lib"],
                 "text": ["/usr/include", "/usr/share/perl", "/usr/lib/python3", "/usr/share/perl5",
                          "/usr/share/vim", "/usr/lib/node_modules"]}[kind]
        n = 0
        # not enough on this host: round again (a repeat 200 MiB later is
        # far outside zstd's window at level 1)
        for r in roots * 4:
            for d, _, files in sorted(os.walk(r)):
                for f in sorted(files):
                    p = os.path.join(d, f)
                    if n >= size or os.path.islink(p) or not os.path.isfile(p):
                        continue
                    with open(p, "rb") as f:
                        b = f.read(size - n)
                    out.write(b)
                    n += len(b)
        if n < size:
            raise RuntimeError("%s: only %d bytes of %s" % (path, n, kind))


def compressed(ag, disk, sizes, runs, row):
    """S6: suspend --compress against a plain suspend, then wake."""
    for mib in sizes:
        for kind in ("random", "binaries", "text"):
            pingdir = os.path.join(disk, "ping-z%d-%s" % (mib, kind))
            fifos(pingdir)
            bundle = make_bundle(os.path.join(disk, "bundle-z%d-%s" % (mib, kind)), mib, pingdir)
            content(os.path.join(bundle, "rootfs", "content"), kind, mib << 20)
            cfg = json.load(open(os.path.join(bundle, "config.json")))
            cfg["process"]["args"][2] = cfg["process"]["args"][2].replace(
                "dd if=/dev/zero", "dd if=/content")
            with open(os.path.join(bundle, "config.json"), "w") as f:
                json.dump(cfg, f)
            res = {k: [] for k in ("sus", "sus-z", "img", "img-z", "wake", "wake-z")}
            for i in range(runs):
                cid = "z%d-%s-%d" % (mib, kind, i)
                ag.run_d(cid, bundle)
                wait_rss(ag, cid, mib)
                answer(pingdir)
                for z in ("", "-z"):
                    img = os.path.join(disk, "img-%s%s" % (cid, z))
                    w, _, _ = timed(ag.cmd("suspend", "--image-path", img, cid) +
                                    (["--compress"] if z else []))
                    res["sus" + z].append(w * 1e3)
                    res["img" + z].append(du(img) / (1 << 20))
                    t0 = time.monotonic()
                    th, r = ping(pingdir)
                    sh(ag.cmd("wake", cid))
                    th.join(60)
                    if r.get("answer") != "pong":
                        raise RuntimeError("agentrun wake: no pong: %s" % r)
                    res["wake" + z].append((r["t"] - t0) * 1e3)
                ag.delete(cid)
            for what, unit in (("img", "MiB"), ("sus", "ms"), ("wake", "ms")):
                p, z = median(res[what]), median(res[what + "-z"])
                name = {"img": "image size", "sus": "suspend", "wake": "wake->pong"}[what]
                row("S6 %s %d MiB %s, plain (%s)" % (name, mib, kind, unit), unit, res[what])
                row("S6 %s %d MiB %s, --compress (%s)" % (name, mib, kind, unit), unit,
                    res[what + "-z"], note="%.2fx of plain" % (z / p) if p else "")


def log_span_ms(path):
    """The last timestamp of a CRIU log, in ms (CRIU's own time)."""
    try:
        with open(path) as f:
            last = f.read().splitlines()[-1]
        return float(last[1:last.index(")")]) * 1e3
    except (OSError, ValueError, IndexError):
        return None


def dump_floor(ag, disk, sizes, runs, row, before):
    """S7: checkpoint and suspend against plain criu dump, interleaved."""
    kinds = ["checkpoint", "suspend", "criu", "criu-soft"]
    if before:
        kinds += ["checkpoint-before", "suspend-before"]
    for mib in sizes:
        pingdir = os.path.join(disk, "ping-d%d" % mib)
        fifos(pingdir)
        bundle = make_bundle(os.path.join(disk, "bundle-d%d" % mib), mib, pingdir)
        res = {k: {"wall": [], "cpu": [], "outside": []} for k in kinds}
        for i in range(runs):
            for k in kinds[i % len(kinds):] + kinds[:i % len(kinds)]:
                cid = "d%d-%d-%s" % (mib, i, k)
                img = os.path.join(disk, "img-" + cid)
                ag.run_d(cid, bundle)
                wait_rss(ag, cid, mib)
                answer(pingdir)
                binary = before if k.endswith("-before") else ag.binary
                if k.startswith("checkpoint") or k.startswith("suspend"):
                    cmd = [binary, "--root", ag.root, k.split("-")[0], "--image-path", img, cid]
                else:
                    os.makedirs(img)
                    cmd = [CRIU, "dump", "-t", str(ag.pid(cid)), "-o", "dump.log", "--external", "mnt[]",
                           "--manage-cgroups=" + ("soft" if k == "criu-soft" else "ignore"),
                           "--empty-ns", "net", "-v4", "-D", img]
                sh(["sync"])
                w, c, _ = timed(cmd)
                span = log_span_ms(os.path.join(img, "dump.log"))
                res[k]["wall"].append(w * 1e3)
                res[k]["cpu"].append(c * 1e3)
                if span is not None:
                    res[k]["outside"].append(w * 1e3 - span)
                ag.delete(cid)
                shutil.rmtree(img, ignore_errors=True)
        fl = res["criu"]
        for k in [x for x in kinds if not x.startswith("criu")]:
            what = k.replace("-before", ", before (%s)" % before if k.endswith("-before") else "")
            row("S7 %s %d MiB (ms)" % (what, mib), "ms", res[k]["wall"], None, fl["wall"],
                note="floor: criu dump, cgroups ignored")
            row("S7 %s %d MiB, cpu (ms)" % (what, mib), "ms", res[k]["cpu"], None, fl["cpu"])
            row("S7 %s %d MiB, outside CRIU (ms)" % (what, mib), "ms", res[k]["outside"], None,
                fl["outside"], note="wall minus the last timestamp of dump.log")
            row("S7 %s %d MiB vs criu --manage-cgroups=soft (ms)" % (what, mib), "ms",
                res[k]["wall"], None, res["criu-soft"]["wall"],
                note="floor: criu dump with the cgroup work agentrun asks for")
            # the ratio within each round (the floor ran next to it, under
            # the same load), median over the rounds
            pair = [a / b for a, b in zip(res[k]["wall"], fl["wall"])]
            row("S7 %s %d MiB / criu dump, paired by round (ratio)" % (what, mib), "x", pair,
                note="median of per-round ratios; range %s-%s" % (
                    fmt(min(pair), 2), fmt(max(pair), 2)))


def fsync_tree(path):
    for d, _, files in os.walk(path):
        for f in files:
            fd = os.open(os.path.join(d, f), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def syncfs(path):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if libc.syncfs(fd) != 0:
            raise OSError(ctypes.get_errno(), "syncfs " + path)
    finally:
        os.close(fd)


def disk_speed(ag, disk, sizes, runs, row, before):
    """S8: agentrun's suspend (durable: it fsyncs its image) against dd
    conv=fsync of the same bytes to the same directory, dd through the
    page cache as context; with --before (an agentrun whose suspend did
    not fsync) that one alone, plus the bench's fsync of every file, plus
    one syncfs of the filesystem: the cost of durability, and the two ways
    to pay it."""
    kinds = ["suspend", "dd-fsync", "dd"]
    if before:
        kinds += ["before", "before+fsync", "before+syncfs"]
    for mib in sizes:
        pingdir = os.path.join(disk, "ping-w%d" % mib)
        fifos(pingdir)
        bundle = make_bundle(os.path.join(disk, "bundle-w%d" % mib), mib, pingdir)
        ms = {k: [] for k in kinds}
        nbytes = None
        out = os.path.join(disk, "dd.out")
        # round -1 is a warm-up that is not kept (it gives dd its size)
        for i in range(-1, runs):
            order = kinds[i % len(kinds):] + kinds[:i % len(kinds)] if i >= 0 else ["suspend"]
            for k in order:
                sh(["sync"])
                if k.startswith("dd"):
                    t = time.monotonic()
                    sh(["dd", "if=/dev/zero", "of=" + out, "bs=1M", "count=%d" % (nbytes >> 20)] +
                       (["conv=fsync"] if k == "dd-fsync" else []))
                    w = time.monotonic() - t
                    os.unlink(out)
                else:
                    cid = "w%d-%d-%s" % (mib, i, k.replace("+", "-"))
                    img = os.path.join(disk, "img-" + cid)
                    ag.run_d(cid, bundle)
                    wait_rss(ag, cid, mib)
                    answer(pingdir)
                    binary = ag.binary if k == "suspend" else before
                    sh(["sync"])
                    t = time.monotonic()
                    sh([binary, "--root", ag.root, "suspend", "--image-path", img, cid])
                    if k == "before+fsync":
                        fsync_tree(img)
                        fd = os.open(disk, os.O_RDONLY | os.O_DIRECTORY)
                        os.fsync(fd)  # the parent: suspend made img there
                        os.close(fd)
                    elif k == "before+syncfs":
                        syncfs(img)
                    w = time.monotonic() - t
                    if nbytes is None:
                        nbytes = du(img)
                    ag.delete(cid)
                    shutil.rmtree(img, ignore_errors=True)
                if i >= 0:
                    ms[k].append(w * 1e3)
        rate = lambda k: [nbytes / (x / 1e3) / (1 << 20) for x in ms[k]]
        s_, d_ = median(rate("suspend")), median(rate("dd-fsync"))
        row("S8 suspend (durable) %d MiB, image %d MiB (ms)" % (mib, nbytes >> 20), "ms", ms["suspend"],
            note="%s MiB/s; dd conv=fsync %s MiB/s: dd/suspend %s (target <= 2)" % (
                fmt(s_), fmt(d_), fmt(d_ / s_ if s_ else None, 2)))
        row("S8 dd conv=fsync %d MiB (ms)" % mib, "ms", ms["dd-fsync"])
        row("S8 dd, page cache %d MiB (ms)" % mib, "ms", ms["dd"],
            note="%s MiB/s" % fmt(median(rate("dd"))))
        if before:
            b = median(ms["before"])
            for k, what in (("before", "page cache"), ("before+fsync", "+ fsync of every file"),
                            ("before+syncfs", "+ syncfs")):
                row("S8 suspend before, %s %d MiB (ms)" % (what, mib), "ms", ms[k],
                    note="%s ms over the same suspend without fsync" % fmt(median(ms[k]) - b))
            for k in ("suspend", "before+fsync", "before+syncfs"):
                pair = [x / y for x, y in zip(ms[k], ms["before"])]
                row("S8 %s / before, page cache %d MiB, paired by round (ratio)" % (k, mib), "x", pair,
                    note="the cost of durability; median of per-round ratios, range %s-%s" % (
                        fmt(min(pair), 2), fmt(max(pair), 2)))


def make_spec(bundle):
    sh([RUNC, "spec", "--bundle", bundle])
    return os.path.join(bundle, "config.json")


def fmt(v, nd=1):
    if v is None:
        return "-"
    return ("%." + str(nd) + "f") % v


if __name__ == "__main__":
    main()
