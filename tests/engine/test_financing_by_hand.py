"""The financing recurrence against hand calculations (each expected number worked in a comment).

Years 2025.. are periods t = 0..; balances at the start of the first period are 0.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.engine import financing as fin


def plan(T: int, tranches=(), **kw):
    """``financing_plan`` for one scenario over ``T`` years with everything off unless given."""
    args = dict(ebit=np.zeros((1, T)), pre_tax_cash=np.zeros((1, T)), equity=np.zeros((1, T)), other=0.0,
                minimum_cash=np.zeros((1, T)), year=np.arange(2025, 2025 + T, dtype=float)[None, :],
                opening_cash=0.0, cash_rate=0.0, gap_rate=0.0, tax_rate=0.0, pool_opening=0.0,
                usage_limit=0.8, revolver_limit=0.0, revolver_rate=0.0, revolver_fee=0.0,
                sweep_fraction=0.0)
    args.update(kw)
    # rows (1, T) from lists, scalars (1, 1): the engine's shapes for one scenario
    args = {k: np.asarray(v, dtype=float)[None, :] if isinstance(v, list)
            else (v if isinstance(v, np.ndarray) else np.array([[v]], dtype=float)) for k, v in args.items()}
    return {k: v[0] for k, v in fin.financing_plan(tranches=tuple(tranches), **args).items()}


def tranche(kind, draw_year, amount, rate, tenor, dscr=1.3, fee=0.0):
    return fin.TrancheTerms(kind, np.array([[draw_year]], float), np.array([[amount]], float),
                            np.array([[rate]], float), np.array([[tenor]], float),
                            np.array([[dscr]], float), np.array([[fee]], float))


def test_a_bullet_loan():
    # 10 drawn in 2026 at 10 %, 2 years, 1 % fee; 100 of cash, no operations.
    # 2026: drawn 10, fee 0.1, no interest yet (opening 0)      cash 100 + 10 - 0.1 = 109.9
    # 2027: interest 10 x 10 % = 1.0, nothing repaid              cash 109.9 - 1 = 108.9
    # 2028: maturity (2026 + 2): interest 1.0, repaid 10          cash 108.9 - 1 - 10 = 97.9
    p = plan(5, [tranche("bullet", 2026, 10, 0.10, 2, fee=0.01)], opening_cash=100.0)
    np.testing.assert_allclose(p["t0.draw"], [0, 10, 0, 0, 0])
    np.testing.assert_allclose(p["t0.interest"], [0, 0, 1.0, 1.0, 0])
    np.testing.assert_allclose(p["t0.principal"], [0, 0, 0, 10, 0])
    np.testing.assert_allclose(p["t0.closing"], [0, 10, 10, 0, 0])
    np.testing.assert_allclose(p["fees"], [0, 0.1, 0, 0, 0])
    np.testing.assert_allclose(p["cash_closing"], [100, 109.9, 108.9, 97.9, 97.9])
    # the fee and the interest are losses before tax: the pool grows by 0.1, 1, 1
    np.testing.assert_allclose(p["pool_closing"], [0, 0.1, 1.1, 2.1, 2.1])


def test_a_straight_line_loan():
    # 12 drawn in 2025 over 3 years at 5 %: 4 a year from 2026; interest on the opening
    # balance: 2026 12 x 5 % = 0.6, 2027 8 x 5 % = 0.4, 2028 4 x 5 % = 0.2
    p = plan(5, [tranche("straight", 2025, 12, 0.05, 3)], opening_cash=50.0)
    np.testing.assert_allclose(p["t0.principal"], [0, 4, 4, 4, 0])
    np.testing.assert_allclose(p["t0.interest"], [0, 0.6, 0.4, 0.2, 0])
    np.testing.assert_allclose(p["t0.closing"], [12, 8, 4, 0, 0])
    np.testing.assert_allclose(p["debt_service"], [0, 4.6, 4.4, 4.2, 0])


def test_a_revolver_draws_to_the_floor_up_to_its_limit_and_is_repaid_first():
    # floor 5, limit 6 at 10 %, cash flows -3, -4, +10, +10 from no cash:
    # 2025: before -3; needs 8, draws the limit 6           closing 3, gap 5 - 3 = 2
    # 2026: interest 0.6; before 3 - 4 - 0.6 = -1.6; no room   closing -1.6, gap 6.6
    # 2027: interest 0.6; before -1.6 + 10 - 0.6 = 7.8; repays 2.8   closing 5, revolver 3.2
    # 2028: interest 0.32; before 5 + 10 - 0.32 = 14.68; repays 3.2  closing 11.48, revolver 0
    p = plan(4, minimum_cash=[5, 5, 5, 5], pre_tax_cash=[-3, -4, 10, 10], revolver_limit=6.0,
             revolver_rate=0.10)
    np.testing.assert_allclose(p["revolver_draw"], [6, 0, 0, 0])
    np.testing.assert_allclose(p["revolver_repay"], [0, 0, 2.8, 3.2])
    np.testing.assert_allclose(p["revolver_closing"], [6, 6, 3.2, 0])
    np.testing.assert_allclose(p["interest_expense"], [0, 0.6, 0.6, 0.32])
    np.testing.assert_allclose(p["cash_closing"], [3, -1.6, 5, 11.48])
    np.testing.assert_allclose(p["unfunded_gap"], [2, 6.6, 0, 0])


def test_a_commitment_fee_is_on_the_undrawn_limit():
    # limit 10, fee 0.5 %, nothing drawn (cash above the floor): 10 x 0.5 % = 0.05 a year
    p = plan(3, opening_cash=20.0, revolver_limit=10.0, revolver_fee=0.005)
    np.testing.assert_allclose(p["revolver_interest"], [0.05, 0.05, 0.05])
    np.testing.assert_allclose(p["interest_on_debt"], [0, 0, 0])  # nothing drawn


def test_a_sculpted_tranche_meets_its_cover_exactly_then_a_balloon_at_maturity():
    # 30 drawn in 2025 at 10 %, CFADS 13 a year, target cover 1.3: debt service = 13 / 1.3 = 10
    # 2026: interest 3.0, repaid 7.0 (balance 23); 2027: 2.3 + 7.7 (15.3); 2028: 1.53 + 8.47
    # (6.83); 2029: the rest, 6.83, is less than 10 - 0.683
    p = plan(5, [tranche("sculpted", 2025, 30, 0.10, 10, dscr=1.3)], pre_tax_cash=[0, 13, 13, 13, 13],
             opening_cash=1.0)
    np.testing.assert_allclose(p["t0.principal"], [0, 7.0, 7.7, 8.47, 6.83])
    np.testing.assert_allclose(p["debt_service"][1:4], [10, 10, 10])
    np.testing.assert_allclose(p["cfads"][1:4] / p["debt_service"][1:4], [1.3, 1.3, 1.3])
    # a two-year tenor: everything left is due in 2027 (2025 + 2), whatever the cover
    p = plan(4, [tranche("sculpted", 2025, 30, 0.10, 2, dscr=1.3)], pre_tax_cash=[0, 13, 13, 13])
    np.testing.assert_allclose(p["t0.principal"], [0, 7.0, 23.0, 0])


def test_a_sweep_prepays_tranches_in_order_from_excess_cash_flow():
    # two bullets of 5 drawn in 2025 at 10 %, CFADS 0 then 20; half the excess cash flow swept.
    # 2025: the loans' own proceeds are not excess cash flow: nothing swept.
    # 2026: excess = 20 - interest 1.0 = 19, within the surplus (10 + 20 - 1 above a 0 floor);
    # half, 9.5, prepays the first tranche's 5, then 4.5 of the second
    p = plan(3, [tranche("bullet", 2025, 5, 0.10, 10), tranche("bullet", 2025, 5, 0.10, 10)],
             pre_tax_cash=[0, 20, 0], sweep_fraction=0.5)
    np.testing.assert_allclose(p["sweep_available"][:2], [0, 9.5])
    np.testing.assert_allclose([p["t0.sweep"][1], p["t1.sweep"][1]], [5.0, 4.5])
    np.testing.assert_allclose([p["t0.closing"][1], p["t1.closing"][1]], [0.0, 0.5])
    np.testing.assert_allclose(p["cash_closing"][:2], [10.0, 10 + 20 - 1 - 9.5])


def test_tax_after_interest_uses_the_loss_pool_within_its_limit():
    # EBIT 100 a year, pool 50, 80 % usage limit, 20 % tax, 10 of interest from a bullet of
    # 100 at 10 % drawn in 2025: 2026 profit before tax 90, uses min(50, 72) = 50, tax
    # (90 - 50) x 20 % = 8; 2027 profit 90, pool empty, tax 18
    p = plan(3, [tranche("bullet", 2025, 100, 0.10, 10)], ebit=[0, 100, 100], pool_opening=50.0,
             tax_rate=0.20)
    np.testing.assert_allclose(p["pbt"], [0, 90, 90])
    np.testing.assert_allclose(p["pool_used"], [0, 50, 0])
    np.testing.assert_allclose(p["tax_paid"], [0, 8, 18])


def test_the_unfunded_gap_is_charged_the_next_year():
    # floor 10, no cash and no instrument, gap rate 10 %: gap 10; then 10 x 10 % = 1 of cost
    # (cash -1, gap 11); then 1.1 (cash -2.1, gap 12.1)
    p = plan(3, minimum_cash=[10, 10, 10], gap_rate=0.10)
    np.testing.assert_allclose(p["gap_cost"], [0, 1.0, 1.1])
    np.testing.assert_allclose(p["cash_closing"], [0, -1.0, -2.1])
    np.testing.assert_allclose(p["unfunded_gap"], [10, 11, 12.1])


def test_dilution_over_two_rounds():
    # 40 at 300 post keeps 1 - 40/300 = 0.86667 of the company for earlier holders; then 122
    # at 852 keeps 1 - 122/852 = 0.85681: together 0.86667 x 0.85681 = 0.74257
    k1 = fin.dilution_factor(np.array([[40.0, 0.0]]), 300.0)
    k2 = fin.dilution_factor(np.array([[0.0, 122.0]]), 852.0)
    own = fin.ownership(a=k1, b=k2)
    np.testing.assert_allclose(own[0], [1 - 40 / 300, (1 - 40 / 300) * (1 - 122 / 852)])
    assert own[0, 1] == pytest.approx(0.74257, abs=1e-5)


def test_a_contingent_round_and_a_warrant():
    assert fin.on_or_before(2027, 2028) == 1.0 and fin.on_or_before(2029, 2028) == 0.0
    # 80 M shares over 6 GW, 1.5 GW added, at $200: 80 x 1.5/6 x 200 / 1,000 = US$ 4.0 bn
    assert fin.warrant_proceeds(80.0, 6.0, 1.5, 200.0) == pytest.approx(4.0)
    # a round tied to a deal realised at 70 %: 15 x 0.7 = 10.5 in its year only
    np.testing.assert_allclose(fin.round_amount(15.0, np.array([2025, 2026]), 2026, realisation=0.7),
                               [0, 10.5])


def test_a_reverse_dcf_by_hand():
    # no forecast flow, a terminal base of 10 growing at 0, one forecast year: the value at r is
    # 10 / r / (1 + r); a round at 100 post-money bringing 9.0909.. with no cash asks for
    # 90.909.. = 10 / 0.1 / 1.1, so r = 10 %
    flows = np.array([[0.0, 0.0]])
    r = fin.reverse_dcf(flows, np.array([10.0]), np.array([0.0]), np.array([0.0]),
                        valuation=np.array([[0.0, 100.0]]), equity=np.array([[0.0, 100 - 10 / 0.1 / 1.1]]),
                        cash=np.array([[0.0, 0.0]]), margin=1e-4, high=1.0)
    assert r["found"][0] and r["rate"][0] == pytest.approx(0.10, abs=1e-12)
    # a price no rate above growth reaches (the value at growth + margin is still below it)
    m = fin.implied_rate(flows, np.array([10.0]), np.array([0.0]), np.array([0.0]),
                         np.array([[0.0, 1e9]]), np.array([[0.0, 0.0]]), np.array([[0.0, 0.0]]), 1e-4, 1.0)
    assert np.isnan(m.value[0]) and m.text(0) == "n/a: no rate above growth gives the round's price"


def test_the_implied_rate_is_the_rate_a_solve_finds():
    """The shipped base: the reverse DCF equals an independent goal seek of the discount rate
    on NPV = the latest round's pre-money less the cash at the valuation date."""
    import finmodel
    run = finmodel.run("base")
    rate = float(run.tables["metrics"].set_index("metric").loc["implied_discount_rate", "value"])
    target = float(run.result.reverse_dcf["target"])
    solved = finmodel.solve("base", {"npv_usd_bn": target}, vary="valuation.discount_rate",
                            bounds=(0.035, 0.3))
    value = float(solved.tables["solutions"]["solution"].iloc[0])
    assert rate == pytest.approx(value, abs=1e-6) and 0.03 < rate < 0.2


