"""Global sensitivity of the model: Sobol' indices and Morris screening over the engine.

The pure cores (:mod:`.sobol`, :mod:`.morris`) take an ``evaluate_fn``; here it is the engine
(:func:`model_evaluator`: every sample in one chunked, vectorised
:func:`~finmodel.sensitivity.evaluate.evaluate` call). Inputs come from the sensitivity spec
(those with a distribution, as the Monte Carlo samples them) or, for Morris, from every input
of the scenario (:func:`all_input_factors`: each scalar input within +-``change`` of its base,
each per-year input scaled by a factor 1 +- ``change``, calendar years +-1 year).

A year output whose n/a means "beyond the horizon" (payback, a covenant breach never reached)
counts as the year after the horizon (:func:`horizon_censor`); other n/a values (an IRR that
does not exist) leave the cores to drop the base point or trajectory and count it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np
import pandas as pd

from ..model.drivers import Drivers
from .distributions import Uniform
from .evaluate import evaluate, output_label
from .morris import MorrisIndices, morris_indices
from .oneway import Variation
from ..progress import Progress, no_progress
from .sobol import SobolIndices, correlated_groups, group_label, sobol_indices

__all__ = ["SobolResult", "MorrisResult", "model_evaluator", "horizon_censor", "censored_note", "all_input_factors",
           "run_sobol", "run_morris", "item_outputs", "sobol_rows", "DEFAULT_CHANGE", "YEAR_SHIFT"]

DEFAULT_CHANGE = 0.2   # +-20 % around base for Morris over every input
YEAR_SHIFT = 1.0       # calendar years (a deal's start, a round's year) move +-1 year


@dataclass
class Evaluated:
    """What the engine call saw: rows evaluated, rows outside an input's bounds, and per year
    output the rows whose year lay beyond the horizon (counted as the year after it)."""

    rows: int = 0
    invalid: int = 0
    censored: dict = field(default_factory=dict)


def item_outputs(item: str, years: Sequence[int]) -> list[str]:
    """``ITEM@YEAR`` for every year of the timeline."""
    return [f"{item}@{int(y)}" for y in years]


def model_evaluator(drivers: Drivers, variations: Sequence[Variation], outputs: Sequence[str],
                    items: Sequence[str] = (), progress: Progress | None = None,
                    censor: dict[str, float] | None = None, label: str = "engine"):
    """(evaluate_fn, stats): input values (rows, k) -> {output: (rows,)} through the engine, one
    chunked call for all rows, reported as ``progress(rows, label)``; ``items`` add
    ``ITEM@YEAR`` for each year. Rows outside an input's bounds are NaN in every output
    (counted in ``stats.invalid``). ``censor``: output -> the value its n/a counts as (a year
    beyond the horizon: the year after it), counted in ``stats.censored``."""
    stats = Evaluated()
    censor = censor or {}

    def fn(x: np.ndarray) -> dict[str, np.ndarray]:
        overrides, scales = {}, {}
        for j, v in enumerate(variations):
            col = np.round(x[:, j]) if v.integer else x[:, j]
            (scales if v.scale else overrides)[v.path] = np.ascontiguousarray(col)
        with (progress or no_progress)(len(x), label) as bar:
            ev = evaluate(drivers, overrides, list(outputs), scales, keep_rows=tuple(items), progress=bar)
        stats.rows, stats.invalid = int(len(ev.invalid)), int(ev.invalid.sum())
        out = dict(ev.values)
        for o, value in censor.items():
            hit = np.isnan(out[o]) & ~ev.invalid
            stats.censored[o] = int(hit.sum())
            out[o] = np.where(hit, value, out[o])
        for item in items:
            rows = ev.rows[item]
            for t, name in enumerate(item_outputs(item, ev.years)):
                out[name] = np.where(ev.invalid, np.nan, rows[:, t])
        return out

    return fn, stats


def _clip(field_, lo: float, hi: float) -> tuple[float, float]:
    """A range kept within an input's bounds (inclusive ends, strict ends nudged inside)."""
    b = field_.bounds
    if b is None:
        return lo, hi
    if b.ge is not None:
        lo = max(lo, float(b.ge))
    if b.gt is not None:
        lo = max(lo, float(np.nextafter(b.gt, np.inf)) if not b.integer else float(b.gt) + 1)
    if b.le is not None:
        hi = min(hi, float(b.le))
    if b.lt is not None:
        hi = min(hi, float(np.nextafter(b.lt, -np.inf)) if not b.integer else float(b.lt) - 1)
    return lo, hi


