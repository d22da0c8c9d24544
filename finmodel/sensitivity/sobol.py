"""Sobol' variance-based sensitivity: sample -> evaluate (one call) -> analyse, with SALib.

The sample step is SALib's Sobol' (Saltelli) sampler in the unit hypercube, mapped to each
input's distribution by its inverse CDF (:mod:`~finmodel.sensitivity.distributions`). The
evaluate step is one call of an ``evaluate_fn(values) -> {output: (rows,) array}``: the model
passes the engine (:func:`~finmodel.sensitivity.evaluate.evaluate`, vectorised and chunked),
tests pass analytic functions (Ishigami, Sobol' G) through the very same path. The analyse
step is SALib's ``sobol.analyze``: first-order (S1) and total (ST) indices with bootstrap
confidence intervals.

Correlated inputs
-----------------
Sobol' indices of single inputs assume independent inputs. Inputs the spec correlates are
therefore analysed as **groups** (SALib's ``groups``): each cluster of inputs linked by a
non-zero correlation is one factor, and its indices are those of the cluster as a whole. The
correlation is imposed inside each cluster by a Gaussian copula on the unit sample (normal
scores correlated with the Pearson equivalent ``2 sin(pi rho / 6)`` of the Spearman target,
as the Monte Carlo's ``gaussian_copula`` does). Saltelli's scheme swaps whole groups between
its A and B matrices, so every row keeps each cluster's joint distribution and clusters stay
independent of one another: the grouped indices are exact estimators, not approximations.

Rows that cannot be used
------------------------
Saltelli's estimators need every row of a base point's block (A, B and the g rows A_B^j).
A block holding a row whose output is n/a (NaN: an IRR that does not exist, a row whose
inputs left their bounds) is dropped for that output, and the count is reported; the indices
then describe the output over the remaining base points.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import special

from .correlation import correlation_factor, nearest_correlation, spearman_to_pearson
from ..progress import Progress, no_progress

__all__ = ["EvaluateFn", "SobolIndices", "sobol_indices", "correlated_groups", "copula_groups",
           "to_inputs", "salib_seed", "analysis_problem", "MIN_CONVERGENCE_N", "CONF_LEVEL",
           "NUM_RESAMPLES", "U_MIN", "U_MAX"]

#: Evaluate rows of input values (rows, k) -> {output: (rows,) values [output unit], NaN = n/a}.
EvaluateFn = Callable[[np.ndarray], Mapping[str, np.ndarray]]

CONF_LEVEL = 0.95      # confidence level of the bootstrap intervals
NUM_RESAMPLES = 100    # bootstrap resamples (SALib's default)
MIN_CONVERGENCE_N = 32  # the smallest base sample of the convergence table
U_MIN = 2.0**-53       # unit samples are kept inside (0, 1): no inverse CDF sees 0 or 1
U_MAX = 1.0 - 2.0**-53


def salib_seed(seed: int, stream: int) -> int:
    """A seed in [1, 2^32 - 1] for one SALib call, derived from the run's seed.

    SALib's releases differ in how they seed (a ``numpy.random.Generator`` or the legacy global
    ``np.random.seed``, which takes 32 bits and skips seeding on 0); one derived 32-bit, non-zero
    seed per call (``stream`` 0: the sample, 1: the analysis) serves them all.
    """
    state = np.random.SeedSequence(int(seed), spawn_key=(int(stream),)).generate_state(1, dtype=np.uint32)
    return int(state[0]) % (2**32 - 1) + 1


def correlated_groups(names: Sequence[str], correlations: Sequence[tuple[str, str, float]]) -> list[list[str]]:
    """The factors of the analysis: each input alone, except inputs linked by non-zero
    correlations, which form one group (connected components), in the order of ``names``."""
    parent = {n: n for n in names}

    def root(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for a, b, rho in correlations:
        if a != b and rho != 0 and a in parent and b in parent:
            parent[root(b)] = root(a)
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(root(n), []).append(n)
    return list(groups.values())


def copula_groups(names: Sequence[str], groups: Sequence[Sequence[str]],
                  correlations: Sequence[tuple[str, str, float]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each group of two or more inputs: (column indices, L^T) with L L^T the normal-scores
    correlation of the group (the Spearman targets' Pearson equivalents, repaired to the
    nearest correlation matrix when not positive semi-definite)."""
    idx = {n: i for i, n in enumerate(names)}
    rho = {}
    for a, b, r in correlations:
        rho[(a, b)] = rho[(b, a)] = float(r)
    out = []
    for g in groups:
        if len(g) < 2:
            continue
        spearman = np.array([[1.0 if a == b else rho.get((a, b), 0.0) for b in g] for a in g])
        spearman, _ = nearest_correlation(spearman, names=list(g))
        pearson = spearman_to_pearson(spearman)
        np.fill_diagonal(pearson, 1.0)
        pearson, _ = nearest_correlation(pearson, names=list(g))
        out.append((np.array([idx[n] for n in g]), correlation_factor(pearson).T))
    return out


