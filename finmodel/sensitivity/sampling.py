"""Draw input samples: uniforms → (rank correlation) → marginal inverse CDFs.

This is the "sample" step of sample → evaluate → analyse. It never runs the model; it
returns an ``(n, k)`` array, one column per input, for one vectorised engine call.

Random streams
--------------
Everything derives from one integer seed through :class:`numpy.random.SeedSequence` and the
PCG64 generator of :func:`numpy.random.default_rng`, with fixed spawn keys:

* column ``j`` of the uniforms uses ``SeedSequence(seed, spawn_key=(0, j))``;
* column ``j`` of the Iman–Conover score matrix uses ``SeedSequence(seed, spawn_key=(1, j))``.

Hence each input's draws depend only on the seed and its position: adding an input does not
change the draws of the others, the marginal values are the same with and without a rank
correlation (Iman–Conover only reorders them), and for plain Monte Carlo the first ``m`` rows
of an ``n``-draw sample equal an ``m``-draw sample. A run without a seed draws one from fresh
OS entropy (:func:`entropy_seed`) and reports it in :attr:`SampleResult.seed`, so it can be
recorded and repeated. Results are identical for a given seed on a given platform (the
correlation step uses BLAS, whose last-bit rounding may differ between machines).

Memory and threads
------------------
Work is done in place in the returned array, column by column and in row chunks of
:data:`CHUNK_ROWS`, so peak memory is about ``8 n k`` bytes for independent or
Gaussian-copula samples and ``16 n k`` bytes with Iman–Conover (one score matrix), plus a
few column-sized temporaries per worker. Columns are independent, so the per-column steps
(uniforms, inverse CDFs, Iman–Conover sorting) run on up to :data:`MAX_WORKERS` threads
(numpy releases the GIL in them); the result does not depend on the number of threads.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
from scipy import special

from finmodel.errors import AssumptionError
from finmodel.sensitivity.correlation import (
    PSD_TOL, RepairReport, correlation_factor, min_eigenvalue, nearest_correlation,
    pearson_to_spearman, spearman_to_pearson, validate_correlation,
)
from finmodel.sensitivity.distributions import Dist
from finmodel.sensitivity.threads import for_each

__all__ = [
    "CorrelationMethod", "CORRELATORS", "SampleResult", "CHUNK_ROWS", "U_MIN", "U_MAX",
    "entropy_seed", "uniforms", "sample", "MAX_WORKERS",
]

#: Rows processed per block in the row-wise steps (bounds temporaries to a few MB).
CHUNK_ROWS = 65_536
#: Most threads used for per-column work (each holds a few column-sized temporaries).
MAX_WORKERS = 4
#: Uniforms are kept in ``[U_MIN, U_MAX]`` so no inverse CDF sees exactly 0 or 1.
U_MIN = 2.0**-53
U_MAX = 1.0 - 2.0**-53

_STREAM_COLUMNS = 0
_STREAM_CORRELATION = 1


class CorrelationMethod(str, Enum):
    """How a target rank correlation is imposed on independently drawn inputs."""

    IMAN_CONOVER = "iman_conover"
    GAUSSIAN_COPULA = "gaussian_copula"


@dataclass(frozen=True)
class SampleResult:
    """Samples of the inputs and how they were made.

    Attributes
    ----------
    values : ndarray, shape (n, k)
        Draws; column ``j`` is input ``j`` [unit of that input]. Column-contiguous
        (Fortran order), so ``values[:, j]`` is a contiguous view.
    seed : int
        The seed actually used (drawn from OS entropy if none was given).
    lhs : bool
        Whether the uniforms were a Latin hypercube.
    method : CorrelationMethod or None
        Correlation method, None if no correlation was imposed.
    correlation : ndarray, shape (k, k), or None
        The Spearman rank correlation targeted [-] — the caller's matrix, or its repair.
    correlation_report : RepairReport or None
        What was done to the caller's matrix; print it (``str(report)``), especially when
        ``report.repaired``.
    """

    values: np.ndarray
    seed: int
    lhs: bool
    method: CorrelationMethod | None
    correlation: np.ndarray | None
    correlation_report: RepairReport | None


def entropy_seed() -> int:
    """A fresh seed from OS entropy, to be recorded so the run can be repeated.

    Returns
    -------
    int
        ``numpy.random.SeedSequence().entropy``, a non-negative integer of about 128 bits.
    """
    return int(np.random.SeedSequence().entropy)


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _check_count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _column_rng(seed: int, stream: int, j: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream, j)))


def _for_each_column(fn: Callable[[int], None], k: int) -> None:
    """Run ``fn(j)`` for ``j = 0..k-1``, on threads when worthwhile; re-raises errors."""
    for_each(fn, range(k), min(k, MAX_WORKERS, os.cpu_count() or 1))


def _fill_uniform_column(rng: np.random.Generator, out: np.ndarray, lhs: bool) -> None:
    """Fill a contiguous 1-D ``out`` with uniforms in [U_MIN, U_MAX]."""
    n = out.shape[0]
    if not lhs:
        rng.random(out=out)
        np.maximum(out, U_MIN, out=out)
        return
    strata = rng.permutation(n)
    jitter = rng.random(n)
    np.maximum(jitter, U_MIN, out=jitter)
    np.add(strata, jitter, out=jitter)
    np.divide(jitter, n, out=out)
    # Rounding of (s + v)/n may land on the next stratum's edge: keep it strictly below.
    upper = np.nextafter((strata + 1) / n, 0.0)
    np.minimum(out, upper, out=out)


def uniforms(n: int, k: int, seed: int, lhs: bool = False) -> np.ndarray:
    """Independent uniforms, optionally as a Latin hypercube.

    Parameters
    ----------
    n : int
        Number of draws (rows), >= 1.
    k : int
        Number of inputs (columns), >= 1.
    seed : int
        Non-negative seed; column ``j`` uses ``SeedSequence(seed, spawn_key=(0, j))``.
    lhs : bool, default False
        Latin hypercube: column ``j`` has exactly one value in each stratum
        ``[i/n, (i+1)/n)``, ``i = 0..n-1``, the strata independently permuted per column.

    Returns
    -------
    ndarray, shape (n, k)
        Uniforms in ``[U_MIN, U_MAX]`` ⊂ (0, 1) [-], column-contiguous.

    Raises
    ------
    ValueError
        If ``n`` or ``k`` is not a positive integer, or ``seed`` not a non-negative one.

    Notes
    -----
    LHS value in stratum :math:`s` is :math:`(s + v)/n` with :math:`v \\sim U[0, 1)`.

    Examples
    --------
    >>> u = uniforms(4, 2, seed=1, lhs=True)
    >>> np.sort(np.floor(u[:, 0] * 4).astype(int)).tolist()
    [0, 1, 2, 3]
    """
    n, k = _check_count(n, "n"), _check_count(k, "k")
    seed = _check_seed(seed)
    out = np.empty((n, k), order="F")
    _for_each_column(
        lambda j: _fill_uniform_column(_column_rng(seed, _STREAM_COLUMNS, j), out[:, j], lhs), k)
    return out


def _row_chunks(n: int) -> list[slice]:
    return [slice(i, min(i + CHUNK_ROWS, n)) for i in range(0, n, CHUNK_ROWS)]


def _apply_marginals(u: np.ndarray, dists: Sequence[Dist]) -> None:
    """Replace each column of uniforms by its distribution's inverse CDF, in place."""
    chunks = _row_chunks(u.shape[0])

    def one(j: int) -> None:
        col = u[:, j]
        for c in chunks:
            col[c] = dists[j].ppf(col[c])

    _for_each_column(one, len(dists))


