"""The diff and compare workbooks: the waterfall's helper columns stack to the right bars, B is
A plus the contributions, the comparison shows each scenario's own run, and every formula of
both recalculates in LibreOffice (one soffice call) to its cached value."""
from __future__ import annotations

import pytest

import openpyxl

from finmodel.api import compare, diff, run
from finmodel.workbook.diff import SHEET, WATERFALL_COLUMNS, layout_diff, waterfall_parts
from libreoffice import compare as compare_cells, format_mismatches, formula_cells, recalculate, requires_soffice


@pytest.mark.parametrize("p, c, parts", [
    (2.0, 5.0, (2.0, 3.0, 0.0, 0.0, 0.0)),     # up, above zero: base 2, +3
    (5.0, 2.0, (2.0, 0.0, 0.0, 3.0, 0.0)),     # down, above zero
    (-2.0, -5.0, (-2.0, 0.0, 0.0, 0.0, -3.0)),  # down, below zero: base -2, then -3 further down
    (-5.0, -2.0, (-2.0, 0.0, -3.0, 0.0, 0.0)),  # up, below zero
    (-2.0, 3.0, (0.0, 3.0, -2.0, 0.0, 0.0)),    # up across zero: 3 above, 2 below
    (3.0, -2.0, (0.0, 0.0, 0.0, 3.0, -2.0)),    # down across zero
])
def test_a_floating_bar_stacks_from_its_parts(p, c, parts):
    assert waterfall_parts(p, c) == parts
    # positive parts stack up from zero to the bar's top, negative ones down to its bottom
    assert sum(x for x in parts if x > 0) == max(p, c, 0.0)
    assert sum(x for x in parts if x < 0) == min(p, c, 0.0)
    base, *visible = parts
    assert sum(abs(v) for v in visible) == abs(c - p)


@pytest.fixture(scope="module")
def bull():
    # NPV crosses zero (-156 -> 1,720), the funding need stays above it, minimum cash below
    return diff("base", "bull", ["npv_usd_bn", "peak_funding_need_usd_bn", "min_cash_usd_bn"],
                permutations=20, seed=1, assumptions_dir="assumptions")


def test_b_is_a_plus_the_contributions_in_the_layout(bull):
    spec = layout_diff(bull.attribution, bull.differences, dict(bull.labels), bull.names, bull.run_info([]))
    sheet = spec.sheet(SHEET)
    run_col = WATERFALL_COLUMNS.index("Running total")
    ends = [cell.value for (r, c), cell in sheet.cells.items()
            if c == 0 and cell.value == "bull"]
    assert len(ends) == 3 and len(sheet.charts) == 3
    last_rows = sorted(r for (r, c), cell in sheet.cells.items() if c == 0 and cell.value == "bull")
    for i, r in enumerate(last_rows):
        assert sheet.cells[(r, run_col)].value == pytest.approx(bull.attribution.b[i], rel=1e-12, abs=1e-9)


@pytest.fixture(scope="module")
def trio():
    return compare(["base", "bull", "bear[valuation.discount_rate=0.13]"], assumptions_dir="assumptions")


def test_the_comparison_holds_each_scenarios_own_run(trio, tmp_path):
    from finmodel.workbook.compare import BY_YEAR_SHEET, COMPARE_SHEET
    assert trio.names == ("base", "bull", next(n for n in trio.names if n.startswith("bear-set-")))
    book = openpyxl.load_workbook(trio.write_workbook(tmp_path / "c.xlsx"))
    singles = {"base": run("base", assumptions_dir="assumptions"), "bull": run("bull", assumptions_dir="assumptions"),
               trio.names[2]: run("bear", ["valuation.discount_rate=0.13"], assumptions_dir="assumptions")}
    ws = book[COMPARE_SHEET]
    header = [c.value for c in ws[4]]
    checked = 0
    for row in ws.iter_rows(min_row=5):
        label = row[0].value
        for name, single in singles.items():
            m = single.metrics.set_index("label").loc[label]
            cell = row[header.index(name)].value
            if isinstance(cell, (int, float)):
                assert cell == pytest.approx(m["value"], rel=1e-15)  # 16 digits stored
                checked += 1
            else:
                assert cell == m["text"]
    assert checked >= 30
    by_year = book[BY_YEAR_SHEET]
    revenue = {name: single.line_items.query("line_item == 'revenue_total'").set_index("year")["value"]
               for name, single in singles.items()}
    rows = {r[0].value: [c.value for c in r[1:17]] for r in by_year.iter_rows(min_row=6, max_row=8)}
    for name, series in revenue.items():
        assert rows[name] == pytest.approx(series.tolist(), rel=1e-15)
    inputs = trio.inputs.set_index("input")
    assert inputs.loc["valuation.discount_rate", trio.names[2]] == 0.13
    assert inputs.loc["valuation.discount_rate", "base"] == 0.12


@pytest.fixture(scope="module")
def recalculated(bull, trio, tmp_path_factory):
    d = tmp_path_factory.mktemp("books")
    books = [bull.write_workbook(d / "diff.xlsx"), trio.write_workbook(d / "compare.xlsx")]
    return list(zip(books, recalculate(books, d / "recalc")))


@requires_soffice
@pytest.mark.parametrize("k, least", [(0, 100), (1, 20)])
def test_every_formula_recalculates_to_its_cached_value(recalculated, k, least):
    book, out = recalculated[k]
    assert len(formula_cells(book, out)) > least
    mismatches = compare_cells(book, out)
    assert mismatches == [], format_mismatches(mismatches)
