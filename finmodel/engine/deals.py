"""Deals over time: each deal's share in each year from its start, term, ramp and delay, and
what follows from it (GW added, take-or-pay payments, renewals) [fractions, GW, US$ bn].

A deal's term year ("age") in calendar year y is ``age = y - start - delay``; its share is the
ramp's weight for that age divided by the weights' sum, for 0 <= age < term. Nothing is cut at
the timeline's edges: a deal that started before the first year keeps its shares for the
years before (they are reported, not dropped), and parts pushed past the horizon are reported.

Ramps (weights w(age), age = 0..term-1):
  linear   w = 1                 share = 1 / term
  front    w = term - age        share = 2 (term - age) / (term (term + 1))
  back     w = age + 1           share = 2 (age + 1) / (term (term + 1))
  explicit w = the deal's own shares by term year (summing to 1)
"""
from __future__ import annotations

import numpy as np

from .elementwise import by_distinct_rows, elementwise, power

__all__ = ["RAMP_SHARE", "RAMP_PEAK", "RAMP_LAST", "RAMP_CUMULATIVE", "age", "in_term",
           "effective", "delayed_end_year", "scaled", "contract_payment", "renewed_share",
           "renewal_payment", "gw_in_use", "outside_share"]


@elementwise
def age(year, start_year, delay_years) -> np.ndarray:
    """Term year of the deal in each calendar year: year - start - delay [years]."""
    return year - start_year - delay_years


@elementwise
def in_term(a, term_years) -> np.ndarray:
    """1 where 0 <= age < term, else 0 [flag]."""
    return ((a >= 0) & (a < term_years)).astype(float)


@elementwise
def _linear(a, term_years, shares=None):
    return in_term(a, term_years) / term_years


@elementwise
def _front(a, term_years, shares=None):
    return in_term(a, term_years) * 2.0 * (term_years - a) / (term_years * (term_years + 1.0))


@elementwise
def _back(a, term_years, shares=None):
    return in_term(a, term_years) * 2.0 * (a + 1.0) / (term_years * (term_years + 1.0))


def _explicit(a, term_years, shares):
    """Shares by term year: ``shares`` (n|1, K) with K >= term, the first column year 1."""
    shares = np.asarray(shares, dtype=float)
    a = np.asarray(a, dtype=float)
    n = max(a.shape[0], shares.shape[0])
    # the year's index; a NaN age (outside every term, so its share is 0) takes the first (fmax)
    idx = np.minimum(np.fmax(np.broadcast_to(a, (n, a.shape[1])), 0.0), shares.shape[1] - 1).astype(np.intp)
    taken = np.take_along_axis(np.broadcast_to(shares, (n, shares.shape[1])), idx, axis=1)
    return in_term(a, term_years) * taken


def _by_delay(ramp_share):
    """A ramp's share computed once per distinct term-year row (one per distinct delay in a
    batch) and gathered: :func:`engine.elementwise.by_distinct_rows` (the same numbers)."""
    def share(a, term_years, shares=None):
        return by_distinct_rows(ramp_share, a, term_years, shares)
    share.__name__ = share.__qualname__ = ramp_share.__name__
    share.__doc__ = ramp_share.__doc__
    share.elementwise = getattr(ramp_share, "elementwise", False)
    return share


RAMP_SHARE = {"linear": _by_delay(_linear), "front": _by_delay(_front), "back": _by_delay(_back),
              "explicit": _by_delay(_explicit)}


def _last_explicit(term_years, shares):
    shares = np.asarray(shares, dtype=float)
    idx = np.clip(np.asarray(term_years, dtype=float) - 1, 0, shares.shape[1] - 1).astype(np.intp)
    idx = np.broadcast_to(idx, (max(idx.shape[0], shares.shape[0]), 1))
    return np.take_along_axis(np.broadcast_to(shares, (idx.shape[0], shares.shape[1])), idx, axis=1)


# The largest yearly share (a cloud deal's capacity is in use in full that year) and the last
# term year's share (what a renewal re-contracts each year) [fraction].
RAMP_PEAK = {"linear": lambda term_years, shares=None: 1.0 / term_years,
             "front": lambda term_years, shares=None: 2.0 / (term_years + 1.0),
             "back": lambda term_years, shares=None: 2.0 / (term_years + 1.0),
             "explicit": lambda term_years, shares: np.max(shares, axis=1, keepdims=True)}
RAMP_LAST = {"linear": lambda term_years, shares=None: 1.0 / term_years,
             "front": lambda term_years, shares=None: 2.0 / (term_years * (term_years + 1.0)),
             "back": lambda term_years, shares=None: 2.0 / (term_years + 1.0),
             "explicit": _last_explicit}


