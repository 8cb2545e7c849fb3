#!/usr/bin/env python3
"""bench/ab.py - two agentrun builds, one interleaved run.

    bench/ab.py A B [--runs N] [--warmup N] [--json PATH]

Must run as root. A and B are agentrun binaries (say, before and after a
change). In one interleaved run (the order rotates every iteration), each
binary does `run` of /bin/true in a busybox rootfs with the bundles of
bench/agent_sandbox.py: the agent profile as `spec --profile agent` writes
it (full: seccomp allowlist and Landlock), with Landlock off (seccomp), and
without either (bare: what scenario 1 measures, a config without seccomp).
Each binary keeps its own --root, reused across runs (as a host does: the
seccomp filter cache of runtime/seccomp.h is warm after the first run).
Prints the medians (wall and cpu, ms) and B/A.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agent_sandbox import agent_bundles, busybox_rootfs, spawn  # noqa: E402

BUNDLES = ("full", "seccomp", "bare")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--json", help="write the samples here")
    o = ap.parse_args()
    if os.geteuid() != 0:
        print("ab.py: run as root", file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="agentrun-bench-ab.")
    os.chmod(tmp, 0o755)  # traversable by the profile's mapped root
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}
    bins = {"A": os.path.abspath(o.a), "B": os.path.abspath(o.b)}
    res = {}
    try:
        rootfs = os.path.join(tmp, "rootfs")
        busybox_rootfs(rootfs, os.environ.get("BUSYBOX", "/bin/busybox"))
        full, secc, bare, _ = agent_bundles(bins["B"], tmp, rootfs)
        bundle = {"full": full, "seccomp": secc, "bare": bare}
        logpath = os.path.join(tmp, "log")
        cases = [(k, b) for b in BUNDLES for k in ("A", "B")]
        res = {"%s %s" % c: {"wall_ms": [], "cpu_ms": []} for c in cases}
        seq = 0
        for i in range(o.warmup + o.runs):
            k = i % len(cases)
            for which, b in cases[k:] + cases[:k]:
                seq += 1
                argv = [bins[which], "--root", os.path.join(tmp, "state-" + which), "run",
                        "--bundle", bundle[b], "ab%d" % seq]
                rc, wall, cpu = spawn(argv, env, logpath)
                if rc != 0:
                    with open(logpath, errors="replace") as f:
                        print("ab.py: %s %s failed (%d): %s" % (which, b, rc, f.read()[-300:]),
                              file=sys.stderr)
                    return 1
                if i >= o.warmup:
                    res["%s %s" % (which, b)]["wall_ms"].append(wall * 1e3)
                    res["%s %s" % (which, b)]["cpu_ms"].append(cpu * 1e3)
    finally:
        for which in ("A", "B"):
            state = os.path.join(tmp, "state-" + which)
            if os.path.isdir(state):
                for cid in os.listdir(state):
                    if not cid.startswith("."):
                        subprocess.run([bins[which], "--root", state, "delete", "-f", cid],
                                       capture_output=True, timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)
    med = {c: {k: statistics.median(v[k]) for k in ("wall_ms", "cpu_ms")} for c, v in res.items()}
    print("A = %s\nB = %s\nruns %d (warmup %d), medians in ms" % (bins["A"], bins["B"], o.runs, o.warmup))
    print("%-8s %9s %9s %9s %9s %7s %7s" % ("bundle", "A wall", "B wall", "A cpu", "B cpu", "B/A w", "B/A c"))
    for b in BUNDLES:
        a_, b_ = med["A " + b], med["B " + b]
        print("%-8s %9.2f %9.2f %9.2f %9.2f %7.2f %7.2f" % (
            b, a_["wall_ms"], b_["wall_ms"], a_["cpu_ms"], b_["cpu_ms"],
            b_["wall_ms"] / a_["wall_ms"], b_["cpu_ms"] / a_["cpu_ms"]))
    if o.json:
        with open(o.json, "w") as f:
            json.dump({"a": bins["A"], "b": bins["B"], "runs": o.runs, "samples": res,
                       "medians": med}, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
