"""The orchestrator: evaluate the line-item catalogue on drivers and compute the metrics.

``run(drivers)`` is pure: arrays in, a :class:`Result` out. It serves one scenario or a batch
of a million in the same call; it loops over line items and periods, never over scenarios.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .drivers import Drivers
from .catalogue import CONSTANTS, Catalogue, build_catalogue
from ..engine import metrics as m
from ..engine.timeline import period_numbers

__all__ = ["Result", "run", "METRICS"]

# key -> (label, unit, number format)
METRICS = {
    "npv_usd_bn": ("NPV at the discount rate, with terminal value", "US$ bn", "#,##0.0;[Red]-#,##0.0"),
    "npv_explicit_usd_bn": ("NPV of forecast FCF only (no terminal value)", "US$ bn", "#,##0.0;[Red]-#,##0.0"),
    "terminal_value_usd_bn": ("Terminal value at the last year (Gordon growth, averaged FCF)", "US$ bn", "#,##0.0;[Red]-#,##0.0"),
    "irr": ("IRR of forecast FCF", "fraction", "0.0%"),
    "payback_year": ("Payback year (cumulative FCF stays >= 0)", "year", "0"),
    "peak_funding_need_usd_bn": ("Peak funding need (below minimum cash)", "US$ bn", "#,##0.0"),
    "peak_funding_year": ("Year of peak funding need", "year", "0"),
    "min_cash_usd_bn": ("Lowest closing cash balance", "US$ bn", "#,##0.0;[Red]-#,##0.0"),
    "cumulative_fcf_usd_bn": ("Cumulative FCF over the forecast", "US$ bn", "#,##0.0;[Red]-#,##0.0"),
    "cumulative_capex_usd_bn": ("Cumulative owned capex", "US$ bn", "#,##0.0"),
    "cumulative_cloud_usd_bn": ("Cumulative cloud contract payments", "US$ bn", "#,##0.0"),
    "cumulative_commitments_usd_bn": ("Cumulative compute commitments paid", "US$ bn", "#,##0.0"),
    "revenue_coverage": ("Revenue / commitments paid, whole horizon", "x", "0.00"),
}


@dataclass(frozen=True)
class Result:
    """Engine output for ``n`` scenarios.

    line_items : key -> (n, T) array in the item's unit (``catalogue[key].unit``)
    metrics    : key -> :class:`~finmodel.engine.metrics.Metric` (n,), units in :data:`METRICS`
    years      : (T,) calendar years
    """

    drivers: Drivers
    catalogue: Catalogue
    line_items: dict
    metrics: dict

    @property
    def years(self) -> np.ndarray:
        return self.drivers.years

    @property
    def n(self) -> int:
        return self.drivers.n

    def at(self, key: str, year: int) -> np.ndarray:
        """Line item ``key`` in calendar ``year`` for every scenario: (n,)."""
        return self.line_items[key][:, int(np.searchsorted(self.years, year))]

    @cached_property
    def checks(self) -> dict:
        """Model checks: name -> (n,) bool (True = passes)."""
        return model_checks(self)


class _Evaluator:
    def __init__(self, drivers: Drivers, catalogue: Catalogue):
        self.d = drivers
        self.cat = catalogue
        self.shape = (drivers.n, drivers.periods)
        self.done: dict[str, np.ndarray] = {}
        self.stack: list[str] = []

    def ref(self, ref):
        if isinstance(ref, tuple):
            total = np.zeros((1, self.d.periods))
            for r in ref:
                total = total + self.ref(r)
            return total
        if ref == "period":
            return period_numbers(self.d.periods)
        if ref == "year":
            return self.d.years.astype(float)[None, :]
        kind, _, name = ref.partition(":")
        if kind == "in":
            return self.d.values[name]
        if kind == "k":
            return np.array([[CONSTANTS[name][0]]])
        if kind == "li":
            return self.item(name)
        raise ValueError(f"bad reference {ref!r}")

    def item(self, key: str) -> np.ndarray:
        if key in self.done:
            return self.done[key]
        if key in self.stack:
            raise RuntimeError(f"circular line items: {' -> '.join(self.stack + [key])}")
        self.stack.append(key)
        li = self.cat[key]
        out = li.fn(**{a: self.ref(r) for a, r in li.args.items()})
        self.stack.pop()
        out = np.broadcast_to(np.asarray(out, dtype=float), self.shape)
        self.done[key] = out
        return out


def run(drivers: Drivers) -> Result:
    """Evaluate every line item and metric for all ``drivers.n`` scenarios."""
    cat = build_catalogue(drivers.structure)
    ev = _Evaluator(drivers, cat)
    items = {li.key: ev.item(li.key) for li in cat.items}
    return Result(drivers, cat, items, compute_metrics(drivers, items))


def compute_metrics(drivers: Drivers, li: dict) -> dict:
    """Headline metrics from the line items (n,) each."""
    n = drivers.n
    years = drivers.years
    rate = np.broadcast_to(drivers.values["valuation.discount_rate"], (n, 1))
    growth = np.broadcast_to(drivers.values["valuation.terminal_growth"], (n, 1))
    fcf = li["fcf"][:, 1:]
    k = np.broadcast_to(drivers.values["valuation.terminal_fcf_years"], (n, 1))
    tv = m.terminal_value(li["fcf"], rate, growth, k)
    npv_ex = m.npv(rate, fcf)
    horizon = fcf.shape[1]
    peak, peak_year = m.peak_and_year(li["funding_need"], years)
    capex_sum = m.horizon_sum(li["capex_total"])
    cloud_sum = m.horizon_sum(li["cloud_payments"])
    commitments = capex_sum + cloud_sum
    coverage = np.where(commitments != 0, m.horizon_sum(li["revenue_total"])
                        / np.where(commitments != 0, commitments, 1.0), np.nan)
    return {
        "npv_usd_bn": m.Metric.plain(npv_ex + tv * (1.0 + rate) ** -horizon),
        "npv_explicit_usd_bn": m.Metric.plain(npv_ex),
        "terminal_value_usd_bn": m.Metric.plain(tv),
        "irr": m.irr(fcf),
        "payback_year": m.payback_year(li["payback_flag"], years),
        "peak_funding_need_usd_bn": peak,
        "peak_funding_year": peak_year,
        "min_cash_usd_bn": m.Metric.plain(li["cash_closing"].min(axis=1)),
        "cumulative_fcf_usd_bn": m.Metric.plain(li["cumulative_fcf"][:, -1]),
        "cumulative_capex_usd_bn": m.Metric.plain(capex_sum),
        "cumulative_cloud_usd_bn": m.Metric.plain(cloud_sum),
        "cumulative_commitments_usd_bn": m.Metric.plain(commitments),
        "revenue_coverage": m.Metric(coverage, np.isnan(coverage).astype(np.int8),
                                     ("", "n/a: no commitments paid")),
    }


def model_checks(result: Result) -> dict:
    """Identities that must hold: key -> (n,) bool, keys as ``lineitems.check_formulas``."""
    li = result.line_items
    v = result.drivers.values
    tol = CONSTANTS["check_tolerance"][0]
    cash_moves = li["cash_closing"] - li["cash_opening"] - li["fcf"] - li["equity"] - li["other_financing"]
    dep_ok = np.ones(result.n, dtype=bool)
    for c, _, _ in result.drivers.structure.components:
        residual = np.broadcast_to(v[f"capex.{c}.residual_fraction"], (result.n, 1))[:, 0]
        dep_ok &= (li[f"depreciation.{c}"].sum(axis=1)
                   <= li[f"capex.{c}"].sum(axis=1) * (1 - residual) + tol)
    npv_ex = result.metrics["npv_explicit_usd_bn"].value
    return {
        "cash_identity": np.abs(cash_moves).sum(axis=1) < tol,
        "depreciation_bounded": dep_ok,
        "capacity_non_negative": li["total_gw"].min(axis=1) >= -tol,
        "loss_pool_non_negative": li["loss_pool_closing"].min(axis=1) >= -tol,
        "tax_non_negative": li["tax"].min(axis=1) >= -tol,
        "npv_matches_pv_rows": np.abs(npv_ex - li["pv_fcf"].sum(axis=1)) < tol,
    }
