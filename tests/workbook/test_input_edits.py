"""Edits that cannot lie: input cells of the base workbook, edited one at a time and recalculated
by LibreOffice, equal the engine run under the same ``--set`` — or turn the master check FALSE.

One input of every block of the Inputs sheet (every section: commitments, each deal, each
revenue segment, each capex component, each financing instrument, ...) and then more, round
robin, until :data:`AT_LEAST` edits; each edit is its own workbook (the base workbook with one
Inputs cell changed, the cached values left stale exactly as a user's edit leaves them). All the
edited books of a chunk are recalculated in one soffice call; every formula cell of every sheet
is compared with the engine's value for the same override.
"""
from __future__ import annotations

import numpy as np
from collections import defaultdict

import openpyxl
import pytest

from finmodel.api import run
from finmodel.assumptions.fields import InputField
from finmodel.errors import FinModelError
from finmodel.workbook.layout import FIRST_COL, VALUE_COL, layout_workbook
from finmodel.workbook.spec import Cell, WorkbookSpec
from finmodel.workbook.writer import write_workbook
from libreoffice import recalculate, requires_soffice, values_equal

from conftest import BASE

AT_LEAST = 48
CHUNKS = 3  # separate soffice calls (parallel under pytest-xdist)


def _base():
    r = run(BASE)
    return r, layout_workbook(r.result, r.assumptions)


def _candidates(f: InputField, v: float) -> list[float]:
    """Edits of an input now at ``v``, inside its bounds: a step up, a step down, then its
    extremes (an input can be slack at a small step: an expansion lead time that ends before
    the deals run out)."""
    b = f.bounds
    if f.unit in ("year", "flag") or (b is not None and b.integer):
        cands = [v + 1, v - 1]
    elif v == 0:
        cands = [0.05, -0.05, 1.0]
    else:
        cands = [v * 1.15, v * 0.85]
    if b is not None:
        cands += [x for x in (b.le, b.ge) if x is not None]
    ok = []
    for c in cands:
        if b is not None and b.outside([[c]])[0]:
            continue
        if round(c, 6) != v and round(c, 6) not in ok:
            ok.append(round(c, 6))
    return ok


def _year_index(f: InputField) -> int:
    """The period edited in a series: the first non-zero forecast value after the actual year
    (a ramp share, a growth rate) or the middle of the horizon."""
    nz = [t for t, x in enumerate(f.value) if t > 0 and x != 0]
    return nz[0] if nz else len(f.value) // 2


def _sample(result) -> list[InputField]:
    """Every section's first editable input, then the second of each, ... until AT_LEAST."""
    by_section: dict[str, list[InputField]] = defaultdict(list)
    for f in result.drivers.fields:
        if not f.informational:
            by_section[f.section].append(f)
    queues = list(by_section.values())
    chosen, depth = [], 0
    while len(chosen) < AT_LEAST and any(depth < len(q) for q in queues):
        chosen += [q[depth] for q in queues if depth < len(q)]
        depth += 1
    return chosen


def _moves(base, other) -> bool:
    return any(not np.array_equal(base.line_items[k], other.line_items[k], equal_nan=True) for k in base.line_items)


def edits(base) -> list[tuple[InputField, int | None, float, object]]:
    """(field, period index or None, new value, the engine's run for it): for each sampled
    input the first candidate edit the engine accepts and that moves the model."""
    years = base.result.years
    out = []
    for f in _sample(base.result):
        t = _year_index(f) if f.series else None
        v = float(f.value[t]) if f.series else float(f.value)
        for value in _candidates(f, v):
            try:
                r = run(BASE, [_override(f, years, t, value)])
            except FinModelError:
                continue
            if _moves(base.result, r.result):
                out.append((f, t, value, r))
                break
        else:
            out.append((f, t, None, None))  # no edit moves anything: reported by the test
    return out


def _override(f: InputField, years, t: int | None, value: float) -> str:
    text = str(int(value)) if value == int(value) else repr(value)  # a switch or a year: 0, 2028
    return f"{f.path}.{int(years[t])}={text}" if t is not None else f"{f.path}={text}"


def _input_rc(spec: WorkbookSpec, path: str, t: int | None) -> tuple[int, int]:
    ws = spec.sheet("Inputs")
    row = next(r for (r, c), cell in ws.cells.items() if c == 0 and cell.comment == path)
    return row, (FIRST_COL + t if t is not None else VALUE_COL)


def _edited(spec: WorkbookSpec, rc: tuple[int, int], value: float) -> WorkbookSpec:
    """The base workbook with one Inputs cell changed (formulas' cached values left stale)."""
    inputs = spec.sheet("Inputs")
    cells = dict(inputs.cells)
    old = cells[rc]
    assert old.formula is None and old.style.name == "INPUT", (rc, old)  # a true input cell
    cells[rc] = Cell(value, None, old.style, old.num_format, old.comment)
    sheets = [s if s.name != "Inputs" else type(s)(**{**s.__dict__, "cells": cells})
              for s in spec.sheets]
    return WorkbookSpec(sheets, spec.names, spec.title, spec.subject, spec.comments)


def _formula_values(spec: WorkbookSpec) -> dict[tuple[str, int, int], object]:
    return {(s.name, r, c): cell.value for s in spec.sheets for (r, c), cell in s.cells.items()
            if cell.formula}


def _recalculated(path) -> dict[tuple[str, int, int], object]:
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    out = {}
    for ws in wb.worksheets:
        for r, row in enumerate(ws.iter_rows(values_only=True)):
            for c, v in enumerate(row):
                if v is not None:
                    out[(ws.title, r, c)] = v
    return out


