"""Revenue paths by segment [US$ bn] and the partner revenue share."""
from __future__ import annotations

import numpy as np

__all__ = ["decaying_growth_rate", "grown", "s_curve", "partner_share"]


def decaying_growth_rate(initial_growth, decay_fraction, long_run_growth, period) -> np.ndarray:
    """Growth decaying geometrically towards the long-run rate [fraction per year].

    g(t) = lr + (g1 - lr) * (1 - decay)^(t - 1), t = period - 1 >= 1; 0 in the first (actual) year.
    """
    t = period - 1.0
    g = long_run_growth + (initial_growth - long_run_growth) * (1.0 - decay_fraction) ** np.maximum(t - 1.0, 0.0)
    return np.where(t >= 1, g, 0.0)


def grown(start_usd_bn: np.ndarray, growth: np.ndarray) -> np.ndarray:
    """Revenue grown from the first-year value: R(1) = start, R(t) = R(t-1) (1 + g(t)) [US$ bn].

    The growth of the first period is ignored.
    """
    growth = np.asarray(growth, dtype=float)
    if growth.ndim == 2 and growth.shape[0] > 1 and growth.strides[0] == 0:
        growth = growth[:1]  # one row for every scenario (a broadcast view): its product once
    factors = 1.0 + growth
    factors = np.concatenate([np.ones_like(factors[:, :1]), factors[:, 1:]], axis=1)
    return start_usd_bn * np.cumprod(factors, axis=1)


def s_curve(start_usd_bn, ceiling_usd_bn, steepness_per_year, period) -> np.ndarray:
    """Logistic path through ``start`` in the first year towards ``ceiling`` [US$ bn].

    R(t) = C / (1 + (C / R0 - 1) exp(-k t)), t = period - 1.
    """
    return ceiling_usd_bn / (1.0 + (ceiling_usd_bn / start_usd_bn - 1.0)
                             * np.exp(-steepness_per_year * (period - 1.0)))


def partner_share(revenue_usd_bn, share_fraction) -> np.ndarray:
    """Revenue paid to partners (e.g. Microsoft's share) [US$ bn]."""
    return revenue_usd_bn * share_fraction