@pytest.mark.parametrize("scenario", ["base", "bull"])
def test_the_implied_rate_matches_numpy_financial_and_brentq(scenario):
    """Outside reference for the reverse DCF: the rate at which NPV of forecast FCF
    (numpy-financial's npv, the first actual year at t = 0) plus the Gordon terminal value
    discounted from the last year equals the latest round's pre-money less cash, found by
    scipy's brentq on the same search interval."""
    import numpy_financial as npf
    from scipy.optimize import brentq

    from finmodel.api import run
    from finmodel.model.defs import CONSTANTS
    r = run(scenario).result
    li, m = r.line_items, r.metrics
    fcf = li["fcf"][0]
    base, one_off = m["terminal_base_usd_bn"].value[0], m["terminal_one_off_usd_bn"].value[0]
    g = float(r.drivers.values["valuation.terminal_growth"][0, 0])
    target = li["valuation_so_far"][0, 1] - li["equity_raised"][0, 1] - li["cash_closing"][0, 0]
    horizon = len(fcf) - 1

    def value(rate):
        tv = base * (1 + g) / (rate - g) + one_off / (1 + rate)
        return npf.npv(rate, [0.0, *fcf[1:]]) + tv / (1 + rate) ** horizon - target

    lo, hi = g + CONSTANTS["rdcf_margin"][0], CONSTANTS["rdcf_high"][0]
    assert value(lo) * value(hi) < 0
    assert m["implied_discount_rate"].value[0] == pytest.approx(brentq(value, lo, hi, xtol=1e-14), abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(den=st.floats(0.01, 1e4), limit=st.floats(1.0, 3.0))
def test_a_cover_sized_to_equal_its_minimum_is_no_breach_and_one_below_it_is(den, limit):
    """Repayments are sized so that the cover equals its minimum; (limit * den) / den lands an
    ulp either side of the limit, and the flag must not follow that rounding. A cover 1e-6
    below the minimum (a real shortfall) is a breach."""
    from finmodel.engine.financing import below_breach
    at = below_breach(np.array([limit * den]), np.array([den]), limit)
    below = below_breach(np.array([(limit - 1e-6) * den]), np.array([den]), limit)
    assert at[0] == 0.0
    assert below[0] == 1.0
