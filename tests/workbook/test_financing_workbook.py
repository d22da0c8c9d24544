"""The Financing sheet is live (issue 10): an analyst who edits a financing input in the mini
workbook gets, after LibreOffice recalculates, what the engine gives for the same ``--set``; an
overwritten calculation turns the master check FALSE. All workbooks go through ONE soffice call.
"""
from __future__ import annotations

import re

import numpy as np
import openpyxl
import pytest

from finmodel.api import run
from finmodel.workbook.output import write_scenario_workbook
from libreoffice import formula_cells, recalculate, requires_soffice, values_equal

from conftest import MINI

# (input path, value an analyst types): each changes the financing of the mini fixture
EDITS = {
    "tranche_rate": ("financing.tranches.bullet.rate", 0.12),
    "round_amount": ("financing.rounds.big.amount_usd_bn", 90.0),
    "revolver_limit": ("financing.revolver.limit_usd_bn", 30.0),
    "gap_rate": ("financing.unfunded_gap_rate", 0.15),
    "sculpted_cover": ("financing.tranches.sculpted.dscr_target", 1.2),
    "no_sweep": ("financing.sweep_fraction", 0.0),
    "late_ipo": ("financing.rounds.ipo.year", 2030),  # after the contingent round's 2029 deadline
}
FINANCING_METRICS = ("peak_unfunded_gap_usd_bn", "ownership_final", "equity_raised_usd_bn", "peak_revolver_usd_bn",
                     "peak_net_debt_usd_bn", "debt_drawn_usd_bn")
FINANCING_ROWS = {"interest_expense": "Interest expense (term debt, revolver, unfunded gap)",
                  "cash_closing": "Cash: closing", "unfunded_gap": "Unfunded gap (below minimum cash after every instrument)",
                  "ownership": "Ownership of today's holders", "revolver.closing": "Revolver: closing"}
FIRST_YEAR_COL = 5  # column E: the first period on every calculation sheet
OVERWRITTEN = "Bullet bond: closing"


def _named_cell(wb, path: str):
    """The Inputs cell an analyst edits: the defined name the writer gives each scalar input."""
    sheet, coord = next(iter(wb.defined_names["in_" + re.sub(r"[^A-Za-z0-9_]", "_", path)].destinations))
    return wb[sheet][coord.replace("$", "")]


def _row(ws, label: str) -> int:
    rows = [c.row for c in ws["A"] if c.value == label]
    assert len(rows) == 1, (label, rows)
    return rows[0]


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """Every edited workbook (and one with a calculation overwritten) recalculated at once."""
    d = tmp_path_factory.mktemp("financing_books")
    base = run(MINI)
    original = write_scenario_workbook(base, d / "mini.xlsx")
    edited, engine, expected = {}, {}, {}
    for name, (path, value) in EDITS.items():
        wb = openpyxl.load_workbook(original)
        _named_cell(wb, path).value = value
        wb.save(d / f"{name}.xlsx")
        edited[name] = d / f"{name}.xlsx"
        engine[name] = run(MINI, [f"{path}={value}"])
        expected[name] = write_scenario_workbook(engine[name], d / f"{name}.expected.xlsx")
    wb = openpyxl.load_workbook(original)
    ws = wb["Financing"]
    cell = ws.cell(row=_row(ws, OVERWRITTEN), column=FIRST_YEAR_COL + 3)  # 2028
    cell.value = float(base.result.line_items["debt.bullet.closing"][0, 3]) + 5.0  # a typed constant
    wb.save(d / "overwritten.xlsx")
    edited["overwritten"] = d / "overwritten.xlsx"
    recalced = dict(zip(edited, recalculate(list(edited.values()), d / "recalc")))
    return {"base": base, "edited": edited, "recalced": recalced, "engine": engine, "expected": expected}


