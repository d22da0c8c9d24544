"""The registry of analyses and ``rerun``: every kind writes a record that replays exactly."""
from __future__ import annotations

import inspect
import json
import shlex
import shutil

import pytest

from finmodel.cli.registry import ANALYSES, analysis_named
from finmodel.outputs import variant_name

COMMANDS = {
    "run": ["run", "--set", "valuation.discount_rate=0.1"],
    "tornado": ["sensitivity", "tornado", "--metric", "npv_usd_bn", "--metric", "irr"],
    "grid": ["sensitivity", "grid", "--x", "valuation.discount_rate=0.08:0.16:3",
             "--y", "operations.power_price_usd_per_mwh*=0.5,2,3", "--metric", "revenue_total@2030"],
    "solve": ["solve", "--target", "npv_usd_bn=0", "--target", "revenue_total@2030=250",
              "--vary", "revenue.segments.consumer.initial_growth", "--bounds", "0.1,3"],
    "montecarlo": ["montecarlo", "--draws", "300", "--lhs", "--metric", "npv_usd_bn"],
    "sobol": ["sensitivity", "sobol", "--samples", "32", "--seed", "1", "--metric", "npv_usd_bn"],
    "morris": ["sensitivity", "morris", "--trajectories", "3", "--seed", "1", "--all-inputs", "--change", "0.1"],
}


def test_every_analysis_is_registered_once_with_a_command():
    assert set(ANALYSES) == set(COMMANDS)
    for name, analysis in ANALYSES.items():
        assert analysis.name == name
        assert analysis.result.kind == name  # the API function's return annotation
        params = inspect.signature(analysis.compute).parameters
        assert set(analysis.record.values()) <= set(params)  # recorded = API arguments
        assert set(analysis.required) <= set(analysis.record.values())  # replayable
        assert set(analysis.paths) <= set(analysis.record.values())


@pytest.mark.parametrize("kind", list(COMMANDS))
def test_every_kind_round_trips_through_its_record(project, invoke, kind):
    first = invoke(*COMMANDS[kind], "--csv", "-q")
    assert first.exit_code in (0, 1), first.output  # solve: the second target may be unsolved
    stem = variant_name("base", ["valuation.discount_rate=0.1"]) if kind == "run" else f"base-{kind}"
    record = json.loads((project / "outputs" / f"{stem}.run.json").read_text())
    assert record["analysis"] == kind
    assert set(ANALYSES[kind].record) <= set(record)
    csvs = sorted(p.name for p in (project / "outputs").glob("*.csv"))
    assert csvs and "csv" in record["outputs"]
    before = {name: (project / "outputs" / name).read_bytes() for name in csvs}
    (project / "again").mkdir()
    again = invoke("rerun", f"outputs/{stem}.run.json", "-o", "again")
    assert again.exit_code == first.exit_code, again.output
    assert "inputs unchanged" in again.stdout
    after = {name: (project / "again" / name).read_bytes() for name in csvs}
    assert after == before
    replayed = json.loads((project / "again" / f"{stem}.run.json").read_text())
    for key in ANALYSES[kind].record:
        assert replayed[key] == record[key], key
    # what is recorded is what ran: the command rebuilt from the record's fields
    words = shlex.split(replayed["command"])
    assert words[:1 + len(ANALYSES[kind].command)] == ["finmodel", *ANALYSES[kind].command]
    assert "--output=again" in words and words[-2:] == ["--", "assumptions/base.yaml"]


def test_record_of_an_earlier_version_still_replays(project, invoke):
    """Records without ``outputs`` (analyses before the registry) replay without CSV."""
    assert invoke("solve", "--target", "npv_usd_bn=0", "--vary",
                  "revenue.segments.consumer.initial_growth", "-q").exit_code == 0
    path = project / "outputs/base-solve.run.json"
    doc = json.loads(path.read_text())
    del doc["outputs"]
    shutil.rmtree(project / "outputs")
    (project / "outputs").mkdir()
    path.write_text(json.dumps(doc))
    result = invoke("rerun", "outputs/base-solve.run.json")
    assert result.exit_code == 0, result.output
    assert (project / "outputs/base-solve-rerun.xlsx").is_file()  # beside the record it replays
    assert json.loads(path.read_text()) == doc
    assert not list((project / "outputs").glob("*.csv"))


@pytest.mark.parametrize("edit, words", [
    ({"analysis": "sobel"}, "unknown analysis 'sobel' in the run record (known: run, tornado, grid, solve, montecarlo, sobol, morris)"),
    ({"analysis": ["grid"]}, "analysis: expected text (got ['grid'])"),
    ({"x": None}, "the run record of a grid lacks 'x'"),
    ({"x": "valuation.discount_rate=oops"}, "x: Invalid value for '--x': expected PATH=LO:HI:N"),
], ids=["unknown-kind", "kind-not-text", "missing-argument", "bad-argument"])
def test_bad_analysis_records_are_usage_errors(project, invoke, main_cli, edit, words):
    assert invoke(*COMMANDS["grid"], "-q").exit_code == 0
    path = project / "outputs/base-grid.run.json"
    doc = json.loads(path.read_text()) | edit
    path.write_text(json.dumps(doc))
    code, _, err = main_cli("rerun", str(path))
    assert code == 2 and words in err and "Traceback" not in err


def test_analysis_named_lists_the_known_kinds():
    from finmodel.errors import UsageError
    assert analysis_named("grid") is ANALYSES["grid"]
    with pytest.raises(UsageError, match="known: run, tornado"):
        analysis_named("nope")


def test_rerun_of_a_workbook_points_to_its_record(project, invoke, main_cli):
    assert invoke("run", "-q").exit_code == 0
    code, _, err = main_cli("rerun", "outputs/base.xlsx")
    assert code == 2 and "is a workbook; rerun takes the run record" in err
    assert "finmodel rerun outputs/base.run.json" in err
