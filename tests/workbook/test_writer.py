"""Tests of ``finmodel.workbook.writer``: LibreOffice parity, text safety, charts, atomic save.

The synthetic workbook below has inputs with defined names, a FAST-style calculation sheet
(one formula per row copied across ten years), cross-sheet links and SUM / NPV / IRR / INDEX /
IF / MAX formulas whose cached values are computed here with numpy / numpy-financial. The
proof that the LibreOffice check is real: a copy with one wrong cached value (and one
formula that errors) must be reported by ``compare``.
"""
from __future__ import annotations

import dataclasses
import errno
import os
import re
import stat
import time
import zipfile
from pathlib import Path

import numpy as np
import numpy_financial as npf
import openpyxl
import pytest

from finmodel.errors import OutputError
from finmodel import outputs
from finmodel.workbook import writer
from finmodel.workbook.spec import (
    Cell, Chart, ChartSeries, ConditionalFormat, DefinedName, Sheet, Style, WorkbookSpec,
    a1, abs_a1, col_letter,
)
from finmodel.workbook.writer import write_workbook
import libreoffice
from libreoffice import (
    compare, format_mismatches, recalculate, requires_soffice, to_pdf, values_equal,
)

# --- the synthetic model --------------------------------------------------------------------

YEARS = np.arange(2025, 2035)
FIRST_COL, YEAR_ROW = 2, 2
LAST_COL = FIRST_COL + len(YEARS) - 1
INPUTS = {  # name: (row, label, unit, value, number format)
    "base_revenue": (3, "Revenue in first year", "US$ bn", 10.0, "#,##0.0"),
    "growth": (4, "Revenue growth", "1/yr", 0.1, "0.0%"),
    "cost_ratio": (5, "Costs as share of revenue", "fraction", 0.6, "0.0%"),
    "capex_t0": (6, "Up-front capex", "US$ bn", 30.0, "#,##0.0"),
    "discount_rate": (7, "Discount rate", "1/yr", 0.08, "0.0%"),
}
TEXTS = ("=1+1", "#N/A", "@SUM(A1)", "+44 20 7946 0000", "-not a number", "'quoted")
TEXT_ROW = 10
ROWS = {"revenue": 3, "costs": 4, "net": 5, "cumulative": 6, "irr_flows": 7}
METRIC_ROW = 9  # first metric row on "Cash Flow"
METRICS = ("npv", "irr", "max_net", "revenue_y3", "total_net", "verdict", "npv_positive",
           "blank_text")


def _value(name: str) -> float:
    return INPUTS[name][3]


def _engine() -> dict[str, np.ndarray | float | str | bool]:
    """What the engine would compute: the cached values, by hand with numpy."""
    revenue = np.empty(len(YEARS))
    revenue[0] = _value("base_revenue")
    for t in range(1, len(YEARS)):
        revenue[t] = revenue[t - 1] * (1 + _value("growth"))
    costs = revenue * _value("cost_ratio")
    net = revenue - costs
    flows = net - np.where(YEARS == YEARS[0], _value("capex_t0"), 0.0)
    rate = _value("discount_rate")
    npv = -_value("capex_t0") + float(np.sum(net / (1 + rate) ** np.arange(1, len(net) + 1)))
    return {
        "revenue": revenue, "costs": costs, "net": net, "cumulative": np.cumsum(net),
        "irr_flows": flows, "npv": npv, "irr": float(npf.irr(flows)),
        "max_net": float(net.max()), "revenue_y3": float(revenue[2]),
        "total_net": float(net.sum()), "verdict": "positive" if npv > 0 else "negative",
        "npv_positive": bool(npv > 0), "blank_text": "",
    }


