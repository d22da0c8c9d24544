"""Percentile intervals: `percentiles` (one sort, scipy's ranks for all 7 percentiles) against
calling scipy.stats.quantile_test per percentile (prints figures; not a test).

Usage: python benchmarks/stats.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from finmodel.sensitivity.montecarlo import QUANTILES  # noqa: E402
from finmodel.sensitivity.stats import percentiles  # noqa: E402


def best_of(f, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    print(f"{len(QUANTILES)} percentiles with 95% intervals of one output, best of 3 [s]")
    for n in (20_000, 200_000, 1_000_000):
        x = np.random.default_rng(0).lognormal(size=n)
        ours = best_of(lambda: percentiles(x, QUANTILES))
        scipy_each = best_of(lambda: [stats.quantile_test(x, p=q / 100).confidence_interval(0.95)
                                      for q in QUANTILES])
        print(f"{n:>9,} draws: percentiles {ours:.3f} | quantile_test per percentile "
              f"{scipy_each:.3f} ({scipy_each / ours:.1f}x)")


if __name__ == "__main__":
    main()
