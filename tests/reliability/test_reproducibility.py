"""Every run can be reproduced: the About sheet and ``<name>.run.json`` record versions, git
commit, input hashes, command line, overrides and seed; ``finmodel rerun`` makes the same
numbers, and says clearly when an input changed since the record was made.
"""
from __future__ import annotations

import hashlib
import json
import platform
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import finmodel
from finmodel.outputs import variant_name
from relhelp import (
    ROOT, assert_fails, run_console, run_main,
)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _about(path: Path) -> dict[str, str]:
    ws = openpyxl.load_workbook(path, data_only=True)["About"]
    return {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0] is not None and len(r) > 1}


def _head_commit() -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10)
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _numbers(path: Path) -> dict:
    """Every cached value of every sheet but About (which holds the run's time and command)."""
    book = openpyxl.load_workbook(path, data_only=True)
    return {(ws.title, c.coordinate): c.value for ws in book if ws.title != "About"
            for row in ws.iter_rows() for c in row if c.value is not None}


def test_record_and_about_sheet_hold_everything_needed_to_reproduce(mini_project):
    res = run_main("run", "-q", "--set", "valuation.discount_rate=0.1")
    assert res.code == 0, res.err
    stem = variant_name("base", ["valuation.discount_rate=0.1"])
    record = json.loads((mini_project.outputs / f"{stem}.run.json").read_text())
    inputs = {"assumptions/base.yaml": _sha(mini_project.assumptions / "base.yaml"),
              "assumptions/deals.csv": _sha(mini_project.assumptions / "deals.csv")}
    assert record["inputs"] == inputs
    assert record["command"] == "finmodel run -q --set valuation.discount_rate=0.1"
    assert record["overrides"] == ["valuation.discount_rate=0.1"]
    assert "seed" in record and record["seed"] is None  # a base run draws nothing
    versions = record["versions"]
    assert versions["finmodel"] == finmodel.__version__
    assert versions["python"] == platform.python_version()
    for lib in ("numpy", "pandas", "pydantic", "XlsxWriter", "click", "ruamel.yaml", "scipy", "threadpoolctl"):
        assert re.match(r"\d", versions[lib]), (lib, versions[lib])
    head = _head_commit()
    if head:
        assert record["git_commit"].startswith(head)
    about = _about(mini_project.outputs / f"{stem}.xlsx")
    assert about["finmodel version"] == finmodel.__version__
    assert about["Command"] == record["command"]
    assert about["Overrides (--set)"] == "valuation.discount_rate=0.1"
    assert about["git commit"] == (record["git_commit"] or "unknown")
    for path, digest in inputs.items():
        assert about[f"Input file: {path}"] == f"sha256 {digest}"
    for lib, version in versions.items():
        assert about[f"Version: {lib}"] == version
    assert "Seed" in about


def test_monte_carlo_record_holds_its_seed_and_draws(shipped_project):
    res = run_main("montecarlo", "--draws", "200", "--seed", "11", "-q")
    assert res.code == 0, res.err
    record = json.loads((shipped_project.outputs / "base-montecarlo.run.json").read_text())
    assert record["seed"] == 11 and record["draws"] == 200
    assert record["command"] == "finmodel montecarlo --draws 200 --seed 11 -q"
    assert _about(shipped_project.outputs / "base-montecarlo.xlsx")["Seed"] == "11"


def test_monte_carlo_record_hashes_the_sensitivity_spec(shipped_project):
    assert run_main("montecarlo", "--draws", "100", "--seed", "1", "-q").code == 0
    record = json.loads((shipped_project.outputs / "base-montecarlo.run.json").read_text())
    assert any(p.endswith("sensitivity.yaml") for p in record["inputs"])


def test_rerun_reproduces_the_same_numbers(mini_project):
    assert run_main("run", "-q", "--csv", "--set", "tax.rate_fraction=0.25").code == 0
    stem = variant_name("base", ["tax.rate_fraction=0.25"])
    (mini_project.root / "again").mkdir()
    res = run_console("rerun", f"outputs/{stem}.run.json", "-o", "again", cwd=mini_project.root)
    assert res.code == 0 and "Traceback" not in res.err, res.err
    assert "inputs unchanged" in res.out
    pd.testing.assert_frame_equal(pd.read_csv(mini_project.outputs / f"{stem}-metrics.csv"),
                                  pd.read_csv(mini_project.root / "again" / f"{stem}-metrics.csv"))
    assert _numbers(mini_project.outputs / f"{stem}.xlsx") == _numbers(mini_project.root / "again" / f"{stem}.xlsx")
    again = json.loads((mini_project.root / "again" / f"{stem}.run.json").read_text())
    assert again["overrides"] == ["tax.rate_fraction=0.25"]


def test_rerun_warns_when_an_input_changed_and_still_runs(mini_project):
    assert run_main("run", "-q").code == 0
    first = _numbers(mini_project.outputs / "base.xlsx")
    mini_project.edit("base.yaml", "discount_rate: 0.12", "discount_rate: 0.14")
    (mini_project.root / "again").mkdir()
    res = run_main("rerun", "outputs/base.run.json", "-o", "again")
    assert res.code == 0, res.err
    assert "warning: assumptions/base.yaml: changed since the record was made" in res.err
    assert "the numbers may differ" in res.err
    assert "deals.csv" not in res.err  # only the changed file is named
    assert _numbers(mini_project.root / "again" / "base.xlsx") != first


def test_rerun_from_another_working_folder(mini_project, monkeypatch):
    assert run_main("run", "-q").code == 0
    elsewhere = mini_project.root / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    res = run_main("rerun", str(mini_project.outputs / "base.run.json"), "-o", ".")
    assert res.code == 0, res.err
    assert "warning" not in res.err and "inputs unchanged" in res.out
    assert _numbers(elsewhere / "base.xlsx") == _numbers(mini_project.outputs / "base.xlsx")


def test_rerun_with_a_missing_input_warns_and_fails_cleanly(mini_project):
    assert run_main("run", "-q").code == 0
    shutil.move(mini_project.assumptions / "deals.csv", mini_project.root / "deals.csv")
    (mini_project.root / "again").mkdir()
    res = run_main("rerun", "outputs/base.run.json", "-o", "again")
    assert res.code == 66 and "Traceback" not in res.err, res.err
    assert "warning: assumptions/deals.csv: missing" in res.err
    assert "commitments.file" in res.err and "deals.csv" in res.err
    assert not any((mini_project.root / "again").iterdir())


@pytest.mark.parametrize("content, code, words", [
    (None, 66, "run record not found"),
    ("{not json", 66, "cannot read run record"),
    ('{"hello": 1}', 2, "is not a finmodel run record"),
], ids=["missing", "corrupt", "not-a-record"])
def test_rerun_of_a_bad_record(mini_project, content, code, words):
    record = mini_project.root / "record.json"
    if content is not None:
        record.write_text(content)
    before = mini_project.snapshot()
    assert_fails(run_main("rerun", "record.json"), code, before, mini_project, words=(words,))