def _inputs_sheet() -> Sheet:
    sheet = Sheet("Inputs", col_widths={0: 30, 1: 10, 2: 12}, tab_color="#0000FF")
    sheet.put(0, 0, Cell("Inputs", style=Style.TITLE))
    sheet.put(1, 0, Cell("Blue on yellow: edit these.", style=Style.SUBTITLE))
    for name, (row, label, unit, value, fmt) in INPUTS.items():
        sheet.put(row, 0, Cell(label, style=Style.LABEL))
        sheet.put(row, 1, Cell(unit, style=Style.UNIT))
        sheet.put(row, 2, Cell(value, style=Style.INPUT, num_format=fmt,
                               comment=f"Source: test judgement for {name}; basis: judgement"))
    sheet.put(TEXT_ROW - 1, 0, Cell("Free text (must stay text)", style=Style.SECTION))
    for i, text in enumerate(TEXTS):
        sheet.put(TEXT_ROW + i, 0, Cell(text, style=Style.TEXT))
    sheet.put(TEXT_ROW + len(TEXTS), 0, Cell(True, style=Style.CHECK))
    sheet.put(TEXT_ROW + len(TEXTS) + 1, 0, Cell("Tiny note", style=Style.NOTE))
    return sheet


def _row_formulas(col: int) -> dict[str, str]:
    """The one formula per line item, at column ``col``."""
    c, prev = col_letter(col), col_letter(col - 1)
    first = col == FIRST_COL
    r = {k: v + 1 for k, v in ROWS.items()}  # 1-based row numbers for A1 text
    return {
        "revenue": "=base_revenue" if first else f"={prev}{r['revenue']}*(1+growth)",
        "costs": f"={c}{r['revenue']}*cost_ratio",
        "net": f"={c}{r['revenue']}-{c}{r['costs']}",
        "cumulative": f"=SUM($C${r['net']}:{c}{r['net']})",
        "irr_flows": f"={c}{r['net']}-IF({c}${YEAR_ROW + 1}=$C${YEAR_ROW + 1},capex_t0,0)",
    }


def _timeline(key: str) -> str:
    return f"{abs_a1(ROWS[key], FIRST_COL)}:{abs_a1(ROWS[key], LAST_COL)}"


def _metric_formulas() -> dict[str, str]:
    net, flows, revenue = _timeline("net"), _timeline("irr_flows"), _timeline("revenue")
    npv = a1(METRIC_ROW, FIRST_COL)
    return {
        "npv": f"=-capex_t0+NPV(discount_rate,{net})", "irr": f"=IRR({flows})",
        "max_net": f"=MAX({net})", "revenue_y3": f"=INDEX({revenue},1,3)",
        "total_net": f"=SUM({net})", "verdict": f'=IF({npv}>0,"positive","negative")',
        "npv_positive": f"={npv}>0", "blank_text": '=IF(FALSE,1,"")',
    }


def _cash_flow_sheet(values: dict) -> Sheet:
    sheet = Sheet("Cash Flow", col_widths={0: 28, 1: 9}, freeze=(YEAR_ROW + 1, FIRST_COL),
                  print_title_rows=(0, YEAR_ROW))
    sheet.put(0, 0, Cell("Cash flow", style=Style.TITLE))
    sheet.put(YEAR_ROW, 0, Cell("Line item", style=Style.HEADER))
    sheet.put(YEAR_ROW, 1, Cell("Unit", style=Style.HEADER))
    for t, year in enumerate(YEARS):
        sheet.put(YEAR_ROW, FIRST_COL + t, Cell(int(year), style=Style.HEADER, num_format="0"))
        for key, formula in _row_formulas(FIRST_COL + t).items():
            style = Style.TOTAL if key == "net" else Style.CALC
            sheet.put(ROWS[key], FIRST_COL + t,
                      Cell(values[key][t], formula, style, "#,##0.0;[Red]-#,##0.0"))
    for key, row in ROWS.items():
        sheet.put(row, 0, Cell(key.replace("_", " ").capitalize(), style=Style.LABEL))
        sheet.put(row, 1, Cell("US$ bn", style=Style.UNIT))
    sheet.put(METRIC_ROW - 1, 0, Cell("Metrics", style=Style.SECTION))
    for i, (key, formula) in enumerate(_metric_formulas().items()):
        fmt = "0.0%" if key == "irr" else "#,##0.00"
        sheet.put(METRIC_ROW + i, 0, Cell(key, style=Style.LABEL))
        sheet.put(METRIC_ROW + i, FIRST_COL, Cell(values[key], formula, Style.CALC, fmt))
    return sheet


