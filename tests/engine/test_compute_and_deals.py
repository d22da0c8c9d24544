"""Compute demand and supply, expansion and deal schedules against hand calculations."""
from __future__ import annotations

import numpy as np
import pytest

from finmodel.engine import compute, deals


def row(*x):
    return np.array([x], dtype=float)


def test_proportional_rationing_cuts_revenue_and_training_alike():
    # usable 6 GW against demand 2 (inference) + 6 (training) = 8: 75 % of each is served
    usable, inf, tr = row(6.0), row(2.0), row(6.0)
    assert compute.inference_served(usable, inf, tr, "proportional")[0, 0] == pytest.approx(1.5)
    assert compute.training_served(usable, inf, tr, "proportional")[0, 0] == pytest.approx(4.5)
    # revenue first: inference 2 in full, training gets the other 4
    assert compute.inference_served(usable, inf, tr, "revenue_first")[0, 0] == 2.0
    assert compute.training_served(usable, inf, tr, "revenue_first")[0, 0] == 4.0
    # training first: training 6 in full, inference gets nothing
    assert compute.inference_served(usable, inf, tr, "training_first")[0, 0] == 0.0
    assert compute.training_served(usable, inf, tr, "training_first")[0, 0] == 6.0


def test_nothing_is_rationed_when_capacity_is_ample():
    usable, inf, tr = row(10.0), row(2.0), row(6.0)
    for rule in ("proportional", "revenue_first", "training_first"):
        assert compute.inference_served(usable, inf, tr, rule)[0, 0] == 2.0
        assert compute.training_served(usable, inf, tr, rule)[0, 0] == 6.0
    assert compute.served_fraction(row(0.0), row(0.0))[0, 0] == 1.0  # no demand: all served


def test_idle_capacity_and_load():
    # 10 GW installed, 80 % usable = 8; demand 6 used GW needs 7.5 installed: 2.5 idle, load 75 %
    assert compute.idle_gw(row(10.0), compute.installed_needed(row(6.0), 0.8))[0, 0] == pytest.approx(2.5)
    assert compute.load_factor(row(6.0), row(8.0))[0, 0] == pytest.approx(0.75)


def test_expansion_follows_the_gap_with_its_lead_time_and_build_rate_and_never_falls():
    years = row(2025, 2026, 2027, 2028, 2029, 2030)
    needed = row(1.0, 3.0, 8.0, 12.0, 9.0, 15.0)
    announced = row(1.0, 2.0, 3.0, 4.0, 4.0, 4.0)
    e = compute.expansion_level(needed, announced, 1.0, years, 2025.0, 2.0, row(0, 0, 3, 3, 3, 3))
    # gap: 0, 1, 5, 8, 5, 11. Allowed from 2027 (2025 + 2). 2027: min(5, 0+3) = 3;
    # 2028: min(8, 3+3) = 6; 2029: gap 5 < 6 -> kept at 6; 2030: min(11, 6+3) = 9
    np.testing.assert_allclose(e[0], [0, 0, 3, 6, 6, 9])
    np.testing.assert_allclose(compute.additions(e)[0], [0, 0, 3, 3, 0, 3])
    off = compute.expansion_level(needed, announced, 0.0, years, 2025.0, 2.0, row(0, 0, 3, 3, 3, 3))
    assert not off.any()


def test_intensity_declines_by_the_efficiency_gain_from_the_second_year():
    np.testing.assert_allclose(compute.declining(0.03, row(0.5, 0.1, 0.2))[0], [0.03, 0.027, 0.0216])


@pytest.mark.parametrize("ramp", ["linear", "front", "back"])
def test_ramp_shares_sum_to_one_and_peak_and_last_are_right(ramp):
    a = np.arange(-2, 10, dtype=float)[None, :]
    share = deals.RAMP_SHARE[ramp](a, 4.0)
    assert share.sum() == pytest.approx(1.0)
    term = share[0, 2:6]
    assert deals.RAMP_PEAK[ramp](4.0) == pytest.approx(term.max())
    assert deals.RAMP_LAST[ramp](4.0) == pytest.approx(term[-1])
    # front: 4,3,2,1 / 10; back: 1,2,3,4 / 10
    want = {"linear": [0.25] * 4, "front": [0.4, 0.3, 0.2, 0.1], "back": [0.1, 0.2, 0.3, 0.4]}[ramp]
    np.testing.assert_allclose(term, want)


def test_explicit_ramp_takes_the_deals_own_shares_by_term_year():
    shares = row(0.1, 0.2, 0.3, 0.4, 0.0, 0.0)
    a = deals.age(row(2025, 2026, 2027, 2028, 2029, 2030), 2026.0, 0.0)
    np.testing.assert_allclose(deals._explicit(a, 4.0, shares)[0], [0, 0.1, 0.2, 0.3, 0.4, 0])
    assert deals.RAMP_LAST["explicit"](np.array([[4.0]]), shares)[0, 0] == 0.4


def test_a_deal_that_started_before_the_timeline_keeps_its_shares_through_a_delay():
    # a 2024 start, 4-year linear ramp, slipped 2 years: 2026-2029 at 25 % each (nothing lost
    # to the timeline starting in 2025); undelayed, 2024's 25 % falls before the timeline
    years = row(2025, 2026, 2027, 2028, 2029, 2030)
    slipped = deals.RAMP_SHARE["linear"](deals.age(years, 2024.0, 2.0), 4.0)
    np.testing.assert_allclose(slipped[0], [0, 0.25, 0.25, 0.25, 0.25, 0])
    before, after = deals.outside_share("linear", 2024.0, 4.0, 0.0, 2025.0, 2030.0)
    assert (before, after) == (pytest.approx(0.25), pytest.approx(0.0))


def test_renewal_recontracts_the_last_share_at_the_renewal_price_escalated():
    years = row(2029, 2030, 2031, 2032)
    renewed = deals.renewed_share(1.0, years, 2030.0, 0.2)
    np.testing.assert_allclose(renewed[0], [0, 0, 0.2, 0.2])
    pay = deals.renewal_payment(100.0, 1.0, renewed, 0.9, 0.05, years, 2030.0)
    # 100 x 0.2 x 0.9 = 18 in 2031, x 1.05 in 2032
    np.testing.assert_allclose(pay[0], [0, 0, 18.0, 18.9])
