"""Valuation and headline metrics over the forecast years; numbers that may not exist come
with a reason ("n/a: ...") instead of NaN.

The valuation date is the end of the first (actual) year; forecast flows f_1..f_m are the
periods 2..T, discounted (1 + r)^-t (end of period, like Excel's NPV()).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .irr import IRR_GRID, brackets, irr, npv_at_rates

__all__ = ["Metric", "IRR_GRID", "npv", "terminal_value", "averaged_base", "last_value", "pool_saving",
           "no_one_off", "gordon_terminal", "npv_at_rates", "irr", "payback_year",
           "pv_of_terminal", "share_of_npv", "normalised_terminal_value", "moic", "with_terminal",
           "peak_and_year", "horizon_sum", "forecast", "npv_of_forecast", "npv_with_terminal",
           "irr_of_forecast", "irr_roots_fit_forecast", "irr_scan", "peak", "peak_year", "lowest", "last", "plus", "coverage", "window_sum", "window_burn",
           "first", "brackets", "first_flagged_year"]

PAYBACK_REASONS = ("", "not within horizon")
FUNDING_REASONS = ("", "n/a: no funding need")
MATERIAL_USD_BN = 1e-9  # a funding need smaller than this (US$ 1) is float residue of 0


@dataclass(frozen=True)
class Metric:
    """A metric per scenario: ``value`` (n,) with NaN where ``reason`` (n,) > 0."""

    value: np.ndarray
    reason: np.ndarray
    reasons: tuple[str, ...] = ("",)

    @classmethod
    def plain(cls, value) -> "Metric":
        value = np.asarray(value, dtype=float).reshape(-1)
        return cls(value, np.zeros(value.shape, dtype=np.int8))

    def text(self, i: int) -> str | None:
        """The reason for scenario ``i`` or None when the value exists."""
        code = int(self.reason[i])
        return self.reasons[code] if code else None


def npv(rate, flows) -> np.ndarray:
    """NPV at the end of period 0 of flows at the ends of periods 1..m [US$ bn].

    Same as Excel's ``NPV(rate, flows)``; numpy-financial's ``npv`` instead puts its first value
    at t = 0.
    """
    flows = np.asarray(flows, dtype=float)
    t = np.arange(1, flows.shape[1] + 1, dtype=float)[None, :]
    return np.sum(flows * (1.0 + rate) ** -t, axis=1, keepdims=True)


def averaged_base(flows, years_averaged) -> np.ndarray:
    """The averaged method's base: mean FCF over the last k periods (n, 1) [US$ bn] (a growing
    series' average lags its last year, and the capex in it is whatever the build-out left)."""
    flows = np.asarray(flows, dtype=float)
    m = flows.shape[1]
    last = np.arange(1, m + 1)[None, :] > m - np.reshape(years_averaged, (-1, 1))  # (n, m)
    return np.sum(flows * last, axis=1, keepdims=True) / np.reshape(years_averaged, (-1, 1))


def last_value(row) -> np.ndarray:
    """The normalised method's base: a row's last value, e.g. the last normalised FCF (n, 1)."""
    return np.asarray(row, dtype=float)[:, -1:]


def pool_saving(pool, tax_rate) -> np.ndarray:
    """The normalised method's one-off: the tax the loss pool left at the horizon still saves
    (pool_T x tax rate), counted in the first year after it (n, 1) [US$ bn]."""
    return np.asarray(pool, dtype=float)[:, -1:] * tax_rate


def no_one_off(flows) -> np.ndarray:
    """The averaged method has no one-off (n, 1) [US$ bn]."""
    return np.zeros((np.shape(flows)[0], 1))


def gordon_terminal(base, one_off, rate, growth) -> np.ndarray:
    """Terminal value at the end of the last period from its base and one-off [US$ bn]:
    TV = base (1 + g) / (r - g) + one-off / (1 + r). The one place the formula lives (the
    methods differ only in base and one-off; the reverse DCF re-prices it at other rates)."""
    return gordon_from(base * (1.0 + growth), one_off, rate, growth, 1.0 + rate)


