"""A vectorised batch equals single runs; engine invariants hold for random valid inputs."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from finmodel.api import drivers_for, load, run
from finmodel.model.result import run as run_engine
from finmodel.sensitivity.evaluate import evaluate

from conftest import MINI

# input path -> (low, high) of the random draws; whole years for the delay
RANGES = {
    "valuation.discount_rate": (0.05, 0.2),
    "valuation.terminal_growth": (0.0, 0.04),
    "capex.servers.life_years": (2.5, 7.0),
    "capex.networking.life_years": (2.0, 6.0),
    "capex.power_cooling.cost_usd_bn_per_gw": (5.0, 15.0),
    "operations.power_price_usd_per_mwh": (30.0, 150.0),
    "operations.pue.2030": (1.05, 1.6),
    "revenue.segments.consumer.initial_growth": (0.2, 2.0),
    "revenue.segments.enterprise.ceiling_usd_bn": (50.0, 400.0),
    "commitments.realisation_fraction": (0.5, 1.2),
    "commitments.delay_years": (0, 3),
    "capex.refresh_it": (0, 1),
    "commitments.renew_cloud": (0, 1),
    "valuation.terminal_fcf_years": (1, 5),
    "deals.chip-a.capacity_gw": (1.0, 8.0),
    "tax.rate_fraction": (0.1, 0.3),
    "financing.tranches.bullet.rate": (0.0, 0.15),
    "financing.tranches.straight.amount_usd_bn": (0.0, 60.0),
    "financing.tranches.sculpted.dscr_target": (1.0, 2.0),
    "financing.tranches.sculpted.tenor_years": (1, 10),
    "financing.revolver.limit_usd_bn": (0.0, 50.0),
    "financing.sweep_fraction": (0.0, 1.0),
    "financing.unfunded_gap_rate": (0.0, 0.15),
    "financing.rounds.big.amount_usd_bn": (0.0, 200.0),
}
INTEGER = {"commitments.delay_years", "capex.refresh_it", "commitments.renew_cloud",
           "valuation.terminal_fcf_years", "financing.tranches.sculpted.tenor_years"}


def draws(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for path, (lo, hi) in RANGES.items():
        out[path] = (rng.integers(lo, hi + 1, n).astype(float) if path in INTEGER
                     else rng.uniform(lo, hi, n))
    return out


def flat(result, i):
    items = np.concatenate([result.line_items[k][i] for k in sorted(result.line_items)])
    mets = np.array([result.metrics[k].value[i] for k in sorted(result.metrics)])
    return items, mets


def test_thousand_override_sets_in_one_call_equal_thousand_single_runs(mini):
    base = drivers_for(mini)
    ov = draws(1000, seed=1)
    batch = run_engine(base.with_overrides(ov))  # ONE engine call
    assert batch.n == 1000 and not batch.drivers.invalid.any()
    for i in range(1000):
        single = run_engine(base.with_overrides({k: v[i:i + 1] for k, v in ov.items()}))
        b_items, b_mets = flat(batch, i)
        s_items, s_mets = flat(single, 0)
        np.testing.assert_allclose(b_items, s_items, rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(b_mets, s_mets, rtol=1e-9, atol=1e-9, equal_nan=True)
        for k in batch.metrics:
            assert batch.metrics[k].text(i) == single.metrics[k].text(0)


def test_batch_rows_equal_runs_loaded_with_set_overrides(mini):
    """The text path (--set, validated like the file) gives the same numbers as arrays."""
    ov = draws(12, seed=2)
    batch = run_engine(drivers_for(mini).with_overrides(ov))
    for i in range(12):
        flags = ("capex.refresh_it", "commitments.renew_cloud")
        sets = [f"{k}={int(v[i]) if k in INTEGER else repr(float(v[i]))}" for k, v in ov.items()
                if k not in flags]
        sets += [f"{k}={'true' if ov[k][i] else 'false'}" for k in flags]
        single = run(load(MINI, sets)).result
        b_items, b_mets = flat(batch, i)
        s_items, s_mets = flat(single, 0)
        np.testing.assert_allclose(b_items, s_items, rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(b_mets, s_mets, rtol=1e-9, atol=1e-9, equal_nan=True)


def test_chunked_evaluation_equals_one_call(mini):
    base = drivers_for(mini)
    ov = draws(257, seed=3)
    whole = run_engine(base.with_overrides(ov))
    ev = evaluate(base, ov, ["npv_usd_bn", "irr", "revenue_total@2030"], chunk=50)
    np.testing.assert_allclose(ev.values["npv_usd_bn"], whole.metrics["npv_usd_bn"].value, rtol=1e-12)
    np.testing.assert_allclose(ev.values["revenue_total@2030"], whole.at("revenue_total", 2030), rtol=1e-12)


def test_out_of_bounds_rows_are_flagged(mini):
    base = drivers_for(mini)
    d = base.with_overrides({"valuation.discount_rate": np.array([0.1, 0.02, 1.5]),
                             "valuation.terminal_growth": np.array([0.02, 0.03, 0.02])})
    assert d.invalid.tolist() == [False, True, True]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=len(RANGES), max_size=len(RANGES)))
def test_invariants_hold_for_random_valid_inputs(mini, u):
    ov = {}
    for (path, (lo, hi)), x in zip(RANGES.items(), u):
        v = lo + (hi - lo) * x
        ov[path] = np.array([float(round(v)) if path in INTEGER else v])
    with np.errstate(all="raise", under="ignore"):  # underflow to 0 is harmless (a rate of 1e-320)
        res = run_engine(drivers_for(mini).with_overrides(ov))
    li = res.line_items
    # sources = uses each period: cash moves by exactly what comes in and goes out
    tranches = [k[5:-5] for k in li if k.startswith("debt.") and k.endswith(".draw")]
    other = drivers_for(mini).values["financing.other_financing_usd_bn"]
    sources = (li["cfads"] + li["equity_raised"] + other + li["interest_income"] + li["revolver.draw"]
               + sum(li[f"debt.{t}.draw"] for t in tranches))
    uses = (li["fees"] + li["interest_expense"] + li["revolver.repay"]
            + sum(li[f"debt.{t}.principal"] + li[f"debt.{t}.sweep"] for t in tranches))
    assert np.abs(li["cash_closing"] - li["cash_opening"] - sources + uses).max() < 1e-9
    assert np.allclose(li["cfads"], li["pre_tax_cash"] - li["tax_paid"])
    # each corkscrew closes, no balance or interest is negative, the gap is what is below the floor
    for t in tranches:
        k = f"debt.{t}"
        assert np.allclose(li[f"{k}.closing"], li[f"{k}.opening"] + li[f"{k}.draw"] - li[f"{k}.principal"]
                           - li[f"{k}.sweep"])
        assert li[f"{k}.closing"].min() >= -1e-9 and li[f"{k}.interest"].min() >= 0
    assert np.allclose(li["revolver.closing"], li["revolver.opening"] + li["revolver.draw"] - li["revolver.repay"])
    assert li["interest_expense"].min() >= 0 and li["revolver.closing"].min() >= -1e-9
    assert np.allclose(li["unfunded_gap"], np.maximum(li["minimum_cash"] - li["cash_closing"], 0.0))
    # depreciation never exceeds depreciable capex, and all checks pass
    assert all(bool(c[0]) for c in res.checks.values())
    # NPV at rate 0 equals the sum of forecast flows
    from finmodel.engine.metrics import npv
    assert npv(0.0, li["fcf"][:, 1:])[0, 0] == pytest.approx(li["fcf"][0, 1:].sum(), rel=1e-12, abs=1e-9)


def test_depreciation_sums_to_depreciable_capex_over_a_long_life():
    from finmodel.engine.capex import depreciation
    cap = np.zeros((1, 40))
    cap[0, :5] = [3.0, 1.0, 4.0, 1.0, 5.0]
    dep = depreciation(cap, np.array([[6.3]]), np.array([[0.15]]))
    assert dep.sum() == pytest.approx(cap.sum() * 0.85, rel=1e-12)
