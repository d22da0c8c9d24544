"""The supply chain in the model: the bill of materials splits each capex component into lines
with their own origin and suppliers; the supplier and origin views add back to capex (placed
and paid); an owned deal pays its own accelerator vendor; tariffs and onshoring move capex, cash
and value in the directions an expert expects; bad supply-chain input gets a located error."""
from __future__ import annotations

import csv
import io
import shutil

import numpy as np
import pytest

from finmodel.api import drivers_for, load
from finmodel.assumptions.schema import COMPONENTS, Deal, deal_vendor
from finmodel.errors import AssumptionError
from finmodel.model.result import run as run_engine
from finmodel.model.supply import active_suppliers

from conftest import BASE, MINI
from relhelp import run_main

BOM = "supply_chain.bom"


def _batch(path_values: dict, scenario=MINI):
    d = drivers_for(load(scenario))
    batch = d.with_overrides({k: np.asarray(v, dtype=float) for k, v in path_values.items()})
    assert not batch.invalid.any()
    return run_engine(batch)


def _lines(r, comp=None):
    return [(j, c) for j, _, c, _, _ in r.drivers.structure.bom if comp in (None, c)]


@pytest.mark.parametrize("scenario", [MINI, BASE], ids=["mini", "base"])
def test_supplier_totals_plus_tariff_equal_capex_by_component_placed_and_paid(scenario):
    r = run_engine(drivers_for(load(scenario)))
    li, s = r.line_items, r.drivers.structure
    for c in COMPONENTS:
        lines = [j for j, _ in _lines(r, c)]
        by_line = sum(li[f"supplier.{k}.{j}"] for k, _, ls, _ in active_suppliers(s) for j in lines if j in ls)
        tariff = sum(li[f"supply.tariff.{j}"] for j in lines)
        np.testing.assert_allclose(by_line + tariff, li[f"capex.{c}"], rtol=1e-12, atol=1e-12)
        paid = sum(li[f"supplier.{k}.paid.{c}"] for k, *_ in active_suppliers(s) if f"supplier.{k}.paid.{c}" in li)
        np.testing.assert_allclose(paid + li[f"supply.tariff_paid.{c}"], li[f"capex_spend.{c}"],
                                   rtol=1e-12, atol=1e-12)
    every = sum(li[f"supplier.{k}"] for k, *_ in active_suppliers(s)) + li["supplier.tariff"]
    np.testing.assert_allclose(every, li["capex_spend_total"], rtol=1e-12, atol=1e-12)
    assert r.checks_pass.all()


@pytest.mark.parametrize("scenario", [MINI, BASE], ids=["mini", "base"])
def test_us_made_plus_imported_equals_capex(scenario):
    li = run_engine(drivers_for(load(scenario))).line_items
    np.testing.assert_allclose(li["supply.us_made_total"] + li["supply.imported_total"], li["capex_total"],
                               rtol=1e-12, atol=1e-12)


def test_the_tariff_on_the_mini_servers_by_hand():
    # mini servers in 2030: accelerators 0.7 of the value, 40 % US-made at a 15 % premium, 60 %
    # imported at a 10 % tariff: 0.7 x (1 + 0.6 x 0.1 + 0.4 x 0.15) = 0.7 x 1.12 = 0.784;
    # racks 0.3, 80 % US-made at 15 %, 20 % imported at 10 %: 0.3 x (1 + 0.02 + 0.12) = 0.342;
    # the servers' factor 0.784 + 0.342 = 1.126 (the mini's capex is otherwise at factor 1)
    acc, rack = f"{BOM}.servers.accelerators", f"{BOM}.servers.racks"
    sets = [f"{acc}.us_made_fraction=0.4", f"{acc}.tariff_rate=0.1", f"{acc}.us_premium_fraction=0.15",
            f"{rack}.us_made_fraction=0.8", f"{rack}.tariff_rate=0.1", f"{rack}.us_premium_fraction=0.15"]
    r = run_engine(drivers_for(load(MINI, sets)))
    neutral = run_engine(drivers_for(load(MINI)))
    np.testing.assert_allclose(r.line_items["capex.servers"], neutral.line_items["capex.servers"] * 1.126,
                               rtol=1e-12)
    t = r.timeline.index(2030)
    li = {k: v[0, t] for k, v in r.line_items.items()}
    assert li["supply_factor.servers"] == pytest.approx(1.126, rel=1e-12)
    v = li["capex.servers"] / 1.126  # the servers' value before tariffs
    assert li["bom.value.accelerators"] == pytest.approx(0.7 * v, rel=1e-12)
    assert li["supply.tariff.accelerators"] == pytest.approx(0.7 * v * 0.6 * 0.1, rel=1e-12)
    assert li["supply.tariff.racks"] == pytest.approx(0.3 * v * 0.2 * 0.1, rel=1e-12)
    assert li["supply.us_made.racks"] == pytest.approx(0.3 * v * 0.8 * 1.15, rel=1e-12)
    # the racks' only supplier (the ODM) is paid the racks less their tariff: 0.3 v x (1 + 0.8 x 0.15)
    assert li["supplier.odm.racks"] == pytest.approx(0.3 * v * 1.12, rel=1e-12)
    # the network line: chips weigh 0.4 and the ODM 0.6 of what its suppliers are paid
    assert li["supplier.chips.network"] == pytest.approx(0.4 * li["bom.paid.network"], rel=1e-12)
    # the ODM's reported revenue (40) is the context of what it is paid
    assert li["supplier.odm.vs_reported"] == pytest.approx(li["supplier.odm"] / 40.0, rel=1e-12)