def _range(sheet: str, row: int, first: int = FIRST_COL, last: int = LAST_COL) -> str:
    return f"='{sheet}'!{abs_a1(row, first)}:{abs_a1(row, last)}"


def _col_range(sheet: str, col: int, first: int, last: int) -> str:
    return f"{sheet}!{abs_a1(first, col)}:{abs_a1(last, col)}"  # no '=', unquoted: accepted


TORNADO = (("Revenue growth", -12.5, 14.0), ("Cost ratio", -9.0, 8.0),
           ("Discount rate", -5.5, 6.0))
SPIDER_X = (-0.2, -0.1, 0.0, 0.1, 0.2)
TABLE_ROW = 3  # Summary: tornado table rows 3.., spider table rows 8..


def _summary_tables(sheet: Sheet, npv: float) -> None:
    sheet.put(TABLE_ROW - 1, 0, Cell("Driver", style=Style.HEADER))
    for c, head in enumerate(("Low", "High", "Low NPV", "High NPV"), start=1):
        sheet.put(TABLE_ROW - 1, c, Cell(head, style=Style.HEADER))
    for i, (name, low, high) in enumerate(TORNADO):
        row = TABLE_ROW + i
        sheet.put(row, 0, Cell(name, style=Style.LABEL))
        sheet.put(row, 1, Cell(low, num_format="#,##0.0"))
        sheet.put(row, 2, Cell(high, num_format="#,##0.0"))
        sheet.put(row, 3, Cell(npv + low, f"=$B$10+B{row + 1}", Style.CALC, "#,##0.0"))
        sheet.put(row, 4, Cell(npv + high, f"=$B$10+C{row + 1}", Style.CALC, "#,##0.0"))
    sheet.put(9, 0, Cell("NPV (linked)", style=Style.LABEL))
    sheet.put(9, 1, Cell(npv, f"='Cash Flow'!{abs_a1(METRIC_ROW, FIRST_COL)}", Style.LINK,
                         "#,##0.0"))
    for j, x in enumerate(SPIDER_X):
        sheet.put(11, 1 + j, Cell(x, num_format="0%"))
        sheet.put(12, 1 + j, Cell(npv * (1 + 2.0 * x)))
        sheet.put(13, 1 + j, Cell(npv * (1 - 0.8 * x)))
    for r, label in ((11, "Change"), (12, "NPV: growth"), (13, "NPV: cost ratio")):
        sheet.put(r, 0, Cell(label, style=Style.LABEL))


