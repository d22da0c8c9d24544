"""The scenario workbooks are live models that agree with the engine, proven by LibreOffice."""
from __future__ import annotations

import dataclasses
import re

import openpyxl
import pytest

from finmodel.api import load, run
from finmodel.model.defs import SHEETS
from finmodel.workbook.layout import layout_workbook
from finmodel.workbook.output import write_scenario_workbook
from finmodel.workbook.writer import write_workbook
from libreoffice import compare, format_mismatches, formula_cells, recalculate, requires_soffice

from conftest import BASE, MINI, ROOT

SCENARIOS = {"base": BASE, "bull": ROOT / "assumptions/scenarios/bull.yaml",
             "bear": ROOT / "assumptions/scenarios/bear.yaml", "mini": MINI}


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """Every shipped scenario (and the fixture) written and recalculated in ONE soffice call."""
    d = tmp_path_factory.mktemp("books")
    written = {name: write_scenario_workbook(run(path), d / f"{name}.xlsx") for name, path in SCENARIOS.items()}
    recalced = recalculate(list(written.values()), d / "recalc")
    return {name: (written[name], out) for name, out in zip(written, recalced)}


@requires_soffice
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_formula_equals_the_engine_after_recalculation(books, name):
    original, recalculated = books[name]
    cells = formula_cells(original, recalculated)
    assert len(cells) > 1000  # a live model, not a paste of values
    mismatches = compare(original, recalculated)
    assert mismatches == [], format_mismatches(mismatches)


@requires_soffice
def test_fractional_lives_without_refresh_equal_the_engine(tmp_path):
    # retirement without refresh, fractional lives, residual proceeds and the other terminal method
    sets = ["capex.refresh_it=false", "capex.servers.life_years=2.5", "capex.networking.life_years=3.7",
            "capex.servers.residual_fraction=0.15", "valuation.terminal_method=averaged"]
    book = write_scenario_workbook(run(MINI, sets), tmp_path / "norefresh.xlsx")
    (out,) = recalculate([book], tmp_path / "recalc")
    mismatches = compare(book, out)
    assert mismatches == [], format_mismatches(mismatches)


# Flows whose FCF changes sign 2+ times (Descartes' V >= 2), where the exact root count comes
# from the engine: one real IRR (V = 3), none (V = 2), two (V = 2); the last also averaged.
MULTI_ROOT_SETS = {
    "one_of_three": ["capex.servers.cost_usd_bn_per_gw=79", "capex.servers.life_years=3.1",
                     "valuation.terminal_growth=-0.16", "operations.power_price_usd_per_mwh=263"],
    "none": ["capex.servers.cost_usd_bn_per_gw=65", "capex.servers.life_years=2.1",
             "valuation.terminal_growth=-0.19", "operations.power_price_usd_per_mwh=202"],
    "two": ["capex.servers.cost_usd_bn_per_gw=59", "capex.servers.life_years=2.1",
            "valuation.terminal_growth=0.05", "operations.power_price_usd_per_mwh=286",
            "valuation.terminal_method=averaged"],
}


@requires_soffice
def test_irrs_of_flows_with_several_sign_changes_equal_the_engine(tmp_path):
    runs = {k: run(MINI, sets) for k, sets in MULTI_ROOT_SETS.items()}
    found = {k: (r.result.irr_analysis["fcf"]["descartes"], r.result.irr_analysis["fcf"]["exact"])
             for k, r in runs.items()}
    assert found == {"one_of_three": (3, 1), "none": (2, 0), "two": (2, 2)}
    assert runs["two"].result.metrics["irr"].text(0).startswith("n/a: 2 IRRs: ")
    assert runs["none"].result.metrics["irr"].text(0) == "n/a: no real IRR (NPV is never 0)"
    assert all(r.result.checks_pass[0] for r in runs.values())
    books = [write_scenario_workbook(r, tmp_path / f"{k}.xlsx") for k, r in runs.items()]
    for book, out in zip(books, recalculate(books, tmp_path / "recalc")):
        mismatches = compare(book, out)
        assert mismatches == [], format_mismatches(mismatches)


@requires_soffice
@pytest.mark.parametrize("value", [61.0, 40.0])
def test_an_edit_that_moves_several_irrs_recalculates_or_fails_the_master_check(tmp_path, value):
    # "two": the engine's roots are values in the workbook; an edit that moves the flows must
    # either give the engine's answer for the same --set or turn the master check FALSE
    sets = MULTI_ROOT_SETS["two"]
    book = write_scenario_workbook(run(MINI, sets), tmp_path / "two.xlsx")
    wb = openpyxl.load_workbook(book)
    _input_cell(wb, "capex.servers.cost_usd_bn_per_gw").value = value
    wb.save(tmp_path / "edited.xlsx")
    expected = run(MINI, sets + [f"capex.servers.cost_usd_bn_per_gw={value}"])
    want = write_scenario_workbook(expected, tmp_path / "expected.xlsx")
    edited, = recalculate([tmp_path / "edited.xlsx"], tmp_path / "recalc")
    from libreoffice import values_equal
    got = {(c.sheet, c.coord): c.recalculated_value for c in formula_cells(tmp_path / "edited.xlsx", edited)}
    ref = {(c.sheet, c.coord): c.cached_value for c in formula_cells(want, want)}
    master = got[("Checks", "C6")]
    diffs = [k for k in ref if not values_equal(got.get(k), ref[k])]
    assert diffs == [] or master is False, (master, diffs[:5])  # never both wrong and green
    # both edits leave the stored roots behind (61: no real IRR; 40: one), so the guard is exercised
    assert diffs and master is False


