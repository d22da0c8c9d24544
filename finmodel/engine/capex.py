"""Owned capex by component: purchases (with IT refresh), price index, depreciation [US$ bn]."""
from __future__ import annotations

import numpy as np

from .capacity import by_lag, retired, retiring
from .elementwise import elementwise, power

__all__ = ["price_index", "purchases_gw", "component_capex", "it_capex", "depreciation",
           "value_per_gw_less", "value_per_gw_plus", "purchase_value", "construction_spend",
           "retired_cost", "residual_proceeds", "steady_replacement", "steady_proceeds", "growth_capex"]


def price_index(price_change_per_year: np.ndarray, period: np.ndarray) -> np.ndarray:
    """Price index relative to the first year: (1 + p)^(period - 1) [-]."""
    return (1.0 + price_change_per_year) ** (period - 1.0)


def purchases_gw(added_gw: np.ndarray, refresh_it: np.ndarray, life_years: np.ndarray) -> np.ndarray:
    """GW of a component bought each year: new capacity plus, when refreshed, what retires [GW].

    p(t) = added(t) + refresh * ((1 - f) p(t - k) + f p(t - k - 1)), L = k + f the fractional
    life (``capacity.retiring``): a vintage is replaced (1 - f) at age k and f at age k + 1,
    the same fractional life that depreciation uses, so the life moves purchases smoothly.
    Replacements are replaced in turn. A whole-year life re-buys every L years.
    """
    added = np.asarray(added_gw, dtype=float)
    refresh = (np.asarray(refresh_it, dtype=float) > 0).astype(float)
    k, at_k, at_k1 = retiring(life_years)
    n = np.broadcast_shapes(added.shape[:1], np.shape(refresh)[:1], np.shape(k)[:1])[0]
    T = added.shape[1]
    added = np.broadcast_to(added, (n, T))
    k = np.broadcast_to(k, (n, 1))[:, 0].astype(np.intp)
    w_k = np.broadcast_to(refresh, (n, 1)) * np.broadcast_to(at_k, (n, 1))
    w_k1 = np.broadcast_to(refresh, (n, 1)) * np.broadcast_to(at_k1, (n, 1))
    return by_lag(_refreshed, k, added, w_k, w_k1)  # rows by whole-year life


def _refreshed(added, k: int, w_k, w_k1) -> np.ndarray:
    """:func:`purchases_gw` of rows sharing the whole-year life ``k``: p(t) = added(t) +
    w_k p(t - k) + w_k1 p(t - k - 1), a term before the first period adding 0."""
    n, T = added.shape
    p = np.empty((n, T))
    w_k, w_k1 = w_k[:, 0], w_k1[:, 0]
    for t in range(T):  # a recurrence over periods
        col = p[:, t]
        col[...] = added[:, t]
        for lag, w in ((k, w_k), (k + 1, w_k1)):
            if t - lag >= 0:
                col += w * p[:, t - lag]
            else:
                col += 0.0  # as a term that falls before the first period (-0.0 becomes 0.0)
    return p


def retired_cost(capex, life_years) -> np.ndarray:
    """Original cost of the equipment retiring each year: (1 - f) capex(t - k) + f capex(t - k - 1)
    with L = k + f (``capacity.retiring``) [US$ bn]."""
    return retired(capex, life_years)


def residual_proceeds(retired_cost_usd_bn, residual_fraction) -> np.ndarray:
    """Cash from selling (or trading in) retired equipment at its residual value: retired
    cost x residual fraction [US$ bn].

    Depreciation runs down to the same residual value, so the sale is at book value: no gain
    or loss, only cash.
    """
    return np.asarray(retired_cost_usd_bn, dtype=float) * residual_fraction


@elementwise
def component_capex(purchases: np.ndarray, cost_usd_bn_per_gw: np.ndarray,
                    index: np.ndarray) -> np.ndarray:
    """Capex of one component: GW bought x cost per GW x price index [US$ bn]."""
    return purchases * cost_usd_bn_per_gw * index


