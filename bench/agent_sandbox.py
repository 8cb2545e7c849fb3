#!/usr/bin/env python3
"""bench/agent_sandbox.py - the agent profile's cost against bubblewrap.

    bench/agent_sandbox.py [--runs N] [--warmup N] [--json PATH]

Must run as root. In one interleaved run (the order rotates every
iteration), `run` of /bin/true in a busybox rootfs:

  agent-full   agentrun with `spec --profile agent` as it is: its seccomp
               allowlist and (when the profile has them) the
               run.agentrun.landlock.* annotations
  agent-seccomp  the same with Landlock off (the allowlist alone)
  agent-bare   the same config without linux.seccomp and without the
               Landlock annotations
  bwrap        bubblewrap doing the same sandboxing: bwrap --unshare-all --unshare-user
               (user, pid, net, ipc, uts, cgroup, mount) --ro-bind rootfs /
               --proc /proc --dev /dev --tmpfs /work --tmpfs /tmp
               --cap-drop ALL --new-session --die-with-parent /bin/true
               (no seccomp filter, no Landlock: bwrap has neither built in)

Each sample is one fork+exec of the sandbox tool reaped with wait4(): wall
time, and cpu time (user+sys) of it and every descendant it reaped. Prints
a table of medians (and min/max) and writes the samples as JSON. bench/run
runs it as scenario 8 (run_scenario()).

Environment: AGENTRUN (default build-bench/agentrun, else build/agentrun),
BWRAP (default: bwrap on PATH), BUSYBOX (default /bin/busybox).
"""

import argparse
import json
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VARIANTS = ("agent-full", "agent-seccomp", "agent-bare", "bwrap")
TIMEOUT = 60.0


def spawn(argv, env, logpath):
    """fork+exec argv, wait4 it: (rc, wall s, cpu s)."""
    fa = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
          (os.POSIX_SPAWN_OPEN, 1, logpath, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
          (os.POSIX_SPAWN_DUP2, 1, 2)]
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=fa)
    pfd = os.pidfd_open(pid)
    try:
        if not select.select([pfd], [], [], TIMEOUT)[0]:
            os.kill(pid, signal.SIGKILL)
            os.wait4(pid, 0)
            return -1, TIMEOUT, 0.0
        _, status, ru = os.wait4(pid, 0)
    finally:
        os.close(pfd)
    wall = time.perf_counter() - t0
    return os.waitstatus_to_exitcode(status), wall, ru.ru_utime + ru.ru_stime


def busybox_rootfs(rootfs, busybox):
    for d in ("bin", "proc", "sys", "dev", "tmp", "etc", "work", "run", "mnt"):
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    shutil.copy(busybox, os.path.join(rootfs, "bin", "busybox"))
    os.chmod(os.path.join(rootfs, "bin", "busybox"), 0o755)
    for a in ("true", "sh"):
        os.symlink("busybox", os.path.join(rootfs, "bin", a))


def agent_bundles(agentrun, tmp, rootfs):
    """Three bundles from `agentrun spec --profile agent`: as it is, with
    Landlock off, and without seccomp and Landlock. Returns (full, seccomp,
    bare, what full has)."""
    out = {}
    for name in ("full", "seccomp", "bare"):
        d = os.path.join(tmp, "bundle-" + name)
        os.makedirs(d)
        subprocess.run([agentrun, "spec", "--profile", "agent", "--bundle", d], check=True,
                       capture_output=True, timeout=20)
        p = os.path.join(d, "config.json")
        with open(p) as f:
            cfg = json.load(f)
        cfg["root"]["path"] = rootfs
        cfg["process"]["args"] = ["/bin/true"]
        has = {"seccomp": cfg.get("linux", {}).get("seccomp", {}).get("defaultAction"),
               "landlock": cfg.get("annotations", {}).get("run.agentrun.landlock")}
        if name == "seccomp":
            cfg["annotations"] = {k: v for k, v in cfg.get("annotations", {}).items()
                                  if not k.startswith("run.agentrun.landlock")}
            cfg["annotations"]["run.agentrun.landlock"] = "off"
        if name == "bare":
            cfg.get("linux", {}).pop("seccomp", None)
            cfg["annotations"] = {k: v for k, v in cfg.get("annotations", {}).items()
                                  if not k.startswith("run.agentrun.landlock")}
            cfg["annotations"]["run.agentrun.landlock"] = "off"
        else:
            out["has"] = has
        with open(p, "w") as f:
            json.dump(cfg, f, indent=1)
        out[name] = d
    return out["full"], out["seccomp"], out["bare"], out["has"]


def find_agentrun():
    if os.environ.get("AGENTRUN"):
        return os.environ["AGENTRUN"]
    for p in ("build-bench/agentrun", "build/agentrun"):
        p = os.path.join(REPO, p)
        if os.access(p, os.X_OK):
            return p
    return None


