"""Usage mistakes a new user makes, each with what the message must say (issue 13, point 2).

Every mistake ends with a non-zero exit code, no traceback, no output created or changed, and
a message that names what was typed and says what to type instead. Each row: the command
line, the exit code, the fragments the message must hold, and optionally a setup that edits
the copy of the shipped assumptions first (or moves to another folder) and fragments that
must NOT appear (internals such as pydantic's union members).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

import pytest

from relhelp import Project, run_main

GRID_Y = ("--y", "capex.servers.life_years=3:6:4")


@dataclass(frozen=True)
class Mistake:
    args: tuple[str, ...]
    code: int
    says: tuple[str, ...]
    setup: Callable[[Project], None] | None = None
    never: tuple[str, ...] = field(default=())


def _typo(old: str, new: str, name: str = "base.yaml") -> Callable[[Project], None]:
    return lambda p: p.edit(name, old, new)


def _elsewhere(p: Project) -> None:
    (p.root / "elsewhere").mkdir()
    os.chdir(p.root / "elsewhere")


MISTAKES = {
    # --- metric names: the option typed is named and the nearest metric suggested ---
    "solve target npv": Mistake(("solve", "--target", "npv=0", "--vary", "valuation.discount_rate"), 2,
                                ("--target", "unknown metric 'npv'", "did you mean 'npv_usd_bn'?"),
                                never=("--metric",)),
    "tornado metric npv_usd": Mistake(("sensitivity", "tornado", "--metric", "npv_usd"), 2,
                                      ("--metric", "did you mean 'npv_usd_bn'?")),
    "grid metric irr_terminal": Mistake(("sensitivity", "grid", "--x", "valuation.discount_rate=0.08:0.16:3",
                                         *GRID_Y, "--metric", "irr_terminal"), 2,
                                        ("--metric", "did you mean 'irr_with_terminal'?")),
    "montecarlo prob npv": Mistake(("montecarlo", "--draws", "10", "--prob", "npv<0"), 2,
                                   ("--prob", "did you mean 'npv_usd_bn'?")),
    "line item typo": Mistake(("sensitivity", "tornado", "--metric", "revenue_totl@2030"), 2,
                              ("--metric", "unknown line item 'revenue_totl'", "did you mean 'revenue_total'?")),
    "line item year": Mistake(("sensitivity", "tornado", "--metric", "revenue_total@2050"), 2,
                              ("--metric", "year must be one of 2025..2040")),
    # --- --set: the full path, the deal columns, the '=' ---
    "set leaf only": Mistake(("run", "--set", "discount_rate=0.1"), 65,
                             ("--set", "no setting 'discount_rate'", "did you mean 'valuation.discount_rate'?")),
    "set misspelt leaf": Mistake(("run", "--set", "valuation.discount_rat=0.1"), 65,
                                 ("did you mean 'valuation.discount_rate'?",)),
    "set misspelt block": Mistake(("run", "--set", "capex.server.life_years=4"), 65,
                                  ("no setting 'capex.server'", "did you mean 'capex.servers.life_years'?")),
    "set deal column": Mistake(("run", "--set", "deals.oracle-cloud.value=300"), 65,
                               ("no deal column 'value'", "did you mean 'value_usd_bn'?",
                                "columns: partner, deal, kind, capacity_gw, value_usd_bn")),
    "set deal id": Mistake(("run", "--set", "deals.oracle-clod.capacity_gw=5"), 65,
                           ("no deal 'oracle-clod'", "did you mean 'oracle-cloud'?")),
    "set deal without column": Mistake(("run", "--set", "deals.oracle-cloud=5"), 65,
                                       ("expected deals.ID.COLUMN",)),
    "set without =": Mistake(("run", "--set", "valuation.discount_rate", "0.1"), 2,
                             ("--set", "expected PATH=VALUE", "write the value after '=' with no space"),
                             never=("no scenario",)),
    "set percent": Mistake(("run", "--set", "valuation.discount_rate=12"), 65,
                           ("--set valuation.discount_rate=12", "did you mean 0.12")),
    "set year outside": Mistake(("run", "--set", "operations.power_price_usd_per_mwh.2050=90"), 65,
                                ("year 2050 is outside the timeline 2025-2040",)),
    "set breaks a rule": Mistake(("run", "--set", "valuation.terminal_growth=0.3"), 65,
                                 ("--set valuation.terminal_growth=0.3", "must be below discount_rate"),
                                 never=("base.yaml",)),
    "set text for a number": Mistake(("run", "--set", "valuation.discount_rate=ten"), 65,
                                     ("--set valuation.discount_rate=ten",)),
    # --- files: unknown keys, kinds of file ---
    "yaml vaule": Mistake(("validate",), 65,
                          ("base.yaml:", "valuation.discount_rate.vaule: unknown key 'vaule'",
                           "did you mean 'value'?"),
                          setup=_typo("  discount_rate:\n    value: 0.12", "  discount_rate:\n    vaule: 0.12"),
                          never=("dict[", ".float", "Input should be")),
    "yaml block typo": Mistake(("run",), 65, ("unknown key 'valuaton'", "did you mean 'valuation'?"),
                               setup=_typo("\nvaluation:\n", "\nvaluaton:\n")),
    "spec input path typo": Mistake(("validate", "assumptions/sensitivity.yaml"), 65,
                                    ("sensitivity.yaml:", "valuation.discount_rat", "did you mean 'valuation.discount_rate'?"),
                                    setup=_typo("path: valuation.discount_rate\n", "path: valuation.discount_rat\n",
                                                "sensitivity.yaml"),
                                    never=("missing required field",)),
    "csv column typo": Mistake(("validate", "assumptions/commitments.csv"), 65,
                               ("commitments.csv:", "unknown column 'capacity_gwx'", "did you mean 'capacity_gw'?"),
                               setup=_typo(",capacity_gw,", ",capacity_gwx,", "commitments.csv"),
                               never=("YAML",)),
    "validate a workbook": Mistake(("validate", "outputs/base.xlsx"), 2,
                                   ("outputs/base.xlsx is a workbook", "validate checks inputs")),
    "validate no such csv": Mistake(("validate", "assumptions/deals-2.csv"), 66,
                                    ("deal table not found: assumptions/deals-2.csv",)),
    "rerun a workbook": Mistake(("rerun", "outputs/base.xlsx"), 2,
                                ("is a workbook; rerun takes the run record", "finmodel rerun outputs/base.run.json")),
    "rerun a scenario": Mistake(("rerun", "assumptions/base.yaml"), 2,
                                ("assumptions/base.yaml is a scenario; rerun takes the run record",)),
    "rerun no record": Mistake(("rerun", "outputs/bull.run.json"), 66, ("run record not found: outputs/bull.run.json",)),
    # --- scenarios and folders ---
    "scenario typo": Mistake(("run", "bul"), 66, ("no scenario 'bul'", "did you mean 'bull'?")),
    "no assumptions folder": Mistake(("run",), 66,
                                     ("there is no folder 'assumptions'", "-a/--assumptions"),
                                     setup=_elsewhere),
    "wrong -a folder": Mistake(("run", "-a", "assumption"), 66,
                               ("there is no folder 'assumption'", "-a/--assumptions")),
    "scenario file missing": Mistake(("run", "assumptions/scenarios/bul.yaml"), 66,
                                     ("scenario file not found: assumptions/scenarios/bul.yaml",)),
    "spec missing": Mistake(("sensitivity", "tornado", "--spec", "nothere.yaml"), 66, ("nothere.yaml",)),
    # --- commands and options ---
    "command typo": Mistake(("rnu",), 2, ("No such command 'rnu'", "Did you mean 'run'?")),
    "subcommand typo": Mistake(("sensitivity", "tornadoo"), 2, ("No such command 'tornadoo'",)),
    "draws too few": Mistake(("montecarlo", "--draws", "5"), 2, ("--draws", "10")),
    "seed negative": Mistake(("montecarlo", "--seed", "-1"), 2, ("--seed",)),
    "grid range syntax": Mistake(("sensitivity", "grid", "--x", "valuation.discount_rate=0.08-0.16", *GRID_Y), 2,
                                 ("--x", "PATH=LO:HI:N", "valuation.discount_rate=0.08:0.16:9")),
    "grid input typo": Mistake(("sensitivity", "grid", "--x", "valuation.discount_rat=0.08:0.16:3", *GRID_Y), 2,
                               ("--x", "no input 'valuation.discount_rat'", "did you mean 'valuation.discount_rate'?")),
    "solve vary typo": Mistake(("solve", "--target", "npv_usd_bn=0", "--vary", "valuation.discount_rat"), 2,
                               ("--vary", "did you mean 'valuation.discount_rate'?")),
    "solve bounds reversed": Mistake(("solve", "--target", "npv_usd_bn=0", "--vary", "valuation.discount_rate",
                                      "--bounds", "0.3,0.1"), 2, ("--bounds", "LO < HI")),
    "solve target without value": Mistake(("solve", "--target", "npv_usd_bn", "--vary", "valuation.discount_rate"),
                                          2, ("--target", "METRIC=VALUE", "npv_usd_bn=0")),
    "solve no target": Mistake(("solve", "--vary", "valuation.discount_rate"), 2, ("--target METRIC=VALUE",)),
    "prob bad operator": Mistake(("montecarlo", "--prob", "npv_usd_bn=<0"), 2, ("--prob", "METRIC<OP>VALUE")),
    "output folder missing": Mistake(("run", "-o", "no-such-folder"), 73, ("folder no-such-folder does not exist", "-o/--output")),
}


def test_the_table_holds_at_least_30_mistakes():
    assert len(MISTAKES) >= 30


@pytest.mark.parametrize("name", list(MISTAKES))
def test_a_mistake_says_what_to_type(shipped_project, name):
    m = MISTAKES[name]
    if m.setup is not None:
        m.setup(shipped_project)
    before = shipped_project.snapshot()
    res = run_main(*m.args)
    said = res.out + res.err
    assert res.code == m.code, (res.code, said)
    assert "Traceback" not in said and "internal error" not in said, said
    for words in m.says:
        assert words in said, f"expected {words!r} in:\n{said}"
    for words in m.never:
        assert words not in said, f"{words!r} should not be in:\n{said}"
    assert shipped_project.snapshot() == before, "a mistake created or changed an output"
