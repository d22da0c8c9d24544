"""Input distributions for sensitivity and Monte Carlo analysis, as validated data.

Each distribution is a frozen pydantic model, tagged by its ``dist`` field, so a YAML
assumption such as ``{dist: triangular, low: 8.0, mode: 10.0, high: 15.0}`` loads straight
into :class:`Triangular` through :func:`parse_dist`. Models hold parameters only; the maths
is scipy's: :meth:`frozen` gives the ``scipy.stats`` frozen distribution, and the vectorised
inverse CDF :meth:`ppf` — which turns uniforms in (0, 1) into draws, so Latin hypercube
sampling and copulas treat every distribution alike — :meth:`mean` and :meth:`var` are its.
Two exceptions, each measured or explained where it is defined: the PERT's :meth:`Pert.ppf`
interpolates a table of scipy's Beta quantiles, and :meth:`Discrete.ppf` searches the
normalised cumulative probabilities.

All parameters are in the unit of the variable being described (e.g. [USD bn] for a capex
input), except ``sigma`` of the log-normal (the standard deviation of ``ln X`` [-]),
``lamb`` of the PERT [-] and ``probabilities`` [-].

YAML shapes (``mean``/``sd`` always describe the variable itself)::

    {dist: normal, mean: .., sd: ..}                       # optional: low: .., high: ..
    {dist: lognormal, median: .., sigma: ..}               # or: {dist: lognormal, mean: .., sd: ..}
    {dist: triangular, low: .., mode: .., high: ..}
    {dist: pert, low: .., mode: .., high: ..}              # optional: lamb: 4
    {dist: uniform, low: .., high: ..}
    {dist: discrete, values: [..], probabilities: [..]}

Numbers are strict: booleans, strings, NaN and infinities are rejected. Every parameter
problem is reported at the offending field (``exc.errors()[i]["loc"]`` ends with its YAML key),
all problems of one distribution together.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter
from pydantic import ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError
from scipy import special

from finmodel.lazy import lazy_module

try:  # the Boost quantile scipy.stats.beta's ppf calls, without importing scipy.stats
    from scipy.special._ufuncs import _beta_ppf
except ImportError:  # pragma: no cover - a scipy without it: scipy.stats' own method
    _beta_ppf = None

if TYPE_CHECKING:
    from scipy.stats.distributions import rv_frozen

# scipy.stats (~0.45 s to import) only for frozen(), mean() and var(): a Monte Carlo's draws
# (ppf) need scipy.special alone
stats = lazy_module("scipy.stats")

__all__ = [
    "DistKind", "Normal", "LogNormal", "Triangular", "Pert", "Uniform", "Discrete", "Dist",
    "DIST_MODELS", "DIST_ADAPTER", "parse_dist", "MIN_TRUNCATED_MASS", "PROBABILITY_SUM_TOL",
]

#: Smallest probability [-] the parent normal may give a truncation interval. Below it the
#: bounds are almost certainly a typo (e.g. a unit slip), so they are rejected.
MIN_TRUNCATED_MASS = 1e-9

#: Largest accepted deviation [-] of ``sum(probabilities)`` from 1 for :class:`Discrete`.
PROBABILITY_SUM_TOL = 1e-9

# A number in the variable's unit: a real, finite float (ints accepted, bools rejected).
Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Positive = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0)]
NonNegative = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0)]


#: Largest magnitude of any distribution parameter (mean, sd, low, mode, high, median) [unit
#: of the variable]: US$ bn, GW and fractions never come near it; beyond it draws overflow.
MAX_PARAMETER = 1e9
#: Largest ``sigma`` of a lognormal [-] (its 1e-9 tails span a factor e^(12 sigma)).
MAX_SIGMA = 5.0
#: Largest magnitude of a draw at the tails (:data:`TAIL`) [unit of the variable].
MAX_DRAW = 1e12
#: The tail probability at which draws are checked to be finite and within :data:`MAX_DRAW`.
TAIL = 1e-9


class DistKind(str, Enum):
    """The distribution families; the value is the YAML ``dist`` tag."""

    NORMAL = "normal"
    LOGNORMAL = "lognormal"
    TRIANGULAR = "triangular"
    PERT = "pert"
    UNIFORM = "uniform"
    DISCRETE = "discrete"


def _g(x: float) -> str:
    """Format a parameter for an error message."""
    return f"{x:g}"


class _Distribution(BaseModel):
    """Shared behaviour: strict frozen data, located cross-field checks, and ppf, mean and var
    from the scipy frozen distribution (:meth:`frozen`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", serialize_by_alias=True)

    kind: ClassVar[DistKind]

    def _problems(self) -> list[tuple[str, str]]:
        """Cross-field problems as ``(attribute name, message)``; empty when samplable."""
        return []

    @model_validator(mode="after")
    def _check_parameters(self) -> _Distribution:
        problems = self._magnitude_problems() or self._problems() or self._tail_problems()
        if problems:
            fields = type(self).model_fields
            details = [
                InitErrorDetails(
                    type=PydanticCustomError("invalid_parameter", "{reason}", {"reason": msg}),
                    loc=(fields[attr].alias or attr,),
                    input=getattr(self, attr),
                )
                for attr, msg in problems
            ]
            raise ValidationError.from_exception_data(type(self).__name__, details)
        return self

    def _numbers(self) -> list[tuple[str, float]]:
        """(attribute, value) of every number parameter that is set."""
        out = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            for v in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    out.append((name, v))
        return out

    def _magnitude_problems(self) -> list[tuple[str, str]]:
        """Every parameter within +-:data:`MAX_PARAMETER` (and lognormal's sigma within
        :data:`MAX_SIGMA`): beyond, the draws overflow before any bound could catch them."""
        out = [(name, f"{_g(v)} is outside the bounds of a distribution parameter, "
                      f"+-{_g(MAX_PARAMETER)}") for name, v in self._numbers() if abs(v) > MAX_PARAMETER]
        out = list(dict(out).items())  # one problem per parameter (a list has many numbers)
        sigma = getattr(self, "sigma", None)
        if not out and sigma is not None and sigma > MAX_SIGMA:
            out.append(("sigma", f"sigma {_g(sigma)} is above {_g(MAX_SIGMA)}, the widest lognormal "
                                 "that can be sampled"))
        return out

    def _tail_problems(self) -> list[tuple[str, str]]:
        """The draws at the 1e-9 tails are finite numbers within +-:data:`MAX_DRAW`, computed
        without a numeric warning (an overflow would be a wrong draw, not an error)."""
        import warnings
        try:
            with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
                warnings.simplefilter("error", RuntimeWarning)
                tails = self.ppf(np.array([TAIL, 0.5, 1 - TAIL]))
        except (ArithmeticError, ValueError, RuntimeWarning) as exc:
            return [(self._numbers()[-1][0], f"these parameters cannot be sampled ({exc})")]
        if not np.all(np.isfinite(tails)) or np.max(np.abs(tails)) > MAX_DRAW:
            return [(self._numbers()[-1][0],
                     f"draws reach {_g(float(np.max(np.abs(tails))))} at the {TAIL:g} tails: beyond "
                     f"+-{_g(MAX_DRAW)}, the largest value an input can take")]
        return []

    def frozen(self) -> rv_frozen:  # pragma: no cover - abstract
        """The ``scipy.stats`` frozen distribution with these parameters."""
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF of uniforms ``u`` in (0, 1).

        Parameters
        ----------
        u : ndarray
            Probabilities in the open interval (0, 1) [-], any shape.

        Returns
        -------
        ndarray
            Draws, same shape as ``u`` [unit of the variable]: ``frozen().ppf(u)`` kept within
            :meth:`support` (``loc + scale * x`` may round one unit past a bound);
            non-decreasing in ``u`` up to floating-point rounding.
        """
        return np.clip(self.frozen().ppf(np.asarray(u, dtype=float)), *self.support())

    def mean(self) -> float:
        """Expected value [unit of the variable]."""
        return float(self.frozen().mean())

    def var(self) -> float:
        """Variance [unit of the variable squared]."""
        return float(self.frozen().var())

    def support(self) -> tuple[float, float]:  # pragma: no cover - abstract
        """Smallest and largest possible value [unit of the variable], exactly as given; may
        be infinite."""
        raise NotImplementedError


class Normal(_Distribution):
    """Normal distribution, optionally truncated to ``[low, high]``.

    Parameters
    ----------
    mean : float
        Mean of the (parent, untruncated) normal [unit of the variable]. YAML key ``mean``;
        the Python attribute is ``mean_value`` because :meth:`mean` is the moment.
    sd : float
        Standard deviation of the parent normal, > 0 [unit of the variable].
    low, high : float, optional
        Truncation bounds [unit of the variable]; either, both or neither. The interval must
        carry at least :data:`MIN_TRUNCATED_MASS` of the parent's probability.

    Notes
    -----
    ``scipy.stats.norm(mean, sd)``, or ``scipy.stats.truncnorm(a, b, loc=mean, scale=sd)``
    with standardised bounds :math:`a = (low - mean)/sd`, :math:`b = (high - mean)/sd`. When
    truncated, :meth:`mean` and :meth:`var` are those of the truncated distribution, not
    ``mean`` and ``sd**2``.

    Examples
    --------
    >>> np.round(Normal(mean=10.0, sd=2.0, low=0.0).ppf(np.array([0.025, 0.5])), 4).tolist()
    [6.0801, 10.0]
    """

    kind: ClassVar[DistKind] = DistKind.NORMAL
    dist: Literal[DistKind.NORMAL] = DistKind.NORMAL
    mean_value: Finite = Field(alias="mean")
    sd: Positive
    low: Finite | None = None
    high: Finite | None = None

    def _standard_bounds(self) -> tuple[float, float]:
        a = -math.inf if self.low is None else (self.low - self.mean_value) / self.sd
        b = math.inf if self.high is None else (self.high - self.mean_value) / self.sd
        return a, b

    def _mass(self) -> float:
        a, b = self._standard_bounds()
        if a > 0:  # through survival probabilities: precise in the upper tail (norm.sf is ndtr(-x))
            return float(special.ndtr(-a) - special.ndtr(-b))
        return float(special.ndtr(b) - special.ndtr(a))

    def _problems(self) -> list[tuple[str, str]]:
        if self.low is not None and self.high is not None and not self.low < self.high:
            return [("high", f"high ({_g(self.high)}) must be greater than low ({_g(self.low)})")]
        mass = self._mass()
        if mass < MIN_TRUNCATED_MASS:
            a, _ = self._standard_bounds()
            attr = "low" if a > 0 else "high"
            return [(attr, (
                f"truncation interval [{_g(self.low if self.low is not None else -math.inf)}, "
                f"{_g(self.high if self.high is not None else math.inf)}] has probability "
                f"{mass:.3g} under normal(mean={_g(self.mean_value)}, sd={_g(self.sd)}); "
                f"{attr} is outside the distribution's effective support (check the bounds "
                "and their unit)"))]
        return []

    def frozen(self) -> rv_frozen:
        if self.low is None and self.high is None:
            return stats.norm(self.mean_value, self.sd)
        return stats.truncnorm(*self._standard_bounds(), loc=self.mean_value, scale=self.sd)

    def mean(self) -> float:
        """``frozen().mean()`` bit for bit without scipy.stats: ``0 * sd + mean``; truncated,
        scipy's ``truncnorm._stats``: ``(pdf(a) - pdf(b)) * sd + mean`` with the truncated
        density ``exp(-x**2/2 - log(sqrt(2 pi)) - log mass)``."""
        if self.low is None and self.high is None:
            return float((_one(0.0) * self.sd + self.mean_value)[0])
        a, b = self._standard_bounds()
        ab = np.array([a, b])
        log_mass = _log_gauss_mass(_one(a), _one(b))
        with np.errstate(over="ignore", invalid="ignore"):
            pdf = np.exp(-ab**2 / 2.0 - _NORM_PDF_LOGC - log_mass)
        return float(((pdf[0] - pdf[1]) * _one(self.sd) + self.mean_value)[0])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """``frozen().ppf(u)`` bit for bit by scipy's formulas without its argument checks:
        untruncated ``ndtri(u) * sd + mean``; truncated :func:`_truncnorm_ppf` (scipy.stats'
        ``truncnorm._ppf``), then kept within the bounds as :meth:`_Distribution.ppf` does."""
        if self.low is not None or self.high is not None:
            x = _truncnorm_ppf(np.asarray(u, dtype=float), *self._standard_bounds())
            x *= self.sd
            x += self.mean_value
            return np.clip(x, *self.support())
        x = special.ndtri(np.asarray(u, dtype=float))
        x *= self.sd
        x += self.mean_value
        return x

    def support(self) -> tuple[float, float]:
        return (-math.inf if self.low is None else self.low,
                math.inf if self.high is None else self.high)


class LogNormal(_Distribution):
    """Log-normal distribution: ``ln X`` is normal, ``X > 0``.

    Give exactly one pair of parameters:

    * ``median`` [unit of the variable] and ``sigma`` [-]: ``ln X ~ N(ln median, sigma**2)``;
    * ``mean`` and ``sd`` of ``X`` itself [unit of the variable] (YAML keys ``mean``, ``sd``;
      Python attributes ``mean_value``, ``sd``), converted by
      ``sigma**2 = ln(1 + (sd/mean)**2)``, ``median = mean / sqrt(1 + (sd/mean)**2)``.

    Notes
    -----
    ``scipy.stats.lognorm(s=sigma, scale=median)``.

    Examples
    --------
    >>> round(LogNormal(median=2.0, sigma=0.5).mean(), 4)
    2.2663
    >>> [round(p, 4) for p in LogNormal(mean=2.0, sd=0.5).log_params()]
    [0.6628, 0.2462]
    """

    kind: ClassVar[DistKind] = DistKind.LOGNORMAL
    dist: Literal[DistKind.LOGNORMAL] = DistKind.LOGNORMAL
    median: Positive | None = None
    sigma: Positive | None = None
    mean_value: Positive | None = Field(default=None, alias="mean")
    sd: Positive | None = None

    def _problems(self) -> list[tuple[str, str]]:
        given = {a for a in ("median", "sigma", "mean_value", "sd") if getattr(self, a) is not None}
        quantile_pair, moment_pair = {"median", "sigma"}, {"mean_value", "sd"}
        if given & quantile_pair and given & moment_pair:
            return [("mean_value", "give either (median, sigma) or (mean, sd), not both")]
        if not given:
            return [("median", "required: give (median, sigma) or (mean, sd)"),
                    ("sigma", "required: give (median, sigma) or (mean, sd)")]
        pair = quantile_pair if given & quantile_pair else moment_pair
        partner = {"median": "sigma", "sigma": "median", "mean_value": "sd", "sd": "mean_value"}
        key = {"mean_value": "mean"}
        return [(m, f"required together with {key.get(partner[m], partner[m])}")
                for m in sorted(pair - given)]

    def log_params(self) -> tuple[float, float]:
        """Mean and standard deviation of ``ln X`` [-] (``ln X`` in log of the variable's unit)."""
        if self.median is not None:
            return math.log(self.median), float(self.sigma)
        cv2 = (self.sd / self.mean_value) ** 2
        s2 = math.log1p(cv2)
        return math.log(self.mean_value) - 0.5 * s2, math.sqrt(s2)

    def frozen(self) -> rv_frozen:
        mu, s = self.log_params()
        return stats.lognorm(s=s, scale=math.exp(mu))

    def mean(self) -> float:
        """``frozen().mean()`` bit for bit without scipy.stats (``lognorm._stats``:
        ``sqrt(exp(s**2)) * scale + 0``)."""
        mu, s = self.log_params()
        return float((np.sqrt(np.exp(_one(s) * s)) * math.exp(mu) + 0.0)[0])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """``frozen().ppf(u)`` bit for bit (scipy's ``exp(s * ndtri(u)) * scale + 0``)
        without its argument checks."""
        mu, s = self.log_params()
        x = special.ndtri(np.asarray(u, dtype=float))
        x *= s
        np.exp(x, out=x)
        x *= math.exp(mu)
        x += 0.0
        return np.clip(x, 0.0, math.inf, out=x)

    def support(self) -> tuple[float, float]:
        return 0.0, math.inf


class _Bounded(_Distribution):
    """A distribution on ``[low, high]``; checks ``low < high``."""

    def _problems(self) -> list[tuple[str, str]]:
        if not self.low < self.high:
            return [("high", f"high ({_g(self.high)}) must be greater than low ({_g(self.low)})")]
        return []

    def _mode_problems(self) -> list[tuple[str, str]]:
        if not self.low <= self.mode <= self.high:
            return [("mode", f"mode ({_g(self.mode)}) must lie in [low, high] = "
                             f"[{_g(self.low)}, {_g(self.high)}]")]
        return []

    def support(self) -> tuple[float, float]:
        return self.low, self.high


class Uniform(_Bounded):
    """Continuous uniform distribution on ``[low, high]`` [unit of the variable].

    Notes
    -----
    ``scipy.stats.uniform(loc=low, scale=high - low)``.
    """

    kind: ClassVar[DistKind] = DistKind.UNIFORM
    dist: Literal[DistKind.UNIFORM] = DistKind.UNIFORM
    low: Finite
    high: Finite

    def frozen(self) -> rv_frozen:
        return stats.uniform(loc=self.low, scale=self.high - self.low)

    def mean(self) -> float:
        """``frozen().mean()`` bit for bit without scipy.stats: ``0.5 * scale + loc``."""
        return float((_one(0.5) * (self.high - self.low) + self.low)[0])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """``frozen().ppf(u)`` bit for bit (scipy's ``u * scale + loc``) without its argument
        checks, kept within ``[low, high]``."""
        u = np.asarray(u, dtype=float)
        return np.clip(u * (self.high - self.low) + self.low, self.low, self.high)


class Triangular(_Bounded):
    """Triangular distribution with minimum ``low``, mode ``mode``, maximum ``high``.

    ``low <= mode <= high`` and ``low < high`` [unit of the variable].

    Notes
    -----
    ``scipy.stats.triang(c=(mode - low)/(high - low), loc=low, scale=high - low)``.
    """

    kind: ClassVar[DistKind] = DistKind.TRIANGULAR
    dist: Literal[DistKind.TRIANGULAR] = DistKind.TRIANGULAR
    low: Finite
    mode: Finite
    high: Finite

    def _problems(self) -> list[tuple[str, str]]:
        return super()._problems() + self._mode_problems()

    def frozen(self) -> rv_frozen:
        width = self.high - self.low
        return stats.triang(c=(self.mode - self.low) / width, loc=self.low, scale=width)

    def mean(self) -> float:
        """``frozen().mean()`` bit for bit without scipy.stats (``triang._stats``:
        ``(c + 1) / 3 * scale + loc``)."""
        width = self.high - self.low
        c = _one((self.mode - self.low) / width)
        return float(((c + 1.0) / 3.0 * width + self.low)[0])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """``frozen().ppf(u)`` bit for bit (scipy's ``triang._ppf`` formula, then
        ``* scale + loc``) without its argument checks: 2-3x faster; within ``[low, high]``."""
        u = np.asarray(u, dtype=float)
        width = self.high - self.low
        c = (self.mode - self.low) / width
        x = np.where(u < c, np.sqrt(c * u), 1 - np.sqrt((1 - c) * (1 - u)))
        x *= width
        x += self.low
        return np.clip(x, self.low, self.high, out=x)


#: scipy.stats' ``_norm_pdf_logC``: log of the normal density's constant sqrt(2 pi).
_NORM_PDF_LOGC = np.log(np.sqrt(2 * np.pi))


def _one(x: float) -> np.ndarray:
    """``x`` as a one-element array: scipy.stats computes moments on arrays, and numpy's array
    loops (exp, sqrt) may round differently from its scalar ones."""
    return np.array([x], dtype=float)


class _Pchip:
    """``scipy.interpolate.PchipInterpolator(x, y, extrapolate=True)`` for 1-D data, bit for
    bit, without importing scipy.interpolate (~0.14 s, with scipy.optimize): Fritsch-Carlson
    derivatives (weighted harmonic mean; Moler's one-sided ends), scipy's cubic Hermite
    coefficients, and PPoly's evaluation ``c3 + c2 s + c1 s**2 + c0 s**3`` in its order, on
    the interval ``x[i] <= v < x[i + 1]`` (the first and last extended outwards).
    tests/sensitivity/test_scipy_free.py compares it with scipy's."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        hk = x[1:] - x[:-1]
        mk = (y[1:] - y[:-1]) / hk
        if len(y) == 2:
            dk = np.array([mk[0], mk[0]])
        else:
            smk = np.sign(mk)
            condition = (smk[1:] != smk[:-1]) | (mk[1:] == 0) | (mk[:-1] == 0)
            w1 = 2 * hk[1:] + hk[:-1]
            w2 = hk[1:] + 2 * hk[:-1]
            with np.errstate(divide="ignore", invalid="ignore"):
                whmean = (w1 / mk[:-1] + w2 / mk[1:]) / (w1 + w2)
            dk = np.zeros_like(y)
            dk[1:-1][~condition] = 1.0 / whmean[~condition]
            dk[0] = self._edge(hk[0], hk[1], mk[0], mk[1])
            dk[-1] = self._edge(hk[-1], hk[-2], mk[-1], mk[-2])
        dx = np.diff(x)
        slope = np.diff(y) / dx
        t = (dk[:-1] + dk[1:] - 2 * slope) / dx
        self.x = x
        self.c = (t / dx, (slope - dk[:-1]) / dx - t, dk[:-1], y[:-1])

    @staticmethod
    def _edge(h0, h1, m0, m1) -> float:
        d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
        if np.sign(d) != np.sign(m0):
            return 0.0
        if (np.sign(m0) != np.sign(m1)) and (abs(d) > 3.0 * abs(m0)):
            return 3.0 * m0
        return d

    def __call__(self, v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        i = np.searchsorted(self.x, v, side="right") - 1
        np.clip(i, 0, len(self.x) - 2, out=i)
        s = v - self.x[i]
        c0, c1, c2, c3 = (c[i] for c in self.c)
        z = s * s
        out = c3 + 0.0  # PPoly: res = 0.0 + c3 * 1.0, then + c * z with z = s, s**2, s**3
        out += c2 * s
        out += c1 * z
        z *= s
        out += c0 * z
        return out


def _beta_quantile(u: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """``scipy.stats.beta(alpha, beta).ppf(u)`` for ``u`` in (0, 1): the Boost quantile its
    ``_ppf`` calls (``* 1 + 0`` for scale and loc changes nothing but a -0.0)."""
    if _beta_ppf is None:  # pragma: no cover - see the import
        return stats.beta(alpha, beta).ppf(u)
    return _beta_ppf(u, alpha, beta) + 0.0


def _truncnorm_ppf(q: np.ndarray, a: float, b: float) -> np.ndarray:
    """``scipy.stats.truncnorm._ppf(q, a, b)`` for one pair of standard bounds: the same
    operations in the same order (scipy.stats._continuous_distns, BSD licence), on
    scipy.special alone so that drawing does not import scipy.stats.

    Left of the mode (``a < 0``) it works with ``log Phi(x) = logsumexp(log Phi(a),
    log q + log mass)``, right of it with the mirrored upper tail; ``ndtri_exp`` inverts.
    tests/sensitivity/test_distributions.py compares it with ``scipy.stats.truncnorm``.
    """
    one = np.ones_like(q)
    mass = _log_gauss_mass(np.array([a]), np.array([b]))[0]
    if a < 0:
        log_phi = special.logsumexp([special.log_ndtr(a * one), np.log(q) + mass], axis=0)
        return special.ndtri_exp(log_phi)
    log_phi = special.logsumexp([special.log_ndtr(-b * one), np.log1p(-q) + mass], axis=0)
    return -special.ndtri_exp(log_phi)


def _log_gauss_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """scipy.stats' ``_log_gauss_mass``: log of the standard normal's mass in [a, b], worked
    in the left tail (the right tail by symmetry) or, across 0, as ``log1p(-Phi(a) - Phi(-b))``."""
    def left(a, b):  # log(Phi(b) - Phi(a)) as a log-difference
        return special.logsumexp([special.log_ndtr(b), special.log_ndtr(a) + np.pi * 1j], axis=0)

    out = np.full_like(a, fill_value=np.nan, dtype=np.complex128)
    case_left, case_right = b <= 0, a > 0
    central = ~(case_left | case_right)
    if a[case_left].size:
        out[case_left] = left(a[case_left], b[case_left])
    if a[case_right].size:
        out[case_right] = left(-b[case_right], -a[case_right])
    if a[central].size:
        out[central] = special.log1p(-special.ndtr(a[central]) - special.ndtr(-b[central]))
    return np.real(out)


# Nodes of the tabulated Beta inverse CDF: uniform in logit(u) over the whole double range.
_BETA_TABLE_NODES = 4097
_LOGIT_SPAN = 37.5  # logit(2**-54) ~ -37.4


@functools.lru_cache(maxsize=256)
def _beta_logit_inverse(alpha: float, beta: float) -> _Pchip:
    """Monotone interpolant of ``logit(x)`` against ``logit(u)`` for Beta(alpha, beta).

    Nodes are ``scipy.stats.beta(alpha, beta).ppf(u)`` for ``u <= 1/2`` and, above, ``1 - x``
    from the mirrored ``beta(beta, alpha).ppf(1 - u)``, so both tails keep full relative
    precision. Nodes where scipy gives no quantile are left out and PCHIP interpolates
    across them: scipy 1.17's Beta quantile is NaN for a few ``u`` near 6e-16 when a shape
    parameter is 1 + 2.2e-16 (a mode one rounding error inside a bound), which made this
    table non-finite (regression example in tests/sensitivity/test_distributions.py).
    """
    w = np.linspace(-_LOGIT_SPAN, _LOGIT_SPAN, _BETA_TABLE_NODES)
    lower = w <= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        x = _beta_quantile(special.expit(w[lower]), alpha, beta)
        xc = _beta_quantile(special.expit(-w[~lower]), beta, alpha)  # 1 - x
        y = np.concatenate([np.log(x) - np.log1p(-x), np.log1p(-xc) - np.log(xc)])
    known = np.isfinite(y)
    y = np.maximum.accumulate(y[known])  # guard against round-off; PCHIP then stays monotone
    return _Pchip(w[known], y)


class Pert(_Bounded):
    """(Modified) PERT distribution: a Beta on ``[low, high]`` with the given mode.

    Parameters
    ----------
    low, mode, high : float
        Minimum, most likely and maximum value [unit of the variable].
    lamb : float, default 4
        Shape weight of the mode, > 0 [-]; 4 is the classic PERT.

    Notes
    -----
    :math:`X = low + (high - low)\\,B` with :math:`B \\sim Beta(\\alpha, \\beta)`,
    :math:`\\alpha = 1 + \\lambda (mode - low)/(high - low)`,
    :math:`\\beta = 1 + \\lambda (high - mode)/(high - low)`:
    ``scipy.stats.beta(alpha, beta, loc=low, scale=high - low)``; mean
    ``(low + lamb·mode + high)/(lamb + 2)``.

    :meth:`ppf` interpolates a cached monotone (PCHIP) table of that distribution's inverse
    CDF in logit coordinates (4,097 nodes, built in ~3 ms): a million draws take 0.08 s
    instead of 0.6-1.6 s through ``beta.ppf`` (``benchmarks/distributions.py``). Its absolute
    error is below ``1e-8 (high - low)`` (about ``1e-9`` measured for ``lamb`` from 0.01 to
    1e4), and it is monotone (up to last-digit rounding, like every ``ppf`` here).
    """

    kind: ClassVar[DistKind] = DistKind.PERT
    dist: Literal[DistKind.PERT] = DistKind.PERT
    low: Finite
    mode: Finite
    high: Finite
    lamb: Positive = 4.0

    def _problems(self) -> list[tuple[str, str]]:
        return super()._problems() + self._mode_problems()

    def shape_params(self) -> tuple[float, float]:
        """Beta shape parameters ``(alpha, beta)`` [-]."""
        width = self.high - self.low
        return (1.0 + self.lamb * (self.mode - self.low) / width,
                1.0 + self.lamb * (self.high - self.mode) / width)

    def frozen(self) -> rv_frozen:
        return stats.beta(*self.shape_params(), loc=self.low, scale=self.high - self.low)

    def mean(self) -> float:
        """``frozen().mean()`` bit for bit without scipy.stats (``beta._stats``:
        ``a / (a + b) * scale + loc``)."""
        a, b = (_one(x) for x in self.shape_params())
        return float((a / (a + b) * (self.high - self.low) + self.low)[0])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF of ``u`` in (0, 1) [-] from the table; same shape, [unit], within
        ``[low, high]``."""
        u = np.asarray(u, dtype=float)
        table = _beta_logit_inverse(*self.shape_params())
        with np.errstate(divide="ignore"):
            x = special.expit(table(np.log(u) - np.log1p(-u)))
        return np.clip(self.low + (self.high - self.low) * x, self.low, self.high)


class Discrete(_Distribution):
    """Finite discrete distribution: ``values[i]`` with probability ``probabilities[i]``.

    Parameters
    ----------
    values : list of float
        Distinct possible values, any order [unit of the variable].
    probabilities : list of float
        Their probabilities, each >= 0, summing to 1 within :data:`PROBABILITY_SUM_TOL` [-].

    Notes
    -----
    :meth:`frozen` is ``scipy.stats.rv_discrete(values=(values, probabilities))``.
    :meth:`ppf` is :math:`F^{-1}(u) = \\min\\{v : F(v) \\ge u\\}` over the sorted values with
    the cumulative probabilities normalised to end at exactly 1; values of zero probability
    are never drawn. It is not scipy's: ``rv_discrete.ppf`` returns the smallest value for
    ``u`` above the last cumulative probability, which is ``1 - 1e-10`` when the
    probabilities sum to that (accepted, see :data:`PROBABILITY_SUM_TOL`).
    """

    kind: ClassVar[DistKind] = DistKind.DISCRETE
    dist: Literal[DistKind.DISCRETE] = DistKind.DISCRETE
    values: tuple[Finite, ...] = Field(min_length=1)
    probabilities: tuple[NonNegative, ...] = Field(min_length=1)

    def _problems(self) -> list[tuple[str, str]]:
        problems = []
        if len(set(self.values)) != len(self.values):
            problems.append(("values", "values must be distinct"))
        if len(self.probabilities) != len(self.values):
            problems.append(("probabilities", (
                f"has {len(self.probabilities)} entries but values has {len(self.values)}")))
        total = math.fsum(self.probabilities)
        if abs(total - 1.0) > PROBABILITY_SUM_TOL:
            problems.append(("probabilities", f"must sum to 1, not {total:.12g}"))
        return problems

    def _sorted(self) -> tuple[np.ndarray, np.ndarray]:
        v = np.asarray(self.values, dtype=float)
        p = np.asarray(self.probabilities, dtype=float)
        order = np.argsort(v, kind="stable")
        cdf = np.cumsum(p[order])
        return v[order], cdf / cdf[-1]

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF of ``u`` in (0, 1) [-]; same shape, values from ``values``."""
        v, cdf = self._sorted()
        idx = np.searchsorted(cdf, np.asarray(u, dtype=float), side="left")
        return v[np.minimum(idx, len(v) - 1)]

    def frozen(self) -> rv_frozen:
        return stats.rv_discrete(values=(self.values, self.probabilities)).freeze()

    def mean(self) -> float:
        """``frozen().mean()`` bit for bit without scipy.stats (``rv_sample``: values sorted,
        ``sum(x * p)``, ``+ loc``)."""
        v = np.ravel(np.asarray(self.values))
        order = np.argsort(v)
        x, p = np.take(v, order, 0), np.take(np.ravel(np.asarray(self.probabilities)), order, 0)
        return float(np.sum(x ** np.asarray(1)[np.newaxis, ...] * p, axis=0) + 0)

    def support(self) -> tuple[float, float]:
        positive = [v for v, p in zip(self.values, self.probabilities) if p > 0]
        return min(positive), max(positive)


#: Registry of the model class for each family.
DIST_MODELS: dict[DistKind, type[_Distribution]] = {
    DistKind.NORMAL: Normal,
    DistKind.LOGNORMAL: LogNormal,
    DistKind.TRIANGULAR: Triangular,
    DistKind.PERT: Pert,
    DistKind.UNIFORM: Uniform,
    DistKind.DISCRETE: Discrete,
}


def _dist_tag(value: Any) -> str | None:
    """The union tag of raw input (a mapping) or of an already built model."""
    if isinstance(value, _Distribution):
        return value.kind.value
    if isinstance(value, Mapping):
        tag = value.get("dist")
        return tag.value if isinstance(tag, DistKind) else tag if isinstance(tag, str) else None
    return None


_KINDS = ", ".join(k.value for k in DistKind)

#: Any input distribution, discriminated by ``dist``. Validation errors are located as
#: ``(<dist tag>, <field>, ...)``.
Dist = Annotated[
    Union[tuple(Annotated[model, Tag(kind.value)] for kind, model in DIST_MODELS.items())],
    Discriminator(
        _dist_tag,
        custom_error_type="unknown_dist",
        custom_error_message=f"'dist' must be one of: {_KINDS}",
    ),
]

DIST_ADAPTER: TypeAdapter = TypeAdapter(Dist)


def parse_dist(data: Any) -> Dist:
    """Validate a mapping (e.g. loaded from YAML) into a distribution model.

    Parameters
    ----------
    data : mapping
        ``{dist: <kind>, <parameters>...}``; see the module docstring for the shapes.

    Returns
    -------
    Normal | LogNormal | Triangular | Pert | Uniform | Discrete

    Raises
    ------
    pydantic.ValidationError
        Listing every problem, each located at ``(<dist>, <field>)``.

    Examples
    --------
    >>> parse_dist({"dist": "triangular", "low": 8, "mode": 10, "high": 15}).mean()
    11.0
    """
    return DIST_ADAPTER.validate_python(data)
