"""The Python API: each function gives what the CLI writes for the same request, takes the
scenario and overrides in every documented form, and returns a short, frozen result."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import finmodel
from finmodel import api
from finmodel.arguments import Axis, Bounds, Goal
from finmodel.errors import InputMissingError, UsageError
from finmodel.outputs import write_csv

REQUESTS = {  # kind: (CLI arguments, the same request through the API)
    "run": (["run", "bull", "--set", "valuation.discount_rate=0.1"],
            lambda: api.run("bull", {"valuation.discount_rate": 0.1})),
    "tornado": (["sensitivity", "tornado", "--metric", "npv_usd_bn", "--metric", "irr"],
                lambda: api.tornado("base", ["npv_usd_bn", "irr"])),
    "grid": (["sensitivity", "grid", "bear", "--x", "valuation.discount_rate=0.08:0.16:3",
              "--y", "operations.power_price_usd_per_mwh*=0.5:2:4", "--metric", "revenue_total@2030"],
             lambda: api.grid("bear", "valuation.discount_rate=0.08:0.16:3",
                              Axis("operations.power_price_usd_per_mwh", 0.5, 2.0, 4, scale=True),
                              "revenue_total@2030")),
    "solve": (["solve", "--target", "npv_usd_bn=0", "--vary", "revenue.segments.consumer.initial_growth",
               "--bounds", "0.1,3", "--set", "tax.rate_fraction=0.25"],
              lambda: api.solve("base", {"npv_usd_bn": 0}, vary="revenue.segments.consumer.initial_growth",
                                bounds=(0.1, 3), overrides=["tax.rate_fraction=0.25"])),
    "montecarlo": (["montecarlo", "--draws", "400", "--seed", "7", "--metric", "npv_usd_bn"],
                   lambda: api.montecarlo("base", draws=400, seed=7, metrics="npv_usd_bn")),
    "sobol": (["sensitivity", "sobol", "--samples", "32", "--seed", "2", "--item", "fcf"],
              lambda: api.sobol("base", samples=32, seed=2, items="fcf")),
    "morris": (["sensitivity", "morris", "--trajectories", "4", "--seed", "2", "--metric", "irr"],
               lambda: api.morris("base", trajectories=4, seed=2, metrics="irr")),
}


def _csv_bytes(frame, path: Path) -> bytes:
    write_csv(path, frame)
    return path.read_bytes()


@pytest.mark.parametrize("kind", list(REQUESTS))
def test_api_result_equals_the_cli_output(project, invoke, kind):
    args, call = REQUESTS[kind]
    assert invoke(*args, "--csv", "-q").exit_code == 0
    result = call()
    assert result.kind == kind
    stem = type(result).stem_for(result.assumptions)
    for i, (name, frame) in enumerate(result.tables.items()):
        written = project / "outputs" / (f"{stem}.csv" if i == 0 else f"{stem}-{name}.csv")
        assert _csv_bytes(frame, project / f"api-{name}.csv") == written.read_bytes(), name
    assert list(result.tables) == list(type(result).tables_of)


@pytest.mark.parametrize("scenario", ["bear", "assumptions/scenarios/bear.yaml",
                                      Path("assumptions/scenarios/bear.yaml")])
def test_scenario_by_name_or_path(project, scenario):
    by_assumptions = api.run(api.load("bear"))
    assert api.run(scenario).metrics.equals(by_assumptions.metrics)


def test_scenario_name_in_another_assumptions_folder(project):
    (project / "assumptions").rename(project / "elsewhere")
    with pytest.raises(InputMissingError, match="no scenario .bull. in assumptions: there is no folder .assumptions.*-a/--assumptions"):
        api.load("bull")
    assert api.load("bull", assumptions_dir="elsewhere").path == Path("elsewhere/scenarios/bull.yaml")


@pytest.mark.parametrize("overrides", [
    ["valuation.discount_rate=0.1", "capex.refresh_it=false"],
    {"valuation.discount_rate": 0.1, "capex.refresh_it": False},
    ("valuation.discount_rate=0.1", "capex.refresh_it=false"),
])
def test_overrides_as_a_list_or_a_mapping(project, overrides):
    r = api.run("base", overrides)
    assert r.assumptions.overrides == ("valuation.discount_rate=0.1", "capex.refresh_it=false")
    assert r.assumptions.scenario.valuation.discount_rate.value == 0.1


def test_numpy_values_in_a_mapping_are_taken_as_their_python_values(project):
    # a notebook sweeps with np.linspace / np.arange: np.float64 must not become "np.float64(0.1)"
    np = pytest.importorskip("numpy")
    r = api.run("base", {"valuation.discount_rate": np.float64(0.1), "capex.refresh_it": np.bool_(False),
                         "commitments.delay_years": np.int64(1)})
    assert r.assumptions.overrides == ("valuation.discount_rate=0.1", "capex.refresh_it=false",
                                       "commitments.delay_years=1")


def test_a_single_override_text(project):
    assert api.load("base", "valuation.discount_rate=0.1").overrides == ("valuation.discount_rate=0.1",)


def test_more_overrides_on_loaded_assumptions_are_added(project):
    a = api.load("base", {"valuation.discount_rate": 0.1})
    b = api.load(a, {"tax.rate_fraction": 0.25})
    assert b.overrides == ("valuation.discount_rate=0.1", "tax.rate_fraction=0.25")
    assert api.load(a) is a


@pytest.mark.parametrize("kind", list(REQUESTS))
def test_results_are_frozen_short_and_show_their_headline(project, kind, capsys):
    result = REQUESTS[kind][1]()
    assert capsys.readouterr() == ("", "")  # the API never prints
    text = repr(result)
    assert text.startswith(type(result).__name__ + "(scenario=")
    assert len(text.splitlines()) <= 4 and len(text) < 800, text
    html = result._repr_html_()
    assert "<table" in html and html.count("<table") <= 2
    assert len(result.headline) >= 1
    assert result.text()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.assumptions = None


@pytest.mark.parametrize("kind", list(REQUESTS))
def test_write_workbook_of_every_result(project, kind):
    result = REQUESTS[kind][1]()
    path = finmodel.write_workbook(result, project / "outputs" / f"{kind}.xlsx")
    assert path.is_file() and path.stat().st_size > 1000
    assert result.write_workbook(project / "outputs" / f"{kind}-2.xlsx").is_file()


def test_public_names():
    for name in ("load", "validate", "run", "tornado", "grid", "solve", "montecarlo", "ModelRun", "TornadoRun",
                 "GridRun", "SolveRun", "MonteCarloRun", "write_workbook", "FinModelError", "sobol", "morris",
                 "SobolRun", "MorrisRun"):
        assert getattr(finmodel, name) is not None, name


def test_solve_arguments_in_every_form(project):
    forms = [
        dict(targets="npv_usd_bn=0", vary="valuation.discount_rate", bounds="0.05,0.5"),
        dict(targets=["npv_usd_bn=0"], vary=["valuation.discount_rate"], bounds=["0.05:0.5"]),
        dict(targets=[Goal("npv_usd_bn", 0)], vary="valuation.discount_rate", bounds=Bounds(0.05, 0.5)),
        dict(targets={"npv_usd_bn": 0}, vary="valuation.discount_rate", bounds=(0.05, 0.5)),
    ]
    values = [api.solve("base", **f).solutions[0].value for f in forms]
    assert len(set(values)) == 1 and values[0] is not None
    s = api.solve("base", **forms[0])
    assert s.ok and s.arguments == {"targets": ["npv_usd_bn=0"], "vary": ["valuation.discount_rate"],
                                    "bounds": ["0.05,0.5"], "spec": None, "draws": None, "seed": None,
                                    "lhs": False}  # the Monte Carlo arguments of a statistic target


def test_solve_without_a_solution_is_not_ok_and_says_why(project):
    s = api.solve("base", "revenue_total@2030=100000", "valuation.discount_rate", "0.05,0.3")
    assert not s.ok and s.solutions[0].value is None
    assert "no solution" in s.problems[0]


@pytest.mark.parametrize("call, words", [
    (lambda: api.grid("base", "valuation.discount_rate=0.08-0.16", "a.b=1:2:3"), "--x: expected PATH=LO:HI:N"),
    (lambda: api.grid("base", "valuation.discount_rat=0.08:0.16:3", "capex.servers.life_years=3:6:4"),
     "--x: no input 'valuation.discount_rat'"),
    (lambda: api.grid("base", "valuation.discount_rate=0.08:0.16:3", "capex.servers.life_years=3:6:4", "npv"),
     "invalid --metric"),
    (lambda: api.tornado("base", "irr@2030"), "invalid --metric"),
    (lambda: api.solve("base", "npv_usd=0", "valuation.discount_rate"), "invalid --target"),
    (lambda: api.solve("base", [], "valuation.discount_rate"), "give at least one --target"),
    (lambda: api.solve("base", "npv_usd_bn=0", "valuation.discount_rate", "0.3,0.1"), "--bounds: expected LO,HI"),
    (lambda: api.montecarlo("base", draws=5), "--draws: expected a whole number from 10"),
])
def test_usage_mistakes_raise_usage_errors(project, call, words):
    with pytest.raises(UsageError) as err:
        call()
    assert words in str(err.value)


def test_montecarlo_without_seed_records_the_seed_it_used(project):
    mc = api.montecarlo("base", draws=200)
    again = api.montecarlo("base", draws=200, seed=mc.seed)
    assert mc.arguments["seed"] == mc.seed
    assert mc.tables["percentiles"].equals(again.tables["percentiles"])


def test_progress_is_reported(project):
    from contextlib import contextmanager
    seen = []

    @contextmanager
    def progress(total, label):
        seen.append((label, total))
        yield lambda k: seen.append(k)

    api.grid("base", "valuation.discount_rate=0.08:0.16:3", "capex.servers.life_years=3:6:4",
             progress=progress)
    assert seen[0] == ("grid", 13) and sum(k for k in seen[1:]) == 13


def test_metric_names_are_every_metric_of_a_scenario():
    """The names offered to --metric/--target (and completion) are the catalogue's metrics."""
    from conftest import BASE
    r = finmodel.run(BASE)
    assert finmodel.api.metric_names() == list(r.result.metrics)