def _summary_charts(npv: float) -> list[Chart]:
    cf, years = "Cash Flow", _range("Cash Flow", YEAR_ROW)
    drivers = _col_range("Summary", 0, TABLE_ROW, TABLE_ROW + len(TORNADO) - 1)
    spider_x = _range("Summary", 11, 1, len(SPIDER_X))
    return [
        Chart("column", "Revenue, costs and net (US$ bn)", (
            ChartSeries("Revenue", years, _range(cf, ROWS["revenue"]), "#1F4E79"),
            ChartSeries("Costs", years, _range(cf, ROWS["costs"]), "#ED7D31"),
            ChartSeries("Net", years, _range(cf, ROWS["net"]), "#C00000", line=True)),
            (16, 0), y_title="US$ bn", y_num_format="#,##0"),
        Chart("stacked_column", "Costs and net stack to revenue", (
            ChartSeries("Costs", years, _range(cf, ROWS["costs"]), "#A5A5A5"),
            ChartSeries("Net", years, _range(cf, ROWS["net"]), "#70AD47")),
            (16, 7), y_title="US$ bn"),
        Chart("line", "Cumulative net cash (US$ bn)", (
            ChartSeries("Cumulative", years, _range(cf, ROWS["cumulative"]), "#1F4E79"),
            ChartSeries("Flows for IRR", years, _range(cf, ROWS["irr_flows"]), "#ED7D31")),
            (34, 0), y_title="US$ bn", x_title="Year"),
        Chart("bar", "Tornado: NPV change (US$ bn)", (
            ChartSeries("Low", drivers, _col_range("Summary", 1, TABLE_ROW, TABLE_ROW + 2),
                        "#C00000"),
            ChartSeries("High", drivers, _col_range("Summary", 2, TABLE_ROW, TABLE_ROW + 2),
                        "#1F4E79")),
            (34, 7), x_title="Change in NPV, US$ bn", y_num_format="#,##0"),
        Chart("scatter", "Spider: NPV vs change in driver", (
            ChartSeries("Growth", spider_x, _range("Summary", 12, 1, 5), "#1F4E79"),
            ChartSeries("Cost ratio", spider_x, _range("Summary", 13, 1, 5), "#ED7D31")),
            (52, 0), y_title="NPV, US$ bn", x_title="Change in driver", x_num_format="0%"),
        Chart("bar", "Tornado around base NPV (US$ bn)", (
            ChartSeries("Low", drivers, _col_range("Summary", 3, TABLE_ROW, TABLE_ROW + 2),
                        "#C00000"),
            ChartSeries("High", drivers, _col_range("Summary", 4, TABLE_ROW, TABLE_ROW + 2),
                        "#1F4E79")),
            (52, 7), x_title="NPV, US$ bn", value_axis_crossing=npv),
    ]


def _summary_sheet(values: dict) -> Sheet:
    sheet = Sheet("Summary", col_widths={0: 22, 1: 10, 2: 10, 3: 10, 4: 10, 5: 10},
                  hide_gridlines=True, tab_color="#00803C")
    sheet.put(0, 0, Cell("Summary of the synthetic model", style=Style.TITLE))
    sheet.put(1, 0, Cell("Charts of each kind; heat map below the tables.", style=Style.SUBTITLE))
    _summary_tables(sheet, values["npv"])
    sheet.charts.extend(_summary_charts(values["npv"]))
    sheet.conditional_formats.append(ConditionalFormat((12, 1), (13, 5)))
    sheet.conditional_formats.append(ConditionalFormat((TABLE_ROW, 1), (TABLE_ROW + 2, 2),
                                                       reverse=True))
    return sheet


def _checks_sheet(values: dict) -> Sheet:
    sheet = Sheet("Checks", col_widths={0: 40, 1: 10})
    sheet.put(0, 0, Cell("Checks", style=Style.TITLE))
    npv = f"'Cash Flow'!{abs_a1(METRIC_ROW, FIRST_COL)}"
    rows = (("NPV positive", values["npv_positive"], f"={npv}>0"),
            ("Cumulative equals total", True,
             f"=ABS('Cash Flow'!{abs_a1(ROWS['cumulative'], LAST_COL)}"
             f"-'Cash Flow'!{abs_a1(METRIC_ROW + 4, FIRST_COL)})<1E-9"),
            ("Master check", True, "=AND(B3:B4)"))
    for i, (label, value, formula) in enumerate(rows):
        sheet.put(2 + i, 0, Cell(label, style=Style.LABEL))
        sheet.put(2 + i, 1, Cell(value, formula, Style.CHECK))
    sheet.conditional_formats.append(ConditionalFormat((2, 1), (4, 1), "cell", "==", "FALSE",
                                                       "bad"))
    sheet.conditional_formats.append(ConditionalFormat((2, 1), (4, 1), "cell", "==", True,
                                                       "good"))
    return sheet


def build_spec() -> WorkbookSpec:
    values = _engine()
    names = [DefinedName(name, f"=Inputs!{abs_a1(row, 2)}")
             for name, (row, *_rest) in INPUTS.items()]
    return WorkbookSpec(
        [_summary_sheet(values), _inputs_sheet(), _cash_flow_sheet(values),
         _checks_sheet(values)],
        names, title="Synthetic model", subject="writer test", comments="made by test_writer")


