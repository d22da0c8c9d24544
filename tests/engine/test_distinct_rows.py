"""engine.elementwise.by_distinct_rows: a row-wise function computed once per distinct key row
and gathered gives the same bits as the direct call (the deals' ramp shares by delay, the
renewal escalation by end year)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.engine import deals
from finmodel.engine.elementwise import by_distinct_rows, power

YEARS = np.arange(2020.0, 2041.0)[None, :]
DIRECT = {"linear": deals._linear, "front": deals._front, "back": deals._back, "explicit": deals._explicit}


def _same_bits(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return x.shape == y.shape and np.array_equal(x.view(np.uint64), y.view(np.uint64))


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.sampled_from([0.0, -0.0, 1.0, 2.0, 0.5, 1.25, 3.0, 1e-300, np.nan, np.inf]),
                       min_size=1, max_size=5),
       seed=st.integers(0, 2**32 - 1), ramp=st.sampled_from(sorted(DIRECT)),
       term=st.sampled_from([1.0, 3.0, 4.5, 10.0]), start=st.sampled_from([2019.0, 2026.0, 2031.5]))
def test_ramp_share_by_delay_is_the_direct_share_bit_for_bit(values, seed, ramp, term, start):
    rng = np.random.default_rng(seed)
    if ramp == "explicit":  # its index cast takes finite term years only (as the direct call)
        values = [v for v in values if np.isfinite(v)] or [0.0]
    delay = rng.choice(np.array(values), size=(200, 1))
    a = deals.age(YEARS, start, delay)
    shares = rng.dirichlet(np.ones(12))[None, :] if ramp == "explicit" else None
    direct = DIRECT[ramp](a, term, shares)
    assert _same_bits(deals.RAMP_SHARE[ramp](a, term, shares), direct)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.floats(2020.0, 2045.0), min_size=1, max_size=6),
       esc=st.floats(-0.5, 0.5), seed=st.integers(0, 2**32 - 1))
def test_escalation_by_end_year_is_the_direct_power_bit_for_bit(values, esc, seed):
    end = np.random.default_rng(seed).choice(np.array(values), size=(300, 1))
    direct = power(1.0 + np.asarray(esc), np.maximum(YEARS - end - 1.0, 0.0))
    assert _same_bits(deals._escalation(esc, YEARS, end), direct)


def test_the_function_sees_one_row_per_distinct_key_row():
    seen = []

    def fn(k, term):
        seen.append(k.shape[0])
        return np.where((k >= 0) & (k < term), 1.0 / term, 0.0)

    delay = np.repeat([[0.0], [1.0], [2.0]], [50, 30, 20], axis=0)
    a = deals.age(YEARS, 2025.0, delay)  # years 2020..2040: a = year - 2025 - delay
    out = by_distinct_rows(fn, a, 4.0)
    assert seen == [3]
    # by hand: a linear 4-year share is 1/4 from 2025 + delay to 2028 + delay, 0 elsewhere
    assert out[0].tolist() == [0.0] * 5 + [0.25] * 4 + [0.0] * 12
    assert out[99].tolist() == [0.0] * 7 + [0.25] * 4 + [0.0] * 10


@pytest.mark.parametrize("case", ["later_columns_differ", "too_many_values", "wide_argument", "signed_zero"])
def test_keys_not_to_be_grouped_give_the_direct_result(case):
    calls = []

    def fn(k, other=0.0):
        calls.append(k.shape[0])
        return 1.0 / k + other

    key = np.ones((100, 3))
    other = 0.0
    if case == "later_columns_differ":  # the first column alike, the second not
        key[::2, 1] = 2.0
    elif case == "too_many_values":
        key[:, 0] = np.arange(100.0)
    elif case == "wide_argument":
        other = np.arange(100.0)[:, None]
    else:  # -0.0 and 0.0 are distinct rows: 1/x is -inf and inf
        key[:50, 0], key[50:, 0] = -0.0, 0.0
    out = by_distinct_rows(fn, key, other)
    assert _same_bits(out, 1.0 / key + other)
    assert calls[-1] == (2 if case == "signed_zero" else 100)
