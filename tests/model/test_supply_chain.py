"""The supply chain in the model: the supplier and origin views add back to capex, tariffs and
onshoring move capex, cash and value in the directions an expert expects."""
from __future__ import annotations

import numpy as np
import pytest

from finmodel.api import drivers_for, load
from finmodel.assumptions.schema import COMPONENTS
from finmodel.model.result import run as run_engine

from conftest import BASE, MINI

ORIGIN = "supply_chain.origin"


def _batch(path_values: dict, scenario=MINI):
    d = drivers_for(load(scenario))
    batch = d.with_overrides({k: np.asarray(v, dtype=float) for k, v in path_values.items()})
    assert not batch.invalid.any()
    return run_engine(batch)


@pytest.mark.parametrize("scenario", [MINI, BASE], ids=["mini", "base"])
def test_supplier_totals_plus_tariff_equal_capex_by_component(scenario):
    r = run_engine(drivers_for(load(scenario)))
    li, s = r.line_items, r.drivers.structure
    for c in COMPONENTS:
        paid = sum(li[f"supplier.{k}.{c}"] for k, _, comps, _ in s.suppliers if c in comps)
        np.testing.assert_allclose(paid + li[f"supply.tariff.{c}"], li[f"capex.{c}"], rtol=1e-12, atol=1e-12)
    every = sum(li[f"supplier.{k}"] for k, *_ in s.suppliers) + li["supplier.tariff"]
    np.testing.assert_allclose(every, li["capex_total"], rtol=1e-12, atol=1e-12)
    assert r.checks_pass.all()


@pytest.mark.parametrize("scenario", [MINI, BASE], ids=["mini", "base"])
def test_us_made_plus_imported_equals_capex(scenario):
    li = run_engine(drivers_for(load(scenario))).line_items
    np.testing.assert_allclose(li["supply.us_made_total"] + li["supply.imported_total"], li["capex_total"],
                               rtol=1e-12, atol=1e-12)


def test_the_tariff_on_the_mini_servers_by_hand():
    # mini servers in 2030: 40 % US-made at a 15 % premium, 60 % imported at a 10 % tariff:
    # factor 1 + 0.6 x 0.1 + 0.4 x 0.15 = 1.12; tariff = capex / 1.12 x 0.06
    sets = [f"{ORIGIN}.servers.us_made_fraction=0.4", f"{ORIGIN}.servers.tariff_rate=0.1",
            f"{ORIGIN}.servers.us_premium_fraction=0.15"]
    r = run_engine(drivers_for(load(MINI, sets)))
    neutral = run_engine(drivers_for(load(MINI)))  # the mini has no tariff and no premium
    np.testing.assert_allclose(r.line_items["capex.servers"], neutral.line_items["capex.servers"] * 1.12,
                               rtol=1e-12)
    t = r.timeline.index(2030)
    li = {k: v[0, t] for k, v in r.line_items.items()}
    assert li["supply_factor.servers"] == pytest.approx(1.12, rel=1e-12)
    assert li["supply.tariff.servers"] == pytest.approx(li["capex.servers"] / 1.12 * 0.06, rel=1e-12)
    assert li["supply.us_made.servers"] == pytest.approx(li["capex.servers"] / 1.12 * 0.4 * 1.15, rel=1e-12)
    # chips weigh 0.7 and the ODM 0.3 of the servers (normalised): chips get 70 % of capex less tariff
    assert li["supplier.chips.servers"] == pytest.approx(0.7 * (li["capex.servers"] - li["supply.tariff.servers"]))
    # the programme pays the ODM its servers, networking and power-and-cooling shares; its
    # reported revenue (40) is the context
    assert li["supplier.odm.vs_reported"] == pytest.approx(li["supplier.odm"] / 40.0, rel=1e-12)


def test_a_higher_tariff_raises_capex_and_tariffs_and_lowers_npv():
    r = _batch({f"{ORIGIN}.{c}.tariff_rate": [0.1, 0.4] for c in COMPONENTS})
    li, m = r.line_items, r.metrics
    assert li["capex_total"][1].sum() > li["capex_total"][0].sum()
    assert m["cumulative_tariff_usd_bn"].value[1] > m["cumulative_tariff_usd_bn"].value[0]
    assert m["npv_usd_bn"].value[1] < m["npv_usd_bn"].value[0]
    assert m["peak_funding_need_usd_bn"].value[1] >= m["peak_funding_need_usd_bn"].value[0]
    # the suppliers are paid the same: a tariff goes to the Treasury
    for k, *_ in r.drivers.structure.suppliers:
        np.testing.assert_allclose(li[f"supplier.{k}"][1], li[f"supplier.{k}"][0], rtol=1e-12)


@pytest.mark.parametrize("premium, tariff, dearer", [(0.3, 0.1, True), (0.05, 0.3, False)])
def test_onshoring_costs_more_only_when_the_premium_is_above_the_tariff(premium, tariff, dearer):
    over = {f"{ORIGIN}.{c}.us_premium_fraction": [premium, premium] for c in COMPONENTS}
    over |= {f"{ORIGIN}.{c}.tariff_rate": [tariff, tariff] for c in COMPONENTS}
    over |= {f"{ORIGIN}.{c}.us_made_fraction": [0.2, 0.8] for c in COMPONENTS}
    r = _batch(over)
    capex, npv = r.line_items["capex_total"].sum(axis=1), r.metrics["npv_usd_bn"].value
    us_share = r.metrics["us_made_share"].value
    assert us_share[1] > us_share[0]
    assert r.metrics["cumulative_tariff_usd_bn"].value[1] < r.metrics["cumulative_tariff_usd_bn"].value[0]
    assert bool(capex[1] > capex[0]) is dearer
    assert bool(npv[1] < npv[0]) is dearer


def test_a_suppliers_share_moves_payments_between_suppliers_not_capex():
    r = _batch({"supply_chain.suppliers.odm.servers_fraction": [0.3, 0.6]})
    li = r.line_items
    np.testing.assert_allclose(li["capex_total"][1], li["capex_total"][0], rtol=1e-12)
    assert li["supplier.odm"][1].sum() > li["supplier.odm"][0].sum()
    assert li["supplier.chips"][1].sum() < li["supplier.chips"][0].sum()
    assert r.checks_pass.all()


def test_cloud_partners_receipts_are_the_deals_payments_by_partner():
    r = run_engine(drivers_for(load(BASE)))
    li = r.line_items
    cloud = [d for d in r.drivers.structure.deals if d.kind == "cloud"]
    np.testing.assert_allclose(li["supplier.cloud_total"], sum(li[f"deal.{d.id}.payment"] for d in cloud),
                               rtol=1e-12)
    aws = [d.id for d in cloud if d.label.startswith("Amazon Web Services")]
    assert len(aws) == 2  # two AWS deals, one partner row
    np.testing.assert_allclose(li["supplier.cloud.amazon_web_services"],
                               sum(li[f"deal.{d}.payment"] for d in aws), rtol=1e-12)
