"""Pure layouts of the global sensitivity workbooks: Sobol' indices and Morris screening.

Sobol': an Indices sheet (S1 and ST with their 95% intervals per metric, the interval ends
and the interaction share ST - S1 as live formulas, a bar chart), a By year heat map (inputs x
years of a line item), a Convergence sheet ("stable at N": the indices of the top factors on
the first N base points, N = 32, 64, ...), the Inputs sampled and About. Morris: a Screening
sheet (mu*, its interval, mu, sigma per input, a bar chart), the inputs left out (with
--all-inputs) and About.
"""
from __future__ import annotations

import numpy as np

from .analysis import (SERIES_COLORS, _header, _rng, _title, _val, fit_columns, input_format, unit_text)
from ..sensitivity.globalsa import censored_note
from .layout import RunInfo, about_sheet
from .spec import Cell, Chart, ChartSeries, ConditionalFormat, ScalePoint, Sheet, Style, WorkbookSpec, a1

__all__ = ["layout_sobol", "layout_morris", "stable_at", "STABLE_HALF_WIDTH", "TOP_CONVERGENCE",
           "TOP_BARS"]

INDEX = "0.000"
#: An index is "stable" once its 95% interval is narrower than +- this.
STABLE_HALF_WIDTH = 0.05
TOP_CONVERGENCE = 4   # factors drawn on each convergence chart
TOP_BARS = 20         # bars of a Morris chart
HEAT_LOW, HEAT_HIGH = "#FFFFFF", "#4F81BD"


def _factor_label(run, factor: str) -> str:
    t = run.indices
    hit = t.loc[t["factor"] == factor, "factor_label"]
    return str(hit.iloc[0]) if len(hit) else factor


def stable_at(conv, factors, half_width: float = STABLE_HALF_WIDTH) -> int | None:
    """The smallest N from which every one of ``factors`` has S1 and ST intervals within
    +-``half_width`` at every larger N of the table (None: not yet)."""
    t = conv[conv["factor"].isin(factors)]
    worst = t.groupby("n")[["S1_conf", "ST_conf"]].max().max(axis=1)
    found = None
    for n in sorted(worst.index, reverse=True):
        if not worst[n] <= half_width:
            break
        found = int(n)
    return found


# --- Sobol' ----------------------------------------------------------------------------------------

def _index_cell(x: float) -> Cell:
    return Cell(_val(x), style=Style.CALC, num_format=INDEX)


