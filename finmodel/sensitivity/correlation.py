"""Correlation matrices for sampling: validation, nearest-correlation repair, conversions.

A user-supplied (rank) correlation matrix is first checked for shape, symmetry, unit
diagonal and range by :func:`validate_correlation`; every problem is reported together.
A matrix that passes may still not be positive semi-definite (PSD) — typically because its
entries were judged pairwise. :func:`nearest_correlation` then returns the nearest
correlation matrix in the Frobenius norm (Higham 2002) together with a
:class:`RepairReport` that the caller must show: the model never repairs silently.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from finmodel.errors import AssumptionError, Problem
from finmodel.sensitivity.threads import for_each

__all__ = [
    "SYMMETRY_TOL", "DIAGONAL_TOL", "PSD_TOL", "RepairReport", "validate_correlation",
    "min_eigenvalue", "nearest_correlation", "spearman_to_pearson", "pearson_to_spearman",
    "correlation_factor", "spearman_matrix",
]

#: Largest accepted ``|C[i, j] - C[j, i]|`` [-].
SYMMETRY_TOL = 1e-12
#: Largest accepted ``|C[i, i] - 1|`` [-].
DIAGONAL_TOL = 1e-12
#: A matrix whose smallest eigenvalue is >= -PSD_TOL [-] counts as PSD (round-off allowance).
PSD_TOL = 1e-12


@dataclass(frozen=True)
class RepairReport:
    """What :func:`nearest_correlation` did to a matrix.

    Attributes
    ----------
    repaired : bool
        True if the matrix was not PSD and was replaced.
    min_eigenvalue_before : float
        Smallest eigenvalue of the matrix as given [-].
    min_eigenvalue_after : float
        Smallest eigenvalue of the matrix returned [-] (equal to ``before`` if unchanged).
    max_abs_change : float
        Largest absolute change of any entry [-] (0 if unchanged).
    max_change_at : tuple of int
        ``(i, j)`` of that entry, ``i < j`` (``(0, 0)`` if unchanged).
    iterations : int
        Alternating-projection iterations used (0 if unchanged).
    converged : bool
        Whether the iterations met the tolerance (True if unchanged).
    names : tuple of str or None
        Input names, used to describe ``max_change_at``.
    note : str
        Additional explanation supplied by the caller, e.g. a second repair step.
    """

    repaired: bool
    min_eigenvalue_before: float
    min_eigenvalue_after: float
    max_abs_change: float
    max_change_at: tuple[int, int] = (0, 0)
    iterations: int = 0
    converged: bool = True
    names: tuple[str, ...] | None = None
    note: str = ""

    def _pair(self) -> str:
        i, j = self.max_change_at
        if self.names is not None:
            return f"({self.names[i]}, {self.names[j]})"
        return f"[{i}, {j}]"

    def __str__(self) -> str:
        if not self.repaired:
            text = ("correlation matrix is positive semi-definite (smallest eigenvalue "
                    f"{self.min_eigenvalue_before:.3g}); used unchanged")
        else:
            text = (
                "correlation matrix was not positive semi-definite (smallest eigenvalue "
                f"{self.min_eigenvalue_before:.3g}); replaced by the nearest correlation matrix "
                f"(Higham 2002): smallest eigenvalue now {self.min_eigenvalue_after:.3g}, largest "
                f"change {self.max_abs_change:.3g} at entry {self._pair()}"
            )
            if not self.converged:
                text += f" (did not converge in {self.iterations} iterations)"
        if self.note:
            text += f"; {self.note}"
        return text


def _label(i: int, names: Sequence[str] | None) -> str:
    return names[i] if names is not None else str(i)


def validate_correlation(matrix: np.ndarray, names: Sequence[str] | None = None) -> np.ndarray:
    """Check a correlation matrix and return it as an exactly symmetric float array.

    Parameters
    ----------
    matrix : array_like, shape (k, k)
        Correlation coefficients [-].
    names : sequence of str, optional
        Input names for the messages; length k.

    Returns
    -------
    ndarray, shape (k, k)
        ``(C + C.T) / 2`` with the diagonal set to exactly 1 [-].

    Raises
    ------
    AssumptionError
        Listing every problem: not square, non-finite entries, asymmetry above
        :data:`SYMMETRY_TOL`, diagonal off 1 by more than :data:`DIAGONAL_TOL`, entries
        outside [-1, 1]. Positive semi-definiteness is *not* required here; see
        :func:`nearest_correlation`.

    Examples
    --------
    >>> validate_correlation([[1.0, 0.3], [0.3, 1.0]])
    array([[1. , 0.3],
           [0.3, 1. ]])
    """
    c = np.array(matrix, dtype=float)
    if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] == 0:
        raise AssumptionError(
            f"correlation matrix must be square and non-empty, got shape {c.shape}")
    k = c.shape[0]
    if names is not None and len(names) != k:
        raise AssumptionError(f"correlation matrix is {k}x{k} but {len(names)} names were given")

    problems: list[Problem] = []

    def at(i: int, j: int) -> str:
        return f"correlation[{_label(i, names)}, {_label(j, names)}]"

    finite = np.isfinite(c)
    for i, j in zip(*np.nonzero(~finite)):
        problems.append(Problem(f"must be a finite number, got {c[i, j]}", path=at(i, j)))
    with np.errstate(invalid="ignore"):  # non-finite entries are reported once, above
        both = finite & finite.T
        diff = np.abs(c - c.T)
        for i, j in zip(*np.nonzero(np.triu((diff > SYMMETRY_TOL) & both, 1))):
            problems.append(Problem(
                f"matrix is not symmetric: {c[i, j]:g} here but {c[j, i]:g} at "
                f"{at(j, i)}", path=at(i, j)))
        for i in np.nonzero((np.abs(np.diag(c) - 1.0) > DIAGONAL_TOL) & np.diag(finite))[0]:
            problems.append(Problem(f"diagonal entry must be 1, got {c[i, i]:g}", path=at(i, i)))
        out = (np.abs(c) > 1.0) & finite
        np.fill_diagonal(out, False)
        for i, j in zip(*np.nonzero(np.triu(out | out.T, 1))):
            problems.append(Problem(
                f"must lie in [-1, 1], got {c[i, j]:g}", path=at(i, j)))
    if problems:
        raise AssumptionError("invalid correlation matrix", problems)
    c = 0.5 * (c + c.T)
    np.fill_diagonal(c, 1.0)
    return c


def min_eigenvalue(matrix: np.ndarray) -> float:
    """Smallest eigenvalue of a symmetric matrix [-]."""
    return float(np.linalg.eigvalsh(np.asarray(matrix, dtype=float))[0])


def _project_psd(a: np.ndarray) -> np.ndarray:
    """Nearest PSD matrix in the Frobenius norm: clip negative eigenvalues to 0."""
    w, v = np.linalg.eigh(a)
    return (v * np.maximum(w, 0.0)) @ v.T


def nearest_correlation(
    matrix: np.ndarray,
    *,
    names: Sequence[str] | None = None,
    tol: float = 1e-12,
    max_iterations: int = 10_000,
    psd_tol: float = PSD_TOL,
) -> tuple[np.ndarray, RepairReport]:
    """Return the nearest correlation matrix and a report of what changed.

    Parameters
    ----------
    matrix : array_like, shape (k, k)
        Candidate correlation matrix [-]; validated with :func:`validate_correlation`.
    names : sequence of str, optional
        Input names, used only in the report and in error messages.
    tol : float, default 1e-12
        Stop when successive iterates change by less than ``tol`` relative (Frobenius).
    max_iterations : int, default 10000
        Iteration cap; the report says if it was reached.
    psd_tol : float, default :data:`PSD_TOL`
        A matrix with smallest eigenvalue >= ``-psd_tol`` is returned unchanged.

    Returns
    -------
    repaired : ndarray, shape (k, k)
        The matrix itself (validated, exactly symmetric) if already PSD, else the nearest
        correlation matrix: symmetric, unit diagonal, PSD [-].
    report : RepairReport
        Whether it was repaired, smallest eigenvalue before and after, the largest change.

    Raises
    ------
    AssumptionError
        If the matrix fails :func:`validate_correlation`.

    Notes
    -----
    Higham's alternating projections with Dykstra's correction (unit weights): with
    :math:`\\Delta S_0 = 0, Y_0 = A`, repeat :math:`R = Y - \\Delta S`,
    :math:`X = P_S(R)` (clip negative eigenvalues), :math:`\\Delta S = X - R`,
    :math:`Y = P_U(X)` (set the diagonal to 1). The result is finally projected once more
    onto the PSD cone and rescaled to unit diagonal, :math:`D^{-1/2} X D^{-1/2}`, which is
    PSD by construction; this moves entries by the order of ``tol``.

    References
    ----------
    N. J. Higham, "Computing the nearest correlation matrix — a problem from finance",
    IMA J. Numer. Anal. 22 (2002) 329–343.

    Examples
    --------
    >>> c, report = nearest_correlation([[1, 1, 0], [1, 1, 1], [0, 1, 1]])
    >>> np.round(c, 4)  # Higham (2002), section 4
    array([[1.    , 0.7607, 0.1573],
           [0.7607, 1.    , 0.7607],
           [0.1573, 0.7607, 1.    ]])
    """
    a = validate_correlation(matrix, names)
    names_t = tuple(names) if names is not None else None
    before = min_eigenvalue(a)
    if before >= -psd_tol:
        return a, RepairReport(False, before, before, 0.0, names=names_t)

    y = a.copy()
    ds = np.zeros_like(a)
    iterations, converged = 0, False
    for iterations in range(1, max_iterations + 1):
        r = y - ds
        x = _project_psd(r)
        ds = x - r
        y_new = x.copy()
        np.fill_diagonal(y_new, 1.0)
        change = np.linalg.norm(y_new - y) / max(np.linalg.norm(y_new), 1.0)
        gap = np.linalg.norm(y_new - x) / max(np.linalg.norm(y_new), 1.0)
        y = y_new
        if change < tol and gap < tol:
            converged = True
            break

    x = _project_psd(y)
    d = 1.0 / np.sqrt(np.diag(x))
    out = x * d[:, None] * d[None, :]
    out = 0.5 * (out + out.T)
    np.fill_diagonal(out, 1.0)

    delta = np.abs(out - a)
    i, j = np.unravel_index(int(np.argmax(np.triu(delta, 1))), delta.shape)
    report = RepairReport(
        repaired=True,
        min_eigenvalue_before=before,
        min_eigenvalue_after=min_eigenvalue(out),
        max_abs_change=float(delta.max()),
        max_change_at=(int(i), int(j)),
        iterations=iterations,
        converged=converged,
        names=names_t,
    )
    return out, report


def spearman_to_pearson(rho: np.ndarray) -> np.ndarray:
    """Pearson correlation of a bivariate normal with Spearman rank correlation ``rho``.

    Parameters
    ----------
    rho : array_like
        Spearman rank correlation(s) [-], in [-1, 1].

    Returns
    -------
    ndarray
        :math:`r = 2 \\sin(\\pi \\rho / 6)` [-], same shape (1 stays 1).
    """
    return 2.0 * np.sin(np.pi * np.asarray(rho, dtype=float) / 6.0)


def pearson_to_spearman(r: np.ndarray) -> np.ndarray:
    """Inverse of :func:`spearman_to_pearson`: :math:`\\rho = (6/\\pi) \\arcsin(r/2)` [-]."""
    return 6.0 / np.pi * np.arcsin(np.asarray(r, dtype=float) / 2.0)


def spearman_matrix(x: np.ndarray) -> np.ndarray:
    """Spearman rank correlation matrix of the columns of a sample, ties averaged.

    Parameters
    ----------
    x : ndarray, shape (n, k)
        Draws, one column per input [unit of each input].

    Returns
    -------
    ndarray, shape (k, k)
        Pearson correlation of ``scipy.stats.rankdata`` ranks [-]; equals
        ``scipy.stats.spearmanr(x).statistic``, also for k = 2 (where spearmanr returns a
        scalar). Tied values (a ``discrete`` input) share their average rank, so the
        achieved correlation of such an input is not biased by an arbitrary tie order.
    """
    return np.corrcoef(_ranks(np.asarray(x, dtype=float)), rowvar=False)


def _ranks(x: np.ndarray) -> np.ndarray:
    """``scipy.stats.rankdata(x, axis=0)`` (average ranks of tied values) bit for bit, in its
    layout (column-contiguous, so ``np.corrcoef`` sums in the same order): the ranks are whole
    or half numbers, exact whatever the arithmetic; the columns sorted by numpy's default
    (unstable, vectorised) sort, since the order within a tie does not change its average
    rank, on threads (numpy releases the GIL). A column with a NaN goes through scipy (it
    is then all NaN)."""
    if x.ndim != 2 or not x.size or not np.isfinite(x).all():
        from scipy.stats import rankdata
        return rankdata(x, axis=0)
    n, k = x.shape
    out = np.empty((n, k), order="F")

    def one(j: int) -> None:
        order = np.argsort(x[:, j])
        s = x[order, j]
        first = np.empty(n, dtype=bool)  # where a run of equal values begins
        first[0] = True
        np.not_equal(s[1:], s[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        ends = np.append(starts[1:], n)  # 0-based positions [start, end) of each run
        average = (starts + ends + 1) / 2.0  # mean of the 1-based ranks start+1 .. end
        out[order, j] = average[np.cumsum(first) - 1]

    for_each(one, range(k), min(k, 2, os.cpu_count() or 1))
    return out


def correlation_factor(corr: np.ndarray) -> np.ndarray:
    """A matrix ``L`` with ``L @ L.T == corr`` for a PSD correlation matrix.

    Lower-triangular Cholesky factor when ``corr`` is positive definite (so the first
    input is left untouched by ``z @ L.T``); otherwise, for a singular PSD matrix, the
    symmetric factor from its eigen-decomposition with negative round-off clipped.

    Parameters
    ----------
    corr : ndarray, shape (k, k)
        PSD correlation matrix [-].

    Returns
    -------
    ndarray, shape (k, k)
    """
    try:
        return np.linalg.cholesky(corr)
    except np.linalg.LinAlgError:
        w, v = np.linalg.eigh(corr)
        return (v * np.sqrt(np.maximum(w, 0.0))) @ v.T

