"""``sensitivity tornado``, ``sensitivity grid``, ``solve`` and ``montecarlo`` as a newcomer uses them."""
from __future__ import annotations

import json
import re

import openpyxl
import pandas as pd
import pytest

GRID = ("--x", "valuation.discount_rate=0.08:0.16:5", "--y", "capex.servers.cost_usd_bn_per_gw=20:40:3")
SOLVE = ("--target", "npv_usd_bn=0", "--vary", "revenue.segments.consumer.initial_growth", "--bounds", "0.1,3")


def test_tornado_writes_a_workbook_with_charts_and_ranked_table(project, invoke):
    result = invoke("sensitivity", "tornado", "--metric", "npv_usd_bn", "--csv")
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(project / "outputs/base-tornado.xlsx")
    assert wb.sheetnames == ["Tornado", "Spider", "Spec", "About"]
    assert len(wb["Tornado"]._charts) == 1 and len(wb["Spider"]._charts) == 1
    swings = pd.read_csv(project / "outputs/base-tornado.csv")
    assert swings["rank"].tolist() == list(range(1, len(swings) + 1))
    assert (project / "outputs/base-tornado-spider.csv").is_file()
    lines = result.stdout.splitlines()
    title = lines.index(next(line for line in lines if line.startswith("NPV at the discount rate")))
    assert lines[title].endswith(f"base {lines[title].rsplit(' ', 1)[1]}")
    assert lines[title + 1].split() == ["input", "range", "low", "high", "swing"]
    top = swings.iloc[0]
    # input labels left-aligned after the rank (pandas < 3 pads the rank column one wider)
    assert re.match(rf"1\.\s+{re.escape(top['label'])}\s", lines[title + 2].strip())


def test_grid_writes_a_heat_map(project, invoke):
    result = invoke("sensitivity", "grid", *GRID, "--metric", "npv_usd_bn", "--csv")
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(project / "outputs/base-grid.xlsx")["Grid"]
    assert ws.conditional_formatting  # the heat map
    tidy = pd.read_csv(project / "outputs/base-grid.csv")
    assert len(tidy) == 15
    assert "rows capex.servers.cost_usd_bn_per_gw, columns valuation.discount_rate" in result.stdout


def test_a_scaled_grid_axis_is_headed_as_a_factor(project, invoke):
    """PATH*= scales every year: its axis holds factors (0.8, 1.0, 1.2), not US$/MWh."""
    result = invoke("sensitivity", "grid", "--x", "operations.power_price_usd_per_mwh*=0.8:1.2:3",
                    "--y", "valuation.discount_rate=0.1:0.12:2", "--csv")
    assert result.exit_code == 0, result.output
    assert "columns operations.power_price_usd_per_mwh (factor);" in result.stdout
    tidy = pd.read_csv(project / "outputs/base-grid.csv")
    assert list(tidy.columns)[1:3] == ["operations.power_price_usd_per_mwh (factor)", "valuation.discount_rate"]
    assert sorted(set(tidy.iloc[:, 1])) == [0.8, 1.0, 1.2]


def test_grid_takes_commas_like_solve(project, invoke):
    assert invoke("sensitivity", "grid", *GRID, "--csv").exit_code == 0
    colons = (project / "outputs/base-grid.csv").read_bytes()
    result = invoke("sensitivity", "grid", "--x", "valuation.discount_rate=0.08,0.16,5",
                    "--y", "capex.servers.cost_usd_bn_per_gw=20,40,3", "--csv")
    assert result.exit_code == 0
    assert (project / "outputs/base-grid.csv").read_bytes() == colons


def test_grid_unknown_path_is_a_usage_error_naming_the_option(project, main_cli):
    code, _, err = main_cli("sensitivity", "grid", "--x", "valuation.discount_rat=0.08:0.16:3",
                            "--y", "capex.servers.cost_usd_bn_per_gw=20:40:3")
    assert code == 2 and "--x: no input 'valuation.discount_rat'" in err
    assert "did you mean 'valuation.discount_rate'" in err
    assert not any((project / "outputs").iterdir())


def test_solve_reports_the_break_even(project, invoke):
    result = invoke("solve", *SOLVE, "--csv")
    assert result.exit_code == 0, result.output
    assert "when revenue.segments.consumer.initial_growth =" in result.stdout
    table = pd.read_csv(project / "outputs/base-solve.csv")
    assert table.loc[0, "result"] == "ok" and 0.1 < table.loc[0, "solution"] < 3