def _indices_sheet(run, scenario: str) -> Sheet:
    r = run.result
    sheet = Sheet("Indices", tab_color="#1F4E79")
    _title(sheet, f"Sobol' indices — {scenario}",
           f"N = {r.indices.n:,} base samples ({r.indices.rows:,} model rows), seed {r.indices.seed}; "
           f"95% bootstrap intervals. {run.group_note[0].upper() + run.group_note[1:]}.")
    sheet.put(2, 0, Cell("S1: the share of the output's variance an input explains alone; ST: its share with "
                         "every interaction (ST - S1: through interactions only). A group's indices are those of "
                         "its inputs together.", style=Style.NOTE))
    row = 4
    heads = ("Rank", "Factor", "Inputs", "S1", "± 95%", "S1 low", "S1 high", "ST", "± 95%", "ST low",
             "ST high", "ST - S1")
    for o in r.outputs:
        label, unit = r.labels[o]
        t = run.indices[run.indices["output"] == o]
        drop = r.indices.dropped.get(o, 0)
        sheet.put(row, 0, Cell(f"{label} [{unit_text(unit) or '-'}]" + (
            f" — {drop:,} of {drop + r.indices.used[o]:,} base points dropped (an n/a row)" if drop else "")
            + censored_note(r, o), style=Style.SECTION))
        _header(sheet, row + 1, heads)
        top = row + 2
        for i, x in enumerate(t.itertuples()):
            rr = top + i
            sheet.put(rr, 0, Cell(int(x.rank), style=Style.CALC, num_format="0"))
            sheet.put(rr, 1, Cell(x.factor_label, style=Style.LABEL))
            sheet.put(rr, 2, Cell(x.inputs, style=Style.UNIT))
            for col, (val, conf) in ((3, (x.S1, x.S1_conf)), (7, (x.ST, x.ST_conf))):
                sheet.put(rr, col, _index_cell(val))
                sheet.put(rr, col + 1, _index_cell(conf))
                if np.isfinite(val) and np.isfinite(conf):
                    sheet.put(rr, col + 2, Cell(float(val - conf), f"={a1(rr, col)}-{a1(rr, col + 1)}",
                                                Style.CALC, INDEX))
                    sheet.put(rr, col + 3, Cell(float(val + conf), f"={a1(rr, col)}+{a1(rr, col + 1)}",
                                                Style.CALC, INDEX))
                else:
                    sheet.put(rr, col + 2, Cell("n/a", style=Style.NA))
                    sheet.put(rr, col + 3, Cell("n/a", style=Style.NA))
            if np.isfinite(x.S1) and np.isfinite(x.ST):
                sheet.put(rr, 11, Cell(float(x.ST - x.S1), f"={a1(rr, 7)}-{a1(rr, 3)}", Style.CALC, INDEX))
            else:
                sheet.put(rr, 11, Cell("n/a", style=Style.NA))
        last = top + len(t) - 1
        total = last + 1
        s1 = t["S1"].to_numpy(dtype=float)
        sheet.put(total, 1, Cell("Sum of S1 (1 - sum: the share of variance from interactions)", style=Style.LABEL))
        sheet.put(total, 3, Cell(float(np.nansum(s1)), f"=SUM({a1(top, 3)}:{a1(last, 3)})", Style.TOTAL, INDEX))
        cats = _rng("Indices", top, 1, last, 1)
        height = max(260, 70 + 26 * len(t))
        sheet.charts.append(Chart(
            "bar", f"{label}: Sobol' indices", (
                ChartSeries("S1 (first order)", cats, _rng("Indices", top, 3, last, 3), SERIES_COLORS[0]),
                ChartSeries("ST (total)", cats, _rng("Indices", top, 7, last, 7), SERIES_COLORS[1])),
            (total + 2, 1), x_title="share of variance", y_num_format="0.0", width_px=720, height_px=height,
            gap=40, reverse_categories=True))  # below its table: beside it, it cut the printed page
        row = total + 2 + int(height / 20) + 3
    fit_columns(sheet, most=70)
    sheet.freeze = (4, 2)
    return sheet


def _heat_table(sheet: Sheet, row: int, title: str, t, factors, years, col: str, labels) -> int:
    sheet.put(row, 0, Cell(title, style=Style.SECTION))
    _header(sheet, row + 1, ["Factor"])
    for j, y in enumerate(years):
        sheet.put(row + 1, 1 + j, Cell(int(y), style=Style.HEADER, num_format="0"))
    top = row + 2
    grid = t.pivot(index="factor", columns="year", values=col)
    for i, f in enumerate(factors):
        sheet.put(top + i, 0, Cell(labels[f], style=Style.LABEL))
        for j, y in enumerate(years):
            sheet.put(top + i, 1 + j, _index_cell(grid.loc[f, y]))
    last = top + len(factors) - 1
    sheet.conditional_formats.append(ConditionalFormat(
        (top, 1), (last, len(years)), "2_color_scale",
        points=(ScalePoint("num", HEAT_LOW, 0.0), ScalePoint("num", HEAT_HIGH, 1.0))))
    return last + 2


