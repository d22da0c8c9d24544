"""Pure layout of the diff workbook: why scenario B differs from A.

Sheets: **Waterfall** (per output: A's value, each group's Shapley contribution largest first,
B's value; the running total, the sequential attribution beside it, and a waterfall chart),
**Inputs that differ** (path, block, unit, A, B and each basis) and **About** (the run record).

The contributions are values (each is an average over engine runs of the whole model); the
running total, B as A plus the contributions, and the chart's helper columns are formulas
(proven equal to their cached values by LibreOffice in the tests). The chart is a stacked column chart with an
invisible base series, which Excel 2007 and LibreOffice draw alike; a bar that crosses zero
is split into its parts above and below zero (negative values stack down from zero).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..tables import counted, format_value
from .analysis import _head, _header, _title, fit_columns, input_format, unit_text
from .formats import number_format
from .layout import RunInfo, about_sheet
from .spec import Cell, Chart, ChartSeries, Sheet, Style, WorkbookSpec, a1, abs_a1, quote_sheet

__all__ = ["layout_diff", "waterfall_parts", "WATERFALL_COLUMNS"]

SHEET = "Waterfall"
#: Columns of a waterfall table: what each holds.
WATERFALL_COLUMNS = ("Step", "Inputs", "Contribution", "± standard error", "Sequential",
                     "Running total", "Chart: base", "Chart: total", "Chart: increase",
                     "Chart: increase below 0", "Chart: decrease", "Chart: decrease below 0")
_C, _SE, _SEQ, _RUN, _BASE = 2, 3, 4, 5, 6
GREEN, RED, TOTAL = "#2CA02C", "#D62728", "#1F4E79"


def waterfall_parts(p: float, c: float) -> tuple[float, float, float, float, float]:
    """A floating bar from ``p`` to ``c`` as stacked parts: (base, increase, increase below 0,
    decrease, decrease below 0). The spreadsheet formulas of :func:`_part_formulas` compute
    the same."""
    lo, hi = min(p, c), max(p, c)
    base = lo if lo >= 0 else hi if hi <= 0 else 0.0
    above = hi - lo if lo >= 0 else 0.0 if hi <= 0 else hi
    below = 0.0 if lo >= 0 else lo - hi if hi <= 0 else lo
    up = c >= p
    return base, above if up else 0.0, below if up else 0.0, 0.0 if up else above, 0.0 if up else below


def _part_formulas(p: str, c: str) -> tuple[str, ...]:
    """The formulas of :func:`waterfall_parts` for cells ``p`` (before) and ``c`` (after)."""
    lo, hi = f"MIN({p},{c})", f"MAX({p},{c})"
    above = f"IF({lo}>=0,{hi}-{lo},IF({hi}<=0,0,{hi}))"
    below = f"IF({lo}>=0,0,IF({hi}<=0,{lo}-{hi},{lo}))"
    return (f"=IF({lo}>=0,{lo},IF({hi}<=0,{hi},0))", f"=IF({c}>={p},{above},0)",
            f"=IF({c}>={p},{below},0)", f"=IF({c}<{p},{above},0)", f"=IF({c}<{p},{below},0)")


def _steps(order: Sequence[int], a: float, phi: np.ndarray) -> list[tuple[float, float]]:
    """(before, after) of each step, in ``order``."""
    out, x = [], a
    for i in order:
        out.append((x, x + phi[i]))
        x += phi[i]
    return out


def _members(group, input_labels: dict[str, str]) -> str:
    """What a group holds, in a line: an input's label, or a block's inputs by their last name."""
    if len(group.paths) == 1:
        return input_labels.get(group.paths[0], group.paths[0])
    return f"{len(group.paths)} inputs: " + ", ".join(p.rsplit(".", 1)[-1] for p in group.paths)


def _waterfall_block(sheet: Sheet, row: int, at, i: int, names: tuple[str, str],
                     labels: dict[str, tuple[str, str]], input_labels: dict[str, str]) -> int:
    """One output's table and chart from ``row``; returns the next free row."""
    o = at.outputs[i]
    label, unit = labels[o]
    fmt = number_format(unit)
    u = unit_text(unit)
    a_name, b_name = names
    sheet.put(row, 0, Cell(f"{_head(label, unit)}: {a_name} {format_value(at.a[i], unit)} → {b_name} "
                           f"{format_value(at.b[i], unit)}", style=Style.SECTION))
    if o in at.missing or not (np.isfinite(at.a[i]) and np.isfinite(at.b[i])):
        sheet.put(row + 1, 0, Cell(f"Not attributed: n/a in {at.missing.get(o, 0):,} of {at.rows:,} "
                                   "engine runs (a metric that does not exist in some mix of the inputs).",
                                   style=Style.NOTE))
        return row + 3
    _header(sheet, row + 1, WATERFALL_COLUMNS)
    for j in (_C, _SE, _SEQ, _RUN):
        sheet.put(row + 1, j, Cell(f"{WATERFALL_COLUMNS[j]} [{u}]" if u else WATERFALL_COLUMNS[j],
                                   style=Style.HEADER))
    order = [int(j) for j in np.argsort(-np.abs(at.shapley[i]), kind="stable")]
    first, last = row + 2, row + 3 + len(order)
    sheet.put(first, 0, Cell(a_name, style=Style.LABEL))
    sheet.put(first, 1, Cell(f"{label} in {a_name}", style=Style.LABEL))
    sheet.put(first, _RUN, Cell(float(at.a[i]), style=Style.CALC, num_format=fmt))
    running = float(at.a[i])
    for r, g in enumerate(order, start=first + 1):
        group = at.groups[g]
        sheet.put(r, 0, Cell(group.name, style=Style.LABEL))
        sheet.put(r, 1, Cell(_members(group, input_labels), style=Style.LABEL))
        sheet.put(r, _C, Cell(float(at.shapley[i, g]), style=Style.CALC, num_format=fmt))
        sheet.put(r, _SE, Cell(float(at.se[i, g]) if at.method == "sampled" else "exact", style=Style.CALC,
                               num_format=fmt))
        sheet.put(r, _SEQ, Cell(float(at.sequential[i, g]), style=Style.CALC, num_format=fmt))
        before, running = running, running + float(at.shapley[i, g])
        sheet.put(r, _RUN, Cell(running, f"={a1(r - 1, _RUN)}+{a1(r, _C)}", Style.CALC, fmt))
        for j, (f, v) in enumerate(zip(_part_formulas(a1(r - 1, _RUN), a1(r, _RUN)),
                                       waterfall_parts(before, running))):
            sheet.put(r, _BASE if j == 0 else _BASE + 1 + j, Cell(v, f, Style.CALC, fmt))
        sheet.put(r, _BASE + 1, Cell(0.0, style=Style.CALC, num_format=fmt))
    total = float(np.sum(at.shapley[i]))
    sheet.put(last, 0, Cell(b_name, style=Style.LABEL))
    sheet.put(last, 1, Cell(f"= {a_name} + the contributions", style=Style.LABEL))
    sheet.put(last, _C, Cell(total, f"=SUM({a1(first + 1, _C)}:{a1(last - 1, _C)})", Style.TOTAL, fmt))
    sheet.put(last, _SEQ, Cell(float(np.sum(at.sequential[i])),
                               f"=SUM({a1(first + 1, _SEQ)}:{a1(last - 1, _SEQ)})", Style.TOTAL, fmt))
    sheet.put(last, _RUN, Cell(float(at.a[i]) + total, f"={a1(first, _RUN)}+{a1(last, _C)}", Style.TOTAL, fmt))
    for r in (first, last):
        sheet.put(r, _BASE, Cell(0.0, style=Style.CALC, num_format=fmt))
        sheet.put(r, _BASE + 1, Cell(sheet.cells[(r, _RUN)].value, f"={a1(r, _RUN)}", Style.CALC, fmt))
        for j in range(2, 6):
            sheet.put(r, _BASE + j, Cell(0.0, style=Style.CALC, num_format=fmt))
    sheet.put(last + 1, 0, Cell(f"{b_name} run on its own: {format_value(at.b[i], unit)}. Contributions are "
                                "Shapley values" + (f" estimated from {at.permutations:,} random orders "
                                                   f"(seed {at.seed}), ± one standard error" if
                                                   at.method == "sampled" else " (exact)") +
                                "; sequential: the inputs switched from "
                                f"{a_name} to {b_name} one group at a time in Inputs-sheet order.",
                                style=Style.NOTE))
    cats = f"={quote_sheet(SHEET)}!{abs_a1(first, 0)}:{abs_a1(last, 0)}"
    col = lambda j: f"={quote_sheet(SHEET)}!{abs_a1(first, j)}:{abs_a1(last, j)}"  # noqa: E731
    series = (ChartSeries("base", cats, col(_BASE), invisible=True),
              ChartSeries(f"{a_name} and {b_name}", cats, col(_BASE + 1), TOTAL),
              ChartSeries("Increase", cats, col(_BASE + 2), GREEN),
              ChartSeries("Increase (below 0)", cats, col(_BASE + 3), GREEN),
              ChartSeries("Decrease", cats, col(_BASE + 4), RED),
              ChartSeries("Decrease (below 0)", cats, col(_BASE + 5), RED))
    chart_row = last + 3
    height = 360
    sheet.charts.append(Chart("stacked_column", f"{label}: {a_name} → {b_name} [{u or '-'}]", series,
                              (chart_row, 0), y_title=u, y_num_format=fmt, width_px=900, height_px=height,
                              gap=40, overlap=100, legend_hidden=(0, 3, 5), x_font_pt=8))
    return chart_row + int(height / 20) + 3


