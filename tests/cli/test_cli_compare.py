"""``finmodel compare`` and the combined table of ``run --all --csv``."""
from __future__ import annotations

import openpyxl
import pandas as pd


def test_compare_writes_the_side_by_side_workbook_and_tidy_tables(project, invoke):
    result = invoke("compare", "--csv")
    assert result.exit_code == 0, result.output
    stem = project / "outputs" / "compare-base-bull-bear"
    wb = openpyxl.load_workbook(f"{stem}.xlsx")
    assert wb.sheetnames == ["Compare", "By year", "Inputs that differ", "About"]
    assert len(wb["By year"]._charts) >= 6  # revenue, FCF, cash, funding need, gap, capacity, ...
    tidy = pd.read_csv(f"{stem}.csv")
    assert list(tidy.columns) == ["scenario", "line_item", "label", "unit", "sheet", "year", "value"]
    assert sorted(tidy["scenario"].unique()) == ["base", "bear", "bull"]
    metrics = pd.read_csv(f"{stem}-metrics.csv")
    assert set(metrics["scenario"]) == {"base", "bull", "bear"}
    inputs = pd.read_csv(f"{stem}-inputs.csv").set_index("input")
    assert inputs.loc["valuation.discount_rate", ["base", "bull", "bear"]].tolist() == [0.12, 0.09, 0.15]
    assert "unit" in result.stdout.splitlines()[2] and "input values differ" in result.stdout


def test_a_set_variant_is_a_column_and_name_chooses_the_file(project, invoke):
    result = invoke("compare", "base", "base[valuation.discount_rate=0.10]", "--name", "rates", "-q")
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(project / "outputs/rates.xlsx")["Compare"]
    header = [c.value for c in ws[4]]
    assert header[2] == "base" and header[3].startswith("base-set-")


def test_a_bad_variant_is_a_usage_error(project, main_cli):
    code, _, err = main_cli("compare", "base", "base[valuation.discount_rate]")
    assert code == 2 and "expected NAME[PATH=VALUE,...]" in err
    code, _, err = main_cli("compare", "base", "base[valuation.discount_rat=0.1]")
    assert code == 65 and "valuation.discount_rat" in err


def test_run_all_csv_also_writes_one_combined_tidy_table(project, invoke):
    result = invoke("run", "--all", "--csv", "-q")
    assert result.exit_code == 0, result.output
    combined = pd.read_csv(project / "outputs/all-scenarios.csv")
    assert list(combined.columns) == ["scenario", "line_item", "label", "unit", "sheet", "year", "value"]
    for name in ("base", "bull", "bear"):
        single = pd.read_csv(project / f"outputs/{name}.csv")
        mine = combined[combined["scenario"] == name].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, single)
    metrics = pd.read_csv(project / "outputs/all-scenarios-metrics.csv")
    scenarios = combined["scenario"].unique()
    assert {"base", "bull", "bear"} <= set(scenarios)  # every shipped scenario (run --all)
    assert len(metrics) == len(scenarios) * len(pd.read_csv(project / "outputs/base-metrics.csv"))
