"""Pure layouts of the analysis workbooks: tornado/spider, grid, solve, Monte Carlo.

These workbooks report many engine runs, so their tables hold values (each point is a run
of the live scenario model, reproducible from the spec and seed recorded on the sheets).

Every number carries a format of its unit with at most four decimals, every header its unit,
and column widths come from the cells' shown text (:func:`fit_columns`).
"""
from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Sequence

import numpy as np

from ..tables import format_input, format_value
from .formats import number_format
from .layout import RunInfo, about_sheet as _about
from .spec import (Cell, Chart, ChartSeries, ConditionalFormat, ScalePoint, Sheet, Style, WorkbookSpec,
                   abs_a1, quote_sheet)

__all__ = ["layout_tornado", "layout_grid", "layout_solve", "layout_montecarlo", "heat_scale",
           "fit_columns", "SPIDER_SERIES", "SERIES_COLORS"]

PALETTE = ("#1F4E79", "#ED7D31", "#70AD47", "#A5A5A5", "#7030A0", "#C00000", "#FFC000",
           "#4472C4", "#264478", "#9E480E")
#: Distinct series colours (no two near-identical hues): blue, orange, green, red, purple, brown.
SERIES_COLORS = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B")
#: Inputs per spider chart: the largest effects, so the legend stays short.
SPIDER_SERIES = len(SERIES_COLORS)
GOOD, BAD, MIDDLE, NEUTRAL = "#63BE7B", "#F8696B", "#FFFFFF", "#5B9BD5"
COUNT = "#,##0"
RATIONALE_WIDTH = 70  # the Spec sheet's wrapped rationale column
SHARE = "0.0%"
CHANGE = "+0%;-0%;0%"
_UNIT_SHOWN = {"fraction": "%", "fraction / yr": "% / yr", "factor": "factor", "-": "", "flag": ""}
_NOT_FITTED = (Style.TITLE, Style.SUBTITLE, Style.SECTION, Style.NOTE)  # they overflow to the right


def _val(x) -> float | str:
    if x is None:
        return "n/a"
    x = float(x)
    return "n/a" if not math.isfinite(x) else x


def unit_text(unit: str) -> str:
    """A unit as a header shows it: rates as %, no unit for plain numbers."""
    return _UNIT_SHOWN.get(unit, unit)


def _head(label: str, unit: str) -> str:
    shown = unit_text(unit)
    return f"{label} [{shown}]" if shown else label


def input_format(unit: str) -> str:
    """The number format of an input's value: its unit's input format, with at most four
    decimals (a factor 0.75, not 0.7500; a unitless constant 1,000,000, not 1000000)."""
    if unit == "factor":
        return "0.00##"
    if unit in ("-", "", "ratio"):
        return "#,##0.00##"
    if unit == "years":
        return "0.0#"
    return number_format(unit, "input")


def _header(sheet: Sheet, row: int, heads: Sequence[str], col: int = 0) -> None:
    for j, h in enumerate(heads):
        sheet.put(row, col + j, Cell(h, style=Style.HEADER))


def _title(sheet: Sheet, title: str, subtitle: str) -> None:
    sheet.put(0, 0, Cell(title, style=Style.TITLE))
    sheet.put(1, 0, Cell(subtitle, style=Style.SUBTITLE))


def _rng(sheet: str, r0: int, c0: int, r1: int, c1: int) -> str:
    return f"={quote_sheet(sheet)}!{abs_a1(r0, c0)}:{abs_a1(r1, c1)}"


# --- column widths -------------------------------------------------------------------------------

def _decimals(fmt: str) -> int:
    m = re.search(r"\.([0#]+)", fmt)
    return len(m.group(1)) if m else 0


def shown_text(value, num_format: str | None) -> str:
    """About the text a spreadsheet shows for ``value`` in ``num_format`` (for widths)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "FALSE"
    if value is None:
        return ""
    fmt = (num_format or "General").split(";")[0]
    if fmt == "General":
        return f"{value:.10g}"
    pct = "%" in fmt
    x = float(value) * (100 if pct else 1)
    text = f"{x:,.{_decimals(fmt)}f}" if "," in fmt else f"{x:.{_decimals(fmt)}f}"
    literal = "".join(re.findall(r'"([^"]*)"', fmt))
    return literal + text + ("%" if pct else "")


def fit_columns(sheet: Sheet, most: float = 70, least: float = 6) -> None:
    """Set each column's width from the longest text it shows (titles, section rows and notes
    overflow into empty cells and do not count); widths already set stay when wider. Text in a
    number cell (a number that does not exist: "n/a", "after 2040") is set right like numbers."""
    for key, cell in list(sheet.cells.items()):
        if isinstance(cell.value, str) and cell.num_format and cell.style in (Style.CALC, Style.TOTAL):
            sheet.cells[key] = replace(cell, style=Style.NA)
    widths: dict[int, float] = {}
    for (_, col), cell in sheet.cells.items():
        if cell.style in _NOT_FITTED or cell.value is None:
            continue
        text = shown_text(cell.value, cell.num_format)
        bold = 1.12 if cell.style in (Style.HEADER, Style.TOTAL) else 1.0
        widths[col] = max(widths.get(col, 0.0), len(text) * bold + 2)
    for col, w in widths.items():
        sheet.col_widths[col] = max(sheet.col_widths.get(col, 0.0), min(most, max(least, round(w, 1))))


# --- the spec sheet ------------------------------------------------------------------------------

def _spec_sheet(variations) -> Sheet:
    sheet = Sheet("Spec")
    _title(sheet, "Inputs varied", "From the sensitivity spec; scale inputs multiply every year by a factor.")
    _header(sheet, 3, ("Input", "Path", "Varied as", "Unit", "Base", "Low", "High", "Rationale / source"))
    for i, v in enumerate(variations):
        fmt = input_format(v.unit)
        vals = (v.label, v.path, "factor on every year" if v.scale else "value", unit_text(v.unit),
                v.base, v.low, v.high, v.rationale)
        for j, x in enumerate(vals):
            number = j in (4, 5, 6)
            sheet.put(4 + i, j, Cell(x, style=Style.INPUT if number else Style.TEXT if j == 7 else Style.LABEL,
                                     num_format=fmt if number else None))
        lines = -(-len(v.rationale) // int(RATIONALE_WIDTH * 1.2))  # wrapped: tall enough
        if lines > 1:
            sheet.row_heights[4 + i] = 13.0 * lines
    sheet.col_widths[7] = RATIONALE_WIDTH
    fit_columns(sheet, most=60)
    return sheet


# --- tornado ---------------------------------------------------------------------------------------

def _output_text(x: float, unit: str, beyond: bool, years) -> float | str:
    """An output for a table: its value, or why there is none."""
    if np.isfinite(x):
        return float(x)
    return f"after {int(years[-1])}" if beyond and years is not None else "n/a"


BOUND = '"≥ +"0;"≤ -"0;0'  # a change known only as a bound: "≥ +3" (later), "≤ -3" (earlier)


def _change_cell(x: float, base: float, fmt: str, beyond: bool, years) -> Cell:
    """A change from base for the table and the tornado bars. A year beyond the horizon counts
    as the year after it, so the change is a bound ("≥ +3": at least 3 years later) and its
    bar reaches the horizon's end."""
    if np.isfinite(x) and np.isfinite(base):
        return Cell(float(x - base), style=Style.CALC, num_format=fmt)
    if beyond and years is not None:
        after = float(years[-1] + 1)
        x_, base_ = (x if np.isfinite(x) else after), (base if np.isfinite(base) else after)
        return Cell(float(x_ - base_), style=Style.CALC, num_format=BOUND if x_ != base_ else "0")
    return Cell("n/a", style=Style.NA)