def run_scenario(agentrun, bwrap, busybox, runs, warmup, log=lambda m: None):
    """The interleaved run; returns a dict: per variant the samples (ms) of
    wall and cpu, or a status and reason when it could not run."""
    tmp = tempfile.mkdtemp(prefix="agentrun-bench-agent.")
    os.chmod(tmp, 0o755)  # traversable by the profile's mapped root
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
    res = {v: {"status": "ok", "wall_ms": [], "cpu_ms": []} for v in VARIANTS}
    meta = {}
    try:
        rootfs = os.path.join(tmp, "rootfs")
        busybox_rootfs(rootfs, busybox)
        state = os.path.join(tmp, "state")
        logpath = os.path.join(tmp, "log")
        full, secc, bare, has = agent_bundles(agentrun, tmp, rootfs)
        meta["agent-full has"] = has
        argv = {}
        seq = [0]

        def agent(bundle):
            def make():
                seq[0] += 1
                return [agentrun, "--root", state, "run", "--bundle", bundle, "bench-a%d" % seq[0]]
            return make
        argv["agent-full"] = agent(full)
        argv["agent-seccomp"] = agent(secc)
        argv["agent-bare"] = agent(bare)
        if bwrap:
            bw = [bwrap, "--unshare-all", "--unshare-user", "--ro-bind", rootfs, "/", "--proc", "/proc", "--dev", "/dev",
                  "--tmpfs", "/work", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--new-session",
                  "--die-with-parent", "--chdir", "/work", "/bin/true"]
            argv["bwrap"] = lambda: bw
            meta["bwrap argv"] = " ".join(bw[1:])
        else:
            res["bwrap"] = {"status": "skipped", "reason": "bwrap (bubblewrap) is not installed"}
        active = [v for v in VARIANTS if v in argv]
        for i in range(warmup + runs):
            k = i % len(active)
            for v in active[k:] + active[:k]:
                if res[v]["status"] != "ok":
                    continue
                rc, wall, cpu = spawn(argv[v](), env, logpath)
                if rc != 0:
                    with open(logpath, errors="replace") as f:
                        tail = f.read().strip().splitlines()[-2:]
                    res[v] = {"status": "FAILED", "reason": "exit %d: %s" % (rc, " | ".join(tail))}
                    continue
                if i >= warmup:
                    res[v]["wall_ms"].append(wall * 1e3)
                    res[v]["cpu_ms"].append(cpu * 1e3)
        for v in VARIANTS:
            r = res[v]
            if r.get("wall_ms"):
                for k in ("wall_ms", "cpu_ms"):
                    r[k.replace("_ms", "_median_ms")] = statistics.median(r[k])
                    r[k.replace("_ms", "_min_ms")] = min(r[k])
                    r[k.replace("_ms", "_max_ms")] = max(r[k])
        # leftovers of a failed run
        if os.path.isdir(state):
            for cid in os.listdir(state):
                subprocess.run([agentrun, "--root", state, "delete", "-f", cid], capture_output=True, timeout=20)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"runs": runs, "warmup": warmup, "meta": meta, "results": res}


def table(out):
    lines = ["%-14s %12s %12s %20s" % ("sandbox", "wall ms", "cpu ms", "wall min..max")]
    for v in VARIANTS:
        r = out["results"][v]
        if r["status"] != "ok" or not r.get("wall_ms"):
            lines.append("%-14s %s: %s" % (v, r["status"], r.get("reason", "no samples")))
            continue
        lines.append("%-14s %12.2f %12.2f %9.2f..%-9.2f" % (v, r["wall_median_ms"], r["cpu_median_ms"],
                                                            r["wall_min_ms"], r["wall_max_ms"]))
    for kind in ("wall", "cpu"):
        f, sc, b, w = (out["results"][v].get(kind + "_median_ms") for v in VARIANTS)
        if f and b:
            lines.append("%s: agent-full / agent-bare %.2f, agent-seccomp / agent-bare %.2f"
                         % (kind, f / b, (sc / b) if sc else float("nan")))
        if f and w:
            lines.append("%s: agent-full / bwrap %.2f" % (kind, f / w))
    lines.append("agent-full has: %s" % json.dumps(out["meta"].get("agent-full has")))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--json", help="write the samples here")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("agent_sandbox.py: run as root", file=sys.stderr)
        return 2
    agentrun = find_agentrun()
    if not agentrun:
        print("agent_sandbox.py: no agentrun (set AGENTRUN)", file=sys.stderr)
        return 2
    out = run_scenario(agentrun, os.environ.get("BWRAP") or shutil.which("bwrap"),
                       os.environ.get("BUSYBOX", "/bin/busybox"), a.runs, a.warmup)
    out["agentrun"] = agentrun
    print(table(out))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")
    return 0 if out["results"]["agent-full"]["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
