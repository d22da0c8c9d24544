"""Pure layouts of the analysis workbooks: tornado/spider, grid, solve, Monte Carlo.

These workbooks report many engine runs, so their tables hold values (each point is a run
of the live scenario model, reproducible from the spec and seed recorded on the sheets).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..tables import format_value
from .formats import number_format
from .layout import RunInfo, about_sheet as _about
from .spec import Cell, Chart, ChartSeries, ConditionalFormat, Sheet, Style, WorkbookSpec, abs_a1, quote_sheet

__all__ = ["layout_tornado", "layout_grid", "layout_solve", "layout_montecarlo"]

PALETTE = ("#1F4E79", "#ED7D31", "#70AD47", "#A5A5A5", "#7030A0", "#C00000", "#FFC000",
           "#4472C4", "#264478", "#9E480E")


def _val(x) -> float | str:
    if x is None:
        return "n/a"
    x = float(x)
    return "n/a" if not math.isfinite(x) else x


def _header(sheet: Sheet, row: int, heads: Sequence[str], col: int = 0) -> None:
    for j, h in enumerate(heads):
        sheet.put(row, col + j, Cell(h, style=Style.HEADER))


def _title(sheet: Sheet, title: str, subtitle: str) -> None:
    sheet.put(0, 0, Cell(title, style=Style.TITLE))
    sheet.put(1, 0, Cell(subtitle, style=Style.SUBTITLE))


def _rng(sheet: str, r0: int, c0: int, r1: int, c1: int) -> str:
    return f"={quote_sheet(sheet)}!{abs_a1(r0, c0)}:{abs_a1(r1, c1)}"


def _spec_sheet(variations) -> Sheet:
    sheet = Sheet("Spec")
    _title(sheet, "Inputs varied", "From the sensitivity spec; scale inputs multiply every year by a factor.")
    _header(sheet, 3, ("Input", "Path", "Scale?", "Base", "Low", "High", "Rationale / source"))
    for i, v in enumerate(variations):
        vals = (v.label, v.path, "factor" if v.scale else "value", v.base, v.low, v.high, v.rationale)
        for j, x in enumerate(vals):
            sheet.put(4 + i, j, Cell(x, style=Style.INPUT if j in (3, 4, 5) else Style.NOTE,
                                     num_format="General" if j in (3, 4, 5) else None))
    sheet.col_widths.update({0: 30, 1: 45, 2: 8, 3: 10, 4: 10, 5: 10, 6: 90})
    return sheet


# --- tornado ---------------------------------------------------------------------------------------

def layout_tornado(result, variations, labels: dict[str, tuple[str, str]], scenario: str,
                   run: RunInfo) -> WorkbookSpec:
    """Tornado (bar) and spider (scatter) per output. ``labels``: output -> (label, unit)."""
    tsheet = Sheet("Tornado", tab_color="#1F4E79")
    _title(tsheet, f"Tornado — {scenario}", "One-way swings: each input at its low and high with the "
           "others at base; ranked by swing. Bars show the change from the base value.")
    ssheet = Sheet("Spider")
    _title(ssheet, f"Spider — {scenario}", "Each output as one input moves from its low to its high "
           "(x: change of the input from its base, as a fraction).")
    row = 3
    srow = 3
    for o, (label, unit) in labels.items():
        fmt = number_format(unit)
        table = result.swings[result.swings["output"] == o].sort_values("rank")
        base = result.base[o]
        tsheet.put(row, 0, Cell(f"{label} [{unit}] — base {format_value(base, unit)}", style=Style.SECTION))
        _header(tsheet, row + 1, ("Input", "Input low", "Input high", "Output at low",
                                  "Output at high", "Swing", "Rank", "Change at low", "Change at high"))
        top = row + 2
        for i, r in enumerate(table.itertuples()):
            rr = top + i
            tsheet.put(rr, 0, Cell(r.label, style=Style.LABEL))
            tsheet.put(rr, 1, Cell(float(r.input_low), style=Style.CALC, num_format="General"))
            tsheet.put(rr, 2, Cell(float(r.input_high), style=Style.CALC, num_format="General"))
            tsheet.put(rr, 3, Cell(_val(r.output_low), style=Style.CALC, num_format=fmt))
            tsheet.put(rr, 4, Cell(_val(r.output_high), style=Style.CALC, num_format=fmt))
            tsheet.put(rr, 5, Cell(_val(r.swing), style=Style.CALC, num_format=fmt))
            tsheet.put(rr, 6, Cell(int(r.rank), style=Style.CALC, num_format="0"))
            tsheet.put(rr, 7, Cell(_val(r.output_low - base), style=Style.CALC, num_format=fmt))
            tsheet.put(rr, 8, Cell(_val(r.output_high - base), style=Style.CALC, num_format=fmt))
        last = top + len(table) - 1
        cats = _rng("Tornado", top, 0, last, 0)
        height = max(220, 60 + 28 * len(table))
        tsheet.charts.append(Chart(
            "bar", f"{label}: change from base ({unit})",
            (ChartSeries("Input at low", cats, _rng("Tornado", top, 7, last, 7), PALETTE[0]),
             ChartSeries("Input at high", cats, _rng("Tornado", top, 8, last, 8), PALETTE[1])),
            (row, 10), x_title=f"change in {label} ({unit})", y_num_format=fmt, width_px=560,
            height_px=height, gap=40, overlap=100, reverse_categories=True))
        row = max(last + 3, row + 2 + int(height / 20) + 1)
        # spider block
        sp = result.spider[result.spider["output"] == o]
        ssheet.put(srow, 0, Cell(f"{label} [{unit}]", style=Style.SECTION))
        block_top = srow
        series = []
        srow += 1
        for k, (name, grp) in enumerate(sp.groupby("input", sort=False)):
            _header(ssheet, srow, (grp["label"].iloc[0], "Change of input", label))
            for i, r in enumerate(grp.itertuples()):
                ssheet.put(srow + 1 + i, 0, Cell(float(r.input_value), style=Style.CALC, num_format="General"))
                ssheet.put(srow + 1 + i, 1, Cell(_val(r.change_fraction), style=Style.CALC, num_format="0%"))
                ssheet.put(srow + 1 + i, 2, Cell(_val(r.value), style=Style.CALC, num_format=fmt))
            end = srow + len(grp)
            series.append(ChartSeries(grp["label"].iloc[0], _rng("Spider", srow + 1, 1, end, 1),
                                      _rng("Spider", srow + 1, 2, end, 2), PALETTE[k % len(PALETTE)]))
            srow = end + 2
        ssheet.charts.append(Chart("scatter", f"Spider: {label}", tuple(series),
                                   (block_top, 4),
                                   x_title="change of the input from base", y_title=f"{label} ({unit})",
                                   y_num_format=fmt, x_num_format="0%", width_px=620, height_px=360))
        srow += 2
    tsheet.col_widths.update({0: 34, 1: 11, 2: 11, 3: 14, 4: 14, 5: 11, 6: 6, 7: 12, 8: 12})
    ssheet.col_widths.update({0: 30, 1: 14, 2: 14})
    extra = [("Invalid points (inputs outside their bounds; shown as n/a)", str(result.invalid_points))]
    return WorkbookSpec([tsheet, ssheet, _spec_sheet(variations), _about(scenario, run, extra)],
                        title=f"finmodel tornado — {scenario}")


# --- grid ----------------------------------------------------------------------------------------

def layout_grid(g, label: tuple[str, str], scenario: str, run: RunInfo) -> WorkbookSpec:
    out_label, unit = label
    fmt = number_format(unit)
    sheet = Sheet("Grid", tab_color="#1F4E79")
    _title(sheet, f"{out_label} — two-way table ({scenario})",
           f"Rows: {g.y.label} ({g.y.path}); columns: {g.x.label} ({g.x.path}). Heat map: red low, green high. "
           f"Base point: {g.x.label} = {g.x.base:g}, {g.y.label} = {g.y.base:g} -> {format_value(g.base, unit)}.")
    sheet.put(3, 0, Cell(f"{g.y.label} \\ {g.x.label}", style=Style.HEADER))
    for j, x in enumerate(g.xs):
        sheet.put(3, 1 + j, Cell(float(x), style=Style.HEADER, num_format="General"))
    bx = int(np.argmin(np.abs(g.xs - g.x.base)))
    by = int(np.argmin(np.abs(g.ys - g.y.base)))
    for i, y in enumerate(g.ys):
        sheet.put(4 + i, 0, Cell(float(y), style=Style.HEADER, num_format="General"))
        for j in range(len(g.xs)):
            base_cell = (i, j) == (by, bx)  # the grid point nearest the base: bold
            sheet.put(4 + i, 1 + j, Cell(_val(g.values[i, j]), style=Style.TOTAL if base_cell else Style.CALC,
                                         num_format=fmt))
    last_r, last_c = 4 + len(g.ys) - 1, len(g.xs)
    sheet.conditional_formats.append(ConditionalFormat((4, 1), (last_r, last_c), "3_color_scale"))
    note = last_r + 2
    sheet.put(note, 0, Cell(f"Bold: the grid point nearest the base, row {g.ys[by]:g}, column {g.xs[bx]:g} "
                            f"(value {format_value(float(g.values[by, bx]), unit)}); exact base value "
                            f"{format_value(g.base, unit)}.", style=Style.NOTE))
    sheet.put(note + 1, 0, Cell(f"Invalid points (inputs outside their bounds, shown as n/a): {g.invalid_points}",
                                style=Style.NOTE))
    sheet.col_widths.update({0: 22})
    sheet.col_widths.update({1 + j: 10 for j in range(len(g.xs))})
    sheet.freeze = (4, 1)
    return WorkbookSpec([sheet, _spec_sheet((g.x, g.y)), _about(scenario, run)],
                        title=f"finmodel grid — {scenario}")


# --- solve ---------------------------------------------------------------------------------------

def layout_solve(solutions, labels: dict[str, tuple[str, str]], scenario: str, run: RunInfo) -> WorkbookSpec:
    sheet = Sheet("Solve", tab_color="#1F4E79")
    _title(sheet, f"Break-even / goal seek — {scenario}",
           "The value of one input at which an output reaches its target, all other inputs at base.")
    _header(sheet, 3, ("Output", "Target", "Input varied", "Lower bound", "Upper bound", "Base value",
                       "Solution", "Output at solution", "Result"))
    for i, s in enumerate(solutions):
        label, unit = labels[s.target.output]
        v = s.target.vary
        vals = (label, s.target.value, v.path, v.low, v.high, v.base, _val(s.value), _val(s.achieved),
                s.message)
        for j, x in enumerate(vals):
            sheet.put(4 + i, j, Cell(x, style=Style.TEXT if j == 8 else Style.CALC,
                                     num_format="General" if j in (1, 3, 4, 5, 6, 7) else None))
    sheet.col_widths.update({0: 34, 1: 10, 2: 40, 3: 11, 4: 11, 5: 11, 6: 14, 7: 14, 8: 90})
    return WorkbookSpec([sheet, _about(scenario, run)], title=f"finmodel solve — {scenario}")


# --- Monte Carlo -------------------------------------------------------------------------------

def layout_montecarlo(mc, scenario: str, run: RunInfo) -> WorkbookSpec:
    """``mc``: a :class:`finmodel.sensitivity.montecarlo.MonteCarloResult`."""
    summ = Sheet("Summary", tab_color="#1F4E79")
    _title(summ, f"Monte Carlo — {scenario}",
           f"{mc.draws:,} draws ({mc.valid:,} valid, {mc.draws - mc.valid:,} excluded as invalid); seed "
           f"{mc.seed}; {'Latin hypercube' if mc.lhs else 'random'} sampling; correlation: {mc.correlation_note}")
    pct = mc.percentiles
    heads = ["Output", "Unit", "Mean", "Std error", "n/a draws"] + [f"P{q:g}" for q in mc.quantiles]
    _header(summ, 3, heads)
    ci_top = 4 + len(pct) + 2
    summ.put(ci_top, 0, Cell("95% confidence intervals of the percentiles (order statistics)",
                             style=Style.SECTION))
    _header(summ, ci_top + 1, ["Output", "Unit", "", "", ""] +
            [f"P{q:g} {side}" for q in mc.quantiles for side in ("low", "high")])
    for i, (o, row) in enumerate(pct.items()):
        fmt = number_format(row["unit"])
        vals = [row["label"], row["unit"], _val(row["mean"]), _val(row["se"]), row["missing"]]
        vals += [_val(row[f"p{q:g}"]) for q in mc.quantiles]
        for j, x in enumerate(vals):
            se_fmt = "0.00" if row["unit"] == "year" else fmt  # a year's standard error needs decimals
            summ.put(4 + i, j, Cell(x, style=Style.LABEL if j == 0 else Style.CALC,
                                    num_format=None if j in (0, 1) else
                                    ("0" if j == 4 else se_fmt if j == 3 else fmt)))
        summ.put(ci_top + 2 + i, 0, Cell(row["label"], style=Style.LABEL))
        summ.put(ci_top + 2 + i, 1, Cell(row["unit"], style=Style.UNIT))
        for k, q in enumerate(mc.quantiles):
            for m, side in enumerate(("lo", "hi")):
                summ.put(ci_top + 2 + i, 5 + 2 * k + m, Cell(_val(row[f"p{q:g}_{side}"]), style=Style.CALC,
                                                             num_format=fmt))
    r = ci_top + 2 + len(pct) + 1
    summ.put(r, 0, Cell("Probabilities (with 95% Wilson interval)", style=Style.SECTION))
    _header(summ, r + 1, ("Event", "Condition", "Probability", "CI low", "CI high", "Draws counted",
                          "Draws with event", "n/a draws", "n/a counted as"))
    for i, p in enumerate(mc.probabilities):
        how = {"excluded": "left out", "inf": "never (no event before any year)"}.get(p["missing_as"], p["missing_as"])
        vals = (p["label"], p["event"], p["p"], p["lo"], p["hi"], p["n"], p["count"], p["missing"],
                how if p["missing"] else "")
        for j, x in enumerate(vals):
            summ.put(r + 2 + i, j, Cell(_val(x) if j in (2, 3, 4) else x, style=Style.CALC if j else Style.LABEL,
                                        num_format="0.0%" if j in (2, 3, 4) else "#,##0" if j in (5, 6, 7) else None))
    r += 2 + len(mc.probabilities) + 1
    for o, (label, table) in mc.year_distributions.items():
        summ.put(r, 0, Cell(f"{label}: share of valid draws by year (with 95% Wilson interval)",
                            style=Style.SECTION))
        _header(summ, r + 1, ("Year", "", "Share", "CI low", "CI high", "Draws"))
        for i, (year, row) in enumerate(table.iterrows()):
            vals = (str(year), "", row["share"], row["lo"], row["hi"], int(row["count"]))
            for j, x in enumerate(vals):
                summ.put(r + 2 + i, j, Cell(_val(x) if j in (2, 3, 4) else x,
                                            style=Style.CALC if j else Style.LABEL,
                                            num_format="0.0%" if j in (2, 3, 4) else "#,##0" if j == 5 else None))
        r += 2 + len(table) + 1
    summ.col_widths.update({0: 44, 1: 9})
    summ.col_widths.update({j: 10 for j in range(2, 5 + 2 * len(mc.quantiles))})
    fan = Sheet("Fan")
    _title(fan, "Per-year bands", "Percentiles of each line item across valid draws, by year.")
    row = 3
    years = [int(y) for y in mc.years]
    for k, (key, (label, table)) in enumerate(mc.bands.items()):
        fan.put(row, 0, Cell(f"{label} (US$ bn)", style=Style.SECTION))
        _header(fan, row + 1, ["Percentile"] + [str(y) for y in years])
        series = []
        for i, q in enumerate(table.index):
            fan.put(row + 2 + i, 0, Cell(f"P{q:g}", style=Style.LABEL))
            for j, y in enumerate(years):
                fan.put(row + 2 + i, 1 + j, Cell(_val(table.loc[q, y]), style=Style.CALC,
                                                 num_format="#,##0.0;[Red]-#,##0.0"))
            series.append(ChartSeries(f"P{q:g}", _rng("Fan", row + 1, 1, row + 1, len(years)),
                                      _rng("Fan", row + 2 + i, 1, row + 2 + i, len(years)),
                                      PALETTE[i % len(PALETTE)]))
        fan.charts.append(Chart("line", f"{label}: P5-P95 fan (US$ bn)", tuple(series),
                                (row, len(years) + 2), y_title="US$ bn", width_px=560, height_px=300))
        row += max(len(table.index) + 4, 17)
    fan.col_widths.update({0: 12})
    inputs = Sheet("Inputs drawn")
    _title(inputs, "Inputs drawn", "Each input's distribution as specified and as drawn (valid and invalid draws).")
    _header(inputs, 3, ("Input", "Path", "Distribution", "Spec mean", "Sample mean", "Sample sd", "P5", "P50", "P95"))
    for i, s in enumerate(mc.input_summary):
        vals = (s["label"], s["path"], s["dist"], _val(s["spec_mean"]), s["mean"], s["sd"], s["p5"], s["p50"], s["p95"])
        for j, x in enumerate(vals):
            inputs.put(4 + i, j, Cell(x, style=Style.CALC if j >= 3 else Style.NOTE,
                                      num_format="General" if j >= 3 else None))
    r = 4 + len(mc.input_summary) + 2
    if mc.correlation_table is not None:
        inputs.put(r, 0, Cell("Rank correlations: target (as specified, repaired if needed) vs achieved", style=Style.SECTION))
        _header(inputs, r + 1, ("Input A", "Input B", "Specified", "Used", "Achieved (Spearman)"))
        for i, c in enumerate(mc.correlation_table):
            for j, x in enumerate(c):
                inputs.put(r + 2 + i, j, Cell(x, style=Style.CALC, num_format="0.000" if j >= 2 else None))
    inputs.col_widths.update({0: 30, 1: 42, 2: 40})
    inputs.col_widths.update({j: 11 for j in range(3, 9)})
    extra = [("Draws", f"{mc.draws}"), ("Valid draws", f"{mc.valid}"), ("Seed", str(mc.seed)),
             ("Sampling", "Latin hypercube" if mc.lhs else "pseudo-random (PCG64)")]
    return WorkbookSpec([summ, fan, inputs, _about(scenario, run, extra)],
                        title=f"finmodel Monte Carlo — {scenario}")
