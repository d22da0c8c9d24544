"""Scenario overlays (``extends:``) and ``--set`` overrides: located, clear, exit codes right."""
from __future__ import annotations

import pytest

from finmodel.outputs import variant_name
from relhelp import assert_fails, pos, run_main

Y = "assumptions/base.yaml"


def _overlay(mini_project, text: str) -> None:
    (mini_project.assumptions / "scenarios").mkdir(exist_ok=True)
    (mini_project.assumptions / "scenarios" / "up.yaml").write_text(text, encoding="utf-8")


def test_missing_extends_target_is_input_missing_at_the_extends_key(mini_project):
    text = "# overlay\nname: up\nextends: ../nope.yaml\n"
    _overlay(mini_project, text)
    line, col = pos(text, "../nope.yaml")
    before = mini_project.snapshot()
    assert_fails(run_main("run", "up"), 66, before, mini_project,
                 where=f"assumptions/scenarios/up.yaml:{line}:{col}: extends",
                 words=("file '../nope.yaml' not found",))


def test_extends_naming_a_folder_is_input_missing(mini_project):
    text = "extends: ..\nname: up\n"
    _overlay(mini_project, text)
    before = mini_project.snapshot()
    assert_fails(run_main("run", "up"), 66, before, mini_project,
                 where="assumptions/scenarios/up.yaml:1:10: extends", words=("is not a file",))


def test_cycle_of_extends_is_located_where_it_closes(mini_project):
    _overlay(mini_project, "name: up\nextends: down.yaml\n")
    down = "# second\nname: down\nextends: up.yaml\n"
    (mini_project.assumptions / "scenarios" / "down.yaml").write_text(down, encoding="utf-8")
    line, col = pos(down, "up.yaml")
    before = mini_project.snapshot()
    assert_fails(run_main("run", "up"), 65, before, mini_project,
                 where=f"assumptions/scenarios/down.yaml:{line}:{col}: extends",
                 words=("'extends' forms a cycle", "up.yaml -> ", "down.yaml -> "))


def test_overlay_errors_are_located_in_the_overlay_file(mini_project):
    text = "extends: ../base.yaml\nname: up\nvaluation:\n  discount_rate: 9\n"
    _overlay(mini_project, text)
    line, col = pos(text, "9\n")
    before = mini_project.snapshot()
    assert_fails(run_main("run", "up"), 65, before, mini_project,
                 where=f"assumptions/scenarios/up.yaml:{line}:{col}: valuation.discount_rate",
                 words=("did you mean 0.09",))


def test_set_unknown_path_suggests_the_closest(mini_project):
    before = mini_project.snapshot()
    assert_fails(run_main("run", "--set", "valuation.discount_rat=0.1"), 65, before, mini_project,
                 where="--set: valuation.discount_rat=0.1",
                 words=("no setting 'valuation.discount_rat'", "did you mean 'valuation.discount_rate'?"))


def test_set_unknown_deal_suggests_the_closest(mini_project):
    before = mini_project.snapshot()
    assert_fails(run_main("run", "--set", "deals.chip-c.capacity_gw=1"), 65, before, mini_project,
                 where="--set: deals.chip-c.capacity_gw=1", words=("no deal 'chip-c'", "did you mean"))


@pytest.mark.parametrize("value, words", [
    ("abc", ("expected a number", "'abc'")),
    ("8", ("did you mean 0.08",)),
    ("true", ("expected a number", "True")),
    (".nan", ("finite",)),
])
def test_set_bad_value_is_located_at_the_option(mini_project, value, words):
    before = mini_project.snapshot()
    arg = f"valuation.discount_rate={value}"
    assert_fails(run_main("run", "--set", arg), 65, before, mini_project,
                 where=f"--set {arg}: valuation.discount_rate", words=words)


def test_set_bad_deal_value_is_located_at_the_option_not_the_csv(mini_project):
    before = mini_project.snapshot()
    arg = "deals.cloud-b.capacity_gw=lots"
    res = run_main("run", "--set", arg)
    assert_fails(res, 65, before, mini_project, where=f"--set {arg}: deals[cloud-b].capacity_gw",
                 words=("expected a number",))
    assert "deals.csv" not in res.err and res.err.count("(got") == 1


def test_set_year_outside_the_timeline(mini_project):
    before = mini_project.snapshot()
    arg = "existing_fleet.capacity_gw.2099=1"
    assert_fails(run_main("run", "--set", arg), 65, before, mini_project, where=f"--set: {arg}",
                 words=("outside the timeline 2025-2034",))


@pytest.mark.parametrize("arg", ["valuation.discount_rate", "=0.1", "valuation..discount_rate=1"])
def test_malformed_set_is_a_usage_error(mini_project, arg):
    before = mini_project.snapshot()
    assert_fails(run_main("run", "--set", arg), 2, before, mini_project, words=("--set", "PATH=VALUE" if "=" not in arg else "bad path"))


def test_good_set_still_works_and_is_recorded(mini_project):
    res = run_main("run", "-q", "--set", "valuation.discount_rate=0.1")
    assert res.code == 0, res.err
    record = mini_project.outputs / f"{variant_name('base', ['valuation.discount_rate=0.1'])}.run.json"
    assert "valuation.discount_rate=0.1" in record.read_text()
