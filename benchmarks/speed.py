"""The engine's speed in one run (issue 16, "measure first"); prints figures, asserts nothing.

Usage: python benchmarks/speed.py [--quick] [--repeat 3] [--tree PATH]

Prints, each throughput as min / median / max over ``--repeat`` runs (>= 3; on this shared
2-core machine read the min, the least disturbed run):

- throughput at N = 1, 1,000, 100,000 and 1,000,000 scenarios for
  * the full model: at N <= 1,000 one ``run`` of every line item, metric and check; from
    100,000 the chunked ``evaluate`` of every metric (what a Monte Carlo of all metrics runs;
    a whole catalogue of 1M rows would not fit in memory), on one worker, two worker
    processes (what runs where the platform forks) and two threads (elsewhere);
  * the analyses' path: ``evaluate`` of NPV and IRR (only what they depend on is evaluated),
    the same ways;
- the ratio of one batch call to a Python loop of single runs;
- this machine's memory bandwidth, measured in the same run (a 400 MB array copy and add), and
  the engine's bytes touched per evaluation estimated from its array passes (each catalogue
  entry's row-sized arguments read once and its result written once; temporaries inside the
  engine functions are not counted, so the share of the limit is an upper bound): the
  throughput as a fraction of the limit memory traffic sets;
- per-stage and per-line-item time (top 20) in one full call at 20,000 rows, each entry's own
  time (the entries it depends on are memoised and excluded);
- whether one BLAS thread helps a single run (threadpoolctl);
- peak memory of this process (``resource.getrusage``);
- scaling with the number of periods (the timeline extended to 32 and 64 years) and of deals
  (the deal table repeated x 4 and x 16), at 10,000 rows.

The issue also asks for the ratio to a fused compiled kernel of the same model:
``workbook_kernel.py`` measures it against the scenario workbook's formulas compiled to C (a
kernel derived from the workbook contract, so not a second model to keep equal); the
memory-bandwidth fraction here says how far the engine is from the limit any kernel that
writes each line item once meets.

``--tree PATH`` imports finmodel and the assumptions from another checkout (e.g. the main
branch) so before/after figures come from the same script.
"""
from __future__ import annotations

import argparse
import itertools
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

INPUTS = {  # varied per scenario (the same as engine_throughput.py)
    "valuation.discount_rate": (0.08, 0.16),
    "capex.servers.cost_usd_bn_per_gw": (20.0, 40.0),
    "operations.power_price_usd_per_mwh": (40.0, 110.0),
    "revenue.segments.consumer.initial_growth": (0.8, 1.6),
    "commitments.realisation_fraction": (0.6, 1.0),
}
ANALYSES = ["npv_usd_bn", "irr"]


def draws(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: rng.uniform(lo, hi, n) for k, (lo, hi) in INPUTS.items()}


