"""Goal seek on a Monte Carlo statistic: solved value, its standard error, draws, statistic
evaluations and wall time; and whether the reported standard error is calibrated (prints
figures; not a test).

Usage: python benchmarks/goalseek.py [--draws 10000] [--replications 20] [--rep-draws 2000]

The calibration solves the same target with ``--replications`` seeds and compares the spread
of the solutions (their sample standard deviation) with the mean reported standard error:
a ratio near 1 says the delta-method SE is honest.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from finmodel import api  # noqa: E402

TARGETS = ("p90(peak_funding_need_usd_bn)=500", "prob(npv_usd_bn<0)=0.2")
VARY, BOUNDS = "revenue.segments.consumer.initial_growth", "0.5,6"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument("--rep-draws", type=int, default=2_000)
    args = ap.parse_args()
    folder = ROOT / "assumptions"
    for target in TARGETS:
        t0 = time.perf_counter()
        run = api.solve("base", target, VARY, BOUNDS, draws=args.draws, seed=42, assumptions_dir=folder)
        wall = time.perf_counter() - t0
        s = run.solutions[0]
        print(f"{target} varying {VARY} in [{BOUNDS}]: solution {s.value:.5g} +- {s.se:.2g} (MC s.e.), "
              f"{s.draws:,} draws, {s.evaluations} statistic evaluations ({s.evaluations * s.draws:,} "
              f"engine rows), brentq {s.iterations} iterations, {wall:.1f} s")
        values, ses = [], []
        for seed in range(100, 100 + args.replications):
            r = api.solve("base", target, VARY, BOUNDS, draws=args.rep_draws, seed=seed, assumptions_dir=folder)
            values.append(r.solutions[0].value)
            ses.append(r.solutions[0].se)
        sd, mean_se = float(np.std(values, ddof=1)), float(np.mean(ses))
        print(f"  {args.replications} seeds x {args.rep_draws:,} draws: sd of the solutions {sd:.3g}, "
              f"mean reported SE {mean_se:.3g} (ratio {sd / mean_se:.2f}), mean solution {np.mean(values):.5g}")


if __name__ == "__main__":
    main()
