"""The diff workbook: its waterfall helper columns stack to the right bars, its formulas
recalculate in LibreOffice to the cached values, and B is A plus the contributions."""
from __future__ import annotations

import pytest

from finmodel.api import diff
from finmodel.workbook.diff import SHEET, WATERFALL_COLUMNS, layout_diff, waterfall_parts
from libreoffice import compare, format_mismatches, formula_cells, recalculate, requires_soffice


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


@requires_soffice
def test_every_formula_recalculates_to_its_cached_value(bull, tmp_path):
    book = bull.write_workbook(tmp_path / "diff.xlsx")
    (out,) = recalculate([book], tmp_path / "recalc")
    assert len(formula_cells(book, out)) > 100
    mismatches = compare(book, out)
    assert mismatches == [], format_mismatches(mismatches)
