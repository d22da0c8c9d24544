"""The model checks' engine functions flag what they must, in either memory layout of their
rows (the financing plan's rows are period-major views), and never write into their inputs."""
from __future__ import annotations

import numpy as np
import pytest

from finmodel.engine import checks as c

TOL = 1e-6


def layouts(a):
    return [np.ascontiguousarray(a), np.asfortranarray(a)]


@pytest.mark.parametrize("order", [0, 1])
def test_non_negative_flags_a_period_below_the_tolerance_and_nan(order):
    rows = np.array([[1.0, 0.0, 2.0], [1.0, -0.5 * TOL, 2.0], [1.0, -2 * TOL, 2.0], [1.0, np.nan, 2.0],
                     [np.inf, 0.0, 1.0], [-np.inf, 0.0, 1.0]])
    row = layouts(rows)[order]
    np.testing.assert_array_equal(c.non_negative(row, TOL), [True, True, False, False, True, False])
    per_row = np.array([[TOL], [TOL], [3 * TOL], [1.0], [TOL], [TOL]])
    np.testing.assert_array_equal(c.non_negative(row, per_row), [True, True, True, False, True, False])
    np.testing.assert_array_equal(c.all_non_negative(row, row[::-1], TOL), [False, True, False, False, True, False])


@pytest.mark.parametrize("order", [0, 1])
def test_a_broken_corkscrew_is_flagged(order):
    rng = np.random.default_rng(4)
    n, T = 6, 16
    opening, added, removed = rng.uniform(0, 10, (3, n, T))
    closing = opening + added - removed
    closing[1, 7] += 1e-3  # one period off
    closing[2, 3] = np.nan
    closing[3, 5] += 0.5 * TOL / T  # within the tolerance
    args = [layouts(x)[order] for x in (closing, opening, added, removed)]
    before = [x.copy() for x in args]
    ok = c.corkscrew(*args, TOL)
    np.testing.assert_array_equal(ok, [True, False, False, True, True, True])
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(args, before))
    ok = c.rows_equal(args[0], args[1] + args[2] - args[3], TOL)
    np.testing.assert_array_equal(ok, [True, False, False, True, True, True])
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(args, before))
