"""Engine functions against hand calculations and numpy-financial."""
from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest

from finmodel.engine import capacity, capex, cashflow, costs, metrics, revenue, tax
from finmodel.engine.timeline import period_numbers, previous


def test_power_cost_matches_hand_calculation():
    # 1 GW x 80% x PUE 1.2 x 8,760 h = 8,409.6 GWh = 8,409,600 MWh; x $70 = $588.672M = 0.588672 bn
    got = costs.power_cost(np.array([[1.0 * 0.8]]), 1.2, 8760.0, 70.0, 1e6)  # 0.8 GW used
    assert got[0, 0] == pytest.approx(0.588672, rel=1e-12)


def test_depreciation_straight_line_hand_example():
    # 100 bought in year 1, life 4, residual 10%: 22.5 a year for four years.
    cap = np.array([[100.0, 0, 0, 0, 0, 0]])
    dep = capex.depreciation(cap, np.array([[4.0]]), np.array([[0.1]]))
    assert dep[0].tolist() == pytest.approx([22.5, 22.5, 22.5, 22.5, 0, 0])


def test_depreciation_fractional_life_puts_remainder_last():
    cap = np.array([[10.0, 0, 0, 0]])
    dep = capex.depreciation(cap, np.array([[2.5]]), np.array([[0.0]]))
    assert dep[0].tolist() == pytest.approx([4.0, 4.0, 2.0, 0.0])


def test_vintage_matrix_columns_sum_to_depreciation():
    cap = np.array([[5.0, 7.0, 0.0, 3.0, 11.0, 2.0]])
    dep = capex.depreciation(cap, np.array([[3.4]]), np.array([[0.2]]))
    mat = capex.vintage_matrix(cap[0], 3.4, 0.2)
    assert mat.sum(axis=0) == pytest.approx(dep[0], rel=1e-12)


def test_refresh_repurchases_every_whole_life():
    added = np.array([[1.0, 0, 0, 0, 0, 0, 0]])
    got = capex.purchases_gw(added, np.array([[1.0]]), np.array([[3.0]]))
    assert got[0].tolist() == [1, 0, 0, 1, 0, 0, 1]
    none = capex.purchases_gw(added, np.array([[0.0]]), np.array([[3.0]]))
    assert none[0].tolist() == [1, 0, 0, 0, 0, 0, 0]


def test_refresh_with_a_fractional_life_by_hand():
    # L = 2.6 = k 2 + f 0.6: a vintage is re-bought 0.4 at age 2 and 0.6 at age 3, and so on:
    # p2 = 0.4 p0 = 0.4; p3 = 0.4 p1 + 0.6 p0 = 0.6; p4 = 0.4 p2 + 0.6 p1 = 0.16;
    # p5 = 0.4 p3 + 0.6 p2 = 0.24 + 0.24 = 0.48; p6 = 0.4 p4 + 0.6 p3 = 0.064 + 0.36 = 0.424
    added = np.array([[1.0, 0, 0, 0, 0, 0, 0]])
    got = capex.purchases_gw(added, np.array([[1.0]]), np.array([[2.6]]))
    assert got[0] == pytest.approx([1, 0, 0.4, 0.6, 0.16, 0.48, 0.424], abs=1e-12)
    # the average age at replacement is the life: 2 x 0.4 + 3 x 0.6 = 2.6
    rows = capex.purchases_gw(np.array([[1.0] + [0.0] * 59]), np.array([[1.0]]), np.array([[2.6], [3.0], [0.4]]))
    assert rows[:, -30:].mean(axis=1) == pytest.approx([1 / 2.6, 1 / 3.0, 1.0], rel=1e-3)


def test_residual_proceeds_by_hand():
    # servers bought 10 in 2025 and 20 in 2026, life 2.5 (k 2, f 0.5), residual 10 %:
    # retired cost 2027 = 0.5 x 10 = 5; 2028 = 0.5 x 20 + 0.5 x 10 = 15; 2029 = 0.5 x 20 = 10
    cost = np.array([[10.0, 20.0, 0.0, 0.0, 0.0, 0.0]])
    retired = capex.retired_cost(cost, np.array([[2.5]]))
    assert retired[0] == pytest.approx([0, 0, 5, 15, 10, 0], abs=1e-12)
    cash = capex.residual_proceeds(retired, np.array([[0.1]]))
    assert cash[0] == pytest.approx([0, 0, 0.5, 1.5, 1.0, 0], abs=1e-12)
    # over a vintage's whole life the proceeds are residual x cost, the book value depreciation leaves
    dep = capex.depreciation(cost, np.array([[2.5]]), np.array([[0.1]]))
    assert cash.sum() == pytest.approx(cost.sum() - dep.sum(), rel=1e-12)


def test_owned_online_retires_without_refresh():
    added = np.array([[1.0, 2.0, 0, 0, 0]])
    years = np.arange(2025, 2030)[None, :]
    keep = capacity.owned_online_gw(added, years, np.array([[1.0]]), np.array([[2.0]]))
    drop = capacity.owned_online_gw(added, years, np.array([[0.0]]), np.array([[2.0]]))
    assert keep[0].tolist() == [1, 3, 3, 3, 3]
    assert drop[0].tolist() == [1, 3, 2, 0, 0]
    half = capacity.owned_online_gw(added, years, np.array([[0.0]]), np.array([[2.5]]))
    assert half[0].tolist() == [1, 3, 2.5, 1, 0]  # half of each vintage stays a third year


def test_shifted_share_delays_and_truncates():
    sched = np.array([[0.5, 0.3, 0.2, 0.0]])
    got = capacity.shifted_share(sched, np.array([[0.0], [1.0], [3.0]]), period_numbers(4))
    assert got.tolist() == [[0.5, 0.3, 0.2, 0.0], [0.0, 0.5, 0.3, 0.2], [0, 0, 0, 0.5]]


