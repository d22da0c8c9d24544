"""``finmodel`` (no command), ``run``, ``validate``, the group's options and ``main()``."""
from __future__ import annotations

import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from finmodel.outputs import variant_name

COMMANDS = [[], ["run"], ["validate"], ["sensitivity"], ["sensitivity", "tornado"],
            ["sensitivity", "grid"], ["solve"], ["montecarlo"], ["rerun"], ["diff"], ["compare"], ["import"]]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a) or "finmodel")
def test_every_command_has_help_with_examples(invoke, args):
    result = invoke(*args, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.stdout and "Example" in result.stdout


@pytest.mark.parametrize("args", [a for a in COMMANDS if a != ["sensitivity"]],
                         ids=lambda a: " ".join(a) or "finmodel")
def test_every_command_takes_debug(invoke, args):
    assert "--debug" in invoke(*args, "--help").stdout


def test_version(invoke):
    result = invoke("--version")
    assert result.exit_code == 0 and "finmodel" in result.stdout


def test_no_arguments_runs_the_base_case_into_outputs(project, invoke):
    result = invoke()
    assert result.exit_code == 0, result.output
    assert (project / "outputs" / "base.xlsx").is_file()
    assert (project / "outputs" / "base.run.json").is_file()
    assert "NPV" in result.stdout and "all pass" in result.stdout


def test_run_all_with_csv_writes_every_scenarios_workbook_and_tidy_tables(project, invoke):
    result = invoke("run", "--all", "--csv")
    assert result.exit_code == 0, result.output
    for name in ("base", "bull", "bear", "onshoring", "tariff"):
        assert (project / "outputs" / f"{name}.xlsx").is_file()
        tidy = pd.read_csv(project / "outputs" / f"{name}.csv")
        assert list(tidy.columns) == ["scenario", "line_item", "label", "unit", "sheet", "year", "value"]
        metrics = pd.read_csv(project / "outputs" / f"{name}-metrics.csv")
        assert "npv_usd_bn" in set(metrics["metric"])
        assert f"wrote outputs/{name}.xlsx, outputs/{name}.csv, outputs/{name}-metrics.csv" in result.stdout
    header = next(line for line in result.stdout.splitlines() if "base" in line and "bull" in line)
    assert header.split() == ["unit", "base", "bear", "bull", "onshoring", "tariff"]
    checks_line = next(line for line in result.stdout.splitlines() if line.startswith("Model checks"))
    assert checks_line.count("all pass") == 5


def test_set_override_changes_the_workbook_and_the_summary(project, invoke):
    invoke("run")
    before = openpyxl.load_workbook(project / "outputs/base.xlsx", data_only=True)["Valuation"]["C7"].value
    result = invoke("run", "--set", "valuation.discount_rate=0.09")
    assert result.exit_code == 0
    # the override run says so in its name; the clean base.xlsx is left as it was
    assert openpyxl.load_workbook(project / "outputs/base.xlsx", data_only=True)["Valuation"]["C7"].value == before
    wb = openpyxl.load_workbook(project / "outputs" / f"{variant_name('base', ['valuation.discount_rate=0.09'])}.xlsx",
                                data_only=True)
    assert wb["Valuation"]["C7"].value != before
    named = wb.defined_names["in_valuation_discount_rate"]
    sheet, coord = next(iter(named.destinations))
    assert wb[sheet][coord.replace("$", "")].value == 0.09


def test_quiet_prints_nothing(project, invoke):
    result = invoke("run", "-q")
    assert result.exit_code == 0 and result.stdout == ""


def test_two_scenarios_writing_the_same_file_are_refused_before_any_work(project, invoke, main_cli):
    import shutil
    shutil.copytree(project / "assumptions", project / "other")
    code, _, err = main_cli("run", "base", "other/base.yaml")
    assert code == 2 and "assumptions/base.yaml and other/base.yaml would both write outputs/base.xlsx" in err
    assert not any((project / "outputs").iterdir())


def test_validate_reports_ok(project, invoke):
    result = invoke("validate")
    assert result.exit_code == 0
    assert result.stdout.count(": ok") == 6 and "sensitivity.yaml: ok" in result.stdout


# --- --debug and the exit codes of main() ------------------------------------------------------

@pytest.fixture()
def broken_engine(monkeypatch):
    """An internal error (a bug) inside the run."""
    import finmodel.api

    def boom(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(finmodel.api, "run_engine", boom)


@pytest.mark.parametrize("args", [["--debug", "run"], ["run", "--debug"], ["--debug"]],
                         ids=["before", "after", "default-command"])
def test_debug_before_or_after_the_command_shows_the_traceback(project, broken_engine, main_cli, args):
    code, _, err = main_cli(*args)
    assert code == 70
    assert "Traceback" in err and "RuntimeError: boom" in err
    assert "internal error: RuntimeError: boom" in err


def test_internal_error_without_debug_has_no_traceback(project, broken_engine, main_cli):
    code, _, err = main_cli("run")
    assert code == 70 and "Traceback" not in err
    assert "run again with --debug" in err


def test_run_debug_works_when_nothing_goes_wrong(project, main_cli):
    code, out, err = main_cli("run", "--debug", "-q")
    assert code == 0 and err == ""


def test_failed_model_check_exits_1_and_names_the_check(project, invoke, monkeypatch):
    """The engine's first check made to fail: exit code 1, the check named on stderr."""
    import numpy as np
    from finmodel.api import run
    from finmodel.model.result import Result
    real = Result.checks.func

    def first_fails(self):
        checks = real(self)
        first = next(iter(checks))
        return {**checks, first: np.zeros_like(checks[first])}
    monkeypatch.setattr(Result, "checks", property(first_fails))
    r = run("base")
    label = r.result.catalogue.checks[next(iter(r.result.checks))].label
    assert not r.ok and r.problems == [f"CHECK FAILED [base]: {label}"]
    result = invoke("run")
    assert result.exit_code == 1
    assert f"CHECK FAILED [base]: {label}" in result.stderr
    assert "FAILED" in result.stdout


def test_python_dash_m_finmodel(project):
    import os
    from pathlib import Path
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    res = subprocess.run([sys.executable, "-m", "finmodel", "run", "-q"], cwd=project, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert (project / "outputs" / "base.xlsx").is_file()
    bad = subprocess.run([sys.executable, "-m", "finmodel", "run", "--bogus"], cwd=project, env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "No such option" in bad.stderr


def test_run_spaces_garbage_collection_and_restores_the_thresholds(project, invoke, monkeypatch):
    """``run`` collects every ``_GC_EVERY`` allocations while it works (issue 16: the default
    every 700 costs ~5-8 % of its time), and leaves the thresholds as they were, also on error."""
    import gc

    from finmodel.cli import run as run_module
    seen = []
    real_execute = run_module.execute

    def spy(*args, **kwargs):
        seen.append(gc.get_threshold())
        return real_execute(*args, **kwargs)

    monkeypatch.setattr(run_module, "execute", spy)
    before = gc.get_threshold()
    assert before[0] != run_module._GC_EVERY
    result = invoke("run", "-q")
    assert result.exit_code == 0, result.stderr
    assert seen == [(run_module._GC_EVERY, *before[1:])]
    assert gc.get_threshold() == before
    from finmodel.errors import InputMissingError
    with pytest.raises(InputMissingError):  # cli.main turns it into exit 66
        invoke("run", "no-such-scenario")
    assert gc.get_threshold() == before
