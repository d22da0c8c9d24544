"""Evaluate many scenarios in one vectorised engine pass, chunked so memory stays bounded.

Outputs are named like the CLI takes them: a metric key (``npv_usd_bn``, ``irr``,
``payback_year``, ...) or ``LINE_ITEM@YEAR`` (``revenue_total@2030``, ``ebitda@2030``).
A value that does not exist ("n/a") is NaN here; callers count and report those.
"""
from __future__ import annotations

import functools
import os
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from functools import partial
from typing import Callable, ContextManager, Mapping, NamedTuple, Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from ..errors import did_you_mean
from ..model.drivers import Drivers
from ..model.result import Result, run
from .processes import Workers, alone
from .processes import available as processes_available
from .threads import for_each

__all__ = ["Evaluation", "evaluate", "engine_workers", "cores", "worker_count", "output_values", "check_outputs",
           "output_label", "output_direction", "CHUNK", "THREAD_CHUNK", "PARALLEL_MIN_ROWS",
           "PROCESS_MIN_ROWS", "MAX_WORKERS"]

#: Rows per engine call where the engine has its process's GIL to itself (one worker, or each
#: worker process): smaller chunks keep more of a call's arrays in cache. The shipped Monte
#: Carlo at 1M draws (``benchmarks/montecarlo_parallel.py``, best to worst of 2): one worker,
#: 5,000 rows 83,400-84,700 evaluations/s, 10,000 78,800-79,600; two processes, 5,000 rows
#: 131,000-136,300, 10,000 122,800-124,900.
CHUNK = 5_000
#: Rows per engine call on threads, which share one GIL (held by the engine between its array
#: operations): larger chunks, fewer operations per row. Two threads, 10,000 rows
#: 103,800-109,900 evaluations/s, 5,000 92,700-97,400.
THREAD_CHUNK = 10_000
#: From this many rows the chunks are shared among workers.
PARALLEL_MIN_ROWS = 20_000
#: From this many rows (in one call, or in all the calls that share a :func:`engine_workers`)
#: the workers are forked processes where the platform forks; below it threads, as forking
#: and the new workers' cold heaps cost more than a second GIL gains. Two workers, evaluations/s
#: best of 3, every metric / the analyses' path, threads against processes forked for the
#: call: 40,000 rows 97,200 / 246,000 against 91,000 / 187,300; 100,000 rows 92,500 / 226,200
#: against 107,400 / 248,800; 300,000 rows 92,300 / 230,700 against 117,200 / 288,100.
PROCESS_MIN_ROWS = 100_000
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


class _Chunk(NamedTuple):
    """One engine call's rows ``sl`` of an :func:`evaluate`: their overrides and scales, and
    what to return (sent to a worker process as it is, so it holds only what it needs)."""

    sl: slice
    overrides: dict
    scales: dict
    outputs: Sequence[str]
    keep_rows: Sequence[str]
    mask_invalid: bool


def _run_chunk(drivers: Drivers, chunk: _Chunk) -> tuple[slice, dict, dict, np.ndarray]:
    """Evaluate a chunk: (its rows' slice, output -> (m,) values, line item -> (T, m) rows,
    (m,) invalid).

    A chunk's result holds only its outputs (``run(..., release=True)`` lets each line item go
    after its last reader), so it is dropped as soon as its outputs are taken out. Keeping
    each worker's previous result alive (as an earlier version did, to spare glibc returning
    pages to the system and faulting them in again) no longer pays: measured at 1,000,000
    draws, 12.3-12.8 s and 0.56 GB without it against 12.7-13.3 s and 0.60-0.62 GB with it,
    and 1.36 against 1.46 GB at 10,000,000 draws (``benchmarks/montecarlo_memory.py``).
    """
    outputs, keep_rows = chunk.outputs, chunk.keep_rows
    batch = drivers.with_overrides(chunk.overrides, chunk.scales)
    # one BLAS thread for every chunk, a single one too (the engine's products are small: a
    # second thread only waits on a busy core; 1,000 rows measured 40 against 74 ms under
    # load); nested in evaluate's own limit on threads it sets what is already set
    with np.errstate(all="ignore"), _blas().limit(limits=1, user_api="blas"):
        result = run(batch, outputs=[_split(o)[0] for o in outputs] + list(keep_rows), release=True)
    # rows whose inputs left their bounds are not results: NaN
    values = {o: np.where(batch.invalid & chunk.mask_invalid, np.nan, output_values(result, o)) for o in outputs}
    rows = {k: np.ascontiguousarray(result.line_items[k].T) for k in keep_rows}
    return chunk.sl, values, rows, np.asarray(batch.invalid)


def cores() -> int:
    """The machine's cores, at most :data:`MAX_WORKERS`: the default number of workers."""
    return min(os.cpu_count() or 1, MAX_WORKERS)


def worker_count(n: int, workers: int | None = None) -> int:
    """Workers for n rows: ``workers`` if given, else :func:`cores` from
    :data:`PARALLEL_MIN_ROWS` rows, else 1."""
    if workers is not None:
        return workers
    return cores() if n >= PARALLEL_MIN_ROWS else 1


