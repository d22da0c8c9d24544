"""Draw input samples: uniforms → (rank correlation) → marginal inverse CDFs.

This is the "sample" step of sample → evaluate → analyse. It never runs the model; it
returns ``(m, k)`` arrays, one column per input, block by block (:class:`Sampler`), or the
whole ``(n, k)`` sample at once (:func:`sample`, which is one block of a :class:`Sampler`).

Random streams
--------------
Everything derives from one integer seed through :class:`numpy.random.SeedSequence` and the
PCG64 generator of :func:`numpy.random.default_rng`, with spawn keys fixed by each input's
NAME (:func:`stream_key`, a BLAKE2b hash of the name: stable across Python processes and
versions, unlike ``hash()``):

* input ``name``'s uniforms (and Latin-hypercube jitter) use
  ``SeedSequence(seed, spawn_key=(0, stream_key(name)))``;
* its Latin-hypercube strata permutation uses ``spawn_key=(2, stream_key(name))``;
* its column of the Iman–Conover score matrix uses ``spawn_key=(1, stream_key(name))``.

Hence each input's draws depend only on the seed and its name, not on its position or on
the other inputs: adding an input to the spec (or removing, or reordering) leaves the
others' draws identical for the same seed. Without ``names`` the inputs are named by their
position (``"0"``, ``"1"``, ...). Correlation changes this only as far as it must:

* Iman–Conover keeps each input's *marginal values* but reorders the draws of every input
  jointly (the score matrix of all inputs is decorrelated together), so which values are
  paired in one draw changes when the set of inputs changes;
* the Gaussian copula is row-wise: an input correlated with no other keeps its draws
  exactly; a correlated input's draws depend on the uniforms of the inputs it is correlated
  with (through the Cholesky factor of the target in spec order), so they stay when an
  uncorrelated input is added and change when the correlated set, or its order, changes.

Blocks
------
A :class:`Sampler` hands out the rows of an ``n``-draw sample in blocks of any size, and the
result does not depend on the block sizes: plain and Gaussian-copula draws are row-wise (each
input's stream continues from block to block, so for plain Monte Carlo the first ``m`` rows
of an ``n``-draw sample equal an ``m``-draw sample); a Latin hypercube permutes the ``n``
strata of each input once (an int32 permutation per input, ``4 n k`` bytes, kept for the
whole run); Iman–Conover reorders fixed groups of :data:`IC_GROUP` draws (the last group
takes the remainder, merged into the one before when shorter than :data:`IC_GROUP_MIN`),
each group to the target rank correlation exactly, so the rank correlation of the whole
sample is the target up to sampling error and each group's values are unchanged.

A run without a seed draws one from fresh OS entropy (:func:`entropy_seed`) and reports it
in :attr:`SampleResult.seed`, so it can be recorded and repeated. Results are identical for
a given seed on a given platform (the correlation step uses BLAS, whose last-bit rounding may
differ between machines).

Memory and threads
------------------
Work is done in place in the block's array, column by column and in row chunks of
:data:`CHUNK_ROWS`, so peak memory is about ``8 m k`` bytes for a block of ``m`` rows of
independent or Gaussian-copula samples and ``16 g k`` with Iman–Conover (one score matrix of
a group of ``g`` rows), plus ``4 n k`` for a Latin hypercube and a few column-sized
temporaries per worker. Columns are independent, so the per-column steps (uniforms, inverse
CDFs, Iman–Conover sorting) run on up to :data:`MAX_WORKERS` threads (numpy releases the GIL
in them); the result does not depend on the number of threads.
"""
from __future__ import annotations

import hashlib
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
    "entropy_seed", "uniforms", "sample", "MAX_WORKERS", "Sampler", "stream_key", "IC_GROUP",
    "IC_GROUP_MIN",
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
_STREAM_STRATA = 2
#: Iman–Conover reorders the draws in fixed groups of this many rows (see the module notes).
IC_GROUP = 100_000
#: A last group shorter than this is merged into the group before it.
IC_GROUP_MIN = 10_000


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


def stream_key(name: str) -> int:
    """The spawn key of an input's random streams: the first 8 bytes of the BLAKE2b hash of
    its name (UTF-8), as an unsigned integer. Stable across processes, platforms and Python
    versions (``hash()`` of a string is salted per process).

    Examples
    --------
    >>> stream_key("discount_rate") == stream_key("discount_rate") != stream_key("delay")
    True
    """
    return int.from_bytes(hashlib.blake2b(str(name).encode("utf-8"), digest_size=8).digest(), "big")


def _stream(seed: int, stream: int, name: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream, stream_key(name))))


def _for_each_column(fn: Callable[[int], None], k: int) -> None:
    """Run ``fn(j)`` for ``j = 0..k-1``, on threads when worthwhile; re-raises errors."""
    for_each(fn, range(k), min(k, MAX_WORKERS, os.cpu_count() or 1))


def _names(names: Sequence[str] | None, k: int) -> list[str]:
    if names is None:
        return [str(j) for j in range(k)]
    names = [str(x) for x in names]
    if len(names) != k:
        raise ValueError(f"names: expected {k} names, one per input (got {len(names)})")
    if len(set(names)) != k:
        raise ValueError(f"names must be distinct (got {names!r})")
    return names