def _swing_cell(r, base: float, fmt: str, beyond: bool) -> Cell:
    """The swing, or for an input whose end changes the output to or from n/a, what it does."""
    if not r.off_scale:
        return Cell(_val(r.swing) if np.isfinite(r.swing) else 0.0, style=Style.CALC, num_format=fmt)
    if beyond:
        text = "beyond horizon" if np.isfinite(base) else "into horizon"
    else:
        text = "to n/a (off scale)" if np.isfinite(base) else "from n/a (off scale)"
    return Cell(text, style=Style.NA)


def layout_tornado(result, variations, labels: dict[str, tuple[str, str]], scenario: str,
                   run: RunInfo, beyond_horizon: Sequence[str] = ()) -> WorkbookSpec:
    """Tornado (bar) and spider (scatter) per output. ``labels``: output -> (label, unit);
    ``beyond_horizon``: outputs whose n/a is a year after the horizon (payback never reached)."""
    by_name = {v.name: v for v in variations}
    years = getattr(result, "years", None)
    tsheet = Sheet("Tornado", tab_color="#1F4E79")
    _title(tsheet, f"Tornado — {scenario}", "Each input at its low and high, the others at base, ranked by "
           "swing; an input that moves the output to or from n/a (payback beyond the horizon) ranks first.")
    tsheet.put(2, 0, Cell("Bars: change from base. A year beyond the horizon counts as the year after it, "
                          "so its change is a bound (≥ +3: at least 3 years later).", style=Style.NOTE))
    ssheet = Sheet("Spider")
    _title(ssheet, f"Spider — {scenario}", f"Each output as one input moves from its low to its high "
           f"(x: change of the input from its base). The {SPIDER_SERIES} inputs of largest effect per "
           "output; every input's swing is on the Tornado sheet.")
    row, srow = 3, 3
    for o, (label, unit) in labels.items():
        fmt = number_format(unit)
        beyond = o in beyond_horizon
        table = result.swings[result.swings["output"] == o].sort_values("rank")
        base = result.base[o]
        tsheet.put(row, 0, Cell(f"{_head(label, unit)} — base {_output_text(base, unit, beyond, years)}"
                                if not np.isfinite(base) else f"{_head(label, unit)} — base {format_value(base, unit)}",
                                style=Style.SECTION))
        u = unit_text(unit)
        _header(tsheet, row + 1, ("Rank", "Input: low – high (unit)", f"At low [{u}]", f"At high [{u}]",
                                  f"Swing [{u}]", f"Change at low [{u}]", f"Change at high [{u}]"))
        top = row + 2
        for i, r in enumerate(table.itertuples()):
            v = by_name.get(r.input)
            vunit = v.unit if v is not None else ""
            rr = top + i
            rng = f"{format_input(r.input_low, vunit)} – {format_input(r.input_high, vunit)}"
            tsheet.put(rr, 0, Cell(int(r.rank), style=Style.CALC, num_format="0"))
            tsheet.put(rr, 1, Cell(f"{r.label}: {rng}", style=Style.LABEL))
            tsheet.put(rr, 2, Cell(_output_text(r.output_low, unit, beyond, years), style=Style.CALC, num_format=fmt))
            tsheet.put(rr, 3, Cell(_output_text(r.output_high, unit, beyond, years), style=Style.CALC, num_format=fmt))
            tsheet.put(rr, 4, _swing_cell(r, base, fmt, beyond))
            tsheet.put(rr, 5, _change_cell(r.output_low, base, fmt, beyond, years))
            tsheet.put(rr, 6, _change_cell(r.output_high, base, fmt, beyond, years))
        last = top + len(table) - 1
        cats = _rng("Tornado", top, 1, last, 1)
        height = max(240, 70 + 24 * len(table))
        chart_row = last + 2
        tsheet.put(last + 1, 1, Cell("Each input's low, base and high as numbers, with its unit and "
                                     "source: the Spec sheet.", style=Style.NOTE))
        tsheet.charts.append(Chart(
            "bar", f"{label}: change from base [{unit_text(unit) or '-'}]",
            (ChartSeries("Input at low", cats, _rng("Tornado", top, 5, last, 5), SERIES_COLORS[0]),
             ChartSeries("Input at high", cats, _rng("Tornado", top, 6, last, 6), SERIES_COLORS[1])),
            (chart_row + 1, 1), x_title=f"change in {label} [{unit_text(unit) or '-'}]", y_num_format=fmt,
            width_px=860, height_px=height, gap=40, overlap=100, reverse_categories=True))
        row = chart_row + 1 + int(height / 20) + 3
        srow = _spider_block(ssheet, srow, result, o, label, unit, table, by_name)
    fit_columns(tsheet, most=80)
    fit_columns(ssheet, most=60)
    tsheet.freeze = (3, 0)
    extra = [("Invalid points (inputs outside their bounds; shown as n/a)", str(result.invalid_points))]
    return WorkbookSpec([tsheet, ssheet, _spec_sheet(variations), _about(scenario, run, extra)],
                        title=f"finmodel tornado — {scenario}")


