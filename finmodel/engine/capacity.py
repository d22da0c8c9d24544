"""Capacity: deal schedules shifted by a delay, GW added and in use by kind [GW of IT load]."""
from __future__ import annotations

import numpy as np

__all__ = ["shifted_share", "cloud_share", "renewed_share", "contract_payment", "renewal_payment", "scaled",
           "cloud_gw_in_use", "owned_online_gw", "rounded_life"]


def rounded_life(life_years: np.ndarray) -> np.ndarray:
    """Whole-year life used for refresh and retirement: max(1, round-half-up(life)) [years].

    Spreadsheet: ``MAX(1,ROUND(life,0))`` (ROUND rounds half away from zero, like floor(x+0.5)
    for positive x).
    """
    return np.maximum(1.0, np.floor(np.asarray(life_years, dtype=float) + 0.5))


def shifted_share(schedule: np.ndarray, delay_years: np.ndarray, period: np.ndarray) -> np.ndarray:
    """Share of a deal falling in each period after a delay.

    share(t) = schedule(t - delay) for t - delay >= 1, else 0; the part pushed past the horizon
    is lost.

    Parameters
    ----------
    schedule : (1, T) array of the deal's shares by timeline year [fraction, sums to <= 1]
    delay_years : (n, 1) array of whole years [years]
    period : (1, T) period numbers 1..T
    """
    schedule = np.asarray(schedule, dtype=float).reshape(1, -1)
    idx = period - np.floor(np.asarray(delay_years, dtype=float))  # (n, T), 1-based
    valid = idx >= 1
    take = np.clip(idx, 1, schedule.shape[1]).astype(np.intp) - 1
    return np.where(valid, schedule[0, take], 0.0)


def cloud_share(schedule, delay_years, period, renew_cloud, year, end_year, renewal_share) -> np.ndarray:
    """Share of a cloud deal in each period: the (delayed) contract, then — when renewal is on —
    the final year's share again every year after the (delayed) term ends [fraction of value].

    share(t) = shifted(t) + renew * [year - delay > end_year] * renewal_share
    """
    renewed = ((np.asarray(renew_cloud) > 0) & (year - np.floor(delay_years) > end_year))
    return shifted_share(schedule, delay_years, period) + renewed * renewal_share


def renewed_share(delay_years, renew_cloud, year, end_year, renewal_share) -> np.ndarray:
    """Share of a cloud deal re-contracted each year after its (delayed) term, when renewal is
    on: the final year's share again [fraction of value].

    renewed(t) = renew x [year - delay > end_year] x renewal_share
    """
    after = (np.asarray(renew_cloud) > 0) & (year - np.floor(delay_years) > end_year)
    return after * renewal_share


def contract_payment(value_usd_bn, realisation_fraction, share, price_factor) -> np.ndarray:
    """Take-or-pay payment of a cloud contract: value x realisation x share x price factor
    (1 = as signed) [US$ bn]."""
    return (value_usd_bn * realisation_fraction * price_factor) * share


def renewal_payment(value_usd_bn, realisation_fraction, renewed, price_factor, escalator_per_year,
                    year, delay_years, end_year) -> np.ndarray:
    """Payment for renewed capacity: the contract's final-year price x a renewal price factor,
    escalated each year after the first renewal year [US$ bn].

    pay(t) = value x realisation x renewed(t) x factor x (1 + esc)^max(0, year - delay - end - 1)
    """
    years_after = np.maximum(year - np.floor(delay_years) - end_year - 1.0, 0.0)
    return (value_usd_bn * realisation_fraction * price_factor) * renewed * (1.0 + escalator_per_year) ** years_after


def scaled(amount: np.ndarray, realisation_fraction: np.ndarray, share: np.ndarray) -> np.ndarray:
    """A deal's amount in each period: amount x realisation x share [unit of amount].

    The (n, 1) factors are multiplied first so only one (n, T) product is formed.
    """
    return (amount * realisation_fraction) * share


def cloud_gw_in_use(capacity_gw, realisation_fraction, share, schedule_max) -> np.ndarray:
    """Cloud capacity in use: payments are proportional to capacity in use, so the year with
    the largest share uses the full contracted capacity [GW].

    gw(t) = capacity x realisation / max(schedule) x share(t)
    """
    return (capacity_gw * realisation_fraction / schedule_max) * share


def by_life_group(added_gw: np.ndarray, life: np.ndarray, refresh: np.ndarray,
                  matrix) -> np.ndarray:
    """``added_gw @ matrix(L, refresh)`` for each scenario's whole-year life and refresh flag.

    Lives are rounded to whole years, so a batch holds few distinct (life, refresh) pairs:
    one matrix product per pair, never a loop over scenarios.
    """
    added_gw = np.asarray(added_gw, dtype=float)
    n = np.broadcast_shapes(added_gw.shape[:1], np.shape(life)[:1], np.shape(refresh)[:1])[0]
    key = (np.broadcast_to(life, (n, 1)) * 2 + np.broadcast_to(refresh, (n, 1)))[:, 0]
    groups = np.unique(key)
    if groups.size == 1:
        k = groups[0]
        return added_gw @ matrix(k // 2, bool(k % 2))
    added_gw = np.broadcast_to(added_gw, (n, added_gw.shape[1]))
    out = np.empty((n, added_gw.shape[1]))
    for k in groups:  # few groups: distinct whole-year lives
        rows = key == k
        out[rows] = added_gw[rows] @ matrix(k // 2, bool(k % 2))
    return out


def _lags(T: int) -> np.ndarray:
    """t - v for vintage v (rows) and period t (columns)."""
    return np.arange(T)[None, :] - np.arange(T)[:, None]


def owned_online_gw(added_gw: np.ndarray, years: np.ndarray, refresh_it: np.ndarray,
                    servers_life_years: np.ndarray) -> np.ndarray:
    """Owned capacity online: every vintage stays online if IT is refreshed, else until its
    servers reach end of life [GW].

    online(t) = sum_v added(v) * [v <= t] * (refresh or t - v < L), L = rounded servers life.
    """
    T = np.shape(added_gw)[1]
    lag = _lags(T)

    def keep(life: float, refresh: bool) -> np.ndarray:
        return ((lag >= 0) & (refresh | (lag < life))).astype(float)

    return by_life_group(added_gw, rounded_life(servers_life_years),
                         (np.asarray(refresh_it, dtype=float) > 0).astype(float), keep)
