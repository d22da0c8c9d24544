"""No inert input cell in the workbook: every cell styled as an input on the Inputs sheet is read
by some formula (directly, through a range, or through its defined name), and every cell no
formula reads is not styled as an input. The engine side of the same rule is
``tests/model/test_economics.py``; ``test_input_edits.py`` proves a sample of edits in LibreOffice.
"""
from __future__ import annotations

import pytest
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.utils.cell import range_boundaries

from finmodel.api import run
from finmodel.workbook.layout import layout_workbook

from conftest import BASE, MINI


def _cells(ref: str) -> set[tuple[int, int]]:
    """0-based (row, col) of every cell an A1 reference or range covers."""
    c0, r0, c1, r1 = range_boundaries(ref.replace("$", ""))
    return {(r, c) for r in range(r0 - 1, r1) for c in range(c0 - 1, c1)}


def _read_inputs(spec) -> set[tuple[int, int]]:
    """Inputs-sheet cells that some formula reads."""
    names = {}
    for n in spec.names:
        sheet, _, ref = n.ref.lstrip("=").rpartition("!")
        if sheet.strip("'") == "Inputs":
            names[n.name] = _cells(ref)
    read: set[tuple[int, int]] = set()
    for sheet in spec.sheets:
        for cell in sheet.cells.values():
            if not cell.formula:
                continue
            for tok in Tokenizer(cell.formula).items:
                if tok.type != Token.OPERAND or tok.subtype != Token.RANGE:
                    continue
                ref = tok.value
                if ref in names:
                    read |= names[ref]
                    continue
                where, bang, a1 = ref.rpartition("!")
                target = where.strip("'") if bang else sheet.name
                if target == "Inputs":
                    read |= _cells(a1)
    return read


@pytest.mark.parametrize("scenario", [BASE, MINI], ids=["base", "mini"])
def test_every_input_cell_is_read_by_a_formula(scenario):
    r = run(scenario)
    spec = layout_workbook(r.result, r.assumptions)
    inputs = spec.sheet("Inputs")
    editable = {rc for rc, c in inputs.cells.items() if c.style.name == "INPUT" and c.formula is None}
    assert len(editable) > 100
    unread = sorted(editable - _read_inputs(spec))
    labels = [(rc, inputs.cells.get((rc[0], 0)) and inputs.cells[(rc[0], 0)].comment) for rc in unread]
    assert unread == [], f"input-styled cells no formula reads: {labels[:20]}"


def test_the_reference_reader_sees_names_ranges_and_own_sheet_references():
    """A hand-made book: C3 read by name, D4:F4 through a range on another sheet, G9 from a
    formula on Inputs itself; C5 and H9 read by nothing."""
    from types import SimpleNamespace as NS
    f = lambda text: NS(formula=text)
    spec = NS(names=[NS(name="in_x", ref="=Inputs!$C$3")],
              sheets=[NS(name="Calc", cells={(0, 0): f("=in_x*2"), (0, 1): f("=SUM('Inputs'!$D$4:$F$4)"),
                                             (0, 2): f("=C5")}),   # Calc!C5, not Inputs!C5
                      NS(name="Inputs", cells={(0, 0): f("=G9+1"), (0, 1): NS(formula=None)})])
    read = _read_inputs(spec)
    assert read == {(2, 2), (3, 3), (3, 4), (3, 5), (8, 6)}


def test_informational_inputs_are_not_styled_as_inputs():
    r = run(BASE)
    spec = layout_workbook(r.result, r.assumptions)
    inputs = spec.sheet("Inputs")
    row_of = {c.comment: rr for (rr, cc), c in inputs.cells.items() if cc == 0 and c.comment}
    info = [f.path for f in r.result.drivers.fields if f.informational]
    assert "timeline.first_year" in info
    shown = [p for p in info if p in row_of]
    assert shown, "the informational inputs are shown on the Inputs sheet"
    styled = [p for p in shown if any(c.style.name == "INPUT" for (rr, _), c in inputs.cells.items()
                                      if rr == row_of[p] and c.formula is None)]
    assert styled == []
