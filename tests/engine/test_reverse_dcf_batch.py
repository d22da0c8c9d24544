"""The implied discount rate in a batch (issue 16): the metric's bisection evaluates NPV by
Horner and keeps no steps; it must give the stepwise reverse DCF's rate (the one the workbook
shows) and the root scipy's brentq finds, to 1e-12 relative."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from finmodel.engine import financing as fin

MARGIN, HIGH = 1e-4, 1.0


def batch(n: int = 300, T: int = 16, seed: int = 5):
    """Rows like the model's: a build-out (negative FCF) then positive flows, a terminal base,
    growth, and a round priced somewhere between the values at the two ends."""
    rng = np.random.default_rng(seed)
    t = np.arange(T)
    turn = rng.integers(3, 9, n)[:, None]
    flows = np.where(t < turn, -rng.uniform(5, 60, (n, T)), rng.uniform(10, 200, (n, T)) * (t - turn + 1))
    base = rng.uniform(50, 600, n)
    one_off = rng.uniform(0, 30, n)
    growth = rng.uniform(0.0, 0.04, n)
    args = dict(flows=flows, base=base, one_off=one_off, growth=growth,
                equity=np.zeros((n, T)), cash=np.zeros((n, T)), margin=MARGIN, high=HIGH)
    lo_v = fin.reverse_dcf_value(growth + MARGIN, flows, base, one_off, growth, 0.0)
    hi_v = fin.reverse_dcf_value(np.full(n, HIGH), flows, base, one_off, growth, 0.0)
    price = hi_v + rng.uniform(-0.2, 1.0, n) * (lo_v - hi_v)  # some outside: "n/a"
    args["valuation"] = np.repeat(price[:, None], T, axis=1)
    return args


def test_the_metric_equals_the_stepwise_bisection():
    a = batch()
    steps = fin.reverse_dcf(**a)
    m = fin.implied_rate(**a)
    assert 0 < steps["found"].sum() < len(steps["found"])  # both kinds of row
    assert np.array_equal(np.isnan(m.value), ~steps["found"])
    np.testing.assert_array_equal(m.reason, (~steps["found"]).astype(np.int8))
    ok = steps["found"]
    np.testing.assert_allclose(m.value[ok], steps["rate"][ok], rtol=1e-12, atol=0)


def test_the_metric_equals_brentq_row_by_row():
    a = batch(120, seed=9)
    m = fin.implied_rate(**a)
    rates = np.linspace(0.0, HIGH, 4001)
    checked = 0
    for i in np.nonzero(m.reason == 0)[0]:
        f, b, o, g = a["flows"][i:i + 1], a["base"][i], a["one_off"][i], a["growth"][i]
        target = a["valuation"][i, 1]

        def value(r):
            return float(fin.reverse_dcf_value(np.array([r]), f, b, o, g, target)[0])

        lo = g + MARGIN
        grid = np.array([value(r) for r in rates[rates > lo]])
        if (np.sign(grid[1:]) != np.sign(grid[:-1])).sum() != 1:
            continue  # several roots: bisection and brentq may rightly pick different ones
        root = brentq(value, lo, HIGH, xtol=1e-16, rtol=4 * np.finfo(float).eps, maxiter=500)
        assert m.value[i] == pytest.approx(root, rel=1e-12)
        checked += 1
    assert checked > 50
