"""The command line as a newcomer uses it: help, the default run, every command's outputs."""
from __future__ import annotations

import json
import shutil

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from finmodel.cli import cli

from conftest import ROOT


@pytest.fixture()
def project(tmp_path, monkeypatch):
    """A copy of the shipped assumptions with an empty outputs/ folder, as the working dir."""
    shutil.copytree(ROOT / "assumptions", tmp_path / "assumptions")
    (tmp_path / "outputs").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


@pytest.mark.parametrize("args", [[], ["run"], ["validate"], ["sensitivity"], ["sensitivity", "tornado"],
                                  ["sensitivity", "grid"], ["solve"], ["montecarlo"], ["rerun"]])
def test_every_command_has_help_with_examples(args):
    result = invoke(*args, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output
    if args and args != ["sensitivity"]:
        assert "Example" in result.output


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and "finmodel" in result.output


def test_no_arguments_runs_the_base_case_into_outputs(project):
    result = invoke()
    assert result.exit_code == 0, result.output
    assert (project / "outputs" / "base.xlsx").is_file()
    assert (project / "outputs" / "base.run.json").is_file()
    assert "NPV" in result.output and "all pass" in result.output


def test_run_all_with_csv_writes_three_workbooks_and_tidy_tables(project):
    result = invoke("run", "--all", "--csv")
    assert result.exit_code == 0, result.output
    for name in ("base", "bull", "bear"):
        assert (project / "outputs" / f"{name}.xlsx").is_file()
        tidy = pd.read_csv(project / "outputs" / f"{name}.csv")
        assert list(tidy.columns) == ["line_item", "label", "unit", "sheet", "year", "value"]
        metrics = pd.read_csv(project / "outputs" / f"{name}-metrics.csv")
        assert "npv_usd_bn" in set(metrics["metric"])
    checks_line = next(line for line in result.output.splitlines() if line.startswith("Model checks"))
    assert checks_line.count("all pass") == 3 and "bull" in result.output and "bear" in result.output


def test_set_override_changes_the_workbook_and_the_summary(project):
    invoke("run")
    before = openpyxl.load_workbook(project / "outputs/base.xlsx", data_only=True)["Valuation"]["C7"].value
    result = invoke("run", "--set", "valuation.discount_rate=0.09")
    assert result.exit_code == 0
    wb = openpyxl.load_workbook(project / "outputs/base.xlsx", data_only=True)
    after = wb["Valuation"]["C7"].value
    assert after != before
    named = wb.defined_names["in_valuation_discount_rate"]
    sheet, coord = next(iter(named.destinations))
    assert wb[sheet][coord.replace("$", "")].value == 0.09


def test_validate_reports_ok(project):
    result = invoke("validate")
    assert result.exit_code == 0
    assert result.output.count(": ok") == 4 and "sensitivity.yaml: ok" in result.output


def test_tornado_writes_a_workbook_with_charts_and_ranked_table(project):
    result = invoke("sensitivity", "tornado", "--metric", "npv_usd_bn", "--csv")
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(project / "outputs/base-tornado.xlsx")
    assert wb.sheetnames == ["Tornado", "Spider", "Spec", "About"]
    assert len(wb["Tornado"]._charts) == 1 and len(wb["Spider"]._charts) == 1
    swings = pd.read_csv(project / "outputs/base-tornado.csv")
    assert swings["rank"].tolist() == list(range(1, len(swings) + 1))
    assert "1." in result.output


def test_grid_writes_a_heat_map(project):
    result = invoke("sensitivity", "grid", "--x", "valuation.discount_rate=0.08:0.16:5",
                    "--y", "capex.servers.cost_usd_bn_per_gw=20:40:3", "--metric", "npv_usd_bn", "--csv")
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(project / "outputs/base-grid.xlsx")
    ws = wb["Grid"]
    assert ws.conditional_formatting  # the heat map
    tidy = pd.read_csv(project / "outputs/base-grid.csv")
    assert len(tidy) == 15


def test_grid_rejects_a_bad_axis_with_usage_exit(project):
    from finmodel.cli import main
    with pytest.raises(SystemExit) as ex:
        main(["sensitivity", "grid", "--x", "valuation.discount_rate=0.08-0.16", "--y",
              "capex.servers.cost_usd_bn_per_gw=20:40:3"])
    assert ex.value.code == 2


def test_solve_reports_the_break_even_and_exit_1_without_solution(project, capsys):
    ok = invoke("solve", "--target", "npv_usd_bn=0", "--vary", "revenue.segments.consumer.initial_growth",
                "--bounds", "0.1,3")
    assert ok.exit_code == 0, ok.output
    assert "when revenue.segments.consumer.initial_growth =" in ok.output
    from finmodel.cli import main
    with pytest.raises(SystemExit) as ex:  # main() maps the command's result to the exit code
        main(["solve", "--target", "revenue_total@2030=100000", "--vary", "valuation.discount_rate",
              "--bounds", "0.05,0.3"])
    assert ex.value.code == 1
    assert "no solution" in capsys.readouterr().err


def test_montecarlo_is_reproducible_from_its_seed_and_record(project):
    first = invoke("montecarlo", "--draws", "2000", "--seed", "5", "--csv")
    assert first.exit_code == 0, first.output
    table = pd.read_csv(project / "outputs/base-montecarlo.csv")
    record = json.loads((project / "outputs/base-montecarlo.run.json").read_text())
    assert record["seed"] == 5 and record["draws"] == 2000
    (project / "outputs/base-montecarlo.csv").unlink()
    again = invoke("rerun", "outputs/base-montecarlo.run.json")
    assert again.exit_code == 0, again.output
    assert "inputs unchanged" in again.output
    wb = openpyxl.load_workbook(project / "outputs/base-montecarlo.xlsx", data_only=True)
    assert wb.sheetnames == ["Summary", "Fan", "Inputs drawn", "About"]
    # the rerun wrote the same percentiles
    p50 = table.set_index("output").loc["npv_usd_bn", "p50"]
    cells = [c.value for row in wb["Summary"].iter_rows() for c in row]
    assert any(isinstance(v, float) and v == pytest.approx(p50, rel=1e-12) for v in cells)


def test_montecarlo_without_seed_records_the_entropy_used(project):
    result = invoke("montecarlo", "--draws", "500")
    assert result.exit_code == 0
    record = json.loads((project / "outputs/base-montecarlo.run.json").read_text())
    assert isinstance(record["seed"], int) and f"seed {record['seed']}" in result.output
