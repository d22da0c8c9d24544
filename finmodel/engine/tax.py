"""Corporate tax with a loss carry-forward pool [US$ bn].

Each period: losses (negative EBIT) add to the pool; positive EBIT uses the pool up to
``limit x EBIT``; tax = rate x (EBIT - pool used), never negative.
"""
from __future__ import annotations

import numpy as np

__all__ = ["loss_pool_closing", "loss_used", "taxable_income", "tax", "pool_change", "tax_on_profit"]


def loss_used(pool_opening, ebit, limit_fraction) -> np.ndarray:
    """Pool used this period: min(opening pool, limit x max(0, EBIT)) [US$ bn]."""
    return np.minimum(pool_opening, limit_fraction * np.maximum(ebit, 0.0))


def pool_change(pool_opening, used, ebit) -> np.ndarray:
    """Closing pool = opening - used + max(0, -EBIT) [US$ bn]."""
    return pool_opening - used + np.maximum(-ebit, 0.0)


def loss_pool_closing(ebit: np.ndarray, opening_usd_bn: np.ndarray, limit_fraction: np.ndarray) -> np.ndarray:
    """Closing loss carry-forward pool each period (a recurrence over periods) [US$ bn]."""
    ebit = np.asarray(ebit, dtype=float)
    n, T = np.broadcast_shapes(ebit.shape, np.shape(opening_usd_bn), np.shape(limit_fraction))[0], ebit.shape[1]
    out = np.empty((n, T))
    pool = np.broadcast_to(np.asarray(opening_usd_bn, dtype=float), (n, 1))[:, 0]
    limit = np.broadcast_to(np.asarray(limit_fraction, dtype=float), (n, 1))[:, 0]
    e = np.broadcast_to(ebit, (n, T))
    for t in range(T):
        used = loss_used(pool, e[:, t], limit)
        pool = pool_change(pool, used, e[:, t])
        out[:, t] = pool
    return out


def taxable_income(ebit, used) -> np.ndarray:
    """Taxable income after losses: max(0, EBIT) - used [US$ bn]."""
    return np.maximum(ebit, 0.0) - used


def tax(taxable, rate_fraction) -> np.ndarray:
    """Cash tax = rate x taxable income [US$ bn]."""
    return taxable * rate_fraction


def tax_on_profit(profit, rate_fraction) -> np.ndarray:
    """Tax at the full rate on a profit, none on a loss: rate x max(profit, 0) [US$ bn]."""
    return np.maximum(profit, 0.0) * rate_fraction
