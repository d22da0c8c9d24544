"""Compute demand and supply, linked: what revenue needs, what is there, what is served [GW].

Supply is installed GW of IT load (existing fleet + cloud contracts in use + owned online +
expansion); at most ``utilisation`` of it can be used. Demand is used GW: inference, which
grows with revenue and falls with efficiency (compute intensity, GW per US$ bn of revenue),
plus training and research compute on its own path. When demand exceeds usable supply, every
segment's revenue and training are served in proportion (one served fraction per year); when
supply exceeds demand, the rest is idle and still costs what its contract or capex says.
"""
from __future__ import annotations

import numpy as np

from .elementwise import elementwise

__all__ = ["declining", "demand_gw", "served_fraction", "served_gw", "inference_served",
           "training_served", "installed_needed", "expansion_level",
           "additions", "additions_after_first", "idle_gw", "load_factor", "used_gw", "share_of_demand", "it_price_factor"]


def declining(start, decline_per_year) -> np.ndarray:
    """x(1) = start, x(t) = x(t-1) (1 - d(t)): e.g. compute intensity falling with efficiency.

    The decline of the first period is ignored [unit of start].
    """
    d = np.asarray(decline_per_year, dtype=float)
    factors = np.concatenate([np.ones_like(d[:, :1]), 1.0 - d[:, 1:]], axis=1)
    return start * np.cumprod(factors, axis=1)


def demand_gw(revenue_usd_bn, intensity_gw_per_usd_bn) -> np.ndarray:
    """Used GW that revenue needs: revenue x compute intensity [GW]."""
    return revenue_usd_bn * intensity_gw_per_usd_bn


def served_fraction(usable_gw, demand) -> np.ndarray:
    """Share of demand that supply can serve: min(1, usable / demand); 1 when nothing is
    demanded [fraction]."""
    usable = np.asarray(usable_gw, dtype=float)
    demand = np.asarray(demand, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(demand > 0, np.minimum(1.0, usable / np.where(demand > 0, demand, 1.0)), 1.0)


def served_gw(usable_gw, first, second) -> tuple[np.ndarray, np.ndarray]:
    """(first served, second served) when ``first`` has priority: first gets min(first, usable),
    second what is left, min(second, usable - first served) [GW]."""
    a = np.minimum(first, usable_gw)
    return a, np.minimum(second, np.maximum(usable_gw - a, 0.0))


def inference_served(usable_gw, inference, training, rule: str) -> np.ndarray:
    """Inference GW served under a rationing rule (see :data:`RATIONING`) [GW]."""
    if rule == "proportional":
        return inference * served_fraction(usable_gw, inference + training)
    if rule == "revenue_first":
        return served_gw(usable_gw, inference, training)[0]
    return served_gw(usable_gw, training, inference)[1]


def training_served(usable_gw, inference, training, rule: str) -> np.ndarray:
    """Training GW served under a rationing rule (see :data:`RATIONING`) [GW]."""
    if rule == "proportional":
        return training * served_fraction(usable_gw, inference + training)
    if rule == "revenue_first":
        return served_gw(usable_gw, inference, training)[1]
    return served_gw(usable_gw, training, inference)[0]


def installed_needed(demand, utilisation) -> np.ndarray:
    """Installed GW needed to serve a demand of used GW: demand / utilisation [GW]."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(utilisation > 0, demand / np.where(utilisation > 0, utilisation, 1.0), 0.0)


def expansion_level(needed_gw, announced_gw, enabled, year, first_year, lead_time_years,
                    max_build_gw_per_year) -> np.ndarray:
    """Generic capacity added beyond the announced deals, kept once built [GW installed].

    E(1) = 0; from the first year a decision can take effect (first_year + lead time) and
    while enabled: E(t) = max(E(t-1), min(gap(t), E(t-1) + max build)), gap = max(0, needed -
    announced); otherwise E(t) = E(t-1). A recurrence over periods, vectorised over scenarios.
    """
    gap = np.maximum(np.asarray(needed_gw, dtype=float) - announced_gw, 0.0)
    n, T = np.broadcast_shapes(gap.shape, np.shape(enabled), np.shape(lead_time_years),
                               np.shape(max_build_gw_per_year), np.shape(first_year))[0], gap.shape[1]
    gap = np.broadcast_to(gap, (n, T))
    rate = np.broadcast_to(np.asarray(max_build_gw_per_year, dtype=float), (n, T))
    year = np.broadcast_to(np.asarray(year, dtype=float), (n, T))
    allowed = ((np.asarray(enabled) > 0) & (year >= np.asarray(first_year) + lead_time_years))
    allowed = np.broadcast_to(allowed, (n, T))
    out = np.zeros((n, T))
    level = np.zeros(n)
    for t in range(1, T):  # a recurrence over periods
        grown = np.maximum(level, np.minimum(gap[:, t], level + rate[:, t]))
        level = np.where(allowed[:, t], grown, level)
        out[:, t] = level
    return out


def additions(level) -> np.ndarray:
    """Capacity added each period: level(t) - level(t-1), level(0) = 0 [GW]."""
    level = np.asarray(level, dtype=float)
    return np.diff(level, axis=1, prepend=0.0)


def additions_after_first(level) -> np.ndarray:
    """Change of a level from the period before; 0 in the first period [unit of level]."""
    level = np.asarray(level, dtype=float)
    out = np.diff(level, axis=1, prepend=level[:, :1])
    return out


def idle_gw(installed, needed) -> np.ndarray:
    """Installed GW beyond what demand needs: max(0, installed - needed) [GW]."""
    return np.maximum(np.asarray(installed, dtype=float) - needed, 0.0)


def load_factor(demand, usable_gw) -> np.ndarray:
    """Share of usable capacity actually used: min(1, demand / usable); 0 with no capacity."""
    usable = np.asarray(usable_gw, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(usable > 0, np.minimum(1.0, demand / np.where(usable > 0, usable, 1.0)), 0.0)


def used_gw(online_gw, utilisation, load) -> np.ndarray:
    """Capacity actually used (drawing power): online x utilisation x load [GW]."""
    return online_gw * utilisation * load


def share_of_demand(part, total) -> np.ndarray:
    """part / total, 0 where nothing is demanded [fraction]."""
    total = np.asarray(total, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, part / np.where(total > 0, total, 1.0), 0.0)


@elementwise
def it_price_factor(it_cost_of_deal_usd_bn_per_gw, it_cost_usd_bn_per_gw) -> np.ndarray:
    """Price of a deal's first IT purchase relative to the generic IT cost per GW [-].

    1 where the generic cost is 0 (nothing to scale).
    """
    it = np.asarray(it_cost_usd_bn_per_gw, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(it > 0, it_cost_of_deal_usd_bn_per_gw / np.where(it > 0, it, 1.0), 1.0)
