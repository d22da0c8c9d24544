"""Class 5: extremes. Every numeric input and option has documented bounds checked before
use; numpy's warnings are errors around the analyses; each is reported with exit 65 or 2,
located, never a traceback, a warning beside a number, or exit 70.
"""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from relhelp import assert_fails, pos, run_main
from finmodel.sensitivity.distributions import (MAX_DRAW, MAX_PARAMETER, LogNormal, Normal, Pert,
                                                Triangular, Uniform)

SPEC = """outputs: [npv_usd_bn]
inputs:
  discount_rate:
    path: valuation.discount_rate
    label: "Discount rate"
    low: 0.09
    high: 0.15
    distribution: {dist}
    source: "Test fixture range."
"""


@pytest.mark.parametrize("dist, field", [
    ("{dist: lognormal, median: 1.0, sigma: 1000}", "sigma"),
    ("{dist: lognormal, median: 1.0, sigma: 4.9}", "sigma"),        # tails beyond 1e12
    ("{dist: normal, mean: 1.0, sd: 1e308}", "sd"),
    ("{dist: uniform, low: -1e308, high: 1e308}", "low"),
    ("{dist: triangular, low: 0, mode: 1e300, high: 1e308}", "mode"),
    ("{dist: pert, low: 0, mode: 1, high: 1e308}", "high"),          # was exit 70
    ("{dist: discrete, values: [0.1, 1e300], probabilities: [0.5, 0.5]}", "values"),
], ids=["lognormal-sigma", "lognormal-tails", "normal-sd", "uniform", "triangular", "pert", "discrete"])
def test_extreme_distribution_parameters_are_refused_at_the_parameter(mini_project, dist, field):
    text = mini_project.write("sensitivity.yaml", SPEC.format(dist=dist))
    line, _ = pos(text, "distribution:")
    before = mini_project.snapshot()
    res = run_main("montecarlo", "--draws", "20", "--seed", "1")
    assert_fails(res, 65, before, mini_project, words=(
        f"assumptions/sensitivity.yaml:{line}:", f"inputs.discount_rate.distribution.{field}: "))
    assert "RuntimeWarning" not in res.err and "overflow" not in res.err.lower()


@pytest.mark.parametrize("make", [
    lambda: Normal(mean=0.0, sd=MAX_PARAMETER * 2),
    lambda: Uniform(low=-MAX_PARAMETER * 2, high=0.0),
    lambda: Triangular(low=0.0, mode=1.0, high=MAX_PARAMETER * 1.5),
    lambda: Pert(low=0.0, mode=1.0, high=MAX_PARAMETER * 10),
    lambda: LogNormal(median=1.0, sigma=6.0),
    lambda: LogNormal(median=MAX_PARAMETER, sigma=2.0),      # upper 1e-9 tail 1e9 * e^12 > 1e12
])
def test_the_bounds_hold_in_the_api_too(make):
    with pytest.raises(ValidationError):
        make()


def test_a_distribution_within_the_bounds_still_samples_finite_draws():
    import numpy as np
    d = LogNormal(median=1.0, sigma=4.0)  # the widest accepted family member at 1e-9 tails
    draws = d.ppf(np.linspace(1e-9, 1 - 1e-9, 101))
    assert np.all(np.isfinite(draws)) and np.max(draws) <= MAX_DRAW


@pytest.mark.parametrize("args, words", [
    (("solve", "--target", "npv_usd_bn=inf", "--vary", "valuation.discount_rate"), "finite number"),
    (("solve", "--target", "npv_usd_bn=1e300", "--vary", "valuation.discount_rate"), "within +-1e+12"),
    (("solve", "--target", "npv_usd_bn=0", "--vary", "valuation.discount_rate", "--bounds", "0.01,nan"), "finite number"),
    (("solve", "--target", "npv_usd_bn=0", "--vary", "valuation.discount_rate", "--bounds", "3,0.1"), "LO < HI"),
    (("sensitivity", "grid", "--x", "valuation.discount_rate=0.08:inf:3", "--y",
      "capex.servers.cost_usd_bn_per_gw=15:35:3"), "finite number"),
    (("sensitivity", "grid", "--x", "valuation.discount_rate=-1e300:1e300:3", "--y",
      "capex.servers.cost_usd_bn_per_gw=15:35:3"), "within +-1e+12"),
    (("montecarlo", "--prob", "npv_usd_bn>1e400"), "finite number"),
    (("montecarlo", "--draws", "99999999999"), "--draws"),
    (("montecarlo", "--seed", "-1"), "--seed"),
], ids=["target-inf", "target-huge", "bounds-nan", "bounds-inverted", "grid-inf", "grid-huge",
        "prob-inf", "draws", "seed"])
def test_extreme_options_are_usage_errors(mini_project, args, words):
    before = mini_project.snapshot()
    assert_fails(run_main(*args), 2, before, mini_project, words=(words,))


@pytest.mark.parametrize("setting, words", [
    ("timeline.last_year=1000000000", "timeline.last_year"),
    ("valuation.discount_rate=1e308", "valuation.discount_rate"),
    ("deals.cloud-b.value_usd_bn=1e15", "deals[cloud-b].value_usd_bn"),
    ("deals.cloud-b.start_year=2200", "deals[cloud-b]"),
], ids=["timeline", "rate", "deal-value", "deal-after-timeline"])
def test_extreme_settings_are_located_at_set(mini_project, setting, words):
    before = mini_project.snapshot()
    res = run_main("run", "--set", setting)
    assert_fails(res, 65, before, mini_project, words=(f"--set {setting}", words))


def test_a_numpy_warning_in_an_analysis_is_an_error_not_a_warning(mini_project, monkeypatch):
    """An overflow the bounds did not foresee stops the run (exit 65, the --set named) instead
    of writing a workbook computed from inf."""
    import numpy as np
    import finmodel.engine.cashflow as cashflow
    original = cashflow.ratio

    def overflowing(*args, **kwargs):
        np.float64(1e308) * np.float64(10)  # RuntimeWarning: overflow
        return original(*args, **kwargs)

    from finmodel.model.result import _planned
    monkeypatch.setattr(cashflow, "ratio", overflowing)
    _planned.cache_clear()  # catalogues are built once per structure: rebuild with the patch
    before = mini_project.snapshot()
    try:
        res = run_main("run", "--set", "valuation.discount_rate=0.1")
    finally:
        monkeypatch.undo()
        _planned.cache_clear()  # no later test may see the overflowing line item
    assert_fails(res, 65, before, mini_project,
                 words=("outside what the model can compute", "overflow", "--set valuation.discount_rate=0.1"))