def _inputs_sheet(diffs, names: tuple[str, str]) -> Sheet:
    sheet = Sheet("Inputs that differ")
    a_name, b_name = names
    _title(sheet, f"Inputs that differ: {a_name} and {b_name}",
           "Every input whose value differs (a per-year input: one row per differing year, as --set "
           "names it). Informational inputs are shown, not attributed: no formula reads them.")
    _header(sheet, 3, ("Input (path)", "Label", "Block", "Unit", a_name, b_name,
                       f"Basis in {a_name}", f"Basis in {b_name}", "Attributed"))
    for r, d in enumerate(diffs, start=4):
        fmt = input_format(d.unit)
        vals = (d.key, d.label, d.block, unit_text(d.unit) or d.unit, d.a, d.b, d.basis_a or "",
                d.basis_b or "", "no (informational)" if d.informational else "yes")
        for j, v in enumerate(vals):
            number = j in (4, 5)
            sheet.put(r, j, Cell(v, style=Style.CALC if number else Style.LABEL,
                                 num_format=fmt if number else None))
    sheet.freeze = (4, 1)
    fit_columns(sheet, most=60)
    return sheet


def layout_diff(at, diffs, labels: dict[str, tuple[str, str]], names: tuple[str, str],
                run: RunInfo) -> WorkbookSpec:
    """The diff workbook of an :class:`~finmodel.sensitivity.attribution.Attribution`.

    ``diffs``: the inputs that differ; ``labels``: output -> (label, unit); ``names``: (A, B).
    """
    a_name, b_name = names
    sheet = Sheet(SHEET, tab_color="#1F4E79")
    groups = counted(len(at.groups), "group")
    how = (f"exact Shapley values over {groups} ({at.rows:,} engine runs)" if at.method == "exact"
           else f"Shapley values sampled from {at.permutations:,} random orders of {groups} "
                f"(seed {at.seed}; {at.rows:,} engine runs)")
    _title(sheet, f"Why {b_name} differs from {a_name}", f"Each output's change attributed to the inputs that "
           f"differ: {how}. They sum to the change exactly; largest first.")
    if at.invalid:
        sheet.put(2, 0, Cell(f"{at.invalid:,} of {at.rows:,} runs mix {a_name}'s and {b_name}'s inputs in a way "
                             "their bounds or rules reject; the engine computes them all the same.",
                             style=Style.NOTE))
    row = 4
    for i in range(len(at.outputs)):
        row = _waterfall_block(sheet, row, at, i, names, labels, {d.path: d.label for d in diffs})
    fit_columns(sheet, most=45)
    sheet.col_widths[1] = 45
    sheet.freeze = (2, 1)
    extra = [("Compared", f"{a_name} (A) and {b_name} (B)"), ("Attribution", how)]
    return WorkbookSpec([sheet, _inputs_sheet(diffs, names), about_sheet(f"{a_name} vs {b_name}", run, extra)],
                        title=f"finmodel diff — {a_name} vs {b_name}")