def gordon_from(grown, one_off, rate, growth, one_plus_rate, out=None, scratch=None):
    """:func:`gordon_terminal` from base x (1 + g) and 1 + r: grown / (r - g) + one-off / (1 + r)
    [US$ bn]; into ``out``, with ``scratch`` (which may be ``one_plus_rate``) for the second
    term, when given (the reverse DCF re-prices it at each step of its search with the base
    and growth fixed)."""
    return np.add(np.divide(grown, np.subtract(rate, growth, out=out), out=out),
                  np.divide(one_off, one_plus_rate, out=scratch), out=out)


def terminal_value(flows, rate, growth, years_averaged) -> np.ndarray:
    """Gordon-growth value on AVERAGED FCF: mean of the last k periods x (1 + g) / (r - g)."""
    return gordon_terminal(averaged_base(flows, years_averaged), 0.0, rate, growth)


def normalised_terminal_value(row, rate, growth, pool, tax_rate) -> np.ndarray:
    """Terminal value on normalised FCF: NFCF_T (1 + g) / (r - g) + pool_T x tax rate / (1 + r)."""
    return gordon_terminal(last_value(row), pool_saving(pool, tax_rate), rate, growth)


def pv_of_terminal(terminal, rate, flows) -> np.ndarray:
    """The terminal value discounted from the last period to the valuation date [US$ bn]."""
    horizon = np.shape(flows)[1] - 1
    return (terminal * (1.0 + rate) ** -horizon).reshape(-1)


SHARE_REASONS = ("", "n/a: NPV is not positive")


def share_of_npv(part, npv_total) -> "Metric":
    """A part of NPV as a fraction of it (the terminal value's share); "n/a" unless NPV > 0 [-]."""
    part = np.asarray(part, dtype=float).reshape(-1)
    total = np.asarray(npv_total, dtype=float).reshape(-1)
    ok = total > 0
    value = np.where(ok, part / np.where(ok, total, 1.0), np.nan)
    return Metric(value, (~ok).astype(np.int8), SHARE_REASONS)


MOIC_REASONS = ("", "n/a: no year of negative FCF")


def moic(flows) -> "Metric":
    """Multiple on invested capital of the forecast: the sum of the positive yearly flows over
    the sum of the negative ones (undiscounted; each year's FCF nets its capex against its
    operating cash, so money put in is the years of negative FCF) [x]."""
    f = forecast(flows)
    out = -np.sum(np.minimum(f, 0.0), axis=1)
    back = np.sum(np.maximum(f, 0.0), axis=1)
    ok = out > 0
    value = np.where(ok, back / np.where(ok, out, 1.0), np.nan)
    return Metric(value, (~ok).astype(np.int8), MOIC_REASONS)


def with_terminal(flow, terminal, period) -> np.ndarray:
    """A flow with the terminal value added in the last period [US$ bn]."""
    period = np.asarray(period, dtype=float)
    return np.asarray(flow, dtype=float) + (period == period.max()) * np.asarray(terminal, dtype=float)


def payback_year(flag: np.ndarray, years: np.ndarray) -> "Metric":
    """First year whose payback flag is 1 (cumulative FCF >= 0), or "not within horizon" [year]."""
    hit = flag > 0
    found = hit.any(axis=1)
    first = np.argmax(hit, axis=1)
    value = np.where(found, np.asarray(years, dtype=float).reshape(-1)[first], np.nan)
    return Metric(value, (~found).astype(np.int8), PAYBACK_REASONS)


def peak_and_year(row: np.ndarray, years: np.ndarray,
                  material: float = MATERIAL_USD_BN) -> tuple["Metric", "Metric"]:
    """Peak of a non-negative row and the first year it occurs; "n/a" when the peak is not
    above ``material`` (float residue of a row that is 0 in exact arithmetic)."""
    peak = row.max(axis=1)
    year = np.asarray(years, dtype=float).reshape(-1)[np.argmax(row, axis=1)]
    none = peak <= material
    return (Metric.plain(peak),
            Metric(np.where(none, np.nan, year), none.astype(np.int8), FUNDING_REASONS))


