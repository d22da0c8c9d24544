"""Valuation and headline metrics over the forecast years; numbers that may not exist come
with a reason ("n/a: ...") instead of NaN.

The valuation date is the end of the first (actual) year; forecast flows f_1..f_m are the
periods 2..T, discounted (1 + r)^-t (end of period, like Excel's NPV()).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Metric", "IRR_GRID", "npv", "terminal_value", "npv_at_rates", "irr", "payback_year",
           "peak_and_year", "horizon_sum"]

# Rates at which NPV is scanned to count IRRs [fraction per year]. The workbook shows the same
# scan (Inputs > constants), so both find the same roots.
IRR_GRID = np.array([-0.99, -0.95, -0.9, -0.8, -0.7, -0.6, -0.5, -0.4, -0.3, -0.2, -0.15, -0.1,
                     -0.05, 0.0, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2, 0.25, 0.3, 0.35,
                     0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0])

IRR_REASONS = ("", "n/a: no sign change", "n/a: multiple IRRs",
               "n/a: no IRR between -99% and 1,000%")
PAYBACK_REASONS = ("", "not within horizon")
FUNDING_REASONS = ("", "n/a: no funding need")


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


def terminal_value(last_flow, rate, growth) -> np.ndarray:
    """Gordon-growth value at the end of the last period: f_m (1 + g) / (r - g) [US$ bn]."""
    return last_flow * (1.0 + growth) / (rate - growth)


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
    crossings = (scan[:, :-1] * scan[:, 1:]) < 0
    roots = crossings.sum(axis=1)
    reason[no_change] = 1
    reason[~no_change & (roots >= 2)] = 2
    reason[~no_change & (roots == 0)] = 3
    ok = reason == 0
    if ok.any():
        f = flows[ok]
        k = np.argmax(crossings[ok], axis=1)
        lo, hi = IRR_GRID[k], IRR_GRID[k + 1]
        f_lo = scan[ok, k]
        for _ in range(24):  # bisection keeps the bracket
            mid = 0.5 * (lo + hi)
            f_mid = npv(mid[:, None], f)[:, 0]
            same = np.sign(f_mid) == np.sign(f_lo)
            lo = np.where(same, mid, lo)
            f_lo = np.where(same, f_mid, f_lo)
            hi = np.where(same, hi, mid)
        r = 0.5 * (lo + hi)
        t = np.arange(1, f.shape[1] + 1, dtype=float)[None, :]
        for _ in range(4):  # Newton polishes to machine precision
            disc = (1.0 + r[:, None]) ** -t
            val = np.sum(f * disc, axis=1)
            der = np.sum(-t * f * disc / (1.0 + r[:, None]), axis=1)
            step = np.where(der != 0, val / np.where(der != 0, der, 1.0), 0.0)
            r_new = r - step
            r = np.where((r_new > lo - 1e-6) & (r_new < hi + 1e-6), r_new, r)
        value[ok] = r
    return Metric(value, reason, IRR_REASONS)


def payback_year(flag: np.ndarray, years: np.ndarray) -> "Metric":
    """First year whose payback flag is 1 (cumulative FCF >= 0), or "not within horizon" [year]."""
    hit = flag > 0
    found = hit.any(axis=1)
    first = np.argmax(hit, axis=1)
    value = np.where(found, np.asarray(years, dtype=float)[first], np.nan)
    return Metric(value, (~found).astype(np.int8), PAYBACK_REASONS)


def peak_and_year(row: np.ndarray, years: np.ndarray) -> tuple["Metric", "Metric"]:
    """Peak of a non-negative row and the first year it occurs; "n/a" when the peak is 0."""
    peak = row.max(axis=1)
    year = np.asarray(years, dtype=float)[np.argmax(row, axis=1)]
    none = peak <= 0
    return (Metric.plain(peak),
            Metric(np.where(none, np.nan, year), none.astype(np.int8), FUNDING_REASONS))


def horizon_sum(row: np.ndarray) -> np.ndarray:
    """Sum over every period of the timeline [unit of row]."""
    return np.sum(row, axis=1)