def _with_cell(spec: WorkbookSpec, sheet: str, pos: tuple[int, int], **changes) -> WorkbookSpec:
    """A copy of ``spec`` with one cell changed (or added)."""
    spec = dataclasses.replace(spec, sheets=[dataclasses.replace(s, cells=dict(s.cells))
                                             for s in spec.sheets])
    cell = spec.sheet(sheet).cells.get(pos, Cell())
    spec.sheet(sheet).cells[pos] = dataclasses.replace(cell, **changes)
    return spec


NPV_POS = (METRIC_ROW, FIRST_COL)
BROKEN_POS = (20, 0)


def broken_spec() -> WorkbookSpec:
    """One wrong cached value (NPV + 0.001) and one formula that errors in LibreOffice."""
    spec = build_spec()
    npv = spec.sheet("Cash Flow").cells[NPV_POS]
    spec = _with_cell(spec, "Cash Flow", NPV_POS, value=npv.value + 1e-3)
    return _with_cell(spec, "Checks", BROKEN_POS, value=0.0, formula="=1/0")


# --- LibreOffice parity ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """The good and the broken workbook, written and recalculated in one soffice call."""
    src = tmp_path_factory.mktemp("written")
    good = write_workbook(build_spec(), src / "good.xlsx")
    bad = write_workbook(broken_spec(), src / "bad.xlsx")
    return {"good": good, "bad": bad, "written": src}


@pytest.fixture(scope="module")
def recalculated(books, tmp_path_factory):
    out = tmp_path_factory.mktemp("recalc")
    good, bad = recalculate([books["good"], books["bad"]], out)
    return {"good": good, "bad": bad}


@requires_soffice
def test_every_formula_equals_its_cached_value_in_libreoffice(books, recalculated):
    mismatches = compare(books["good"], recalculated["good"])
    assert mismatches == [], format_mismatches(mismatches)


@requires_soffice
def test_compare_catches_a_wrong_cached_value_and_an_error(books, recalculated):
    found = {(m.sheet, m.coord): m.reason for m in compare(books["bad"], recalculated["bad"])}
    assert found == {("Cash Flow", a1(*NPV_POS)): "value differs",
                     ("Checks", a1(*BROKEN_POS)): "LibreOffice gives an error"}


@requires_soffice
def test_text_that_looks_like_a_formula_stays_text(recalculated):
    ws = openpyxl.load_workbook(recalculated["good"], data_only=True)["Inputs"]
    assert [ws.cell(TEXT_ROW + 1 + i, 1).value for i in range(len(TEXTS))] == list(TEXTS)
    assert all(ws.cell(TEXT_ROW + 1 + i, 1).data_type == "s" for i in range(len(TEXTS)))


@requires_soffice
def test_pdf_export(books, tmp_path):
    pdf = to_pdf(books["good"], tmp_path)
    assert pdf.read_bytes()[:5] == b"%PDF-"


# --- the written file, read back with openpyxl ---------------------------------------------

@pytest.fixture(scope="module")
def good_formulas(books):
    return openpyxl.load_workbook(books["good"])


def test_text_cells_are_written_as_strings(good_formulas):
    ws = good_formulas["Inputs"]
    cells = [ws.cell(TEXT_ROW + 1 + i, 1) for i in range(len(TEXTS))]
    assert [(c.value, c.data_type) for c in cells] == [(t, "s") for t in TEXTS]


def test_cached_values_are_in_the_file(books):
    ws = openpyxl.load_workbook(books["good"], data_only=True)["Cash Flow"]
    values = _engine()
    got = [ws.cell(METRIC_ROW + 1 + i, FIRST_COL + 1).value for i in range(len(METRICS))]
    assert got[:5] == pytest.approx([values[k] for k in METRICS[:5]], rel=1e-12)
    assert got[5:] == ["positive", True, None]  # openpyxl reads an empty string as None


