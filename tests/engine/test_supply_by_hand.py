"""The supply chain's engine functions against hand calculations."""
from __future__ import annotations

import numpy as np
import pytest

from finmodel.engine import supply


def test_tariff_cost_on_a_known_mix_by_hand():
    # US$ 100 bn of ex-tariff value, 30 % made in the US at a 10 % premium, 70 % imported at 25 %:
    # tariff 100 x 0.7 x 0.25 = 17.5; premium 100 x 0.3 x 0.1 = 3; capex 100 + 17.5 + 3 = 120.5
    factor = supply.supply_factor(0.3, 0.25, 0.1)
    assert float(factor) == pytest.approx(1.205, rel=1e-15)
    capex = np.array([[120.5]])
    assert supply.tariff_cost(capex, factor, 0.3, 0.25)[0, 0] == pytest.approx(17.5, rel=1e-12)
    assert supply.us_premium_cost(capex, factor, 0.3, 0.1)[0, 0] == pytest.approx(3.0, rel=1e-12)
    assert supply.us_made_capex(capex, factor, 0.3, 0.1)[0, 0] == pytest.approx(33.0, rel=1e-12)  # 30 x 1.1
    assert supply.imported_capex(capex, factor, 0.3, 0.25)[0, 0] == pytest.approx(87.5, rel=1e-12)  # 70 x 1.25
    # the suppliers share capex less the tariff: 103; a weight of 0.6 of 1.0 -> 61.8
    assert supply.supplier_payment(capex, 17.5, 0.6, 1.0)[0, 0] == pytest.approx(61.8, rel=1e-12)
    assert supply.net_of_tariff(capex, 17.5)[0, 0] == pytest.approx(103.0, rel=1e-12)


def test_weights_are_normalised_and_all_zero_weights_pay_nothing():
    # weights 3 and 1 (not summing to 1) pay 3/4 and 1/4
    assert supply.supplier_payment(np.array([[10.0]]), 2.0, 3.0, 4.0)[0, 0] == pytest.approx(6.0)
    assert supply.supplier_payment(np.array([[10.0]]), 2.0, 0.0, 0.0)[0, 0] == 0.0


def test_us_made_plus_imported_is_capex_for_any_mix():
    rng = np.random.default_rng(14)
    u, tau, pi = rng.uniform(0, 1, (3, 50, 1)) * np.array([1.0, 0.6, 0.3])[:, None, None]
    capex = rng.uniform(0, 200, (50, 7))
    f = supply.supply_factor(u, tau, pi)
    total = supply.us_made_capex(capex, f, u, pi) + supply.imported_capex(capex, f, u, tau)
    np.testing.assert_allclose(total, capex, rtol=1e-12)
    net = capex - supply.tariff_cost(capex, f, u, tau)
    np.testing.assert_allclose(supply.supplier_payment(capex, supply.tariff_cost(capex, f, u, tau), 0.25, 1.0)
                               + supply.supplier_payment(capex, supply.tariff_cost(capex, f, u, tau), 0.75, 1.0),
                               net, rtol=1e-12)


def test_the_cost_index_is_the_price_index_times_the_supply_factor():
    factor = np.array([[1.05, 1.05, 1.26, 1.26]])
    index = supply.cost_index(np.array([[1.0, 1.04, 1.0816, 1.124864]]), factor)
    np.testing.assert_allclose(index, [[1.05, 1.04 * 1.05, 1.0816 * 1.26, 1.124864 * 1.26]], rtol=1e-12)


def test_the_us_made_share_is_na_without_owned_capex():
    got = supply.share_of_capex(np.zeros((2, 3)), np.array([0.0, 10.0]))
    assert got.text(0).startswith("n/a") if hasattr(got, "text") else np.isnan(got.value[0])
    assert got.value[1] == 0.0