def test_an_owned_deal_pays_its_own_accelerator_vendor():
    # chip-a (partner ChipCo, not a supplier's name) is generic in the mini: its accelerators
    # go by the line's shares (chips 0.8, ODM 0.2). Naming the ODM its vendor moves chip-a's GW
    # to the ODM: ODM = paid x (chip-a's priced GW + the other GW x 0.2) / all GW.
    base = run_engine(drivers_for(load(MINI)))
    r = run_engine(drivers_for(load(MINI, ["deals.chip-a.accelerator_vendor=odm"])))
    li = r.line_items
    deal, total, generic = li["deal.chip-a.it_priced_gw"], li["bom.gw_total.accelerators"], li["bom.gw_generic.accelerators"]
    np.testing.assert_allclose(generic, total - deal, rtol=1e-12, atol=1e-12)
    with np.errstate(invalid="ignore", divide="ignore"):
        want = np.where(total > 0, li["bom.paid.accelerators"] * (deal + generic * 0.2) / total, 0.0)
    np.testing.assert_allclose(li["supplier.odm.accelerators"], want, rtol=1e-12, atol=1e-12)
    assert deal.sum() > 0
    assert li["supplier.odm.accelerators"].sum() > base.line_items["supplier.odm.accelerators"].sum()
    np.testing.assert_allclose(li["capex_total"], base.line_items["capex_total"], rtol=1e-12)  # who, not how much
    assert r.checks_pass.all()


def test_the_deal_vendor_defaults_to_the_partner_and_base_pays_amd_its_deal():
    row = dict(id="x", partner="AMD", deal="d", kind="owned", capacity_gw=1, value_usd_bn=10,
               value_covers="servers", start_year=2026, term_years=2, ramp="linear", include=True,
               status="signed", basis="fact", source="s", as_of="2026")
    assert deal_vendor(Deal(**row), {"amd": None, "nvidia": None}) == "amd"
    assert deal_vendor(Deal(**row | {"partner": "Stargate (SoftBank)"}), {"amd": None}) is None
    assert deal_vendor(Deal(**row | {"accelerator_vendor": "nvidia"}), {"amd": None}) == "nvidia"
    r = run_engine(drivers_for(load(BASE)))
    li = r.line_items
    amd_deal = li["deal.amd-instinct.it_priced_gw"]
    with np.errstate(invalid="ignore", divide="ignore"):
        floor = np.where(li["bom.gw_total.accelerators"] > 0,
                         li["bom.paid.accelerators"] * amd_deal / li["bom.gw_total.accelerators"], 0.0)
    assert (li["supplier.amd.accelerators"] >= floor - 1e-12).all() and floor.sum() > 0


