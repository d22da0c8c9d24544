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
    value = supply.line_value(np.array([[120.5]]), factor, 1.0)
    assert value[0, 0] == pytest.approx(100.0, rel=1e-12)
    assert supply.tariff_cost(value, 0.3, 0.25)[0, 0] == pytest.approx(17.5, rel=1e-12)
    assert supply.us_premium_cost(value, 0.3, 0.1)[0, 0] == pytest.approx(3.0, rel=1e-12)
    assert supply.us_made_capex(value, 0.3, 0.1)[0, 0] == pytest.approx(33.0, rel=1e-12)  # 30 x 1.1
    assert supply.imported_capex(value, 0.3, 0.25)[0, 0] == pytest.approx(87.5, rel=1e-12)  # 70 x 1.25
    # the suppliers share capex less the tariff: 103; a weight of 0.6 of 1.0 -> 61.8
    paid = supply.paid_to_suppliers(value, 0.3, 0.1)
    assert paid[0, 0] == pytest.approx(103.0, rel=1e-12)
    assert supply.supplier_payment(paid, 0.6, 1.0)[0, 0] == pytest.approx(61.8, rel=1e-12)


def test_a_component_of_two_lines_by_hand():
    # servers worth 200 before tariffs: accelerators 75 % (10 % US-made at a 10 % premium, 2 %
    # tariff), racks 25 % (60 % US-made at 10 %, 6 % tariff).
    # line factors: 1 + 0.9 x 0.02 + 0.1 x 0.1 = 1.028; 1 + 0.4 x 0.06 + 0.6 x 0.1 = 1.084
    # component factor 0.75 x 1.028 + 0.25 x 1.084 = 0.771 + 0.271 = 1.042; capex 200 x 1.042 = 208.4
    f_acc = supply.line_factor(0.75, 0.1, 0.02, 0.1)
    f_rack = supply.line_factor(0.25, 0.6, 0.06, 0.1)
    assert float(f_acc) == pytest.approx(0.771, rel=1e-14) and float(f_rack) == pytest.approx(0.271, rel=1e-14)
    capex = np.array([[208.4]])
    factor = f_acc + f_rack
    v_acc, v_rack = supply.line_value(capex, factor, 0.75), supply.line_value(capex, factor, 0.25)
    assert v_acc[0, 0] == pytest.approx(150.0, rel=1e-12) and v_rack[0, 0] == pytest.approx(50.0, rel=1e-12)
    # tariffs 150 x 0.9 x 0.02 = 2.7 and 50 x 0.4 x 0.06 = 1.2; premiums 1.5 and 3.0
    assert supply.tariff_cost(v_acc, 0.1, 0.02)[0, 0] == pytest.approx(2.7, rel=1e-12)
    assert supply.tariff_cost(v_rack, 0.6, 0.06)[0, 0] == pytest.approx(1.2, rel=1e-12)
    # US-made 150 x 0.1 x 1.1 = 16.5 and 50 x 0.6 x 1.1 = 33; imported 150 x 0.9 x 1.02 = 137.7
    # and 50 x 0.4 x 1.06 = 21.2; together 16.5 + 33 + 137.7 + 21.2 = 208.4 = capex
    us = supply.us_made_capex(v_acc, 0.1, 0.1) + supply.us_made_capex(v_rack, 0.6, 0.1)
    imp = supply.imported_capex(v_acc, 0.1, 0.02) + supply.imported_capex(v_rack, 0.6, 0.06)
    assert us[0, 0] == pytest.approx(49.5, rel=1e-12) and imp[0, 0] == pytest.approx(158.9, rel=1e-12)
    assert (us + imp)[0, 0] == pytest.approx(208.4, rel=1e-12)
    # the suppliers are paid 150 x 1.01 = 151.5 and 50 x 1.06 = 53; + tariffs 3.9 = 208.4
    paid = supply.paid_to_suppliers(v_acc, 0.1, 0.1) + supply.paid_to_suppliers(v_rack, 0.6, 0.1)
    assert paid[0, 0] == pytest.approx(204.5, rel=1e-12)


def test_the_deal_vendor_line_by_hand():
    # the accelerator line is paid 120 this year for 8 GW bought at their price: a deal of 2 GW
    # whose vendor is AMD, 6 GW of expansion and refresh at the mix Nvidia 0.75 / AMD 0.25.
    # AMD: 120 x (2 + 6 x 0.25) / 8 = 52.5; Nvidia: 120 x 6 x 0.75 / 8 = 67.5; together 120
    amd = supply.vendor_payment(120.0, 2.0, 6.0, 8.0, 0.25, 1.0)
    nvidia = supply.vendor_payment(120.0, 0.0, 6.0, 8.0, 0.75, 1.0)
    assert float(amd) == pytest.approx(52.5, rel=1e-14) and float(nvidia) == pytest.approx(67.5, rel=1e-14)
    # a vendor with no share of the mix is paid for its deals only; nothing bought pays nothing
    assert float(supply.vendor_payment(120.0, 2.0, 6.0, 8.0, 0.0, 1.0)) == pytest.approx(30.0, rel=1e-14)
    assert float(supply.vendor_payment(0.0, 0.0, 0.0, 0.0, 0.5, 1.0)) == 0.0


def test_weights_are_normalised_and_all_zero_weights_pay_nothing():
    # weights 3 and 1 (not summing to 1) pay 3/4 and 1/4 of 8
    assert supply.supplier_payment(np.array([[8.0]]), 3.0, 4.0)[0, 0] == pytest.approx(6.0)
    assert supply.supplier_payment(np.array([[8.0]]), 0.0, 0.0)[0, 0] == 0.0


def test_us_made_plus_imported_is_capex_for_any_mix():
    rng = np.random.default_rng(14)
    u, tau, pi = rng.uniform(0, 1, (3, 50, 1)) * np.array([1.0, 0.6, 0.3])[:, None, None]
    s = rng.uniform(0, 1, (50, 1))
    capex = rng.uniform(0, 200, (50, 7))
    f = supply.line_factor(s, u, tau, pi) + supply.line_factor(1 - s, u, tau, pi)
    v1, v2 = supply.line_value(capex, f, s), supply.line_value(capex, f, 1 - s)
    total = sum(supply.us_made_capex(v, u, pi) + supply.imported_capex(v, u, tau) for v in (v1, v2))
    np.testing.assert_allclose(total, capex, rtol=1e-12)
    paid = sum(supply.paid_to_suppliers(v, u, pi) + supply.tariff_cost(v, u, tau) for v in (v1, v2))
    np.testing.assert_allclose(paid, capex, rtol=1e-12)


def test_the_cost_index_is_the_price_index_times_the_supply_factor():
    factor = np.array([[1.05, 1.05, 1.26, 1.26]])
    index = supply.cost_index(np.array([[1.0, 1.04, 1.0816, 1.124864]]), factor)
    np.testing.assert_allclose(index, [[1.05, 1.04 * 1.05, 1.0816 * 1.26, 1.124864 * 1.26]], rtol=1e-12)


def test_the_us_made_share_is_na_without_owned_capex():
    got = supply.share_of_capex(np.zeros((2, 3)), np.array([0.0, 10.0]))
    assert got.text(0).startswith("n/a") if hasattr(got, "text") else np.isnan(got.value[0])
    assert got.value[1] == 0.0
