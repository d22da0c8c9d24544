"""Where the engine's time goes, and how far it is from this machine's limit (prints figures).

Usage: python benchmarks/engine_profile.py [--quick]

Prints, in one run (issue 16, "measure first"):
- throughput at N = 1, 1,000, 100,000 and 1,000,000 (the chunked path the analyses use), and
  the ratio to a Python loop of single runs;
- this machine's memory bandwidth, measured now (a large array copy), and the bytes the engine
  writes per evaluation (every line item's row once), so the throughput reads as a fraction of
  the limit set by memory traffic rather than as a noisy absolute;
- per-stage and per-line-item time at N = 100,000 (each catalogue entry timed as the evaluator
  calls it; an entry's time includes none of the entries it depends on, which are memoised);
- peak memory of this process;
- scaling with the number of periods (the timeline extended) and of deals (the deal table
  repeated).
Not a test: no assertions. Figures on a shared machine vary run to run; report min/median/max
over >= 3 runs.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the other benchmarks of this folder

from finmodel.api import drivers_for, load  # noqa: E402
from finmodel.model import result as result_module  # noqa: E402
from finmodel.model.result import run  # noqa: E402
from finmodel.sensitivity.evaluate import evaluate  # noqa: E402
from engine_throughput import INPUTS, best_of, draws  # noqa: E402  (this folder: the same inputs)

OUTPUTS = ["npv_usd_bn", "irr", "peak_funding_need_usd_bn"]


def bandwidth_gb_s(mb: int = 400) -> float:
    """Copy bandwidth [GB/s, read + write counted] of a ``mb`` MB array, best of 5."""
    a = np.ones(mb * 1024 * 1024 // 8)
    b = np.empty_like(a)
    dt = best_of(lambda: np.copyto(b, a), repeat=5)
    return 2 * a.nbytes / dt / 1e9


def throughput(base) -> tuple[dict[int, float], float]:
    rates = {}
    for n in (1, 1_000, 100_000, 1_000_000):
        ov = draws(n)
        if n <= 1_000:
            dt = best_of(lambda: run(base.with_overrides(ov)), repeat=5 if n == 1 else 3)
        else:
            dt = best_of(lambda: evaluate(base, ov, OUTPUTS), repeat=2 if n < 1_000_000 else 1)
        rates[n] = n / dt
    loop_n = 300
    single = draws(loop_n, seed=1)
    t = time.perf_counter()
    for i in range(loop_n):
        run(base.with_overrides({k: v[i:i + 1] for k, v in single.items()}))
    return rates, loop_n / (time.perf_counter() - t)


def per_entry(base, n: int = 20_000) -> tuple[dict[str, float], float]:
    """Seconds per catalogue entry (line items, metrics, checks) in one call at ``n`` rows."""
    spent: dict[str, float] = defaultdict(float)
    original = result_module._Evaluator.call
    children: list[float] = []  # time spent in nested entries, per open call

    def timed(self, entry):
        children.append(0.0)
        t = time.perf_counter()
        out = original(self, entry)
        elapsed = time.perf_counter() - t
        nested = children.pop()
        spent[entry.key] += elapsed - nested  # its own time: dependencies pulled in excluded
        if children:
            children[-1] += elapsed
        return out

    drivers = base.with_overrides(draws(n))
    result_module._Evaluator.call = timed
    try:
        t = time.perf_counter()
        r = run(drivers)
        _ = r.checks_pass
        total = time.perf_counter() - t
    finally:
        result_module._Evaluator.call = original
    return dict(spent), total


def stage_of(key: str, catalogue) -> str:
    if key in catalogue.line_items:
        return f"line items: {catalogue.line_items[key].sheet}"
    if key in catalogue.metrics:
        return "metrics"
    return "checks"


def scaled_project(periods_extra: int = 0, deal_copies: int = 1) -> Path:
    """A temporary copy of assumptions/ with a longer timeline or the deal table repeated."""
    tmp = Path(tempfile.mkdtemp(prefix="finmodel-bench-"))
    shutil.copytree(ROOT / "assumptions", tmp / "assumptions")
    base = tmp / "assumptions/base.yaml"
    if periods_extra:
        text = base.read_text()
        text = text.replace("last_year: 2040", f"last_year: {2040 + periods_extra}", 1)
        base.write_text(text)
    if deal_copies > 1:
        table = tmp / "assumptions/commitments.csv"
        lines = table.read_text().splitlines()
        body = [r for r in lines if r and not r.startswith("#")]  # comments, then the header
        comments, head, rows = [r for r in lines if r.startswith("#")], body[0], body[1:]
        out = comments + [head] + rows
        for k in range(1, deal_copies):
            out += [r.replace(r.split(",", 1)[0] + ",", f"{r.split(',', 1)[0]}-{k},", 1) for r in rows]
        table.write_text("\n".join(out) + "\n")
    return base


def scaling(n: int) -> None:
    print(f"\nscaling at N = {n:,} (one engine call):")
    print(f"{'case':<34} {'periods':>7} {'deals':>6} {'line items':>10} {'evaluations/s':>14}")
    for label, kw in (("shipped base case", {}), ("timeline + 16 years", {"periods_extra": 16}),
                      ("timeline + 48 years", {"periods_extra": 48}), ("deal table x 4", {"deal_copies": 4}),
                      ("deal table x 16", {"deal_copies": 16})):
        path = scaled_project(**kw)
        try:
            base = drivers_for(load(path))
        except Exception as e:  # a scaled copy the schema refuses: say so and go on
            print(f"{label:<34} refused: {str(e).splitlines()[0][:60]}")
            continue
        finally:
            shutil.rmtree(path.parent.parent, ignore_errors=True)
        ov = draws(n)
        dt = best_of(lambda: run(base.with_overrides(ov)), repeat=2)
        r = run(base)
        print(f"{label:<34} {base.periods:>7} {len(base.structure.deals):>6} {len(r.catalogue.line_items):>10} "
              f"{n / dt:>14,.0f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the 1M-row throughput and the scaling runs")
    quick = ap.parse_args().quick
    base = drivers_for(load(ROOT / "assumptions/base.yaml"))
    r0 = run(base)
    cat = r0.catalogue
    n_items, T = len(cat.line_items), base.periods
    print(f"model: {n_items} line items, {len(cat.metrics)} metrics, {len(cat.checks)} checks, "
          f"{T} periods, {len(base.structure.deals)} deals; inputs varied: {len(INPUTS)}")

    bw = bandwidth_gb_s()
    bytes_per_eval = n_items * T * 8
    print(f"memory bandwidth (array copy, read + write): {bw:,.1f} GB/s; the engine writes "
          f"{bytes_per_eval:,} bytes per evaluation (each line item's row once)")
    rates, loop = throughput(base) if not quick else _quick_throughput(base)
    print(f"\n{'N':>10} {'evaluations/s':>15} {'ms per call':>12} {'share of the bandwidth limit':>30}")
    for n, rate in rates.items():
        limit = bw * 1e9 / bytes_per_eval
        print(f"{n:>10,} {rate:>15,.0f} {n / rate * 1e3:>12.2f} {rate / limit:>29.1%}")
    print(f"Python loop of single runs: {loop:,.0f} evaluations/s; "
          f"one call of 100,000 is {rates[100_000] / loop:,.0f}x faster")

    own, total = per_entry(base)
    stages: dict[str, float] = defaultdict(float)
    for key, s in own.items():
        stages[stage_of(key, cat)] += s
    print(f"\nper stage at N = 20,000 (one call, {total:.2f} s; each entry's own time, the "
          "entries it depends on excluded):")
    for stage, s in sorted(stages.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:<40} {s:>7.3f} s")
    print("slowest 15 entries:")
    for key, s in sorted(own.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {key:<50} {s:>7.3f} s  ({stage_of(key, cat)})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of this process: {peak:,.0f} MiB")
    if not quick:
        scaling(10_000)


def _quick_throughput(base) -> tuple[dict[int, float], float]:
    rates = {}
    for n in (1, 1_000, 100_000):
        ov = draws(n)
        dt = best_of(lambda: run(base.with_overrides(ov)) if n <= 1_000 else evaluate(base, ov, OUTPUTS), repeat=2)
        rates[n] = n / dt
    single = draws(100, seed=1)
    t = time.perf_counter()
    for i in range(100):
        run(base.with_overrides({k: v[i:i + 1] for k, v in single.items()}))
    return rates, 100 / (time.perf_counter() - t)


if __name__ == "__main__":
    main()
