"""``montecarlo --precision``, the memory check and the stable-at-N sheet on the command line."""
from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from finmodel.sensitivity import montecarlo as mcmod

ARGS = ("montecarlo", "--seed", "2", "--metric", "npv_usd_bn")


def test_precision_says_where_it_stopped_and_rerun_stops_there_again(project, invoke):
    result = invoke(*ARGS, "--precision", "npv_usd_bn:p50=30", "--draws", "20000", "--csv")
    assert result.exit_code == 0, result.output + result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("stopped at "))
    n = int(line.split()[2].replace(",", ""))
    assert line == f"stopped at {n:,} draws: every precision goal met" and n < 20_000
    assert f"{n:,} draws," in result.stdout
    record = json.loads((project / "outputs/base-montecarlo.run.json").read_text())
    assert record["precision"] == ["npv_usd_bn:p50=30"] and record["draws"] == 20_000
    conv = pd.read_csv(project / "outputs/base-montecarlo-convergence.csv")
    assert conv["draws"].max() == n and set(conv["output"]) == {"npv_usd_bn"}
    last = conv.iloc[-1]
    assert (last["p50_hi"] - last["p50_lo"]) / 2 <= 30
    wb = openpyxl.load_workbook(project / "outputs/base-montecarlo.xlsx")
    ws = wb["Stable at N"]
    assert ws._charts and ws.cell(6, 1).value == 100  # first row of the series: N = 100
    about = {r[0].value: r[1].value for r in wb["About"].iter_rows() if r[0].value}
    assert about["Precision goals"] == "npv_usd_bn:p50=30" and about["Stopped"] == line
    again = invoke("rerun", "outputs/base-montecarlo.run.json")
    assert again.exit_code == 0, again.output
    assert line in again.stdout
    pd.testing.assert_frame_equal(pd.read_csv(project / "outputs/base-montecarlo-rerun.csv"),
                                  pd.read_csv(project / "outputs/base-montecarlo.csv"))


@pytest.mark.parametrize("goal, words", [
    ("npv_usd_bn:p0=5", "STAT 'p0'"),
    ("npv_usd_bn:p50=-1", "HALF_WIDTH must be above 0"),
    ("npv_usd_bn=5", "METRIC:STAT=HALF_WIDTH"),
    ("npv_usd_bm:p50=5", "did you mean"),
])
def test_a_bad_goal_is_a_usage_error_naming_the_option(project, main_cli, goal, words):
    code, _, err = main_cli(*ARGS, "--precision", goal, "--draws", "100")
    assert code == 2 and "--precision" in err and words in err
    assert not list((project / "outputs").iterdir())


def test_draws_that_cannot_fit_are_refused_up_front(project, main_cli, monkeypatch):
    monkeypatch.setattr(mcmod, "available_memory", lambda: 3 * 10**9)
    code, out, err = main_cli("montecarlo", "--draws", "900000000", "--seed", "1")
    assert code == 2
    assert "--draws 900,000,000 needs about" in err and "3.0 GB is available: use --draws" in err
    assert "Traceback" not in err and not list((project / "outputs").iterdir())