def _differs_from_the_override_run(books, name) -> list:
    """Formula cells of the recalculated edit that differ from the engine's --set workbook."""
    got = {(c.sheet, c.coord): c.recalculated_value
           for c in formula_cells(books["edited"][name], books["recalced"][name])}
    want = {(c.sheet, c.coord): c.cached_value
            for c in formula_cells(books["expected"][name], books["expected"][name])}
    return [(k, got.get(k), v) for k, v in want.items() if not values_equal(got.get(k), v)][:10]


def _financing_figures_wrong_or_unmoved(books, name) -> list:
    """The Financing rows and metrics an analyst reads, against the engine; the master check."""
    r, r0 = books["engine"][name].result, books["base"].result
    wb = openpyxl.load_workbook(books["recalced"][name], data_only=True)
    valuation, summary, fin, checks = wb["Valuation"], wb["Summary"], wb["Financing"], wb["Checks"]
    T = len(r.timeline.years)
    problems, moved = [], []
    for key in FINANCING_METRICS:
        cell = valuation.cell(row=_row(valuation, r.catalogue.metrics[key].label), column=3).value
        if not values_equal(cell, float(r.metrics[key].value[0])):
            problems.append((key, cell, float(r.metrics[key].value[0])))
        moved.append(not np.isclose(r.metrics[key].value[0], r0.metrics[key].value[0], rtol=1e-12, atol=1e-12))
    for key, label in FINANCING_ROWS.items():
        row = _row(fin, label)
        values = [fin.cell(row=row, column=FIRST_YEAR_COL + j).value for j in range(T)]
        if not all(values_equal(a, float(b)) for a, b in zip(values, r.line_items[key][0])):
            problems.append((key, values, r.line_items[key][0].tolist()))
        moved.append(not np.allclose(r.line_items[key][0], r0.line_items[key][0], rtol=1e-12, atol=1e-12))
    if not any(moved):
        problems.append("the edit moved no financing figure: the test would prove nothing")
    for sheet, label in ((summary, "Master check (all model checks pass)"), (checks, "MASTER CHECK")):
        if sheet.cell(row=_row(sheet, label), column=3).value is not True:
            problems.append(f"{sheet.title}: {label} is not TRUE")
    return problems


def _late_ipo_drops_the_contingent_round(books):
    wb = openpyxl.load_workbook(books["recalced"]["late_ipo"], data_only=True)
    fin = wb["Financing"]
    row = _row(fin, "Contingent: paid")
    assert [fin.cell(row=row, column=FIRST_YEAR_COL + j).value for j in range(10)] == [0] * 10
    paid = books["base"].result.line_items["round.contingent.amount"][0]
    assert paid.sum() == pytest.approx(10.0)  # paid in 2028 when the IPO is in 2028


def _typed_over_balance_turns_the_master_check_false(books):
    """Never both wrong and green: a constant typed over the bullet's 2028 closing breaks its
    corkscrew, so its check and the master check say FALSE."""
    wb = openpyxl.load_workbook(books["recalced"]["overwritten"], data_only=True)
    checks = wb["Checks"]
    row = _row(checks, "Bullet bond: closing = opening + drawn - repaid - prepaid")
    assert checks.cell(row=row, column=3).value is False
    assert checks.cell(row=_row(checks, "MASTER CHECK"), column=3).value is False
    summary = wb["Summary"]
    assert summary.cell(row=_row(summary, "Master check (all model checks pass)"), column=3).value is False


@requires_soffice
def test_the_financing_sheet_is_live_in_libreoffice(books):
    """ONE test item, so that pytest-xdist cannot split the module and start soffice twice:
    (1) each edited input recalculates to the engine with the same --set (every formula cell,
    the Financing rows and metrics an analyst reads) with the master check TRUE, reported by
    edit; (2) an IPO after the deadline drops the contingent round; (3) a constant typed over a
    balance turns the master check FALSE."""
    failures = {name: found for name in EDITS
                if (found := _differs_from_the_override_run(books, name) + _financing_figures_wrong_or_unmoved(books, name))}
    assert failures == {}
    _late_ipo_drops_the_contingent_round(books)
    _typed_over_balance_turns_the_master_check_false(books)
