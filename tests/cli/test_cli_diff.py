"""``finmodel diff A B`` as an analyst uses it: the waterfall on the terminal, the workbook,
the CSV with a total row per metric, and clear refusals."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

RATE = "valuation.discount_rate=0.10"
SERVERS = "capex.servers.cost_usd_bn_per_gw=30"


def test_diff_of_a_set_variant_writes_the_waterfall_workbook_and_csv(project, invoke):
    result = invoke("diff", "base", "base", "--set-b", RATE, "--set-b", SERVERS,
                    "--metric", "npv_usd_bn", "--metric", "peak_funding_need_usd_bn", "--csv")
    assert result.exit_code == 0, result.output
    out = sorted(p.name for p in (project / "outputs").iterdir())
    stem = next(p[:-5] for p in out if p.endswith(".xlsx"))
    assert stem.startswith("diff-base-base-set-") and len(stem) == len("diff-base-base-set-") + 6
    assert out == [f"{stem}-inputs.csv", f"{stem}.csv", f"{stem}.run.json", f"{stem}.xlsx"]
    text = result.stdout
    assert "2 input values differ" in text and "exact Shapley values over 2 inputs" in text
    assert "capex.servers.cost_usd_bn_per_gw" in text and "valuation.discount_rate" in text
    table = pd.read_csv(project / "outputs" / f"{stem}.csv")
    assert list(table.columns[:6]) == ["metric", "label", "unit", "input", "members", "contribution"]
    for metric, rows in table.groupby("metric"):
        total = rows[rows["input"] == "total"]["contribution"].item()
        assert rows[rows["input"] != "total"]["contribution"].sum() == pytest.approx(total, abs=1e-9)
    inputs = pd.read_csv(project / "outputs" / f"{stem}-inputs.csv")
    assert sorted(inputs["input"]) == ["capex.servers.cost_usd_bn_per_gw", "valuation.discount_rate"]
    wb = openpyxl.load_workbook(project / "outputs" / f"{stem}.xlsx")
    assert wb.sheetnames == ["Waterfall", "Inputs that differ", "About"]
    assert len(wb["Waterfall"]._charts) == 2  # one waterfall per metric


def test_the_same_overrides_in_any_order_give_the_same_name(project, invoke):
    assert invoke("diff", "base", "base", "--set-b", RATE, "--set-b", SERVERS, "-q").exit_code == 0
    assert invoke("diff", "base", "base", "--set-b", SERVERS, "--set-b", RATE, "-q").exit_code == 0
    assert len(list((project / "outputs").glob("*.xlsx"))) == 1


def test_name_chooses_the_outputs(project, invoke):
    result = invoke("diff", "base", "bull", "--metric", "npv_usd_bn", "--name", "why-bull", "-q",
                    "--permutations", "20", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert (project / "outputs/why-bull.xlsx").is_file()
    assert invoke("diff", "base", "bull", "--name", "../x").exit_code == 2


def test_different_structures_are_refused_with_each_difference(project, main_cli):
    before = sorted((project / "outputs").iterdir())
    code, out, err = main_cli("diff", "base", "base", "--set-b", "deals.cerebras.include=false")
    assert code == 65
    assert "differ in structure" in err and "deals: included deals" in err and "only in A: cerebras" in err
    assert "assumptions/base.yaml" in err and "Traceback" not in err
    assert sorted((project / "outputs").iterdir()) == before  # nothing written


@pytest.mark.parametrize("args, words", [
    (("--metric", "npv_usd"), "did you mean 'npv_usd_bn'"),
    (("--by", "deal"), "'deal' is not one of"),
])
def test_usage_mistakes_exit_2(project, main_cli, args, words):
    code, _, err = main_cli("diff", "base", "bear", *args)
    assert code == 2 and words in err


def test_an_unknown_scenario_exits_66(project, main_cli):
    code, _, err = main_cli("diff", "base", "bearish")
    assert code == 66 and "no scenario 'bearish'" in err


def test_a_run_record_stands_for_its_run_until_an_input_changes(project, invoke, main_cli):
    assert invoke("run", "--set", RATE, "-q").exit_code == 0
    (record,) = (project / "outputs").glob("*.run.json")
    result = invoke("diff", str(record), "base", "--metric", "npv_usd_bn")
    assert result.exit_code == 0, result.output
    assert "1 input value differs" in result.stdout and "valuation.discount_rate" in result.stdout
    base = project / "assumptions/base.yaml"
    base.write_text(base.read_text() + "\n# edited\n")
    code, _, err = main_cli("diff", str(record), "base")
    assert code == 2 and "input files changed since" in err and "base.yaml" in err
