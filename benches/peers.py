#!/usr/bin/env python3
"""P3 and P4 side by side with the peers' scipy LSODA, in alternating rounds on one machine.

P3 (../shared/peers/PROBLEMS.md): the 13-module station over 30 days, hourly output, rtol 1e-8,
atol 1e-6 Pa. Each round times LSODA solving P3 `--per-round` times in this process (the
peers' own `scipy_solvers.p3`), then Plenum's `p3_loop` example solving it as many times in
its process. P4: the 1000-case sweep of P3; each round times LSODA over the 1000 cases
serially (`scipy_solvers.p4_case`, as the peers' run_all.py does), then `plenum sweep
scenarios/validation/p4-sweep.ron` on 1 thread and on 2 (wall time of the whole command:
start-up, the runs, runs.csv, the heat map and the summary). Every time is printed as wall
clock and as CPU time (this process's, or the child's); the medians over the rounds, their
ratios, Plenum's work counts and the load average before and after are printed at the end.
On a shared machine the wall clock includes waiting for a core: compare the CPU times too.

Needs scipy and numpy (pip install scipy numpy) and release builds:

    cargo build --release -p plenum && cargo build --release --example p3_loop -p plenum-physics
    python3 benches/peers.py [--rounds 5] [--per-round 20] [--p4-rounds 3] [--peers ../shared/peers]
"""
import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--rounds", type=int, default=5, help="P3 rounds")
ap.add_argument("--per-round", type=int, default=20, help="P3 solves per round and side")
ap.add_argument("--p4-rounds", type=int, default=3, help="P4 rounds (0: skip P4)")
# The peers sit in ../shared/peers beside the checkout (or beside its parent, for a worktree).
peers = [os.path.join(root, *[".."] * k, "shared", "peers") for k in (1, 2)]
ap.add_argument("--peers", default=next((p for p in peers if os.path.isdir(p)), peers[0]))
ap.add_argument("--p3-loop", default=os.path.join(root, "target", "release", "examples", "p3_loop"))
ap.add_argument("--plenum", default=os.path.join(root, "target", "release", "plenum"))
args = ap.parse_args()

sys.path.insert(0, args.peers)
import problems as pb  # noqa: E402  (the peers' problem definitions)
import scipy_solvers as ss  # noqa: E402


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def med(xs):
    return statistics.median(xs)


print(f"machine: {os.cpu_count()} cores; load average before: {load()}", flush=True)

# ---- P3
t = pb.out_times(pb.P3["t_end"], pb.P3["dt_out"])
# Plenum twice per round: with its flow-reversal log (what `plenum run` computes) and without
# it (`no-reversals`: the hourly states alone, what LSODA computes here).
ls_wall, ls_cpu, work, stats = [], [], "", {}
variants = {"with the reversal log": [], "states only (no-reversals)": []}
pl_wall = {k: [] for k in variants}
pl_cpu = {k: [] for k in variants}
for r in range(args.rounds):
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(args.per_round):
        _, stats = ss.p3(t, "LSODA")
    ls_wall.append((time.perf_counter() - w0) / args.per_round * 1e3)
    ls_cpu.append((time.process_time() - c0) / args.per_round * 1e3)
    line = f"P3 round {r + 1}: LSODA {ls_wall[-1]:.3f} ms (CPU {ls_cpu[-1]:.3f})"
    for name, extra in zip(variants, ([], ["no-reversals"])):
        out = subprocess.run([args.p3_loop, str(args.per_round)] + extra, capture_output=True,
                             text=True, check=True).stderr
        m = re.search(r"([0-9.]+) ms per run(?: \(on-CPU ([0-9.]+) ms per run)?", out)
        pl_wall[name].append(float(m.group(1)))
        pl_cpu[name].append(float(m.group(2) or m.group(1)))
        work = out.splitlines()[0]
        line += f", Plenum {name} {pl_wall[name][-1]:.3f} ms (CPU {pl_cpu[name][-1]:.3f})"
    print(line + " per run", flush=True)
print(f"P3, {args.rounds} rounds of {args.per_round} solves: median wall LSODA {med(ls_wall):.3f} ms, "
      f"CPU {med(ls_cpu):.3f} ms")
for name in variants:
    w, c = med(pl_wall[name]), med(pl_cpu[name])
    print(f"  Plenum {name}: median wall {w:.3f} ms: {med(ls_wall) / w:.1f}x; "
          f"median CPU {c:.3f} ms: {med(ls_cpu) / c:.1f}x")
print(f"  work per run: LSODA {stats}; Plenum {work}", flush=True)

# ---- P4
if args.p4_rounds > 0:
    cases = [(A, ks) for A in pb.P4["crack_A"] for ks in pb.P4["K_seal"]]
    sweep = os.path.join(root, "scenarios", "validation", "p4-sweep.ron")
    res = {"LSODA serial": ([], []), "Plenum 1 thread": ([], []), "Plenum 2 threads": ([], [])}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.p4_rounds):
            w0, c0 = time.perf_counter(), time.process_time()
            for a in cases:
                ss.p4_case(a, "LSODA")
            res["LSODA serial"][0].append(time.perf_counter() - w0)
            res["LSODA serial"][1].append(time.process_time() - c0)
            for threads in (1, 2):
                out = os.path.join(tmp, f"p4-{r}-{threads}")
                w0, c0 = time.perf_counter(), child_cpu()
                subprocess.run([args.plenum, "sweep", sweep, "--threads", str(threads), "--quiet",
                                "--out", out], check=True, stdout=subprocess.DEVNULL)
                key = "Plenum 1 thread" if threads == 1 else "Plenum 2 threads"
                res[key][0].append(time.perf_counter() - w0)
                res[key][1].append(child_cpu() - c0)
            print(f"P4 round {r + 1}: " + ", ".join(
                f"{k} {v[0][-1]:.3f} s (CPU {v[1][-1]:.3f} s)" for k, v in res.items()), flush=True)
    base = med(res["LSODA serial"][0])
    print(f"P4, 1000 runs, {args.p4_rounds} rounds, median wall (CPU) s:")
    for k, (w, c) in res.items():
        print(f"  {k:17s} {med(w):7.3f} ({med(c):7.3f})  LSODA serial / this: {base / med(w):5.1f}x")
print(f"load average after: {load()}")
