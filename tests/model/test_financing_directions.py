"""The financing moves in the directions an expert expects, through the whole engine on the mini
fixture (hypothesis; each example is one batch: row 0 the lower input, row 1 the higher).

Context drawn at random around each pair: the sweep, the gap rate, the revolver, opening cash.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from finmodel.api import drivers_for, load
from finmodel.model.result import run as run_engine

from conftest import MINI

D = drivers_for(load(MINI))
TOL = 1e-9  # float residue: a run differs from its pair by ~1e-14 where nothing moved


def _pair(path, lo, hi, **fixed):
    over = {path: np.array([lo, hi])} | {k: np.array([v, v]) for k, v in fixed.items()}
    batch = D.with_overrides(over)
    assert not batch.invalid.any()
    return run_engine(batch)


def _context():
    """Financing around the pair, priced as lenders do: commitment fee <= the revolver's drawn
    rate <= the gap rate (the money the revolver replaces)."""
    def build(sweep, gap_rate, limit, opening, r_share, f_share):
        rate = r_share * gap_rate
        return {"financing.sweep_fraction": sweep, "financing.unfunded_gap_rate": gap_rate,
                "financing.revolver.limit_usd_bn": limit, "financing.opening_cash_usd_bn": opening,
                "financing.revolver.rate": rate, "financing.revolver.commitment_fee_fraction": min(f_share * rate, 0.1)}
    return st.builds(build, st.floats(0, 1), st.floats(0, 0.3), st.floats(0, 80), st.floats(0, 50),
                     st.floats(0, 1), st.floats(0, 1))


@settings(max_examples=40, deadline=None)
@given(_context(), st.sampled_from(["bullet", "straight", "sculpted"]), st.floats(0, 0.2), st.floats(0.001, 0.1))
def test_a_higher_tranche_rate_never_lowers_interest_expense_nor_raises_cash(fixed, tranche, rate, more):
    """Every year: more interest on the tranche also means less cash, so more revolver, gap and
    less sweep (more debt carried), so no interest line falls; the tax shield returns at most the
    tax rate of it, so cash never rises."""
    r = _pair(f"financing.tranches.{tranche}.rate", rate, rate + more, **fixed)
    li = r.line_items
    ie, cash = li["interest_expense"], li["cash_closing"]
    assert (ie[1] >= ie[0] - TOL).all()
    if li[f"debt.{tranche}.opening"][0].max() > 0:  # carried into a year (not all swept at once)
        assert ie[1].sum() > ie[0].sum()
    assert (cash[1] <= cash[0] + TOL).all()
    assert r.metrics["peak_unfunded_gap_usd_bn"].value[1] >= r.metrics["peak_unfunded_gap_usd_bn"].value[0] - TOL


def test_a_higher_tranche_rate_can_lower_a_years_interest_when_the_revolver_fee_exceeds_its_rate():
    """Not a bug: the direction above needs the revolver's drawn rate >= its commitment fee. Here
    the revolver is free when drawn but costs 6.25 % undrawn: the dearer sculpted loan leaves less
    cash, the revolver is repaid less, and the fee on the smaller undrawn limit falls more than the
    loan's extra interest that year (2032: 6.8 -> 6.79); over the horizon interest still rises."""
    r = _pair("financing.tranches.sculpted.rate", 0.0, 0.0625, **{
        "financing.sweep_fraction": 0.0, "financing.unfunded_gap_rate": 0.0,
        "financing.revolver.limit_usd_bn": 79.0, "financing.opening_cash_usd_bn": 0.0,
        "financing.revolver.rate": 0.0, "financing.revolver.commitment_fee_fraction": 0.0625})
    ie = r.line_items["interest_expense"]
    year = list(r.timeline.years).index(2032)
    assert ie[1, year] < ie[0, year] - 0.005
    rev = r.line_items["revolver.opening"][:, year]  # more drawn, so less undrawn to pay the fee on
    assert rev[1] > rev[0]
    assert ie[1].sum() > ie[0].sum()


@settings(max_examples=40, deadline=None)
@given(_context(), st.floats(0, 100), st.floats(0.01, 50))
def test_a_bigger_equity_round_never_raises_the_gap_and_lowers_final_ownership(fixed, amount, more):
    r = _pair("financing.rounds.big.amount_usd_bn", amount, amount + more, **fixed)
    gap, own = r.metrics["peak_unfunded_gap_usd_bn"].value, r.metrics["ownership_final"].value
    assert gap[1] <= gap[0] + TOL
    assert own[1] < own[0]
    # the round is 2026 at a post-money of 800 (tests/data/mini/scenario.yaml): ownership falls
    # by exactly the ratio of what earlier holders keep, (1 - (A + d)/800) / (1 - A/800)
    assert own[1] / own[0] == pytest.approx((1 - (amount + more) / 800) / (1 - amount / 800), rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(_context(), st.floats(0, 80), st.floats(0.01, 80))
def test_a_bigger_revolver_never_raises_the_peak_gap_when_it_costs_no_more_than_the_gap(fixed, limit, more):
    fixed.pop("financing.revolver.limit_usd_bn")
    r = _pair("financing.revolver.limit_usd_bn", limit, limit + more, **fixed)
    gap = r.metrics["peak_unfunded_gap_usd_bn"].value
    assert gap[1] <= gap[0] + TOL
    assert r.metrics["peak_revolver_usd_bn"].value[1] >= r.metrics["peak_revolver_usd_bn"].value[0] - TOL


def test_a_bigger_revolver_can_raise_the_gap_when_it_costs_more_than_the_money_it_replaces():
    """Not a bug: the direction above needs the revolver to cost no more than the gap. At 100 %
    interest and a 10 % commitment fee (gap rate 8 %), each extra US$ 1 of limit costs US$ 0.10 a
    year undrawn and US$ 1 a year drawn, so doubling the limit from 60 to 120 digs the hole faster
    than it fills it (peak gap US$ 138 bn -> 239 bn)."""
    r = _pair("financing.revolver.limit_usd_bn", 60.0, 120.0, **{
        "financing.revolver.rate": 1.0, "financing.revolver.commitment_fee_fraction": 0.1})
    gap = r.metrics["peak_unfunded_gap_usd_bn"].value
    assert gap[1] > gap[0] + 100


@settings(max_examples=40, deadline=None)
@given(_context(), st.floats(0, 0.3), st.floats(0.001, 0.2))
def test_a_higher_gap_rate_never_lowers_the_peak_gap(fixed, rate, more):
    fixed.pop("financing.unfunded_gap_rate")  # the revolver keeps the context's pricing
    r = _pair("financing.unfunded_gap_rate", rate, rate + more, **fixed)
    gap = r.metrics["peak_unfunded_gap_usd_bn"].value
    assert gap[1] >= gap[0] - TOL
    li = r.line_items
    assert (li["gap_cost"][1] >= li["gap_cost"][0] - TOL).all()
    assert (li["cash_closing"][1] <= li["cash_closing"][0] + TOL).all()


def test_the_shipped_base_case_fills_or_shows_its_gap_with_every_check_green(base_run):
    """The shipped financing block runs: checks pass and the financing metrics exist."""
    r = base_run.result
    assert bool(r.checks_pass[0])
    for key in ("peak_unfunded_gap_usd_bn", "ownership_final", "equity_raised_usd_bn", "debt_drawn_usd_bn"):
        assert np.isfinite(r.metrics[key].value[0]), key
    assert 0 < r.metrics["ownership_final"].value[0] < 1