@elementwise
def it_capex(purchases, added, priced_added, cost_usd_bn_per_gw, index) -> np.ndarray:
    """Capex of an IT component when new capacity comes at deal prices: refreshes (purchases
    - added) at the generic cost, new GW at their priced equivalent [US$ bn].

    capex = (purchases - added + priced_added) x cost per GW x price index, where priced_added =
    sum over deals of GW added x the deal's IT price factor (1 for generic capacity).
    """
    return (purchases - added + priced_added) * cost_usd_bn_per_gw * index


@elementwise
def purchase_value(it_gw, facility_gw, it_unit_cost, facility_unit_cost) -> np.ndarray:
    """A deal's first purchase: GW at its IT price x IT cost per GW + GW x facility cost per GW,
    at this year's prices [US$ bn]."""
    return it_gw * it_unit_cost + facility_gw * facility_unit_cost


def value_per_gw_less(value_usd_bn, capacity_gw, less) -> np.ndarray:
    """A deal's value per GW less what it does not cover (e.g. the facility) [US$ bn / GW]."""
    return _per_gw(value_usd_bn, capacity_gw) - less


def value_per_gw_plus(value_usd_bn, capacity_gw, plus) -> np.ndarray:
    """A deal's value per GW plus what it does not cover (e.g. networking) [US$ bn / GW]."""
    return _per_gw(value_usd_bn, capacity_gw) + plus