def _iman_conover(u: np.ndarray, dists: Sequence[Dist], normal_corr: np.ndarray,
                  seed: int) -> None:
    """Draw marginals, then reorder each column so ranks follow ``normal_corr``; in place.

    Van der Waerden scores :math:`a_i = \\Phi^{-1}(i/(n+1))` are independently permuted per
    column into :math:`M`; with :math:`E = corr(M) = F F^T` and target :math:`C = P P^T`,
    :math:`T = M F^{-T} P^T` has sample correlation exactly :math:`C`. Each column of the
    values is then sorted and placed in the rank order of the matching column of :math:`T`,
    so the marginal sample values are unchanged.
    """
    _apply_marginals(u, dists)
    n, k = u.shape
    if n < 2:
        return
    scores = special.ndtri(np.arange(1, n + 1) / (n + 1.0))
    scores /= np.sqrt(np.mean(scores * scores))
    m = np.empty((n, k), order="F")

    def permute_scores(j: int) -> None:
        col = m[:, j]
        col[:] = scores
        _column_rng(seed, _STREAM_CORRELATION, j).shuffle(col)

    _for_each_column(permute_scores, k)
    e = (m.T @ m) / n
    try:
        f = np.linalg.cholesky(e)
    except np.linalg.LinAlgError:
        raise ValueError(
            f"Iman-Conover cannot decorrelate {n} draws of {k} inputs (score correlation "
            "matrix is singular); use more draws or the gaussian_copula method") from None
    transform = np.linalg.solve(f.T, correlation_factor(normal_corr).T)  # F^-T P^T
    for c in _row_chunks(n):
        m[c] = m[c] @ transform

    def rearrange(j: int) -> None:
        col = u[:, j]
        col[np.argsort(m[:, j])] = np.sort(col)

    _for_each_column(rearrange, k)


