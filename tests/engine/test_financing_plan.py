"""The financing recurrence (issue 10), proven by hand: tiny cases whose every expected number is
worked out in a comment, then hypothesis invariants on random inputs.

Conventions of ``financing_plan``: balances, draws, repayments, interest and tax are positive;
interest is charged on opening balances; the first period's opening term and revolver balances
are 0. The helper ``_plan`` sets every input to a neutral value (no flows, no rates, no tax) so
each test states only what it exercises.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from finmodel.engine.financing import (TrancheTerms, dilution_factor, financing_plan, on_or_before,
                                       ownership, per_gw_amount, round_amount, warrant_proceeds)

approx = pytest.approx


def _years(T: int, first: int = 2025) -> np.ndarray:
    return np.arange(first, first + T, dtype=float)[None, :]


def _tranche(kind, draw_year, amount, rate=0.0, tenor=10, dscr=1.3, fee=0.0) -> TrancheTerms:
    return TrancheTerms(kind, np.array(draw_year, dtype=float), np.array(amount, dtype=float),
                        np.array(rate, dtype=float), np.array(tenor, dtype=float),
                        np.array(dscr, dtype=float), np.array(fee, dtype=float))


def _plan(T: int, **kw) -> dict:
    """financing_plan over T years from 2025 (n=1 unless an input has more rows), everything
    neutral except ``kw``; returns the rows of scenario 0 (or all rows with ``all_rows=True``)."""
    all_rows = kw.pop("all_rows", False)
    args = dict(ebit=np.zeros((1, T)), pre_tax_cash=np.zeros((1, T)), equity=np.zeros((1, T)),
                other=0.0, minimum_cash=np.zeros((1, T)), year=_years(T), opening_cash=np.zeros((1, 1)),
                cash_rate=0.0, gap_rate=0.0, tax_rate=0.0, pool_opening=0.0, usage_limit=1.0,
                revolver_limit=0.0, revolver_rate=0.0, revolver_fee=0.0, sweep_fraction=0.0, tranches=())
    for key in ("ebit", "pre_tax_cash", "equity", "minimum_cash"):
        if key in kw:
            kw[key] = np.atleast_2d(np.asarray(kw[key], dtype=float))
    if "opening_cash" in kw:
        kw["opening_cash"] = np.atleast_2d(np.asarray(kw["opening_cash"], dtype=float)).reshape(-1, 1)
    out = financing_plan(**(args | kw))
    return out if all_rows else {k: v[0] for k, v in out.items()}


def _eq(row, want):
    np.testing.assert_allclose(row, want, rtol=0, atol=1e-12)


# --- (a) bullet ------------------------------------------------------------------------------------

def test_a_bullet_loan_pays_interest_on_the_opening_balance_and_all_principal_at_maturity():
    # 100 drawn in 2026 at 10 %, tenor 3 (matures 2029), 2 % upfront fee; 1,000 of opening cash.
    p = _plan(5, opening_cash=1000.0, tranches=(_tranche("bullet", 2026, 100, rate=0.10, tenor=3, fee=0.02),))
    _eq(p["t0.draw"], [0, 100, 0, 0, 0])
    _eq(p["t0.opening"], [0, 0, 100, 100, 100])
    # interest = 10 % x opening: nothing in the draw year (opening 0), then 10 a year incl. 2029
    _eq(p["t0.interest"], [0, 0, 10, 10, 10])
    # no principal before maturity; 2029 >= 2026 + 3: the whole 100
    _eq(p["t0.principal"], [0, 0, 0, 0, 100])
    _eq(p["t0.closing"], [0, 100, 100, 100, 0])
    # fee = 2 % x 100 drawn = 2, in the draw year only
    _eq(p["fees"], [0, 2, 0, 0, 0])
    # cash: 1000 | 1000 + 100 - 2 = 1098 | 1098 - 10 = 1088 | 1078 | 1078 - 10 - 100 = 968
    _eq(p["cash_closing"], [1000, 1098, 1088, 1078, 968])
    _eq(p["debt_service"], [0, 0, 10, 10, 110])
    # profit before tax (EBIT 0) = - interest - fees: 0, -2, -10, -10, -10
    _eq(p["pbt"], [0, -2, -10, -10, -10])


# --- (b) straight-line ---------------------------------------------------------------------------------

def test_a_straight_loan_repays_amount_over_tenor_each_year_after_the_draw():
    # 120 drawn in 2025 at 5 %, tenor 4: 120 / 4 = 30 a year in 2026..2029 (2029 = maturity)
    p = _plan(6, opening_cash=500.0, tranches=(_tranche("straight", 2025, 120, rate=0.05, tenor=4),))
    _eq(p["t0.principal"], [0, 30, 30, 30, 30, 0])
    _eq(p["t0.closing"], [120, 90, 60, 30, 0, 0])
    # interest 5 % x opening: 0 (opening 0), 6 (120), 4.5 (90), 3 (60), 1.5 (30), 0
    _eq(p["t0.interest"], [0, 6, 4.5, 3, 1.5, 0])
    # cash: 500 + 120 = 620 | 620 - 36 = 584 | 584 - 34.5 = 549.5 | 516.5 | 485 | 485
    _eq(p["cash_closing"], [620, 584, 549.5, 516.5, 485, 485])


# --- (c) revolver ----------------------------------------------------------------------------------------

def test_a_revolver_holds_the_minimum_cash_up_to_its_limit_then_is_repaid_first():
    # limit 50 at 10 %, 1 % commitment fee on the undrawn limit; minimum cash 20, opening cash 20;
    # cash before financing -30, -40, +10, +60, +40
    p = _plan(5, pre_tax_cash=[-30, -40, 10, 60, 40], minimum_cash=[20] * 5, opening_cash=20.0,
              revolver_limit=50.0, revolver_rate=0.10, revolver_fee=0.01)
    # 2025: interest = 0.1 x 0 + 0.01 x (50 - 0) = 0.5; before = 20 - 30 - 0.5 = -10.5;
    #       draw = min(20 + 10.5, 50) = 30.5; cash 20
    # 2026: interest = 0.1 x 30.5 + 0.01 x 19.5 = 3.05 + 0.195 = 3.245; before = 20 - 40 - 3.245
    #       = -23.245; need 43.245 > room 19.5: draw 19.5 (at the limit), cash -3.745, gap 23.745
    # 2027: interest = 0.1 x 50 + 0.01 x 0 = 5; before = -3.745 + 10 - 5 = 1.255; no room: draw 0;
    #       gap 20 - 1.255 = 18.745
    # 2028: interest 5; before = 1.255 + 60 - 5 = 56.255; surplus 36.255 repays 36.255 of 50;
    #       cash 20, revolver 13.745
    # 2029: interest = 0.1 x 13.745 + 0.01 x 36.255 = 1.3745 + 0.36255 = 1.73705;
    #       before = 20 + 40 - 1.73705 = 58.26295; repays all 13.745; cash 44.51795
    _eq(p["revolver_interest"], [0.5, 3.245, 5, 5, 1.73705])
    _eq(p["interest_expense"], [0.5, 3.245, 5, 5, 1.73705])
    _eq(p["interest_on_debt"], [0, 3.05, 5, 5, 1.3745])  # without the commitment fee
    _eq(p["cash_before_revolver"], [-10.5, -23.245, 1.255, 56.255, 58.26295])
    _eq(p["revolver_draw"], [30.5, 19.5, 0, 0, 0])
    _eq(p["revolver_repay"], [0, 0, 0, 36.255, 13.745])
    _eq(p["revolver_closing"], [30.5, 50, 50, 13.745, 0])
    _eq(p["cash_closing"], [20, -3.745, 1.255, 20, 44.51795])
    _eq(p["unfunded_gap"], [0, 23.745, 18.745, 0, 0])


# --- (d) dilution -----------------------------------------------------------------------------------------

def test_dilution_over_two_rounds_multiplies_what_earlier_holders_keep():
    year = _years(4)  # 2025..2028
    a1 = round_amount(40.0, year, 2026)   # 40 at a 200 post-money in 2026
    a2 = round_amount(30.0, year, 2028)   # 30 at a 600 post-money in 2028
    _eq(a1[0], [0, 40, 0, 0])
    _eq(a2[0], [0, 0, 0, 30])
    k1, k2 = dilution_factor(a1, 200.0), dilution_factor(a2, 600.0)
    # 1 - 40/200 = 0.8 in 2026; 1 - 30/600 = 0.95 in 2028; 1 in years without a round
    _eq(k1[0], [1, 0.8, 1, 1])
    _eq(k2[0], [1, 1, 1, 0.95])
    # ownership = running product: 1, 0.8, 0.8, 0.8 x 0.95 = 0.76 = (1 - A1/V1)(1 - A2/V2)
    _eq(ownership(k1=k1, k2=k2)[0], [1, 0.8, 0.8, 0.76])
    # no post-money (0): nobody is diluted
    _eq(dilution_factor(np.array([5.0]), np.array([0.0])), [1.0])


# --- (e) sculpted -------------------------------------------------------------------------------------------

def test_a_sculpted_tranche_hits_its_cover_exactly_and_balloons_at_maturity_when_cfads_is_short():
    # 100 drawn in 2025 at 10 %, tenor 4 (matures 2029), DSCR target 1.25; no tax, so CFADS =
    # pre-tax cash. Row 0: CFADS 0, 50, 50, 2, 0. Row 1: CFADS 0, 50, 100, 0, 0.
    p = _plan(5, pre_tax_cash=[[0, 50, 50, 2, 0], [0, 50, 100, 0, 0]], opening_cash=[[1000.0], [1000.0]],
              minimum_cash=np.zeros((2, 5)), tranches=(_tranche("sculpted", 2025, 100, rate=0.10, tenor=4, dscr=1.25),),
              all_rows=True)
    # row 0: 2026 interest 10, debt service target 50 / 1.25 = 40: principal 30, closing 70
    #        2027 interest 7, principal 40 - 7 = 33, closing 37
    #        2028 interest 3.7, target 2 / 1.25 = 1.6 < interest: principal max(1.6 - 3.7, 0) = 0
    #        2029 maturity: interest 3.7, the balloon 37
    _eq(p["t0.interest"][0], [0, 10, 7, 3.7, 3.7])
    _eq(p["t0.principal"][0], [0, 30, 33, 0, 37])
    _eq(p["t0.closing"][0], [100, 70, 37, 37, 0])
    # where the balance allows, debt service = CFADS / DSCR exactly (40 in 2026 and 2027)
    _eq(p["debt_service"][0, 1:3], [40, 40])
    _eq(p["cfads"][0, 1:3] / p["debt_service"][0, 1:3], [1.25, 1.25])
    # row 1: 2026 as row 0 (closing 70); 2027 interest 7, target 100 / 1.25 = 80 wants principal 73
    #        but only 70 is left: principal 70, closing 0; nothing after
    _eq(p["t0.principal"][1], [0, 30, 70, 0, 0])
    _eq(p["t0.closing"][1], [100, 70, 0, 0, 0])
    _eq(p["t0.interest"][1], [0, 10, 7, 0, 0])


# --- (f) sweep -----------------------------------------------------------------------------------------------

def test_a_cash_sweep_repays_the_revolver_first_then_prepays_tranches_in_order():
    # A (50) and B (30), interest-free bullets drawn 2025, tenor 10; sweep 50 %; minimum and
    # opening cash 10; revolver limit 20 (free); cash before financing -95, 60, 80, 40
    p = _plan(4, pre_tax_cash=[-95, 60, 80, 40], minimum_cash=[10] * 4, opening_cash=10.0, revolver_limit=20.0,
              sweep_fraction=0.5, tranches=(_tranche("bullet", 2025, 50), _tranche("bullet", 2025, 30)))
    # The sweep takes half the EXCESS CASH FLOW (CFADS + income - interest - fees - scheduled
    # principal; here the cash before financing), within the surplus above the floor left after
    # the revolver is repaid.
    # 2025: before = 10 - 95 + 80 = -5: revolver draws 15, cash 10; excess -95: no sweep
    # 2026: before = 10 + 60 = 70; surplus 60 repays the revolver's 15 first; 45 left; excess
    #       60; offered 0.5 x min(60, 45) = 22.5 into A; cash = 70 - 15 - 22.5 = 32.5; A 27.5
    # 2027: before = 32.5 + 80 = 112.5; surplus 102.5; excess 80: offered 40: A takes its 27.5,
    #       B 12.5; cash = 112.5 - 40 = 72.5; B 17.5
    # 2028: before = 72.5 + 40 = 112.5; excess 40: offered 20: B takes its 17.5 (all it has);
    #       cash = 112.5 - 17.5 = 95
    _eq(p["revolver_draw"], [15, 0, 0, 0])
    _eq(p["revolver_repay"], [0, 15, 0, 0])
    _eq(p["sweep_available"], [0, 22.5, 40, 20])
    _eq(p["t0.sweep"], [0, 22.5, 27.5, 0])
    _eq(p["t1.sweep"], [0, 0, 12.5, 17.5])
    _eq(p["t0.closing"], [50, 27.5, 0, 0])
    _eq(p["t1.closing"], [30, 30, 17.5, 0])
    _eq(p["sweep"], [0, 22.5, 40, 17.5])
    _eq(p["cash_closing"], [10, 32.5, 72.5, 95])


# --- (g) tax ---------------------------------------------------------------------------------------------------

def test_tax_is_on_profit_after_interest_using_the_loss_pool_within_its_usage_limit():
    # tax 25 %, opening pool 100, at most 80 % of a year's profit offset; EBIT -20, 50, 200, 200;
    # 100 borrowed in 2025 at 10 % (bullet, tenor 10): interest 0, 10, 10, 10
    p = _plan(4, ebit=[-20, 50, 200, 200], opening_cash=0.0, tax_rate=0.25, pool_opening=100.0,
              usage_limit=0.8, tranches=(_tranche("bullet", 2025, 100, rate=0.10),))
    # 2025: pbt -20: nothing used, no tax, pool 100 + 20 = 120
    # 2026: pbt 50 - 10 = 40: used min(120, 0.8 x 40 = 32) = 32; tax (40 - 32) x 0.25 = 2; pool 88
    # 2027: pbt 190: used min(88, 152) = 88; tax (190 - 88) x 0.25 = 25.5; pool 0
    # 2028: pbt 190: pool empty; tax 190 x 0.25 = 47.5
    _eq(p["pbt"], [-20, 40, 190, 190])
    _eq(p["pool_opening"], [100, 120, 88, 0])
    _eq(p["pool_used"], [0, 32, 88, 0])
    _eq(p["pool_closing"], [120, 88, 0, 0])
    _eq(p["tax_paid"], [0, 2, 25.5, 47.5])
    _eq(p["cfads"], [0, -2, -25.5, -47.5])  # pre-tax cash 0 - tax


# --- (h) unfunded gap ------------------------------------------------------------------------------------------

def test_the_unfunded_gap_costs_the_gap_rate_the_following_year():
    # minimum cash 10, opening cash 10, no revolver; gap rate 10 %; cash earns 5 % on a positive
    # opening balance; cash before financing -30, -20, 50, 0
    p = _plan(4, pre_tax_cash=[-30, -20, 50, 0], minimum_cash=[10] * 4, opening_cash=10.0, gap_rate=0.10,
              cash_rate=0.05)
    # 2025: income 0.05 x 10 = 0.5; no gap last year: cost 0; cash 10 - 30 + 0.5 = -19.5; gap 29.5
    # 2026: income 0 (opening cash < 0); cost 0.1 x 29.5 = 2.95; cash -19.5 - 20 - 2.95 = -42.45;
    #       gap 52.45
    # 2027: cost 5.245; cash -42.45 + 50 - 5.245 = 2.305; gap 7.695
    # 2028: cost 0.7695; income 0.05 x 2.305 = 0.11525; cash 2.305 - 0.7695 + 0.11525 = 1.65075;
    #       gap 8.34925
    _eq(p["interest_income"], [0.5, 0, 0, 0.11525])
    _eq(p["gap_cost"], [0, 2.95, 5.245, 0.7695])
    _eq(p["interest_expense"], [0, 2.95, 5.245, 0.7695])
    _eq(p["cash_closing"], [-19.5, -42.45, 2.305, 1.65075])
    _eq(p["unfunded_gap"], [29.5, 52.45, 7.695, 8.34925])
    # the gap's cost is not interest on drawn debt
    _eq(p["interest_on_debt"], [0, 0, 0, 0])


# --- (i) contingent rounds, per-GW equity, warrants -------------------------------------------------------------

def test_an_ipo_contingent_round_is_paid_only_when_the_ipo_is_by_its_deadline():
    year = _years(5)  # 2025..2029
    # the IPO in 2028 with a 2029 deadline: paid (1); in 2030: not (0); on the deadline: paid
    assert on_or_before(2028, 2029) == 1.0 and on_or_before(2030, 2029) == 0.0 and on_or_before(2029, 2029) == 1.0
    paid = round_amount(10.0, year, 2028, happens=on_or_before(2028, 2029))
    missed = round_amount(10.0, year, 2028, happens=on_or_before(2030, 2029))
    _eq(paid[0], [0, 0, 0, 10, 0])
    _eq(missed[0], [0, 0, 0, 0, 0])
    # a missed round dilutes nobody
    _eq(dilution_factor(missed, 1000.0)[0], [1] * 5)
    # a partner's cheque scales with its deal's realisation: 20 x 0.9 = 18
    _eq(round_amount(20.0, year, 2026, realisation=0.9)[0], [0, 18, 0, 0, 0])


def test_vendor_equity_per_gw_and_warrant_proceeds():
    gw = np.array([[0.0, 1.0, 2.0, 1.0]])
    # 2 per GW x GW added x realisation 0.9: 0, 1.8, 3.6, 1.8
    _eq(per_gw_amount(2.0, gw, realisation=0.9)[0], [0, 1.8, 3.6, 1.8])
    # 40 m shares vest over a 4 GW deal; price 100, 100, 150, 150 $:
    # 40 x (GW / 4) x price / 1000: 0, 40 x 0.25 x 100 / 1000 = 1.0, 40 x 0.5 x 150 / 1000 = 3.0,
    # 40 x 0.25 x 150 / 1000 = 1.5
    price = np.array([[100.0, 100.0, 150.0, 150.0]])
    _eq(warrant_proceeds(40.0, 4.0, gw, price)[0], [0, 1.0, 3.0, 1.5])
    # all 4 GW deployed at a flat 100 $: 40 m x 100 $ = 4,000 $ m = 4.0 $ bn
    assert warrant_proceeds(40.0, 4.0, gw, 100.0).sum() == approx(4.0)
    # a deal without capacity vests nothing (no division by zero)
    _eq(warrant_proceeds(40.0, 0.0, gw, price)[0], [0, 0, 0, 0])


# --- hypothesis: invariants on random inputs ---------------------------------------------------------------------

N, T = 3, 7
paths = hnp.arrays(float, (N, T), elements=st.floats(-80, 80, allow_nan=False, width=32))
tranche = st.builds(
    lambda kind, dy, amount, rate, tenor, dscr, fee: _tranche(kind, 2025 + dy, amount, rate, tenor, dscr, fee),
    st.sampled_from(["bullet", "straight", "sculpted"]), st.integers(0, T - 1), st.floats(0, 100),
    st.floats(0, 0.2), st.integers(1, 6), st.floats(1.0, 2.5), st.floats(0, 0.05))
plans = st.fixed_dictionaries({
    "ebit": paths, "pre_tax_cash": paths,
    "equity": hnp.arrays(float, (N, T), elements=st.floats(0, 50, width=32)),
    "other": st.floats(-5, 5),
    "minimum_cash": hnp.arrays(float, (N, T), elements=st.floats(0, 30, width=32)),
    "opening_cash": hnp.arrays(float, (N, 1), elements=st.floats(-20, 60, width=32)),
    "cash_rate": st.floats(0, 0.08), "gap_rate": st.floats(0, 0.3), "tax_rate": st.floats(0, 0.4),
    "pool_opening": st.floats(0, 100), "usage_limit": st.floats(0, 1),
    "revolver_limit": st.floats(0, 100), "revolver_rate": st.floats(0, 0.2), "revolver_fee": st.floats(0, 0.02),
    "sweep_fraction": st.floats(0, 1), "tranches": st.lists(tranche, max_size=3).map(tuple),
})


@settings(max_examples=150, deadline=None)
@given(plans)
def test_every_corkscrew_closes_and_sources_equal_uses_for_random_inputs(kw):
    with np.errstate(all="raise", under="ignore"):
        p = financing_plan(year=_years(T), **kw)
    tol = 1e-9 * (1 + max(np.abs(v).max() for v in p.values()))
    k = len(kw["tranches"])
    draws = sum((p[f"t{i}.draw"] for i in range(k)), np.zeros((N, T)))
    principal = sum((p[f"t{i}.principal"] for i in range(k)), np.zeros((N, T)))
    sweeps = sum((p[f"t{i}.sweep"] for i in range(k)), np.zeros((N, T)))
    # sources = uses every year
    sources = (p["cfads"] + kw["equity"] + kw["other"] + draws + p["interest_income"] + p["revolver_draw"])
    uses = p["fees"] + p["interest_expense"] + principal + p["revolver_repay"] + sweeps
    np.testing.assert_allclose(p["cash_closing"], p["cash_opening"] + sources - uses, rtol=0, atol=tol)
    np.testing.assert_allclose(p["cash_opening"][:, 1:], p["cash_closing"][:, :-1], rtol=0, atol=0)
    np.testing.assert_allclose(p["cash_opening"][:, 0], kw["opening_cash"][:, 0])
    # each tranche's corkscrew closes, links year to year and never goes negative
    for i in range(k):
        t = {key: p[f"t{i}.{key}"] for key in ("opening", "draw", "principal", "sweep", "closing", "interest")}
        np.testing.assert_allclose(t["closing"], t["opening"] + t["draw"] - t["principal"] - t["sweep"],
                                   rtol=0, atol=tol)
        np.testing.assert_array_equal(t["opening"][:, 1:], t["closing"][:, :-1])
        assert (t["opening"][:, 0] == 0).all()
        assert t["closing"].min() >= -tol and t["interest"].min() >= 0
        assert min(t["principal"].min(), t["sweep"].min(), t["draw"].min()) >= 0
        # nothing outstanding after maturity
        tr = kw["tranches"][i]
        done = _years(T)[0] >= tr.draw_year + tr.tenor
        assert np.abs(t["closing"][:, done]).max(initial=0) <= tol
    np.testing.assert_allclose(p["sweep"], sweeps, rtol=0, atol=tol)
    assert (p["sweep"] <= p["sweep_available"] + tol).all()
    # the revolver corkscrew closes, stays within [0, limit], and interest is never negative
    np.testing.assert_allclose(p["revolver_closing"], p["revolver_opening"] + p["revolver_draw"] - p["revolver_repay"],
                               rtol=0, atol=tol)
    assert p["revolver_closing"].min() >= -tol
    assert p["revolver_closing"].max() <= kw["revolver_limit"] + tol
    for key in ("interest_expense", "interest_income", "fees", "tax_paid", "gap_cost", "revolver_draw",
                "revolver_repay", "pool_used", "pool_closing"):
        assert p[key].min() >= -tol, key
    # the gap is what is left below the floor, and only once the revolver is fully drawn
    gap = p["unfunded_gap"]
    np.testing.assert_allclose(gap, np.maximum(kw["minimum_cash"] - p["cash_closing"], 0.0), rtol=0, atol=tol)
    short = gap > tol
    assert (np.abs(p["revolver_closing"] - kw["revolver_limit"])[short] <= tol).all()
    # it costs the gap rate the year after
    np.testing.assert_allclose(p["gap_cost"][:, 1:], kw["gap_rate"] * gap[:, :-1], rtol=0, atol=tol)
    # tax: never more than the rate times profit, the pool rolls forward
    assert (p["tax_paid"] <= kw["tax_rate"] * np.maximum(p["pbt"], 0) + tol).all()
    np.testing.assert_allclose(p["pool_closing"], p["pool_opening"] - p["pool_used"] + np.maximum(-p["pbt"], 0),
                               rtol=0, atol=tol)


def test_stock_compensation_keeps_a_share_in_0_1_however_large():
    """Issued at a valuation V: earlier holders keep V / (V + A) — by hand 450 / 500 = 0.9 —
    never a negative share when yearly stock compensation outgrows V."""
    from finmodel.engine.financing import issuance_keep
    _eq(issuance_keep(np.array([50.0, 0.0, 1e6]), np.array([450.0, 300.0, 500.0])),
        [0.9, 1.0, 500.0 / (500.0 + 1e6)])
    _eq(issuance_keep(np.array([5.0]), np.array([0.0])), [1.0])  # no valuation yet: no dilution


@settings(max_examples=60, deadline=None)
@given(plans, st.lists(st.floats(0, 100), min_size=N, max_size=N), st.integers(1, T))
def test_a_batch_equals_its_rows_one_by_one_and_a_shorter_horizon_its_first_years(kw, amounts, years):
    """The recurrence writes every row in place into shared period-major buffers: each
    scenario of a batch (tranche amounts differing by row) is bit for bit the plan of that
    scenario alone, and the plan over the first ``years`` years is the first columns of the
    plan over all of them (no period reads a later one)."""
    first = kw["tranches"][:1]
    kw["tranches"] = tuple(TrancheTerms(t.kind, t.draw_year, np.array(amounts)[:, None], t.rate, t.tenor,
                                        t.dscr_target, t.fee) for t in first) + kw["tranches"][1:]
    with np.errstate(all="ignore"):
        batch = financing_plan(year=_years(T), **kw)
        for i in range(N):
            one = {key: (v[i:i + 1] if np.ndim(v) == 2 else v) for key, v in kw.items() if key != "tranches"}
            one["tranches"] = tuple(TrancheTerms(t.kind, t.draw_year, t.amount[i:i + 1] if np.ndim(t.amount) == 2
                                                 else t.amount, t.rate, t.tenor, t.dscr_target, t.fee)
                                    for t in kw["tranches"])
            alone = financing_plan(year=_years(T), **one)
            for key, v in batch.items():
                np.testing.assert_array_equal(v[i], alone[key][0], err_msg=key)
        short = financing_plan(year=_years(years), **{key: (v[:, :years] if np.shape(v) == (N, T) else v)
                                                       for key, v in kw.items()})
    for key, v in short.items():
        np.testing.assert_array_equal(v, batch[key][:, :years], err_msg=key)


@settings(max_examples=60, deadline=None)
@given(plans, st.data())
def test_the_rows_asked_for_are_the_full_plans_rows_bit_for_bit(kw, data):
    """``rows`` (what a Monte Carlo chunk reads) returns exactly those rows, each equal bit for
    bit to the same row of the full plan, whichever others are left to one scratch row; an
    unknown row is an error, not a silent zero."""
    with np.errstate(all="ignore"):
        full = financing_plan(year=_years(T), **kw)
        asked = data.draw(st.lists(st.sampled_from(sorted(full)), unique=True, max_size=12))
        part = financing_plan(year=_years(T), rows=asked, **kw)
    assert list(part) == asked
    for key in asked:
        np.testing.assert_array_equal(part[key], full[key], err_msg=key)
    with pytest.raises(KeyError, match="no financing row"):
        financing_plan(year=_years(T), rows=["cash_closing", "t9.closing"], **kw)


def test_rows_asked_for_leave_the_rest_unwritten_memory_of_their_own():
    """The point of ``rows``: a row not asked for and not read by a later period gets no
    (T, n) memory of its own (the block holds the asked rows, the closings and the draws)."""
    kw = dict(ebit=np.ones((4, 16)), pre_tax_cash=np.ones((4, 16)), equity=np.zeros((1, 16)), other=0.0,
              minimum_cash=np.ones((4, 16)), year=_years(16), opening_cash=np.ones((4, 1)), cash_rate=0.0,
              gap_rate=0.0, tax_rate=0.2, pool_opening=0.0, usage_limit=0.8, revolver_limit=1.0,
              revolver_rate=0.05, revolver_fee=0.0, sweep_fraction=0.5,
              tranches=(_tranche("bullet", 2027, 10.0), _tranche("sculpted", 2028, 5.0)))
    full = financing_plan(**kw)
    part = financing_plan(rows=["cfads"], **kw)
    assert part["cfads"].base.nbytes < full["cfads"].base.nbytes / 3
