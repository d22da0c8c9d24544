"""Speed and memory of the analyses (prints figures; not a test).

Usage: python benchmarks/analyses.py [--draws 1000000]
Targets on the 2-core reference machine: a 1,000,000-draw Monte Carlo of the full model in
<= 10 s wall with <= 2 GB peak memory; a 20-input tornado and a 50 x 50 grid each in <= 1 s
of engine time; and the ratio against a Python loop of single runs.
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from finmodel.api import drivers_for, load  # noqa: E402
from finmodel.model.result import run  # noqa: E402
from finmodel.sensitivity.oneway import Variation, grid, tornado  # noqa: E402


def tornado_inputs(drivers, k: int = 20) -> list[Variation]:
    """The first k scalar inputs with a nonzero base, each swung +-20%."""
    out = []
    for f in drivers.fields:
        if f.series or f.unit in ("flag", "year") or f.path.endswith(("schedule_max", "renewal_share")):
            continue
        base = float(f.value)
        if base == 0 or (f.bounds and f.bounds.integer):
            continue
        lo, hi = base * 0.8, base * 1.2
        if f.bounds and f.bounds.le is not None:
            hi = min(hi, f.bounds.le)
        out.append(Variation(f.path, f.label, f.path, base, lo, hi))
        if len(out) == k:
            break
    return out


def loop_rate(drivers, n: int = 300) -> float:
    t = time.perf_counter()
    for i in range(n):
        run(drivers.with_overrides({"valuation.discount_rate": np.array([0.1 + i * 1e-4])}))
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=1_000_000)
    args = ap.parse_args()
    d = drivers_for(load(ROOT / "assumptions/base.yaml"))
    rate_loop = loop_rate(d)
    print(f"Python loop of single runs: {rate_loop:,.0f} evaluations/s")

    vs = tornado_inputs(d)
    t = time.perf_counter()
    tornado(d, vs, ["npv_usd_bn", "irr", "peak_funding_need_usd_bn"])
    dt = time.perf_counter() - t
    points = 1 + 2 * len(vs) + 7 * len(vs)
    print(f"tornado + spider, {len(vs)} inputs, {points} points, 3 outputs: {dt:.3f} s "
          f"(loop would take {points / rate_loop:.2f} s: {points / rate_loop / dt:,.0f}x)")

    x = Variation("r", "Discount rate", "valuation.discount_rate", 0.12, 0.06, 0.18)
    y = Variation("c", "Servers cost", "capex.servers.cost_usd_bn_per_gw",
                  float(d.field("capex.servers.cost_usd_bn_per_gw").value), 15.0, 45.0)
    t = time.perf_counter()
    grid(d, x, y, 50, 50, "npv_usd_bn")
    dt = time.perf_counter() - t
    print(f"grid 50 x 50 (+ base), NPV: {dt:.3f} s (loop would take {2501 / rate_loop:.2f} s: "
          f"{2501 / rate_loop / dt:,.0f}x)")

    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "finmodel", "montecarlo", "--draws", str(args.draws),
               "--seed", "1", "-q", "-o", out]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True)
        wall = time.perf_counter() - t
        peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(f"`finmodel montecarlo --draws {args.draws:,}` (full model, all metrics, IRR, 11 inputs, "
          f"3 rank correlations, bands, workbook): {wall:.2f} s wall, peak memory {peak:,.0f} MiB "
          f"(largest process); a loop of single runs would take {args.draws / rate_loop / 60:,.1f} min")


if __name__ == "__main__":
    main()