class _Uniforms:
    """The uniforms of ``n`` draws of the named inputs, handed out row block by row block.

    Each input's stream continues from block to block, so the blocks' sizes do not matter.
    A Latin hypercube permutes each input's ``n`` strata once (int32, or int64 from 2**31
    draws) from its own stream; row ``i`` of input ``j`` is then ``(s_j(i) + v) / n``.
    """

    def __init__(self, n: int, seed: int, lhs: bool, names: Sequence[str]):
        self.n, self.lhs, self.pos = n, bool(lhs), 0
        self.rngs = [_stream(seed, _STREAM_COLUMNS, nm) for nm in names]
        self.strata = None
        if lhs:
            dtype = np.int32 if n < 2**31 else np.int64
            self.strata = [None] * len(names)

            def permute(j: int) -> None:
                self.strata[j] = _stream(seed, _STREAM_STRATA, names[j]).permutation(n).astype(dtype)

            _for_each_column(permute, len(names))

    def next(self, m: int) -> np.ndarray:
        """The next ``m`` rows (fewer at the end), shape (m, k), column-contiguous."""
        m = min(m, self.n - self.pos)
        out = np.empty((m, len(self.rngs)), order="F")
        start = self.pos

        def fill(j: int) -> None:
            col = out[:, j]
            self.rngs[j].random(out=col)
            np.maximum(col, U_MIN, out=col)
            if self.lhs:
                strata = self.strata[j][start:start + m]
                np.add(strata, col, out=col)
                np.divide(col, self.n, out=col)
                # Rounding of (s + v)/n may land on the next stratum's edge: keep it below.
                np.minimum(col, np.nextafter((strata + 1.0) / self.n, 0.0), out=col)

        _for_each_column(fill, out.shape[1])
        self.pos += m
        return out


