"""Pure layout of the comparison workbook: scenarios side by side.

Sheets: **Compare** (the headline metrics per scenario and each one's difference from the
first, as formulas), **By year** (key line items by year, one row per scenario, each with an
overlaid line chart), **Inputs that differ** (path, each scenario's value, unit and basis) and
**About** (the run record). Values come from each scenario's own run.
"""
from __future__ import annotations

import numpy as np

from .analysis import SERIES_COLORS, _head, _header, _title, fit_columns, input_format, unit_text
from .formats import number_format
from .layout import RunInfo, about_sheet
from .spec import Cell, Chart, ChartSeries, Sheet, Style, WorkbookSpec, a1, abs_a1, quote_sheet

__all__ = ["layout_compare", "COMPARE_SHEET", "BY_YEAR_SHEET"]

COMPARE_SHEET, BY_YEAR_SHEET = "Compare", "By year"
FIRST = 4  # first table row under the header


def _number(x) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None


def _compare_sheet(cmp, metrics) -> Sheet:
    names = cmp.names
    n = len(names)
    sheet = Sheet(COMPARE_SHEET, tab_color="#1F4E79")
    _title(sheet, "Scenarios side by side: " + ", ".join(names),
           f"The headline metrics of each scenario's own run, and each one's difference from {names[0]}.")
    _header(sheet, 3, ["Metric", "Unit", *names, *(f"{x} − {names[0]}" for x in names[1:])])
    tables = [r.metrics.set_index("metric") for r in cmp.runs]
    for i, m in enumerate(metrics):
        row = FIRST + i
        label, unit = tables[0].loc[m, "label"], tables[0].loc[m, "unit"]
        fmt = number_format(unit)
        sheet.put(row, 0, Cell(label, style=Style.LABEL))
        sheet.put(row, 1, Cell(unit_text(unit), style=Style.UNIT))
        values = [_number(t.loc[m, "value"]) for t in tables]
        for j, (v, t) in enumerate(zip(values, tables)):
            sheet.put(row, 2 + j, Cell(v, style=Style.CALC, num_format=fmt) if v is not None
                      else Cell(str(t.loc[m, "text"]), style=Style.NA))
        for j in range(1, n):
            if values[j] is None or values[0] is None:
                cell = Cell("n/a", style=Style.NA)
            else:
                cell = Cell(values[j] - values[0], f"={a1(row, 2 + j)}-{a1(row, 2)}", Style.CALC, fmt)
            sheet.put(row, 1 + n + j, cell)
    sheet.freeze = (FIRST, 1)
    fit_columns(sheet, most=60)
    return sheet


def _by_year_sheet(cmp, items) -> Sheet:
    names = cmp.names
    sheet = Sheet(BY_YEAR_SHEET)
    _title(sheet, "Key line items by year", "One row per scenario (each scenario's own run); the charts "
           "overlay the scenarios.")
    first = cmp.runs[0].line_items
    years = sorted(int(y) for y in first["year"].unique())
    row = 3
    for item in items:
        rows = first[first["line_item"] == item]
        if rows.empty:
            continue
        label, unit = rows["label"].iloc[0], rows["unit"].iloc[0]
        fmt = number_format(unit)
        sheet.put(row, 0, Cell(_head(label, unit), style=Style.SECTION))
        _header(sheet, row + 1, ["Scenario", *[str(y) for y in years]])
        for k, y in enumerate(years):
            sheet.put(row + 1, 1 + k, Cell(y, style=Style.HEADER, num_format="0"))
        series = []
        for s, (name, r) in enumerate(zip(names, cmp.runs)):
            rr = row + 2 + s
            t = r.line_items[r.line_items["line_item"] == item].set_index("year")["value"]
            sheet.put(rr, 0, Cell(name, style=Style.LABEL))
            for k, y in enumerate(years):
                v = _number(t.get(y))
                sheet.put(rr, 1 + k, Cell(v if v is not None else "n/a",
                                          style=Style.CALC if v is not None else Style.NA, num_format=fmt))
            series.append(ChartSeries(name, f"={quote_sheet(BY_YEAR_SHEET)}!{abs_a1(row + 1, 1)}:"
                                            f"{abs_a1(row + 1, len(years))}",
                                      f"={quote_sheet(BY_YEAR_SHEET)}!{abs_a1(rr, 1)}:{abs_a1(rr, len(years))}",
                                      SERIES_COLORS[s % len(SERIES_COLORS)]))
        chart_row = row + 3 + len(names)
        sheet.charts.append(Chart("line", f"{label} [{unit_text(unit) or '-'}]", tuple(series), (chart_row, 0),
                                  y_title=unit_text(unit), y_num_format=fmt, width_px=820, height_px=300,
                                  x_font_pt=8))
        row = chart_row + 17
    sheet.freeze = (3, 1)
    fit_columns(sheet, most=40)
    return sheet


def _inputs_sheet(cmp) -> Sheet:
    names = cmp.names
    sheet = Sheet("Inputs that differ")
    _title(sheet, "Inputs that differ", "Every input whose value differs between the scenarios (a per-year "
           "input: one row per differing year, as --set names it); blank: the scenario has no such input.")
    _header(sheet, 3, ["Input (path)", "Label", "Block", "Unit", *names, *(f"Basis in {n}" for n in names)])
    for r, d in enumerate(cmp.differences, start=FIRST):
        fmt = input_format(d.unit)
        for j, x in enumerate((d.key, d.label, d.block, unit_text(d.unit) or d.unit)):
            sheet.put(r, j, Cell(x, style=Style.LABEL))
        for j, v in enumerate(d.values):
            sheet.put(r, 4 + j, Cell(v, style=Style.CALC, num_format=fmt))
        for j, b in enumerate(d.bases):
            sheet.put(r, 4 + len(names) + j, Cell(b or "", style=Style.LABEL))
    sheet.freeze = (FIRST, 1)
    fit_columns(sheet, most=60)
    return sheet


def layout_compare(cmp, run: RunInfo, metrics=None, items=None) -> WorkbookSpec:
    """The comparison workbook of a :class:`~finmodel.comparison.CompareRun`."""
    from ..comparison import COMPARE_ITEMS
    from ..runs import HEADLINE_METRICS
    title = " vs ".join(cmp.names)
    sheets = [_compare_sheet(cmp, metrics or HEADLINE_METRICS), _by_year_sheet(cmp, items or COMPARE_ITEMS),
              _inputs_sheet(cmp), about_sheet(title, run, [("Compared", ", ".join(cmp.names))])]
    return WorkbookSpec(sheets, title=f"finmodel compare — {title}")