def _gaussian_copula(u: np.ndarray, dists: Sequence[Dist], normal_corr: np.ndarray,
                     seed: int) -> None:
    """Correlate normal scores of the uniforms, map back to uniforms, then marginals.

    :math:`Z = \\Phi^{-1}(U) L^T` with :math:`L L^T` = ``normal_corr``;
    :math:`U' = \\Phi(Z)`; values :math:`F_j^{-1}(U'_j)`. Row-wise, so done in chunks.
    With Latin-hypercube uniforms only the first column keeps its stratification.
    """
    del seed  # deterministic given the uniforms
    lt = correlation_factor(normal_corr).T
    for c in _row_chunks(u.shape[0]):
        z = special.ndtri(u[c]) @ lt
        u[c] = np.clip(special.ndtr(z), U_MIN, U_MAX)
    _apply_marginals(u, dists)


#: Registry of correlation methods: ``(uniforms in place, dists, normal-scores corr, seed)``.
CORRELATORS: dict[CorrelationMethod, Callable[..., None]] = {
    CorrelationMethod.IMAN_CONOVER: _iman_conover,
    CorrelationMethod.GAUSSIAN_COPULA: _gaussian_copula,
}


def _target(correlation: np.ndarray, k: int,
            names: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray, RepairReport]:
    """Validated, repaired Spearman target, its normal-scores Pearson matrix, the report."""
    rho = validate_correlation(correlation, names)
    if rho.shape != (k, k):
        raise AssumptionError(
            f"correlation matrix is {rho.shape[0]}x{rho.shape[1]} but there are {k} inputs")
    rho, report = nearest_correlation(rho, names=names)
    pearson = spearman_to_pearson(rho)
    np.fill_diagonal(pearson, 1.0)
    if min_eigenvalue(pearson) >= -PSD_TOL:
        return rho, pearson, report
    # Rare: the sine transform of a PSD matrix need not be PSD. Repair it too, and report
    # everything against the caller's matrix.
    original = validate_correlation(correlation, names)
    pearson, second = nearest_correlation(pearson)
    effective = pearson_to_spearman(pearson)
    np.fill_diagonal(effective, 1.0)
    delta = np.abs(effective - original)
    i, j = np.unravel_index(int(np.argmax(np.triu(delta, 1))), delta.shape)
    combined = RepairReport(
        repaired=True,
        min_eigenvalue_before=report.min_eigenvalue_before,
        min_eigenvalue_after=min_eigenvalue(effective),
        max_abs_change=float(delta.max()),
        max_change_at=(int(i), int(j)),
        iterations=report.iterations + second.iterations,
        converged=report.converged and second.converged,
        names=report.names,
        note=("its normal-scores equivalent 2 sin(pi rho / 6) was not positive semi-definite "
              "and was repaired as well; the change shown is against the matrix as given"),
    )
    return effective, pearson, combined


