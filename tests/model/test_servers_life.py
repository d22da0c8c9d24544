"""Servers life without a staircase (issue 9, item 6): depreciation, refresh and retirement use
the same fractional life, so NPV moves smoothly and in one direction with the life."""
from __future__ import annotations

import numpy as np

from finmodel.api import drivers_for
from finmodel.model.result import run as run_engine

LIVES = np.linspace(3.0, 7.0, 21)  # 0.2-year steps across the half years that used to jump


def _npv_by_life(assumptions, paths) -> np.ndarray:
    d = drivers_for(assumptions).with_overrides({p: LIVES for p in paths})
    return run_engine(d).metrics["npv_usd_bn"].value


def _assert_smooth_and_rising(npv: np.ndarray) -> None:
    steps = np.diff(npv)
    # a longer life, other things equal, means fewer refreshes: NPV never lower
    assert (steps >= -1e-9).all(), list(zip(LIVES[1:], steps))
    # no staircase: under the rounded refresh a step across x.5 was ~5x its neighbours (base:
    # -442.8 -> -313.0 at 3.4 -> 3.6 beside steps of ~20-25); now each step is like its neighbours
    neighbours = (steps[:-2] + steps[2:]) / 2
    assert (steps[1:-1] < 2 * neighbours).all(), list(zip(LIVES[2:-1], steps[1:-1] / neighbours))


def test_npv_rises_smoothly_with_the_servers_life(base):
    _assert_smooth_and_rising(_npv_by_life(base, ["capex.servers.life_years"]))


def test_npv_rises_smoothly_with_the_life_of_all_it(base):
    _assert_smooth_and_rising(_npv_by_life(base, ["capex.servers.life_years",
                                                 "capex.networking.life_years"]))


def test_a_whole_year_life_gives_the_same_refresh_as_before(base):
    # 5 years (the base) re-buys each vintage after exactly 5 years, as the rounded refresh did
    r = run_engine(drivers_for(base))
    added = r.line_items["owned_added_gw"][0]
    bought = r.line_items["purchases_gw.servers"][0]
    expected = added.copy()
    for t in range(5, added.size):
        expected[t] += expected[t - 5]
    assert np.allclose(bought, expected, rtol=1e-12, atol=1e-12)
