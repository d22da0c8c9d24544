"""Valuation and headline metrics over the forecast years; numbers that may not exist come
with a reason ("n/a: ...") instead of NaN.

The valuation date is the end of the first (actual) year; forecast flows f_1..f_m are the
periods 2..T, discounted (1 + r)^-t (end of period, like Excel's NPV()).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Metric", "IRR_GRID", "npv", "terminal_value", "npv_at_rates", "irr", "payback_year",
           "peak_and_year", "horizon_sum", "forecast", "npv_of_forecast", "npv_with_terminal",
           "irr_of_forecast", "irr_scan", "peak", "peak_year", "lowest", "last", "plus", "coverage", "window_sum", "window_burn",
           "first", "brackets", "first_flagged_year"]

# Rates at which NPV is scanned to count IRRs [fraction per year]. The workbook shows the same
# scan (Inputs > constants), so both find the same roots.
IRR_GRID = np.array([-0.99, -0.95, -0.9, -0.8, -0.7, -0.6, -0.5, -0.4, -0.3, -0.2, -0.15, -0.1,
                     -0.05, 0.0, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2, 0.25, 0.3, 0.35,
                     0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0])

IRR_REASONS = ("", "n/a: no sign change", "n/a: multiple IRRs",
               "n/a: no IRR between -99% and 1,000%")
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


def terminal_value(flows, rate, growth, years_averaged) -> np.ndarray:
    """Gordon-growth value at the end of the last period on normalised FCF [US$ bn].

    TV = mean(f over the last k periods) (1 + g) / (r - g); averaging over k years (e.g. one
    IT refresh cycle) keeps a light- or heavy-capex final year from setting the value.
    """
    flows = np.asarray(flows, dtype=float)
    m = flows.shape[1]
    last = np.arange(1, m + 1)[None, :] > m - years_averaged  # (n, m)
    base = np.sum(flows * last, axis=1, keepdims=True) / years_averaged
    return base * (1.0 + growth) / (rate - growth)


def npv_at_rates(flows: np.ndarray, rates: np.ndarray = IRR_GRID) -> np.ndarray:
    """NPV of ``flows`` (n, m) at each rate: (n, G) [US$ bn]."""
    t = np.arange(1, flows.shape[1] + 1, dtype=float)
    disc = (1.0 + rates[:, None]) ** -t[None, :]  # (G, m)
    return flows @ disc.T


def irr(flows: np.ndarray) -> "Metric":
    """IRR of forecast flows (n, m), vectorised; never a silently chosen root.

    The NPV is scanned on :data:`IRR_GRID`: no sign change in the flows -> "n/a: no sign
    change"; two or more NPV sign changes on the grid -> "n/a: multiple IRRs"; none -> "n/a: no
    IRR between -99% and 1,000%"; exactly one -> the root, refined by bisection then Newton.
    """
    flows = np.asarray(flows, dtype=float)
    n = flows.shape[0]
    value = np.full(n, np.nan)
    reason = np.zeros(n, dtype=np.int8)
    no_change = (flows.min(axis=1) >= 0) | (flows.max(axis=1) <= 0)
    scan = npv_at_rates(flows)
    crossings = brackets(scan)
    roots = crossings.sum(axis=1)
    reason[no_change] = 1
    reason[~no_change & (roots >= 2)] = 2
    reason[~no_change & (roots == 0)] = 3
    ok = reason == 0
    if ok.any():
        value[ok] = _refine(flows[ok], IRR_GRID[np.argmax(crossings[ok], axis=1)],
                            IRR_GRID[np.argmax(crossings[ok], axis=1) + 1])
    return Metric(value, reason, IRR_REASONS)


def brackets(scan: np.ndarray) -> np.ndarray:
    """Where NPV changes sign between neighbouring rates of a scan (..., G-1) [bool]."""
    return scan[..., :-1] * scan[..., 1:] < 0


def _npv_and_slope(f: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NPV = sum_t f_t x^t with x = 1/(1+r), and d NPV / d x, by Horner's rule (n,)."""
    val = np.zeros_like(x)
    der = np.zeros_like(x)
    for t in range(f.shape[1] - 1, -1, -1):  # loop over periods
        der = der * x + val
        val = val * x + f[:, t]
    return val * x, der * x + val  # NPV = x * P(x); d/dx (x P) = P + x P'


def _refine(f: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The single IRR in each bracket [lo, hi]: bisection in x = 1/(1+r), then Newton."""
    x_hi, x_lo = 1.0 / (1.0 + lo), 1.0 / (1.0 + hi)  # x decreases as r increases
    f_lo, _ = _npv_and_slope(f, x_lo)
    for _ in range(12):  # bisection keeps the bracket (shrinks it 4096-fold)
        mid = 0.5 * (x_lo + x_hi)
        f_mid, _ = _npv_and_slope(f, mid)
        same = np.sign(f_mid) == np.sign(f_lo)
        x_lo, f_lo = np.where(same, mid, x_lo), np.where(same, f_mid, f_lo)
        x_hi = np.where(same, x_hi, mid)
    x = 0.5 * (x_lo + x_hi)
    for _ in range(5):  # Newton polishes to machine precision, staying in the bracket
        val, der = _npv_and_slope(f, x)
        step = np.where(der != 0, val / np.where(der != 0, der, 1.0), 0.0)
        x_new = x - step
        x = np.where((x_new >= x_lo - 1e-9) & (x_new <= x_hi + 1e-9), x_new, x)
    return 1.0 / x - 1.0


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
    """IRR of the forecast flows (periods 2..T); see :func:`irr`."""
    return irr(forecast(flows))


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
