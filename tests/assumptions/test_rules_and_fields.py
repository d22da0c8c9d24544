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
