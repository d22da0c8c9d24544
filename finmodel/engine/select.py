"""Bisection over rows, and ``np.where`` in place by bits for its steps: each step picks, row by
row, one of two values at random (a bisection's ends), where np.where branches on each element
and mispredicts about half of them (~5x slower at 10,000 rows)."""
from __future__ import annotations

import numpy as np

__all__ = ["take_where", "move_ends", "bisect", "AT_ONCE", "MIN_DEPTH"]

#: Midpoints (rows x midpoints) one evaluation of a bisection of few rows may take: up to this
#: many cost about what one midpoint a row does when numpy's per-call overhead is the time, so
#: :func:`bisect` then evaluates the midpoints of several steps at once (a single scenario's
#: 48-step search: 6 evaluations, not 48).
AT_ONCE = 256
#: The fewest steps a round of :func:`bisect` must cover for it to pay: each round follows
#: every row's path in Python, so from ~40 rows (2 steps a round) it was slower than a step at a
#: time (implied rate, 40 rows: 1.94 against 1.64 ms).
MIN_DEPTH = 3


def take_where(dst, src, mask, scratch) -> None:
    """``dst = np.where(mask, src, dst)`` for (n,) float64 rows, in place and bit for bit:
    dst ^= (dst ^ src) & mask.

    ``mask``: (n,) uint64, all ones where ``src`` is taken and 0 elsewhere (a 0/1 comparison
    written into it with ``casting="unsafe"``, then ``np.negative``); ``scratch``: (n,) uint64.
    """
    d, s = dst.view(np.uint64), src.view(np.uint64)
    np.bitwise_xor(d, s, out=scratch)
    np.bitwise_and(scratch, mask, out=scratch)
    np.bitwise_xor(d, scratch, out=d)


def move_ends(lo, hi, mid, lo_side, scratch) -> None:
    """One bisection step in place: ``lo, hi = where(side, mid, lo), where(side, hi, mid)``,
    bit for bit (:func:`take_where`). ``lo_side``: (n,) uint64 holding 1 where the midpoint is
    on the low end's side and 0 elsewhere (a comparison written into it with
    ``casting="unsafe"``); it is turned into the two masks here. ``scratch``: (n,) uint64."""
    np.negative(lo_side, out=lo_side)  # all ones where 1
    take_where(lo, mid, lo_side, scratch)
    np.invert(lo_side, out=lo_side)
    take_where(hi, mid, lo_side, scratch)


def bisect(lo, hi, steps: int, value_at, lo_side, at_once: int = AT_ONCE) -> np.ndarray:
    """``steps`` bisection steps of each row's bracket [lo, hi] (n,) float64, moved in place;
    returns the last midpoint (n,).

    Each step takes the midpoint (lo + hi) / 2; ``value_at(mid)`` gives its value, and
    ``lo_side(value, out)`` writes into ``out`` (uint64 of the value's shape, ``casting="unsafe"``)
    1 where the midpoint is on the low end's side (lo moves up to it) and 0 where it is not (hi
    moves down). Both act element by element on any shape.

    With few rows (at least :data:`MIN_DEPTH` steps a round: (2^MIN_DEPTH - 1) n <= ``at_once``)
    a round evaluates the midpoints of the next d steps along every path they can take
    (2^d - 1 per row, one call) and then follows each row's path: the same midpoints, values
    and choices as d single steps, at about one step's cost where numpy's per-call overhead is
    the time (a single run). Otherwise one step at a time, in place (:func:`move_ends`). The
    two agree bit for bit, but for which NaN a midpoint of two NaN ends carries (numpy's add
    keeps either, by the element's place in its loop). ``steps`` >= 1."""
    n = len(lo)
    if n and (2 ** MIN_DEPTH - 1) * n <= at_once:
        return _bisect_few(lo, hi, steps, value_at, lo_side, at_once)
    mid = np.empty(n)
    side, scratch = np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint64)
    for _ in range(steps):
        np.add(lo, hi, out=mid)
        mid /= 2.0
        lo_side(value_at(mid), side)
        move_ends(lo, hi, mid, side, scratch)
    return mid


def _bisect_few(lo, hi, steps, value_at, lo_side, at_once) -> np.ndarray:
    """:func:`bisect` of few rows, d steps a round (d = floor(log2(at_once // n + 1))).

    A round's points are one array P (2^d + 1, n): P[0] = lo, P[2^d] = hi, and each level's
    midpoints written between its ends ((P[i] + P[i + 2s]) / 2 into P[i + s], s = 2^(d-1) ..
    1): every bracket the next d steps can reach is [P[i], P[i + 2s]], and every midpoint
    they can evaluate is in P[1:-1], valued in one call."""
    n = len(lo)
    cols = np.arange(n)
    depth_max = max(1, int(np.log2(at_once // n + 1)))
    mid = (lo + hi) / 2.0
    left = steps
    while left > 0:
        depth = min(depth_max, left)
        top = 2 ** depth
        points = np.empty((top + 1, n))
        points[0], points[top] = lo, hi
        s = top
        while s > 1:  # one level: the midpoints of its brackets, at once
            half = s // 2
            np.add(points[:-1:s], points[s::s], out=points[half::s])
            points[half::s] /= 2.0
            s = half
        side = np.empty((top - 1, n), dtype=np.uint64)
        lo_side(value_at(points[1:-1]), side)
        up = side.tolist()  # up[i - 1][j]: row j's midpoint P[i] is on the low end's side
        at, last = [0] * n, [0] * n  # each row's bracket [P[at], P[at + 2s]] and last midpoint
        s = top // 2
        while s:
            last = [i + s for i in at]
            at = [i + s if up[i + s - 1][j] else i for j, i in enumerate(at)]
            s //= 2
        at_ = np.array(at)
        lo[:], hi[:] = points[at_, cols], points[at_ + 1, cols]
        mid = points[np.array(last), cols]
        left -= depth
    return mid
