"""Valuation hygiene (issue 9, item 3): the normalised terminal value by hand, both terminal
methods, IRRs with and without the terminal value, MOIC and the NPV bridge."""
from __future__ import annotations

import numpy as np
import pytest

from finmodel.api import drivers_for, load, run
from finmodel.engine import metrics

from conftest import BASE, MINI


def test_normalised_terminal_value_by_hand():
    # normalised FCF 10, g 2 %, r 10 %: 10 x 1.02 / 0.08 = 127.5; a loss pool of 50 at 21 %
    # saves 10.5 of tax, a year later: 10.5 / 1.1 = 9.5455; TV = 137.0455
    row = np.array([[3.0, 7.0, 10.0]])
    tv = metrics.normalised_terminal_value(row, 0.10, 0.02, np.array([[0.0, 20.0, 50.0]]), 0.21)
    assert tv[0, 0] == pytest.approx(127.5 + 10.5 / 1.1, rel=1e-12)


def test_the_normalised_fcf_of_the_last_year_by_hand():
    r = run(MINI).result
    li = {k: v[0, -1] for k, v in r.line_items.items()}
    v = {k: float(np.asarray(x)[0, -1]) for k, x in r.drivers.values.items()}
    T = r.drivers.periods
    gw = li["owned_online_gw"]
    comps = ("servers", "networking", "power_cooling", "building_land")
    # the supply factor of each component this year: the sum over its bill-of-materials lines of
    # share x (1 + imported x tariff + US-made x premium)
    def factor(c, t):
        out = 0.0
        for j in (j for j, _, comp, _, _ in r.drivers.structure.bom if comp == c):
            x = {k: float(np.asarray(r.drivers.values[f"supply_chain.bom.{c}.{j}.{k}"])[0, t])
                 for k in ("share_fraction", "us_made_fraction", "tariff_rate", "us_premium_fraction")}
            out += x["share_fraction"] * (1 + (1 - x["us_made_fraction"]) * x["tariff_rate"]
                                          + x["us_made_fraction"] * x["us_premium_fraction"])
        return out
    # this year's cost per GW of each component: cost x (1 + p)^(T - 1) x supply factor
    unit = {c: v[f"capex.{c}.cost_usd_bn_per_gw"] * (1 + v[f"capex.{c}.price_change_per_year"]) ** (T - 1)
            * factor(c, -1) for c in comps}
    replacement = gw * sum(unit[c] / v[f"capex.{c}.life_years"] for c in comps)  # mini: lives >= 1
    growth = gw * v["valuation.terminal_growth"] * sum(unit.values())
    # servers (residual 10 %, p -2 %, life 4.6) sold at their cost 4.6 years earlier
    proceeds = gw * 0.1 * unit["servers"] * 0.98 ** -4.6 / 4.6
    tax = 0.21 * max(li["ebit"], 0.0)
    normalised = li["fcf"] + li["cf.tax"] + li["cf.capex"] - li["cf.rebates"] - li["cf.proceeds"] \
        - tax - replacement - growth + proceeds
    assert li["steady_replacement_capex"] == pytest.approx(replacement, rel=1e-12)
    assert li["steady_proceeds"] == pytest.approx(proceeds, rel=1e-12)
    assert li["normalised_fcf"] == pytest.approx(normalised, rel=1e-12)
    tv = normalised * 1.03 / (0.12 - 0.03) + li["loss_pool_closing"] * 0.21 / 1.12
    assert r.metrics["terminal_value_usd_bn"].value[0] == pytest.approx(tv, rel=1e-12)


def test_the_averaged_method_stays_an_option():
    norm = run(MINI).result
    avg = run(MINI, ["valuation.terminal_method=averaged"]).result
    fcf = avg.line_items["fcf"][0]
    assert avg.metrics["terminal_value_usd_bn"].value[0] == pytest.approx(fcf[-3:].mean() * 1.03 / 0.09, rel=1e-12)
    assert "averaged" in avg.catalogue.metrics["terminal_value_usd_bn"].label
    assert "normalised" in norm.catalogue.metrics["terminal_value_usd_bn"].label
    # the years averaged are read only by the averaged method: information otherwise
    info = lambda res: res.drivers.field("valuation.terminal_fcf_years").informational  # noqa: E731
    assert info(norm) and not info(avg)


def test_the_bridge_adds_up_and_the_irrs_are_labelled(base_run):
    m = base_run.result.metrics
    npv, explicit, pv_tv = (m[k].value[0] for k in ("npv_usd_bn", "npv_explicit_usd_bn", "pv_terminal_usd_bn"))
    assert explicit + pv_tv == pytest.approx(npv, rel=1e-12)
    labels = {k: base_run.result.catalogue.metrics[k].label for k in ("irr", "irr_with_terminal", "moic",
                                                                        "moic_with_terminal")}
    assert "without terminal value" in labels["irr"] and "with the terminal value" in labels["irr_with_terminal"]
    assert "positive" in labels["moic"] and "negative" in labels["moic"]
    # the IRR with the terminal value discounts NPV with TV to 0
    r = m["irr_with_terminal"].value[0]
    flows = base_run.result.line_items["fcf_with_terminal"][:, 1:]
    assert metrics.npv(r, flows)[0, 0] == pytest.approx(0.0, abs=1e-6)


def test_terminal_share_is_n_a_unless_npv_is_positive():
    got = metrics.share_of_npv(np.array([50.0, 50.0]), np.array([100.0, -20.0]))
    assert got.value[0] == 0.5 and got.text(1) == "n/a: NPV is not positive"
