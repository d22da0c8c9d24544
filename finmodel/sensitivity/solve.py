"""Break-even / goal seek: the value of one input at which an output hits a target.

Bracketing: the bounds are scanned in one vectorised call; the first scan point where
(output - target) changes sign or reaches 0 brackets the answer, then bisection refines every
target at once (one engine call per iteration for all targets). The answer is the smallest
input value in the bounds that reaches the target: an output that is flat at the target
beyond a kink (the unfunded gap is 0 for every round above the need) gives the kink, not
the first scan point past it. Nothing reached in the bounds, or the target met all along
from the lower bound -> a clear message with the output at both bounds; never a guess.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..model.drivers import Drivers
from .evaluate import evaluate
from .oneway import Variation, base_value

__all__ = ["Target", "Solution", "solve", "SCAN_POINTS", "MAX_ITERATIONS", "REACHED"]

SCAN_POINTS = 41
MAX_ITERATIONS = 80
#: |output - target| <= REACHED x max(1, |target|) counts as reached (float residue of 0).
REACHED = 1e-9


@dataclass(frozen=True)
class Target:
    output: str
    value: float
    vary: Variation  # low/high are the bounds


@dataclass(frozen=True)
class Solution:
    target: Target
    value: float | None         # the input value that hits the target, None if not found
    achieved: float | None      # the output at that value
    message: str                # "ok" or why there is no answer
    iterations: int
    base_input: float | None = None   # the input's value in the scenario (1.0 for a factor)
    base_output: float | None = None  # the output there (None when n/a)
    scan_inputs: tuple[float, ...] = ()   # the bracketing scan: input values, low to high
    scan_outputs: tuple[float, ...] = ()  # the output at each (NaN where n/a)
    # a statistic target (:mod:`.goalseek`); None / 0 / "" for a target on the model itself
    se: float | None = None             # Monte Carlo standard error of ``value`` [input unit]
    statistic_se: float | None = None   # standard error of the statistic at ``value`` [its unit]
    slope: float | None = None          # d statistic / d input at ``value`` (same draws)
    draws: int | None = None            # Monte Carlo draws, fixed over the search
    evaluations: int = 0                # statistic evaluations (each one engine pass of the draws)
    method: str = ""                    # how it was solved and its standard error computed

    @property
    def change(self) -> float | None:
        """Solved minus base input value [the input's unit], None without a solution."""
        if self.value is None or self.base_input is None:
            return None
        return self.value - self.base_input


def _rows(drivers: Drivers, targets: Sequence[Target], x: np.ndarray) -> np.ndarray:
    """Evaluate every target's output with its input at x[j] (k targets, one call)."""
    k = len(targets)
    overrides, scales = {}, {}
    for j, t in enumerate(targets):
        bucket = scales if t.vary.scale else overrides
        col = bucket.setdefault(t.vary.path, np.full(k, base_value(drivers, t.vary), dtype=float))
        col[j] = x[j]  # other targets' rows keep this input at its base value
    outs = sorted({t.output for t in targets})
    ev = evaluate(drivers, overrides, outs, scales)
    return np.array([ev.values[t.output][j] for j, t in enumerate(targets)]) - \
        np.array([t.value for t in targets])


def _reached(f: np.ndarray, targets: Sequence[Target]) -> np.ndarray:
    """(output - target) within float residue of 0 [bool]: the target is met there."""
    scale = np.maximum(1.0, np.abs(np.array([t.value for t in targets], dtype=float)))
    return np.abs(f) <= REACHED * scale.reshape((1,) * (f.ndim - 1) + (-1,))


def solve(drivers: Drivers, targets: Sequence[Target], tolerance: float = 1e-10) -> list[Solution]:
    """Solve every target together (vectorised across targets).

    For each target, the smallest input value in its bounds at which the output reaches the
    target: the first scan interval where (output - target) changes sign or becomes 0, refined
    by bisection to its left end. A crossing returns the middle of the final interval (the
    output equals the target within the solver's tolerance); a kink into a flat stretch at the
    target returns the final interval's right end, where the target is met, while a value
    ``tolerance`` lower is not.
    """
    k = len(targets)
    lo = np.array([t.vary.low for t in targets], dtype=float)
    hi = np.array([t.vary.high for t in targets], dtype=float)
    # scan: SCAN_POINTS x k rows in one call
    grid = np.linspace(0.0, 1.0, SCAN_POINTS)[:, None] * (hi - lo)[None, :] + lo[None, :]
    flat_targets = [t for _ in range(SCAN_POINTS) for t in targets]
    f = _rows(drivers, flat_targets, grid.reshape(-1)).reshape(SCAN_POINTS, k)
    hit = _reached(f, targets)
    base_x = np.array([base_value(drivers, t.vary) for t in targets], dtype=float)
    base_f = _rows(drivers, targets, base_x)
    context = [dict(base_input=float(base_x[j]), base_output=_finite_or_none(base_f[j] + t.value),
                    scan_inputs=tuple(float(x) for x in grid[:, j]),
                    scan_outputs=tuple(float(y) for y in f[:, j] + t.value))
               for j, t in enumerate(targets)]
    solutions: list[Solution | None] = [None] * k
    a, b, fa = lo.copy(), hi.copy(), np.empty(k)
    kink = np.zeros(k, dtype=bool)      # bracket ends where the target is met exactly (flat)
    active = np.zeros(k, dtype=bool)
    for j, t in enumerate(targets):
        col, met = f[:, j], hit[:, j]
        if met[0]:
            if met[1]:
                solutions[j] = Solution(t, None, None, _met_at_lower_bound(t, col), 0, **context[j])
            else:
                solutions[j] = Solution(t, float(grid[0, j]), float(col[0] + t.value), "ok", 0, **context[j])
            continue
        finite = np.isfinite(col)
        cross = finite[:-1] & finite[1:] & ((col[:-1] * col[1:] < 0) | met[1:])
        found = np.where(cross)[0]
        if found.size == 0:
            solutions[j] = Solution(t, None, None, _no_root_message(t, col), 0, **context[j])
            continue
        i = found[0]
        a[j], b[j], fa[j] = grid[i, j], grid[i + 1, j], col[i]
        kink[j] = met[i + 1] and (i + 2 >= SCAN_POINTS or hit[i + 2, j])
        active[j] = True
    iterations = 0
    while active.any() and iterations < MAX_ITERATIONS:
        iterations += 1
        mid = 0.5 * (a + b)
        fm = _rows(drivers, targets, np.where(active, mid, lo))
        # a crossing keeps the sign change inside; a kink keeps the target met at b only
        same = (np.sign(fm) == np.sign(fa)) & ~(kink & _reached(fm[None, :], targets)[0])
        a = np.where(active & same, mid, a)
        fa = np.where(active & same, fm, fa)
        b = np.where(active & ~same, mid, b)
        active &= (b - a) > tolerance * np.maximum(1.0, np.abs(a))
    x = np.where(kink, b, 0.5 * (a + b))
    final = _rows(drivers, targets, x)
    for j, t in enumerate(targets):
        if solutions[j] is None:
            solutions[j] = Solution(t, float(x[j]), float(final[j] + t.value), "ok", iterations, **context[j])
    return solutions  # type: ignore[return-value]


def _finite_or_none(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def _fmt(v: float) -> str:
    return "n/a" if not np.isfinite(v) else f"{v:,.4g}"


def _met_at_lower_bound(t: Target, col: np.ndarray) -> str:
    return (f"{t.output} is already {_fmt(col[0] + t.value)} at the lower bound {t.vary.low:g} of "
            f"{t.vary.path} and stays there: the smallest value that reaches {t.value:g} is at or "
            "below the lower bound; lower --bounds")


def _no_root_message(t: Target, col: np.ndarray) -> str:
    lo_v, hi_v = col[0] + t.value, col[-1] + t.value
    fmt = _fmt
    missing = int((~np.isfinite(col)).sum())
    why = (f"; {missing} of {SCAN_POINTS} scan points have no value (an input outside its bounds, "
           "e.g. terminal growth >= discount rate, or the output does not exist there)"
           if missing else "")
    values = col[np.isfinite(col)]
    if values.size > 1 and np.ptp(values) <= REACHED * max(1.0, float(np.abs(values).max())):
        why += (f"; {t.output} does not move with {t.vary.path} there (another part of the "
                "model sets it)")
    return (f"no solution for {t.output} = {t.value:g} with {t.vary.path} in "
            f"[{t.vary.low:g}, {t.vary.high:g}]: {t.output} is {fmt(lo_v)} at {t.vary.low:g} and "
            f"{fmt(hi_v)} at {t.vary.high:g} (no crossing found in {SCAN_POINTS} scan points{why}); "
            "widen --bounds or change the target")