def all_input_factors(drivers: Drivers, change: float = DEFAULT_CHANGE
                      ) -> tuple[list[tuple[Variation, Uniform]], list[tuple[str, str]]]:
    """Every input of the scenario as a uniform range, and the inputs left out with why.

    A scalar: base x (1 -/+ change), kept within its bounds (whole numbers rounded); a calendar
    year: +-:data:`YEAR_SHIFT`; a per-year input: a factor 1 -/+ change on every year. Left out:
    informational inputs, switches (flags), a scalar of base 0 or a per-year input of zeros
    (no relative range), and a range its bounds close.
    """
    chosen, left_out = [], []
    for f in drivers.fields:
        if f.informational:
            continue
        label = f"{f.label} ({f.section})" if f.section else f.label
        integer = bool(f.bounds and f.bounds.integer)
        if f.unit == "flag":
            left_out.append((f.path, "a switch (0/1), not a quantity"))
            continue
        if f.series:
            if not np.any(np.asarray(f.value, dtype=float)):
                left_out.append((f.path, "zero in every year: a factor moves nothing"))
                continue
            v = Variation(f.path, label, f.path, 1.0, 1 - change, 1 + change, True, False,
                          f"factor 1 -/+ {change:g} on every year", "factor")
            _add(drivers, v, chosen, left_out)
            continue
        base = float(f.value)
        if f.unit == "year":
            lo, hi = base - YEAR_SHIFT, base + YEAR_SHIFT
            why = f"+-{YEAR_SHIFT:g} year"
        elif base == 0:
            left_out.append((f.path, "base 0: a relative range is empty (give it a range in a spec)"))
            continue
        else:
            lo, hi = sorted((base * (1 - change), base * (1 + change)))
            why = f"base -/+ {change:.0%}"
        lo, hi = _clip(f, lo, hi)
        if integer:
            lo, hi = float(np.ceil(lo - 0.5)), float(np.floor(hi + 0.5))
        if not hi > lo:
            left_out.append((f.path, "its bounds leave no range around the base"))
            continue
        v = Variation(f.path, label, f.path, base, lo, hi, False, integer, why, f.unit)
        _add(drivers, v, chosen, left_out)
    return chosen, left_out


RANGE_STEPS = 40  # candidate points between the base and each end when a range is narrowed


def _add(drivers: Drivers, v: Variation, chosen: list, left_out: list) -> None:
    """Add ``v`` with its range narrowed to what keeps the input alone within its bounds and
    the rules between inputs (a share whose siblings must sum to 1 cannot move alone: left out)."""
    steps = np.linspace(0.0, 1.0, RANGE_STEPS + 1)[1:]
    ends = []
    for end in (v.low, v.high):
        xs = v.base + (end - v.base) * steps
        if v.integer:
            xs = np.round(xs)
        col = {v.path: xs}
        batch = drivers.with_overrides({} if v.scale else col, col if v.scale else {})
        ok = ~batch.invalid
        reach = int(np.argmin(ok)) if not ok.all() else len(xs)  # first invalid step
        ends.append(float(xs[reach - 1]) if reach else v.base)
    lo, hi = ends
    if not hi > lo:
        left_out.append((v.path, "moving it alone breaks its bounds or a rule between inputs "
                                 "(e.g. shares that must sum to 1)"))
        return
    if (lo, hi) != (v.low, v.high):
        v = replace(v, low=lo, high=hi, rationale=f"{v.rationale}, narrowed to its bounds and rules")
    chosen.append((v, Uniform(low=lo, high=hi)))


@dataclass
class SobolResult:
    """Sobol' indices of the model's outputs (:class:`~.sobol.SobolIndices` in ``indices``)."""

    indices: SobolIndices
    variations: tuple                 # Variation per input (spec order)
    dists: tuple                      # its distribution
    outputs: tuple[str, ...]          # metrics analysed
    items: tuple[str, ...]            # line items analysed by year
    labels: dict                      # output -> (label, unit)
    years: np.ndarray
    invalid_rows: int
    independent: bool                 # the spec's correlations were ignored
    correlations: tuple = ()          # (a, b, rho) used
    spec_correlations: tuple = ()     # (a, b, rho) the spec gives between the inputs sampled
    censored: dict = field(default_factory=dict)  # output -> rows beyond the horizon, as its next year

    @property
    def seed(self) -> int:
        return self.indices.seed


@dataclass
class MorrisResult:
    """Morris screening of the model's outputs (:class:`~.morris.MorrisIndices` in ``indices``)."""

    indices: MorrisIndices
    variations: tuple
    dists: tuple
    outputs: tuple[str, ...]
    labels: dict
    invalid_rows: int
    all_inputs: bool
    change: float | None
    left_out: tuple = field(default_factory=tuple)  # (path, why) of inputs not screened
    censored: dict = field(default_factory=dict)    # output -> rows beyond the horizon, as its next year
    years: np.ndarray | None = None

    @property
    def seed(self) -> int:
        return self.indices.seed


