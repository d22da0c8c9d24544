"""Drivers: inputs as arrays, batch overrides, bounds and rules flagged per row."""
from __future__ import annotations

import numpy as np
import pytest

from finmodel.api import drivers_for


def test_every_input_is_an_array_of_its_shape(mini):
    d = drivers_for(mini)
    assert d.n == 1 and d.periods == len(d.years) == d.timeline.T
    for f in d.fields:
        assert d.values[f.path].shape == ((1, d.periods) if f.series else (1, 1)), f.path


def test_locate_reads_path_year_keys_and_explains_mistakes(mini):
    d = drivers_for(mini)
    f, col = d.locate("operations.power_price_usd_per_mwh.2027")
    assert f.path == "operations.power_price_usd_per_mwh" and d.years[col] == 2027
    with pytest.raises(KeyError, match="single number"):
        d.locate("valuation.discount_rate.2027")
    with pytest.raises(KeyError, match="outside the timeline"):
        d.locate("operations.power_price_usd_per_mwh.2199")
    with pytest.raises(KeyError, match="did you mean 'valuation.discount_rate'"):
        d.locate("valuation.discount_rat")


def test_overrides_make_a_batch_and_flag_rows_outside_bounds(mini):
    d = drivers_for(mini).with_overrides({"valuation.discount_rate": np.array([0.1, 0.2, 2.0]),
                                          "operations.pue.2026": np.array([1.1, 1.2, 1.3])})
    assert d.n == 3
    assert d.values["valuation.discount_rate"][:, 0].tolist() == [0.1, 0.2, 2.0]
    assert d.values["operations.pue"][1, 1] == 1.2 and d.values["operations.pue"][1, 0] == d.values["operations.pue"][0, 0]
    assert d.invalid.tolist() == [False, False, True]  # discount rate <= 1


def test_a_row_that_breaks_a_rule_between_inputs_is_invalid(mini):
    d = drivers_for(mini).with_overrides({"valuation.discount_rate": np.array([0.12, 0.02])})
    assert d.invalid.tolist() == [False, True]  # terminal growth 0.03 >= 0.02


def test_scales_multiply_a_whole_series(mini):
    d0 = drivers_for(mini)
    d = d0.with_overrides({}, {"operations.power_price_usd_per_mwh": np.array([1.0, 2.0])})
    np.testing.assert_allclose(d.values["operations.power_price_usd_per_mwh"][1],
                               2 * d0.values["operations.power_price_usd_per_mwh"][0])


def test_overrides_of_different_lengths_are_refused(mini):
    with pytest.raises(ValueError, match="different lengths"):
        drivers_for(mini).with_overrides({"valuation.discount_rate": np.ones(2),
                                          "valuation.terminal_growth": np.ones(3) * 0.01})


def test_rows_flagged_alike_for_one_value_a_year_or_the_whole_series():
    """Bounds are checked on the n values of an override applied to every year (not on the
    expanded (n, T) array): the rows flagged are those of the same values given year by year,
    and a year set on its own, a scale and a varied bill-of-materials share still flag."""
    from pathlib import Path
    from finmodel.api import load
    d = drivers_for(load(Path(__file__).parents[2] / "assumptions/base.yaml"))
    price = np.array([50.0, -1.0, np.nan, 2500.0, np.inf, 80.0])  # rows 1-4 out of bounds
    T = d.periods
    one = d.with_overrides({"operations.power_price_usd_per_mwh": price})
    full = d.with_overrides({"operations.power_price_usd_per_mwh": np.repeat(price[:, None], T, axis=1)})
    assert one.invalid.tolist() == full.invalid.tolist() == [False, True, True, True, True, False]
    np.testing.assert_array_equal(one.values["operations.power_price_usd_per_mwh"],
                                  full.values["operations.power_price_usd_per_mwh"])
    # the whole series set, then one year out of bounds: that row flags
    year = f"operations.power_price_usd_per_mwh.{d.years[3]}"
    both = d.with_overrides({"operations.power_price_usd_per_mwh": np.full(6, 60.0),
                             year: np.array([60.0, 60.0, -5.0, 60.0, 60.0, 60.0])})
    assert both.invalid.tolist() == [False, False, True, False, False, False]
    # set in range, then scaled out of it
    scaled = d.with_overrides({"operations.power_price_usd_per_mwh": np.full(3, 100.0)},
                              scales={"operations.power_price_usd_per_mwh": np.array([1.0, 30.0, 1.0])})
    assert scaled.invalid.tolist() == [False, True, False]
    # a bill-of-materials share varied so the component's shares no longer add to 1
    share = "supply_chain.bom.servers.accelerators.share_fraction"
    base_share = float(d.values[share][0, 0])
    bom = d.with_overrides({share: np.array([base_share, base_share + 0.1])})
    assert bom.invalid.tolist() == [False, True]
