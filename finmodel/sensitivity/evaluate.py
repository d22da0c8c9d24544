"""Evaluate many scenarios in one vectorised engine pass, chunked so memory stays bounded.

Outputs are named like the CLI takes them: a metric key (``npv_usd_bn``, ``irr``,
``payback_year``, ...) or ``LINE_ITEM@YEAR`` (``revenue_total@2030``, ``ebitda@2030``).
A value that does not exist ("n/a") is NaN here; callers count and report those.
"""
from __future__ import annotations

import functools
import os
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from typing import Callable, Mapping, Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from ..errors import did_you_mean
from ..model.drivers import Drivers
from ..model.result import Result, run
from .threads import for_each

__all__ = ["Evaluation", "evaluate", "output_values", "check_outputs", "output_label", "output_direction",
           "CHUNK",
           "PARALLEL_MIN_ROWS", "MAX_WORKERS"]

CHUNK = 10_000  # rows per engine call: keeps every temporary array in cache-friendly sizes
#: From this many rows the chunks are shared among threads (two chunks or more).
PARALLEL_MIN_ROWS = 2 * CHUNK
#: Most engine threads.
MAX_WORKERS = 8


@dataclass(frozen=True)
class Evaluation:
    """values: output -> (n,) [unit of the output], NaN where the output does not exist or the
    row is invalid; invalid: (n,) rows whose inputs left their bounds; rows: line item -> (n, T) when asked for (fan charts); a transposed view of year-major storage."""

    values: dict[str, np.ndarray]
    invalid: np.ndarray
    rows: dict[str, np.ndarray]
    years: np.ndarray


def _split(name: str) -> tuple[str, int | None]:
    key, sep, year = name.partition("@")
    return key, (int(year) if sep and year.isdigit() else None)


def check_outputs(names: Sequence[str], catalogue, years: Sequence[int]) -> list[str]:
    """Problems with output names (unknown metric, line item or year), with "did you mean"."""
    problems = []
    items, metrics = list(catalogue.line_items), list(catalogue.metrics)
    for name in names:
        key, year = _split(name)
        if "@" in name:
            if key not in items:
                problems.append(f"unknown line item {key!r}{did_you_mean(key, items)}")
            elif year is None or year not in years:
                problems.append(f"{name!r}: year must be one of {years[0]}..{years[-1]}")
        elif name not in metrics:
            hint = did_you_mean(name, metrics) or f" (known: {', '.join(metrics)})"
            problems.append(f"unknown metric {name!r}{hint}")
    return problems


def output_label(name: str, catalogue) -> tuple[str, str]:
    """(label, unit) of an output: a metric, or ``LINE_ITEM@YEAR``."""
    key, year = _split(name)
    if year is None:
        md = catalogue.metrics[name]
        return md.label, md.unit
    li = catalogue.line_items[key]
    return f"{li.label} {year}", li.unit


def output_direction(name: str, catalogue) -> tuple[str | None, float | None]:
    """(better, midpoint) of an output, from its metric's definition (``MetricDef.better``,
    ``MetricDef.midpoint``); (None, None) for a line item at a year."""
    md = catalogue.metrics.get(name)
    return (md.better, md.midpoint) if md is not None else (None, None)


def output_values(result: Result, name: str) -> np.ndarray:
    """One output for every scenario of a result (n,), NaN where it does not exist."""
    key, year = _split(name)
    if year is not None:
        return np.array(result.at(key, year), dtype=float)
    m = result.metrics[key]
    return np.where(m.reason > 0, np.nan, m.value)


@functools.lru_cache(maxsize=None)
def _blas():
    """The BLAS thread pools of this process, found once (a fresh ``threadpool_limits`` looks
    them up each time, ~2.5 ms)."""
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController()


