"""``sensitivity sobol`` and ``sensitivity morris`` end to end: workbook, CSV, run record, rerun."""
from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from libreoffice import compare, recalculate, requires_soffice

SOBOL = ("sensitivity", "sobol", "--samples", "64", "--seed", "3")


def test_sobol_writes_workbook_csv_and_record_and_reruns_identically(project, invoke):
    first = invoke(*SOBOL, "--item", "funding_need", "--item", "fcf", "--csv")
    assert first.exit_code == 0, first.stderr
    out = project / "outputs"
    wb = openpyxl.load_workbook(out / "base-sobol.xlsx")
    assert wb.sheetnames == ["Indices", "By year", "Convergence", "Inputs", "About"]
    assert len(wb["Indices"]._charts) == 2 and len(wb["Convergence"]._charts) == 4
    assert wb["By year"].conditional_formatting  # the heat maps
    indices = pd.read_csv(out / "base-sobol.csv")
    assert set(indices["output"]) == {"npv_usd_bn", "peak_funding_need_usd_bn"}
    assert indices[indices["grouped"]]["factor"].unique().tolist() == [
        "consumer_growth + enterprise_growth", "servers_cost + power_price", "realisation + delay"]
    by_year = pd.read_csv(out / "base-sobol-by_year.csv")
    assert set(by_year["item"]) == {"funding_need", "fcf"} and by_year["year"].min() == 2025
    assert "indices of groups consumer_growth + enterprise_growth" in first.stdout
    assert "the largest total index by year" in first.stdout
    record = json.loads((out / "base-sobol.run.json").read_text())
    assert (record["analysis"], record["samples"], record["seed"]) == ("sobol", 64, 3)
    assert record["items"] == ["funding_need", "fcf"] and record["versions"]["SALib"]
    again = invoke("rerun", "outputs/base-sobol.run.json")
    assert again.exit_code == 0, again.stderr
    for name in ("base-sobol.csv", "base-sobol-by_year.csv", "base-sobol-convergence.csv"):
        rerun = name.replace("base-sobol", "base-sobol-rerun")
        assert (out / rerun).read_bytes() == (out / name).read_bytes(), name


def test_sobol_independent_gives_one_index_per_input_and_says_so(project, invoke):
    result = invoke(*SOBOL, "--independent", "--metric", "npv_usd_bn", "--csv", "-q")
    assert result.exit_code == 0, result.stderr
    t = pd.read_csv(project / "outputs/base-sobol.csv")
    assert not t["grouped"].any() and len(t) == 20
    cells = [c.value for row in openpyxl.load_workbook(project / "outputs/base-sobol.xlsx")["About"].iter_rows()
             for c in row]
    assert any(isinstance(c, str) and "treated as independent" in c for c in cells)


@pytest.mark.parametrize("args, words", [
    (("--samples", "100"), "expected a power of 2"),
    (("--item", "fcff"), "unknown line item 'fcff'"),
    (("--metric", "npvv"), "unknown metric 'npvv'"),
])
def test_sobol_usage_errors(project, main_cli, args, words):
    code, _, err = main_cli("sensitivity", "sobol", "--samples", "32", *args)
    assert code == 2 and words in err and "Traceback" not in err


def test_morris_all_inputs_screens_every_input_and_reruns(project, invoke):
    first = invoke("sensitivity", "morris", "--all-inputs", "--trajectories", "4", "--seed", "2", "--csv")
    assert first.exit_code == 0, first.stderr
    out = project / "outputs"
    wb = openpyxl.load_workbook(out / "base-morris.xlsx")
    assert wb.sheetnames == ["Screening", "Left out", "About"]
    effects = pd.read_csv(out / "base-morris.csv")
    npv = effects[effects["output"] == "npv_usd_bn"]
    assert len(npv) > 100 and npv["rank"].tolist() == list(range(1, len(npv) + 1))
    assert "valuation.discount_rate" in set(npv["path"])
    rate = npv.set_index("path").loc["valuation.discount_rate"]
    assert (rate["low"], rate["high"]) == pytest.approx((0.12 * 0.8, 0.12 * 1.2))
    record = json.loads((out / "base-morris.run.json").read_text())
    assert record["all_inputs"] is True and record["change"] == 0.2 and record["spec"] is None
    again = invoke("rerun", "outputs/base-morris.run.json")
    assert again.exit_code == 0, again.stderr
    assert (out / "base-morris-rerun.csv").read_bytes() == (out / "base-morris.csv").read_bytes()


def test_morris_of_the_spec_and_change_needs_all_inputs(project, invoke, main_cli):
    result = invoke("sensitivity", "morris", "--seed", "1", "--trajectories", "5", "-q", "--csv")
    assert result.exit_code == 0, result.stderr
    effects = pd.read_csv(project / "outputs/base-morris.csv")
    assert len(effects) == 2 * 20  # NPV and peak funding need x the spec's 20 inputs
    code, _, err = main_cli("sensitivity", "morris", "--change", "0.1")
    assert code == 2 and "--all-inputs" in err
    code, _, err = main_cli("sensitivity", "morris", "--levels", "5")
    assert code == 2 and "even" in err
    code, _, err = main_cli("sensitivity", "morris", "--all-inputs", "--spec", "assumptions/sensitivity.yaml")
    assert code == 2 and "give one of them" in err


@requires_soffice
def test_the_sobol_workbook_recalculates_in_libreoffice_to_its_values(project, invoke, tmp_path):
    assert invoke(*SOBOL, "-q").exit_code == 0
    book = project / "outputs/base-sobol.xlsx"
    formulas = [c for ws in openpyxl.load_workbook(book).worksheets for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=")]
    assert len(formulas) > 100  # interval ends, ST - S1 and the sums of S1 are live
    (out,) = recalculate([book], tmp_path / "recalc")
    assert compare(book, out) == []