def _spider_block(sheet: Sheet, srow: int, result, o: str, label: str, unit: str, table, by_name) -> int:
    """One output's spider table (the inputs of largest effect) and chart; returns the next row."""
    fmt = number_format(unit)
    sp = result.spider[result.spider["output"] == o]
    chosen = [n for n in table["input"] if sp.loc[sp["input"] == n, "change_fraction"].notna().all()]
    chosen = chosen[:SPIDER_SERIES]
    left_out = len(table) - len(chosen)
    sheet.put(srow, 0, Cell(_head(label, unit), style=Style.SECTION))
    _header(sheet, srow + 1, ("Input", "Input value", "Input unit", "Change of input", _head("Output", unit)))
    r0 = srow + 2
    series = []
    for k, name in enumerate(chosen):
        grp = sp[sp["input"] == name]
        v = by_name.get(name)
        vunit = v.unit if v is not None else ""
        for i, r in enumerate(grp.itertuples()):
            rr = r0 + i
            if i == 0:
                sheet.put(rr, 0, Cell(r.label, style=Style.LABEL))
            sheet.put(rr, 1, Cell(float(r.input_value), style=Style.CALC, num_format=input_format(vunit)))
            sheet.put(rr, 2, Cell(unit_text(vunit), style=Style.UNIT))
            sheet.put(rr, 3, Cell(_val(r.change_fraction), style=Style.CALC, num_format=CHANGE))
            sheet.put(rr, 4, Cell(_val(r.value), style=Style.CALC, num_format=fmt))
        end = r0 + len(grp) - 1
        series.append(ChartSeries(grp["label"].iloc[0], _rng("Spider", r0, 3, end, 3),
                                  _rng("Spider", r0, 4, end, 4), SERIES_COLORS[k % len(SERIES_COLORS)]))
        r0 = end + 1
    note = r0
    sheet.put(note, 0, Cell(f"{left_out} more input(s) of smaller effect (or with a base of 0, which "
                            "has no relative change) are on the Tornado sheet." if left_out else
                            "Every input of the spec is shown.", style=Style.NOTE))
    if series:
        sheet.charts.append(Chart("scatter", f"Spider: {label}", tuple(series), (srow + 1, 6),
                                  x_title="change of the input from its base",
                                  y_title=_head(label, unit), y_num_format=fmt, x_num_format=CHANGE,
                                  width_px=720, height_px=500))
    return max(note + 3, srow + 1 + 26 + 2)


# --- grid ----------------------------------------------------------------------------------------

def heat_scale(values: np.ndarray, better: str | None, midpoint: float | None) -> tuple[ScalePoint, ...]:
    """The colour stops of a heat map of ``values`` for a metric whose ``better`` direction is
    "higher", "lower" or None and whose ``midpoint`` divides good from bad (or None).

    - no good direction: white (lowest) to blue (highest);
    - values on both sides of the midpoint: red (bad end), white at the midpoint, green (good end);
    - all on one side: white at the midpoint, growing to green (good side) or red (bad side);
    - no midpoint: red at the bad end, yellow half-way between the ends, green at the good end.
    """
    if better is None:
        return ScalePoint("min", MIDDLE), ScalePoint("max", NEUTRAL)
    low_color, high_color = (BAD, GOOD) if better == "higher" else (GOOD, BAD)
    finite = values[np.isfinite(values)]
    if midpoint is None or finite.size == 0:
        return ScalePoint("min", low_color), ScalePoint("percent", "#FFEB84", 50.0), ScalePoint("max", high_color)
    lo, hi = float(finite.min()), float(finite.max())
    if lo < midpoint < hi:
        return ScalePoint("min", low_color), ScalePoint("num", MIDDLE, float(midpoint)), ScalePoint("max", high_color)
    if lo >= midpoint:  # all at or above the midpoint
        return ScalePoint("num", MIDDLE, float(midpoint)), ScalePoint("max", high_color)
    return ScalePoint("min", low_color), ScalePoint("num", MIDDLE, float(midpoint))


def _scale_words(better: str | None, midpoint: float | None, unit: str) -> str:
    if better is None:
        return "Colours: darker blue = higher (neither direction is better for this metric)."
    good = "higher" if better == "higher" else "lower"
    mid = f"; white at {format_value(midpoint, unit)}" if midpoint is not None else ""
    return f"Colours: green = better ({good} is better for this metric), red = worse{mid}."


def _axis_title(v) -> str:
    if v.scale:
        return f"{v.label} [factor on every year of {v.path}]"
    return f"{_head(v.label, v.unit)} ({v.path})"


