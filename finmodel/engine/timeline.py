"""Timeline helpers: period numbers, years, and shifting a row by one period."""
from __future__ import annotations

import numpy as np

from .elementwise import elementwise

__all__ = ["period_numbers", "previous", "link"]


def period_numbers(n_periods: int) -> np.ndarray:
    """Period numbers 1..T as a (1, T) float array [-]."""
    return np.arange(1, n_periods + 1, dtype=float)[None, :]


def previous(row: np.ndarray, opening: np.ndarray) -> np.ndarray:
    """The row shifted one period right, with ``opening`` in the first period.

    Parameters
    ----------
    row : (n, T) array
    opening : (n, 1) array, the value before the first period.
    """
    row = np.asarray(row, dtype=float)
    n = max(row.shape[0], np.shape(opening)[0])
    out = np.empty((n, row.shape[1]))
    out[:, 0] = np.broadcast_to(opening, (n, 1))[:, 0]
    out[:, 1:] = np.broadcast_to(row, (n, row.shape[1]))[:, :-1]
    return out


@elementwise
def link(x: np.ndarray) -> np.ndarray:
    """Identity: a row that links (shows) another row or an input [same unit]."""
    return np.asarray(x, dtype=float)