def to_inputs(u: np.ndarray, dists: Sequence, copulas: Sequence[tuple[np.ndarray, np.ndarray]] = ()) -> np.ndarray:
    """Unit samples (rows, k) -> input values (rows, k): a Gaussian copula inside each
    correlated group (row by row, so swapped groups keep their joint law), then each column's
    inverse CDF."""
    u = np.clip(np.array(u, dtype=float, order="F"), U_MIN, U_MAX)
    for cols, lt in copulas:
        z = special.ndtri(u[:, cols]) @ lt
        u[:, cols] = np.clip(special.ndtr(z), U_MIN, U_MAX)
    for j, d in enumerate(dists):
        u[:, j] = d.ppf(u[:, j])
    return u


def analysis_problem(names: Sequence[str], groups: Sequence[Sequence[str]]) -> dict:
    """SALib's problem over the unit hypercube; ``groups`` only when some group has two inputs."""
    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    if any(len(g) > 1 for g in groups):
        label = {n: group_label(g) for g in groups for n in g}
        problem["groups"] = [label[n] for n in names]
    return problem


def group_label(group: Sequence[str]) -> str:
    """A factor's name: the input, or its inputs joined by " + "."""
    return " + ".join(group)


@dataclass(frozen=True)
class SobolIndices:
    """Sobol' indices of every output.

    table: one row per (output, factor): output, factor (an input or a group "a + b"),
        inputs (its inputs, comma-separated), grouped (bool), S1, S1_conf, ST, ST_conf (the
        half-widths of the ``conf_level`` bootstrap intervals) [-], rank (1 = largest ST);
        NaN indices when the output has no variance or no usable base point.
    convergence: one row per (output, n, factor) for the outputs asked: the indices on the
        first n base points (n = 2^k), the same columns.
    used: output -> base points used; dropped: output -> base points dropped (an n/a row).
    """

    n: int                      # base sample size (rows = n * (factors + 2))
    seed: int
    factors: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    table: pd.DataFrame
    convergence: pd.DataFrame
    used: dict = field(default_factory=dict)
    dropped: dict = field(default_factory=dict)
    constant: tuple[str, ...] = ()  # outputs with no variance (every index n/a)
    rows: int = 0
    conf_level: float = CONF_LEVEL

    @property
    def grouped(self) -> tuple[tuple[str, ...], ...]:
        """The groups of two or more inputs."""
        return tuple(g for g in self.groups if len(g) > 1)


def _analyse(problem: dict, y: np.ndarray, seed: int, num_resamples: int, conf_level: float) -> dict:
    from SALib.analyze import sobol as salib_sobol
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return salib_sobol.analyze(problem, y, calc_second_order=False, num_resamples=num_resamples,
                                   conf_level=conf_level, seed=salib_seed(seed, 1))