def layout_grid(g, label: tuple[str, str], scenario: str, run: RunInfo,
                direction: tuple[str | None, float | None] = (None, None)) -> WorkbookSpec:
    """The two-way table of ``g`` (a GridResult) with a heat map coloured by ``direction``:
    the metric's (better, midpoint) from its definition."""
    out_label, unit = label
    better, midpoint = direction
    fmt = number_format(unit)
    sheet = Sheet("Grid", tab_color="#1F4E79")
    _title(sheet, f"{_head(out_label, unit)} — two-way table ({scenario})",
           f"Base point: {g.x.label} = {format_input(g.x.base, g.x.unit)}, {g.y.label} = "
           f"{format_input(g.y.base, g.y.unit)} -> {format_value(g.base, unit)}.")
    sheet.put(2, 0, Cell(_scale_words(better, midpoint, unit), style=Style.NOTE))
    sheet.put(3, 0, Cell(f"Rows: {_axis_title(g.y)}", style=Style.SECTION))
    sheet.put(4, 0, Cell(f"Columns: {_axis_title(g.x)}", style=Style.SECTION))
    head = 5
    sheet.put(head, 0, Cell(f"{'Factor' if g.y.scale else unit_text(g.y.unit) or 'value'} ↓ / "
                         f"{'factor' if g.x.scale else unit_text(g.x.unit) or 'value'} →", style=Style.HEADER))
    xfmt, yfmt = input_format(g.x.unit), input_format(g.y.unit)
    for j, x in enumerate(g.xs):
        sheet.put(head, 1 + j, Cell(float(x), style=Style.HEADER, num_format=xfmt))
    bx = int(np.argmin(np.abs(g.xs - g.x.base)))
    by = int(np.argmin(np.abs(g.ys - g.y.base)))
    top = head + 1
    for i, y in enumerate(g.ys):
        sheet.put(top + i, 0, Cell(float(y), style=Style.HEADER, num_format=yfmt))
        for j in range(len(g.xs)):
            base_cell = (i, j) == (by, bx)  # the grid point nearest the base: bold
            sheet.put(top + i, 1 + j, Cell(_val(g.values[i, j]), style=Style.TOTAL if base_cell else Style.CALC,
                                           num_format=fmt))
    last_r, last_c = top + len(g.ys) - 1, len(g.xs)
    points = heat_scale(np.asarray(g.values, dtype=float), better, midpoint)
    kind = "3_color_scale" if len(points) == 3 else "2_color_scale"
    sheet.conditional_formats.append(ConditionalFormat((top, 1), (last_r, last_c), kind, points=points))
    note = last_r + 2
    sheet.put(note, 0, Cell(f"Bold: the grid point nearest the base, row {format_input(g.ys[by], g.y.unit)}, "
                            f"column {format_input(g.xs[bx], g.x.unit)} (value "
                            f"{format_value(float(g.values[by, bx]), unit)}); exact base value "
                            f"{format_value(g.base, unit)}.", style=Style.NOTE))
    sheet.put(note + 1, 0, Cell(f"Invalid points (inputs outside their bounds, shown as n/a): {g.invalid_points}",
                                style=Style.NOTE))
    fit_columns(sheet, most=40)
    sheet.col_widths.update({1 + j: max(sheet.col_widths.get(1 + j, 0), 10) for j in range(len(g.xs))})
    sheet.freeze = (top, 1)
    return WorkbookSpec([sheet, _spec_sheet((g.x, g.y)), _about(scenario, run)],
                        title=f"finmodel grid — {scenario}")


# --- solve ---------------------------------------------------------------------------------------

