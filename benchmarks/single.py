"""The time of ONE evaluation (N = 1 row; issue 16's target <= 0.5 ms); prints figures, asserts nothing.

Usage: python benchmarks/single.py [--tree PATH] [--calls 40] [--repeat 3]

Every call gets fresh input values (a run of a few rows takes from the last one every entry
its changed inputs do not move, ``model.result._memo``; the same values again would time a
lookup). Prints min / median / max over ``--repeat`` rounds of ``--calls`` calls, ms a call:

- the full model (every line item, metric and check) and the analyses' path (``run`` of NPV
  and IRR, what tornado, grid and solve read) with speed.py's 5 inputs varied together, with
  the discount rate alone (a goal seek on it: little of the model moves) and with consumer
  growth alone (most of the model up to free cash flow moves);
- ``evaluate`` of NPV and IRR at one row with the discount rate varied (one bisection step of
  ``finmodel solve``);
- last, the full model with the 5 inputs varied and every catalogue entry's function replaced
  by one that hands back its first result: the time of the evaluator alone (resolving
  references, the memo, sums of terms, read-only views), the floor under any faster entry
  functions, compiled or not.

``--tree PATH`` imports finmodel and the assumptions from another checkout (e.g. the main
branch); run the two trees in turn, several times, on a shared machine.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from speed import INPUTS  # noqa: E402 (benchmarks/ is on the path when run as a script)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent)
    ap.add_argument("--calls", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    root = args.tree.resolve()
    sys.path.insert(0, str(root))
    from finmodel.api import drivers_for, load
    from finmodel.model.result import run
    from finmodel.sensitivity.evaluate import evaluate

    base = drivers_for(load(root / "assumptions/base.yaml"))
    rng = np.random.default_rng(0)
    k = args.calls

    def one(paths):
        return [{p: rng.uniform(*INPUTS[p], 1) for p in paths} for _ in range(k)]

    five, rate = one(INPUTS), one(["valuation.discount_rate"])
    growth = one(["revenue.segments.consumer.initial_growth"])

    def full(ovs):
        for ov in ovs:
            run(base.with_overrides(ov)).checks_pass

    def analyses(ovs):
        for ov in ovs:
            run(base.with_overrides(ov), outputs=["npv_usd_bn", "irr"])

    def solve_step(ovs):
        for ov in ovs:
            evaluate(base, ov, ["npv_usd_bn", "irr"])

    cases = [("full model, 5 inputs vary", full, five), ("analyses' path, 5 inputs vary", analyses, five),
             ("full model, discount rate varies", full, rate),
             ("analyses' path, discount rate varies", analyses, rate),
             ("analyses' path, consumer growth varies", analyses, growth),
             ("evaluate(), discount rate varies", solve_step, rate)]
    print(f"finmodel from {root}; ms a call, min / median / max of {args.repeat} rounds of {k} calls")
    with np.errstate(all="ignore"):
        for label, f, ovs in cases:
            f(ovs[:3])  # warm
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                f(ovs)
                times.append((time.perf_counter() - t) / k * 1e3)
            print(f"{label:<42} {min(times):8.3f} {statistics.median(times):8.3f} {max(times):8.3f}", flush=True)
        stub_entries(base)
        times = []
        full(five[:3])
        for _ in range(args.repeat):
            t = time.perf_counter()
            full(five)
            times.append((time.perf_counter() - t) / k * 1e3)
        print(f"{'the evaluator alone (entries stubbed)':<42} {min(times):8.3f} {statistics.median(times):8.3f} "
              f"{max(times):8.3f}", flush=True)


def stub_entries(drivers) -> None:
    """Every entry of ``drivers``' catalogue hands back its first result from now on (this
    process only): its function is replaced by a lookup, marked elementwise as it was."""
    from finmodel.engine.elementwise import is_elementwise
    from finmodel.model.result import _planned
    cat, plan = _planned(drivers.structure)

    def stub(fn):
        kept = []

        def first(**kw):
            if not kept:
                kept.append(fn(**kw))
            return kept[0]

        first.elementwise = is_elementwise(fn)
        return first

    for entries in (cat.line_items, cat.metrics, cat.checks):
        for entry in entries.values():
            object.__setattr__(entry, "fn", stub(entry.fn))
    plan.marks.clear()


if __name__ == "__main__":
    main()