def sample(
    dists: Sequence[Dist],
    n: int,
    seed: int | None = None,
    lhs: bool = False,
    correlation: np.ndarray | None = None,
    method: CorrelationMethod | str = CorrelationMethod.IMAN_CONOVER,
    *,
    names: Sequence[str] | None = None,
) -> SampleResult:
    """Draw ``n`` joint samples of ``k = len(dists)`` inputs.

    Parameters
    ----------
    dists : sequence of Dist, length k
        The marginal distributions (:mod:`finmodel.sensitivity.distributions`).
    n : int
        Number of draws, >= 1.
    seed : int, optional
        Non-negative seed. None draws one with :func:`entropy_seed`; it is returned.
    lhs : bool, default False
        Use Latin-hypercube uniforms (see :func:`uniforms`).
    correlation : array_like, shape (k, k), optional
        Target Spearman rank correlation [-]. Validated; if not positive semi-definite it is
        replaced by the nearest correlation matrix and the result's ``correlation_report``
        says so.
    method : {"iman_conover", "gaussian_copula"}, default "iman_conover"
        ``iman_conover`` reorders independently drawn values (marginal sample values, and
        LHS stratification, preserved exactly); ``gaussian_copula`` correlates normal scores
        before the inverse CDFs.
    names : sequence of str, optional
        Input names, used in correlation messages.

    Returns
    -------
    SampleResult
        ``values`` (n, k) [unit of each input], the seed used, the correlation report.

    Raises
    ------
    ValueError
        Bad ``n``, ``seed``, ``method``, empty ``dists``; Iman–Conover with too few draws.
    AssumptionError
        Invalid correlation matrix (wrong size, asymmetric, diagonal not 1, out of range).

    Notes
    -----
    Both methods impose the Pearson correlation :math:`r = 2\\sin(\\pi\\rho/6)` on normal
    scores, which gives Spearman correlation :math:`\\rho` for a bivariate normal (if the
    converted matrix is not PSD it is repaired too, and the report says so).

    Warnings
    --------
    * Inputs with ties (``discrete``) cannot reach the full target: their achieved Spearman
      correlation is attenuated towards 0 (by several hundredths for a three-valued input).
    * With ``gaussian_copula`` and ``lhs=True`` only the first input keeps its Latin
      hypercube stratification; use ``iman_conover`` to keep it for every input.

    Examples
    --------
    >>> from finmodel.sensitivity.distributions import Triangular, Normal
    >>> res = sample([Triangular(low=8, mode=10, high=15), Normal(mean=0.1, sd=0.02)],
    ...              n=10_000, seed=42, correlation=[[1, 0.5], [0.5, 1]])
    >>> res.values.shape, res.seed, res.correlation_report.repaired
    ((10000, 2), 42, False)
    """
    k = len(dists)
    if k == 0:
        raise ValueError("dists must contain at least one distribution")
    for j, dist in enumerate(dists):
        if not callable(getattr(dist, "ppf", None)):
            raise ValueError(f"dists[{j}] is not a distribution (no ppf): {dist!r}")
    n = _check_count(n, "n")
    seed = entropy_seed() if seed is None else _check_seed(seed)
    try:
        method = CorrelationMethod(method)
    except ValueError:
        options = ", ".join(m.value for m in CorrelationMethod)
        raise ValueError(f"method must be one of: {options}; got {method!r}") from None

    values = uniforms(n, k, seed, lhs)
    if correlation is None:
        _apply_marginals(values, dists)
        return SampleResult(values, seed, bool(lhs), None, None, None)

    target, normal_corr, report = _target(correlation, k, names)
    CORRELATORS[method](values, dists, normal_corr, seed)
    return SampleResult(values, seed, bool(lhs), method, target, report)
