"""The scenario workbook's formulas agree with the engine on hundreds of random scenarios.

LibreOffice (``test_scenario_workbooks.py``) recalculates the shipped scenarios; here the same
formulas, compiled to C by ``sheetc`` (a spreadsheet evaluator of our own, told apart from
LibreOffice only by rounding), are evaluated on 400 variants of each shipped scenario and of the
test fixture, each moving about half of the model's inputs, and every line item, metric and
check is compared with the engine's batch run.
"""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

import sheetc
from finmodel.api import drivers_for, load
from finmodel.model.result import run
from libreoffice import in_ci

from conftest import BASE, MINI, ROOT

pytestmark = pytest.mark.skipif(sheetc.compiler() is None and not in_ci(),
                                reason="needs gcc on PATH (required when CI is set)")

ROWS = 400
SCENARIOS = sorted((ROOT / "assumptions" / "scenarios").glob("*.yaml"))


def perturbed(drivers, n: int, seed: int) -> tuple[dict, dict]:
    """Overrides and scales for ``n`` rows, row 0 the scenario itself: each input moves in about
    half the rows (a number x U(0.5, 1.5), a whole number +-2, a series x U(0.7, 1.3)), clipped
    to its bounds. The bill-of-materials lines' shares and a ramp's shares are kept (each set
    must sum to 1); a line's supplier weights move (they are normalised over the line)."""
    rng = np.random.default_rng(seed)
    overrides, scales = {}, {}
    for f in drivers.fields:
        parts = f.path.split(".")
        bom_line_share = parts[:2] == ["supply_chain", "bom"] and len(parts) == 5 and parts[-1] == "share_fraction"
        if f.informational or bom_line_share or f.path.endswith(".shares"):
            continue
        move = rng.random(n) < 0.5
        move[0] = False
        if f.series:
            scales[f.path] = np.where(move, rng.uniform(0.7, 1.3, n), 1.0)
            continue
        b, v = f.bounds, float(f.value)
        if b.integer:
            x = v + rng.integers(-2, 3, n)
        else:
            x = v * rng.uniform(0.5, 1.5, n) if v else rng.uniform(0.0, 0.1, n)
        low = next((e for e in (b.ge, b.gt) if e is not None), -np.inf)
        high = next((e for e in (b.le, b.lt) if e is not None), np.inf)
        overrides[f.path] = np.where(move, np.clip(x, low, high), v)
    return overrides, scales


@pytest.fixture(scope="module", params=[BASE, MINI, *SCENARIOS], ids=["base", "mini", *(p.stem for p in SCENARIOS)])
def compiled(request) -> SimpleNamespace:
    """The scenario's workbook compiled, reading the moved inputs (and the IRR root analysis's
    engine values) from each row of ``values``; the batch's drivers and engine result."""
    assumptions = load(request.param)
    drivers = drivers_for(assumptions)
    workbook = sheetc.Workbook(run(drivers), assumptions)
    overrides, scales = perturbed(drivers, ROWS, seed=16)
    paths = sorted(set(overrides) | set(scales))
    inputs = workbook.input_cells(paths) + workbook.engine_cells()
    src, info = sheetc.compile_book(workbook.spec, inputs)
    batch = drivers.with_overrides(overrides, scales)
    result = run(batch)
    values = np.concatenate([workbook.input_values(batch, paths), workbook.engine_values(result, info["texts"])],
                            axis=1)
    return SimpleNamespace(workbook=workbook, kernel=sheetc.Kernel(src, flags=("-O0",)), info=info, inputs=inputs,
                           batch=batch, result=result, values=values, valid=~np.asarray(batch.invalid))


def test_every_formula_cell_of_the_scenario_holds_the_engines_value(compiled):
    """Row 0 is the scenario itself: each of its formula cells (~9,500 for the base) evaluates
    to the value the engine wrote in the cell (numbers within 1e-9 relative, text equal)."""
    info = compiled.info
    order = info["order"]
    got = compiled.kernel(compiled.values[:1], np.array([info["index"](*c) for c in order]))[0]
    wrong = sheetc.cells_differ(info, got)
    assert len(order) > 1_000
    assert not wrong, f"{len(wrong)} of {len(order)} cells differ:\n" + "\n".join(wrong[:20])


def test_every_output_of_a_random_batch_equals_the_engines(compiled):
    """Every line item (each period), metric and check of the rows within bounds."""
    workbook, info = compiled.workbook, compiled.info
    outs = workbook.outputs()
    cells = [c for cs in outs.values() for c in cs]
    got = compiled.kernel(compiled.values, np.array([info["index"](*c) for c in cells]))
    assert compiled.valid.sum() >= ROWS // 3  # the batch is usable
    compared = workbook.compare(compiled.result, got, outs, compiled.valid)
    assert not compared.differ, "\n".join(compared.differ[:20])
    for kind, (equal, total) in compared.counts.items():
        assert equal == total > 0, kind
    # the rows differ from each other, so the batch exercises the formulas
    npv = np.asarray(compiled.result.metrics["npv_usd_bn"].value)[compiled.valid]
    assert len(np.unique(npv)) > 0.9 * len(npv)


def test_a_formula_changed_in_the_workbook_is_found(compiled):
    """The comparison fails where the workbook and the engine part: free cash flow's formula
    scaled by 1 + 1e-6 in the last period is reported there, and a line item upstream is not."""
    workbook = compiled.workbook
    key, last = "fcf", workbook.T - 1
    sheet, row = workbook.book.rows[key]
    target = workbook.spec.sheet(sheet)
    cell = target.cells[(row, workbook.layout.FIRST_COL + last)]
    changed = dataclasses.replace(target, cells={**target.cells, (row, workbook.layout.FIRST_COL + last):
                                                 dataclasses.replace(cell, formula=f"=({cell.formula[1:]})*(1+1E-6)")})
    spec = dataclasses.replace(workbook.spec, sheets=[changed if s is target else s for s in workbook.spec.sheets])
    first = next(iter(workbook.catalogue.line_items))  # upstream of free cash flow
    outs = {k: v for k, v in workbook.outputs(metrics=[], checks=False).items() if k in ("li:fcf", f"li:{first}")}
    cells = [c for cs in outs.values() for c in cs]
    src, info = sheetc.compile_book(spec, compiled.inputs, needed=cells)
    got = sheetc.Kernel(src, flags=("-O0",))(compiled.values, np.array([info["index"](*c) for c in cells]))
    compared = workbook.compare(compiled.result, got, outs, compiled.valid)
    assert [d.split(":")[0] + ":" + d.split(":")[1] for d in compared.differ] == ["li:fcf"], compared.differ
    assert f"column {last}:" in compared.differ[0]
