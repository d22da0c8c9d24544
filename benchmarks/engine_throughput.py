"""Engine throughput, loop ratio, peak memory and `finmodel run` wall time (prints figures).

Usage: python benchmarks/engine_throughput.py
Targets on the 2-core reference machine: >= 200,000 scenario-evaluations/s at N = 100,000,
>= 100x over a Python loop of single runs, `finmodel run` <= 2 s. Not a test: no assertions.
"""
from __future__ import annotations

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
from finmodel.sensitivity.evaluate import evaluate  # noqa: E402

INPUTS = {  # varied per scenario: scalars, a per-year series, a delay, a life
    "valuation.discount_rate": (0.08, 0.16),
    "capex.servers.cost_usd_bn_per_gw": (20.0, 40.0),
    "operations.power_price_usd_per_mwh": (40.0, 110.0),
    "revenue.segments.consumer.initial_growth": (0.8, 1.6),
    "commitments.realisation_fraction": (0.6, 1.0),
}


def draws(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: rng.uniform(lo, hi, n) for k, (lo, hi) in INPUTS.items()}


def best_of(f, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    base = drivers_for(load(ROOT / "assumptions/base.yaml"))
    print(f"timeline: {base.periods} periods; full model incl. IRR root scan; inputs varied: {len(INPUTS)}")
    print(f"{'N':>9} {'one engine call (s)':>20} {'evaluations/s':>15}")
    for n in (1, 1_000, 100_000):
        ov = draws(n)
        if n <= 10_000:
            dt = best_of(lambda: run(base.with_overrides(ov)))
        else:  # the chunked path analyses use (cache-sized chunks, one engine thread)
            dt = best_of(lambda: evaluate(base, ov, ["npv_usd_bn", "irr"], workers=1), repeat=2)
        print(f"{n:>9,} {dt:>20.4f} {n / dt:>15,.0f}")
    n = 100_000
    ov = draws(n)
    dt2 = best_of(lambda: evaluate(base, ov, ["npv_usd_bn", "irr"], workers=2), repeat=2)
    print(f"{n:>9,} {dt2:>20.4f} {n / dt2:>15,.0f}   (2 engine threads)")
    loop_n = 500
    single = draws(loop_n, seed=1)
    t = time.perf_counter()
    for i in range(loop_n):
        run(base.with_overrides({k: v[i:i + 1] for k, v in single.items()}))
    per_single = (time.perf_counter() - t) / loop_n
    print(f"Python loop of single runs: {1 / per_single:,.0f} evaluations/s "
          f"({per_single * 1e3:.2f} ms each, measured on {loop_n})")
    print(f"ratio, one call of 100,000 vs the loop: {n / dt / (1 / per_single):,.0f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:,.0f} MiB")
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "finmodel", "run", "-q", "-o", out]
        walls = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, check=True)
            walls.append(time.perf_counter() - t)
    print(f"`finmodel run` (base case, workbook + record) wall time: best {min(walls):.2f} s, "
          f"worst {max(walls):.2f} s")


if __name__ == "__main__":
    main()
