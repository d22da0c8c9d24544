"""Engine functions marked elementwise (``engine.elementwise``) are given narrow rows by the
evaluator ((n, 1) per-scenario constants, (1, T) one row for all) instead of their (n, T)
broadcasts: the narrow call broadcast afterwards must be bit for bit the wide call, for every
marked function and any mix of shapes (hypothesis); a function that reduces over periods must
not be marked (the test would see it)."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.engine import capex, cashflow, compute, costs, deals, supply, timeline
from finmodel.engine.elementwise import elementwise, is_elementwise

N, T = 7, 5
MARKED = sorted(((mod.__name__.rsplit(".", 1)[1], name), fn)
                for mod in (capex, cashflow, compute, costs, deals, supply, timeline)
                for name, fn in vars(mod).items() if callable(fn) and is_elementwise(fn))


def test_the_marked_functions_are_the_ones_the_evaluator_relies_on():
    names = {f"{m}.{n}" for (m, n), _ in MARKED}
    for name, fn in MARKED:  # each function taking keyword groups says which it reads
        assert any(p.kind is p.VAR_KEYWORD for p in inspect.signature(fn).parameters.values()) \
            == (".".join(name) in KEYWORD_GROUPS)
    assert {"deals.age", "deals._linear", "deals.scaled", "deals.renewal_payment", "costs.share_of",
            "supply.line_value", "supply.vendor_payment", "timeline.link", "capex.component_capex",
            "capex.it_capex", "compute.it_price_factor", "cashflow.present_value", "capex.steady_proceeds",
            "capex.steady_replacement", "costs.capital_charges"} <= names
    assert "deals._explicit" not in names and "supply.lease_payment" not in names  # they read shapes


KEYWORD_GROUPS = {"capex.steady_proceeds": "ulrp", "capex.steady_replacement": "ul", "costs.capital_charges": "ul"}
SHAPES = st.sampled_from([(N, 1), (1, T), (1, 1), (N, T)])


@pytest.mark.parametrize("key,fn", MARKED, ids=[f"{m}.{n}" for (m, n), _ in MARKED])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_a_narrow_call_broadcast_is_the_wide_call_bit_for_bit(key, fn, data):
    params = [p for p in inspect.signature(fn).parameters.values() if p.default is not None]  # not a ramp's unused shares
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))

    def draw():
        shape = data.draw(SHAPES)
        # whole numbers in part (ages, years, delays: the comparisons in_term and renewals make)
        # and zeros (the ratios' fill), the rest uniform
        return rng.choice([0.0, 1.0, 2.0, 3.0, 2030.0, -1.0], shape) if rng.random() < 0.5 \
            else rng.uniform(-2.0, 4.0, shape)

    args = [draw() for p in params if p.kind is not p.VAR_KEYWORD]
    # keyword groups of two components, those the function reads: cost u_, life l_, residual
    # r_, price change p_
    kwargs = {f"{g}_{c}": draw() for g in KEYWORD_GROUPS.get(".".join(key), "") for c in ("servers", "shell")}
    narrow = np.asarray(fn(*args, **kwargs), dtype=float)
    wide = np.asarray(fn(*(np.broadcast_to(a, (N, T)) for a in args),
                         **{k: np.broadcast_to(a, (N, T)) for k, a in kwargs.items()}), dtype=float)
    assert narrow.shape == np.broadcast_shapes(*(a.shape for a in [*args, *kwargs.values()]), narrow.shape)
    np.testing.assert_array_equal(np.broadcast_to(narrow, (N, T)), wide)
    # and the signs of zeros too (bit for bit)
    assert (np.signbit(np.broadcast_to(narrow, (N, T))) == np.signbit(wide)).all()


def test_a_partial_of_a_marked_function_is_marked_and_the_mark_returns_the_function():
    import functools

    def f(x):
        return x
    assert elementwise(f) is f and is_elementwise(f)
    assert is_elementwise(functools.partial(supply.vendor_payment, deals_gw=0.0))
    assert not is_elementwise(supply.lease_payment) and not is_elementwise(np.cumsum)


@pytest.mark.parametrize("exponent", [2.0, -1.0, 0.5, 3.0, -4.5])
@pytest.mark.parametrize("shape", [(1, 1), (40, 1), (1, 16)])
def test_power_is_the_same_on_every_layout(exponent, shape):
    # numpy may take x**2, x**-1 and x**0.5 as a square, a reciprocal and a square root when the
    # exponent is one number along the loop; power() always takes pow, so a narrow exponent
    # gives bit for bit what the same exponent written out at the result's shape gives
    from finmodel.engine.elementwise import power
    base = np.random.default_rng(5).uniform(0.5, 2.0, (40, 16))
    e = np.full(shape, exponent)
    full = power(base, np.full((40, 16), exponent))
    np.testing.assert_array_equal(power(base, e), full)
    np.testing.assert_array_equal(power(base[:, :1], e[:, :1]), full[:, :1])
    np.testing.assert_allclose(full, base ** exponent, rtol=4e-16)