def _cum_explicit(k, term_years, shares):
    shares = np.asarray(shares, dtype=float)
    csum = np.concatenate([np.zeros_like(shares[:, :1]), np.cumsum(shares, axis=1)], axis=1)
    idx = np.clip(np.asarray(k, dtype=float), 0, shares.shape[1]).astype(np.intp)
    idx = np.broadcast_to(idx, (max(idx.shape[0], csum.shape[0]), idx.shape[1]))
    return np.take_along_axis(np.broadcast_to(csum, (idx.shape[0], csum.shape[1])), idx, axis=1)


# Share of the deal in its first k term years, 0 <= k <= term [fraction].
RAMP_CUMULATIVE = {
    "linear": lambda k, term_years, shares=None: k / term_years,
    "front": lambda k, term_years, shares=None: k * (2.0 * term_years - k + 1.0) / (term_years * (term_years + 1.0)),
    "back": lambda k, term_years, shares=None: k * (k + 1.0) / (term_years * (term_years + 1.0)),
    "explicit": _cum_explicit,
}


def outside_share(ramp: str, start_year, term_years, delay_years, first_year, last_year,
                  shares=None) -> tuple[np.ndarray, np.ndarray]:
    """(share before the first year, share after the last year) of a deal [fraction]."""
    cum = RAMP_CUMULATIVE[ramp]
    before = np.clip(first_year - start_year - delay_years, 0, term_years)
    through = np.clip(last_year - start_year - delay_years + 1, 0, term_years)
    return cum(before, term_years, shares), 1.0 - cum(through, term_years, shares)


def effective(own_or_status, scenario_factor) -> np.ndarray:
    """A deal's effective value from its own (or its status's) value and a scenario lever:
    own x factor for realisation, own + extra for delay (see the callers) [-]."""
    return own_or_status * scenario_factor


@elementwise
def delayed_end_year(start_year, term_years, delay_years) -> np.ndarray:
    """Last calendar year of the delayed term: start + delay + term - 1 [year]."""
    return start_year + delay_years + term_years - 1.0


@elementwise
def scaled(amount, realisation_fraction, share) -> np.ndarray:
    """A deal's amount in each period: amount x realisation x share [unit of amount]."""
    return (amount * realisation_fraction) * share


@elementwise
def contract_payment(value_usd_bn, realisation_fraction, share, price_factor) -> np.ndarray:
    """Take-or-pay payment: value x realisation x share x price factor (1 = as signed) [US$ bn]."""
    return (value_usd_bn * realisation_fraction * price_factor) * share


@elementwise
def renewed_share(renew_cloud, year, end_year, last_share) -> np.ndarray:
    """Share re-contracted each year after the (delayed) term when renewal is on: the last term
    year's share again [fraction of value]."""
    return ((np.asarray(renew_cloud) > 0) & (year > end_year)) * last_share


@elementwise
def renewal_payment(value_usd_bn, realisation_fraction, renewed, price_factor, escalator_per_year,
                    year, end_year) -> np.ndarray:
    """Payment for renewed capacity: the contract's last-year price x a renewal price factor,
    escalated each year after the first renewal year [US$ bn].

    pay(t) = value x realisation x renewed(t) x factor x (1 + esc)^max(0, year - end - 1)
    """
    return _times_into((value_usd_bn * realisation_fraction * price_factor) * renewed,
                       _escalation(escalator_per_year, year, end_year))


def _times_into(x, y):
    """x * y, written into x when x is a float array of the product's shape (one pass, no new
    array; the same numbers)."""
    if isinstance(x, np.ndarray) and x.dtype == np.float64 and x.shape == np.broadcast_shapes(x.shape, np.shape(y)):
        return np.multiply(x, y, out=x)
    return x * y


def _escalation(escalator_per_year, year, end_year) -> np.ndarray:
    """(1 + esc)^max(0, year - end - 1). A row depends only on its end year (the delay takes a
    handful of values across a batch): with one escalator, the power is taken once per distinct
    end year and gathered (:func:`engine.elementwise.by_distinct_rows`: the same numbers)."""
    return by_distinct_rows(_escalation_by_end, np.asarray(end_year, dtype=float), escalator_per_year, year)


def _escalation_by_end(end_year, escalator_per_year, year) -> np.ndarray:
    return power(1.0 + np.asarray(escalator_per_year, dtype=float), np.maximum(year - end_year - 1.0, 0.0))


@elementwise
def gw_in_use(capacity_gw, realisation_fraction, share, peak_share) -> np.ndarray:
    """Cloud capacity in use: payments are proportional to capacity in use, so the year with
    the largest share uses the full contracted capacity [GW].

    gw(t) = capacity x realisation x share(t) / peak share
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        peak = np.asarray(peak_share, dtype=float)
        used = (capacity_gw * realisation_fraction) * share
        if np.all(peak > 0):  # np.where would take the quotient everywhere
            if isinstance(used, np.ndarray) and used.shape == np.broadcast_shapes(used.shape, peak.shape):
                return np.divide(used, peak, out=used)
            return used / peak
        return np.where(peak > 0, used / np.where(peak > 0, peak, 1.0), 0.0)
