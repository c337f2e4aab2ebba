#!/usr/bin/env python3
"""P3 side by side with the peers' scipy LSODA, in alternating rounds on one machine.

P3 (../shared/peers/PROBLEMS.md): the 13-module station over 30 days, hourly output, rtol 1e-8,
atol 1e-6 Pa. Each round times LSODA solving P3 `--per-round` times in this process (the
peers' own `scipy_solvers.p3`), then Plenum's `p3_loop` example solving it as many times in
its process; the medians over the rounds and their ratio are printed, with Plenum's work
counts. Needs scipy and numpy (pip install scipy numpy) and a release build of the example:

    cargo build --release --example p3_loop -p plenum-physics
    python3 benches/peers_p3.py [--rounds 7] [--per-round 20] [--peers ../shared/peers]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--rounds", type=int, default=7)
ap.add_argument("--per-round", type=int, default=20)
ap.add_argument("--peers", default=os.path.join(root, "..", "shared", "peers"))
ap.add_argument("--p3-loop", default=os.path.join(root, "target", "release", "examples", "p3_loop"))
args = ap.parse_args()

sys.path.insert(0, args.peers)
import problems as pb  # noqa: E402  (the peers' problem definitions)
import scipy_solvers as ss  # noqa: E402

t = pb.out_times(pb.P3["t_end"], pb.P3["dt_out"])
lsoda, plenum, work = [], [], ""
for r in range(args.rounds):
    start = time.perf_counter()
    for _ in range(args.per_round):
        _, stats = ss.p3(t, "LSODA")
    lsoda.append((time.perf_counter() - start) / args.per_round * 1e3)
    out = subprocess.run([args.p3_loop, str(args.per_round)], capture_output=True, text=True,
                         check=True).stderr
    plenum.append(float(re.search(r"([0-9.]+) ms per run", out).group(1)))
    work = out.splitlines()[0]
    print(f"round {r + 1}: LSODA {lsoda[-1]:.3f} ms, Plenum {plenum[-1]:.3f} ms per run",
          flush=True)

ml, mp = statistics.median(lsoda), statistics.median(plenum)
print(f"P3, {args.rounds} rounds of {args.per_round} solves each: median LSODA {ml:.3f} ms "
      f"({stats}), Plenum {mp:.3f} ms ({work}); Plenum is {ml / mp:.1f}x faster")
