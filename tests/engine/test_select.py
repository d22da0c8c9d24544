"""take_where is np.where in place, bit for bit (NaN payloads, -0.0 and infinities kept); bisect
takes the same steps as a bisection by np.where, one midpoint at a time or several steps' at once."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from finmodel.engine.select import bisect, take_where


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


def _reference(lo, hi, steps, value_at, lo_side):
    """A bisection as written before ``bisect``: one midpoint a step, the ends moved by np.where."""
    for _ in range(steps):
        mid = (lo + hi) / 2.0
        side = np.empty(mid.shape, dtype=np.uint64)
        lo_side(value_at(mid), side)
        lo, hi = np.where(side == 1, mid, lo), np.where(side == 1, hi, mid)
    return lo, hi, mid


def _problem(rng, n):
    """Rows of a cubic with roots near 0 scaled by 1e-160, its bracket and a lo_side as the
    reverse DCF writes it (the value times the value at the low end, in place, > 0): products
    that underflow to 0 (~1e-320 and less) and exact zeros (a midpoint on a root), so a choice
    that rounding could change is made as the reference's."""
    roots = rng.standard_normal((3, n)) * rng.choice([1e-3, 1.0], size=(3, n))
    lo = -np.abs(rng.standard_normal(n)) - 0.5
    hi = np.abs(rng.standard_normal(n)) + 0.5

    def value_at(x):
        return (x - roots[0]) * (x - roots[1]) * (x - roots[2]) * 1e-160

    v_low = value_at(lo)

    def lo_side(v, out):
        v *= v_low
        np.greater(v, 0.0, out=out, casting="unsafe")

    return lo, hi, value_at, lo_side


def test_the_problem_underflows_and_hits_zeros():
    """The products the bisection test's lo_side sorts include some that underflow to 0 and
    to subnormals, from values that are not 0."""
    lo, hi, value_at, lo_side = _problem(np.random.default_rng(1), 200)
    v_low, underflow, subnormal = value_at(lo), 0, 0
    for _ in range(60):
        mid = (lo + hi) / 2.0
        v = value_at(mid)
        product = v * v_low
        underflow += int(((v != 0) & (product == 0)).sum())
        subnormal += int(((product != 0) & (np.abs(product) < np.finfo(float).tiny)).sum())
        side = np.empty(v.shape, dtype=np.uint64)
        lo_side(v, side)
        lo, hi = np.where(side == 1, mid, lo), np.where(side == 1, hi, mid)
    assert underflow > 0 and subnormal > 0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([0, 1, 2, 3, 7, 36, 37, 40, 85, 300]),
       steps=st.integers(1, 60), at_once=st.sampled_from([3, 7, 14, 64, 256, 4096]))
def test_bisect_takes_the_reference_steps_bit_for_bit(seed, n, steps, at_once):
    """Whatever the rows, steps and midpoints evaluated at once (one a step when fewer than
    MIN_DEPTH steps fit a round, else floor(log2(at_once // n + 1)) steps a round), the ends and
    the last midpoint are the reference bisection's, bit for bit."""
    lo, hi, value_at, lo_side = _problem(np.random.default_rng(seed), n)
    want_lo, want_hi, want_mid = _reference(lo.copy(), hi.copy(), steps, value_at, lo_side)
    calls = []
    mid = bisect(lo, hi, steps, lambda x: calls.append(x.shape) or value_at(x), lo_side, at_once=at_once)
    for got, want in ((lo, want_lo), (hi, want_hi), (mid, want_mid)):
        assert np.array_equal(got.view(np.uint64), want.view(np.uint64))
    if n and 7 * n <= at_once:  # MIN_DEPTH (3) steps a round or more: fewer evaluations
        depth = int(np.log2(at_once // n + 1))
        assert len(calls) == -(-steps // depth)
        assert calls[0] == (min(2 ** depth, 2 ** steps) - 1, n)
    else:
        assert calls == [(n,)] * steps


@pytest.mark.parametrize("n", [1, 5, 50_000])
def test_bisect_finds_roots(n):
    """The bracket closes on the root of x^3 - c, which numpy's cube root gives."""
    c = np.random.default_rng(3).uniform(-8.0, 8.0, n)
    lo, hi = np.full(n, -3.0), np.full(n, 3.0)

    def lo_side(v, out):
        np.less(v, 0.0, out=out, casting="unsafe")  # below the root: the low end moves up

    mid = bisect(lo, hi, 60, lambda x: x ** 3 - c, lo_side)
    assert np.allclose(mid, np.cbrt(c), rtol=0, atol=1e-14)
    assert (lo <= np.cbrt(c) + 1e-15).all() and (np.cbrt(c) <= hi + 1e-15).all()