def uniforms(n: int, k: int, seed: int, lhs: bool = False,
             names: Sequence[str] | None = None) -> np.ndarray:
    """Independent uniforms, optionally as a Latin hypercube.

    Parameters
    ----------
    n : int
        Number of draws (rows), >= 1.
    k : int
        Number of inputs (columns), >= 1.
    seed : int
        Non-negative seed; input ``name`` uses ``SeedSequence(seed, spawn_key=(0,
        stream_key(name)))`` (and ``(2, ...)`` for its strata).
    lhs : bool, default False
        Latin hypercube: column ``j`` has exactly one value in each stratum
        ``[i/n, (i+1)/n)``, ``i = 0..n-1``, the strata independently permuted per column.
    names : sequence of str, optional
        The inputs' names, which key their streams; default ``"0"``, ``"1"``, ...

    Returns
    -------
    ndarray, shape (n, k)
        Uniforms in ``[U_MIN, U_MAX]`` ⊂ (0, 1) [-], column-contiguous.

    Raises
    ------
    ValueError
        If ``n`` or ``k`` is not a positive integer, ``seed`` not a non-negative one, or
        ``names`` not ``k`` distinct names.

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
    return _Uniforms(n, _check_seed(seed), lhs, _names(names, k)).next(n)


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
                  score_rngs: Sequence[np.random.Generator]) -> None:
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
        score_rngs[j].shuffle(col)

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
                     score_rngs: Sequence[np.random.Generator] = ()) -> None:
    """Correlate normal scores of the uniforms, map back to uniforms, then marginals.

    :math:`Z = \\Phi^{-1}(U) L^T` with :math:`L L^T` = ``normal_corr``;
    :math:`U' = \\Phi(Z)`; values :math:`F_j^{-1}(U'_j)`. Row-wise, so done in chunks.
    Only the inputs correlated with another (:func:`_correlated`) go through the normal
    scores: an input correlated with none keeps its uniforms untouched (the round trip
    :math:`\\Phi(\\Phi^{-1}(u))` would move about a quarter of them by an ulp), so its draws
    are bit for bit those of an uncorrelated run. With Latin-hypercube uniforms the uncorrelated
    inputs keep their stratification, and of the correlated ones only the first.
    """
    del score_rngs  # deterministic given the uniforms
    cols = _correlated(normal_corr)
    if not len(cols):
        _apply_marginals(u, dists)
        return
    lt = correlation_factor(normal_corr[np.ix_(cols, cols)]).T
    k = len(cols)
    for c in _row_chunks(u.shape[0]):
        block = u[c]
        # the special functions column by column on threads (they release the GIL)
        scores = np.empty((block.shape[0], k), order="F")

        def to_normal(i: int) -> None:
            special.ndtri(block[:, cols[i]], out=scores[:, i])

        _for_each_column(to_normal, k)
        z = scores @ lt

        def to_uniform(i: int) -> None:
            col = block[:, cols[i]]
            special.ndtr(z[:, i], out=col)
            np.clip(col, U_MIN, U_MAX, out=col)

        _for_each_column(to_uniform, k)
    _apply_marginals(u, dists)


def _correlated(corr: np.ndarray) -> np.ndarray:
    """Indices of the inputs with a non-zero correlation to another input, in order.

    Only these need a copula: the correlation matrix is block diagonal between them and the
    rest (after reordering), so its factor is the factor of their sub-matrix beside ones.
    """
    off = np.array(corr, dtype=float, copy=True)
    np.fill_diagonal(off, 0.0)
    return np.flatnonzero(np.any(off != 0.0, axis=0))


#: Registry of correlation methods: ``(uniforms in place, dists, normal-scores corr, score
#: streams)``; the score streams (one per input) are used by Iman–Conover only.
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


class Sampler:
    """The draws of ``n`` joint samples of ``k = len(dists)`` inputs, handed out in blocks.

    ``take(m)`` returns the next ``m`` rows; the rows do not depend on the sizes of the
    blocks asked (see the module notes), so a sample drawn in blocks of 100,000 equals the
    one drawn at once (:func:`sample`). Arguments as :func:`sample`'s.

    Attributes
    ----------
    n, seed, lhs, method, correlation, correlation_report, names
        As in :class:`SampleResult`; ``names`` the inputs' names keying their streams.
    drawn : int
        Rows handed out so far.
    """

    def __init__(self, dists: Sequence[Dist], n: int, seed: int | None = None, lhs: bool = False,
                 correlation: np.ndarray | None = None,
                 method: CorrelationMethod | str = CorrelationMethod.IMAN_CONOVER, *,
                 names: Sequence[str] | None = None):
        k = len(dists)
        if k == 0:
            raise ValueError("dists must contain at least one distribution")
        for j, dist in enumerate(dists):
            if not callable(getattr(dist, "ppf", None)):
                raise ValueError(f"dists[{j}] is not a distribution (no ppf): {dist!r}")
        self.n = _check_count(n, "n")
        self.seed = entropy_seed() if seed is None else _check_seed(seed)
        try:
            method = CorrelationMethod(method)
        except ValueError:
            options = ", ".join(m.value for m in CorrelationMethod)
            raise ValueError(f"method must be one of: {options}; got {method!r}") from None
        self.dists, self.lhs = list(dists), bool(lhs)
        self.names = _names(names, k)
        self.method = self.correlation = self.correlation_report = None
        self._normal_corr = None
        if correlation is not None:
            self.correlation, self._normal_corr, self.correlation_report = _target(correlation, k, names)
            self.method = method
        self._uniforms = _Uniforms(self.n, self.seed, self.lhs, self.names)
        self._score_rngs = [_stream(self.seed, _STREAM_CORRELATION, nm) for nm in self.names]
        self._groups = self._group_sizes() if self.method is CorrelationMethod.IMAN_CONOVER else None
        self._left = np.empty((0, k), order="F")  # Iman–Conover rows made, not yet handed out
        self.drawn = 0

    def _group_sizes(self) -> list[int]:
        """Sizes of the Iman–Conover groups, in order (see :data:`IC_GROUP`)."""
        sizes = [IC_GROUP] * (self.n // IC_GROUP) + ([self.n % IC_GROUP] if self.n % IC_GROUP else [])
        if len(sizes) > 1 and sizes[-1] < IC_GROUP_MIN:
            sizes[-2] += sizes.pop()
        sizes.reverse()  # popped from the end, first group first
        return sizes

    def _rows(self, m: int) -> np.ndarray:
        """The next ``m`` rows made row-wise (independent or Gaussian copula)."""
        u = self._uniforms.next(m)
        if self.method is None:
            _apply_marginals(u, self.dists)
        else:
            CORRELATORS[self.method](u, self.dists, self._normal_corr, self._score_rngs)
        return u

    def _group(self) -> np.ndarray:
        """The next Iman–Conover group, reordered to the target correlation."""
        u = self._uniforms.next(self._groups.pop())
        _iman_conover(u, self.dists, self._normal_corr, self._score_rngs)
        return u

    def take(self, m: int) -> np.ndarray:
        """The next ``m`` rows (fewer when fewer are left), shape (m, k) [unit of each
        input], column-contiguous.

        Raises
        ------
        ValueError
            Iman–Conover on a group of no more rows than inputs (use more draws or the
            gaussian_copula method).
        """
        m = min(_check_count(m, "m"), self.n - self.drawn)
        if self._groups is None:
            out = self._rows(m)
        else:
            out = np.empty((m, len(self.dists)), order="F")
            filled = 0
            while filled < m:
                if not len(self._left):
                    self._left = self._group()
                step = min(m - filled, len(self._left))
                out[filled:filled + step] = self._left[:step]
                self._left = self._left[step:]
                filled += step
        self.drawn += m
        return out


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
        Input names: they key each input's random streams (module notes; default ``"0"``,
        ``"1"``, ... by position) and name the inputs in correlation messages.

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
    sampler = Sampler(dists, n, seed, lhs, correlation, method, names=names)
    return SampleResult(sampler.take(sampler.n), sampler.seed, sampler.lhs, sampler.method,
                        sampler.correlation, sampler.correlation_report)
