"""The Monte Carlo engine pass on the shipped assumptions: on one thread, on several (what
``evaluate`` does), and on worker processes writing into shared memory (the alternative it
was measured against). Prints seconds; not a test.

Usage: python benchmarks/evaluate_pool.py [--draws 20000 200000] [--workers 2]
       [--start-methods fork spawn] [--repeat 3]
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import shared_memory
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from finmodel.api import drivers_for, load, load_spec  # noqa: E402
from finmodel.sensitivity.evaluate import CHUNK, _run_chunk, evaluate  # noqa: E402
from finmodel.sensitivity.montecarlo import BAND_ITEMS, _NEEDED  # noqa: E402
from finmodel.sensitivity.sampling import sample  # noqa: E402

OUTPUTS = list(dict.fromkeys(["npv_usd_bn", "irr", *_NEEDED]))


def montecarlo_inputs(n: int):
    """The shipped spec's draws, as ``montecarlo`` hands them to ``evaluate``."""
    a = load("base", assumptions_dir=ROOT / "assumptions")
    drivers = drivers_for(a)
    spec, variations = load_spec(None, a, ROOT / "assumptions")
    chosen = [v for v in variations if spec.inputs[v.name].distribution is not None]
    names = [v.name for v in chosen]
    s = sample([spec.inputs[v.name].distribution for v in chosen], n, 1, False,
               spec.correlation_matrix(names), spec.montecarlo_method, names=names)
    overrides, scales = {}, {}
    for j, v in enumerate(chosen):
        col = np.round(s.values[:, j]) if v.integer else s.values[:, j]
        (scales if v.scale else overrides)[v.path] = np.ascontiguousarray(col)
    return drivers, overrides, scales


# --- the alternative: ProcessPoolExecutor, outputs in multiprocessing.shared_memory ---------

_WORKER = {}


def _attach(args, layout) -> None:
    from threadpoolctl import threadpool_limits
    _WORKER["limits"] = threadpool_limits(limits=1)  # one BLAS thread per process
    _WORKER["blocks"] = [shared_memory.SharedMemory(name=name) for name, _, _ in layout]
    arrays = [np.ndarray(shape, dtype, buffer=b.buf)
              for b, (_, shape, dtype) in zip(_WORKER["blocks"], layout)]
    values = dict(zip(OUTPUTS, arrays))
    rows = dict(zip(BAND_ITEMS, arrays[len(OUTPUTS):]))
    _WORKER["run"] = partial(_run_chunk, *args, values, rows, arrays[-1], {}, True)


def _chunk(sl: slice) -> int:
    return _WORKER["run"](sl)


def processes(drivers, overrides, scales, workers: int, method: str) -> dict[str, np.ndarray]:
    n = len(next(iter(overrides.values())))
    shapes = [((n,), float)] * len(OUTPUTS) + [((drivers.periods, n), float)] * len(BAND_ITEMS)
    shapes.append(((n,), np.bool_))
    blocks = [shared_memory.SharedMemory(create=True, size=int(np.prod(s)) * np.dtype(d).itemsize)
              for s, d in shapes]
    try:
        layout = [(b.name, s, d) for b, (s, d) in zip(blocks, shapes)]
        args = (drivers, overrides, scales, OUTPUTS, tuple(BAND_ITEMS))
        with ProcessPoolExecutor(workers, mp_context=mp.get_context(method),
                                 initializer=_attach, initargs=(args, layout)) as pool:
            list(pool.map(_chunk, [slice(i, min(i + CHUNK, n)) for i in range(0, n, CHUNK)]))
        return {o: np.ndarray((n,), float, buffer=b.buf).copy() for o, b in zip(OUTPUTS, blocks)}
    finally:
        for b in blocks:
            b.close()
            b.unlink()


def best_of(f, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, nargs="+", default=[20_000, 200_000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--start-methods", nargs="*", default=["fork", "spawn"])
    args = ap.parse_args()
    w, r = args.workers, args.repeat
    print(f"engine pass of the shipped Monte Carlo ({len(OUTPUTS)} outputs + {len(BAND_ITEMS)} "
          f"fan-chart line items), best of {r}, {w} workers; seconds")
    for n in args.draws:
        d, ov, sc = montecarlo_inputs(n)
        run = partial(evaluate, d, ov, OUTPUTS, sc, tuple(BAND_ITEMS))
        serial, ref = best_of(lambda: run(workers=1), r)
        threads, got = best_of(lambda: run(workers=w), r)
        same = all(np.array_equal(ref.values[o], got.values[o], equal_nan=True) for o in OUTPUTS)
        line = f"{n:>9,} draws: 1 thread {serial:6.2f} | {w} threads {threads:6.2f} (equal: {same})"
        for method in args.start_methods:
            t, vals = best_of(lambda: processes(d, ov, sc, w, method), r)
            same = all(np.array_equal(ref.values[o], vals[o], equal_nan=True) for o in OUTPUTS)
            line += f" | {w} processes ({method}) {t:6.2f} (equal: {same})"
        print(line, flush=True)


if __name__ == "__main__":
    main()