def _by_year_sheet(run) -> Sheet | None:
    r = run.result
    if not r.items:
        return None
    sheet = Sheet("By year")
    _title(sheet, "Sobol' indices by year",
           "Each year of a line item is an output of its own: which inputs drive it, and when the leaders change. "
           "White = 0, blue = 1 (the whole variance); n/a where the item does not vary that year.")
    row = 3
    for item in r.items:
        t = run.by_year[run.by_year["item"] == item]
        if not len(t):
            continue
        years = sorted(int(y) for y in t["year"].unique())
        order = (t.groupby("factor")["ST"].max().fillna(-1).sort_values(ascending=False).index.tolist())
        labels = dict(zip(t["factor"], t["factor_label"]))
        name = r.labels[f"{item}@{years[0]}"][0].rsplit(" ", 1)[0]
        row = _heat_table(sheet, row, f"{name} ({item}): total index ST", t, order, years, "ST", labels)
        row = _heat_table(sheet, row, f"{name} ({item}): first-order index S1", t, order, years, "S1", labels)
        sheet.put(row, 0, Cell(f"{name}: the factor with the largest ST each year", style=Style.SECTION))
        _header(sheet, row + 1, ("Year: factor", "ST", "S1"))
        lead = run.leaders(item)
        for i, x in enumerate(lead.itertuples()):
            sheet.put(row + 2 + i, 0, Cell(f"{int(x.year)}: {x.leader}", style=Style.LABEL))
            sheet.put(row + 2 + i, 1, _index_cell(x.ST))
            sheet.put(row + 2 + i, 2, _index_cell(x.S1))
        row += 2 + len(lead) + 2
    fit_columns(sheet, most=60)
    sheet.col_widths.update({j: max(sheet.col_widths.get(j, 0), 7) for j in range(1, 40)})
    sheet.freeze = (3, 1)
    return sheet


def _convergence_sheet(run) -> Sheet:
    r = run.result
    sheet = Sheet("Convergence")
    _title(sheet, "Stable at N: the indices on the first N base points",
           f"The top {TOP_CONVERGENCE} factors of each output by ST; lines: estimates, thin lines of the same colour: "
           f"their 95% intervals. Stable: every interval within ±{STABLE_HALF_WIDTH:g} from that N on.")
    row = 3
    conv = run.convergence
    for o in r.outputs:
        label, _ = r.labels[o]
        t = run.indices[run.indices["output"] == o]
        top_f = [f for f in t.sort_values("rank")["factor"] if f in set(conv.loc[conv["output"] == o, "factor"])]
        top_f = top_f[:TOP_CONVERGENCE]
        c = conv[conv["output"] == o]
        if not len(c) or not top_f:
            continue
        ns = sorted(int(n) for n in c["n"].unique())
        at = stable_at(c, top_f)
        verdict = (f"stable at N = {at:,}" if at is not None else
                   f"not yet stable at N = {ns[-1]:,}: use more --samples")
        sheet.put(row, 0, Cell(f"{label}: {verdict}", style=Style.SECTION))
        for k, f in enumerate(top_f):  # a row of factor names over their six columns
            sheet.put(row + 1, 1 + 6 * k, Cell(_factor_label(run, f), style=Style.SECTION))
        _header(sheet, row + 2, ["N"] + ["S1", "S1 low", "S1 high", "ST", "ST low", "ST high"] * len(top_f))
        row += 1
        top = row + 2
        for i, n in enumerate(ns):
            sheet.put(top + i, 0, Cell(n, style=Style.LABEL, num_format="#,##0"))
            for k, f in enumerate(top_f):
                x = c[(c["n"] == n) & (c["factor"] == f)].iloc[0]
                vals = (x.S1, x.S1 - x.S1_conf, x.S1 + x.S1_conf, x.ST, x.ST - x.ST_conf, x.ST + x.ST_conf)
                for m, v in enumerate(vals):
                    sheet.put(top + i, 1 + 6 * k + m, _index_cell(v))
        last = top + len(ns) - 1
        cats = _rng("Convergence", top, 0, last, 0)
        for chart_k, (side, offset) in enumerate((("ST", 3), ("S1", 0))):
            series, hidden = [], []
            for k, f in enumerate(top_f):
                color = SERIES_COLORS[k % len(SERIES_COLORS)]
                base = 1 + 6 * k + offset
                series.append(ChartSeries(_factor_label(run, f), cats, _rng("Convergence", top, base, last, base), color))
                for extra in (1, 2):
                    hidden.append(len(series))
                    series.append(ChartSeries(f"{_factor_label(run, f)} 95% {'low' if extra == 1 else 'high'}", cats,
                                              _rng("Convergence", top, base + extra, last, base + extra), color))
            sheet.charts.append(Chart(
                "line", f"{label}: {side} against N", tuple(series), (last + 2, 8 * chart_k),
                x_title="base samples N", y_title=side, y_num_format="0.00", width_px=560, height_px=320,
                legend_hidden=tuple(hidden)))
        row = last + 2 + 18
    fit_columns(sheet, most=28)
    return sheet


