"""``finmodel import``: an edited workbook read back into an overlay.

The proof: the shipped base workbook, edited with openpyxl in five inputs of different kinds
(a rate, an integer slip, a growth, a per-year cell and a deal's capacity), recalculated by
LibreOffice, equals — in every formula cell of every sheet — the engine run on the overlay
that ``finmodel import`` writes for it. Then the cells the model cannot take, each refused
with its ``Sheet!Cell`` and nothing written.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from finmodel.api import load, run
from finmodel.errors import AssumptionError, InputMissingError
from finmodel.importing import import_workbook
from finmodel.workbook.layout import layout_workbook
from libreoffice import recalculate, requires_soffice, values_equal
from relhelp import run_main

# (input path, year or None, new value): five kinds of input
PROOF_EDITS = [
    ("valuation.discount_rate", None, 0.10),                    # a rate
    ("commitments.delay_years", None, 1.0),                     # a whole number (years)
    ("revenue.segments.consumer.initial_growth", None, 0.9),    # a growth path's parameter
    ("demand.training_gw", 2027, 7.25),                         # one year of a per-year input
    ("deals.oracle-cloud.capacity_gw", None, 5.5),              # a deal's cell (deal table)
]


def input_cell(ws, path: str, year: int | None = None) -> str:
    """The A1 address of an input's value cell, found by the path in its label's comment (so
    the test does not use the importer's own mapping)."""
    rows = {ws.cell(r, 1).comment.text.strip(): r for r in range(1, ws.max_row + 1)
            if ws.cell(r, 1).comment is not None}
    first = ws.cell(rows["timeline.first_year"], 3).value  # the year headers are formulas on it
    for r in range(1, ws.max_row + 1):
        comment = ws.cell(r, 1).comment
        if comment is not None and comment.text.strip() == path:
            col = 3 if year is None else 5 + year - first  # column E is the first year
            return ws.cell(r, col).coordinate
    raise KeyError(path)


def edit(src: Path, dst: Path, changes) -> dict[str, str]:
    """``src`` with cells changed by openpyxl (as an analyst's edit: no recalculation);
    changes are (path, year, value) on Inputs or (\"Sheet!A1\", None, value)."""
    wb = openpyxl.load_workbook(src)
    cells = {}
    for path, year, value in changes:
        if "!" in path:
            sheet, coord = path.split("!")
        else:
            sheet, coord = "Inputs", input_cell(wb["Inputs"], path, year)
        wb[sheet][coord] = value
        cells[path] = f"{sheet}!{coord}"
    wb.save(dst)
    return cells


@pytest.fixture()
def shipped(project):
    """The shipped base case run into outputs/base.xlsx (in a copy of the project)."""
    res = run_main("run", "-q")
    assert res.code == 0, res.err
    return project / "outputs" / "base.xlsx"


@requires_soffice
def test_an_edited_workbook_imported_and_rerun_equals_its_libreoffice_recalculation(shipped, tmp_path):
    edited = shipped.with_name("base-analyst.xlsx")
    cells = edit(shipped, edited, PROOF_EDITS)
    res = run_main("import", str(edited))
    assert res.code == 0, res.err
    overlay = shipped.with_name("base-analyst-edited.yaml")
    text = overlay.read_text()
    for path, _, _ in PROOF_EDITS:
        assert cells[path] in text  # each value names its cell
    assert "extends: ../assumptions/base.yaml" in text
    # the overlay loads, and holds exactly the edits (compare with the base, input by input)
    a, base = load(overlay), load("assumptions/base.yaml")
    new = {f.path: f.value for f in run(a).result.drivers.fields}
    old = {f.path: f.value for f in run(base).result.drivers.fields}
    changed = sorted(p for p in old if new[p] != old[p])
    assert changed == sorted(p for p, _, _ in PROOF_EDITS)
    assert new["demand.training_gw"][2] == 7.25 and new["valuation.discount_rate"] == 0.10

    (recalc,) = recalculate([edited], tmp_path / "recalc")
    lo = openpyxl.load_workbook(recalc, data_only=True)
    rerun = run(overlay)
    # laid out with the base's name and description (which place the Summary's rows): every
    # number comes from the engine run on the overlay
    spec = layout_workbook(rerun.result, base)
    compared, worst, bad = 0, 0.0, []
    for sheet in spec.sheets:
        if sheet.name == "About":
            continue
        ws = lo[sheet.name]
        for (r, c), cell in sheet.cells.items():
            if not cell.formula:
                continue
            got = ws.cell(r + 1, c + 1).value
            compared += 1
            if isinstance(got, (int, float)) and isinstance(cell.value, (int, float)) \
                    and not isinstance(got, bool):
                worst = max(worst, abs(float(got) - float(cell.value)) / max(1.0, abs(float(cell.value))))
            if not values_equal(got, cell.value, rtol=1e-9, atol=1e-9):
                bad.append((sheet.name, ws.cell(r + 1, c + 1).coordinate, cell.value, got))
    print(f"compared {compared} formula cells; largest relative difference {worst:.2e}")
    assert compared > 8_000
    assert not bad, bad[:10]
    assert rerun.metrics.set_index("metric").loc["npv_usd_bn", "value"] != \
        run(base).metrics.set_index("metric").loc["npv_usd_bn", "value"]  # the edits moved it

    # the workbook as LibreOffice saves it (formulas rewritten: sheet names unquoted) imports the same
    res = run_main("import", str(recalc), "-o", str(overlay.with_name("lo.yaml")))
    assert res.code == 0, res.err
    assert load(overlay.with_name("lo.yaml")).scenario.model_dump(exclude={"name", "description", "sources"}) \
        == a.scenario.model_dump(exclude={"name", "description", "sources"})


def test_the_run_of_a_set_workbook_is_reproduced_without_edits(project):
    sets = ["valuation.discount_rate=0.1", "demand.training_gw.2030=13",
            "valuation.terminal_method=averaged", "deals.oracle-cloud.capacity_gw=5"]
    res = run_main("run", *[a for s in sets for a in ("--set", s)], "--name", "tuned", "-q")
    assert res.code == 0, res.err
    res = run_main("import", "outputs/tuned.xlsx")
    assert res.code == 0, res.err
    assert "no input was edited" in res.out and "with --set" in res.out
    text = Path("outputs/tuned-edited.yaml").read_text()
    assert "terminal_method: averaged" in text and "--set valuation.discount_rate=0.1" in text
    again, original = run("outputs/tuned-edited.yaml"), run("base", sets)
    a, b = again.metrics.set_index("metric"), original.metrics.set_index("metric")
    assert len(a) > 40 and list(a.index) == list(b.index)
    assert a["text"].tolist() == b["text"].tolist()
    assert np.allclose(a["value"].astype(float), b["value"].astype(float), rtol=1e-12, equal_nan=True)


def test_a_workbook_without_edits_writes_nothing(mini_project):
    before = mini_project.snapshot()
    res = run_main("import", "outputs/base.xlsx")
    assert res.code == 0, res.err
    assert "nothing to write" in res.out
    assert mini_project.snapshot() == before


def _refused(project, changes, *words, code=65):
    src = project.outputs / "base.xlsx"
    edited = project.outputs / "edited.xlsx"
    cells = edit(src, edited, changes)
    before = project.snapshot()
    res = run_main("import", str(edited))
    assert res.code == code, (res.out, res.err)
    assert "Traceback" not in res.err
    for w in words:
        assert w.format(**{k.replace(".", "_"): v for k, v in cells.items()}) in res.err, res.err
    assert project.snapshot() == before  # nothing written
    return res


def test_a_formula_typed_over_an_input_is_refused_at_its_cell(mini_project):
    _refused(mini_project, [("valuation.discount_rate", None, "=0.05+0.05")],
             "{valuation_discount_rate}", "a formula (=0.05+0.05) was typed over an input")


def test_text_in_a_number_cell_is_refused(mini_project):
    _refused(mini_project, [("tax.rate_fraction", None, "21%")], "{tax_rate_fraction}",
             "expected a number, found str '21%'")


def test_a_value_out_of_bounds_is_refused_with_the_bound(mini_project):
    res = _refused(mini_project, [("valuation.discount_rate", None, 12.0)], "{valuation_discount_rate}",
                   "valuation.discount_rate")
    assert "12" in res.err


def test_an_edited_calculated_cell_is_refused_at_its_sheet_and_cell(mini_project):
    wb = openpyxl.load_workbook(mini_project.outputs / "base.xlsx")
    ws = wb["Cash flow"]
    coord = next(c.coordinate for row in ws.iter_rows(min_row=7) for c in row
                 if isinstance(c.value, str) and c.value.startswith("="))
    res = _refused(mini_project, [(f"Cash flow!{coord}", None, 123.0)],
                   f"Cash flow!{coord}: a calculated cell was edited")
    assert "edit the inputs on the Inputs sheet" in res.err


def test_every_bad_cell_is_listed_at_once(mini_project):
    res = _refused(mini_project, [("valuation.discount_rate", None, "x"), ("tax.rate_fraction", None, -1.0),
                                  ("Cash flow!F12", None, 5.0)],
                   "{valuation_discount_rate}", "{tax_rate_fraction}", "Cash flow!F12")
    assert "3 cells the model cannot take" in res.err


def test_a_rule_between_inputs_is_located_at_the_edited_cell(mini_project):
    # terminal growth must stay below the discount rate: each is in bounds alone
    _refused(mini_project, [("valuation.discount_rate", None, 0.05), ("valuation.terminal_growth", None, 0.06)],
             "Inputs!", "break a rule")


def test_moved_rows_are_tampering(mini_project):
    wb = openpyxl.load_workbook(mini_project.outputs / "base.xlsx")
    wb["Inputs"].insert_rows(12)
    wb.save(mini_project.outputs / "moved.xlsx")
    before = mini_project.snapshot()
    res = run_main("import", "outputs/moved.xlsx")
    assert res.code == 65 and "Traceback" not in res.err
    assert "rows of the Inputs sheet were moved" in res.err or "formula was changed" in res.err
    assert mini_project.snapshot() == before


def test_a_workbook_not_made_by_finmodel_is_refused(mini_project, tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.save(mini_project.outputs / "other.xlsx")
    res = run_main("import", "outputs/other.xlsx")
    assert res.code == 65 and "not a finmodel workbook" in res.err
    (mini_project.outputs / "notzip.xlsx").write_text("hello")
    res = run_main("import", "outputs/notzip.xlsx")
    assert res.code == 65 and "not a zip container" in res.err
    res = run_main("import", "outputs/missing.xlsx")
    assert res.code == 66


def test_a_zip_bomb_is_refused_before_any_xml_is_parsed(mini_project):
    bomb = mini_project.outputs / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (300 << 20) + b"/>")  # 300 MiB of spaces
    assert bomb.stat().st_size < (2 << 20)
    res = run_main("import", str(bomb))
    assert res.code == 65 and "zip bomb" in res.err


def test_an_input_file_changed_since_the_workbook_is_refused(mini_project):
    edit(mini_project.outputs / "base.xlsx", mini_project.outputs / "e.xlsx",
         [("valuation.discount_rate", None, 0.2)])
    mini_project.edit("base.yaml", "name: mini", "name: mini2")
    res = run_main("import", "outputs/e.xlsx")
    assert res.code == 65 and "changed since the workbook was made" in res.err and "About!B" in res.err


def test_the_overlay_is_written_where_asked_and_a_hand_written_file_is_not_replaced(mini_project):
    edit(mini_project.outputs / "base.xlsx", mini_project.outputs / "e.xlsx",
         [("valuation.discount_rate", None, 0.2)])
    target = mini_project.assumptions / "tuned.yaml"
    res = run_main("import", "outputs/e.xlsx", "-o", str(target), "--name", "tuned", "-q")
    assert res.code == 0 and res.out == "", res.err
    a = load(target)
    assert a.name == "tuned" and a.scenario.valuation.discount_rate.value == 0.2
    assert a.scenario.valuation.discount_rate.note == "edited in e.xlsx, " + \
        f"{edit_cell(mini_project, 'valuation.discount_rate')}"
    assert run_main("import", "outputs/e.xlsx", "-o", str(target)).code == 0  # its own: replaced
    hand = mini_project.assumptions / "hand.yaml"
    hand.write_text("extends: base.yaml\n")
    res = run_main("import", "outputs/e.xlsx", "-o", str(hand))
    assert res.code == 73 and "not written by finmodel import" in res.err
    assert hand.read_text() == "extends: base.yaml\n"


def edit_cell(project, path: str) -> str:
    wb = openpyxl.load_workbook(project.outputs / "base.xlsx")
    return "Inputs!" + input_cell(wb["Inputs"], path)


def test_python_api(mini_project):
    edit(mini_project.outputs / "base.xlsx", mini_project.outputs / "e.xlsx",
         [("valuation.discount_rate", None, 0.2)])
    imp = import_workbook("outputs/e.xlsx")
    assert [e.path for e in imp.edits] == ["valuation.discount_rate"]
    assert list(imp.table.columns) == ["path", "cell", "year", "label", "unit", "before", "after"]
    assert imp.assumptions.scenario.valuation.discount_rate.value == 0.2
    assert imp.write() == Path("outputs/e-edited.yaml")
    with pytest.raises(InputMissingError):
        import_workbook("outputs/none.xlsx")
    with pytest.raises(AssumptionError):
        import_workbook(mini_project.assumptions / "base.yaml")


def test_a_deal_block_in_a_scenario_file_is_validated_and_located(mini_project):
    mini_project.write("over.yaml", "extends: base.yaml\nname: over\ndeals:\n  nope:\n    capacity_gw: 2\n")
    res = run_main("validate", "assumptions/over.yaml")
    assert res.code == 65 and "over.yaml:5:" in res.err and "no deal 'nope'" in res.err


def test_the_timeline_is_not_an_input(mini_project):
    _refused(mini_project, [("timeline.first_year", None, 2026.0)], "{timeline_first_year}",
             "the timeline is fixed for a run")


def test_the_workbook_of_a_comparison_is_not_a_scenario_workbook(mini_project):
    assert run_main("compare", "base", "base[valuation.discount_rate=0.1]", "--name", "cmp", "-q").code == 0
    res = run_main("import", "outputs/cmp.xlsx")
    assert res.code == 65 and "not a scenario workbook: it has no Inputs sheet" in res.err


def test_a_switch_and_a_deals_ramp_shares(mini_project):
    # chip-b's explicit ramp 0.2 0.3 0.5 by term year: the 2nd and 3rd shares moved, still summing to 1
    edit(mini_project.outputs / "base.xlsx", mini_project.outputs / "e.xlsx",
         [("expansion.enabled", None, 0), ("deals.chip-b.shares", 2026, 0.4),
          ("deals.chip-b.shares", 2027, 0.4)])
    res = run_main("import", "outputs/e.xlsx")
    assert res.code == 0, res.err
    assert "deals.chip-b.shares term year 2: 0.3 -> 0.4" in res.out
    text = Path("outputs/e-edited.yaml").read_text()
    assert "enabled: false  # edited in e.xlsx, Inputs!C" in text
    a = load("outputs/e-edited.yaml")
    assert a.scenario.expansion.enabled is False
    chip = next(d for d in a.deals if d.id == "chip-b")
    assert chip.shares == (0.2, 0.4, 0.4) and chip.basis.value == "judgement" and chip.source == "workbook-edit"
    assert "term year 2 at Inputs!F" in chip.note


@settings(max_examples=6, deadline=None, derandomize=True, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_edit_inside_the_bounds_comes_back_exactly_or_is_refused_at_its_cell(mini_project, data):
    """One scalar input, any value inside its bounds: the overlay holds exactly that value and
    nothing else differs from the base, or a rule between inputs refuses it at that cell."""
    fields = [f for f in run("assumptions/base.yaml").result.drivers.fields
              if not f.informational and not f.series and f.unit != "flag"]
    f = data.draw(st.sampled_from(fields), label="input")
    b = f.bounds
    lo = b.ge if b.ge is not None else (b.gt + 1e-6 if b.gt is not None else -1e3)
    hi = b.le if b.le is not None else (b.lt - 1e-6 if b.lt is not None else 1e3)
    value = float(data.draw(st.integers(int(np.ceil(lo)), int(np.floor(hi))) if b.integer
                            else st.floats(lo, hi, allow_nan=False), label="value"))
    cells = edit(mini_project.outputs / "base.xlsx", mini_project.outputs / "p.xlsx", [(f.path, None, value)])
    out = mini_project.outputs / "p-edited.yaml"
    out.unlink(missing_ok=True)
    res = run_main("import", "outputs/p.xlsx", "-q")
    if res.code == 65:
        assert cells[f.path] in res.err and not out.exists(), res.err
        return
    assert res.code == 0, res.err
    if value == f.value:
        assert not out.exists()
        return
    sheet, coord = cells[f.path].split("!")
    held = openpyxl.load_workbook(mini_project.outputs / "p.xlsx")[sheet][coord].value  # as saved (openpyxl: 16 digits)
    new = {g.path: g.value for g in run(out).result.drivers.fields}
    old = {g.path: g.value for g in fields}
    assert new[f.path] == held and abs(held - value) <= 1e-15 * max(1.0, abs(value))
    assert [p for p in old if p != f.path and new[p] != old[p]] == []
