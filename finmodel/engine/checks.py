"""Model checks as pure functions: (n,) bool, True where the model is consistent."""
from __future__ import annotations

import numpy as np

__all__ = ["corkscrew", "all_non_negative", "rows_equal", "non_negative", "non_decreasing", "never_above", "depreciation_within", "equals_sum",
           "sums_to_one"]


def rows_equal(lhs, rhs, tolerance) -> np.ndarray:
    """sum over periods of |lhs - rhs| < tolerance (an identity that holds every period)."""
    gap = np.asarray(lhs, dtype=float) - rhs
    return np.abs(gap, out=gap).sum(axis=1) < np.reshape(tolerance, -1)  # gap is ours: in place


def non_negative(row, tolerance) -> np.ndarray:
    """min over periods of row >= -tolerance, as: every period >= -tolerance (the same for
    every number, NaN included; a minimum along a (n, T) array's rows costs ~2x)."""
    return (np.asarray(row, dtype=float) >= -np.reshape(tolerance, (-1, 1))).all(axis=1)


def depreciation_within(depreciation, capex, residual, tolerance) -> np.ndarray:
    """Depreciation over the horizon <= capex x (1 - residual) + tolerance."""
    return (np.sum(depreciation, axis=1)
            <= np.sum(capex, axis=1) * (1.0 - np.reshape(residual, -1)) + np.reshape(tolerance, -1))


def equals_sum(value, row, tolerance) -> np.ndarray:
    """|value - sum(row)| < tolerance."""
    return np.abs(np.reshape(value, -1) - np.sum(row, axis=1)) < np.reshape(tolerance, -1)


def non_decreasing(row, tolerance) -> np.ndarray:
    """No period falls below the one before by more than the tolerance."""
    return (np.diff(np.asarray(row, dtype=float), axis=1) >= -np.reshape(tolerance, (-1, 1))).all(axis=1)


def never_above(part, whole, tolerance) -> np.ndarray:
    """No period where part exceeds whole by more than the tolerance."""
    return (np.asarray(part, dtype=float) <= np.asarray(whole, dtype=float) + np.reshape(tolerance, (-1, 1))).all(axis=1)


def corkscrew(closing, opening, added, removed, tolerance) -> np.ndarray:
    """Every period: closing = opening + added - removed (to the tolerance, summed over periods)."""
    gap = np.asarray(closing, dtype=float) - opening - added + removed
    return np.abs(gap, out=gap).sum(axis=1) < np.reshape(tolerance, -1)


def all_non_negative(a, b, tolerance) -> np.ndarray:
    """Two rows, each never below -tolerance."""
    return non_negative(a, tolerance) & non_negative(b, tolerance)


def sums_to_one(row, tolerance) -> np.ndarray:
    """|sum(row) - 1| < tolerance (shares of a whole, e.g. a deal's ramp)."""
    return np.abs(np.sum(np.asarray(row, dtype=float), axis=1) - 1.0) < np.reshape(tolerance, -1)