def _plan(n: int, workers: int | None, processes: bool | None, chunk: int | None) -> tuple[int, int, bool]:
    """(workers, rows per engine call, whether in worker processes) for n rows. Processes
    where the platform forks and ``processes`` is True, or, when it is None, from
    :data:`PROCESS_MIN_ROWS` rows in a process running no other Python thread."""
    w = worker_count(n, workers)
    forked = processes_available() and (n >= PROCESS_MIN_ROWS and alone() if processes is None else processes)
    threads = w > 1 and not forked
    chunk = chunk or (THREAD_CHUNK if threads else CHUNK)
    w = min(w, -(-n // chunk))
    return w, chunk, w > 1 and forked


def engine_workers(drivers: Drivers, n: int, workers: int | None = None, processes: bool | None = None,
                   chunk: int | None = None) -> ContextManager[Workers | None]:
    """Worker processes for :func:`evaluate` calls on ``drivers`` with n rows in all (a Monte
    Carlo's blocks share them): a :class:`~finmodel.sensitivity.processes.Workers` context,
    or a context of None where the rows take one worker or threads (fewer than
    :data:`PROCESS_MIN_ROWS`, ``processes`` False, or a platform without fork)."""
    w, _, forked = _plan(n, workers, processes, chunk)
    return Workers(partial(_run_chunk, drivers), w, tag=drivers) if forked else nullcontext(None)


def evaluate(drivers: Drivers, overrides: Mapping[str, np.ndarray], outputs: Sequence[str],
             scales: Mapping[str, np.ndarray] | None = None, keep_rows: Sequence[str] = (),
             chunk: int | None = None, progress: Callable[[int], None] | None = None,
             workers: int | None = None, mask_invalid: bool = True,
             processes: bool | None = None, pool: Workers | None = None) -> Evaluation:
    """Run the engine on n override rows in chunks; return the outputs for every row.

    Chunks are shared among up to ``workers`` workers (default: the machine's cores, at most
    :data:`MAX_WORKERS`, from :data:`PARALLEL_MIN_ROWS` rows; else 1): forked processes
    (:mod:`~finmodel.sensitivity.processes`) from :data:`PROCESS_MIN_ROWS` rows where the
    platform forks and the calling process runs no other Python thread (``processes.alone``),
    else threads (:mod:`~finmodel.sensitivity.threads`); ``processes`` True or False chooses
    (True: processes where the platform forks; either way only with more than one worker and
    one chunk), and ``pool``
    (from :func:`engine_workers`) hands in processes forked once for many calls. ``chunk``
    rows per engine call: by default :data:`THREAD_CHUNK` on threads, else :data:`CHUNK`. BLAS
    is held to one thread meanwhile so workers do not oversubscribe the cores.

    The engine holds the GIL between its array operations, so a second thread gains less than
    a second process: the shipped Monte Carlo's engine pass at 1M draws, 83,400-84,700
    evaluations/s on one worker, 131,000-136,300 on two processes (5,000-row chunks, forked
    once), 103,800-109,900 on two threads (10,000-row chunks), ``montecarlo_parallel.py``. A
    forked worker inherits the drivers; a chunk's inputs go to it pickled (~0.8 MB for 5,000
    rows of 20 inputs) and its outputs come back. The result does not depend on the chunk
    size, the number of workers or the mechanism (bit for bit). ``mask_invalid=False`` keeps
    the values of rows outside bounds (they are still flagged in ``invalid``).
    """
    scales = scales or {}
    sizes = {len(v) for v in list(overrides.values()) + list(scales.values())}
    if len(sizes) != 1:
        raise ValueError("overrides must all have the same number of rows")
    n = sizes.pop()
    values = {o: np.empty(n) for o in outputs}
    rows = {k: np.empty((drivers.periods, n)) for k in keep_rows}
    invalid = np.empty(n, dtype=np.bool_)
    count = progress or (lambda rows_done: None)

    def store(piece) -> None:
        sl, piece_values, piece_rows, piece_invalid = piece
        for o in outputs:
            values[o][sl] = piece_values[o]
        for k in keep_rows:  # stored year-major: per-year percentiles then need no copy
            rows[k][:, sl] = piece_rows[k]
        invalid[sl] = piece_invalid
        count(sl.stop - sl.start)

    if pool is None:
        w, chunk, forked = _plan(n, workers, processes, chunk)
    elif pool.tag is not drivers:
        raise ValueError("the worker processes were forked with other drivers")
    else:  # the pool's processes, or this thread for a single chunk
        w, chunk, forked = 1, chunk or CHUNK, True
    chunks = [_Chunk(sl, {k: v[sl] for k, v in overrides.items()}, {k: v[sl] for k, v in scales.items()},
                     outputs, keep_rows, mask_invalid)
              for sl in (slice(start, min(start + chunk, n)) for start in range(0, n, chunk))]
    with ExitStack() as stack:
        if len(chunks) > 1:  # before the fork: the workers inherit the limit
            stack.enter_context(threadpool_limits(limits=1))
        if pool is None and forked:
            pool = stack.enter_context(Workers(partial(_run_chunk, drivers), w, tag=drivers))
        if pool is not None and len(chunks) > 1:
            pool.for_each(chunks, store)
        else:
            for_each(partial(_run_chunk, drivers), chunks, w, store)
    return Evaluation(values, invalid, {k: v.T for k, v in rows.items()}, drivers.years)