@pytest.mark.parametrize("paths", [[], ["assumptions/sensitivity.yaml", "assumptions/commitments.csv", "bull"]])
def test_validate_says_what_the_cli_prints(project, invoke, paths):
    result = invoke("validate", *paths)
    assert result.exit_code == 0
    assert result.output.splitlines() == api.validate(paths)
    kinds = " ".join(api.validate(paths))
    assert "sensitivity spec" in kinds and ("deal table" in kinds or not paths)


def _recorder():
    """A ``progress`` factory that records each phase: [label, total, steps done]."""
    from contextlib import contextmanager
    phases = []

    @contextmanager
    def progress(total, label):
        phase = [label, total, 0]
        phases.append(phase)

        def update(k):
            phase[2] += k
        yield update
    return progress, phases


@pytest.mark.parametrize("kind, call, labels", [
    ("tornado", lambda p: api.tornado("base", metrics="npv_usd_bn", progress=p), ["tornado"]),
    ("grid, integer axis", lambda p: api.grid("base", "valuation.discount_rate=0.08:0.16:3",
                                              "commitments.delay_years=0:2:5", progress=p), ["grid"]),
    ("sobol", lambda p: api.sobol("base", samples=32, seed=1, items=(), progress=p), ["Sobol", "Sobol indices"]),
    ("morris", lambda p: api.morris("base", trajectories=4, seed=1, progress=p), ["Morris"]),
    ("montecarlo", lambda p: api.montecarlo("base", draws=1000, seed=1, progress=p), ["Monte Carlo"]),
])
def test_each_phase_of_progress_ends_at_its_total(project, kind, call, labels):
    """Every phase a run reports counts what it does: its steps add up to its total (the
    tornado counted its low and high points, 1 + 2k, and then its spider points beyond)."""
    progress, phases = _recorder()
    call(progress)
    assert [p[0] for p in phases] == labels
    assert all(done == total for _, total, done in phases), phases
