"""Shapley attribution of a scenario difference: hand-checkable games, the engine's own
interaction, the efficiency property on random scenario pairs, and the directions of base vs bear."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from finmodel.api import diff, drivers_for, run
from finmodel.sensitivity.attribution import (EXACT_MAX_GROUPS, Group, attribute, coalition_masks,
                                              group_inputs, input_differences, permutation_paths,
                                              sequential, shapley_exact, shapley_sampled,
                                              structure_problems)
from finmodel.model.result import run as run_engine
from finmodel.sensitivity.evaluate import output_values


def _game(v, k: int) -> np.ndarray:
    """Values of every coalition (bit i: player i at B) of a game v(mask) -> float."""
    return np.array([[v(m) for m in coalition_masks(k)]])


def _by_orders(v, k: int) -> np.ndarray:
    """Shapley values by definition: the mean marginal change over all k! orders."""
    phi = np.zeros(k)
    for order in itertools.permutations(range(k)):
        mask = np.zeros(k, dtype=bool)
        for i in order:
            before = v(mask.copy())
            mask[i] = True
            phi[i] += v(mask.copy()) - before
    return phi / math.factorial(k)


# --- the analysis on games with known answers ----------------------------------------------------

def test_an_additive_game_gives_each_input_its_own_effect():
    effects = np.array([3.0, -1.5, 0.0, 7.25])
    v = lambda m: 10.0 + effects[m].sum()  # noqa: E731
    assert np.allclose(shapley_exact(_game(v, 4))[0], effects, rtol=0, atol=1e-12)
    orders, masks = permutation_paths(4, 5, np.random.default_rng(0))
    path = np.array([[[v(m) for m in masks[p]] for p in range(len(orders))]])
    phi, se = shapley_sampled(path, orders)
    assert np.allclose(phi[0], effects, atol=1e-12) and np.allclose(se, 0, atol=1e-12)


def test_an_interaction_splits_evenly_and_does_not_depend_on_order():
    # revenue = price x volume; A: price 1, volume 1; B: price 3, volume 2 (by hand below)
    price, volume = (1.0, 3.0), (1.0, 2.0)
    v = lambda m: price[int(m[0])] * volume[int(m[1])]  # noqa: E731
    values = _game(v, 2)                          # v(A) = 1, v(price) = 3, v(volume) = 2, v(B) = 6
    assert values.tolist() == [[1.0, 3.0, 2.0, 6.0]]
    # Shapley: price ((3 - 1) + (6 - 2)) / 2 = 3, volume ((2 - 1) + (6 - 3)) / 2 = 2
    assert shapley_exact(values)[0].tolist() == [3.0, 2.0]
    # sequential, price first: price 3 - 1 = 2, volume 6 - 3 = 3; volume first: 1 and then 4
    assert sequential(np.array([[1.0, 3.0, 6.0]]))[0].tolist() == [2.0, 3.0]
    assert sequential(np.array([[1.0, 2.0, 6.0]]))[0].tolist() == [1.0, 4.0]
    # Shapley is order-free: swapping the players swaps the values
    swapped = _game(lambda m: v(m[::-1]), 2)
    assert shapley_exact(swapped)[0].tolist() == [2.0, 3.0]


def test_exact_values_equal_the_mean_over_every_order():
    rng = np.random.default_rng(3)
    table = rng.normal(size=2 ** 4)
    v = lambda m: table[int(np.dot(m, 2 ** np.arange(4)))]  # noqa: E731
    phi = shapley_exact(_game(v, 4))[0]
    assert np.allclose(phi, _by_orders(v, 4), atol=1e-12)
    assert math.isclose(phi.sum(), table[-1] - table[0], abs_tol=1e-12)


def test_sampled_values_sum_exactly_and_lie_within_their_standard_errors():
    rng = np.random.default_rng(5)
    k = 6
    table = rng.normal(size=2 ** k)
    v = lambda m: table[int(np.dot(m, 2 ** np.arange(k)))]  # noqa: E731
    exact = shapley_exact(_game(v, k))[0]
    orders, masks = permutation_paths(k, 400, np.random.default_rng(1))
    path = np.array([[[v(m) for m in masks[p]] for p in range(len(orders))]])
    phi, se = shapley_sampled(path, orders)
    assert math.isclose(phi[0].sum(), table[-1] - table[0], abs_tol=1e-12)
    assert np.all(np.abs(phi[0] - exact) <= 5 * se[0] + 1e-12)


# --- the engine ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def base_drivers(base):
    return drivers_for(base)


def _hand_shapley(base, sets: dict[str, float], metric: str) -> tuple[np.ndarray, list[float]]:
    """Two inputs by hand from four single runs: (Shapley, [v(A), v(x), v(y), v(B)])."""
    (px, x), (py, y) = sets.items()
    v = [float(output_values(run(base, s).result, metric)[0])
         for s in ({}, {px: x}, {py: y}, {px: x, py: y})]
    return np.array([((v[1] - v[0]) + (v[3] - v[2])) / 2, ((v[2] - v[0]) + (v[3] - v[1])) / 2]), v


def test_two_engine_inputs_with_an_interaction_match_the_hand_calculation(base):
    sets = {"capex.servers.cost_usd_bn_per_gw": 35.0, "valuation.discount_rate": 0.09}
    r = diff(base, base, ["npv_usd_bn"], overrides_b=sets)
    at = r.attribution
    assert [g.name for g in at.groups] == list(sets) and at.method == "exact" and r.by == "input"
    phi, v = _hand_shapley(base, sets, "npv_usd_bn")
    assert np.allclose(at.shapley[0], phi, rtol=1e-12)
    assert at.a[0] == pytest.approx(v[0], rel=1e-12) and at.b[0] == pytest.approx(v[3], rel=1e-12)
    # sequential in Inputs-sheet order (servers' capex, then the discount rate) is order-dependent
    assert np.allclose(at.sequential[0], [v[1] - v[0], v[3] - v[1]], rtol=1e-12)
    interaction = v[3] - v[2] - v[1] + v[0]
    assert abs(interaction) > 1.0  # a real interaction: the discount rate scales capex's effect
    assert at.sequential[0][0] != pytest.approx(at.shapley[0][0], rel=1e-6)
    assert at.shapley[0][0] - at.sequential[0][0] == pytest.approx(interaction / 2, rel=1e-9)


def test_an_input_no_output_reads_gets_nothing(base):
    r = diff(base, base, ["npv_usd_bn", "peak_funding_need_usd_bn"],
             overrides_b={"valuation.discount_rate": 0.10, "capex.servers.cost_usd_bn_per_gw": 30.0})
    rate = [g.name for g in r.attribution.groups].index("valuation.discount_rate")
    assert r.attribution.shapley[1, rate] == 0.0  # the discount rate does not move the funding need


def test_nothing_differs(base):
    r = diff(base, base, ["npv_usd_bn"])
    assert r.differences == () and r.attribution.groups == ()
    assert r.attribution.total[0] == 0.0
    assert "No input differs" in r.text()


# random --set variants of base: the contributions sum to the total for every metric
_VARIED = {"valuation.discount_rate": (0.06, 0.2), "capex.servers.cost_usd_bn_per_gw": (12.0, 45.0),
           "operations.power_price_usd_per_mwh": (40.0, 140.0), "tax.rate_fraction": (0.1, 0.35),
           "revenue.segments.consumer.initial_growth": (0.3, 1.5), "commitments.delay_years": (0.0, 2.0),
           "operations.pue": (1.05, 1.6), "capex.servers.life_years": (3.0, 7.0)}
_OUTPUTS = ["npv_usd_bn", "peak_funding_need_usd_bn", "cumulative_fcf_usd_bn", "revenue_total@2030"]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(sorted(_VARIED)), st.floats(0, 1), min_size=1, max_size=5),
       st.dictionaries(st.sampled_from(sorted(_VARIED)), st.floats(0, 1), max_size=3),
       st.sampled_from(["input", "block"]))
def test_contributions_sum_to_the_total_for_random_pairs(base_drivers, sets_b, sets_a, by):
    value = lambda p, u: np.array([_VARIED[p][0] + u * (_VARIED[p][1] - _VARIED[p][0])])  # noqa: E731
    a = base_drivers.with_overrides({p: value(p, u) for p, u in sets_a.items()}) if sets_a else base_drivers
    b = base_drivers.with_overrides({p: value(p, u) for p, u in sets_b.items()})
    groups = group_inputs(input_differences(a, b), by)
    at = attribute(a, b, groups, _OUTPUTS)
    ra, rb = run_engine(a), run_engine(b)
    for i, o in enumerate(_OUTPUTS):
        assert at.a[i] == pytest.approx(output_values(ra, o)[0], rel=1e-12, abs=1e-9)
        assert at.b[i] == pytest.approx(output_values(rb, o)[0], rel=1e-12, abs=1e-9)
        scale = max(1.0, abs(at.a[i]), abs(at.b[i]))
        assert abs(at.shapley[i].sum() - at.total[i]) <= 1e-9 * scale
        assert abs(at.sequential[i].sum() - at.total[i]) <= 1e-9 * scale


def test_base_to_bear_moves_the_way_an_analyst_expects():
    r = diff("base", "bear", ["npv_usd_bn", "peak_funding_need_usd_bn"], permutations=200, seed=1,
             assumptions_dir="assumptions")
    at = r.attribution
    assert len(at.groups) > EXACT_MAX_GROUPS and at.method == "sampled" and r.by == "block"
    names = [g.name for g in at.groups]
    npv, need = at.shapley
    assert at.total[0] < 0 and at.total[1] > 0      # bear is worth less and needs more cash
    for block in ("Capex: Servers and accelerators", "Revenue: Consumer (ChatGPT individual plans)",
                  "Revenue: Enterprise (ChatGPT business seats)"):
        assert npv[names.index(block)] < 0 < need[names.index(block)]
    assert names[int(np.argmin(npv))] == "Capex: Servers and accelerators"
    assert npv[names.index("Valuation")] > 0        # a higher rate shrinks a negative NPV
    assert need[names.index("Valuation")] == 0.0    # and does not move the funding need
    assert need[names.index("Commitments")] < 0     # fewer deals realised: less to pay for
    for i in range(2):
        assert at.shapley[i].sum() == pytest.approx(at.total[i], rel=1e-12)
        assert np.all(at.se[i] < 0.05 * np.abs(at.total[i]))


def test_a_different_structure_is_named(base_drivers, base):
    from finmodel.api import load
    other = drivers_for(load(base, ["deals.cerebras.include=false"]))
    problems = structure_problems(base_drivers, other)
    assert problems and problems[0][0] == "deals" and "only in A: cerebras" in problems[0][1]


def test_every_field_of_the_structure_is_compared(base_drivers):
    """A field added to Structure is compared without a list to keep up to date (the supply
    chain's suppliers were once left out: two scenarios with different suppliers would have
    been put in one batch)."""
    import dataclasses
    for f in dataclasses.fields(base_drivers.structure):
        value = getattr(base_drivers.structure, f.name)
        changed = value[:-1] if isinstance(value, tuple) and value else (value + "-x" if isinstance(value, str) else None)
        if changed is None:
            continue
        other = dataclasses.replace(base_drivers, structure=dataclasses.replace(base_drivers.structure, **{f.name: changed}))
        assert [what for what, _ in structure_problems(base_drivers, other)] == [f.name], f.name