def test_solve_exits_1_without_solution_and_says_why(project, invoke):
    result = invoke("solve", "--target", "revenue_total@2030=100000", "--vary",
                    "valuation.discount_rate", "--bounds", "0.05,0.3")
    assert result.exit_code == 1
    assert "no solution" in result.stderr and "widen --bounds" in result.stderr


def test_solve_takes_colons_like_grid(project, invoke):
    assert invoke("solve", *SOLVE, "--csv").exit_code == 0
    commas = (project / "outputs/base-solve.csv").read_bytes()
    assert invoke("solve", *SOLVE[:-1], "0.1:3", "--csv").exit_code == 0
    assert (project / "outputs/base-solve.csv").read_bytes() == commas


def test_solve_unknown_metric_names_the_target_option(project, main_cli):
    code, _, err = main_cli("solve", "--target", "npv_usd=0", "--vary", "valuation.discount_rate")
    assert code == 2 and "invalid --target" in err and "--metric" not in err
    assert "did you mean 'npv_usd_bn'" in err


@pytest.mark.parametrize("args, words", [
    ((), "give at least one --target METRIC=VALUE"),
    (("--target", "npv_usd_bn=0"), "give one --vary for all targets or one per --target"),
    (("--target", "npv_usd_bn=0", "--target", "irr=0.1", "--vary", "a.b", "--vary", "a.c", "--vary", "a.d"),
     "give one --vary for all targets or one per --target"),
    (("--target", "npv_usd_bn=0", "--target", "irr=0.1", "--vary", "valuation.discount_rate",
      "--bounds", "0,1", "--bounds", "0,2", "--bounds", "0,3"),
     "give one --bounds for all targets or one per --target"),
])
def test_solve_argument_counts(project, main_cli, args, words):
    code, _, err = main_cli("solve", *args)
    assert code == 2 and words in err


def test_montecarlo_is_reproducible_from_its_seed_and_record(project, invoke):
    first = invoke("montecarlo", "--draws", "2000", "--seed", "5", "--csv")
    assert first.exit_code == 0, first.output
    table = pd.read_csv(project / "outputs/base-montecarlo.csv")
    record = json.loads((project / "outputs/base-montecarlo.run.json").read_text())
    assert record["seed"] == 5 and record["draws"] == 2000
    original = {p.name: p.read_bytes() for p in (project / "outputs").iterdir()}
    again = invoke("rerun", "outputs/base-montecarlo.run.json")
    assert again.exit_code == 0, again.output
    assert "inputs unchanged" in again.stdout
    # the rerun writes beside the original and keeps it (and its record) as it was
    assert {p.name: p.read_bytes() for p in (project / "outputs").iterdir() if p.name in original} == original
    pd.testing.assert_frame_equal(pd.read_csv(project / "outputs/base-montecarlo-rerun.csv"), table)
    wb = openpyxl.load_workbook(project / "outputs/base-montecarlo-rerun.xlsx", data_only=True)
    assert wb.sheetnames == ["Summary", "Histograms", "Fan", "Stable at N", "Inputs drawn", "About"]
    p50 = table.set_index("output").loc["npv_usd_bn", "p50"]
    cells = [c.value for row in wb["Summary"].iter_rows() for c in row]
    assert any(isinstance(v, float) and v == pytest.approx(p50, rel=1e-12) for v in cells)


def test_montecarlo_terminal_summary(project, invoke):
    result = invoke("montecarlo", "--draws", "500", "--seed", "3", "--metric", "npv_usd_bn",
                    "--metric", "irr")
    assert result.exit_code == 0
    out = result.stdout
    assert "500 draws, " in out and "seed 3" in out and "correlation:" in out
    header = next(line for line in out.splitlines() if "P50" in line).split()
    assert header == ["mean", "+-se", "P5", "P10", "P25", "P50", "P75", "P90", "P95", "n/a"]
    assert "P(NPV < 0 US$ bn)" in out and "95% CI" in out


def test_montecarlo_without_seed_records_the_entropy_used(project, invoke):
    result = invoke("montecarlo", "--draws", "500")
    assert result.exit_code == 0
    record = json.loads((project / "outputs/base-montecarlo.run.json").read_text())
    assert isinstance(record["seed"], int) and f"seed {record['seed']}" in result.stdout
    # ... and the printed seed is accepted by --seed
    again = invoke("montecarlo", "--draws", "500", "--seed", str(record["seed"]), "-q")
    assert again.exit_code == 0, again.output