def layout_solve(solutions, labels: dict[str, tuple[str, str]], scenario: str, run: RunInfo) -> WorkbookSpec:
    """Each target: base and solved input, the change, the output at both, and the scanned curve
    (output against input over the bounds) as a chart with the target and the solution."""
    sheet = Sheet("Solve", tab_color="#1F4E79")
    mc = any(getattr(s, "draws", None) for s in solutions)  # a statistic over Monte Carlo draws
    _title(sheet, f"Break-even / goal seek — {scenario}",
           "The value of one input at which an output reaches its target, all other inputs at base."
           + (" A statistic target (percentile, mean, probability) is over the Monte Carlo draws of the "
              "sensitivity spec, sampled once and held fixed while the input moves (common random "
              "numbers); its solution carries its Monte Carlo standard error." if mc else ""))
    names = ("Output", "Output unit", "Target", "Output at base", "Output at solution", "Input varied",
             "Input unit", "Lower bound", "Upper bound", "Input at base", "Input solved", "Change of input",
             "Change of input [%]", "Result") + _MC_ROWS * mc
    _header(sheet, 3, ["Target"] + [f"{k + 1}" for k in range(len(solutions))])
    for n, name in enumerate(names):
        sheet.put(4 + n, 0, Cell(name, style=Style.LABEL))
    for i, s in enumerate(solutions):
        label, unit = labels[s.target.output]
        v = s.target.vary
        fmt, ifmt = number_format(unit), input_format(v.unit)
        base_in = getattr(s, "base_input", v.base)
        change = None if s.value is None or base_in is None else s.value - base_in
        rel = None if change is None or not base_in else change / base_in
        cells = (
            Cell(label, style=Style.TEXT), Cell(unit_text(unit) or "-", style=Style.UNIT),
            Cell(float(s.target.value), style=Style.CALC, num_format=fmt),
            Cell(_val(getattr(s, "base_output", None)), style=Style.CALC, num_format=fmt),
            Cell(_val(_residue_free(s.achieved, s.target.value)), style=Style.CALC, num_format=fmt),
            Cell(v.path + (" (factor on every year)" if v.scale else ""), style=Style.TEXT),
            Cell(unit_text(v.unit) or "-", style=Style.UNIT),
            Cell(float(v.low), style=Style.CALC, num_format=ifmt),
            Cell(float(v.high), style=Style.CALC, num_format=ifmt),
            Cell(_val(base_in), style=Style.CALC, num_format=ifmt),
            Cell(_val(s.value), style=Style.TOTAL, num_format=ifmt),
            Cell(_val(change), style=Style.CALC, num_format=ifmt),
            Cell(_val(rel), style=Style.CALC, num_format="+0.0%;-0.0%;0.0%"),
            Cell(s.message, style=Style.TEXT),
        ) + (_mc_cells(s, fmt, ifmt) if mc else ())
        for n, c in enumerate(cells):
            sheet.put(4 + n, 1 + i, c)
    width = 40
    sheet.col_widths.update({1 + i: width for i in range(len(solutions))})
    for n in (0, 5, 13, len(names) - 1):  # wrapped text rows tall enough for the longest
        chars = max(len(str(sheet.cells.get((4 + n, 1 + i), Cell("")).value or "")) for i in range(len(solutions)))
        lines = max(1, -(-chars // int(width * 1.2)))  # ~1.2 characters of Arial 10 per width unit
        if lines > 1:
            sheet.row_heights[4 + n] = 13.0 * lines
    row = 4 + len(names) + 2
    for k, s in enumerate(solutions):
        row = _scan_block(sheet, row, k, s, labels[s.target.output])
    fit_columns(sheet, most=30)
    return WorkbookSpec([sheet, _about(scenario, run)], title=f"finmodel solve — {scenario}")


_MC_ROWS = ("Monte Carlo draws", "Standard error of solution (Monte Carlo)",
            "Standard error of statistic at solution",
            "Slope of the statistic solved on per unit of input (a probability: of its quantile)",
            "Statistic evaluations", "Method")


def _mc_cells(s, fmt: str, ifmt: str) -> tuple[Cell, ...]:
    """The Monte Carlo rows of a statistic target (blank for a target on the model itself)."""
    if not getattr(s, "draws", None):
        return tuple(Cell("-", style=Style.TEXT) for _ in _MC_ROWS)
    return (Cell(int(s.draws), style=Style.CALC, num_format="#,##0"),
            Cell(_val(s.se), style=Style.TOTAL, num_format=ifmt),
            Cell(_val(s.statistic_se), style=Style.CALC, num_format=fmt),
            Cell(_val(s.slope), style=Style.CALC, num_format="0.000E+00"),
            Cell(int(s.evaluations), style=Style.CALC, num_format="0"),
            Cell(s.method, style=Style.TEXT))


def _residue_free(achieved: float | None, target: float) -> float | None:
    """The output at a solution rounded to 6 decimals (beyond what any format shows), so the
    solver's residue around a target of 0 (-3e-7) reads "0.0", not "-0.0"."""
    if achieved is None:
        return None
    return round(float(achieved), 6) + 0.0  # + 0.0 turns -0.0 into 0.0


def _scan_block(sheet: Sheet, row: int, k: int, s, label: tuple[str, str]) -> int:
    """The scan of one target (input, output) and its chart; returns the next free row."""
    out_label, unit = label
    v = s.target.vary
    xs, ys = tuple(getattr(s, "scan_inputs", ())), tuple(getattr(s, "scan_outputs", ()))
    if not xs:
        return row
    fmt, ifmt = number_format(unit), input_format(v.unit)
    xname = v.label if not v.scale else f"{v.label} (factor)"
    sheet.put(row, 0, Cell(f"Scan {k + 1}: {_head(out_label, unit)} against {v.path}"
                           + (" (factor on every year)" if v.scale else ""), style=Style.SECTION))
    _header(sheet, row + 1, (_head("Input", v.unit), _head("Output", unit), _head("Target", unit)))
    top = row + 2
    for i, (x, y) in enumerate(zip(xs, ys)):
        sheet.put(top + i, 0, Cell(float(x), style=Style.CALC, num_format=ifmt))
        sheet.put(top + i, 1, Cell(_val(y), style=Style.CALC, num_format=fmt))
        sheet.put(top + i, 2, Cell(float(s.target.value), style=Style.CALC, num_format=fmt))
    last = top + len(xs) - 1
    series = [ChartSeries(out_label, _rng("Solve", top, 0, last, 0), _rng("Solve", top, 1, last, 1),
                          SERIES_COLORS[0]),
              ChartSeries(f"Target {format_value(s.target.value, unit)}", _rng("Solve", top, 0, last, 0),
                          _rng("Solve", top, 2, last, 2), SERIES_COLORS[3])]
    if s.value is not None:
        sol = last + 1
        sheet.put(sol, 0, Cell("Solution", style=Style.LABEL))
        sheet.put(sol + 1, 0, Cell(float(s.value), style=Style.TOTAL, num_format=ifmt))
        sheet.put(sol + 1, 1, Cell(_val(_residue_free(s.achieved, s.target.value)), style=Style.TOTAL, num_format=fmt))
        series.append(ChartSeries(f"Solution {format_input(s.value, v.unit)}", _rng("Solve", sol + 1, 0, sol + 1, 0),
                                  _rng("Solve", sol + 1, 1, sol + 1, 1), SERIES_COLORS[2]))
        last = sol + 1
    base_in = getattr(s, "base_input", None)
    if base_in is not None and getattr(s, "base_output", None) is not None:
        b = last + 1
        sheet.put(b, 0, Cell("Base", style=Style.LABEL))
        sheet.put(b + 1, 0, Cell(float(base_in), style=Style.CALC, num_format=ifmt))
        sheet.put(b + 1, 1, Cell(float(s.base_output), style=Style.CALC, num_format=fmt))
        series.append(ChartSeries("Base", _rng("Solve", b + 1, 0, b + 1, 0), _rng("Solve", b + 1, 1, b + 1, 1),
                                  SERIES_COLORS[1]))
        last = b + 1
    sheet.charts.append(Chart("scatter", f"{out_label} against {xname}", tuple(series), (row + 1, 4),
                              x_title=_head(xname, v.unit), y_title=_head(out_label, unit),
                              y_num_format=fmt, x_num_format=ifmt, width_px=720, height_px=400))
    return max(last + 3, row + 1 + 21 + 2)


# --- Monte Carlo -------------------------------------------------------------------------------

def layout_montecarlo(mc, scenario: str, run: RunInfo) -> WorkbookSpec:
    """``mc``: a :class:`finmodel.sensitivity.montecarlo.MonteCarloResult`."""
    summ = _mc_summary(mc, scenario)
    hist = _mc_histograms(mc)
    fan = _mc_fan(mc)
    stable = _mc_stable(mc)
    inputs = _mc_inputs(mc)
    extra = [("Draws", f"{mc.draws:,}"), ("Valid draws", f"{mc.valid:,}"), ("Seed", str(mc.seed)),
             ("Sampling", "Latin hypercube" if mc.lhs else "pseudo-random (PCG64)")]
    if getattr(mc, "precision", None):
        extra += [("Most draws (--draws)", f"{mc.max_draws:,}"),
                  ("Precision goals", ", ".join(g["goal"] for g in mc.precision)), ("Stopped", mc.stop_note)]
    sheets = ([summ] + ([hist] if hist is not None else []) + [fan] + ([stable] if stable is not None else [])
              + [inputs, _about(scenario, run, extra)])
    return WorkbookSpec(sheets, title=f"finmodel Monte Carlo — {scenario}")


def _mc_summary(mc, scenario: str) -> Sheet:
    summ = Sheet("Summary", tab_color="#1F4E79")
    _title(summ, f"Monte Carlo — {scenario}",
           f"{mc.draws:,} draws ({mc.valid:,} valid, {mc.draws - mc.valid:,} excluded as invalid); seed "
           f"{mc.seed}; {'Latin hypercube' if mc.lhs else 'random'} sampling; correlation: {mc.correlation_note}")
    pct = mc.percentiles
    base = getattr(mc, "base", {}) or {}
    na_labels = getattr(mc, "na_labels", {}) or {}
    heads = ["Output", "Unit", "Base case", "Mean", "Std error of mean", "n/a draws"] + [f"P{q:g}" for q in mc.quantiles]
    _header(summ, 3, heads)
    first_q = 6
    for i, (o, row) in enumerate(pct.items()):
        fmt = number_format(row["unit"])
        se_fmt = "0.00" if row["unit"] == "year" else fmt  # a year's standard error needs decimals
        cells = [Cell(row["label"], style=Style.LABEL), Cell(unit_text(row["unit"]), style=Style.UNIT),
                 Cell(_val(base[o]) if o in base and np.isfinite(base[o]) else na_labels.get(o, "n/a"),
                      style=Style.TOTAL, num_format=fmt),
                 Cell(_val(row["mean"]), style=Style.CALC, num_format=fmt),
                 Cell(_val(row["se"]), style=Style.CALC, num_format=se_fmt),
                 Cell(int(row["missing"]), style=Style.CALC, num_format=COUNT)]
        cells += [Cell(_val(row[f"p{q:g}"]), style=Style.CALC, num_format=fmt) for q in mc.quantiles]
        for j, c in enumerate(cells):
            summ.put(4 + i, j, c)
    r = 4 + len(pct)
    summ.put(r, 0, Cell("Mean, standard error and percentiles are over the valid draws where the output has a "
                        "value; n/a draws are left out of them and counted in 'n/a draws'.", style=Style.NOTE))
    r += 1
    for o, row in pct.items():
        if row["missing"]:
            n = mc.valid - row["missing"]
            what = na_labels.get(o, "n/a")
            summ.put(r, 0, Cell(
                f"{row['label']}: {row['missing']:,} of {mc.valid:,} valid draws ({row['missing'] / mc.valid:.0%}) "
                f"are {what}; its mean and percentiles describe only the other {n:,} draws (e.g. the mean "
                f"payback year of the draws that pay back), not all draws.", style=Style.NOTE))
            r += 1
    ci_top = r + 1
    summ.put(ci_top, 0, Cell("95% confidence intervals of the percentiles (order statistics)",
                             style=Style.SECTION))
    _header(summ, ci_top + 1, ["Output", "Unit", "Bound", "", "", ""] + [f"P{q:g}" for q in mc.quantiles])
    for i, (o, row) in enumerate(pct.items()):
        fmt = number_format(row["unit"])
        for m, (side, name) in enumerate((("lo", "95% CI low"), ("hi", "95% CI high"))):
            rr = ci_top + 2 + 2 * i + m
            if m == 0:
                summ.put(rr, 0, Cell(row["label"], style=Style.LABEL))
                summ.put(rr, 1, Cell(unit_text(row["unit"]), style=Style.UNIT))
            summ.put(rr, 2, Cell(name, style=Style.UNIT))
            for k, q in enumerate(mc.quantiles):
                summ.put(rr, first_q + k, Cell(_val(row[f"p{q:g}_{side}"]), style=Style.CALC, num_format=fmt))
    r = ci_top + 2 + 2 * len(pct) + 1
    summ.put(r, 0, Cell("Probabilities (with 95% Wilson interval)", style=Style.SECTION))
    _header(summ, r + 1, ("Event", "Probability", "CI low", "CI high", "Draws counted",
                          "Draws with event", "n/a draws", "n/a counted as", "Condition"))
    for i, p in enumerate(mc.probabilities):
        how = {"excluded": "left out", "inf": "never"}.get(p["missing_as"], p["missing_as"])
        vals = (p["label"], p["p"], p["lo"], p["hi"], p["n"], p["count"], p["missing"],
                how if p["missing"] else "", p["event"])
        for j, x in enumerate(vals):
            summ.put(r + 2 + i, j, Cell(_val(x) if j in (1, 2, 3) else x,
                                        style=Style.LABEL if j == 0 else Style.NOTE if j == 8 else Style.CALC,
                                        num_format=SHARE if j in (1, 2, 3) else COUNT if j in (4, 5, 6) else None))
    r += 2 + len(mc.probabilities) + 1
    for o, (label, table) in mc.year_distributions.items():
        summ.put(r, 0, Cell(f"{label}: share of valid draws by year (with 95% Wilson interval)",
                            style=Style.SECTION))
        _header(summ, r + 1, ("Year", "", "Share", "CI low", "CI high", "Draws"))
        for i, (year, row) in enumerate(table.iterrows()):
            summ.put(r + 2 + i, 0, Cell(int(year), style=Style.LABEL, num_format="0") if isinstance(year, (int, np.integer))
                     else Cell(str(year), style=Style.LABEL))
            for j, x in ((2, row["share"]), (3, row["lo"]), (4, row["hi"])):
                summ.put(r + 2 + i, j, Cell(_val(x), style=Style.CALC, num_format=SHARE))
            summ.put(r + 2 + i, 5, Cell(int(row["count"]), style=Style.CALC, num_format=COUNT))
        r += 2 + len(table) + 1
    goals = getattr(mc, "precision", None) or []
    if goals:
        summ.put(r, 0, Cell(f"Precision goals: {mc.stop_note}", style=Style.SECTION))
        _header(summ, r + 1, ("Goal", "Estimate", "95% CI low", "95% CI high", "Half-width",
                              "Half-width asked", "Met"))
        for i, g in enumerate(goals):
            fmt = number_format(pct[g["output"]]["unit"])
            summ.put(r + 2 + i, 0, Cell(g["goal"], style=Style.LABEL))
            for j, key in enumerate(("estimate", "lo", "hi", "half_width", "asked")):
                summ.put(r + 2 + i, 1 + j, Cell(_val(g[key]), style=Style.CALC, num_format=fmt))
            summ.put(r + 2 + i, 6, Cell("yes" if g["met"] else "NO", style=Style.CALC))
        r += 2 + len(goals) + 1
    fit_columns(summ, most=60)
    summ.freeze = (4, 1)
    return summ


def _mc_histograms(mc) -> Sheet | None:
    hists = getattr(mc, "histograms", {}) or {}
    if not hists:
        return None
    sheet = Sheet("Histograms")
    _title(sheet, "Distribution of each output", "Share of valid draws in each bin (a year output: each "
           "year); the end bins also hold the draws beyond them; n/a draws (e.g. payback not within the "
           "horizon) as their own bar. Base case in the section title.")
    base = getattr(mc, "base", {}) or {}
    row = 3
    for o, frame in hists.items():
        label, unit = mc.percentiles[o]["label"], mc.percentiles[o]["unit"]
        fmt = number_format(unit)
        b = base.get(o)
        shown = format_value(b, unit) if b is not None and np.isfinite(b) else (getattr(mc, "na_labels", {}) or {}).get(o, "n/a")
        sheet.put(row, 0, Cell(f"{_head(label, unit)} — base case {shown}", style=Style.SECTION))
        _header(sheet, row + 1, (_head("Bin middle" if unit != "year" else "Year", unit), _head("From", unit),
                                 _head("To", unit), "Draws", "Share of draws"))
        top = row + 2
        for i, (b, r) in enumerate(frame.iterrows()):
            rr = top + i
            is_na = isinstance(b, str)
            bin_fmt = "0" if unit == "year" else fmt
            sheet.put(rr, 0, Cell(b if is_na else float(b), style=Style.LABEL, num_format=None if is_na else bin_fmt))
            sheet.put(rr, 1, Cell(_val(r["low"]) if not is_na else "", style=Style.CALC, num_format=fmt))
            sheet.put(rr, 2, Cell(_val(r["high"]) if not is_na else "", style=Style.CALC, num_format=fmt))
            sheet.put(rr, 3, Cell(int(r["count"]), style=Style.CALC, num_format=COUNT))
            sheet.put(rr, 4, Cell(float(r["share"]), style=Style.CALC, num_format=SHARE))
        last = top + max(len(frame), 1) - 1
        if len(frame):
            sheet.charts.append(Chart(
                "column", f"{label}: share of draws", (ChartSeries("Share of draws", _rng("Histograms", top, 0, last, 0),
                                                                   _rng("Histograms", top, 4, last, 4), SERIES_COLORS[0]),),
                (row, 6), x_title=_head(label, unit), y_title="share of draws", y_num_format="0%",
                x_num_format="0" if unit == "year" else fmt, width_px=620, height_px=300, gap=5))
        row = max(last + 3, row + 17)
    fit_columns(sheet, most=40)
    return sheet


def _band_note(mc) -> str:
    """Which draws the bands come from, and what their intervals mean."""
    used = getattr(mc, "band_draws", 0) or mc.draws
    valid = getattr(mc, "band_valid", 0) or mc.valid
    whose = (f"all {mc.draws:,} draws ({valid:,} valid)" if used >= mc.draws else
             f"the first {used:,} of {mc.draws:,} draws ({valid:,} valid), a random sample of them (the "
             f"draws are exchangeable)")
    return (f"Percentiles of each line item by year over {whose}. Below each band: the 95% "
            f"interval of each percentile (order statistics), within which the percentile of "
            f"every draw would lie with 95% confidence.")


def _mc_fan(mc) -> Sheet:
    fan = Sheet("Fan")
    _title(fan, "Per-year bands", _band_note(mc))
    row = 3
    years = [int(y) for y in mc.years]
    intervals = getattr(mc, "band_intervals", {}) or {}
    money = "#,##0.0;[Red]-#,##0.0"
    for key, (label, table) in mc.bands.items():
        fan.put(row, 0, Cell(f"{label} [US$ bn]", style=Style.SECTION))
        _header(fan, row + 1, ["Percentile"])
        for j, y in enumerate(years):
            fan.put(row + 1, 1 + j, Cell(y, style=Style.HEADER, num_format="0"))
        series = []
        for i, q in enumerate(table.index):
            fan.put(row + 2 + i, 0, Cell(f"P{q:g}", style=Style.LABEL))
            for j, y in enumerate(years):
                fan.put(row + 2 + i, 1 + j, Cell(_val(table.loc[q, y]), style=Style.CALC, num_format=money))
            series.append(ChartSeries(f"P{q:g}", _rng("Fan", row + 1, 1, row + 1, len(years)),
                                      _rng("Fan", row + 2 + i, 1, row + 2 + i, len(years)),
                                      SERIES_COLORS[i % len(SERIES_COLORS)]))
        fan.charts.append(Chart("line", f"{label}: P5-P95 fan [US$ bn]", tuple(series),
                                (row, len(years) + 2), y_title="US$ bn", width_px=560, height_px=300))
        r = row + 2 + len(table.index)
        if key in intervals:
            lo, hi = intervals[key]
            for i, q in enumerate(table.index):
                for m, (side, frame) in enumerate((("95% CI low", lo), ("95% CI high", hi))):
                    rr = r + 2 * i + m
                    fan.put(rr, 0, Cell(f"P{q:g} {side}", style=Style.UNIT))
                    for j, y in enumerate(years):
                        fan.put(rr, 1 + j, Cell(_val(frame.loc[q, y]), style=Style.CALC, num_format=money))
            r += 2 * len(table.index)
        row = max(r + 2, row + 17)
    fit_columns(fan, most=30)
    return fan


def _mc_stable(mc) -> Sheet | None:
    """The "Stable at N" sheet: per output, the mean and P5/P50/P95 of the first N draws with
    their 95% intervals against N, as a table and a chart (log scale of N) drawn from it."""
    conv = getattr(mc, "convergence", {}) or {}
    if not conv:
        return None
    name = "Stable at N"
    sheet = Sheet(name)
    _title(sheet, "Stable at N: running estimates against the number of draws",
           "Each row: the statistics of the first N draws (n/a draws left out) and their 95% intervals "
           "(percentiles: order statistics; mean: +-1.96 standard errors). An estimate is stable once its "
           "interval is as narrow as the decision needs.")
    row = 3
    stats = ["mean"] + [c for c in next(iter(conv.values())).columns
                        if c.startswith("p") and not c.endswith(("_lo", "_hi"))]
    for o, frame in conv.items():
        label, unit = mc.percentiles[o]["label"], mc.percentiles[o]["unit"]
        fmt = number_format(unit)
        sheet.put(row, 0, Cell(_head(label, unit), style=Style.SECTION))
        heads = ["Draws N", "With a value"]
        for st in stats:
            shown = "Mean" if st == "mean" else st.upper()
            heads += [shown, f"{shown} 95% low", f"{shown} 95% high"]
        _header(sheet, row + 1, heads)
        top = row + 2
        for i, (n, r) in enumerate(frame.iterrows()):
            sheet.put(top + i, 0, Cell(int(n), style=Style.LABEL, num_format=COUNT))
            sheet.put(top + i, 1, Cell(int(r["values"]), style=Style.CALC, num_format=COUNT))
            for k, st in enumerate(stats):
                for m, col in enumerate((st, f"{st}_lo", f"{st}_hi")):
                    sheet.put(top + i, 2 + 3 * k + m, Cell(_val(r[col]), style=Style.CALC, num_format=fmt))
        last = top + len(frame) - 1
        series = []
        for k, st in enumerate(stats):
            shown = "Mean" if st == "mean" else st.upper()
            color = SERIES_COLORS[k % len(SERIES_COLORS)]
            for m, suffix in enumerate(("", " 95% low", " 95% high")):
                series.append(ChartSeries(shown + suffix, _rng(name, top, 0, last, 0),
                                          _rng(name, top, 2 + 3 * k + m, last, 2 + 3 * k + m), color))
        sheet.charts.append(Chart("scatter", f"{label}: estimates and 95% intervals against draws",
                                  tuple(series), (last + 2, 0), x_title="draws N (log scale)",
                                  y_title=_head(label, unit), y_num_format=fmt, x_num_format="#,##0",
                                  width_px=720, height_px=320, x_log=True))
        row = last + 2 + 17 + 2  # the chart (320 px, ~17 rows) below its table
    fit_columns(sheet, most=24)
    return sheet


def _mc_inputs(mc) -> Sheet:
    inputs = Sheet("Inputs drawn")
    used = getattr(mc, "band_draws", 0) or mc.draws
    whose = "" if used >= mc.draws else f"; P5, P50, P95 and the achieved correlations over the first {used:,} draws"
    _title(inputs, "Inputs drawn", "Each input's distribution as specified and as drawn (valid and invalid draws: "
           f"mean and sd over all {mc.draws:,}{whose}).")
    _header(inputs, 3, ("Input", "Path", "Unit", "Distribution", "Spec mean", "Sample mean", "Sample sd",
                        "P5", "P50", "P95"))
    for i, s in enumerate(mc.input_summary):
        unit = s.get("unit", "")
        fmt = input_format(unit)
        texts = (s["label"], s["path"], unit_text(unit), s["dist"])
        for j, x in enumerate(texts):
            inputs.put(4 + i, j, Cell(x, style=Style.LABEL if j == 0 else Style.UNIT))
        for j, key in enumerate(("spec_mean", "mean", "sd", "p5", "p50", "p95")):
            inputs.put(4 + i, 4 + j, Cell(_val(s[key]), style=Style.CALC, num_format=fmt))
    r = 4 + len(mc.input_summary) + 2
    if mc.correlation_table is not None:
        inputs.put(r, 0, Cell("Rank correlations: target (as specified, repaired if needed) vs achieved", style=Style.SECTION))
        _header(inputs, r + 1, ("Input A", "Input B", "Specified", "Used", "Achieved (Spearman)"))
        for i, c in enumerate(mc.correlation_table):
            for j, x in enumerate(c):
                inputs.put(r + 2 + i, j, Cell(x, style=Style.CALC, num_format="0.000" if j >= 2 else None))
    fit_columns(inputs, most=60)
    return inputs