def _run_chunk(drivers: Drivers, overrides, scales, outputs, keep_rows, values, rows, invalid,
               mask_invalid: bool, sl: slice) -> int:
    """Evaluate rows ``sl`` into the output arrays (disjoint per chunk); return the row count.

    A chunk's result holds only its outputs (``run(..., release=True)`` lets each line item go
    after its last reader), so it is dropped as soon as its outputs are copied out. Keeping
    each thread's previous result alive (as an earlier version did, to spare glibc returning
    pages to the system and faulting them in again) no longer pays: measured at 1,000,000
    draws, 12.3-12.8 s and 0.56 GB without it against 12.7-13.3 s and 0.60-0.62 GB with it,
    and 1.36 against 1.46 GB at 10,000,000 draws (``benchmarks/montecarlo_memory.py``).
    """
    batch = drivers.with_overrides({k: v[sl] for k, v in overrides.items()},
                                   {k: v[sl] for k, v in scales.items()})
    # one BLAS thread for every chunk, a single one too (the engine's products are small: a
    # second thread only waits on a busy core; 1,000 rows measured 40 against 74 ms under
    # load); nested in evaluate's own limit on threads it sets what is already set
    with np.errstate(all="ignore"), _blas().limit(limits=1, user_api="blas"):
        result = run(batch, outputs=[_split(o)[0] for o in outputs] + list(keep_rows), release=True)
    for o in outputs:  # rows whose inputs left their bounds are not results: NaN
        values[o][sl] = np.where(batch.invalid & mask_invalid, np.nan, output_values(result, o))
    for k in keep_rows:  # stored year-major: per-year percentiles then need no copy
        rows[k][:, sl] = result.line_items[k].T
    invalid[sl] = batch.invalid
    return sl.stop - sl.start


def evaluate(drivers: Drivers, overrides: Mapping[str, np.ndarray], outputs: Sequence[str],
             scales: Mapping[str, np.ndarray] | None = None, keep_rows: Sequence[str] = (),
             chunk: int = CHUNK, progress: Callable[[int], None] | None = None,
             workers: int | None = None, mask_invalid: bool = True) -> Evaluation:
    """Run the engine on n override rows in chunks; return the outputs for every row.

    Chunks are evaluated on :func:`~finmodel.sensitivity.threads.for_each` threads: up to
    ``workers`` (default: the machine's cores, at most :data:`MAX_WORKERS`, from
    :data:`PARALLEL_MIN_ROWS` rows; else 1). The engine is numpy on a chunk's rows, which
    releases the GIL, so threads need no worker processes, pickling or shared memory; BLAS
    is held to one thread meanwhile so they do not oversubscribe the cores. Measured on the
    shipped Monte Carlo (``benchmarks/montecarlo_parallel.py``, 2 cores, 2 workers, loaded
    machine, median of 3): at 1,000,000 draws threads 29,100 evaluations/s and 0.75 GB against
    ``ProcessPoolExecutor`` workers (fork) 31,000/s and 0.63 GB, within the run-to-run spread
    (worst to best 25,000-41,000/s for both); forkserver was slower at 100,000 (starting
    workers that import the package). Processes would pickle each chunk's inputs and
    outputs; threads share them, so threads stay. The
    result does not depend on the chunk size or the number of workers. ``mask_invalid=False``
    keeps the values of rows outside bounds (they are still flagged in ``invalid``).
    """
    scales = scales or {}
    sizes = {len(v) for v in list(overrides.values()) + list(scales.values())}
    if len(sizes) != 1:
        raise ValueError("overrides must all have the same number of rows")
    n = sizes.pop()
    if workers is None:
        workers = min(os.cpu_count() or 1, MAX_WORKERS) if n >= PARALLEL_MIN_ROWS else 1
    values = {o: np.empty(n) for o in outputs}
    rows = {k: np.empty((drivers.periods, n)) for k in keep_rows}
    invalid = np.empty(n, dtype=np.bool_)
    one = partial(_run_chunk, drivers, overrides, scales, outputs, keep_rows, values, rows, invalid,
                  mask_invalid)
    chunks = [slice(start, min(start + chunk, n)) for start in range(0, n, chunk)]
    with threadpool_limits(limits=1) if len(chunks) > 1 else nullcontext():
        for_each(one, chunks, workers, progress)
    return Evaluation(values, invalid, {k: v.T for k, v in rows.items()}, drivers.years)
