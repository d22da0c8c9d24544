"""Summary statistics of Monte Carlo output, each with its sampling uncertainty.

The "analyse" step: pure functions of arrays of draws, vectorised over columns (axis 0 is
the draw, axis 1 — if present — an output such as a year or a metric). The statistics are
scipy's: the order-statistic interval of ``scipy.stats.quantile_test(...)
.confidence_interval()``, ``scipy.stats.sem`` and ``binomtest(...).proportion_ci("wilson")``;
this module validates the draws and applies them column-wise.

Valid draws only
----------------
These functions do not drop NaN. A draw for which the engine returned NaN (e.g. an IRR
that does not exist) is a fact to report, not to average over silently: the caller decides
— typically ``x[np.isfinite(x)]`` per output, plus a count of the excluded draws — and
passes only valid draws. NaN input raises ``ValueError``; so does an empty input.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

try:  # the Boost quantiles that scipy.stats.binom's ppf and isf call, without importing
    from scipy.special._ufuncs import _binom_isf, _binom_ppf  # scipy.stats (~0.45 s)
except ImportError:  # pragma: no cover - a scipy without them: scipy.stats' own methods
    _binom_ppf = _binom_isf = None

__all__ = [
    "DEFAULT_PERCENTILES", "PercentileTable", "MeanEstimate", "ProbabilityEstimate",
    "percentiles", "quantile_interval_ranks", "mean_with_se", "probability", "probability_of_counts",
]

#: Percentiles reported by default [%].
DEFAULT_PERCENTILES = (5, 10, 25, 50, 75, 90, 95)


@dataclass(frozen=True)
class PercentileTable:
    """Percentile estimates with distribution-free confidence intervals.

    Attributes
    ----------
    q : ndarray, shape (p,)
        Percentiles [%].
    estimate : ndarray, shape (p,) or (p, m)
        Sample percentiles (linear interpolation, as numpy's default and Excel's
        ``PERCENTILE.INC``) [unit of x].
    lower, upper : ndarray, same shape as ``estimate``
        Confidence bounds [unit of x]; ``-inf``/``+inf`` where ``n`` is too small for the
        requested confidence at that percentile.
    confidence : float
        Nominal coverage of each interval [-].
    n : int
        Number of draws used.
    lower_rank, upper_rank : ndarray of int, shape (p,)
        1-based order statistics used as bounds (0 / n+1 mean unbounded).
    """

    q: np.ndarray
    estimate: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    confidence: float
    n: int
    lower_rank: np.ndarray
    upper_rank: np.ndarray


@dataclass(frozen=True)
class MeanEstimate:
    """Sample mean and its standard error.

    Attributes
    ----------
    mean : float or ndarray, shape (m,)
        Sample mean [unit of x].
    se : float or ndarray, shape (m,)
        Standard error ``s / sqrt(n)`` with ``s`` the ``ddof=1`` standard deviation
        [unit of x]; NaN when ``n == 1``.
    n : int
        Number of draws.
    """

    mean: float | np.ndarray
    se: float | np.ndarray
    n: int

    def interval(self, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """Normal-approximation interval ``mean ± z se`` [unit of x]."""
        z = special.ndtri(0.5 + 0.5 * _check_confidence(confidence))
        return self.mean - z * self.se, self.mean + z * self.se


@dataclass(frozen=True)
class ProbabilityEstimate:
    """Estimated probability of an event with a Wilson score interval.

    Attributes
    ----------
    estimate : float or ndarray, shape (m,)
        Share of draws where the event occurred [-].
    lower, upper : float or ndarray, shape (m,)
        Wilson score confidence bounds [-], within [0, 1].
    count : int or ndarray, shape (m,)
        Number of draws where the event occurred.
    n : int
        Number of draws.
    confidence : float
        Nominal coverage [-].
    """

    estimate: float | np.ndarray
    lower: float | np.ndarray
    upper: float | np.ndarray
    count: int | np.ndarray
    n: int
    confidence: float


def _check_confidence(confidence: float) -> float:
    if isinstance(confidence, bool) or not 0.0 < float(confidence) < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return float(confidence)


def _check_draws(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D (draws) or 2-D (draws, outputs), got {x.ndim}-D")
    if x.shape[0] == 0 or x.size == 0:
        raise ValueError(f"{name} is empty: no valid draws to summarise")
    return x


def _check_values(x: np.ndarray) -> np.ndarray:
    x = _check_draws(x, "x")
    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise ValueError(f"x must be real numbers, got dtype {x.dtype}")
    x = x.astype(float, copy=False)
    if np.isnan(x).any():
        raise ValueError("x contains NaN: pass only valid draws (e.g. x[np.isfinite(x)]) and "
                         "report how many were excluded")
    return x


def percentiles(
    x: np.ndarray,
    qs: Sequence[float] = DEFAULT_PERCENTILES,
    confidence: float = 0.95,
) -> PercentileTable:
    """Sample percentiles with distribution-free (order-statistic) confidence intervals.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, m)
        Valid draws of one output, or of ``m`` outputs column-wise [unit of x].
    qs : sequence of float, default (5, 10, 25, 50, 75, 90, 95)
        Percentiles in [0, 100] [%].
    confidence : float, default 0.95
        Nominal coverage of each interval, in (0, 1) [-].

    Returns
    -------
    PercentileTable

    Raises
    ------
    ValueError
        Empty input, NaN in ``x``, percentiles outside [0, 100], confidence outside (0, 1).

    Notes
    -----
    Estimates are ``numpy.percentile`` (linear). Each interval is that of
    ``scipy.stats.quantile_test(x, p=q/100).confidence_interval(confidence)`` (two-sided,
    equal-tailed order statistics from ``B ~ Bin(n, p)``, the number of draws below the true
    quantile), so it covers the true quantile of a continuous distribution with probability
    at least ``confidence`` whatever the distribution; see :func:`quantile_interval_ranks`.

    Examples
    --------
    >>> t = percentiles(np.arange(1000.0), qs=(50,))
    >>> float(t.estimate[0]), float(t.lower[0]), float(t.upper[0])
    (499.5, 468.0, 531.0)
    """
    x = _check_values(x)
    confidence = _check_confidence(confidence)
    q = np.asarray(qs, dtype=float).reshape(-1)
    if q.size == 0 or np.isnan(q).any() or (q < 0).any() or (q > 100).any():
        raise ValueError(f"percentiles must lie in [0, 100], got {list(qs)!r}")
    n = x.shape[0]
    s = np.sort(x, axis=0)
    estimate = np.percentile(s, q, axis=0)
    lower_rank, upper_rank = quantile_interval_ranks(n, q / 100.0, confidence)
    lower = np.where(_expand(lower_rank >= 1, x), s[np.clip(lower_rank - 1, 0, n - 1)], -np.inf)
    upper = np.where(_expand(upper_rank <= n, x), s[np.clip(upper_rank - 1, 0, n - 1)], np.inf)
    return PercentileTable(q, estimate, lower, upper, confidence, n, lower_rank, upper_rank)


def quantile_interval_ranks(n: int, p: np.ndarray, confidence: float
                            ) -> tuple[np.ndarray, np.ndarray]:
    """1-based order statistics that bound the two-sided interval of ``scipy.stats.quantile_test``.

    Parameters
    ----------
    n : int
        Number of draws.
    p : ndarray, shape (k,)
        Quantiles as fractions in [0, 1] [-].
    confidence : float
        Nominal coverage in (0, 1) [-].

    Returns
    -------
    lower_rank, upper_rank : ndarray of int, shape (k,)
        ``quantile_test(x, p=p).confidence_interval(confidence)`` is
        ``(x_(lower_rank), x_(upper_rank))`` of the sorted draws; rank 0 or ``n + 1`` means
        unbounded (scipy returns NaN there, :func:`percentiles` ``-inf``/``+inf``).

    Notes
    -----
    The same ranks as scipy's ``QuantileTestResult.confidence_interval`` (``binom(n, p).ppf``
    and ``.isf`` of ``(1 - confidence)/2``), computed once for every ``p``: calling
    ``quantile_test`` per percentile re-sorts the draws each time, 6-7x slower for the 7
    percentiles of each Monte Carlo output (0.44 s against 0.06 s at 1,000,000 draws,
    ``benchmarks/stats.py``).
    ``tests/sensitivity/test_stats.py`` checks the bounds against ``quantile_test``.
    """
    tail = (1.0 - confidence) / 2.0
    if _binom_ppf is None:  # pragma: no cover - see the import
        from scipy.stats import binom
        return binom.ppf(tail, n, p).astype(int), binom.isf(tail, n, p).astype(int) + 1
    # what binom.ppf and binom.isf compute for 0 < tail < 1 and 0 <= p <= 1 (their checks
    # and "+ loc" change nothing there); tests/sensitivity/test_stats.py compares them
    p = np.asarray(p, dtype=float)
    return _binom_ppf(tail, n, p).astype(int), _binom_isf(tail, n, p).astype(int) + 1


def _expand(flags: np.ndarray, x: np.ndarray) -> np.ndarray:
    return flags.reshape((-1,) + (1,) * (x.ndim - 1))


def mean_with_se(x: np.ndarray) -> MeanEstimate:
    """Sample mean and its standard error.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, m)
        Valid draws [unit of x].

    Returns
    -------
    MeanEstimate
        ``mean``, ``se = std(x, ddof=1) / sqrt(n)`` (NaN for ``n == 1``), ``n``; scalars for
        1-D input, arrays of shape (m,) for 2-D.

    Raises
    ------
    ValueError
        Empty input or NaN in ``x``.

    Examples
    --------
    >>> e = mean_with_se([1.0, 2.0, 3.0, 4.0])
    >>> float(e.mean), round(float(e.se), 4)
    (2.5, 0.6455)
    """
    x = _check_values(x)
    n = x.shape[0]
    mean = x.mean(axis=0)
    se = np.std(x, axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full_like(mean, np.nan)  # scipy.stats.sem
    if x.ndim == 1:
        return MeanEstimate(float(mean), float(se), n)
    return MeanEstimate(mean, se, n)


def probability(mask: np.ndarray, confidence: float = 0.95) -> ProbabilityEstimate:
    """Probability of an event from a boolean mask of draws, with a Wilson score interval.

    Parameters
    ----------
    mask : array_like of bool, shape (n,) or (n, m)
        True where the event occurred (e.g. ``npv < 0``), for valid draws only.
    confidence : float, default 0.95
        Nominal coverage, in (0, 1) [-].

    Returns
    -------
    ProbabilityEstimate

    Raises
    ------
    ValueError
        Empty input, non-boolean mask, confidence outside (0, 1).

    Notes
    -----
    Each column's interval is ``scipy.stats.binomtest(k, n).proportion_ci(confidence,
    method="wilson")`` (Wilson 1927): unlike ``p ± z se`` it stays in [0, 1] and is sensible
    at k = 0 or n.

    Examples
    --------
    >>> e = probability(np.arange(263) < 81)   # Newcombe (1998), example (a)
    >>> round(float(e.lower), 4), round(float(e.upper), 4)
    (0.2553, 0.3662)
    """
    mask = _check_draws(mask, "mask")
    if mask.dtype != np.bool_:
        raise ValueError(f"mask must be boolean (e.g. npv < 0), got dtype {mask.dtype}")
    return probability_of_counts(mask.sum(axis=0), mask.shape[0], confidence)


def probability_of_counts(count: int | np.ndarray, n: int, confidence: float = 0.95) -> ProbabilityEstimate:
    """:func:`probability` from counts (draws with the event, draws counted), as a Monte Carlo
    counting block by block has them; a scalar ``count`` gives scalars, an array arrays.

    Examples
    --------
    >>> e = probability_of_counts(81, 263)   # Newcombe (1998), example (a)
    >>> round(float(e.lower), 4), round(float(e.upper), 4)
    (0.2553, 0.3662)
    """
    confidence = _check_confidence(confidence)
    if isinstance(n, bool) or int(n) < 1:
        raise ValueError(f"n must be at least 1: no valid draws to summarise (got {n!r})")
    n = int(n)
    scalar = np.ndim(count) == 0
    count = np.asarray(count)
    cis = [_wilson(int(k), n, confidence) for k in np.atleast_1d(count)]
    lower = np.array([ci[0] for ci in cis], dtype=float)
    upper = np.array([ci[1] for ci in cis], dtype=float)
    if scalar:
        return ProbabilityEstimate(float(count / n), float(lower[0]), float(upper[0]),
                                   int(count), n, confidence)
    return ProbabilityEstimate(count / n, lower, upper, count, n, confidence)


def _wilson(k: int, n: int, confidence: float) -> tuple[float, float]:
    """``scipy.stats.binomtest(k, n).proportion_ci(confidence, method="wilson")`` as (low,
    high), bit for bit: the same formula (Newcombe 1998) in the same order as scipy's
    ``_binom_wilson_conf_int`` (two-sided, no continuity correction), without importing
    scipy.stats; tests/sensitivity/test_stats.py compares them."""
    p = k / n
    z = special.ndtri(0.5 + 0.5 * confidence)
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    q = 1 - p
    delta = z / denom * math.sqrt(4 * n * p * q + z**2)
    lo = 0.0 if k == 0 else center - delta
    hi = 1.0 if k == n else center + delta
    return float(lo), float(hi)
