"""Tornado, grid, solve and Monte Carlo agree with single runs loaded with --set overrides."""
from __future__ import annotations


import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from finmodel.api import drivers_for, load, run
from finmodel.errors import AssumptionError
from finmodel.model.catalogue import build_catalogue
from finmodel.sensitivity.evaluate import output_values
from finmodel.sensitivity.montecarlo import montecarlo
from finmodel.sensitivity.oneway import Variation, grid, tornado
from finmodel.sensitivity.solve import Target, solve
from finmodel.sensitivity.spec import load_spec

from conftest import BASE, ROOT

SPEC = ROOT / "assumptions" / "sensitivity.yaml"
OUTPUTS = ["npv_usd_bn", "irr", "peak_funding_need_usd_bn", "revenue_total@2030"]


def single(overrides: list[str], output: str) -> float:
    """One scenario loaded from the files with --set overrides (the text path), one output."""
    return float(output_values(run(BASE, overrides).result, output)[0])


def set_text(drivers, v: Variation, x: float) -> str:
    """The --set argument equivalent to a variation at x (a scaled series as a year map)."""
    if v.scale:
        f = drivers.field(v.path)
        years = [int(y) for y in drivers.years]
        values = np.asarray(f.value) * x if f.series else float(f.value) * x
        if f.series:
            return f"{v.path}={{{', '.join(f'{y}: {val!r}' for y, val in zip(years, values.tolist()))}}}"
        return f"{v.path}={values!r}"
    return f"{v.path}={int(x) if v.integer else repr(float(x))}"


@pytest.fixture(scope="module")
def drivers():
    return drivers_for(load(BASE))


@pytest.fixture(scope="module")
def spec_and_vars(drivers):
    return load_spec(SPEC, drivers)


def test_tornado_base_point_equals_the_base_run_exactly(drivers, spec_and_vars):
    _, variations = spec_and_vars
    result = tornado(drivers, variations, OUTPUTS)
    base = run(BASE).result
    for o in OUTPUTS:
        # the base point is row 0 of a batch: equal to the base run to the last bits (BLAS kernels
        # for one row and for many may sum in a different order)
        assert result.base[o] == pytest.approx(float(output_values(base, o)[0]), rel=1e-13, abs=1e-12)


def test_tornado_points_equal_single_runs_with_set(drivers, spec_and_vars):
    _, variations = spec_and_vars
    result = tornado(drivers, variations, OUTPUTS)
    picks = [v for v in variations if v.name in ("discount_rate", "power_price", "delay", "servers_life")]
    assert len(picks) == 4
    for v in picks:
        row = result.swings[(result.swings["input"] == v.name) & (result.swings["output"] == "npv_usd_bn")].iloc[0]
        assert row.output_low == pytest.approx(single([set_text(drivers, v, v.low)], "npv_usd_bn"), rel=1e-10)
        assert row.output_high == pytest.approx(single([set_text(drivers, v, v.high)], "npv_usd_bn"), rel=1e-10)


def test_tornado_ranks_by_swing(drivers, spec_and_vars):
    _, variations = spec_and_vars
    t = tornado(drivers, variations, ["npv_usd_bn"]).swings
    swings = t.sort_values("rank")["swing"].to_numpy()
    assert np.all(np.diff(swings) <= 1e-12)
    assert t["rank"].tolist() == sorted(t["rank"].tolist())


def test_grid_points_equal_single_runs(drivers):
    x = Variation("r", "Discount rate", "valuation.discount_rate", 0.12, 0.08, 0.16)
    base_cost = float(drivers.field("capex.servers.cost_usd_bn_per_gw").value)
    y = Variation("c", "Servers cost", "capex.servers.cost_usd_bn_per_gw", base_cost, 20.0, 35.0)
    g = grid(drivers, x, y, 3, 4, "npv_usd_bn")
    assert g.values.shape == (4, 3)
    assert g.base == pytest.approx(single([], "npv_usd_bn"), rel=1e-12)
    for i in (0, 3):
        for j in (0, 2):
            want = single([f"valuation.discount_rate={float(g.xs[j])!r}",
                           f"capex.servers.cost_usd_bn_per_gw={float(g.ys[i])!r}"], "npv_usd_bn")
            assert g.values[i, j] == pytest.approx(want, rel=1e-10)