def horizon_censor(drivers: Drivers, catalogue, outputs: Sequence[str]) -> dict[str, float]:
    """Year outputs whose n/a means "beyond the horizon" (their metric's ``missing_as`` is +inf:
    a payback or a covenant breach never reached): counted as the year after the last, as the
    tornado's bars do, so such rows keep their place at the top of the scale instead of being
    dropped (which would describe only the rows that reach the year)."""
    after = float(drivers.years[-1]) + 1
    return {o: after for o in outputs if (md := catalogue.metrics.get(o)) is not None and md.missing_as == np.inf}


def censored_note(result, output: str) -> str:
    """"; N rows beyond 2040 counted as 2041" for a year output whose n/a is beyond the horizon."""
    n = (result.censored or {}).get(output, 0)
    if not n:
        return ""
    last = int(result.years[-1])
    return f"; {n:,} rows beyond {last} counted as {last + 1}"


def sobol_rows(n: int, names: Sequence[str], correlations) -> int:
    """Rows a Sobol' run evaluates: n x (factors + 2)."""
    return n * (len(correlated_groups(names, correlations)) + 2)


def run_sobol(drivers: Drivers, chosen, outputs: Sequence[str], items: Sequence[str], n: int, seed: int,
              catalogue, correlations=(), independent: bool = False,
              progress: Progress | None = None) -> SobolResult:
    """Sobol' indices of ``outputs`` and of ``items`` by year over the inputs ``chosen``
    ((Variation, distribution) pairs), correlated inputs as groups unless ``independent``.
    ``progress``: the engine's rows ("Sobol"), then the indices' bootstrap ("Sobol indices")."""
    variations = [v for v, _ in chosen]
    names = [v.name for v in variations]
    among = tuple((a, b, float(r)) for a, b, r in correlations if a in names and b in names and a != b and r != 0)
    corr = () if independent else among
    fn, stats = model_evaluator(drivers, variations, outputs, items, progress, horizon_censor(drivers, catalogue, outputs),
                                "Sobol")
    idx = sobol_indices(names, [d for _, d in chosen], fn, n, seed, corr, convergence_outputs=list(outputs),
                        progress=progress)
    labels = {o: output_label(o, catalogue) for o in list(outputs)
              + [name for item in items for name in item_outputs(item, drivers.years)]}
    return SobolResult(idx, tuple(variations), tuple(d for _, d in chosen), tuple(outputs), tuple(items), labels,
                       np.asarray(drivers.years), stats.invalid, independent, corr, among,
                       stats.censored)


def run_morris(drivers: Drivers, chosen, outputs: Sequence[str], trajectories: int, seed: int, levels: int,
               catalogue, all_inputs: bool, change: float | None, left_out=(),
               progress: Progress | None = None) -> MorrisResult:
    """Morris screening of ``outputs`` over the inputs ``chosen`` ((Variation, distribution));
    ``progress``: the engine's rows ("Morris")."""
    variations = [v for v, _ in chosen]
    fn, stats = model_evaluator(drivers, variations, outputs, (), progress, horizon_censor(drivers, catalogue, outputs),
                                "Morris")
    idx = morris_indices([v.name for v in variations], [d for _, d in chosen], fn, trajectories, seed, levels)
    labels = {o: output_label(o, catalogue) for o in outputs}
    return MorrisResult(idx, tuple(variations), tuple(d for _, d in chosen), tuple(outputs), labels,
                        stats.invalid, all_inputs, change, tuple(left_out), stats.censored,
                        np.asarray(drivers.years))


def group_names(result: SobolResult) -> list[str]:
    """The factors that are groups of correlated inputs."""
    return [group_label(g) for g in result.indices.grouped]


def factor_labels(result) -> dict[str, str]:
    """factor -> label for people: an input's label, or "group: a + b" (the inputs' spec names)."""
    by = {v.name: v.label for v in result.variations}
    if isinstance(result, MorrisResult):
        return {n: by[n] for n in by}
    return {group_label(g): by[g[0]] if len(g) == 1 else "group: " + group_label(g) for g in result.indices.groups}


def frame_with_labels(result, table: pd.DataFrame, key: str) -> pd.DataFrame:
    """``table`` with a ``label`` column after ``key``."""
    labels = factor_labels(result)
    out = table.copy()
    out.insert(list(out.columns).index(key) + 1, "label", out[key].map(labels))
    return out
