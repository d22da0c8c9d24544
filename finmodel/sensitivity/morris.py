"""Morris elementary-effects screening: sample -> evaluate (one call) -> analyse, with SALib.

Cheap screening of many inputs: r trajectories of k + 1 rows each move one input at a time by
a step of ``levels / (2 (levels - 1))`` of its range on a grid of ``levels`` levels (SALib's
sampler in the unit hypercube). Each level is mapped to the input's value by its inverse CDF:
the unit interval spans the whole range of a bounded distribution (a uniform low..high: the
ends exactly), and reaches the 1st or 99th percentile (:data:`TAIL`) on an unbounded side,
where the inverse CDF is infinite at 0 or 1 (and at a lognormal's lower limit 0).

For each input SALib returns mu* (mean absolute elementary effect: the importance), its
bootstrap interval, mu (signed mean: the direction, when monotone) and sigma (spread of the
effects: interactions or non-linearity), in the output's unit per move across the input's
range. A trajectory with an n/a row (an IRR that does not exist, a row outside an input's
bounds) is dropped for that output and counted.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from .distributions import DistKind
from .sobol import CONF_LEVEL, NUM_RESAMPLES, EvaluateFn, salib_seed

__all__ = ["MorrisIndices", "morris_indices", "unit_to_quantile", "level_values", "TAIL", "LEVELS", "TRAJECTORIES"]

TAIL = 0.01        # quantile of an unbounded distribution's end level (1st / 99th percentile)
LEVELS = 4         # grid levels (SALib's default)
TRAJECTORIES = 20  # trajectories by default


def unit_to_quantile(u: np.ndarray, dists: Sequence) -> np.ndarray:
    """Morris levels in [0, 1] (rows, k) -> quantiles: the whole (0, 1) for a side bounded by a
    stated parameter (uniform, triangular, PERT, discrete, a truncated normal's bound), the
    :data:`TAIL` quantile for an unbounded side and for a lognormal's lower limit 0."""
    q = np.array(u, dtype=float)
    for j, d in enumerate(dists):
        lo, hi = d.support()
        limit = getattr(d, "kind", None) is DistKind.LOGNORMAL  # its 0 is a limit, not a stated bound
        a = 0.0 if math.isfinite(lo) and not limit else TAIL
        b = 1.0 if math.isfinite(hi) else 1.0 - TAIL
        q[:, j] = a + (b - a) * q[:, j]
    return q


def level_values(q: np.ndarray, dist) -> np.ndarray:
    """Input values at quantiles ``q`` (from :func:`unit_to_quantile`): the inverse CDF inside
    (0, 1), the support's end exactly at 0 and 1."""
    lo, hi = dist.support()
    x = dist.ppf(np.clip(q, 2.0**-53, 1.0 - 2.0**-53))
    return np.where(q <= 0.0, lo, np.where(q >= 1.0, hi, x))


@dataclass(frozen=True)
class MorrisIndices:
    """table: one row per (output, input): output, input, mu_star, mu_star_conf (half-width of
    the bootstrap interval), mu, sigma [output unit], rank (1 = largest mu*); NaN when no
    trajectory is usable. used / dropped: output -> trajectories used / dropped (an n/a row)."""

    trajectories: int
    levels: int
    seed: int
    names: tuple[str, ...]
    table: pd.DataFrame
    used: dict = field(default_factory=dict)
    dropped: dict = field(default_factory=dict)
    rows: int = 0
    conf_level: float = CONF_LEVEL


def morris_indices(names: Sequence[str], dists: Sequence, evaluate_fn: EvaluateFn, trajectories: int,
                   seed: int, levels: int = LEVELS, num_resamples: int = NUM_RESAMPLES,
                   conf_level: float = CONF_LEVEL) -> MorrisIndices:
    """Sample r trajectories, evaluate all r (k + 1) rows in one call, analyse each output.

    SALib's legacy releases seed the global numpy generator; its state is restored afterwards.
    """
    from SALib.analyze import morris as salib_analyze
    from SALib.sample import morris as salib_sample
    k = len(names)
    problem = {"num_vars": k, "names": list(names), "bounds": [[0.0, 1.0]] * k}
    state = np.random.get_state()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            u = salib_sample.sample(problem, trajectories, num_levels=levels, seed=salib_seed(seed, 0))
        q = unit_to_quantile(u, dists)
        x = np.column_stack([level_values(q[:, j], d) for j, d in enumerate(dists)])
        values = evaluate_fn(x)
        rows, used, dropped = [], {}, {}
        for o, y in values.items():
            y = np.asarray(y, dtype=float).reshape(trajectories, k + 1)
            ok = np.isfinite(y).all(axis=1)
            used[o], dropped[o] = int(ok.sum()), int((~ok).sum())
            res = None
            if ok.sum() >= 2:
                uu = u.reshape(trajectories, k + 1, k)[ok].reshape(-1, k)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res = salib_analyze.analyze(problem, uu, y[ok].ravel(), num_resamples=num_resamples,
                                                conf_level=conf_level, num_levels=levels,
                                                seed=salib_seed(seed, 1))
            for j, name in enumerate(names):
                vals = {key: (float(res[key][j]) if res is not None else np.nan)
                        for key in ("mu_star", "mu_star_conf", "mu", "sigma")}
                rows.append({"output": o, "input": name, **vals})
    finally:
        np.random.set_state(state)
    table = pd.DataFrame(rows)
    table["rank"] = (table.groupby("output", sort=False)["mu_star"].rank(ascending=False, method="first")
                     .fillna(0).astype(int))
    return MorrisIndices(trajectories, levels, int(seed), tuple(names), table, used, dropped,
                         int(x.shape[0]), conf_level)