def test_solve_on_the_discount_rate_reproduces_the_irr():
    # the base IRR (~3%) lies below the 3% terminal growth, where a Gordon terminal value is
    # undefined and rows are invalid; NPV of forecast FCF does not use it, so lower it
    a = load(BASE, ["valuation.terminal_growth=-0.5"])
    irr = float(run(a).result.metrics["irr"].value[0])
    (sol,) = solve(drivers_for(a), [Target("npv_explicit_usd_bn", 0.0,
                                    Variation("r", "Discount rate", "valuation.discount_rate", 0.12, -0.5, 0.9))])
    assert sol.message == "ok"
    assert sol.value == pytest.approx(irr, abs=1e-8)


def test_several_targets_solved_together_and_fed_back_hit_the_target(drivers):
    targets = [
        Target("npv_usd_bn", 0.0, Variation("g", "Consumer growth", "revenue.segments.consumer.initial_growth", 1.0, 0.1, 3.0)),
        Target("peak_funding_need_usd_bn", 1200.0, Variation("c", "Servers cost", "capex.servers.cost_usd_bn_per_gw",
                                                             float(drivers.field("capex.servers.cost_usd_bn_per_gw").value), 1.0, 100.0)),
    ]
    sols = solve(drivers, targets)
    for s in sols:
        assert s.message == "ok", s.message
        got = single([f"{s.target.vary.path}={float(s.value)!r}"], s.target.output)
        assert got == pytest.approx(s.target.value, abs=1e-6 * max(1.0, abs(s.target.value)))


def test_solve_without_a_solution_says_why(drivers):
    (sol,) = solve(drivers, [Target("revenue_total@2030", 1e6,
                                    Variation("r", "Discount rate", "valuation.discount_rate", 0.12, 0.05, 0.3))])
    assert sol.value is None and "no solution" in sol.message and "widen --bounds" in sol.message


@settings(max_examples=15, deadline=None)
@given(st.floats(0.3, 2.5))
def test_solver_property_any_reachable_target_is_hit(drivers, factor):
    """Revenue 2030 rises strictly with the consumer growth factor, so every value it takes on
    the bounds is a reachable target: the solver must hit it."""
    from finmodel.model.result import run as run_engine
    path = "revenue.segments.consumer.initial_growth"
    target = float(run_engine(drivers.with_overrides({}, {path: np.array([factor])})).at("revenue_total", 2030)[0])
    (sol,) = solve(drivers, [Target("revenue_total@2030", target,
                                    Variation("g", "g", path, 1.0, 0.2, 3.0, scale=True))])
    assert sol.message == "ok"
    assert sol.achieved == pytest.approx(target, rel=1e-9)
    assert sol.value == pytest.approx(factor, rel=1e-6)


def test_montecarlo_same_seed_identical_and_other_seed_differs(drivers, spec_and_vars):
    spec, variations = spec_and_vars
    cat = build_catalogue(drivers.structure)
    a = montecarlo(drivers, spec, variations, OUTPUTS, 3000, 11, False, cat)
    b = montecarlo(drivers, spec, variations, OUTPUTS, 3000, 11, False, cat)
    c = montecarlo(drivers, spec, variations, OUTPUTS, 3000, 12, False, cat)
    assert a.table().equals(b.table())
    assert not np.array_equal(a.values["npv_usd_bn"], c.values["npv_usd_bn"])
    assert a.valid + 0 <= a.draws and a.seed == 11


def test_montecarlo_draws_equal_single_runs(drivers, spec_and_vars):
    """A few draws re-run one by one through the engine give the same NPV."""
    from finmodel.model.result import run as run_engine
    from finmodel.sensitivity.sampling import sample
    spec, variations = spec_and_vars
    chosen = [v for v in variations if spec.inputs[v.name].distribution is not None]
    s = sample([spec.inputs[v.name].distribution for v in chosen], 50, 5, False,
               spec.correlation_matrix([v.name for v in chosen]), spec.montecarlo_method,
               names=[v.name for v in chosen])
    mc = montecarlo(drivers, spec, variations, ["npv_usd_bn"], 50, 5, False, build_catalogue(drivers.structure))
    for i in (0, 17, 49):
        ov, sc = {}, {}
        for j, v in enumerate(chosen):
            x = np.round(s.values[i, j]) if v.integer else s.values[i, j]
            (sc if v.scale else ov)[v.path] = np.array([x])
        one = run_engine(drivers.with_overrides(ov, sc)).metrics["npv_usd_bn"].value[0]
        assert mc.values["npv_usd_bn"][i] == pytest.approx(one, rel=1e-12)