def test_montecarlo_probabilities_from_the_spec_and_prob(project, invoke):
    result = invoke("montecarlo", "--draws", "500", "--seed", "4", "--metric", "npv_usd_bn",
                    "--prob", "peak_unfunded_gap_usd_bn>300", "--prob", "first_breach_dscr<=2030", "--csv")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "P(a covenant breaks by 2040)" in out and "P(unfunded gap > 200 US$ bn)" in out
    assert "P(peak_unfunded_gap_usd_bn > 300)" in out and "P(first_breach_dscr <= 2030)" in out
    assert "First year any covenant breaks (first_breach_year)" in out and "never within horizon" in out
    probs = pd.read_csv(project / "outputs/base-montecarlo-probabilities.csv").set_index("event")
    row = probs.loc["peak_unfunded_gap_usd_bn>300"]
    assert row["n"] == 500 and row["p"] == row["count"] / 500 and row["lo"] <= row["p"] <= row["hi"]
    years = pd.read_csv(project / "outputs/base-montecarlo-years.csv")
    assert years["share"].sum() == pytest.approx(1.0) and years["year"].iloc[-1] == "never within horizon"
    record = json.loads((project / "outputs/base-montecarlo.run.json").read_text())
    assert record["probabilities"] == ["peak_unfunded_gap_usd_bn>300", "first_breach_dscr<=2030"]
    assert invoke("rerun", "outputs/base-montecarlo.run.json").exit_code == 0
    again = pd.read_csv(project / "outputs/base-montecarlo-rerun-probabilities.csv").set_index("event")
    pd.testing.assert_frame_equal(again, probs)
    cells = [c.value for r in openpyxl.load_workbook(project / "outputs/base-montecarlo-rerun.xlsx")["Summary"].iter_rows()
             for c in r]
    assert "P(peak_unfunded_gap_usd_bn > 300)" in cells and "never within horizon" in cells


@pytest.mark.parametrize("prob, words", [("peak_unfunded_gap_usd_bn=300", "METRIC<OP>VALUE"),
                                         ("peak_unfunded_gap_usd>300", "did you mean 'peak_unfunded_gap_usd_bn'")])
def test_montecarlo_bad_prob_is_a_usage_error(project, main_cli, prob, words):
    code, _, err = main_cli("montecarlo", "--draws", "100", "--prob", prob)
    assert code == 2 and "--prob" in err and words in err
    assert not any((project / "outputs").iterdir())


def test_solve_sizes_the_ipo_to_close_the_unfunded_gap(project, invoke):
    result = invoke("solve", "--target", "peak_unfunded_gap_usd_bn=0", "--vary",
                    "financing.rounds.ipo.amount_usd_bn", "--bounds", "0,1000", "--csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(project / "outputs/base-solve.csv")
    x = float(table.loc[0, "solution"])
    from finmodel.api import run
    assert run("base", [f"financing.rounds.ipo.amount_usd_bn={x!r}"]).result.metrics[
        "peak_unfunded_gap_usd_bn"].value[0] == pytest.approx(0.0, abs=1e-9)
    assert run("base", [f"financing.rounds.ipo.amount_usd_bn={x - 0.01!r}"]).result.metrics[
        "peak_unfunded_gap_usd_bn"].value[0] > 0


def test_solve_min_dscr_with_the_term_loan_is_not_reachable_on_the_base(project, invoke):
    result = invoke("solve", "--target", "min_dscr=1.3", "--vary", "financing.tranches.term-2029.amount_usd_bn")
    assert result.exit_code == 1
    said = result.output + result.stderr  # click < 8.2 keeps stderr out of .output
    assert "does not move with financing.tranches.term-2029.amount_usd_bn" in said


def test_the_printed_seed_repeats_an_unseeded_monte_carlo(project, invoke):
    """Reproducible by what is printed: the seed an unseeded run prints is taken by --seed."""
    import re
    first = invoke("montecarlo", "--draws", "50", "--csv")
    assert first.exit_code == 0, first.output
    seed = re.search(r"seed (\d+)", first.output).group(1)
    table = (project / "outputs" / "base-montecarlo.csv").read_bytes()
    again = invoke("montecarlo", "--draws", "50", "--csv", "--seed", seed)
    assert again.exit_code == 0, again.output
    assert f"seed {seed}" in again.output
    assert (project / "outputs" / "base-montecarlo.csv").read_bytes() == table
