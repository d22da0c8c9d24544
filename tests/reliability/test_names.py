"""Outputs are never overwritten by surprise: --set runs say so in their names, --name chooses
a name, rerun writes beside the original, and no stale CSV stays beside a newer workbook."""
from __future__ import annotations

import json

from finmodel.outputs import variant_name
from relhelp import run_main

RATE = "valuation.discount_rate=0.1"


def test_a_set_run_leaves_the_clean_outputs_alone(mini_project):
    before = mini_project.snapshot()  # base.xlsx and base.run.json of a clean run
    res = run_main("run", "-q", "--set", RATE)
    assert res.code == 0, res.err
    after = mini_project.snapshot()
    assert {k: after[k] for k in before} == before and len(after) > len(before)
    stem = variant_name("base", [RATE])
    assert stem.startswith("base-set-") and (mini_project.outputs / f"{stem}.xlsx").is_file()
    assert variant_name("base", ["b=1", "a=2"]) == variant_name("base", ["a=2", "b=1"])
    assert variant_name("base", ["a=2"]) != variant_name("base", ["a=3"])
    # the same value however it is written: one name, one set of files
    spellings = ["valuation.discount_rate=0.10", "valuation.discount_rate=.10", " valuation.discount_rate = 1e-1 "]
    assert {variant_name("base", [s]) for s in spellings} == {stem}
    assert variant_name("base", ["x.y=2030"]) == variant_name("base", ["x.y=2030.0"])
    assert variant_name("base", ["x.y=yes"]) != variant_name("base", ["x.y=no"])
    # a deal's column is read as text: 1 and 1.0 are different runs
    assert variant_name("base", ["deals.d1.note=1"]) != variant_name("base", ["deals.d1.note=1.0"])
    # a path set twice: the model takes the last, and so does the name
    twice = ["valuation.discount_rate=0.12", RATE]
    assert variant_name("base", twice) == stem != variant_name("base", twice[::-1])


def test_name_chooses_the_outputs_of_one_scenario(mini_project):
    assert run_main("run", "-q", "--set", RATE, "--name", "r10").code == 0
    record = json.loads((mini_project.outputs / "r10.run.json").read_text())
    assert record["overrides"] == [RATE] and (mini_project.outputs / "r10.xlsx").is_file()
    res = run_main("run", "base", "base", "--name", "x")
    assert res.code == 2 and "--name names the outputs of one scenario" in res.err
    res = run_main("run", "--name", "sub/x")
    assert res.code == 2 and "no folder and no extension" in res.err


def test_rerun_writes_beside_the_original_and_keeps_its_record(mini_project):
    before = mini_project.snapshot()
    res = run_main("rerun", "outputs/base.run.json", "-q")
    assert res.code == 0, res.err
    after = mini_project.snapshot()
    assert {k: after[k] for k in before} == before
    assert (mini_project.outputs / "base-rerun.xlsx").is_file()
    assert run_main("rerun", "outputs/base.run.json", "-q").code == 0
    assert (mini_project.outputs / "base-rerun-2.run.json").is_file()
    assert run_main("rerun", "outputs/base.run.json", "-q", "--name", "again").code == 0
    assert (mini_project.outputs / "again.xlsx").is_file()


def test_no_stale_csv_stays_beside_a_newer_workbook(mini_project):
    assert run_main("run", "-q", "--csv").code == 0
    assert (mini_project.outputs / "base.csv").is_file() and (mini_project.outputs / "base-metrics.csv").is_file()
    (mini_project.outputs / "keep.csv").write_text("mine\n")
    assert run_main("run", "-q").code == 0
    assert not (mini_project.outputs / "base.csv").exists()
    assert not (mini_project.outputs / "base-metrics.csv").exists()
    assert (mini_project.outputs / "keep.csv").read_text() == "mine\n"  # not ours: untouched
