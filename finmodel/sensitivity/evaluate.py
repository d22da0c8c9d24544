"""Evaluate many scenarios in one vectorised engine pass, chunked so memory stays bounded.

Outputs are named like the CLI takes them: a metric key (``npv_usd_bn``, ``irr``,
``payback_year``, ...) or ``LINE_ITEM@YEAR`` (``revenue_total@2030``, ``ebitda@2030``).
A value that does not exist ("n/a") is NaN here; callers count and report those.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from ..drivers import Drivers
from ..engine.model import METRICS, Result, run

__all__ = ["Evaluation", "evaluate", "output_values", "check_outputs", "output_label", "CHUNK"]

CHUNK = 10_000  # rows per engine call: keeps every temporary array in cache-friendly sizes


@dataclass(frozen=True)
class Evaluation:
    """values: output -> (n,) [unit of the output], NaN where the output does not exist or the
    row is invalid; invalid: (n,) rows whose inputs left their bounds; rows: line item -> (n, T) when asked for (fan charts)."""

    values: dict[str, np.ndarray]
    invalid: np.ndarray
    rows: dict[str, np.ndarray]
    years: np.ndarray
    checks_failed: np.ndarray


def _split(name: str) -> tuple[str, int | None]:
    key, sep, year = name.partition("@")
    return key, (int(year) if sep and year.isdigit() else None)


def check_outputs(names: Sequence[str], catalogue_keys: Sequence[str], years: Sequence[int]) -> list[str]:
    """Problems with output names (unknown metric, line item or year), with "did you mean"."""
    problems = []
    for name in names:
        key, year = _split(name)
        if "@" in name:
            if key not in catalogue_keys:
                close = difflib.get_close_matches(key, catalogue_keys, n=1)
                problems.append(f"unknown line item {key!r}" + (f"; did you mean {close[0]!r}?" if close else ""))
            elif year is None or year not in years:
                problems.append(f"{name!r}: year must be one of {years[0]}..{years[-1]}")
        elif name not in METRICS:
            close = difflib.get_close_matches(name, list(METRICS), n=1)
            problems.append(f"unknown metric {name!r}" + (f"; did you mean {close[0]!r}?" if close
                                                           else f" (known: {', '.join(METRICS)})"))
    return problems


def output_label(name: str, result_or_catalogue=None) -> tuple[str, str]:
    """(label, unit) of an output."""
    key, year = _split(name)
    if year is None:
        label, unit, _ = METRICS[name]
        return label, unit
    li = result_or_catalogue[key] if result_or_catalogue is not None else None
    return (f"{li.label} {year}" if li else name), (li.unit if li else "")


def output_values(result: Result, name: str) -> np.ndarray:
    """One output for every scenario of a result (n,), NaN where it does not exist."""
    key, year = _split(name)
    if year is not None:
        return np.array(result.at(key, year), dtype=float)
    m = result.metrics[key]
    return np.where(m.reason > 0, np.nan, m.value)


def evaluate(drivers: Drivers, overrides: Mapping[str, np.ndarray], outputs: Sequence[str],
             scales: Mapping[str, np.ndarray] | None = None, keep_rows: Sequence[str] = (),
             chunk: int = CHUNK, progress: Callable[[int], None] | None = None) -> Evaluation:
    """Run the engine on n override rows in chunks; return the outputs for every row."""
    scales = scales or {}
    sizes = {len(v) for v in list(overrides.values()) + list(scales.values())}
    if len(sizes) != 1:
        raise ValueError("overrides must all have the same number of rows")
    n = sizes.pop()
    values = {o: np.empty(n) for o in outputs}
    rows = {k: np.empty((n, drivers.periods)) for k in keep_rows}
    invalid = np.zeros(n, dtype=bool)
    failed = np.zeros(n, dtype=bool)
    for start in range(0, n, chunk):
        sl = slice(start, min(start + chunk, n))
        batch = drivers.with_overrides({k: v[sl] for k, v in overrides.items()},
                                       {k: v[sl] for k, v in scales.items()})
        with np.errstate(all="ignore"):  # invalid rows may divide by zero; they are excluded
            result = run(batch)
        for o in outputs:  # rows whose inputs left their bounds are not results: NaN
            values[o][sl] = np.where(batch.invalid, np.nan, output_values(result, o))
        for k in keep_rows:
            rows[k][sl] = result.line_items[k]
        invalid[sl] = batch.invalid
        failed[sl] = ~np.logical_and.reduce([c for c in result.checks.values()])
        if progress:
            progress(sl.stop - sl.start)
    return Evaluation(values, invalid, rows, drivers.years, failed)