def test_supplier_spend_follows_capex_timing():
    # mini buildings are paid evenly over a 3-year lead time before they come online: what the
    # builder is paid for them in year t is a third of what is placed in service in t+1..t+3
    li = run_engine(drivers_for(load(MINI))).line_items
    placed, paid = li["supplier.builder.placed.building_land"][0], li["supplier.builder.paid.building_land"][0]
    for t in range(2, len(placed) - 3):
        assert paid[t] == pytest.approx(placed[t + 1:t + 4].sum() / 3, rel=1e-12)


def test_spv_lease_payments_by_deal_are_the_pnl_lease_payments():
    li = run_engine(drivers_for(load(MINI))).line_items
    np.testing.assert_allclose(li["supplier.lease.chip-b"], li["lease_payments"], rtol=1e-12, atol=1e-12)
    assert li["supplier.lease.chip-b"].sum() > 0
    np.testing.assert_allclose(li["supplier.programme_total"],
                               li["supplier.capex_total"] + li["supplier.cloud_total"] + li["supplier.lease_total"],
                               rtol=1e-12)


def test_a_higher_tariff_raises_capex_and_tariffs_and_lowers_npv():
    r = _batch({f"{BOM}.{c}.{j}.tariff_rate": [0.1, 0.4] for j, c in _lines(run_engine(drivers_for(load(MINI))))})
    li, m = r.line_items, r.metrics
    assert li["capex_total"][1].sum() > li["capex_total"][0].sum()
    assert m["cumulative_tariff_usd_bn"].value[1] > m["cumulative_tariff_usd_bn"].value[0]
    assert m["npv_usd_bn"].value[1] < m["npv_usd_bn"].value[0]
    assert m["peak_funding_need_usd_bn"].value[1] >= m["peak_funding_need_usd_bn"].value[0]
    # the suppliers are paid the same: a tariff goes to the Treasury
    for k, *_ in active_suppliers(r.drivers.structure):
        np.testing.assert_allclose(li[f"supplier.{k}"][1], li[f"supplier.{k}"][0], rtol=1e-12)


@pytest.mark.parametrize("premium, tariff, dearer", [(0.3, 0.1, True), (0.05, 0.3, False)])
def test_onshoring_costs_more_only_when_the_premium_is_above_the_tariff(premium, tariff, dearer):
    lines = _lines(run_engine(drivers_for(load(MINI))))
    over = {f"{BOM}.{c}.{j}.us_premium_fraction": [premium, premium] for j, c in lines}
    over |= {f"{BOM}.{c}.{j}.tariff_rate": [tariff, tariff] for j, c in lines}
    over |= {f"{BOM}.{c}.{j}.us_made_fraction": [0.2, 0.8] for j, c in lines}
    r = _batch(over)
    capex, npv = r.line_items["capex_total"].sum(axis=1), r.metrics["npv_usd_bn"].value
    us_share = r.metrics["us_made_share"].value
    assert us_share[1] > us_share[0]
    assert r.metrics["cumulative_tariff_usd_bn"].value[1] < r.metrics["cumulative_tariff_usd_bn"].value[0]
    assert bool(capex[1] > capex[0]) is dearer
    assert bool(npv[1] < npv[0]) is dearer


def test_a_suppliers_share_moves_payments_between_suppliers_not_capex():
    r = _batch({f"{BOM}.networking.network.suppliers.odm.share_fraction": [0.3, 0.9]})
    li = r.line_items
    np.testing.assert_allclose(li["capex_total"][1], li["capex_total"][0], rtol=1e-12)
    assert li["supplier.odm"][1].sum() > li["supplier.odm"][0].sum()
    assert li["supplier.chips"][1].sum() < li["supplier.chips"][0].sum()
    assert r.checks_pass.all()


def test_a_lines_share_moves_origin_and_suppliers_within_the_component():
    # more of the mini's power and cooling in power distribution (ODM 0.4 of it) pays the ODM more
    p = f"{BOM}.power_cooling"
    lo = run_engine(drivers_for(load(MINI)))
    hi = run_engine(drivers_for(load(MINI, [f"{p}.power.share_fraction=0.7", f"{p}.cooling.share_fraction=0.3"])))
    assert hi.line_items["supplier.odm"].sum() > lo.line_items["supplier.odm"].sum()
    np.testing.assert_allclose(hi.line_items["capex_total"], lo.line_items["capex_total"], rtol=1e-12)
    assert hi.checks_pass.all()


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
    # the Broadcom deal is leased through an SPV: its lease payments are attributed to it
    np.testing.assert_allclose(li["supplier.lease.broadcom-custom"], li["lease_payments"], rtol=1e-12)


