"""take_where is np.where in place, bit for bit (NaN payloads, -0.0 and infinities kept)."""
from __future__ import annotations

import numpy as np

from finmodel.engine.select import take_where


def test_take_where_is_np_where_bit_for_bit():
    rng = np.random.default_rng(6)
    n = 1000
    dst, src = rng.standard_normal((2, n))
    special = np.array([np.nan, -np.nan, -0.0, 0.0, np.inf, -np.inf, 5e-324])
    dst[:7], src[7:14] = special, special
    take = rng.random(n) < 0.5
    expected = np.where(take, src, dst)
    mask, scratch = np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint64)
    np.copyto(mask, take, casting="unsafe")
    np.negative(mask, out=mask)
    before = src.copy()
    take_where(dst, src, mask, scratch)
    assert np.array_equal(dst.view(np.uint64), expected.view(np.uint64))
    assert np.array_equal(src.view(np.uint64), before.view(np.uint64))
