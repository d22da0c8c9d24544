"""Public anchors the shipped base case is compared with (model vs reported, side by side).

Each anchor says what it measures, the reported figure with its source, and how the model's
figure is formed from line items: ``("sum", KEY, FROM, TO)`` sums a line item over calendar
years; ``("at", KEY, YEAR)`` takes one year; ``("burn", KEY, FROM, TO)`` sums the negative
part of a flow (cash burn); ``("contracted_gw",)`` is realisation x the capacity of included
deals. The workbook's Calibration sheet writes the same as formulas.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Anchor", "ANCHORS", "model_value"]


@dataclass(frozen=True)
class Anchor:
    key: str
    label: str
    reported: float
    unit: str
    measure: tuple
    source: str
    url: str
    as_of: str
    tolerance_fraction: float  # how far the shipped base case may sit from the anchor
    note: str = ""


ANCHORS = (
    Anchor("commitments_8y", "Compute commitments paid 2026-2033 (cloud + owned capex)", 1400.0,
           "US$ bn", ("sum", "commitment_spend", 2026, 2033),
           "Sam Altman's $1.4 Trillion AI Infrastructure Bet",
           "https://imdpc.com/sam-altmans-14-trillion-ai-infrastructure-bet-20251029", "2025-10-29",
           0.10, "~$1.4T over ~8 years (Altman, Nov 2025); owned capex here includes IT refresh."),
    Anchor("contracted_gw", "Contracted capacity of included deals", 30.0, "GW",
           ("contracted_gw",), "Sam Altman's $1.4 Trillion AI Infrastructure Bet",
           "https://imdpc.com/sam-altmans-14-trillion-ai-infrastructure-bet-20251029", "2025-10-29",
           0.15, "Nvidia's 10 GW LOI (never signed) and Stargate's headline are excluded as overlaps."),
    Anchor("revenue_2025", "Revenue 2025", 13.07, "US$ bn", ("at", "revenue_total", 2025),
           "OpenAI's $38.5B Loss and Triple-Digit Growth (leaked audited statements, FT)",
           "https://bizage.jp/en/articles/openai-2025-financials-news", "2026-06-18", 0.02),
    Anchor("revenue_2026", "Revenue 2026 (company target)", 30.0, "US$ bn",
           ("at", "revenue_total", 2026),
           "OpenAI's rapid consumer shift sparks questions over sustainability",
           "https://ukai.makes.news/gb/en/regulation-policy/2025/09/19/openai-s-rapid-consumer-shift-sparks-questions-over-sustainability-and-regulation",
           "2025-09-19", 0.15),
    Anchor("revenue_2030", "Revenue 2030 (Sep 2025 projection)", 200.0, "US$ bn",
           ("at", "revenue_total", 2030), "(newsbeep, citing The Information)",
           "https://www.newsbeep.com/nz/8495", "2025-09-05", 0.15),
    Anchor("burn_2025_2029", "Cumulative cash burn 2025-2029", 115.0, "US$ bn",
           ("burn", "fcf", 2025, 2029), "OpenAI forecasts massive $115 billion cash burn through 2029",
           "https://www.techspot.com/news/109383-openai-forecasts-massive-115-billion-cash-burn-2029.html",
           "2025-09-05", 2.0,
           "The Sep 2025 plan predates most of the $1.4T commitments; the model also pays stock "
           "compensation in cash. A large gap is expected and shown, not hidden."),
    Anchor("compute_2025_2030", "Compute spend 2025-2030 (compute cost + owned capex)", 600.0,
           "US$ bn", ("sum", ("compute_cost", "capex_total"), 2025, 2030),
           "OpenAI expects compute spend of around $600 billion through 2030, source says",
           "https://indianexpress.com/article/technology/tech-news-technology/openai-expects-compute-spend-of-around-600-billion-through-2030-source-says-10543794/",
           "2026-02-21", 0.4, "The base slips every deal two years to approach this guidance."),
)


def _keys(k) -> tuple:
    return k if isinstance(k, tuple) else (k,)


def model_value(anchor: Anchor, result) -> np.ndarray:
    """The model's figure for an anchor, per scenario (n,)."""
    kind, *args = anchor.measure
    years = result.years
    if kind == "contracted_gw":
        d = result.drivers
        total = sum(np.broadcast_to(d.values[f"deals.{i}.capacity_gw"], (d.n, 1))[:, 0]
                    for i, _, _ in d.structure.deals)
        return total * np.broadcast_to(d.values["commitments.realisation_fraction"], (d.n, 1))[:, 0]
    if kind == "at":
        key, year = args
        return sum(result.at(k, year) for k in _keys(key))
    key, y0, y1 = args
    mask = (years >= y0) & (years <= y1)
    rows = sum(result.line_items[k] for k in _keys(key))
    if kind == "burn":
        return np.sum(np.maximum(-rows[:, mask], 0.0), axis=1)
    return np.sum(rows[:, mask], axis=1)
