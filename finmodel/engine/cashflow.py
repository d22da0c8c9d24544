"""Free cash flow, cash balance and funding need [US$ bn].

Signs: revenue, costs, capex and tax are positive numbers; FCF subtracts them.
"""
from __future__ import annotations

import numpy as np

from .elementwise import elementwise

__all__ = ["difference", "free_cash_flow", "cash_closing", "funding_need", "cumulative_after_first",
           "discount_factor", "present_value", "ratio", "payback_flag", "positive_flag",
           "cumulative_difference", "working_capital", "minimum_cash"]


def difference(a, b) -> np.ndarray:
    """a - b [same unit]."""
    return np.asarray(a, dtype=float) - b


def free_cash_flow(ebitda, cash_tax, capex, working_capital_change=0.0, proceeds=0.0) -> np.ndarray:
    """FCF = EBITDA - cash tax - capex + cash from working capital + proceeds of assets sold [US$ bn]."""
    return ebitda - cash_tax - capex + working_capital_change + proceeds


def working_capital(revenue, deferred_fraction, compute_cost, payables_fraction, cloud_payments,
                    prepaid_fraction) -> np.ndarray:
    """Net working-capital liabilities: deferred revenue + payables - prepayments [US$ bn]."""
    return revenue * deferred_fraction + compute_cost * payables_fraction - cloud_payments * prepaid_fraction


def minimum_cash(floor_usd_bn, months, cash_costs, months_per_year) -> np.ndarray:
    """The cash buffer: months of cash costs, at least the floor [US$ bn]."""
    return np.maximum(floor_usd_bn, months / months_per_year * np.asarray(cash_costs, dtype=float))


def cash_closing(opening_cash_usd_bn, fcf, equity=0.0, other=0.0) -> np.ndarray:
    """Closing cash: opening cash plus the cumulative sum of FCF and financing [US$ bn]."""
    flows = np.asarray(fcf, dtype=float) + equity + other
    return opening_cash_usd_bn + np.cumsum(flows, axis=1)


def funding_need(minimum_cash_usd_bn, cash) -> np.ndarray:
    """Shortfall below the minimum cash balance: max(0, minimum - cash) [US$ bn]."""
    return np.maximum(minimum_cash_usd_bn - cash, 0.0)


def cumulative_after_first(x: np.ndarray) -> np.ndarray:
    """Running sum from the second period (the first forecast year); 0 in the first [unit of x]."""
    x = np.asarray(x, dtype=float).copy()
    x[:, 0] = 0.0
    return np.cumsum(x, axis=1)


def discount_factor(rate, period) -> np.ndarray:
    """Discount factor to the end of the first year: (1 + r)^-(period - 1); 0 for the first
    (actual) year, which is not valued [-]."""
    return np.where(period > 1, (1.0 + rate) ** -(period - 1.0), 0.0)


@elementwise
def present_value(flow, factor) -> np.ndarray:
    """Present value of a flow: flow x discount factor [US$ bn]."""
    return flow * factor


def ratio(numerator, denominator, fill: float = np.nan) -> np.ndarray:
    """numerator / denominator, ``fill`` where the denominator is 0 (default NaN: "n/a") [-]."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    out = np.full(np.broadcast_shapes(num.shape, den.shape), fill, dtype=float)
    return np.divide(num, den, out=out, where=den != 0)  # divides only where den != 0


def cumulative_difference(paid, placed) -> np.ndarray:
    """Running balance of paid - placed in service, from 0 before the first period [US$ bn]."""
    return np.cumsum(np.asarray(paid, dtype=float) - placed, axis=1)


def positive_flag(x) -> np.ndarray:
    """1 where x > 0, else 0 [flag]."""
    return (np.asarray(x, dtype=float) > 0).astype(float)


def payback_flag(cumulative, period) -> np.ndarray:
    """1 in forecast years from which cumulative FCF stays >= 0 to the end of the horizon [flag].

    A cumulative FCF that is positive only before the investment (and then turns negative) is
    not a payback.
    """
    cumulative = np.asarray(cumulative, dtype=float)
    stays = np.minimum.accumulate(cumulative[:, ::-1], axis=1)[:, ::-1] >= 0
    return ((period > 1) & stays).astype(float)