def _rows(output: str, factors, groups, res: dict | None) -> list[dict]:
    rows = []
    for j, (f, g) in enumerate(zip(factors, groups)):
        vals = {k: (float(res[k][j]) if res is not None else np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        rows.append({"output": output, "factor": f, "inputs": ", ".join(g), "grouped": len(g) > 1, **vals})
    return rows


def sobol_indices(names: Sequence[str], dists: Sequence, evaluate_fn: EvaluateFn, n: int, seed: int,
                  correlations: Sequence[tuple[str, str, float]] = (),
                  convergence_outputs: Sequence[str] = (), num_resamples: int = NUM_RESAMPLES,
                  conf_level: float = CONF_LEVEL, progress: Progress | None = None) -> SobolIndices:
    """Sample, evaluate in one call, analyse: S1 and ST of every output ``evaluate_fn`` returns.

    Parameters
    ----------
    names, dists : the inputs (k) and their distributions (anything with a vectorised ``ppf``).
    evaluate_fn : (rows, k) input values -> {output: (rows,) values}; called once.
    n : base sample size, a power of 2 (rows = n * (g + 2), g = number of factors).
    seed : the run's seed; the sampler and the bootstrap get seeds derived from it.
    correlations : (a, b, Spearman rho): correlated inputs are analysed as one group.
    convergence_outputs : outputs whose indices are also computed on the first 2^k base points.
    progress : the analysis reported as ``progress(points, "Sobol indices")``: the base points
        of every bootstrap analysis (an output's n, and 32, 64, ... n more for each one in
        ``convergence_outputs``; the bootstrap's time grows with them), after the evaluation.

    Notes
    -----
    SALib's estimators: S1 (Saltelli et al. 2010), ST (Jansen 1999), on the output
    standardised; intervals: the normal approximation ``z * sd`` over bootstrap resamples of
    the base points.
    """
    from SALib.sample import sobol as salib_sample
    groups = correlated_groups(names, correlations)
    factors = [group_label(g) for g in groups]
    problem = analysis_problem(names, groups)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        u = salib_sample.sample(problem, n, calc_second_order=False, seed=salib_seed(seed, 0))
    x = to_inputs(u, dists, copula_groups(names, groups, correlations))
    values = evaluate_fn(x)
    block = len(groups) + 2
    rows, conv, used, dropped, constant = [], [], {}, {}, []
    heads = [m for m in (MIN_CONVERGENCE_N << i for i in range(n.bit_length())) if m <= n]
    points = n * len(values) + sum(heads) * sum(o in convergence_outputs for o in values)
    with (progress or no_progress)(points, "Sobol indices") as done:
        for o, y in values.items():
            y = np.asarray(y, dtype=float).reshape(n, block)
            ok = np.isfinite(y).all(axis=1)
            used[o], dropped[o] = int(ok.sum()), int((~ok).sum())
            yv = y[ok]
            if yv.shape[0] < 2 or np.ptp(yv) == 0:
                constant += [o] if yv.shape[0] >= 2 else []
                rows += _rows(o, factors, groups, None)
                done(n + (sum(heads) if o in convergence_outputs else 0))
                continue
            rows += _rows(o, factors, groups, _analyse(problem, yv.ravel(), seed, num_resamples, conf_level))
            done(n)
            if o in convergence_outputs:
                for m in heads:
                    head = y[:m][ok[:m]]
                    if head.shape[0] >= 2 and np.ptp(head) > 0:
                        res = _analyse(problem, head.ravel(), seed, num_resamples, conf_level)
                        conv += [{"n": m, **r} for r in _rows(o, factors, groups, res)]
                    done(m)
    table = pd.DataFrame(rows)
    table["rank"] = (table.groupby("output", sort=False)["ST"].rank(ascending=False, method="first")
                     .fillna(0).astype(int))
    cols = ["output", "n", "factor", "inputs", "grouped", "S1", "S1_conf", "ST", "ST_conf"]
    convergence = pd.DataFrame(conv, columns=cols)
    return SobolIndices(n, int(seed), tuple(factors), tuple(tuple(g) for g in groups), table, convergence,
                        used, dropped, tuple(constant), int(x.shape[0]), conf_level)
