"""``finmodel solve`` with a statistic target, end to end: outputs, record, rerun, bad targets."""
from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

STAT = ("--target", "p90(peak_funding_need_usd_bn)=500", "--vary", "revenue.segments.consumer.initial_growth",
        "--bounds", "0.5,6", "--draws", "600", "--seed", "8")


def test_a_statistic_solve_writes_its_outputs_and_rerun_reproduces_them(project, invoke):
    first = invoke("solve", *STAT, "--csv")
    assert first.exit_code == 0, first.output
    assert "+- " in first.stdout and "(Monte Carlo s.e.)" in first.stdout
    assert "600 draws of assumptions/sensitivity.yaml (seed 8) fixed over the search" in first.stdout
    table = pd.read_csv(project / "outputs/base-solve.csv")
    row = table.iloc[0]
    assert row["output"] == "p90(peak_funding_need_usd_bn)" and row["result"] == "ok"
    assert row["se"] > 0 and row["draws"] == 600 and row["evaluations"] > 21
    record = json.loads((project / "outputs/base-solve.run.json").read_text())
    assert record["seed"] == 8 and record["draws"] == 600 and record["spec"] == "assumptions/sensitivity.yaml"
    assert record["targets"] == ["p90(peak_funding_need_usd_bn)=500"] and record["lhs"] is False
    ws = openpyxl.load_workbook(project / "outputs/base-solve.xlsx")["Solve"]
    rows = {r[0]: r[1] for r in ws.iter_rows(min_col=1, max_col=2, values_only=True) if r[0]}
    assert rows["Standard error of solution (Monte Carlo)"] == pytest.approx(row["se"])
    assert rows["Monte Carlo draws"] == 600 and rows["Input solved"] == pytest.approx(row["solution"])
    assert "common random numbers" in rows["Method"]
    (project / "again").mkdir()
    again = invoke("rerun", "outputs/base-solve.run.json", "-o", "again")
    assert again.exit_code == 0, again.output
    assert (project / "again/base-solve.csv").read_bytes() == (project / "outputs/base-solve.csv").read_bytes()
    replayed = json.loads((project / "again/base-solve.run.json").read_text())
    assert "--draws=600" in replayed["command"] and "--seed=8" in replayed["command"]


def test_a_solve_without_seed_records_the_seed_it_drew(project, invoke):
    result = invoke("solve", *STAT[:-2], "-q")
    assert result.exit_code == 0, result.output
    record = json.loads((project / "outputs/base-solve.run.json").read_text())
    assert isinstance(record["seed"], int) and record["seed"] > 0


@pytest.mark.parametrize("target, words", [
    ("p101(peak_funding_need_usd_bn)=500", "Q must lie strictly between 0 and 100"),
    ("prob(npv_usd_bn)=0.2", "expected METRIC<OP>VALUE"),
    ("prob(npv_usd_bn<0)=1.5", "strictly between 0 and 1"),
    ("p90(peak_funding_ned_usd_bn)=500", "did you mean 'peak_funding_need_usd_bn'"),
])
def test_bad_statistic_targets_exit_2_naming_the_option(project, main_cli, target, words):
    code, _, err = main_cli("solve", "--target", target, "--vary", "revenue.segments.consumer.initial_growth",
                            "--draws", "100")
    assert code == 2 and words in err and "--target" in err and "Traceback" not in err
    assert not any((project / "outputs").iterdir())


def test_an_unreachable_statistic_exits_1_like_every_unsolved_target(project, main_cli):
    code, _, err = main_cli("solve", "--target", "p90(peak_funding_need_usd_bn)=10", "--vary",
                            "revenue.segments.consumer.initial_growth", "--bounds", "0.5,6", "--draws", "100",
                            "--seed", "1")
    assert code == 1 and "outside the reachable range" in err and "Traceback" not in err
    assert (project / "outputs/base-solve-failed.xlsx").is_file()
