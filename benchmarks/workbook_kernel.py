"""The engine against a fused compiled kernel of the same model, measured in the same run (issue 16).

Usage: python benchmarks/workbook_kernel.py [--n 100000] [--parity 3000] [--repeat 3] [--tree PATH]

The kernel is the scenario workbook itself, compiled: ``tests/sheetc.py`` turns every formula
cell of the base scenario's workbook (the formulas LibreOffice proves equal to the engine) into
C, evaluated cell by cell in dependency order, one scenario after another (gcc -O2
-march=native, OpenMP over scenarios; compiled once and cached in the temp folder). Cells that
read no varied input are evaluated once per thread, not per scenario (as the engine keeps an
unvaried row narrow), and only the cells the outputs need are evaluated. It is derived from the
workbook contract, so it is not a second model to keep equal; it keeps the workbook's
formulation (a vintage sum or a lead-time spread is a SUMPRODUCT per period, the IRR the
Valuation sheet's scan of 35 NPVs, bracket and Newton's method), so a kernel written by hand
with the engine's own recurrences could be faster still: read its throughput as what one fused
pass of this formulation reaches, not as the fastest kernel there is.

Prints:
- the base scenario: every formula cell of the kernel against the value the engine wrote in
  the workbook (numbers within 1e-9 relative, text equal);
- a random batch (``parity.py``'s inputs and debt tranches): every line item, metric and check
  of the kernel against the engine's ``run`` of the same rows;
- throughput at ``--n`` rows (speed.py's inputs), best / median / worst of ``--repeat``, on one
  and two cores (the kernel: OpenMP threads; the engine: ``evaluate``'s workers, forked
  processes from 100,000 rows where the platform forks): the kernel of every metric against the engine's chunked ``evaluate`` of every
  metric; the kernel cut to what NPV and IRR need against the engine's analyses' path; the
  ratio of each pair; and the kernel's time for one row (N = 1).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent / "tests"))

import parity  # noqa: E402
import sheetc  # noqa: E402
import speed  # noqa: E402

FLAGS = ("-O2", "-march=native")  # -O3: ~5 % faster kernels, 3-8x the compile time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--parity", type=int, default=3_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tree", type=Path, default=HERE.parent)
    a = ap.parse_args()
    root = a.tree.resolve()
    parity.use_tree(str(root))
    from threadpoolctl import threadpool_limits

    from finmodel.api import drivers_for, load
    from finmodel.model.result import run
    from finmodel.sensitivity.evaluate import evaluate

    assumptions = load(root / "assumptions/base.yaml")
    base = drivers_for(assumptions)
    wb = sheetc.Workbook(run(base), assumptions)
    cat = wb.catalogue

    def kernel(paths, needed=None, extra=()):
        t = time.perf_counter()
        src, info = sheetc.compile_book(wb.spec, wb.input_cells(paths) + list(extra), needed)
        made = time.perf_counter() - t
        t = time.perf_counter()
        return sheetc.Kernel(src, flags=FLAGS), info, made, time.perf_counter() - t, len(src)

    # the base scenario, every formula cell
    k, info, made, cc, size = kernel([])
    order, cells_total = info["order"], info["statements"]
    got = k(np.empty((1, 0)), np.array([info["index"](*c) for c in order]))[0]
    equal = len(order) - len(sheetc.cells_differ(info, got))
    print(f"model: {len(cat.line_items)} line items, {len(cat.metrics)} metrics, {len(cat.checks)} checks, "
          f"{wb.T} periods; workbook: {info['statements']:,} formula cells -> {size / 1e6:.1f} MB of C "
          f"(generated in {made:.1f} s, compiled in {cc:.1f} s with {' '.join(FLAGS)}; cached by its hash)")
    print(f"base scenario: {equal:,} of {len(order):,} formula cells equal the engine's values "
          "(numbers within 1e-9 relative, text equal)")

    # a random batch, every line item, metric and check
    n = a.parity
    ov = parity.batch(n)
    ov.update(parity.tranches(base, n))
    paths = sorted(ov)
    drivers = base.with_overrides(ov)
    r = run(drivers)
    outs = wb.outputs()
    cells = [c for cs in outs.values() for c in cs]
    k, info, *_ = kernel(paths, cells, wb.engine_cells())
    values = np.concatenate([wb.input_values(drivers, paths), wb.engine_values(r, info["texts"])], axis=1)
    valid = ~np.asarray(drivers.invalid)
    compared = wb.compare(r, k(values, np.array([info["index"](*c) for c in cells]), 2), outs, valid)
    print(f"batch of {n:,} random rows ({int(valid.sum()):,} within bounds; parity.py's {len(paths)} inputs): "
          + "; ".join(f"{label} {c[0]:,} of {c[1]:,} values equal"
                      for label, c in zip(("line items", "metrics", "checks"), compared.counts.values()))
          + f" (within 1e-9 relative, the largest difference {compared.worst:.1e} (relative above 1, else absolute); the IRR flows' root count, lowest root and note, which the workbook "
            "holds as the engine's values, taken from the engine)")
    for line in compared.differ[:15]:
        print("  DIFFERS", line)

    # throughput
    paths = list(speed.INPUTS)
    ov = speed.draws(a.n)
    values = wb.input_values(base.with_overrides(ov), paths)
    print(f"\nthroughput at N = {a.n:,} (speed.py's {len(paths)} inputs), evaluations/s best / median / worst "
          f"of {a.repeat}; kernel / engine is the ratio of best and of median rates:")
    for label, names in (("every metric", list(cat.metrics)), ("analyses' path (NPV, IRR)", speed.ANALYSES)):
        cells = [c for cs in wb.outputs(line_items=False, metrics=names, checks=False).values() for c in cs]
        kern, kinfo, *_ = kernel(paths, cells)
        ix = np.array([kinfo["index"](*c) for c in cells])
        for w in (1, 2):
            kern(values[:1000], ix, w)
            kt = speed.timed(lambda: kern(values, ix, w), a.repeat)
            with threadpool_limits(1):
                evaluate(base, ov, names, workers=w)
                et = speed.timed(lambda: evaluate(base, ov, names, workers=w), a.repeat)
            print(f"  {label + ', ' + str(w) + ' core' + 's' * (w > 1):<38} kernel {speed.spread(a.n, kt)}   "
                  f"engine {speed.spread(a.n, et)}   kernel / engine {min(et) / min(kt):.2f}x, "
                  f"{statistics.median(et) / statistics.median(kt):.2f}x", flush=True)
        one = min(speed.timed(lambda: kern(values[:1], ix, 1), 200))
        print(f"    kernel: {kinfo['per_row']:,} of {cells_total:,} formula cells evaluated per row "
              f"({len(kinfo['order']) - kinfo['per_row']:,} more read no varied input: once per thread); "
              f"N = 1: {one * 1e6:,.0f} us a call (min of 200, through ctypes)")


if __name__ == "__main__":
    main()