@requires_soffice
def test_editing_a_ramp_share_so_the_shares_no_longer_sum_to_one_fails_the_master_check(tmp_path):
    """An edit the formulas cannot honour (a ramp of 0.2/0.5/0.5) must not pass silently."""
    book = write_scenario_workbook(run(MINI), tmp_path / "ramp.xlsx")
    wb = openpyxl.load_workbook(book)
    assert _input_cell(wb, "deals.chip-b.shares", 2026).value == pytest.approx(0.3)
    _input_cell(wb, "deals.chip-b.shares", 2026).value = 0.5
    wb.save(tmp_path / "edited.xlsx")
    edited, = recalculate([tmp_path / "edited.xlsx"], tmp_path / "recalc")
    got = {(c.sheet, c.coord): c.recalculated_value for c in formula_cells(tmp_path / "edited.xlsx", edited)}
    assert got[("Checks", "C6")] is False
    checks = openpyxl.load_workbook(edited, data_only=True)["Checks"]
    row = next(r for r in checks.iter_rows() if str(r[0].value).endswith("ramp shares sum to 1"))
    assert "chip-b" in row[0].value and row[2].value is False  # the check that says why


@requires_soffice
def test_a_corrupted_cached_value_is_caught(tmp_path):
    r = run(BASE)
    spec = layout_workbook(r.result, r.assumptions)
    sheet = spec.sheet("P&L")
    key = next(k for k, c in sorted(sheet.cells.items()) if c.formula and isinstance(c.value, float)
               and k[1] > 5 and abs(c.value) > 1)
    sheet.cells[key] = dataclasses.replace(sheet.cells[key], value=sheet.cells[key].value * 1.001)
    book = write_workbook(spec, tmp_path / "bad.xlsx")
    (out,) = recalculate([book], tmp_path / "recalc")
    bad = compare(book, out)
    assert len(bad) == 1 and bad[0].sheet == "P&L"


def _input_cell(wb, path: str, year: int | None = None):
    """The Inputs cell of an input: its defined name for a scalar, its row and year column else."""
    if year is None:
        dn = wb.defined_names["in_" + re.sub(r"[^A-Za-z0-9_]", "_", path)]
        sheet, coord = next(iter(dn.destinations))
        return wb[sheet][coord.replace("$", "")]
    ws = wb["Inputs"]
    row = next(c.row for c in ws["A"] if c.comment is not None and c.comment.text.strip() == path)
    col = next(c.column for c in ws[5] if c.value is not None and str(c.value).startswith("="))
    first_year = int(load(MINI).scenario.timeline.first_year)
    return ws.cell(row=row, column=col + year - first_year)


