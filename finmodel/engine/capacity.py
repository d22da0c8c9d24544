"""Capacity: deal schedules shifted by a delay, GW added and in use by kind [GW of IT load]."""
from __future__ import annotations

import numpy as np

__all__ = ["shifted_share", "cloud_share", "renewed_share", "contract_payment", "renewal_payment", "scaled",
           "cloud_gw_in_use", "owned_online_gw", "service_life", "in_service", "retiring", "retired",
           "by_lag"]


def service_life(life_years) -> np.ndarray:
    """Life used for retirement and refresh: max(1, life), fractional [years].

    The same fractional life as depreciation (``capex.depreciation_profile``); below one year
    equipment is replaced every year.
    """
    return np.maximum(1.0, np.asarray(life_years, dtype=float))


def in_service(life_years, age) -> np.ndarray:
    """Share of a vintage still in service at age a = 0, 1, ...: clip(L - a, 0, 1) with
    L = :func:`service_life` [fraction].

    A fractional life L = k + f keeps the whole vintage for k years and the share f in year k:
    the same shape as straight-line depreciation, which charges clip(L - a, 0, 1) / L at age a
    (group depreciation: cost spread over the units in service).
    """
    return np.clip(service_life(life_years) - age, 0.0, 1.0)


def retiring(life_years) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where a vintage retires: (k, share at age k, share at age k + 1) with L = k + f [years, -, -].

    share(k) = 1 - f, share(k + 1) = f: the average age at retirement is exactly L, so the
    refresh rate of the installed base is 1 / L, with no jump at half years.
    Spreadsheet: k = ``INT(MAX(1,L))``, f = ``MAX(1,L)-INT(MAX(1,L))``.
    """
    life = service_life(life_years)
    k = np.floor(life)
    f = life - k
    return k, 1.0 - f, f


def retired(row, life_years) -> np.ndarray:
    """What of a row (GW bought, or their cost) retires each period: (1 - f) x row(t - k)
    + f x row(t - k - 1) [unit of row].

    k may differ by scenario: rows are taken by groups of the same k (:func:`by_lag`), never
    one scenario at a time.
    """
    row = np.asarray(row, dtype=float)
    k, at_k, at_k1 = retiring(life_years)
    n = np.broadcast_shapes(row.shape[:1], np.shape(k)[:1])[0]
    row = np.broadcast_to(row, (n, row.shape[1]))
    if np.size(k) == 1:  # one life for the batch: whole-row slices, no gather
        return _lagged_by_one(row, int(np.reshape(k, -1)[0]), np.reshape(at_k, (-1, 1)),
                              np.reshape(at_k1, (-1, 1)))
    k = np.broadcast_to(k, (n, 1))[:, 0].astype(np.intp)
    return _lagged(row, k, np.broadcast_to(at_k, (n, 1)), np.broadcast_to(at_k1, (n, 1)))


def _lagged_by_one(row, k: int, at_k, at_k1) -> np.ndarray:
    """:func:`_lagged` when every row has the same lag ``k``: each period takes the lag-k term,
    then the lag-(k + 1) term, as the loop does (periods before the lag add nothing)."""
    n, T = row.shape
    out = np.zeros((n, T))
    for lag, w in ((k, at_k), (k + 1, at_k1)):
        if 0 <= lag < T:
            into = out[:, lag:]
            np.add(into, w * row[:, :T - lag], out=into)
    return out


def _lagged(row, k, at_k, at_k1) -> np.ndarray:
    """:func:`_lagged_by_one` for each lag ``k`` (n,) of the batch (:func:`by_lag`)."""
    return by_lag(_lagged_by_one, k, row, at_k, at_k1)


def by_lag(fn, k, row, *per_row) -> np.ndarray:
    """``fn(row, lag, *per_row)`` for each whole-year lag of ``k`` (n,), rows group by group.

    A life takes a handful of whole-year parts across a batch, so a recurrence that looks back
    ``k`` periods runs on whole-row slices per group rather than gathering period by period
    (the same operations on each element). ``row`` (n, T) and ``per_row`` (n, ...) are split
    by group and the results put back in place.
    """
    distinct = np.unique(k)
    if distinct.size == 1:
        return fn(row, int(distinct[0]), *per_row)
    out = np.empty(row.shape)
    for lag in distinct:
        rows = np.nonzero(k == lag)[0]
        out[rows] = fn(row[rows], int(lag), *(x[rows] for x in per_row))
    return out


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


def owned_online_gw(added_gw: np.ndarray, years: np.ndarray, refresh_it: np.ndarray,
                    servers_life_years: np.ndarray) -> np.ndarray:
    """Owned capacity online: every vintage stays online if IT is refreshed, else the share
    of it whose servers are still in service [GW].

    online(t) = sum_v added(v) * [v <= t] * (refresh or in_service(L, t - v)), with the
    fractional servers life L (:func:`in_service`). A loop over ages, never over scenarios.
    """
    added_gw = np.asarray(added_gw, dtype=float)
    T = added_gw.shape[1]
    refresh = np.asarray(refresh_it, dtype=float) > 0
    n = np.broadcast_shapes(added_gw.shape[:1], np.shape(refresh)[:1], np.shape(servers_life_years)[:1])[0]
    # period-major: each age's terms are whole contiguous rows of n scenarios (scenario-major
    # slices would be n short rows of T - a); the same operations per element
    by_period = np.ascontiguousarray(np.broadcast_to(added_gw, (n, T)).T)
    out = np.zeros((T, n))
    finite = None  # whether every GW added is finite (asked once, when an age keeps nothing)
    for a in range(T):  # ages
        keep = np.where(refresh, 1.0, in_service(servers_life_years, float(a)))  # (n or 1, 1)
        into = out[a:]
        if keep.size == 1:  # one keep for all (a single run, or no life varied): asked as a number
            k = keep.flat[0]
            whole, none = k == 1.0, k == 0.0
        else:
            whole = bool(np.all(keep == 1.0))
            none = not whole and not np.any(keep)
        if whole:  # x 1 changes nothing: no temporary
            np.add(into, by_period[:T - a], out=into)
            continue
        if none:  # x 0 adds a zero (out, a sum from +0, is never -0) unless inf or NaN
            if finite is None:
                finite = bool(np.isfinite(by_period).all())
            if finite:
                continue
        np.add(into, by_period[:T - a] * keep.reshape(-1), out=into)
    return out.T
