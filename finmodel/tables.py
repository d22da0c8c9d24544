"""Tidy pandas tables of a result (pure): line items, metrics, checks."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .lazy import lazy_module
from .model.result import Result

pd = lazy_module("pandas")

__all__ = ["counted", "line_items_table", "metrics_table", "checks_table", "metric_text", "text_grid",
           "format_value", "format_input", "format_difference"]


def counted(number: int, noun: str) -> str:
    """``1 input``, ``3 inputs``: a count and its noun, plural unless one."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def line_items_table(result: Result, scenario: int = 0) -> pd.DataFrame:
    """One row per (line item, year): line_item, label, unit, sheet, year, value."""
    years = result.years
    frames = []
    for li in result.catalogue.items:
        frames.append(pd.DataFrame({
            "line_item": li.key, "label": li.label, "unit": li.unit, "sheet": li.sheet,
            "year": years.astype(int), "value": result.line_items[li.key][scenario],
        }))
    return pd.concat(frames, ignore_index=True)


def metrics_table(result: Result, scenario: int = 0) -> pd.DataFrame:
    """One row per metric: metric, label, unit, value (NaN when n/a), text ("n/a: ..." or the value)."""
    rows = []
    for key, md in result.catalogue.metrics.items():
        label, unit = md.label, md.unit
        m = result.metrics[key]
        reason = m.text(scenario)
        value = float(m.value[scenario])
        rows.append({"metric": key, "label": label, "unit": unit,
                     "value": np.nan if reason else value, "text": metric_text(result, key, scenario)})
    return pd.DataFrame(rows)


def metric_text(result: Result, key: str, scenario: int = 0) -> str:
    """A metric of one scenario for people: its value (:func:`format_value`) or "n/a: reason"."""
    m = result.metrics[key]
    return m.text(scenario) or format_value(float(m.value[scenario]), result.catalogue.metrics[key].unit)


def text_grid(index: Sequence[str], columns: Sequence[tuple[str, Sequence[str]]]) -> str:
    """A table of strings, given as (header, values) pairs, as pandas' ``DataFrame.to_string()``
    prints it, without importing pandas (``finmodel run`` prints its summary this way): the index
    left-aligned; each column right-aligned to its header's width or, with the one space pandas
    leads a string with, its longest value's; columns one space apart."""
    width = max((len(i) for i in index), default=0)
    heads = [" " * width]
    rows = [i.ljust(width) for i in index]
    for name, values in columns:
        w = max([len(name)] + [1 + len(v) for v in values])
        heads.append(name.rjust(w))
        rows = [f"{row} {v.rjust(w)}" for row, v in zip(rows, values)]
    return "\n".join([" ".join(heads), *rows])


def checks_table(result: Result, scenario: int = 0) -> pd.DataFrame:
    return pd.DataFrame([{"check": k, "label": result.catalogue.checks[k].label, "ok": bool(v[scenario])}
                         for k, v in result.checks.items()])


def format_value(value: float | None, unit: str) -> str:
    """A value for people: US$ bn with one decimal, rates as %, years as integers, n/a for none."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if unit == "fraction":
        text = f"{value:.1%}"
    elif unit == "year":
        text = f"{value:.0f}"
    elif unit == "x":
        text = f"{value:.2f}x"
    else:
        text = f"{value:,.1f}"
    # a value that rounds to zero is shown without a sign ("0.0", not "-0.0" for -0.0004)
    return text[1:] if text.startswith("-") and not text.strip("-0.,%x") else text


def format_difference(delta: float | None, unit: str) -> str:
    """A difference between two values of a metric, signed: US$ bn with one decimal, a rate in
    percentage points ("+21.4 pp"), years ("+3 yrs"), a multiple ("+1.25x"); n/a for none."""
    if delta is None or not np.isfinite(delta):
        return "n/a"
    if unit == "fraction":
        text = f"{delta * 100:+.1f} pp"
    elif unit == "year":
        text = f"{delta:+.0f} yr{'' if abs(round(delta)) == 1 else 's'}"
    elif unit == "x":
        text = f"{delta:+.2f}x"
    else:
        text = f"{delta:+,.1f}"
    # a difference that rounds to zero is shown without a sign ("0.0", "0 pp")
    return text if text.split()[0].strip("+-0.,x") else text.lstrip("+-")


def format_input(value: float | None, unit: str) -> str:
    """An input's value for people, with its unit and at most 4 significant digits: rates as %
    ("9%", "2.5%"), a factor as "x0.75", years as "2030", others as "45 US$ bn / GW"."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if unit in ("fraction", "fraction / yr"):
        return f"{value * 100:.3g}%"
    if unit == "factor":
        return f"x{value:.3g}"
    if unit in ("year", "flag"):
        return f"{value:.0f}"
    text = f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return text if unit in ("", "-") else f"{text} {unit}"