@requires_soffice
@pytest.mark.parametrize("scenario, path, year, value", [
    (BASE, "valuation.discount_rate", None, 0.095),
    (BASE, "capex.servers.cost_usd_bn_per_gw", None, 31.5),
    (BASE, "commitments.delay_years", None, 1),
    (BASE, "demand.inference_gw_per_usd_bn", None, 0.04),
    (BASE, "deals.amd-instinct.value_usd_bn", None, 150.0),
    (BASE, "commitments.cloud_price_factor", None, 1.15),
    (BASE, "deals.oracle-cloud.start_year", None, 2028),
    (BASE, "capex.servers.life_years", None, 5.4),
    (BASE, "capex.servers.residual_fraction", None, 0.2),
    (BASE, "valuation.terminal_growth", None, 0.02),
    (BASE, "tax.rate_fraction", None, 0.25),
    (MINI, "expansion.lead_time_years", None, 3),
    (MINI, "demand.training_gw", 2028, 4.5),
    (MINI, "revenue.segments.api_other.growth_per_year", 2029, 0.55),
    (MINI, "operations.power_price_usd_per_mwh", 2030, 95.0),
    (MINI, "financing.tranches.bullet.rate", None, 0.11),       # a debt rate
    (MINI, "financing.rounds.big.amount_usd_bn", None, 90.0),   # a round's size
    (MINI, "financing.revolver.limit_usd_bn", None, 4.0),       # the revolver limit
    (MINI, "financing.unfunded_gap_rate", None, 0.12),
    (BASE, "supply_chain.bom.servers.accelerators.tariff_rate", 2029, 0.25),        # a tariff rate
    (BASE, "supply_chain.bom.power_cooling.cooling.us_made_fraction", 2028, 0.9),   # a US-made share
    (BASE, "supply_chain.bom.servers.accelerators.suppliers.amd.share_fraction", 2032, 0.4),  # deal-vendor line
    (MINI, "supply_chain.bom.networking.network.suppliers.odm.share_fraction", 2028, 0.9),   # a supplier's share
    (MINI, "capex.building_land.lead_time_years", None, 2),  # suppliers paid over the lead time
])
def test_editing_an_input_cell_recalculates_to_the_engine_with_the_same_override(
        tmp_path, scenario, path, year, value):
    book = write_scenario_workbook(run(scenario), tmp_path / "live.xlsx")
    wb = openpyxl.load_workbook(book)
    _input_cell(wb, path, year).value = value
    wb.save(tmp_path / "edited.xlsx")
    override = f"{path}.{year}={value}" if year else f"{path}={value}"
    expected = write_scenario_workbook(run(scenario, [override]), tmp_path / "expected.xlsx")
    edited, = recalculate([tmp_path / "edited.xlsx"], tmp_path / "recalc")
    # the edited workbook, recalculated, must equal the engine run with --set: compare every
    # formula cell of the recalculated edit with the cached engine values of the --set run
    got = {(c.sheet, c.coord): c.recalculated_value for c in formula_cells(tmp_path / "edited.xlsx", edited)}
    want = {(c.sheet, c.coord): c.cached_value for c in formula_cells(expected, expected)}
    from libreoffice import values_equal
    diffs = [(k, got[k], want[k]) for k in want if not values_equal(got.get(k), want[k])]
    assert diffs == [], diffs[:10]
    before = {(c.sheet, c.coord): c.cached_value for c in formula_cells(book, book)}
    changed = [k for k in want if not values_equal(want[k], before[k])]
    assert changed, "the override changed nothing: the test would prove nothing"


def _formula_texts(spec):
    for sheet in spec.sheets:
        for (r, c), cell in sheet.cells.items():
            if cell.formula:
                yield sheet.name, (r, c), cell.formula


def test_formulas_follow_the_workbook_contract(base_run):
    spec = layout_workbook(base_run.result, base_run.assumptions)
    assert [s.name for s in spec.sheets] == ["Summary", "Inputs", *SHEETS, "Valuation", "Checks",
                                             "Calibration", "Sources", "About"]
    excel_2007 = {"SUM", "IF", "INDEX", "MATCH", "SUMPRODUCT", "NPV", "IRR", "MIN", "MAX", "ROUND",
                  "MOD", "EXP", "COUNT", "ABS", "AND", "OR", "COLUMN", "ROW", "ISNUMBER", "INT", "LEN"}
    for sheet, rc, f in _formula_texts(spec):
        assert "OFFSET(" not in f and "INDIRECT(" not in f, (sheet, rc, f)
        # the writer adds no _xlfn. prefixes: every function must exist in Excel 2007
        used = set(re.findall(r"([A-Z][A-Z0-9.]*)\(", re.sub(r'"[^"]*"', "", f)))
        assert used <= excel_2007, (sheet, rc, f, used - excel_2007)
        if sheet in SHEETS:
            # no constants typed in calculation formulas: strip strings, sheet names, cell
            # references and names; only the structural 0, 1 and 2 may remain
            bare = re.sub(r'"[^"]*"', "", f)
            bare = re.sub(r"'[^']*'!", "", bare)
            bare = re.sub(r"\$?[A-Z]{1,3}\$?\d+", "", bare)
            bare = re.sub(r"[A-Za-z_][A-Za-z0-9_.]*", "", bare)
            numbers = set(re.findall(r"\d+\.?\d*", bare))
            assert numbers <= {"0", "1", "2"}, (sheet, rc, f, numbers)


def test_every_scalar_input_is_a_named_input_cell(base_run):
    spec = layout_workbook(base_run.result, base_run.assumptions)
    names = {n.name for n in spec.names}
    for f in base_run.result.drivers.fields:
        if not f.series:
            assert "in_" + re.sub(r"[^A-Za-z0-9_]", "_", f.path) in names


def test_one_formula_per_row_copied_across(base_run):
    """Each calculation row has one formula: the same in R1C1 terms in every period column."""
    spec = layout_workbook(base_run.result, base_run.assumptions)

    def relative(formula: str, col: int) -> str:
        def shift(m):
            if m.group(1):  # absolute column
                return m.group(0)
            from openpyxl.utils import column_index_from_string
            return f"C[{column_index_from_string(m.group(2)) - 1 - col}]{m.group(3)}"
        return re.sub(r"(\$)?([A-Z]{1,3})(\$?\d+)", shift, formula)

    for name in SHEETS:
        sheet = spec.sheet(name)
        rows: dict[int, set] = {}
        for (r, c), cell in sheet.cells.items():
            if cell.formula and c >= 4:
                rows.setdefault(r, set()).add(relative(cell.formula, c))
        assert rows and all(len(v) == 1 for v in rows.values()), name
