"""Operating costs: compute (existing fleet, power, fixed opex) and other opex [US$ bn]."""
from __future__ import annotations

import numpy as np

from .elementwise import elementwise, power

__all__ = ["power_cost", "per_gw_cost", "share_of", "capital_charge", "capital_charges"]


@elementwise
def power_cost(used_gw, pue, hours_per_year, price_usd_per_mwh, usd_per_usd_bn_mwh_per_gwh) -> np.ndarray:
    """Electricity bought for owned capacity in use [US$ bn].

    cost = GW used x PUE x hours x $/MWh / 1e6   (GWh x 1,000 MWh/GWh / 1e9 $/$bn).
    """
    return used_gw * pue * hours_per_year * price_usd_per_mwh / usd_per_usd_bn_mwh_per_gwh


@elementwise
def per_gw_cost(gw, usd_bn_per_gw_year) -> np.ndarray:
    """A cost proportional to capacity: GW x US$ bn per GW-year [US$ bn]."""
    return gw * usd_bn_per_gw_year


@elementwise
def capital_charge(unit_cost, rate, life_years) -> np.ndarray:
    """Capital cost per year of an asset: cost x capital recovery factor r / (1 - (1+r)^-L)
    (cost / L at r = 0) [US$ bn per year]."""
    rate = np.asarray(rate, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        crf = np.where(rate == 0, 1.0 / life_years,
                       rate / np.where(rate == 0, 1.0, 1.0 - power(1.0 + rate, -np.asarray(life_years, dtype=float))))
    return unit_cost * crf


@elementwise
def capital_charges(rate, **components) -> np.ndarray:
    """Sum of :func:`capital_charge` over components given as ``u_<name>`` (cost per GW) and
    ``l_<name>`` (life) keyword pairs [US$ bn per GW-year]."""
    total = 0.0
    for key, cost in components.items():
        if key.startswith("u_"):
            total = total + capital_charge(cost, rate, components["l_" + key[2:]])
    return total


@elementwise
def share_of(base, fraction) -> np.ndarray:
    """A cost given as a share of another line (e.g. of revenue) [unit of base]."""
    return base * fraction
