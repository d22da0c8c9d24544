"""Monte Carlo: sample the spec's distributions -> evaluate the draws block by block in
vectorised, chunked engine passes -> percentiles, bands, probabilities, convergence.

Draws whose inputs leave their bounds (e.g. terminal growth >= discount rate) are invalid:
counted, reported and excluded. An output that does not exist for a draw (IRR with no sign
change, payback never reached) is counted per output and left out of that output's
percentiles. Probabilities P(output op threshold) are data (the spec's ``probabilities``
and ``--prob``): an n/a counts as its metric's ``missing_as`` (a payback or a covenant breach
never reached within the horizon is later than every year), or, for an output whose n/a
has no place on the scale (IRR), is left out of that probability's draws and counted beside
it. The distribution of a year output (e.g. the first covenant breach) is the share of valid
draws in each year plus the share "never within horizon".

Memory
------
Draws are sampled (:class:`~.sampling.Sampler`) and evaluated in blocks of :data:`BLOCK`
and reduced as they go, so memory does not grow with anything but what exactness needs:

* the reported outputs keep one float per valid draw each (8 bytes), for EXACT percentiles,
  their intervals, histograms and the stable-at-N series;
* probabilities and year distributions are counted block by block (exact);
* each sampled input's mean and standard deviation are streamed over every draw (exact);
  its P5/P50/P95, the achieved rank correlations and the per-year bands (fan charts) come
  from the first :data:`BAND_SAMPLE` draws — every draw when there are no more. The draws are
  exchangeable, so these are a simple random sample of them; each band percentile comes with
  its 95 % order-statistic interval (:func:`~.stats.quantile_interval_ranks`), which says how
  far the full sample's could be;
* a Latin hypercube keeps one int32 strata permutation per input (4 bytes per draw each);
* ``keep_draws`` (``--save-draws``) keeps every draw's inputs and outputs: O(n) by nature.

:func:`memory_needed` estimates the bytes of a run; :func:`check_memory` refuses one that
does not fit in the memory available (``MemAvailable`` of /proc/meminfo) before any work.

The results at a seed do not depend on the block size, the number of workers or whether they
are processes or threads.

Precision
---------
With ``precision`` goals (:class:`~finmodel.arguments.Precision`), draws proceed in blocks
cut at the points of the stable-at-N grid (:func:`checkpoints`, ten per decade, from
:data:`PRECISION_START`) and stop at
the first point where every goal's 95 % interval is at most twice its half-width, or at
``draws`` (the maximum). The draws of a run stopped at N are the first N draws of a run of
``draws``: with plain sampling (and the Gaussian copula) the same as a run of N draws; with a
Latin hypercube the strata are those of ``draws`` (each draw still correctly distributed).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from ..arguments import COMPARE, Event, Precision, heading
from ..model.drivers import Drivers
from ..errors import AssumptionError, Problem, UsageError
from .correlation import spearman_matrix
from .evaluate import cores, engine_workers, evaluate, output_label, worker_count
from .oneway import Variation
from .sampling import Sampler
from .spec import Probability, SensitivitySpec
from .threads import for_each
from .stats import mean_with_se, probability_of_counts, quantile_interval_ranks

__all__ = ["MonteCarloResult", "montecarlo", "draw_table", "event_probability", "year_distribution", "histogram",
           "QUANTILES", "BAND_QUANTILES", "BAND_ITEMS", "NEVER_LABEL", "HISTOGRAM_BINS", "BLOCK", "BAND_SAMPLE",
           "CONVERGENCE_QUANTILES", "checkpoints", "memory_needed", "check_memory", "available_memory",
           "FIXED_BYTES", "WORKER_BYTES"]

QUANTILES = (5, 10, 25, 50, 75, 90, 95)
BAND_QUANTILES = (5, 25, 50, 75, 95)
BAND_ITEMS = {"revenue_total": "Revenue", "fcf": "Free cash flow", "cash_closing": "Closing cash"}
NEVER_LABEL = "never within horizon"  # the row of a year distribution for draws with no year
HISTOGRAM_BINS = 20  # bins of a histogram of a continuous output (a year output: one per year)
HISTOGRAM_RANGE = (0.5, 99.5)  # percentiles [%] bounding the bins of a continuous output (tails in the end bins)
#: Draws sampled and evaluated at a time.
BLOCK = 100_000
#: Bands, input percentiles and achieved correlations come from the first this many draws.
BAND_SAMPLE = 100_000
#: Percentiles followed in the stable-at-N series [%].
CONVERGENCE_QUANTILES = (5, 50, 95)
#: The stable-at-N grid: these mantissas times powers of ten (the R10 series), from 100 draws.
_GRID = (1.0, 1.25, 1.6, 2.0, 2.5, 3.15, 4.0, 5.0, 6.3, 8.0)
_GRID_START = 100
#: Precision goals are checked at the grid's points from this many draws.
PRECISION_START = 1000
Z95 = 1.959963984540054  # the normal 97.5 % point: mean +- Z95 se is the 95 % interval
#: Memory a run needs besides what grows with the draws and with the engine's workers [bytes]:
#: the interpreter and its libraries (~0.2 GB) and one block's inputs, outputs and band rows.
#: With two engine threads, 0.66 GB was measured at 200,000 draws (an earlier round,
#: benchmarks/montecarlo_memory.py); with two worker processes, 0.39 GB at 100,000 and 0.47 GB
#: at 1M draws (the process and its workers' proportional set sizes).
FIXED_BYTES = 500_000_000
#: Memory per engine worker [bytes]: a worker process's own pages (its chunk's arrays, the
#: pages of the caller's it has written to: at most 48 MB private, 89 MB proportional set size,
#: sampled every 0.1 s through a 1M-draw run), or a thread's chunk of at most
#: :data:`~finmodel.sensitivity.evaluate.THREAD_CHUNK` rows.
WORKER_BYTES = 100_000_000
#: Memory per draw besides the kept outputs, per thread of the final summary (one per core, at
#: most MAX_WORKERS): each piece holds one output's finite values (8 bytes) and its mask (1).
_SORT_BYTES_PER_DRAW = 9


def _release_memory() -> None:
    """Hand the heap memory this process freed in a block back to the operating system
    (glibc's ``malloc_trim``; engine threads' arenas otherwise keep it, and the final
    summary's copies would come on top; worker processes' heaps are their own, and end with
    them). A no-op where glibc is not the C library."""
    global _TRIM
    if _TRIM is None:
        try:
            import ctypes
            _TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM = None


def checkpoints(n: int) -> list[int]:
    """The draw counts of the stable-at-N series of an ``n``-draw run: 100, 125, 160, 200,
    250, 315, 400, 500, 630, 800, 1000, ... below ``n``, then ``n``.

    >>> checkpoints(1000)
    [100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000]
    """
    points, decade = [], _GRID_START
    while decade < n:
        points += [int(round(m * decade)) for m in _GRID if m * decade < n]
        decade *= 10
    return points + [n]


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation: ``MemAvailable`` of /proc/meminfo, or
    free pages from ``os.sysconf``; None when neither can be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def memory_needed(draws: int, inputs: int, kept_outputs: int, lhs: bool = False,
                  keep_draws: bool = False, draw_outputs: int = 0, workers: int | None = None) -> dict[str, int]:
    """Estimated peak memory of a Monte Carlo [bytes], by part (and ``"total"``).

    ``kept_outputs``: outputs kept for exact percentiles (8 bytes per draw each);
    ``draw_outputs``: outputs in the draw table (``keep_draws``); ``workers``: the engine's
    (default: :func:`worker_count` of ``draws``, the machine's cores from
    :data:`~finmodel.sensitivity.evaluate.PARALLEL_MIN_ROWS` draws, else one: at most what
    the engine takes; on threads, a run of fewer chunks than cores takes fewer).
    """
    parts = {"fixed": FIXED_BYTES + WORKER_BYTES * worker_count(draws, workers),
             "outputs": 8 * kept_outputs * draws
                        + _SORT_BYTES_PER_DRAW * cores() * draws,
             "lhs": 4 * inputs * draws if lhs else 0,
             # the blocks' inputs and outputs, then the table's columns and pandas' copy of them
             "draw_table": 3 * 8 * (inputs + draw_outputs + 2) * draws if keep_draws else 0}
    parts["total"] = sum(parts.values())
    return parts


def check_memory(draws: int, inputs: int, kept_outputs: int, lhs: bool = False,
                 keep_draws: bool = False, draw_outputs: int = 0, workers: int | None = None) -> None:
    """Refuse up front a run that cannot fit in the memory available (never an OOM kill).

    Raises
    ------
    UsageError
        the estimate of :func:`memory_needed` exceeds :func:`available_memory`; the message
        says how much is needed, for what, and the most draws that fit.
    """
    have = available_memory()
    if have is None:
        return
    need = memory_needed(draws, inputs, kept_outputs, lhs, keep_draws, draw_outputs, workers)
    if need["total"] <= have:
        return
    per_draw = (need["total"] - need["fixed"]) / draws
    fit = int(max(0, have - need["fixed"]) // per_draw) if per_draw else 0
    what = [f"{kept_outputs} output(s) kept for exact percentiles"]
    if lhs:
        what.append(f"a Latin-hypercube permutation of {inputs} input(s)")
    if keep_draws:
        what.append("every draw for --save-draws")
    hint = (f"use --draws {fit:,} or fewer" if fit >= 10 else "free some memory")
    if keep_draws and fit < draws:
        hint += " (or drop --save-draws, which keeps every draw)"
    raise UsageError(f"--draws {draws:,} needs about {need['total'] / 1e9:.1f} GB of memory "
                     f"({', '.join(what)}: {per_draw:.0f} bytes per draw, plus "
                     f"{need['fixed'] / 1e9:.1f} GB to run the model); {have / 1e9:.1f} GB is "
                     f"available: {hint}")


@dataclass
class MonteCarloResult:
    draws: int                 # draws evaluated (where a precision run stopped)
    valid: int
    seed: int
    lhs: bool
    quantiles: tuple
    percentiles: dict          # output -> row dict (label, unit, mean, se, missing, pX, pX_lo, pX_hi)
    probabilities: list        # dicts: label, event, output, output_label, unit, p, lo, hi, count, n,
                               # missing, missing_as (see event_probability)
    year_distributions: dict   # output -> (label, DataFrame: year or "never within horizon" ->
                               # count, share, lo, hi)
    bands: dict                # line item -> (label, DataFrame index quantile, columns years)
    input_summary: list
    correlation_table: list | None
    correlation_note: str
    years: np.ndarray
    values: dict = field(repr=False)   # output -> (valid,) values of valid draws
    base: dict = field(default_factory=dict)        # output -> the base case's value (NaN if n/a)
    histograms: dict = field(default_factory=dict)  # output -> DataFrame (see histogram)
    na_labels: dict = field(default_factory=dict)   # output -> what an n/a draw means
    draw_table: pd.DataFrame | None = field(default=None, repr=False)  # every draw (keep_draws)
    max_draws: int = 0         # draws asked (the maximum of a precision run)
    band_draws: int = 0        # draws the bands, input percentiles and correlations come from
    band_valid: int = 0        # valid draws among them
    band_intervals: dict = field(default_factory=dict)  # line item -> (low, high) DataFrames
                               # like the band's: its 95 % order-statistic interval
    convergence: dict = field(default_factory=dict)     # output -> DataFrame (see _convergence)
    precision: list = field(default_factory=list)       # dicts: goal, output, stat, asked,
                               # half_width, estimate, lo, hi, met
    stop_note: str = ""        # why the draws stopped (precision runs)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{"output": o, **row} for o, row in self.percentiles.items()])

    def probability_table(self) -> pd.DataFrame:
        """One row per probability: event, label, output, p, lo, hi, count, n, missing, missing_as."""
        cols = ["label", "event", "output", "output_label", "unit", "p", "lo", "hi", "count", "n",
                "missing", "missing_as"]
        return pd.DataFrame(self.probabilities, columns=cols)

    def year_table(self) -> pd.DataFrame:
        """Tidy: output, year ("never within horizon" for no year), count, share, lo, hi."""
        frames = [t.assign(output=o).reset_index(names="year")
                  for o, (_, t) in self.year_distributions.items()]
        cols = ["output", "year", "count", "share", "lo", "hi"]
        return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)

    def precision_table(self) -> pd.DataFrame:
        """One row per precision goal: goal, output, stat, asked, half_width, estimate, lo, hi, met."""
        cols = ["goal", "output", "stat", "asked", "half_width", "estimate", "lo", "hi", "met"]
        return pd.DataFrame(self.precision, columns=cols)

    def convergence_table(self) -> pd.DataFrame:
        """Tidy stable-at-N series: output, draws, then the statistics (see :func:`montecarlo`)."""
        frames = [t.assign(output=o).reset_index(names="draws") for o, t in self.convergence.items()]
        if not frames:
            return pd.DataFrame(columns=["output", "draws"])
        out = pd.concat(frames, ignore_index=True)
        return out[["output", "draws"] + [c for c in out.columns if c not in ("output", "draws")]]


class _Moments:
    """Streaming mean and sum of squared deviations of each column (Chan et al.'s merge)."""

    def __init__(self, k: int):
        self.n, self.mean, self.m2 = 0, np.zeros(k), np.zeros(k)

    def add(self, x: np.ndarray) -> None:
        m = x.shape[0]
        if not m:
            return
        mean = x.mean(axis=0)
        m2 = ((x - mean) ** 2).sum(axis=0)
        delta = mean - self.mean
        total = self.n + m
        self.mean = self.mean + delta * (m / total)
        self.m2 = self.m2 + m2 + delta ** 2 * (self.n * m / total)
        self.n = total

    @property
    def sd(self) -> np.ndarray:
        return np.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else np.full_like(self.mean, np.nan)


class _Kept:
    """One output's values of the valid draws (NaN where n/a), in draw order: 8 bytes per
    draw reserved, pages touched only as they fill."""

    def __init__(self, n: int):
        self.values, self.count = np.empty(n), 0

    def add(self, x: np.ndarray) -> None:
        """Append ``x``, the block's valid draws."""
        self.values[self.count:self.count + x.size] = x
        self.count += x.size

    @property
    def kept(self) -> np.ndarray:
        return self.values[:self.count]


def _finite(x: np.ndarray) -> np.ndarray:
    return x[np.isfinite(x)]


class _Counts:
    """A probability counted block by block: draws with the event, draws counted, n/a."""

    def __init__(self, p: Probability, missing_as: float | None):
        self.p, self.missing_as = p, missing_as
        self.count = self.n = self.missing = 0

    def add(self, x: np.ndarray) -> None:
        na = np.isnan(x)
        self.missing += int(na.sum())
        x = np.where(na, self.missing_as, x) if self.missing_as is not None else x[~na]
        self.n += x.size
        with np.errstate(invalid="ignore"):
            self.count += int(np.count_nonzero(COMPARE[self.p.event.op](x, self.p.event.threshold)))


def _intervals(x: np.ndarray, qs: Sequence[float | None], in_place: bool = False
               ) -> list[tuple[float, float, float]]:
    """(estimate, lo, hi) of each percentile ``q`` [%] (None: the mean) of the draws ``x``
    with its 95 % interval: order statistics as :func:`~.stats.percentiles` (one partition
    for all), mean +- Z95 se. Infinite bounds where ``x`` is too short for them. ``in_place``: partition
    ``x`` itself (our own copy: no second copy of the draws) instead of a copy."""
    n = x.size
    if n == 0:
        return [(np.nan, -np.inf, np.inf) for _ in qs]
    pq = [q for q in qs if q is not None]
    found: dict = {}
    if None in qs:  # before a partition in place reorders x (the sum's rounding follows the order)
        m = float(x.mean())
        se = float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else np.inf
        found[None] = (m, m - Z95 * se, m + Z95 * se)
    if pq:
        lo_r, hi_r = quantile_interval_ranks(n, np.array(pq) / 100.0, 0.95)
        kth = _ranks_read(n, pq, lo_r, hi_r)
        if in_place:
            x.partition(kth)
            part = x
        else:
            part = np.partition(x, kth)
        est = _partitioned_percentiles(part, pq)
        for q, e, a, b in zip(pq, est, lo_r, hi_r):
            found[q] = (float(e), float(part[a - 1]) if a >= 1 else -np.inf, float(part[b - 1]) if b <= n else np.inf)
    return [found[q] for q in qs]


def _ranks_read(n: int, qs: Sequence[float], lo_r, hi_r) -> list[int]:
    """The 0-based ranks of ``n`` values that percentiles ``qs`` [%] and their interval ranks
    ``lo_r``/``hi_r`` (1-based) read: a partition at these is as exact as a sort for them."""
    kth = set(_percentile_ranks(n, qs))
    kth |= {int(r) - 1 for r in np.concatenate([lo_r, hi_r]) if 1 <= r <= n}
    return sorted(kth)


def _percentile_ranks(n: int, qs: Sequence[float]) -> list[int]:
    """The 0-based ranks of ``n`` values that percentiles ``qs`` [%] read (numpy's linear
    method: the index below and the one above)."""
    prev = _previous_index(n, qs)
    return prev.tolist() + np.minimum(prev + 1, n - 1).tolist()


def _previous_index(n: int, qs: Sequence[float]) -> np.ndarray:
    """The index below each percentile ``qs`` [%] of ``n`` sorted values, as numpy's linear
    method has it: ``floor((n - 1) * q / 100)``, within 0..n-1."""
    virtual = (n - 1) * np.true_divide(np.asarray(qs, dtype=float), 100)
    return np.clip(np.floor(virtual), 0, n - 1).astype(np.intp)


def _partitioned_percentiles(part: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """``np.percentile(part, qs, axis=-1)`` (linear method) bit for bit, read from ``part``
    partitioned along its last axis at each percentile's index below and above
    (:func:`_previous_index` and the next one): numpy's own index and interpolation
    (``_lerp``) arithmetic, without its copy and second partition of the draws. Percentiles
    at or beyond the ends go through ``np.percentile`` itself."""
    n = part.shape[-1]
    quantiles = np.true_divide(np.asarray(qs, dtype=float), 100)
    virtual = (n - 1) * quantiles
    if n < 2 or not np.all((virtual >= 0) & (virtual < n - 1)):
        return np.percentile(part, qs, axis=-1)
    prev = np.floor(virtual).astype(np.intp)
    gamma = virtual - prev
    a, b = np.moveaxis(part[..., prev], -1, 0), np.moveaxis(part[..., prev + 1], -1, 0)  # (q, ...)
    gamma = gamma.reshape((-1,) + (1,) * (a.ndim - 1))
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=np.broadcast_to(gamma >= 0.5, out.shape))
    return out


def _goal_row(goal: Precision, x: np.ndarray) -> dict:
    est, lo, hi = _intervals(x, [goal.q])[0]
    half = (hi - lo) / 2.0
    return {"goal": str(goal), "output": goal.output, "stat": goal.stat, "asked": goal.half_width,
            "half_width": half, "estimate": est, "lo": lo, "hi": hi,
            "met": bool(np.isfinite(half) and half <= goal.half_width)}


def montecarlo(drivers: Drivers, spec: SensitivitySpec, variations: Sequence[Variation],
               outputs: Sequence[str], draws: int, seed: int | None, lhs: bool, catalogue,
               progress: Callable[[int], None] | None = None,
               events: Sequence[Event] = (), keep_draws: bool = False,
               precision: Sequence[Precision] = (), block: int = BLOCK,
               band_sample: int = BAND_SAMPLE, workers: int | None = None,
               chunk: int | None = None) -> MonteCarloResult:
    """Sample and evaluate block by block, reduce as it goes, summarise.

    ``events``: probabilities to report besides the spec's (``--prob``). ``keep_draws``: keep
    every draw's inputs and outputs (:func:`draw_table`) in ``MonteCarloResult.draw_table``.
    ``precision``: stop once every goal is met (``draws`` is then the maximum); their outputs
    are reported with ``outputs``. ``block``, ``band_sample``, ``workers``, ``chunk``: draws
    per block, the draws the bands come from, engine workers (forked once for every block
    from :data:`~finmodel.sensitivity.evaluate.PROCESS_MIN_ROWS` draws where the platform
    forks, else threads: :func:`~finmodel.sensitivity.evaluate.engine_workers`) and rows per
    engine call (the results depend on none of them). The stable-at-N series
    (``convergence``): per output, at each point of :func:`checkpoints`, the mean and
    P5/P50/P95 of the first N draws with their 95 % intervals (columns ``mean``, ``mean_lo``,
    ``mean_hi``, ``p5``, ``p5_lo``, ...).

    Raises
    ------
    UsageError
        the run cannot fit in the memory available (:func:`check_memory`).
    AssumptionError
        no input has a distribution, or no draw is valid.
    """
    chosen = spec.sampled(variations)
    names = [v.name for v, _ in chosen]
    outputs = list(dict.fromkeys(list(outputs) + [g.output for g in precision]))
    asked = list(spec.probabilities) + [Probability.of(e) for e in events]
    wanted = list(dict.fromkeys(outputs + [p.output for p in asked] + list(spec.year_distributions)))
    check_memory(draws, len(chosen), len(outputs), lhs, keep_draws, len(wanted), workers)
    corr = spec.correlation_matrix(names) if spec.correlations else None
    sampler = Sampler([d for _, d in chosen], draws, seed, lhs, corr, spec.montecarlo_method, names=names)
    grid = checkpoints(draws)
    kept = {o: _Kept(draws) for o in outputs}
    at_point: list[int] = []  # valid draws among the first N, at each grid point N
    counts = [_Counts(p, _missing_as(p.output, catalogue)) for p in asked]
    year_counts = {o: np.zeros(len(drivers.years) + 1, dtype=np.int64) for o in spec.year_distributions}
    moments = _Moments(len(chosen))
    band_sample = min(band_sample, draws)
    first_inputs, band_rows, band_ok = [], {k: [] for k in BAND_ITEMS}, []
    table_parts: list = []
    valid = pos = 0
    goals: list[dict] = []
    stop_note = ""
    years_arr = np.asarray(drivers.years)
    # the engine's worker processes (where the platform forks) serve every block: forked once,
    # their heaps stay warm from block to block
    with engine_workers(drivers, draws, workers, chunk=chunk) as pool:
        while pos < draws:
            end = min(pos + block, draws)
            if precision:  # stop at grid points only, where the goals are checked
                end = min(end, next(p for p in grid if p > pos and (p >= PRECISION_START or p == draws)))
            m = end - pos
            values = sampler.take(m)
            overrides, scales = {}, {}
            for j, (v, _) in enumerate(chosen):
                col = np.round(values[:, j]) if v.integer else values[:, j]
                (scales if v.scale else overrides)[v.path] = col
            rows_wanted = tuple(BAND_ITEMS) if pos < band_sample else ()
            ev = evaluate(drivers, overrides, wanted, scales, keep_rows=rows_wanted, progress=progress,
                          workers=workers, chunk=chunk, pool=pool)
            ok = ~ev.invalid
            valid_before = valid
            valid += int(ok.sum())
            moments.add(values)
            if pos < band_sample:
                take = min(m, band_sample - pos)
                first_inputs.append(values[:take].copy())
                band_ok.append(ok[:take].copy())
                for key in BAND_ITEMS:
                    band_rows[key].append(ev.rows[key][:take][ok[:take]].T.copy())  # (T, valid)
            points = [p for p in grid if pos < p <= end]
            if points:
                upto = np.concatenate([[0], np.cumsum(ok)])  # valid draws before each row
                at_point += [valid_before + int(upto[p - pos]) for p in points]
            for o in outputs:
                kept[o].add(ev.values[o][ok])
            for c in counts:
                c.add(ev.values[c.p.output][ok])
            for o, tally in year_counts.items():
                _tally_years(tally, ev.values[o][ok], years_arr)
            if keep_draws:
                table_parts.append((values, {o: ev.values[o] for o in wanted}, ev.invalid))
            pos = end
            if precision and pos in grid and (pos >= PRECISION_START or pos == draws):
                goals = [_goal_row(g, _finite(kept[g.output].kept)) for g in precision]
                if all(g["met"] for g in goals):
                    stop_note = f"stopped at {pos:,} draws: every precision goal met"
                    break
            del ev, values, overrides, scales
            _release_memory()
    if precision and not stop_note:
        stop_note = (f"reached --draws {draws:,} (the maximum) before every precision goal was met: "
                     + "; ".join(f"{g['goal']} has +-{g['half_width']:.4g}" for g in goals if not g["met"]))
    n_done = pos
    _release_memory()
    if valid == 0:
        raise AssumptionError("no valid draws", [Problem(
            "every draw left an input's bounds; check the distributions", path="inputs")])
    values_out = {o: kept[o].kept for o in outputs}
    na_labels = {o: _na_label(o, catalogue) for o in outputs}
    threads = workers if workers is not None else cores()
    points = [p for p in grid if p <= n_done]
    # per output, its headline row and histogram, and its stable-at-N series: independent
    # pieces on threads (np.partition releases the GIL), the series (the longer) first;
    # each piece holds one copy of its output's values (~8 bytes per draw) at a time
    found: dict = {}

    def summarise(job: tuple[str, str]) -> None:
        o, what = job
        if what == "series":
            found[job] = _convergence(values_out[o], at_point, points)
        else:
            found[job] = (_headline(values_out[o], output_label(o, catalogue)),
                          histogram(values_out[o], output_label(o, catalogue)[1], na_labels[o]))

    for_each(summarise, [(o, "series") for o in outputs] + [(o, "headline") for o in outputs], threads)
    table = {o: found[o, "headline"][0] for o in outputs}
    hists = {o: found[o, "headline"][1] for o in outputs}
    conv = {o: found[o, "series"] for o in outputs}
    del found
    probs = [_probability_row(c.p.event, c.count, c.n, c.missing, c.missing_as, catalogue, c.p.label)
             for c in counts]
    years = {o: (output_label(o, catalogue)[0], _year_table(tally, drivers.years))
             for o, tally in year_counts.items()}
    band_ok_all = np.concatenate(band_ok)
    bands, band_ci = _bands({k: np.concatenate(v, axis=1) for k, v in band_rows.items()}, years_arr)
    sample_inputs = np.concatenate(first_inputs)
    summary = []
    qs = np.percentile(sample_inputs, [5, 50, 95], axis=0)
    for j, (v, d) in enumerate(chosen):
        summary.append({"label": v.label, "path": heading(v.path, v.scale), "unit": v.unit,
                        "dist": _describe(d), "spec_mean": float(d.mean()), "mean": float(moments.mean[j]),
                        "sd": float(moments.sd[j]), "p5": float(qs[0, j]), "p50": float(qs[1, j]),
                        "p95": float(qs[2, j])})
    corr_table, note = _correlations(sampler, sample_inputs, names, corr)
    # the base case: one row with the first sampled input scaled by exactly 1
    base_ev = evaluate(drivers, {}, list(outputs), {chosen[0][0].path: np.ones(1)})
    base = {o: float(base_ev.values[o][0]) for o in outputs}
    kept_table = None
    if keep_draws:
        kept_table = draw_table([v for v, _ in chosen], np.concatenate([t[0] for t in table_parts]),
                                {o: np.concatenate([t[1][o] for t in table_parts]) for o in wanted},
                                np.concatenate([t[2] for t in table_parts]))
    return MonteCarloResult(n_done, valid, int(sampler.seed), lhs, QUANTILES, table, probs, years, bands,
                            summary, corr_table, note, years_arr, values_out, base, hists, na_labels, kept_table,
                            max_draws=draws, band_draws=int(band_ok_all.size), band_valid=int(band_ok_all.sum()),
                            band_intervals=band_ci, convergence=conv, precision=goals, stop_note=stop_note)


def _headline(values: np.ndarray, label_unit: tuple[str, str]) -> dict:
    """One output's row of the percentile table from its values (NaN where n/a): label, unit,
    missing, mean, se, and each of :data:`QUANTILES` with its 95 % interval."""
    finite = _finite(values)
    label, unit = label_unit
    row = {"label": label, "unit": unit, "missing": int(values.size - finite.size),
           "mean": np.nan, "se": np.nan}
    if finite.size:
        mse = mean_with_se(finite)
        row |= {"mean": float(mse.mean), "se": float(mse.se)}
        # partitioned in place (our own copy) at the ranks needed: as exact as a sort
        for q, (est, lo, hi) in zip(QUANTILES, _intervals(finite, QUANTILES, in_place=True)):
            row |= {f"p{q:g}": est, f"p{q:g}_lo": lo, f"p{q:g}_hi": hi}
    else:
        for q in QUANTILES:
            row |= {f"p{q:g}": np.nan, f"p{q:g}_lo": np.nan, f"p{q:g}_hi": np.nan}
    return row


def _tally_years(tally: np.ndarray, x: np.ndarray, years: np.ndarray) -> None:
    """Add the draws ``x`` of a year output to ``tally`` (one count per year, then "never"
    for NaN); a value that is no year of the horizon is not counted."""
    never = np.isnan(x)
    x = x[~never]
    idx = np.searchsorted(years, x)
    hit = idx < years.size
    hit[hit] = years[idx[hit]] == x[hit]
    tally[:-1] += np.bincount(idx[hit], minlength=years.size)
    tally[-1] += int(never.sum())


def _bands(rows: dict[str, np.ndarray], years: np.ndarray) -> tuple[dict, dict]:
    """Per-year percentiles of each line item over its (T, draws) rows, and their 95 %
    order-statistic intervals (as :func:`~.stats.percentiles`)."""
    bands, intervals = {}, {}
    cols = [int(y) for y in years]
    for key, label in BAND_ITEMS.items():
        n = rows[key].shape[1]
        lo_r, hi_r = quantile_interval_ranks(max(n, 1), np.array(BAND_QUANTILES) / 100.0, 0.95)
        s = rows[key]
        if n:  # partitioned at the ranks read below (each year's row): as exact as a sort
            s = np.partition(s, _ranks_read(n, BAND_QUANTILES, lo_r, hi_r), axis=1)
        q = (_partitioned_percentiles(s, BAND_QUANTILES) if n
             else np.full((len(BAND_QUANTILES), len(cols)), np.nan))
        bands[key] = (label, pd.DataFrame(q, index=list(BAND_QUANTILES), columns=cols))
        lo = np.array([s[:, r - 1] if 1 <= r <= n else np.full(len(cols), -np.inf) for r in lo_r])
        hi = np.array([s[:, r - 1] if 1 <= r <= n else np.full(len(cols), np.inf) for r in hi_r])
        intervals[key] = (pd.DataFrame(lo, index=list(BAND_QUANTILES), columns=cols),
                          pd.DataFrame(hi, index=list(BAND_QUANTILES), columns=cols))
    return bands, intervals


def _convergence(values: np.ndarray, valid_at: list[int], points: list[int]) -> pd.DataFrame:
    """The stable-at-N series of one output: at each draw count N, the statistics of its
    values (n/a left out) over the first N draws (``values[:valid_at[i]]``, valid draws);
    column ``values``: how many values that is."""
    rows = []
    finite = np.isfinite(values)  # once for every N (each x below is then a fresh copy: partitioned in place)
    qs = (None,) + CONVERGENCE_QUANTILES
    for n_valid in valid_at:
        x = values[:n_valid][finite[:n_valid]]
        row = {"values": x.size}
        for q, (est, lo, hi) in zip(qs, _intervals(x, qs, in_place=True)):
            name = "mean" if q is None else f"p{q:g}"
            row |= {name: est, f"{name}_lo": lo, f"{name}_hi": hi}
        rows.append(row)
    return pd.DataFrame(rows, index=pd.Index(points, name="draws"))


def draw_table(variations: Sequence[Variation], inputs: np.ndarray, outputs: dict[str, np.ndarray],
               invalid: np.ndarray) -> pd.DataFrame:
    """One row per draw: draw (0-based), valid, each sampled input under its path (``PATH*``
    for a factor on a whole per-year input; whole numbers rounded as the engine used them) in
    its unit, then each output evaluated [its unit], NaN where n/a or the draw is invalid."""
    cols: dict[str, np.ndarray] = {"draw": np.arange(len(invalid)), "valid": ~invalid}
    for j, v in enumerate(variations):
        cols[v.path + ("*" if v.scale else "")] = np.round(inputs[:, j]) if v.integer else inputs[:, j]
    for o, x in outputs.items():
        cols[o] = np.where(invalid, np.nan, x)
    return pd.DataFrame(cols)


def _na_label(output: str, catalogue) -> str:
    """What an n/a draw of an output means: a year never reached, or no value."""
    return "not within horizon" if _missing_as(output, catalogue) == np.inf else "n/a"


def histogram(x: np.ndarray, unit: str, na_label: str = "n/a", bins: int = HISTOGRAM_BINS) -> pd.DataFrame:
    """Counts of the draws ``x`` in bins, and of the n/a draws (NaN) as a last row.

    A year output (``unit`` "year") has one bin per year; any other output ``bins`` equal bins
    from its 0.5th to its 99.5th percentile, the end bins also holding the tails beyond. Index:
    the bin's label value (the year, or the bin's middle), then ``na_label`` when some draws
    are n/a; columns low, high (the bin's edges; NaN for n/a), count, share (of all ``x``).
    """
    finite = x[np.isfinite(x)]
    rows: list[tuple] = []
    if finite.size and unit == "year":
        years = np.arange(int(finite.min()), int(finite.max()) + 1)
        counts = np.bincount((np.round(finite) - years[0]).astype(int), minlength=years.size)
        rows = [(int(y), y - 0.5, y + 0.5, int(c)) for y, c in zip(years, counts)]
    elif finite.size:
        # np.percentile(finite, [0.5, 99.5]) bit for bit, partitioning finite (a copy) in place:
        # the counts below do not depend on the order
        finite.partition(sorted(set(_percentile_ranks(finite.size, HISTOGRAM_RANGE))))
        lo, hi = _partitioned_percentiles(finite, HISTOGRAM_RANGE)
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        # the tails into the end bins (in place: finite is a copy); np.histogram counts in
        # blocks (no index array per draw)
        counts, edges = np.histogram(np.clip(finite, lo, hi, out=finite), bins=bins, range=(lo, hi))
        rows = [(float((a + b) / 2), float(a), float(b), int(c)) for a, b, c in zip(edges[:-1], edges[1:], counts)]
    missing = int(x.size - finite.size)
    if missing:
        rows.append((na_label, np.nan, np.nan, missing))
    frame = pd.DataFrame(rows, columns=["bin", "low", "high", "count"])
    frame["share"] = frame["count"] / max(x.size, 1)
    return frame.set_index("bin")


def _missing_as(output: str, catalogue) -> float | None:
    md = catalogue.metrics.get(output)
    return md.missing_as if md is not None else None


def event_probability(event: Event, x: np.ndarray, missing_as: float | None, catalogue,
                      label: str | None = None, confidence: float = 0.95) -> dict:
    """P(event) over the valid draws ``x`` of its output, with a Wilson interval.

    A NaN (the output is "n/a" for that draw) counts as ``missing_as`` when given (a year never
    reached: +inf, later than every year); otherwise the draw is left out of ``n`` and counted
    in ``missing``. Returns a dict: label, event, output, output_label, unit, p, lo, hi,
    count, n, missing, missing_as ("excluded" or the value n/a counts as).
    """
    c = _Counts(Probability.of(event), missing_as)
    c.add(np.asarray(x, dtype=float))
    return _probability_row(event, c.count, c.n, c.missing, missing_as, catalogue, label, confidence)


def _probability_row(event: Event, count: int, n: int, missing: int, missing_as: float | None, catalogue,
                     label: str | None = None, confidence: float = 0.95) -> dict:
    """The dict of :func:`event_probability` from the counts."""
    out_label, unit = output_label(event.output, catalogue)
    row = {"label": label or f"P({event.output} {event.op.value} {event.threshold:g})",
           "event": str(event), "output": event.output, "output_label": out_label, "unit": unit,
           "p": np.nan, "lo": np.nan, "hi": np.nan, "count": 0, "n": int(n), "missing": int(missing),
           "missing_as": "excluded" if missing_as is None else f"{missing_as:g}"}
    if n:
        est = probability_of_counts(count, n, confidence)
        row |= {"p": float(est.estimate), "lo": float(est.lower), "hi": float(est.upper),
                "count": int(est.count)}
    return row


def year_distribution(x: np.ndarray, years: np.ndarray, confidence: float = 0.95) -> pd.DataFrame:
    """Share of the valid draws ``x`` in each year of the horizon, and with no year (NaN:
    "never within horizon"), each with a Wilson interval. Index: the years, then NEVER_LABEL;
    columns count, share, lo, hi. The shares sum to 1."""
    years = np.asarray(years)
    tally = np.zeros(years.size + 1, dtype=np.int64)
    _tally_years(tally, np.asarray(x, dtype=float), years)
    return _year_table(tally, years, confidence, n=len(x))


def _year_table(tally: np.ndarray, years, confidence: float = 0.95, n: int | None = None) -> pd.DataFrame:
    """:func:`year_distribution`'s table from the counts (``n``: the draws, default their sum)."""
    n = int(tally.sum()) if n is None else int(n)
    est = probability_of_counts(tally, max(n, 1), confidence)
    return pd.DataFrame({"count": tally.astype(int), "share": est.estimate, "lo": est.lower,
                         "hi": est.upper},
                        index=pd.Index([int(y) for y in years] + [NEVER_LABEL], dtype=object))


def _describe(d) -> str:
    fields = {k: v for k, v in d.model_dump().items() if k != "dist" and v is not None}
    return f"{d.kind.value}(" + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                          for k, v in fields.items()) + ")"


def _correlations(sampler: Sampler, first: np.ndarray, names: list[str], specified: np.ndarray | None):
    """Specified, used and achieved (Spearman, over the first draws ``first``, at most 50,000:
    sampling error ~0.005) rank correlations, and the note on how they were imposed."""
    if specified is None:
        return None, "none imposed (inputs independent)"
    achieved = spearman_matrix(first[: min(len(first), 50_000)])
    used = sampler.correlation
    rows = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if specified[i, j] != 0 or used[i, j] != 0:
                rows.append((names[i], names[j], float(specified[i, j]), float(used[i, j]),
                             float(achieved[i, j])))
    report = sampler.correlation_report
    note = f"{sampler.method.value if sampler.method else 'none'}; " + (str(report) if report is not None else "")
    return rows, note.strip("; ")