def test_sheet_order_names_and_properties(good_formulas):
    assert good_formulas.sheetnames == ["Summary", "Inputs", "Cash Flow", "Checks"]
    assert set(good_formulas.defined_names) == set(INPUTS)
    assert good_formulas.defined_names["growth"].attr_text == "Inputs!$C$5"
    props = good_formulas.properties
    assert (props.title, props.subject) == ("Synthetic model", "writer test")


def test_input_style_number_format_and_comment(good_formulas):
    cell = good_formulas["Inputs"]["C5"]
    assert cell.font.color.rgb.endswith("0000FF")
    assert cell.fill.fgColor.rgb.endswith("FFF2CC")
    assert cell.border.left.style == "thin"
    assert cell.number_format == "0.0%"
    assert "basis: judgement" in cell.comment.text


def test_sheet_setup(good_formulas):
    ws = good_formulas["Cash Flow"]
    assert ws.freeze_panes == "C4"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9  # A4
    # a narrow sheet: fitted to the page width (here at 100 %), never a "fit to page" scale
    assert not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
    assert ws.page_setup.scale in (None, 100)
    assert ws.print_title_rows == "$1:$3"
    assert "&A" in ws.oddHeader.right.text and "&P of &N" in ws.oddFooter.right.text
    assert good_formulas["Summary"].sheet_view.showGridLines is False


def test_section_fill_spans_the_used_columns(good_formulas):
    ws = good_formulas["Cash Flow"]
    fills = {ws.cell(METRIC_ROW, c + 1).fill.fgColor.rgb for c in range(LAST_COL + 1)}
    assert fills == {"FFEDEDED"}


def test_conditional_formats(good_formulas):
    rules = {str(rng.sqref): [r.type for r in rng.rules]
             for rng in good_formulas["Summary"].conditional_formatting}
    assert rules == {"B13:F14": ["colorScale"], "B4:C6": ["colorScale"]}
    checks = [(r.operator, r.formula) for rng in good_formulas["Checks"].conditional_formatting
              for r in rng.rules]
    assert checks == [("equal", ["FALSE"]), ("equal", ["TRUE"])]