def timed(f, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        out.append(time.perf_counter() - t)
    return out


def spread(n: int, times: list[float]) -> str:
    """evaluations/s of the fastest (min time), median and slowest run."""
    rates = sorted(n / t for t in times)
    return f"{rates[-1]:>11,.0f} {statistics.median(rates):>11,.0f} {rates[0]:>11,.0f}"


def bandwidth(repeat: int) -> tuple[float, float]:
    """(copy, add) bandwidth [GB/s, every byte read or written counted], best of ``repeat``."""
    a = np.ones(50 * 1024 * 1024)  # 400 MB
    b, c = np.empty_like(a), np.ones_like(a)
    copy = min(timed(lambda: np.copyto(b, a), repeat))
    add = min(timed(lambda: np.add(a, c, out=b), repeat))
    return 2 * a.nbytes / copy / 1e9, 3 * a.nbytes / add / 1e9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip N = 1,000,000 and the scaling runs")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent,
                    help="the checkout whose finmodel and assumptions are measured")
    args = ap.parse_args()
    root, repeat = args.tree.resolve(), max(args.repeat, 1)
    sys.path.insert(0, str(root))
    from threadpoolctl import threadpool_limits

    from finmodel.api import drivers_for, load
    from finmodel.model import result as result_module
    from finmodel.sensitivity.evaluate import evaluate

    run = result_module.run
    base = drivers_for(load(root / "assumptions/base.yaml"))
    r0 = run(base)
    cat = r0.catalogue
    metrics = list(cat.metrics)
    T = base.periods
    print(f"finmodel from {root}")
    print(f"model: {len(cat.line_items)} line items, {len(cat.metrics)} metrics, {len(cat.checks)} checks, "
          f"{T} periods, {len(base.structure.deals)} deals; {len(INPUTS)} inputs varied; "
          f"best / median / worst of {repeat} runs (best = min time)")

    copy_bw, add_bw = bandwidth(max(repeat, 3))
    per_eval = bytes_per_evaluation(base, result_module)
    limit = add_bw * 1e9 / per_eval
    print(f"memory bandwidth: copy {copy_bw:,.1f} GB/s, add {add_bw:,.1f} GB/s (read + write); the engine "
          f"touches >= {per_eval / 1e3:,.1f} kB per evaluation (full model) -> at most {limit:,.0f} "
          "evaluations/s on one core")

    def full_small(ov):
        r = run(base.with_overrides(ov))
        _ = r.checks_pass

    sizes = (1, 1_000, 100_000) if args.quick else (1, 1_000, 100_000, 1_000_000)
    print(f"\n{'':<44} {'N':>9} {'evaluations/s: best':>19} {'median':>11} {'worst':>11} {'of limit':>9}")
    best: dict[tuple, float] = {}
    for n in sizes:
        ov = draws(n)
        cases = []
        if n <= 1_000:
            # fresh values every call: a run of a few rows takes from the last one what its
            # changed inputs do not move (model.result._memo), so the same values again would
            # time a lookup, not an evaluation
            fresh = itertools.cycle([draws(n, seed) for seed in range(1, 4 * repeat + 3)])
            cases.append(("full model, one call", lambda: full_small(next(fresh))))
            cases.append(("analyses' path (NPV, IRR), one call",
                          lambda: run(base.with_overrides(next(fresh)), outputs=ANALYSES)))
        else:
            ways = (("1 worker", 1, None), ("2 processes", 2, True), ("2 threads", 2, False))
            for what, names in (("full model (every metric)", metrics), ("analyses' path (NPV, IRR)", ANALYSES)):
                for way, w, forked in ways:
                    cases.append((f"{what}, {way}", lambda w=w, forked=forked, names=names:
                                  evaluate(base, ov, names, workers=w, processes=forked)))
        for label, f in cases:
            with threadpool_limits(1) if n > 1 else _null():
                f()  # warm
                times = timed(f, repeat)
            best[(label, n)] = n / min(times)
            share = f"{n / min(times) / limit:>8.1%}" if label.startswith("full") else ""
            print(f"{label:<44} {n:>9,} {spread(n, times)} {share:>9}", flush=True)
        if n == 1:
            print(f"{'':<40} {'':>9} {'(N = 1: ' + format(min(times) * 1e3, '.2f') + ' ms per call)':>33}")

    loop_n = 200
    single = draws(loop_n, seed=1)
    rows = [base.with_overrides({k: v[i:i + 1] for k, v in single.items()}) for i in range(loop_n)]
    loop = [loop_n / t for t in timed(lambda: [run(d).checks_pass for d in rows], repeat)]
    one_call = best[("full model, one call", 1_000)]
    print(f"\nPython loop of single full runs: {max(loop):,.0f} evaluations/s (best of {repeat}); one call of "
          f"1,000 is {one_call / max(loop):,.0f}x, the chunked path at 100,000 (1 worker) "
          f"{best[('full model (every metric), 1 worker', 100_000)] / max(loop):,.0f}x faster")

    fresh_rows = itertools.cycle(rows)  # fresh values every call, as above
    with threadpool_limits(1):
        one_blas = min(timed(lambda: run(next(fresh_rows)), 5 * repeat))
    default_blas = min(timed(lambda: run(next(fresh_rows)), 5 * repeat))
    print(f"single run (N = 1, full model): {default_blas * 1e3:.2f} ms with the default BLAS threads, "
          f"{one_blas * 1e3:.2f} ms with one (min of {5 * repeat})")

    own, total = per_entry(base, result_module, 20_000)
    stages: dict[str, float] = defaultdict(float)
    for key, s in own.items():
        stages[stage_of(key, cat)] += s
    print(f"\nper stage, one full call at N = 20,000 ({total:.2f} s; each entry's own time):")
    for stage, s in sorted(stages.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:<40} {s:>7.3f} s {s / total:>6.1%}")
    print("slowest 20 entries:")
    for key, s in sorted(own.items(), key=lambda kv: -kv[1])[:20]:
        print(f"  {key:<50} {s:>7.4f} s  ({stage_of(key, cat)})")

    print(f"\npeak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    if not args.quick:
        scaling(root, 10_000, repeat)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def bytes_per_evaluation(base, result_module, n: int = 2_000) -> float:
    """Bytes each full evaluation reads and writes, counted per catalogue entry: its arguments
    with a row per scenario read once, its result written once (a lower bound on the traffic)."""
    total = [0]
    original = result_module._Evaluator.call

    def counted(self, entry):
        out = original(self, entry)
        for a, ref in entry.args.items():
            v = self.ref(ref)  # memoised: no second evaluation
            if np.ndim(v) and np.shape(v)[0] == n:
                total[0] += np.size(v) * 8
        if np.ndim(out) and np.shape(out)[0] == n:
            total[0] += np.size(out) * 8
        return out

    result_module._Evaluator.call = counted
    try:
        r = result_module.run(base.with_overrides(draws(n)))
        _ = r.checks_pass
    finally:
        result_module._Evaluator.call = original
    return total[0] / n


def per_entry(base, result_module, n: int) -> tuple[dict[str, float], float]:
    """Seconds per catalogue entry (line items, metrics, checks) in one call at ``n`` rows."""
    spent: dict[str, float] = defaultdict(float)
    original = result_module._Evaluator.call
    children: list[float] = []

    def timed_call(self, entry):
        children.append(0.0)
        t = time.perf_counter()
        out = original(self, entry)
        elapsed = time.perf_counter() - t
        nested = children.pop()
        spent[entry.key] += elapsed - nested
        if children:
            children[-1] += elapsed
        return out

    drivers = base.with_overrides(draws(n))
    result_module.run(drivers)  # warm
    result_module._Evaluator.call = timed_call
    try:
        t = time.perf_counter()
        r = result_module.run(drivers)
        _ = r.checks_pass
        total = time.perf_counter() - t
    finally:
        result_module._Evaluator.call = original
    return dict(spent), total


def stage_of(key: str, catalogue) -> str:
    if key in catalogue.line_items:
        return f"line items: {catalogue.line_items[key].sheet}"
    return "metrics" if key in catalogue.metrics else "checks"


def scaled_project(root: Path, periods_extra: int = 0, deal_copies: int = 1) -> Path:
    """A temporary copy of assumptions/ with a longer timeline or the deal table repeated."""
    tmp = Path(tempfile.mkdtemp(prefix="finmodel-bench-"))
    shutil.copytree(root / "assumptions", tmp / "assumptions")
    base = tmp / "assumptions/base.yaml"
    if periods_extra:
        text = base.read_text()
        base.write_text(text.replace("last_year: 2040", f"last_year: {2040 + periods_extra}", 1))
    if deal_copies > 1:
        table = tmp / "assumptions/commitments.csv"
        lines = table.read_text().splitlines()
        body = [r for r in lines if r and not r.startswith("#")]
        comments, head, rows = [r for r in lines if r.startswith("#")], body[0], body[1:]
        out = comments + [head] + rows
        for k in range(1, deal_copies):
            out += [r.replace(r.split(",", 1)[0] + ",", f"{r.split(',', 1)[0]}-{k},", 1) for r in rows]
        table.write_text("\n".join(out) + "\n")
    return base


def scaling(root: Path, n: int, repeat: int) -> None:
    from threadpoolctl import threadpool_limits

    from finmodel.api import drivers_for, load
    from finmodel.model.result import run
    print(f"\nscaling at N = {n:,} (one full call, one thread; evaluations/s best / median / worst):")
    print(f"{'case':<26} {'periods':>7} {'deals':>6} {'line items':>10} {'best':>11} {'median':>11} {'worst':>11}")
    for label, kw in (("shipped base case", {}), ("timeline 32 years", {"periods_extra": 16}),
                      ("timeline 64 years", {"periods_extra": 48}), ("deal table x 4", {"deal_copies": 4}),
                      ("deal table x 16", {"deal_copies": 16})):
        path = scaled_project(root, **kw)
        try:
            base = drivers_for(load(path))
        except Exception as e:  # a scaled copy the schema refuses: say so and go on
            print(f"{label:<26} refused: {str(e).splitlines()[0][:70]}")
            continue
        finally:
            shutil.rmtree(path.parent.parent, ignore_errors=True)
        ov = draws(n)
        with threadpool_limits(1):
            times = timed(lambda: run(base.with_overrides(ov)).checks_pass, repeat)
        r = run(base)
        print(f"{label:<26} {base.periods:>7} {len(base.structure.deals):>6} {len(r.catalogue.line_items):>10} "
              f"{spread(n, times)}", flush=True)


if __name__ == "__main__":
    main()
