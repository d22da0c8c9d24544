"""The supply chain of owned capex: tariffs, the US-manufacturing premium, origin and suppliers.

Conventions: a component's capex per GW (``engine.capex``) is the price of imported content
before tariffs (the sourced costs are largely pre-tariff: IT was exempt from the 2025 tariffs,
facility costs are from data to Oct 2024). Making a share ``u`` of the component in the US costs a premium ``pi`` on that share;
the imported share ``1 - u`` pays the tariff ``tau`` on its value. Capex placed in service is
therefore the ex-tariff value ``V`` times the supply factor ``1 + (1 - u) tau + u pi``, and

    capex = V (1 - u) (1 + tau)  [imported, duty paid]  +  V u (1 + pi)  [US-made]
          = sum over suppliers of what they are paid  +  tariff  (tariff = V (1 - u) tau)

All amounts are positive [US$ bn]; shares and rates are fractions. Arrays are (scenario, period)
and broadcast; the same code serves one scenario or a batch.
"""
from __future__ import annotations

import numpy as np

from .cashflow import ratio
from .metrics import Metric, horizon_sum

__all__ = ["net_of_tariff", "share_of_capex", "supply_factor", "cost_index", "tariff_cost", "us_premium_cost", "us_made_capex",
           "imported_capex", "supplier_payment", "share_of"]


def supply_factor(us_made_fraction, tariff_rate, us_premium_fraction) -> np.ndarray:
    """Price uplift of a component from where it is made [x]: 1 + (1 - u) tau + u pi.

    >>> float(supply_factor(0.25, 0.2, 0.1))
    1.175
    """
    u = np.asarray(us_made_fraction, dtype=float)
    return 1.0 + (1.0 - u) * tariff_rate + u * us_premium_fraction


def cost_index(price_index, factor) -> np.ndarray:
    """The index that turns cost per GW into capex: price index x supply factor [index]."""
    return np.asarray(price_index, dtype=float) * factor


def _ex_tariff(capex, factor) -> np.ndarray:
    """Capex before tariff and premium: capex / the supply factor (0 for a factor of 0)."""
    return ratio(capex, factor, fill=0.0)


def tariff_cost(capex, factor, us_made_fraction, tariff_rate) -> np.ndarray:
    """Tariff paid on the imported content of a component's capex [US$ bn]: capex / factor x
    (1 - u) x tau (paid to the US Treasury, not to a supplier)."""
    return _ex_tariff(capex, factor) * (1.0 - np.asarray(us_made_fraction, dtype=float)) * tariff_rate


def us_premium_cost(capex, factor, us_made_fraction, us_premium_fraction) -> np.ndarray:
    """What making in the US adds to a component's capex [US$ bn]: capex / factor x u x pi
    (paid to the suppliers, inside their payments)."""
    return _ex_tariff(capex, factor) * us_made_fraction * us_premium_fraction


def us_made_capex(capex, factor, us_made_fraction, us_premium_fraction) -> np.ndarray:
    """US-made part of a component's capex, premium included [US$ bn]: capex / factor x u (1 + pi)."""
    return _ex_tariff(capex, factor) * us_made_fraction * (1.0 + np.asarray(us_premium_fraction, dtype=float))


def imported_capex(capex, factor, us_made_fraction, tariff_rate) -> np.ndarray:
    """Imported part of a component's capex, tariff included [US$ bn]: capex / factor x (1 - u)
    (1 + tau). US-made + imported = capex."""
    return (_ex_tariff(capex, factor) * (1.0 - np.asarray(us_made_fraction, dtype=float))
            * (1.0 + np.asarray(tariff_rate, dtype=float)))


def share_of(weight, total_weight) -> np.ndarray:
    """A supplier's share of a component: its weight / the weights of the component's suppliers
    (0 when they are all 0) [fraction]."""
    return ratio(weight, total_weight, fill=0.0)


def net_of_tariff(capex, tariff) -> np.ndarray:
    """What the suppliers of a component are paid together: capex - tariff [US$ bn]."""
    return np.asarray(capex, dtype=float) - tariff


def supplier_payment(capex, tariff, weight, total_weight) -> np.ndarray:
    """What a supplier is paid for a component [US$ bn]: (capex - tariff) x its weight / the
    weights of the component's suppliers (0 when they are all 0)."""
    return (np.asarray(capex, dtype=float) - tariff) * share_of(weight, total_weight)


NO_CAPEX_REASONS = ("", "n/a: no owned capex")


def share_of_capex(numerator_row, denominator):
    """Sum of a row over the horizon / cumulative owned capex; "n/a" when there is none [fraction]."""
    value = ratio(horizon_sum(numerator_row), np.asarray(denominator, dtype=float).reshape(-1))
    return Metric(value, np.isnan(value).astype(np.int8), NO_CAPEX_REASONS)
