"""The supply chain of owned capex: the bill of materials, tariffs, the US-manufacturing premium,
origin and suppliers.

Conventions: a component's capex per GW (``engine.capex``) is the price of imported content
before tariffs (the sourced costs are largely pre-tariff: IT was exempt from the 2025 tariffs,
facility costs are from data to Oct 2024). The component is split into bill-of-materials lines
``j`` with shares ``s_j`` of its value before tariffs (sum 1). Making a share ``u`` of a line in
the US costs a premium ``pi`` on that share; the imported share ``1 - u`` pays the tariff
``tau`` on its value. A line's supply factor is ``f_j = 1 + (1 - u) tau + u pi`` and the
component's is the share-weighted sum ``F = sum_j s_j f_j``; capex placed in service is the
value before tariffs ``V`` times ``F``, and each line's value is ``V_j = capex / F x s_j``:

    capex = sum_j V_j (1 - u_j) (1 + tau_j)  [imported, duty paid]  +  V_j u_j (1 + pi_j)  [US-made]
          = sum over lines and suppliers of what they are paid  +  tariffs  (tariff_j = V_j (1 - u_j) tau_j)

All amounts are positive [US$ bn]; shares and rates are fractions. Arrays are (scenario, period)
and broadcast; the same code serves one scenario or a batch.
"""
from __future__ import annotations

import numpy as np

from .capacity import owned_online_gw
from .cashflow import ratio
from .elementwise import elementwise
from .metrics import Metric, horizon_sum

__all__ = ["supply_factor", "line_factor", "cost_index", "line_value", "tariff_cost", "us_premium_cost",
           "us_made_capex", "imported_capex", "paid_to_suppliers", "share_of", "supplier_payment",
           "vendor_payment", "lease_payment", "share_of_capex", "each_period_one"]


@elementwise
def supply_factor(us_made_fraction, tariff_rate, us_premium_fraction) -> np.ndarray:
    """Price uplift of a line from where it is made [x]: 1 + (1 - u) tau + u pi.

    >>> float(supply_factor(0.25, 0.2, 0.1))
    1.175
    """
    u = np.asarray(us_made_fraction, dtype=float)
    return 1.0 + (1.0 - u) * tariff_rate + u * us_premium_fraction


@elementwise
def line_factor(share_fraction, us_made_fraction, tariff_rate, us_premium_fraction) -> np.ndarray:
    """A line's part of its component's supply factor [x]: s (1 + (1 - u) tau + u pi); the
    component's factor is the sum over its lines (1 with no tariff and no premium).

    >>> float(line_factor(0.5, 0.25, 0.2, 0.1))
    0.5875
    """
    return np.asarray(share_fraction, dtype=float) * supply_factor(us_made_fraction, tariff_rate,
                                                                   us_premium_fraction)


@elementwise
def cost_index(price_index, factor) -> np.ndarray:
    """The index that turns cost per GW into capex: price index x supply factor [index]."""
    return np.asarray(price_index, dtype=float) * factor


@elementwise
def line_value(capex, factor, share_fraction) -> np.ndarray:
    """A line's value before tariff and premium [US$ bn]: component capex / its supply factor x
    the line's share (0 for a factor of 0)."""
    return ratio(capex, factor, fill=0.0) * share_fraction


@elementwise
def tariff_cost(value, us_made_fraction, tariff_rate) -> np.ndarray:
    """Tariff paid on a line's imported content [US$ bn]: V (1 - u) tau (paid to the US
    Treasury, not to a supplier)."""
    return np.asarray(value, dtype=float) * ((1.0 - np.asarray(us_made_fraction, dtype=float)) * tariff_rate)


@elementwise
def us_premium_cost(value, us_made_fraction, us_premium_fraction) -> np.ndarray:
    """What making in the US adds to a line [US$ bn]: V u pi (paid to the suppliers)."""
    return np.asarray(value, dtype=float) * (np.asarray(us_made_fraction, dtype=float) * us_premium_fraction)


@elementwise
def us_made_capex(value, us_made_fraction, us_premium_fraction) -> np.ndarray:
    """US-made part of a line's capex, premium included [US$ bn]: V u (1 + pi)."""
    return np.asarray(value, dtype=float) * (np.asarray(us_made_fraction, dtype=float)
                                             * (1.0 + np.asarray(us_premium_fraction, dtype=float)))


@elementwise
def imported_capex(value, us_made_fraction, tariff_rate) -> np.ndarray:
    """Imported part of a line's capex, tariff included [US$ bn]: V (1 - u) (1 + tau).
    US-made + imported = V f = the line's capex."""
    return np.asarray(value, dtype=float) * ((1.0 - np.asarray(us_made_fraction, dtype=float))
                                             * (1.0 + np.asarray(tariff_rate, dtype=float)))


@elementwise
def paid_to_suppliers(value, us_made_fraction, us_premium_fraction) -> np.ndarray:
    """What a line's suppliers are paid together [US$ bn]: its capex less the tariff,
    V (1 + u pi)."""
    return np.asarray(value, dtype=float) * (1.0 + np.asarray(us_made_fraction, dtype=float) * us_premium_fraction)


@elementwise
def share_of(weight, total_weight) -> np.ndarray:
    """A supplier's share of a line: its weight / the weights of the line's suppliers (0 when
    they are all 0) [fraction]."""
    return ratio(weight, total_weight, fill=0.0)


@elementwise
def supplier_payment(paid, weight, total_weight) -> np.ndarray:
    """What a supplier is paid for a line [US$ bn]: the line's payments x its weight / the
    weights of the line's suppliers (0 when they are all 0)."""
    return np.asarray(paid, dtype=float) * share_of(weight, total_weight)


@elementwise
def vendor_payment(paid, deals_gw, generic_gw, total_gw, weight=0.0, total_weight=1.0) -> np.ndarray:
    """What a supplier is paid for the deal-vendor line [US$ bn]: the line's payments x (the GW
    of the deals it is the vendor of + the other GW x its weight / the line's weights) / all GW
    bought (GW at their price; 0 when none are bought).

    Over the suppliers the shares add to 1: the deals' GW + the other GW = all GW bought.

    >>> float(vendor_payment(100.0, 2.0, 6.0, 8.0, 0.5, 1.0))  # (2 + 6 x 0.5) / 8 of 100
    62.5
    """
    return np.asarray(paid, dtype=float) * ratio(np.asarray(deals_gw, dtype=float)
                                                 + np.asarray(generic_gw, dtype=float) * share_of(weight, total_weight),
                                                 total_gw, fill=0.0)


def lease_payment(added_gw, years, refresh_it, servers_life_years, usd_bn_per_gw_year) -> np.ndarray:
    """A leased deal's payments to the SPV that owns its capacity [US$ bn]: its GW online (as
    ``capacity.owned_online_gw``) x the lease charge per GW-year."""
    return owned_online_gw(added_gw, years, refresh_it, servers_life_years) * usd_bn_per_gw_year


NO_CAPEX_REASONS = ("", "n/a: no owned capex")


def share_of_capex(numerator_row, denominator):
    """Sum of a row over the horizon / cumulative owned capex; "n/a" when there is none [fraction]."""
    value = ratio(horizon_sum(numerator_row), np.asarray(denominator, dtype=float).reshape(-1))
    return Metric(value, np.isnan(value).astype(np.int8), NO_CAPEX_REASONS)


def each_period_one(row, tolerance) -> np.ndarray:
    """(n,) bool: sum over periods of |row - 1| < tolerance (shares that must add to 1 each year)."""
    return np.abs(np.asarray(row, dtype=float) - 1.0).sum(axis=1) < np.reshape(tolerance, -1)
