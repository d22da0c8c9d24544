"""Run records of ``compare`` and ``diff`` and their replay by ``rerun``; the compare table's
differences from the first scenario; a solve without a solution keeps the last good outputs."""
from __future__ import annotations

import json

import pytest

from finmodel.errors import UsageError
from finmodel.tables import format_difference


def test_compare_writes_a_record_that_rerun_replays(project, invoke):
    first = invoke("compare", "base", "bear", "base[valuation.discount_rate=0.1]", "--csv", "-q")
    assert first.exit_code == 0, first.output
    stem = "compare-base-bear-base-set-38e77b"
    doc = json.loads((project / "outputs" / f"{stem}.run.json").read_text())
    assert doc["analysis"] == "compare"
    assert [s["overrides"] for s in doc["scenarios"]] == [[], [], ["valuation.discount_rate=0.1"]]
    assert doc["scenarios"][1]["scenario"].endswith("bear.yaml")
    again = invoke("rerun", f"outputs/{stem}.run.json")
    assert again.exit_code == 0, again.output
    assert "inputs unchanged" in again.stdout and "bear − base" in again.stdout
    for table in ("", "-metrics", "-inputs"):
        assert (project / "outputs" / f"{stem}-rerun{table}.csv").read_bytes() == \
            (project / "outputs" / f"{stem}{table}.csv").read_bytes()
    replayed = json.loads((project / "outputs" / f"{stem}-rerun.run.json").read_text())
    assert replayed["scenarios"] == doc["scenarios"]
    assert replayed["command"].startswith("finmodel rerun ")  # what ran, never the stored text


def test_diff_writes_a_record_that_rerun_replays(project, invoke):
    first = invoke("diff", "base", "base", "--set-b", "valuation.discount_rate=0.1", "--set-b",
                   "operations.pue=1.3", "--metric", "npv_usd_bn", "--csv", "-q")
    assert first.exit_code == 0, first.output
    records = list((project / "outputs").glob("diff-*.run.json"))
    assert len(records) == 1
    doc = json.loads(records[0].read_text())
    assert doc["analysis"] == "diff" and doc["metrics"] == ["npv_usd_bn"] and doc["by"] == "input"
    assert doc["scenarios"][1]["overrides"] == ["valuation.discount_rate=0.1", "operations.pue=1.3"]
    again = invoke("rerun", str(records[0]), "--name", "again", "-q")
    assert again.exit_code == 0, again.output
    stem = records[0].name.removesuffix(".run.json")
    assert (project / "outputs/again.csv").read_bytes() == (project / "outputs" / f"{stem}.csv").read_bytes()


def test_a_broken_compare_record_is_a_usage_error(project, invoke, main_cli):
    assert invoke("compare", "base", "bull", "-q").exit_code == 0
    path = project / "outputs/compare-base-bull.run.json"
    doc = json.loads(path.read_text())
    del doc["scenarios"]
    path.write_text(json.dumps(doc))
    code, _, err = main_cli("rerun", str(path))
    assert code == 2 and "lacks its 'scenarios'" in err


def test_a_compare_record_does_not_stand_for_one_scenario(project, invoke):
    from finmodel.api import load_argument
    assert invoke("compare", "base", "bull", "-q").exit_code == 0
    with pytest.raises(UsageError, match="stands for several scenarios"):
        load_argument("outputs/compare-base-bull.run.json")


def test_the_compare_table_shows_each_difference_from_the_first(project, invoke):
    result = invoke("compare", "base", "bull", "bear")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = next(line for line in lines if "unit" in line)
    assert header.rstrip().endswith("bull − base bear − base")
    npv = next(line for line in lines if line.startswith("NPV at the discount rate"))
    values = npv.split()[-5:]  # base, bull, bear, bull − base, bear − base
    base, bull, bear = (float(v.replace(",", "")) for v in values[:3])
    assert values[3] == f"{bull - base:+,.1f}" or abs(float(values[3].replace(",", "")) - (bull - base)) <= 0.1 + 1e-9
    assert abs(float(values[4].replace(",", "")) - (bear - base)) <= 0.1 + 1e-9  # rounded sides


@pytest.mark.parametrize("delta, unit, text", [
    (0.2141, "fraction", "+21.4 pp"), (-0.00001, "fraction", "0.0 pp"), (3, "year", "+3 yrs"),
    (-1, "year", "-1 yr"), (1874.93, "US$ bn", "+1,874.9"), (-0.01, "US$ bn", "0.0"),
    (-0.65, "x", "-0.65x"), (float("nan"), "x", "n/a"), (None, "US$ bn", "n/a"),
])
def test_format_difference(delta, unit, text):
    assert format_difference(delta, unit) == text


def test_a_solve_without_solution_leaves_the_last_good_outputs(project, invoke):
    args = ["solve", "--target", "npv_usd_bn=0", "--vary", "valuation.discount_rate", "-q"]
    assert invoke(*args).exit_code == 0
    good = {p.name: p.read_bytes() for p in (project / "outputs").glob("base-solve*")}
    assert set(good) == {"base-solve.xlsx", "base-solve.run.json"}
    failed = invoke(*args, "--bounds", "0.2,0.3")
    assert failed.exit_code == 1 and "no solution" in failed.stderr
    for name, data in good.items():
        assert (project / "outputs" / name).read_bytes() == data
    record = json.loads((project / "outputs/base-solve-failed.run.json").read_text())
    assert record["outputs"]["xlsx"].endswith("base-solve-failed.xlsx")
    assert (project / "outputs/base-solve-failed.xlsx").is_file()
