"""Operating costs: compute (existing fleet, power, fixed opex) and other opex [US$ bn]."""
from __future__ import annotations

import numpy as np

__all__ = ["power_cost", "per_gw_cost", "share_of"]


def power_cost(online_gw, utilisation_fraction, pue, hours_per_year, price_usd_per_mwh,
               usd_per_usd_bn_mwh_per_gwh) -> np.ndarray:
    """Electricity bought for owned capacity [US$ bn].

    cost = GW x utilisation x PUE x hours x $/MWh / 1e6   (GWh x 1,000 MWh/GWh / 1e9 $/$bn).
    """
    return online_gw * utilisation_fraction * pue * hours_per_year * price_usd_per_mwh / usd_per_usd_bn_mwh_per_gwh


def per_gw_cost(gw, usd_bn_per_gw_year) -> np.ndarray:
    """A cost proportional to capacity: GW x US$ bn per GW-year [US$ bn]."""
    return gw * usd_bn_per_gw_year


def share_of(base, fraction) -> np.ndarray:
    """A cost given as a share of another line (e.g. of revenue) [unit of base]."""
    return base * fraction