def _inputs_sheet(run) -> Sheet:
    r = run.result
    sheet = Sheet("Inputs")
    _title(sheet, "Inputs sampled", "The spec's inputs with a distribution; each belongs to one factor (itself, or a "
           "group of correlated inputs).")
    _header(sheet, 3, ("Input", "Label", "Path", "Unit", "Distribution", "Factor"))
    factor_of = {n: " + ".join(g) for g in r.indices.groups for n in g}
    for i, (v, d) in enumerate(zip(r.variations, r.dists)):
        fields = {k: x for k, x in d.model_dump(by_alias=True).items() if x is not None}
        dist = f"{fields.pop('dist', d.kind.value)}(" + ", ".join(f"{k}={x:g}" if isinstance(x, float) else f"{k}={x}"
                                                                   for k, x in fields.items()) + ")"
        for j, x in enumerate((v.name, v.label, v.path, "factor" if v.scale else unit_text(v.unit), dist,
                               factor_of.get(v.name, v.name))):
            sheet.put(4 + i, j, Cell(x, style=Style.LABEL if j == 0 else Style.UNIT))
    row = 4 + len(r.variations) + 1
    sheet.put(row, 0, Cell("Correlations (Spearman) of the spec between these inputs", style=Style.SECTION))
    _header(sheet, row + 1, ("Input A", "Input B", "Spearman", "Used"))
    for i, (a, b, rho) in enumerate(r.spec_correlations):
        for j, x in enumerate((a, b, float(rho), "no (--independent)" if r.independent else "yes: one group")):
            sheet.put(row + 2 + i, j, Cell(x, style=Style.CALC if j == 2 else Style.LABEL,
                                           num_format="0.00" if j == 2 else None))
    if not r.spec_correlations:
        sheet.put(row + 2, 0, Cell("none", style=Style.NOTE))
    fit_columns(sheet, most=60)
    return sheet


def layout_sobol(run, scenario: str, info: RunInfo) -> WorkbookSpec:
    """``run``: a :class:`finmodel.globalruns.SobolRun`."""
    from importlib import metadata
    r = run.result
    by_year = _by_year_sheet(run)
    extra = [("Base samples N", f"{r.indices.n:,}"), ("Model rows", f"{r.indices.rows:,}"),
             ("Seed", str(r.indices.seed)),
             ("Sampling", f"scrambled Sobol' sequence, Saltelli's scheme without second-order indices "
                          f"(SALib {metadata.version('SALib')}); inputs by their inverse CDFs"),
             ("Correlated inputs", run.group_note),
             ("Rows outside an input's bounds", f"{r.invalid_rows:,}")]
    sheets = [_indices_sheet(run, scenario)] + ([by_year] if by_year else []) + \
        [_convergence_sheet(run), _inputs_sheet(run), about_sheet(scenario, info, extra)]
    return WorkbookSpec(sheets, title=f"finmodel Sobol' indices — {scenario}")


# --- Morris ----------------------------------------------------------------------------------------