def _master(spec: WorkbookSpec) -> tuple[str, int, int]:
    checks = spec.sheet("Checks")
    r = next(r for (r, c), cell in checks.cells.items() if c == 0 and cell.value == "MASTER CHECK")
    return ("Checks", r, VALUE_COL)


@pytest.fixture(scope="module")
def sweep():
    base, spec = _base()
    return base, spec, edits(base)


def test_the_sample_covers_every_block_of_the_inputs_sheet(sweep):
    base, _, chosen = sweep
    sections = {f.section for f in base.result.drivers.fields if not f.informational}
    assert len(chosen) >= AT_LEAST
    assert {f.section for f, *_ in chosen} == sections  # every block: deals, instruments, ...
    assert any(t is not None for _, t, *_ in chosen) and any(t is None for _, t, *_ in chosen)
    slack = [f.path for f, _, value, _ in chosen if value is None]
    assert slack == [], f"inputs no edit within their bounds moves: {slack}"


def _failing(spec: WorkbookSpec, got: dict) -> list[str]:
    """Labels of the checks FALSE in a recalculated book (the Checks sheet's rows)."""
    checks = spec.sheet("Checks")
    return [checks.cells[(r, 0)].value for (r, c), cell in checks.cells.items()
            if c == VALUE_COL and cell.formula and (r, 0) in checks.cells
            and checks.cells[(r, 0)].value != "MASTER CHECK" and got.get(("Checks", r, c)) in (False, 0)]


# The one thing a spreadsheet cannot recompute: the count of real IRRs of flows with 2+ sign
# changes (the engine's roots are values in the workbook). An edit that moves them fails these
# checks, so the master check says the book needs a rerun.
CANNOT_RECOMPUTE = "IRR of "


def _compare(spec: WorkbookSpec, cases, tmp_path) -> tuple[list, int]:
    """Write each (label, edit rc, value, expected spec or None) as its own book, recalculate all
    in one soffice call. Returns the edits that disagree silently, and how many agreed exactly
    with the engine on every formula cell.

    Silent: an accepted edit (expected spec) whose book differs from the engine while the master
    check is TRUE, or fails a check other than the IRR root checks; a refused edit (expected
    None) whose master check stays TRUE or that only the IRR checks catch."""
    master = _master(spec)
    before = _formula_values(spec)
    books = [write_workbook(_edited(spec, rc, value), tmp_path / f"edit{i}.xlsx")
             for i, (_, rc, value, _) in enumerate(cases)]
    silent, exact = [], 0
    for (label, _, _, want), out in zip(cases, recalculate(books, tmp_path / "recalc")):
        got = _recalculated(out)
        failing = _failing(spec, got)
        if want is None:
            if got.get(master) not in (False, 0) or all(f.startswith(CANNOT_RECOMPUTE) for f in failing):
                silent.append((label, "the engine refuses it but no input check says so", failing))
            continue
        ref = _formula_values(want)
        diffs = [(k, got.get(k), v) for k, v in ref.items() if not values_equal(got.get(k), v)]
        if not diffs:
            exact += 1
            if ref == before:
                silent.append((label, "the edit moved no formula cell"))
        elif got.get(master) not in (False, 0) or not failing or \
                not all(f.startswith(CANNOT_RECOMPUTE) for f in failing):
            silent.append((label, diffs[:3], failing))
    return silent, exact


@requires_soffice
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_every_sampled_input_edit_recalculates_to_the_engine_or_fails_the_master_check(
        sweep, tmp_path, chunk):
    base, spec, chosen = sweep
    years = base.result.years
    cases = [(_override(f, years, t, value), _input_rc(spec, f.path, t), value,
              layout_workbook(r.result, base.assumptions))
             for i, (f, t, value, r) in enumerate(chosen) if i % CHUNKS == chunk and value is not None]
    assert cases
    silent, exact = _compare(spec, cases, tmp_path)
    assert silent == []
    # measured: 68 of the 70 edits equal the engine on all ~7,200 formula cells; the other two
    # move the IRR's roots (caught by the IRR checks). Most must be exact, not merely caught.
    assert exact >= 0.8 * len(cases), (exact, len(cases))


# Edits the engine refuses (`--set` gives a located error): in the workbook each must turn the
# master check FALSE, never recalculate to a number that looks fine.
REFUSED = [
    ("capex.refresh_it", None, 0.5),                      # a switch is 0 or 1
    ("commitments.status_delay_years.term_sheet", None, 1.5),  # whole years
    ("valuation.discount_rate", None, 0.02),              # below terminal growth: no Gordon value
    ("tax.rate_fraction", None, 1.4),                     # a fraction above 1
    ("deals.amd-instinct.start_year", None, 2024.5),
    ("operations.pue", 5, 0.8),                           # one year of a series below its floor
    ("financing.tranches.bond-2028.rate", None, -0.01),
    ("deals.azure-incremental.shares", 1, 0.6),          # the ramp no longer sums to 1
    ("supply_chain.bom.servers.accelerators.share_fraction", 3, 0.8),  # the servers' lines sum to 1.05
]


@requires_soffice
def test_edits_the_engine_refuses_turn_the_master_check_false(tmp_path):
    base, spec = _base()
    years = base.result.years
    cases = []
    for path, t, value in REFUSED:
        with pytest.raises(FinModelError):
            run(BASE, [_override(next(f for f in base.result.drivers.fields if f.path == path),
                                 years, t, value)])
        cases.append((f"{path}={value}", _input_rc(spec, path, t), value, None))
    assert _compare(spec, cases, tmp_path) == ([], 0)