def _per_gw(value, capacity) -> np.ndarray:
    cap = np.asarray(capacity, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(cap > 0, value / np.where(cap > 0, cap, 1.0), 0.0)


def depreciation_profile(life_years: np.ndarray, n_periods: int) -> np.ndarray:
    """Share of depreciable cost charged at age a = 0..T-1: max(0, min(1, L - a)) / L.

    Straight line from the year of purchase (full-year convention); a fractional life puts
    the remainder in the last year. Sums to 1 over ages 0..ceil(L)-1.
    """
    life = np.asarray(life_years, dtype=float)
    age = np.arange(n_periods, dtype=float)[None, :]
    return np.clip(life - age, 0.0, 1.0) / life


def depreciation(capex: np.ndarray, life_years: np.ndarray, residual_fraction: np.ndarray) -> np.ndarray:
    """Straight-line depreciation by vintage down to the residual value [US$ bn].

    dep(t) = (1 - residual) * sum_{v<=t} capex(v) * profile(t - v)
    """
    capex = np.asarray(capex, dtype=float)
    T = capex.shape[1]
    profile = depreciation_profile(life_years, T)
    if profile.shape[0] == 1:  # one life for the batch: a single matrix product
        lag = np.arange(T)[None, :] - np.arange(T)[:, None]  # t - v
        conv = np.where(lag >= 0, profile[0, np.clip(lag, 0, T - 1)], 0.0)  # (v, t)
        return (capex @ conv) * (1.0 - residual_fraction)
    n = np.broadcast_shapes(capex.shape[:1], profile.shape[:1], np.shape(residual_fraction)[:1])[0]
    # period-major: each vintage's charges are then whole contiguous rows of n scenarios
    # (scenario-major slices would be n short rows of T - v); the same operations per element
    by_period = np.ascontiguousarray(np.broadcast_to(capex, (n, T)).T)
    charge = np.ascontiguousarray(np.broadcast_to(profile, (n, T)).T)
    out = np.zeros((T, n))
    for v in range(T):  # vintages: a loop over periods
        out[v:] += by_period[v] * charge[:T - v]
    return out.T * (1.0 - residual_fraction)


def vintage_matrix(capex_row: np.ndarray, life_years: float, residual_fraction: float) -> np.ndarray:
    """Depreciation of one scenario by vintage (rows) and period (columns) [US$ bn].

    Column sums equal :func:`depreciation`; the workbook shows this block.
    """
    capex_row = np.asarray(capex_row, dtype=float).reshape(-1)
    T = capex_row.size
    profile = depreciation_profile(np.array([[life_years]]), T)[0]
    out = np.zeros((T, T))
    for v in range(T):
        out[v, v:] = capex_row[v] * profile[:T - v] * (1.0 - residual_fraction)
    return out


def construction_spend(capex, lead_time_years) -> np.ndarray:
    """Cash paid for assets placed in service each period, spread evenly over the ``L`` years
    before they come online (construction) [US$ bn].

    Capacity online in period q >= 2 is paid 1/L in each of periods q-L .. q-1; a part that
    would fall before the first forecast period is paid in it (the first period is the last
    actual year, whose spending is as reported). L = 0 pays on delivery. The same totals as
    ``capex``: only the timing moves.
    """
    capex = np.asarray(capex, dtype=float)
    lead = np.broadcast_to(np.asarray(lead_time_years, dtype=float), (capex.shape[0], 1))[:, 0]
    n, T = capex.shape[0], capex.shape[1]
    on_delivery = lead <= 0
    later = ~on_delivery
    if not later.any():
        out = np.zeros((n, T))
        out[:, 0] = capex[:, 0]
        out[:, 1:] = capex[:, 1:]
        return out
    every = bool(later.all())  # the usual case: no row pays on delivery, no row copies
    c, L = (capex, lead) if every else (capex[later], lead[later])
    part = np.zeros((c.shape[0], T))
    share = c / L[:, None]  # paid in each of the L years before
    K, low = int(L.max()), L.min()
    # what is paid k years before delivery (rows whose lead is shorter pay nothing then: their
    # terms are skipped, which equals adding 0 to a total that starts at +0.0)
    for k in range(1, K + 1):  # lead years: period q pays into q - k, whole rows at once
        if k + 2 < T:
            into = part[:, 2:T - k]
            if k <= low:
                np.add(into, share[:, k + 2:], out=into)
            else:
                np.add(into, share[:, k + 2:], out=into, where=(k <= L)[:, None])
    first = np.zeros(c.shape[0])  # the first forecast period takes what falls on or before it,
    for q in range(1, T):  # added in order of delivery, then lead
        col = None
        for k in range(max(q - 1, 1), K + 1):
            if col is None:
                col = np.ascontiguousarray(share[:, q])
            if k <= low:
                np.add(first, col, out=first)
            else:
                np.add(first, col, out=first, where=k <= L)
    if T > 1:
        part[:, 1] = first
    if every:
        part[:, 0] = capex[:, 0]
        return part
    out = np.zeros((n, T))
    out[:, 0] = capex[:, 0]
    out[on_delivery, 1:] = capex[on_delivery, 1:]
    out[later, 1:] = part[:, 1:]
    return out


# --- steady state (the normalised terminal FCF) ---------------------------------------------------

@elementwise
def steady_replacement(gw, **components) -> np.ndarray:
    """Capex that keeps an installed base in service for ever: GW x sum over components of
    cost per GW / life, with ``u_<name>`` (cost per GW, this year's prices) and ``l_<name>``
    (life; at least one year, as the refresh) keyword pairs [US$ bn].

    IT is re-bought and facilities rebuilt at the rate 1 / life of the base.
    """
    total = 0.0
    for key, cost in components.items():
        if key.startswith("u_"):
            total = total + cost / np.maximum(1.0, components["l_" + key[2:]])
    return gw * total


@elementwise
def steady_proceeds(gw, **components) -> np.ndarray:
    """Cash from the retired IT of a steady state: GW x sum over IT components of residual x
    cost per GW at its purchase prices (1 + p)^-L / L, with ``u_``, ``l_``, ``r_`` (residual
    fraction) and ``p_`` (price change per year) keyword groups [US$ bn]."""
    total = 0.0
    for key, cost in components.items():
        if key.startswith("u_"):
            c = key[2:]
            life = np.maximum(1.0, components["l_" + c])
            total = total + components["r_" + c] * cost * power(1.0 + components["p_" + c], -life) / life
    return gw * total


@elementwise
def growth_capex(gw, growth, unit_cost) -> np.ndarray:
    """Capex that grows the installed base at the terminal growth: GW x g x all-in cost per GW
    at this year's prices [US$ bn]."""
    return gw * growth * unit_cost
