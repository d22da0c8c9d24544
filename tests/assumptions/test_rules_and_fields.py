"""Input fields from the schema walk; rules between inputs at load and on batches; calibration."""
from __future__ import annotations

import numpy as np
import pytest

from finmodel.assumptions.fields import deal_bounds, input_fields, unit_of
from finmodel.assumptions.rules import RULES, breaches, broken
from finmodel.errors import AssumptionError

from conftest import BASE


def test_every_quantity_of_the_schema_is_an_input(base):
    paths = {f.path for f in input_fields(base.scenario, base.deals)}
    assert {"valuation.discount_rate", "capex.servers.life_years", "capex.refresh_it",
            "commitments.renew_cloud", "operations.pue", "revenue.partner_share_fraction"} <= paths
    assert not any(p.endswith("it_equipment") for p in paths)  # a structural switch, not an input


def test_units_come_from_names():
    assert unit_of("valuation.discount_rate") == "fraction / yr"
    assert unit_of("capex.servers.cost_usd_bn_per_gw") == "US$ bn / GW"
    assert unit_of("operations.power_price_usd_per_mwh") == "$/MWh"


def test_deal_bounds_are_read_from_the_deal_schema():
    b = deal_bounds("capacity_gw")
    assert (b.ge, b.le) == (0, 100)
    assert deal_bounds("value_usd_bn").kind == "usd_bn"


def test_a_rule_flags_the_same_rows_vectorised_as_at_load():
    values = {"valuation.terminal_growth": np.array([[0.03], [0.05], [0.2]]),
              "valuation.discount_rate": np.array([[0.1], [0.05], [0.1]])}
    assert broken(values, 3, RULES).tolist() == [False, True, True]
    one = {k: v[1:2] for k, v in values.items()}
    (b,) = breaches(one, RULES)
    assert b.located_at == "valuation.terminal_growth" and "0.05" in b.message


def test_a_wildcard_rule_applies_to_every_segment():
    values = {"revenue.segments.a.ceiling_usd_bn": np.array([[10.0]]),
              "revenue.segments.a.start_usd_bn": np.array([[20.0]]),
              "revenue.segments.b.ceiling_usd_bn": np.array([[50.0]]),
              "revenue.segments.b.start_usd_bn": np.array([[20.0]])}
    assert [b.located_at for b in breaches(values, RULES)] == ["revenue.segments.a.ceiling_usd_bn"]


ALL_IN = ("deals.*.value_usd_bn", "deals.*.capacity_gw", "capex.power_cooling.cost_usd_bn_per_gw",
          "capex.building_land.cost_usd_bn_per_gw")


def _deal_values(value, gw, power_cooling=10.0, building_land=5.0, deal="d"):
    paths = [p.replace("*", deal) for p in ALL_IN]
    return {p: np.reshape(np.asarray(v, dtype=float), (-1, 1))
            for p, v in zip(paths, (value, gw, power_cooling, building_land))}


def test_an_all_in_deal_must_cover_its_facilities_and_only_an_all_in_deal():
    """An all-in deal's IT is priced at value / GW less the facility cost per GW: below zero,
    its servers would cost less than nothing. 10 GW at 15 US$ bn / GW of facilities needs a
    value of at least 150 US$ bn; a deal of no capacity covers nothing; a deal whose value
    covers only IT or servers adds to its value instead, so the rule does not apply to it."""
    values = _deal_values([149.0, 150.0, 10.0, 0.0], [10.0, 10.0, 0.0, 10.0])
    assert broken(values, 4, RULES, kinds={"d": "all_in"}).tolist() == [True, False, False, True]
    for other in ("servers", "it", None):
        assert not broken(values, 4, RULES, kinds={"d": other} if other else None).any()
    (b,) = breaches({k: v[:1] for k, v in values.items()}, RULES, kinds={"d": "all_in"})
    assert b.located_at == "deals.d.value_usd_bn"
    assert "149 US$ bn for 10 GW" in b.message and "power and cooling 10 + building and land 5" in b.message


def test_an_all_in_deal_below_its_facilities_is_located_in_the_deal_table(tmp_path):
    import shutil
    from finmodel.api import load
    folder = tmp_path / "a"
    shutil.copytree(BASE.parent, folder)
    table = folder / "commitments.csv"
    lines = table.read_text().splitlines(keepends=True)
    i = next(k for k, line in enumerate(lines) if line.startswith("broadcom-custom,"))
    cells = lines[i].split(",")
    assert cells[6] == "all_in"
    cells[5] = "100"  # 10 GW x (10 + 5.75) US$ bn / GW of facilities is 157.5
    lines[i] = ",".join(cells)
    table.write_text("".join(lines))
    with pytest.raises(AssumptionError) as err:
        load(folder / "base.yaml")
    (p,) = err.value.problems
    assert (p.file.endswith("commitments.csv"), p.line, p.col) == (True, i + 1, 6)
    assert "all_in value of 100 US$ bn for 10 GW" in p.message
    with pytest.raises(AssumptionError) as err:  # a --set of the facility cost is located there
        load(BASE, overrides=["capex.power_cooling.cost_usd_bn_per_gw=40"])
    (p,) = err.value.problems
    assert p.file == "--set capex.power_cooling.cost_usd_bn_per_gw=40" and "power and cooling 40" in p.message


def test_a_batch_row_whose_all_in_deal_does_not_cover_its_facilities_is_invalid_and_checked(base):
    from finmodel.model.drivers import build_drivers
    from finmodel.model.result import run
    d = build_drivers(base.scenario, base.deals)
    batch = d.with_overrides({"capex.power_cooling.cost_usd_bn_per_gw": np.array([10.0, 40.0])})
    assert batch.invalid.tolist() == [False, True]
    key = "rule.all_in_covers_facilities." + ".".join(p.replace("*", "broadcom-custom") for p in ALL_IN)
    r = run(batch)
    assert r.checks[key].tolist() == [True, False]  # the Checks sheet's line
    assert not any(k.startswith("rule.all_in_covers_facilities.") and "amd-instinct" in k for k in r.checks)


def test_a_calibration_anchor_with_an_unknown_source_is_located(tmp_path):
    import shutil
    folder = tmp_path / "a"
    shutil.copytree(BASE.parent, folder)
    cal = folder / "calibration.yaml"
    cal.write_text(cal.read_text().replace("source: fin-2025", "source: fin-2052"))
    from finmodel.api import load
    with pytest.raises(AssumptionError) as err:
        load(folder / "base.yaml")
    (p,) = err.value.problems
    assert p.file.endswith("calibration.yaml") and p.line and "fin-2025" in p.message


def test_a_calibration_anchor_naming_an_unknown_line_item_is_located(tmp_path):
    import shutil
    folder = tmp_path / "a"
    shutil.copytree(BASE.parent, folder)
    cal = folder / "calibration.yaml"
    cal.write_text(cal.read_text().replace("items: [revenue_total], year: 2025", "items: [revenue_totl], year: 2025"))
    from finmodel.api import load, run
    with pytest.raises(AssumptionError, match="invalid calibration") as err:
        run(load(folder / "base.yaml"))
    assert "revenue_totl" in str(err.value) and "calibration.yaml" in str(err.value)
