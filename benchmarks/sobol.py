"""Speed of a Sobol' run and of a Morris screen on the shipped base case (prints figures; not a test).

Usage: python benchmarks/sobol.py [--samples 4096] [--seed 1]
Prints the model rows, the time of the one engine evaluation (samples per second), the time
of the whole analysis (sampling, SALib's estimators and bootstrap, convergence) and the
leading factors of NPV, peak funding need and the funding need by year.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import finmodel.sensitivity.globalsa as g  # noqa: E402
from finmodel import api  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=4096)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--trajectories", type=int, default=40)
    args = ap.parse_args()
    timed: dict[str, float] = {}
    original = g.model_evaluator

    def timing_evaluator(*a, **k):
        fn, stats = original(*a, **k)

        def wrapped(x):
            t = time.perf_counter()
            out = fn(x)
            timed["evaluate"] = time.perf_counter() - t
            timed["rows"] = len(x)
            return out
        return wrapped, stats

    g.model_evaluator = timing_evaluator
    api.sobol("base", samples=32, seed=0, items=())  # warm: imports, catalogue
    t = time.perf_counter()
    s = api.sobol("base", samples=args.samples, seed=args.seed)
    total = time.perf_counter() - t
    print(f"Sobol': N = {args.samples:,}, {timed['rows']:,} model rows; engine {timed['evaluate']:.2f} s "
          f"({timed['rows'] / timed['evaluate']:,.0f} samples/s); whole analysis {total:.2f} s")
    print(s.text())
    t = time.perf_counter()
    m = api.morris("base", trajectories=args.trajectories, seed=args.seed, all_inputs=True)
    total = time.perf_counter() - t
    print(f"\nMorris, every input: {timed['rows']:,} model rows; engine {timed['evaluate']:.2f} s "
          f"({timed['rows'] / timed['evaluate']:,.0f} samples/s); whole analysis {total:.2f} s")
    print(m.text())


if __name__ == "__main__":
    main()