def _chart_xml(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        names = sorted(n for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml$", n))
        return [z.read(n).decode() for n in names]


def test_charts_of_each_kind(books):
    charts = _chart_xml(books["good"])
    kinds = [re.findall(r"<c:(barChart|lineChart|scatterChart)>", x) for x in charts]
    assert kinds == [["barChart", "lineChart"], ["barChart"], ["lineChart"], ["barChart"],
                     ["scatterChart"], ["barChart"]]
    assert '<c:grouping val="stacked"/>' in charts[1]
    assert '<c:barDir val="bar"/>' in charts[3] and '<c:overlap val="100"/>' in charts[3]


def _line_series_count(xml: str) -> int:
    groups = re.findall(r"<c:(?:lineChart|scatterChart)>.*?</c:(?:lineChart|scatterChart)>",
                        xml, re.S)
    return sum(g.count("<c:ser>") for g in groups)


def test_line_series_are_never_smoothed(books):
    """LibreOffice smooths line series unless <c:smooth val="0"/> is written explicitly."""
    charts = _chart_xml(books["good"])
    assert [_line_series_count(x) for x in charts] == [1, 0, 2, 0, 2, 0]
    assert [x.count('<c:smooth val="0"/>') for x in charts] == [1, 0, 2, 0, 2, 0]
    assert not any('<c:smooth val="1"/>' in x for x in charts)


def test_tornado_bars_start_at_the_given_crossing(books):
    xml = _chart_xml(books["good"])[5]
    assert f'<c:crossesAt val="{_engine()["npv"]}"/>' in xml
    assert '<c:orientation val="maxMin"/>' in xml  # first driver at the top


# --- spec validation ------------------------------------------------------------------------

@pytest.mark.parametrize("changes, message", [
    ({"value": float("nan")}, "NaN"),
    ({"value": float("inf"), "formula": "=1"}, "infinite"),
    ({"value": None, "formula": "=1+1"}, "no cached value"),
    ({"value": 1.0, "formula": "1+1"}, "beginning with '='"),
    ({"value": object()}, "unsupported cell value"),
])
def test_invalid_cells_are_rejected(tmp_path, changes, message):
    spec = _with_cell(build_spec(), "Checks", (30, 0), **changes)
    with pytest.raises(ValueError, match=message):
        write_workbook(spec, tmp_path / "x.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_numpy_scalars_are_accepted(tmp_path):
    spec = _with_cell(build_spec(), "Checks", (30, 0), value=np.float64(2.5))
    spec = _with_cell(spec, "Checks", (31, 0), value=np.bool_(True), formula="=TRUE()")
    path = write_workbook(spec, tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(path, data_only=True)["Checks"]
    assert (ws["A31"].value, ws["A32"].value) == (2.5, True)


def _with_chart(chart: Chart) -> WorkbookSpec:
    spec = build_spec()
    spec.sheet("Summary").charts[:] = [chart]
    return spec


@pytest.mark.parametrize("chart, message", [
    (Chart("pie", "t", (ChartSeries("s", "Inputs!$C$4:$C$5", "Inputs!$C$4:$C$5"),), (0, 0)),
     "unknown kind"),
    (Chart("line", "t", (ChartSeries("s", "Nope!$C$4:$C$5", "Inputs!$C$4:$C$5"),), (0, 0)),
     "not in the workbook"),
    (Chart("line", "t", (ChartSeries("s", "C4:C5", "Inputs!$C$4:$C$5"),), (0, 0)),
     "is not like"),
    (Chart("bar", "t", (ChartSeries("s", "Inputs!$C$4:$C$5", "Inputs!$C$4:$C$5", line=True),),
           (0, 0)), "cannot have line series"),
])
def test_invalid_charts_are_rejected(tmp_path, chart, message):
    with pytest.raises(ValueError, match=message):
        write_workbook(_with_chart(chart), tmp_path / "x.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_duplicate_sheet_name_is_a_value_error(tmp_path):
    spec = build_spec()
    spec.sheets.append(Sheet("inputs"))
    with pytest.raises(ValueError, match="invalid workbook spec"):
        write_workbook(spec, tmp_path / "x.xlsx")


# --- atomic save ----------------------------------------------------------------------------

@pytest.fixture
def existing(tmp_path) -> Path:
    target = tmp_path / "model.xlsx"
    target.write_bytes(b"previous contents")
    return target


def _assert_untouched(target: Path) -> None:
    assert target.read_bytes() == b"previous contents"
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]


def test_missing_folder_is_an_output_error(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        write_workbook(build_spec(), tmp_path / "no" / "such" / "model.xlsx")


def test_folder_that_is_a_file_is_an_output_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is not a folder"):
        write_workbook(build_spec(), tmp_path / "file" / "model.xlsx")


def test_target_directory_is_an_output_error(tmp_path):
    (tmp_path / "model.xlsx").mkdir()
    with pytest.raises(OutputError, match="is a directory"):
        write_workbook(build_spec(), tmp_path / "model.xlsx")


def test_invalid_spec_leaves_existing_target_untouched(existing):
    spec = _with_cell(build_spec(), "Checks", (30, 0), value=float("nan"))
    with pytest.raises(ValueError):
        write_workbook(spec, existing)
    _assert_untouched(existing)


def test_interrupt_mid_write_leaves_existing_target_untouched(existing, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(writer, "_add_conditional_format", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_workbook(build_spec(), existing)
    _assert_untouched(existing)


@pytest.mark.parametrize("function", ["fsync", "replace"])
def test_disk_full_is_an_output_error(existing, monkeypatch, function):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(outputs.os, function, full)
    with pytest.raises(OutputError, match="disk full") as info:
        write_workbook(build_spec(), existing)
    assert "\n" not in str(info.value)
    monkeypatch.undo()
    _assert_untouched(existing)


def test_unwritable_folder_is_an_output_error(existing, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    monkeypatch.setattr(outputs.tempfile, "mkstemp", denied)
    with pytest.raises(OutputError, match="Permission denied"):
        write_workbook(build_spec(), existing)
    _assert_untouched(existing)


def test_permissions_match_a_normally_created_file(tmp_path):
    with open(tmp_path / "plain.txt", "w"):
        pass
    path = write_workbook(build_spec(), tmp_path / "model.xlsx")
    mode = stat.S_IMODE
    assert mode(path.stat().st_mode) == mode((tmp_path / "plain.txt").stat().st_mode)


def test_existing_target_is_replaced(existing):
    write_workbook(build_spec(), existing)
    assert zipfile.is_zipfile(existing)
    assert sorted(p.name for p in existing.parent.iterdir()) == [existing.name]


def test_symlink_target_is_replaced_by_a_regular_file(tmp_path):
    pointee = tmp_path / "elsewhere.xlsx"
    pointee.write_bytes(b"keep me")
    link = tmp_path / "model.xlsx"
    link.symlink_to(pointee)
    write_workbook(build_spec(), link)
    assert not link.is_symlink() and zipfile.is_zipfile(link)
    assert pointee.read_bytes() == b"keep me"


def test_returns_the_path_and_accepts_strings(tmp_path):
    assert write_workbook(build_spec(), str(tmp_path / "m.xlsx")) == tmp_path / "m.xlsx"


# --- the LibreOffice checker itself ---------------------------------------------------------

@pytest.mark.parametrize("cached, recalculated, equal", [
    (1.0, 1.0 + 1e-10, True), (1.0, 1.0 + 1e-8, False), (0.0, 5e-10, True),
    (1e12, 1e12 + 1.0, True), (True, 1, True), (False, 0, True), (True, 0, False),
    (True, 2, False), (None, "", True), ("a", "a", True), ("a", "A", False),
    (1, "1", False), (None, 0, False),
])
def test_values_equal(cached, recalculated, equal):
    assert values_equal(cached, recalculated) is equal


def test_soffice_timeout_kills_the_whole_process_group(tmp_path):
    marker = tmp_path / "survived"
    cmd = ["sh", "-c", f"(sleep 1; touch {marker}) & sleep 30"]
    with pytest.raises(libreoffice.SofficeError, match="timed out"):
        libreoffice._run(cmd, timeout=0.3)
    time.sleep(1.5)  # the background child would have touched the marker by now
    assert not marker.exists()


def test_recalculate_refuses_the_input_folder_as_outdir(tmp_path):
    book = write_workbook(build_spec(), tmp_path / "m.xlsx")
    with pytest.raises(ValueError, match="outdir must differ"):
        recalculate([book], tmp_path)


def test_the_formula_fast_path_writes_what_xlsxwriter_writes():
    """The writer skips XlsxWriter's dynamic-array substitutions for formulas that name none:
    every formula of the base workbook, and formulas that do name one, come out as XlsxWriter's
    own ``_prepare_formula`` makes them."""
    from xlsxwriter.worksheet import Worksheet
    from finmodel.api import run
    from finmodel.workbook.layout import layout_workbook
    from conftest import BASE
    r = run(BASE)
    spec = layout_workbook(r.result, r.assumptions)
    formulas = {c.formula for s in spec.sheets for c in s.cells.values() if c.formula}
    formulas |= {"=SORT(A1:A3)", "{=SUM(A1:A3*B1:B3)}", "=xlookup(1,A1:A3,B1:B3)", "=_xlfn.STDEV.S(A1:A3)",
                 "=IF(A1>0,FILTER(A1:A3,B1:B3),0)", "=SINGLE(A1)", "=TINGLE(A1)", "=XDROP(A1)",
                 "=Sort(A1:A3)", "=A1&\"UNIQUE(\"", "=NPV(0.1,B1:B3)+MAP(A1:A3,LAMBDA(x,x))"}
    fast, plain = writer._Worksheet(), Worksheet()
    assert len(formulas) > 1000
    for f in formulas:
        assert fast._prepare_formula(f) == plain._prepare_formula(f), f