def _screening_sheet(run, scenario: str) -> Sheet:
    r = run.result
    sheet = Sheet("Screening", tab_color="#1F4E79")
    _title(sheet, f"Morris screening — {scenario}", run._summary_line() + ".")
    sheet.put(2, 0, Cell("mu*: mean absolute change of the output when the input moves across its range "
                         "(importance); mu: signed mean (the direction, when it never changes); sigma: spread of "
                         "the changes (interactions or non-linearity). 95% bootstrap interval of mu*.",
                         style=Style.NOTE))
    row = 4
    for o in r.outputs:
        label, unit = r.labels[o]
        fmt = "#,##0.0" if unit not in ("fraction", "year", "x") else ("0.0%" if unit == "fraction" else "0.00")
        t = run.effects[run.effects["output"] == o]
        drop = r.indices.dropped.get(o, 0)
        u = unit_text(unit) or "-"
        sheet.put(row, 0, Cell(f"{label} [{u}]" + (f" — {drop:,} trajectories dropped (an n/a row)" if drop else "")
                               + censored_note(r, o), style=Style.SECTION))
        _header(sheet, row + 1, ("Rank", "Input", "Path", "Low", "High", "Input unit", f"mu* [{u}]",
                                 f"± 95% [{u}]", f"mu [{u}]", f"sigma [{u}]"))
        top = row + 2
        for i, x in enumerate(t.itertuples()):
            rr = top + i
            ifmt = input_format(x.input_unit)
            cells = (Cell(int(x.rank), style=Style.CALC, num_format="0"), Cell(x.label, style=Style.LABEL),
                     Cell(x.path, style=Style.UNIT), Cell(_val(x.low), style=Style.CALC, num_format=ifmt),
                     Cell(_val(x.high), style=Style.CALC, num_format=ifmt),
                     Cell(unit_text(x.input_unit), style=Style.UNIT),
                     Cell(_val(x.mu_star), style=Style.CALC, num_format=fmt),
                     Cell(_val(x.mu_star_conf), style=Style.CALC, num_format=fmt),
                     Cell(_val(x.mu), style=Style.CALC, num_format=fmt),
                     Cell(_val(x.sigma), style=Style.CALC, num_format=fmt))
            for j, c in enumerate(cells):
                sheet.put(rr, j, c)
        last = top + len(t) - 1
        shown = min(len(t), TOP_BARS)
        cats = _rng("Screening", top, 1, top + shown - 1, 1)
        height = max(260, 70 + 22 * shown)
        sheet.charts.append(Chart(
            "bar", f"{label}: the {shown} largest mu*", (
                ChartSeries("mu*", cats, _rng("Screening", top, 6, top + shown - 1, 6), SERIES_COLORS[0]),
                ChartSeries("sigma", cats, _rng("Screening", top, 9, top + shown - 1, 9), SERIES_COLORS[1])),
            (last + 2, 1), x_title=f"{label} [{u}]", y_num_format=fmt, width_px=720, height_px=height, gap=40,
            reverse_categories=True))  # below its table, within the printed page's width
        row = last + 2 + int(height / 20) + 3
    fit_columns(sheet, most=60)
    sheet.freeze = (4, 2)
    return sheet


def _left_out_sheet(run) -> Sheet | None:
    r = run.result
    if not r.all_inputs:
        return None
    sheet = Sheet("Left out")
    _title(sheet, "Inputs not screened", "Every other input of the scenario is screened; these are not, and why.")
    _header(sheet, 3, ("Input", "Why"))
    for i, (path, why) in enumerate(r.left_out):
        sheet.put(4 + i, 0, Cell(path, style=Style.LABEL))
        sheet.put(4 + i, 1, Cell(why, style=Style.TEXT))
    fit_columns(sheet, most=90)
    return sheet


def layout_morris(run, scenario: str, info: RunInfo) -> WorkbookSpec:
    """``run``: a :class:`finmodel.globalruns.MorrisRun`."""
    from importlib import metadata
    r = run.result
    left = _left_out_sheet(run)
    extra = [("Trajectories", f"{r.indices.trajectories:,}"), ("Levels", str(r.indices.levels)),
             ("Model rows", f"{r.indices.rows:,}"), ("Seed", str(r.indices.seed)),
             ("Sampling", f"Morris trajectories (SALib {metadata.version('SALib')}); levels by each input's inverse "
                          "CDF (an unbounded side: its 1st/99th percentile)"),
             ("Inputs", f"every input of the scenario, -/+ {r.change:g} around base" if r.all_inputs
              else "the spec's inputs with a distribution"),
             ("Rows outside an input's bounds", f"{r.invalid_rows:,}")]
    sheets = [_screening_sheet(run, scenario)] + ([left] if left else []) + [about_sheet(scenario, info, extra)]
    return WorkbookSpec(sheets, title=f"finmodel Morris screening — {scenario}")

