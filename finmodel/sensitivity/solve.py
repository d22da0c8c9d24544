"""Break-even / goal seek: the value of one input at which an output hits a target.

Bracketing: the bounds are scanned in one vectorised call, the first sign change of
(output - target) brackets the answer, then bisection refines every target at once (one
engine call per iteration for all targets). No sign change in the bounds -> a clear message
with the output at both bounds; never a guess.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..model.drivers import Drivers
from .evaluate import evaluate
from .oneway import Variation, base_value

__all__ = ["Target", "Solution", "solve", "SCAN_POINTS", "MAX_ITERATIONS"]

SCAN_POINTS = 41
MAX_ITERATIONS = 80


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


def solve(drivers: Drivers, targets: Sequence[Target], tolerance: float = 1e-10) -> list[Solution]:
    """Solve every target together (vectorised across targets)."""
    k = len(targets)
    lo = np.array([t.vary.low for t in targets], dtype=float)
    hi = np.array([t.vary.high for t in targets], dtype=float)
    # scan: SCAN_POINTS x k rows in one call
    grid = np.linspace(0.0, 1.0, SCAN_POINTS)[:, None] * (hi - lo)[None, :] + lo[None, :]
    f = np.empty_like(grid)
    flat_targets = [t for _ in range(SCAN_POINTS) for t in targets]
    f_flat = _rows(drivers, flat_targets, grid.reshape(-1))
    f[:] = f_flat.reshape(SCAN_POINTS, k)
    solutions: list[Solution | None] = [None] * k
    a, b, fa = lo.copy(), hi.copy(), np.empty(k)
    active = np.zeros(k, dtype=bool)
    for j, t in enumerate(targets):
        col = f[:, j]
        exact = np.where(col == 0)[0]
        if exact.size:
            solutions[j] = Solution(t, float(grid[exact[0], j]), t.value, "ok", 0)
            continue
        cross = np.where(np.isfinite(col[:-1]) & np.isfinite(col[1:]) & (col[:-1] * col[1:] < 0))[0]
        if cross.size == 0:
            solutions[j] = Solution(t, None, None, _no_root_message(t, col), 0)
            continue
        i = cross[0]
        a[j], b[j], fa[j] = grid[i, j], grid[i + 1, j], col[i]
        active[j] = True
    iterations = 0
    while active.any() and iterations < MAX_ITERATIONS:
        iterations += 1
        mid = 0.5 * (a + b)
        fm = _rows(drivers, targets, np.where(active, mid, lo))
        same = np.sign(fm) == np.sign(fa)
        a = np.where(active & same, mid, a)
        fa = np.where(active & same, fm, fa)
        b = np.where(active & ~same, mid, b)
        active &= (b - a) > tolerance * np.maximum(1.0, np.abs(a))
    x = 0.5 * (a + b)
    final = _rows(drivers, targets, x)
    for j, t in enumerate(targets):
        if solutions[j] is None:
            solutions[j] = Solution(t, float(x[j]), float(final[j] + t.value), "ok", iterations)
    return solutions  # type: ignore[return-value]


def _no_root_message(t: Target, col: np.ndarray) -> str:
    lo_v, hi_v = col[0] + t.value, col[-1] + t.value
    fmt = lambda v: "n/a" if not np.isfinite(v) else f"{v:,.4g}"  # noqa: E731
    missing = int((~np.isfinite(col)).sum())
    why = (f"; {missing} of {SCAN_POINTS} scan points have no value (an input outside its bounds, "
           "e.g. terminal growth >= discount rate, or the output does not exist there)"
           if missing else "")
    return (f"no solution for {t.output} = {t.value:g} with {t.vary.path} in "
            f"[{t.vary.low:g}, {t.vary.high:g}]: {t.output} is {fmt(lo_v)} at {t.vary.low:g} and "
            f"{fmt(hi_v)} at {t.vary.high:g} (no crossing found in {SCAN_POINTS} scan points{why}); "
            "widen --bounds or change the target")
