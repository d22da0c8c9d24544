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


def test_move_ends_is_a_bisection_step_by_np_where():
    """lo, hi = where(side, mid, lo), where(side, hi, mid), bit for bit, the side as 0/1."""
    from finmodel.engine.select import move_ends
    rng = np.random.default_rng(7)
    lo, hi = np.sort(rng.standard_normal((2, 500)), axis=0)
    mid = (lo + hi) / 2.0
    side = rng.random(500) < 0.5
    want_lo, want_hi = np.where(side, mid, lo), np.where(side, hi, mid)
    mask, scratch = np.empty(500, dtype=np.uint64), np.empty(500, dtype=np.uint64)
    np.copyto(mask, side, casting="unsafe")
    move_ends(lo, hi, mid, mask, scratch)
    assert np.array_equal(lo.view(np.uint64), want_lo.view(np.uint64))
    assert np.array_equal(hi.view(np.uint64), want_hi.view(np.uint64))