def test_growth_paths():
    p = period_numbers(4)
    g = revenue.decaying_growth_rate(1.0, 0.5, 0.1, p)
    assert g[0].tolist() == pytest.approx([0.0, 1.0, 0.55, 0.325])
    r = revenue.grown(np.array([[10.0]]), g)
    assert r[0].tolist() == pytest.approx([10, 20, 31, 41.075])
    s = revenue.s_curve(10.0, 110.0, 1.0, p)
    assert s[0, 0] == pytest.approx(10.0)
    assert s[0, 2] == pytest.approx(110 / (1 + 10 * np.exp(-2)))


def test_loss_pool_hand_example():
    ebit = np.array([[-10.0, 4.0, 20.0, 5.0]])
    closing = tax.loss_pool_closing(ebit, np.array([[2.0]]), np.array([[0.8]]))
    # pool 2 -> +10 = 12; use min(12, 3.2) -> 8.8; use min(8.8, 16) -> 0; use 0 -> 0
    assert closing[0].tolist() == pytest.approx([12.0, 8.8, 0.0, 0.0])
    opening = previous(closing, np.array([[2.0]]))
    used = tax.loss_used(opening, ebit, 0.8)
    assert used[0].tolist() == pytest.approx([0.0, 3.2, 8.8, 0.0])
    taxable = tax.taxable_income(ebit, used)
    assert taxable[0].tolist() == pytest.approx([0.0, 0.8, 11.2, 5.0])


def test_npv_matches_excel_convention_via_numpy_financial():
    flows = np.array([[-100.0, 30.0, 40.0, 50.0, 60.0]])
    # numpy-financial puts its first value at t=0; Excel's NPV (ours) at t=1
    expected = npf.npv(0.1, [0.0] + flows[0].tolist())
    assert metrics.npv(0.1, flows)[0, 0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("flows", [
    [-100.0, 30.0, 40.0, 50.0, 60.0],
    [-50.0, -20.0, 10.0, 40.0, 80.0, 90.0],
    [-10.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5],
])
def test_irr_matches_numpy_financial(flows):
    got = metrics.irr(np.array([flows]))
    assert got.text(0) is None
    assert got.value[0] == pytest.approx(npf.irr(flows), rel=1e-9)


def test_irr_reports_no_sign_change_and_multiple_roots():
    got = metrics.irr(np.array([[1.0, 2.0, 3.0], [-1.0, -2.0, 0.0], [-100.0, 230.0, -132.0]]))
    assert got.text(0) == "n/a: no sign change"
    assert got.text(1) == "n/a: no sign change"
    # -100 + 230x - 132x^2 has roots at IRR 10% and 20%
    assert got.text(2) == "n/a: 2 IRRs: 10.0% and 20.0%"
    assert np.isnan(got.value).all()


def test_ratio_is_nan_where_denominator_zero():
    got = cashflow.ratio(np.array([[1.0, 2.0]]), np.array([[0.0, 4.0]]))
    assert np.isnan(got[0, 0]) and got[0, 1] == 0.5


def test_payback_and_peak():
    years = np.array([2025, 2026, 2027, 2028])
    cum = cashflow.cumulative_after_first(np.array([[-5.0, -3.0, 1.0, 4.0]]))
    flag = cashflow.payback_flag(cum, period_numbers(4))
    assert metrics.payback_year(flag, years).value[0] == 2028
    never = cashflow.payback_flag(np.array([[-1.0, -1.0, -1.0, -1.0]]), period_numbers(4))
    assert metrics.payback_year(never, years).text(0) == "not within horizon"
    # positive early, negative after the investment, positive again in 2028: payback is 2028
    dip = cashflow.payback_flag(np.array([[0.0, 2.0, -1.0, 3.0]]), period_numbers(4))
    assert metrics.payback_year(dip, years).value[0] == 2028
    peak, year = metrics.peak_and_year(np.array([[0.0, 3.0, 5.0, 5.0], [0, 0, 0, 0.0]]), years)
    assert peak.value.tolist() == [5.0, 0.0]
    assert year.value[0] == 2027 and year.text(1) == "n/a: no funding need"


def test_cloud_contract_is_renewed_at_its_final_year_share_after_the_term():
    # a 3-year contract from period 1 (shares 0.2, 0.3, 0.5) on a 6-year timeline, delayed 1 year
    sched = np.array([[0.2, 0.3, 0.5, 0.0, 0.0, 0.0]])
    years = np.arange(2025, 2031)[None, :].astype(float)
    on = capacity.cloud_share(sched, np.array([[1.0]]), period_numbers(6), np.array([[1.0]]), years, 2027.0, 0.5)
    off = capacity.cloud_share(sched, np.array([[1.0]]), period_numbers(6), np.array([[0.0]]), years, 2027.0, 0.5)
    assert off[0].tolist() == [0.0, 0.2, 0.3, 0.5, 0.0, 0.0]
    assert on[0].tolist() == [0.0, 0.2, 0.3, 0.5, 0.5, 0.5]  # term ends 2027 + 1 year delay


def test_terminal_value_grows_the_average_of_the_last_years():
    flows = np.array([[-5.0, 1.0, 2.0, 3.0, 10.0]])
    # average of the last 3 flows = 5; TV = 5 * 1.02 / (0.10 - 0.02) = 63.75
    tv = metrics.terminal_value(flows, np.array([[0.10]]), np.array([[0.02]]), np.array([[3.0]]))
    assert tv[0, 0] == pytest.approx(63.75, rel=1e-12)