# --- bad input: every problem located, exit 65 -------------------------------------------------

def _mini_copy(tmp_path, old: str, new: str, csv_old: str | None = None, csv_new: str | None = None):
    shutil.copy(MINI.parent / "deals.csv", tmp_path / "deals.csv")
    text = MINI.read_text()
    assert old in text
    (tmp_path / "scenario.yaml").write_text(text.replace(old, new, 1))
    if csv_old:
        t = (tmp_path / "deals.csv").read_text()
        assert csv_old in t
        (tmp_path / "deals.csv").write_text(t.replace(csv_old, csv_new, 1))
    return tmp_path / "scenario.yaml"


def _problems(path, sets=()):
    with pytest.raises(AssumptionError) as exc:
        load(path, list(sets))
    return [str(p) for p in exc.value.problems]


BAD = {
    "shares do not sum to 1": (
        "racks: {label: Racks, share_fraction: 0.3", "racks: {label: Racks, share_fraction: 0.2",
        ("supply_chain.bom.servers", "sum to 0.9 in 2025", "accelerators 0.7 + racks 0.2")),
    "per-year shares do not sum to 1 in one year": (
        "share_fraction: {2025: 0.5, 2028: 0.6}", "share_fraction: {2025: 0.5, 2029: 0.6}",
        ("supply_chain.bom.power_cooling", "sum to 0.9 in 2028")),
    "a line's supplier is not a supplier": (
        "suppliers: {odm: {share_fraction: 1.0}}}", "suppliers: {odn: {share_fraction: 1.0}}}",
        ("supply_chain.bom.servers.racks.suppliers.odn", "unknown supplier 'odn'")),
    "a share out of bounds": (
        "chips: {share_fraction: 0.8}", "chips: {share_fraction: 80}",
        ("supply_chain.bom.servers.accelerators.suppliers.chips.share_fraction",)),
    "two deal-vendor lines": (
        "racks: {label: Racks,", "racks: {label: Racks, deal_vendor: true,",
        ("supply_chain.bom.servers.racks.deal_vendor", "only one line may have deal_vendor")),
    "a line id used twice": (
        "      shell: {label: Shell", "      network: {label: Shell",
        ("supply_chain.bom.building_land.network", "already a line of networking")),
    "a component without lines": (
        "      shell: {label: Shell and land, share_fraction: 1.0, us_made_fraction: 0.9, tariff_rate: 0.0, "
        "us_premium_fraction: 0.0, suppliers: {builder: {share_fraction: 1.0}}}", "      {}",
        ("supply_chain.bom.building_land",)),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_bill_of_materials_is_located(tmp_path, case):
    old, new, says = BAD[case]
    problems = _problems(_mini_copy(tmp_path, old, new))
    text = "\n".join(problems)
    assert all(s in text for s in says), text
    assert any("scenario.yaml:" in p for p in problems), text  # file:line:col


def test_a_bad_accelerator_vendor_is_located_at_its_cell(tmp_path):
    # the mini's table with an accelerator_vendor column after financing (column 15): a typo on
    # an owned deal and a vendor on a cloud deal
    path = _mini_copy(tmp_path, "name: mini", "name: mini")
    lines = (tmp_path / "deals.csv").read_text().splitlines()
    rows = list(csv.reader(lines[1:]))
    at = rows[0].index("financing") + 1
    vendor = {"id": "accelerator_vendor", "chip-a": "chpis", "cloud-a": "chips"}
    rows = [r[:at] + [vendor.get(r[0], "")] + r[at:] for r in rows]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (tmp_path / "deals.csv").write_text(lines[0] + "\n" + buf.getvalue())
    text = "\n".join(_problems(path))
    assert "deals.csv:3:15: deals[chip-a].accelerator_vendor: unknown accelerator vendor 'chpis'" in text, text
    assert "did you mean 'chips'" in text
    assert "deals.csv:5:15:" in text and "only an owned deal has an accelerator vendor" in text, text


def test_an_unknown_vendor_by_set_is_located_there_and_exits_65():
    text = "\n".join(_problems(MINI, ["deals.chip-a.accelerator_vendor=nobody"]))
    assert "--set deals.chip-a.accelerator_vendor=nobody" in text and "unknown accelerator vendor" in text
    res = run_main("validate", str(MINI), "--set", "deals.chip-a.accelerator_vendor=nobody")
    assert res.code == 65 and "Traceback" not in res.err and "unknown accelerator vendor" in res.err


def test_a_share_set_by_set_that_breaks_the_sum_is_located_at_the_set():
    text = "\n".join(_problems(MINI, [f"{BOM}.servers.racks.share_fraction=0.5"]))
    assert f"--set {BOM}.servers.racks.share_fraction=0.5" in text and "sum to 1.2 in 2025" in text, text


def test_the_identities_hold_for_any_bill_of_materials():
    # 64 random bills of materials in one batch: line shares (summing to 1), origins, supplier
    # weights and a deal vendor; every row keeps suppliers + tariff = capex (placed and paid by
    # component) and US-made + imported = capex, and every check passes
    rng = np.random.default_rng(14)
    n = 64
    split, power = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    over = {f"{BOM}.servers.accelerators.share_fraction": split, f"{BOM}.servers.racks.share_fraction": 1 - split,
            f"{BOM}.power_cooling.power.share_fraction": power, f"{BOM}.power_cooling.cooling.share_fraction": 1 - power}
    for j, c in _lines(run_engine(drivers_for(load(MINI)))):
        over |= {f"{BOM}.{c}.{j}.us_made_fraction": rng.uniform(0, 1, n),
                 f"{BOM}.{c}.{j}.tariff_rate": rng.uniform(0, 0.6, n),
                 f"{BOM}.{c}.{j}.us_premium_fraction": rng.uniform(0, 0.4, n)}
    over[f"{BOM}.servers.accelerators.suppliers.odm.share_fraction"] = rng.uniform(0, 1, n)
    d = drivers_for(load(MINI, ["deals.chip-a.accelerator_vendor=odm"]))
    r = run_engine(d.with_overrides({k: np.asarray(v) for k, v in over.items()}))
    li, s = r.line_items, r.drivers.structure
    assert r.checks_pass.all()
    for c in COMPONENTS:
        paid = sum(li[f"supplier.{k}.paid.{c}"] for k, *_ in active_suppliers(s) if f"supplier.{k}.paid.{c}" in li)
        np.testing.assert_allclose(paid + li[f"supply.tariff_paid.{c}"], li[f"capex_spend.{c}"], rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(li["supply.us_made_total"] + li["supply.imported_total"], li["capex_total"],
                               rtol=1e-10, atol=1e-9)


def test_batch_rows_whose_line_shares_do_not_sum_to_1_are_invalid():
    d = drivers_for(load(MINI))
    batch = d.with_overrides({f"{BOM}.servers.accelerators.share_fraction": np.array([0.7, 0.8, 0.6]),
                              f"{BOM}.servers.racks.share_fraction": np.array([0.3, 0.2, 0.3])})
    assert batch.invalid.tolist() == [False, False, True]


def test_a_deal_vendor_line_in_a_facility_component_adds_up(tmp_path):
    # the deal-vendor line may sit in a facility component: a deal's GW added (not priced) pay
    # its vendor, the component's GW bought are the total
    path = _mini_copy(tmp_path, "tariff_rate: 0.0, us_premium_fraction: 0.0, deal_vendor: true,",
                      "tariff_rate: 0.0, us_premium_fraction: 0.0,")
    text = path.read_text().replace("shell: {label: Shell and land,", "shell: {label: Shell and land, deal_vendor: true,")
    path.write_text(text)
    r = run_engine(drivers_for(load(path, ["deals.chip-a.accelerator_vendor=odm"])))
    li = r.line_items
    np.testing.assert_allclose(li["bom.gw_total.shell"], li["purchases_gw.building_land"], rtol=1e-12)
    with np.errstate(invalid="ignore", divide="ignore"):
        want = np.where(li["bom.gw_total.shell"] > 0,
                        li["bom.paid.shell"] * li["deal.chip-a.gw_added"] / li["bom.gw_total.shell"], 0.0)
    np.testing.assert_allclose(li["supplier.odm.shell"], want, rtol=1e-12, atol=1e-12)
    assert li["supplier.odm.shell"].sum() > 0 and r.checks_pass.all()