def npv_montecarlo(drivers, tmp_path, spec_text: str, draws: int, seed: int):
    """A Monte Carlo of NPV on a spec written for the test."""
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(spec_text)
    spec, variations = load_spec(spec_file, drivers)
    return montecarlo(drivers, spec, variations, ["npv_usd_bn"], draws, seed, False,
                      build_catalogue(drivers.structure))


def test_montecarlo_counts_and_excludes_invalid_draws(drivers, tmp_path):
    mc = npv_montecarlo(drivers, tmp_path,
        "outputs: [npv_usd_bn]\n"
        "inputs:\n"
        "  g:\n"
        "    path: valuation.terminal_growth\n"
        "    low: 0.0\n    high: 0.2\n"
        "    distribution: {dist: uniform, low: 0.0, high: 0.2}\n"
        "    source: test\n", 4000, 3)
    # terminal growth >= the 12% discount rate is invalid: ~40% of uniform(0, 0.2) draws
    assert 0.3 < 1 - mc.valid / mc.draws < 0.5
    assert mc.values["npv_usd_bn"].size == mc.valid and np.isfinite(mc.values["npv_usd_bn"]).all()


def test_invalid_distribution_is_rejected_at_load_with_the_field_named(drivers, tmp_path):
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(
        "outputs: [npv_usd_bn]\n"
        "inputs:\n"
        "  r:\n"
        "    path: valuation.discount_rate\n"
        "    change: 0.1\n"
        "    distribution: {dist: triangular, low: 0.1, mode: 0.05, high: 0.2}\n"
        "    source: test\n"
        "  typo:\n"
        "    path: valuation.discount_rat\n"
        "    change: 0.1\n"
        "    source: test\n")
    with pytest.raises(AssumptionError) as err:
        load_spec(spec_file, drivers)
    text = str(err.value)
    assert "spec.yaml:6" in text and "mode" in text
    assert "spec.yaml:9" in text and "did you mean 'valuation.discount_rate'" in text


def test_unknown_output_is_rejected_with_a_suggestion(drivers, tmp_path):
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text("outputs: [npv_usd, revenue_totl@2030]\ninputs:\n  r: {path: valuation.discount_rate, change: 0.1, source: t}\n")
    with pytest.raises(AssumptionError) as err:
        load_spec(spec_file, drivers)
    assert "did you mean 'npv_usd_bn'" in str(err.value) and "revenue_total" in str(err.value)


@pytest.mark.parametrize("entry, words", [
    ("{path: valuation.discount_rate, low: 0.15, high: 0.09, source: t}", ("low (0.15) is above high (0.09)",)),
    ("{path: valuation.discount_rate, low: .inf, high: 0.2, source: t}", ("finite number",)),
    ("{path: valuation.discount_rate, low: 0.1, high: .nan, source: t}", ("finite number",)),
    ("{path: valuation.discount_rate, change: .inf, source: t}", ("finite number",)),
])
def test_inverted_and_infinite_ranges_are_refused_at_their_line(drivers, tmp_path, entry, words):
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(f"outputs: [npv_usd_bn]\ninputs:\n  r: {entry}\n")
    with pytest.raises(AssumptionError) as err:
        load_spec(spec_file, drivers)
    assert "spec.yaml:3" in str(err.value) and all(w in str(err.value) for w in words), str(err.value)


def test_an_impossible_correlation_matrix_is_repaired_and_reported(drivers, tmp_path):
    mc = npv_montecarlo(drivers, tmp_path,
        "outputs: [npv_usd_bn]\n"
        "inputs:\n"
        "  a: {path: valuation.discount_rate, change: 0.1, source: t, distribution: {dist: uniform, low: 0.1, high: 0.14}}\n"
        "  b: {path: capex.servers.life_years, change: 0.1, source: t, distribution: {dist: uniform, low: 4, high: 6}}\n"
        "  c: {path: operations.pue.2030, change: 0.1, source: t, distribution: {dist: uniform, low: 1.1, high: 1.3}}\n"
        "correlations:\n  - [a, b, 0.9]\n  - [b, c, 0.9]\n  - [a, c, -0.9]\n", 20000, 1)
    assert "repaired" in mc.correlation_note.lower()
    achieved = {(a, b): got for a, b, _, used, got in mc.correlation_table}
    used = {(a, b): u for a, b, _, u, _ in mc.correlation_table}
    for k in achieved:  # the repaired (used) correlations are recovered within sampling error
        assert achieved[k] == pytest.approx(used[k], abs=0.03)