def horizon_sum(row: np.ndarray) -> np.ndarray:
    """Sum over every period of the timeline [unit of row]."""
    return np.sum(row, axis=1)


# --- metrics of whole rows (n, T): the first period is the last actual year, not valued ----------

def forecast(row: np.ndarray) -> np.ndarray:
    """The forecast periods 2..T of a row (n, T-1)."""
    return np.asarray(row, dtype=float)[:, 1:]


def npv_of_forecast(rate, flows) -> np.ndarray:
    """NPV at the end of the first year of the forecast flows (periods 2..T) [US$ bn]."""
    return npv(rate, forecast(flows))[:, 0]


def npv_with_terminal(npv_explicit, terminal, rate, flows) -> np.ndarray:
    """Explicit-period NPV plus the terminal value discounted from the last period [US$ bn]."""
    horizon = np.shape(flows)[1] - 1
    return (npv_explicit + terminal * (1.0 + rate) ** -horizon).reshape(-1)


def irr_of_forecast(flows) -> "Metric":
    """IRR of the forecast flows (periods 2..T); see ``engine.irr.irr``."""
    return irr(forecast(flows))


def irr_roots_fit_forecast(flows, tolerance) -> np.ndarray:
    """``engine.irr.irr_roots_fit`` of the forecast flows (periods 2..T) [bool]."""
    from .irr import irr_roots_fit
    return irr_roots_fit(forecast(flows), tolerance)


def irr_scan(flows) -> np.ndarray:
    """NPV of the forecast flows at each rate of :data:`IRR_GRID` (n, G) [US$ bn]."""
    return npv_at_rates(forecast(flows))


def peak(row) -> np.ndarray:
    """Largest value of a row [unit of row]."""
    return np.max(row, axis=1)


def peak_year(row, years, material: float = MATERIAL_USD_BN) -> "Metric":
    """First year of the peak of a non-negative row; "n/a" when the peak is not material [year]."""
    return peak_and_year(np.asarray(row, dtype=float), years, material)[1]


def lowest(row) -> np.ndarray:
    """Smallest value of a row [unit of row]."""
    return np.min(row, axis=1)


def last(row) -> np.ndarray:
    """Value in the last period [unit of row]."""
    return np.asarray(row, dtype=float)[:, -1]


def plus(a, b) -> np.ndarray:
    """a + b [same unit]."""
    return np.asarray(a, dtype=float) + b


COVERAGE_REASONS = ("", "n/a: no commitments paid")


def coverage(numerator_row, denominator) -> "Metric":
    """Sum of a row over the horizon / a total; "n/a" when the total is 0 [x]."""
    den = np.asarray(denominator, dtype=float).reshape(-1)
    num = horizon_sum(numerator_row)
    value = np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)
    return Metric(value, np.isnan(value).astype(np.int8), COVERAGE_REASONS)


def window_sum(row, years, first, last) -> np.ndarray:
    """Sum of a row over calendar years first..last [unit of row]."""
    mask = (np.asarray(years) >= first) & (np.asarray(years) <= last)
    return np.sum(np.asarray(row, dtype=float)[:, mask], axis=1)


def window_burn(row, years, first, last) -> np.ndarray:
    """Sum of the negative part of a flow over calendar years first..last (cash burn) [US$ bn]."""
    return window_sum(np.maximum(-np.asarray(row, dtype=float), 0.0), years, first, last)


def first(row) -> np.ndarray:
    """Value in the first period [unit of row]."""
    return np.asarray(row, dtype=float)[:, 0]


def first_flagged_year(flag, years) -> "Metric":
    """First year whose flag is 1, or "n/a: never" [year]."""
    hit = np.asarray(flag) > 0
    found = hit.any(axis=1)
    value = np.where(found, np.asarray(years, dtype=float).reshape(-1)[np.argmax(hit, axis=1)], np.nan)
    return Metric(value, (~found).astype(np.int8), ("", "never within horizon"))
