"""Global sensitivity over the engine: the inputs screened, the evaluation path, directional facts."""
from __future__ import annotations

import numpy as np
import pytest

from finmodel import api
from finmodel.errors import UsageError
from finmodel.sensitivity.evaluate import evaluate
from finmodel.sensitivity.globalsa import all_input_factors, model_evaluator
from finmodel.sensitivity.oneway import Variation


@pytest.fixture(scope="module")
def drivers(base):
    return api.drivers_for(base)


def test_every_input_is_screened_within_its_bounds_or_left_out_with_why(drivers):
    chosen, left_out = all_input_factors(drivers, 0.2)
    paths = {v.path for v, _ in chosen}
    why = dict(left_out)
    assert len(chosen) + len(left_out) == sum(not f.informational for f in drivers.fields)
    assert "supply_chain.bom.networking.cabling.share_fraction" in why  # shares must sum to 1
    assert why["expansion.enabled"].startswith("a switch")
    by = {v.path: v for v, _ in chosen}
    assert (by["valuation.discount_rate"].low, by["valuation.discount_rate"].high) == pytest.approx((0.096, 0.144))
    assert (by["deals.oracle-cloud.start_year"].low, by["deals.oracle-cloud.start_year"].high) == (2026, 2028)
    assert by["operations.pue"].scale and by["operations.pue"].low > 0.8  # a PUE below 1 is refused
    for v, _ in chosen:  # each alone at either end is a valid row
        col = {v.path: np.array([v.low, v.high])}
        batch = drivers.with_overrides({} if v.scale else col, col if v.scale else {})
        assert not batch.invalid.any(), v.path
    assert "revenue.segments.consumer.initial_growth" in paths


def test_the_model_evaluator_is_one_engine_evaluation_with_per_year_outputs(drivers):
    v = Variation("rate", "rate", "valuation.discount_rate", 0.12, 0.1, 0.14)
    w = Variation("training", "training", "demand.training_gw", 1.0, 0.8, 1.2, scale=True)
    x = np.array([[0.10, 0.9], [0.12, 1.0], [0.14, 1.1]])
    fn, stats = model_evaluator(drivers, [v, w], ["npv_usd_bn"], ["funding_need"])
    out = fn(x)
    names = [f"funding_need@{y}" for y in drivers.years]
    want = evaluate(drivers, {v.path: x[:, 0]}, ["npv_usd_bn"] + names, {w.path: x[:, 1]})
    for o in ["npv_usd_bn"] + names:
        np.testing.assert_array_equal(out[o], want.values[o])
    assert stats.rows == 3 and stats.invalid == 0


def test_a_valuation_only_input_has_no_index_on_the_funding_need(shipped_spec):
    """The discount rate moves NPV but not a single cash flow: its total index of the peak
    funding need is exactly 0 (Jansen's estimator: A and A_B^j give the same outputs), and the
    NPV's indices of both inputs sum to about 1 (an almost additive pair)."""
    s = api.sobol("base", samples=256, seed=4, spec=shipped_spec, items=())
    t = s.indices.set_index(["output", "factor"])
    assert t.loc[("peak_funding_need_usd_bn", "discount_rate"), "ST"] == 0.0
    assert t.loc[("peak_funding_need_usd_bn", "training"), "ST"] == pytest.approx(1.0, abs=0.05)
    assert t.loc[("npv_usd_bn", "discount_rate"), "ST"] > 0.01
    assert t.xs("npv_usd_bn")["S1"].sum() == pytest.approx(1.0, abs=0.1)
    assert "inputs independent" in s.group_note and s.by_year.empty


@pytest.fixture()
def shipped_spec(tmp_path, monkeypatch):
    import shutil
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "assumptions", tmp_path / "assumptions")
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "two.yaml"
    spec.write_text(
        "outputs: [npv_usd_bn]\n"
        "inputs:\n"
        "  discount_rate:\n    path: valuation.discount_rate\n    low: 0.09\n    high: 0.15\n"
        "    distribution: {dist: triangular, low: 0.09, mode: 0.12, high: 0.15}\n    source: test\n"
        "  training:\n    path: demand.training_gw\n    scale: true\n    low: 0.7\n    high: 1.3\n"
        "    distribution: {dist: uniform, low: 0.7, high: 1.3}\n    source: test\n")
    return spec


@pytest.mark.parametrize("call, words", [
    (lambda: api.sobol("base", samples=100), "power of 2"),
    (lambda: api.morris("base", change=0.1), "--all-inputs"),
    (lambda: api.morris("base", levels=3), "even"),
    (lambda: api.morris("base", all_inputs=True, change=1.5), "between 0 and 1"),
])
def test_bad_arguments_are_usage_errors(call, words):
    with pytest.raises(UsageError, match=words):
        call()


def test_a_year_beyond_the_horizon_counts_as_the_year_after_it_and_is_not_dropped():
    s = api.sobol("base", samples=32, seed=1, metrics=["payback_year", "irr"], items=())
    r = s.result
    assert r.censored["payback_year"] > 0 and r.indices.dropped["payback_year"] == 0
    assert "irr" not in r.censored  # an IRR that does not exist has no place on the scale
    assert f"{r.censored['payback_year']:,} rows beyond 2040 counted as 2041" in s.text()
