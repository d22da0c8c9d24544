"""Goal seek on a simulated statistic: the value of one input at which a percentile, a mean or a
probability of an output over the spec's Monte Carlo draws reaches a target.

Common random numbers
---------------------
The spec's distributions are sampled ONCE (:func:`~finmodel.sensitivity.sampling.sample`, as
``finmodel montecarlo`` samples them for the same seed) and the draws are held fixed for the
whole search; only the varied input moves. Every draw's output is then a continuous function
of the input wherever the model is, so the statistics solved on are too:

* ``mean(Y)``: the mean of the draws;
* ``pQ(Y)``: the interpolated empirical quantile (``numpy.percentile``, linear), continuous in
  the input although the draw at a given rank changes;
* ``prob(Y<c) = P``: the share of draws is a step function of the input at finite N, so it is
  solved as the equivalent quantile: ``P(Y < c) = P`` <=> ``Q_P(Y) = c`` (``P(Y > c) = P`` <=>
  ``Q_{1-P}(Y) = c``), continuous as above. The share at the solution is reported beside it.

An output that moves in whole steps (a year such as ``payback_year``) makes every statistic
of it a step function of the input too: brentq then returns the input where the step is
crossed (to its tolerance), and the slope over +-h is the step's height / 2h, so the standard
error is only indicative there.

An input the spec also samples keeps its distribution's spread around the solved value: a
sampled factor (``scale: true``) multiplies the solved value, a sampled value is shifted by
(solved - scenario value) or multiplied by a solved factor (``PATH*``). The solved value is
the location of that input; each solution's ``method`` says so.

Root finding: the bounds are scanned at :data:`SCAN_POINTS` inputs in one vectorised engine
call (the curve shown in the workbook); the first scan interval where (statistic - target)
changes sign brackets the answer, which :func:`scipy.optimize.brentq` refines (one engine call
of N rows per iteration). No crossing -> a message with the statistic at both bounds.

Monte Carlo standard error of the solved value, by the delta method: SE of the statistic at
the solution / |d statistic / d input|, the slope by a central difference on the same draws
over +-h, h = max(1 % of the bounds, the SE found with 1 %) so that the slope is that of the
statistic's trend, not of the few draws near one rank. SE of a mean: sd / sqrt(n); of a
quantile: the half-width of its 95 % distribution-free order-statistic interval / 1.96
(:func:`~finmodel.sensitivity.stats.percentiles`). These assume independent draws: with
``lhs`` they are conservative.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from scipy import optimize, stats as sps

from ..arguments import COMPARE, Goal, Op, Stat
from ..model.drivers import Drivers
from .evaluate import evaluate
from .oneway import Variation, base_value
from .sampling import sample
from .solve import Solution
from .stats import percentiles

__all__ = ["StatTarget", "FixedDraws", "draw_inputs", "statistic_values", "solve_statistics",
           "SCAN_POINTS", "XTOL", "SLOPE_STEP", "Z95", "MAX_ROWS"]

SCAN_POINTS = 21     # inputs scanned over the bounds (one engine call of SCAN_POINTS x N rows)
XTOL = 1e-7          # brentq's tolerance, relative to the width of the bounds
SLOPE_STEP = 0.01    # first finite-difference step for the slope, relative to the bounds
Z95 = float(sps.norm.ppf(0.975))
MAX_ROWS = 1_000_000  # most engine rows (draws x inputs scanned) per evaluate call


@dataclass(frozen=True)
class StatTarget:
    """A statistic target: ``goal`` (its ``stat`` is set) reached by moving ``vary``."""

    goal: Goal
    vary: Variation
    missing_as: float | None = None  # what an n/a of the metric counts as (None: left out)

    @property
    def output(self) -> str:
        """The statistic's text, e.g. ``p90(peak_funding_need_usd_bn)`` (labels are keyed by it)."""
        return self.goal.name

    @property
    def value(self) -> float:
        return self.goal.value

    @property
    def quantile(self) -> float | None:
        """The quantile solved on [%]: pQ's Q, or the quantile equivalent to a probability."""
        g = self.goal
        if g.stat is Stat.PERCENTILE:
            return g.q
        if g.stat is Stat.PROBABILITY:
            below = g.event.op in (Op.LT, Op.LE)
            return 100.0 * (g.value if below else 1.0 - g.value)
        return None

    @property
    def solved_target(self) -> float:
        """The target of the statistic solved on (a probability's threshold for its quantile)."""
        return self.goal.event.threshold if self.goal.stat is Stat.PROBABILITY else self.goal.value


@dataclass(frozen=True)
class FixedDraws:
    """The spec's inputs sampled once: variations (k) and values (n, k)."""

    variations: tuple[Variation, ...]
    values: np.ndarray
    seed: int
    lhs: bool

    @property
    def n(self) -> int:
        return self.values.shape[0]


def draw_inputs(spec, variations: Sequence[Variation], draws: int, seed: int | None,
                lhs: bool) -> FixedDraws:
    """Sample the spec's distributions once, as ``finmodel montecarlo`` does for ``seed``."""
    chosen = spec.sampled(variations, needed_by="a statistic target")
    names = [v.name for v, _ in chosen]
    corr = spec.correlation_matrix(names) if spec.correlations else None
    s = sample([d for _, d in chosen], draws, seed, lhs, corr, spec.montecarlo_method, names=names)
    return FixedDraws(tuple(v for v, _ in chosen), s.values, int(s.seed), bool(lhs))


def sampled_with(draws: FixedDraws, vary: Variation) -> Variation | None:
    """The spec input sampling the same input as ``vary``, if any."""
    return next((v for v in draws.variations if v.path == vary.path), None)


def _batch(drivers: Drivers, draws: FixedDraws, vary: Variation, xs: np.ndarray):
    """Override and scale arrays: every draw at every x (x-major, n rows per x)."""
    m, n = len(xs), draws.n
    overrides, scales = {}, {}
    base = base_value(drivers, vary)
    x = np.repeat(np.asarray(xs, dtype=float), n)
    own = None
    for j, v in enumerate(draws.variations):
        col = np.tile(draws.values[:, j], m)
        if v.path == vary.path:
            own = (v, col)
            continue
        (scales if v.scale else overrides)[v.path] = np.round(col) if v.integer else col
    if own is None:
        (scales if vary.scale else overrides)[vary.path] = x
    else:
        v, col = own
        if vary.scale and v.scale:        # factor on a sampled factor
            scales[v.path] = col * x
        elif vary.scale:                  # factor on a sampled value
            overrides[v.path], scales[v.path] = col, x
        elif v.scale:                     # value times a sampled factor
            overrides[v.path], scales[v.path] = x, col
        else:                             # a sampled value shifted to the solved location
            shifted = col + (x - base)
            overrides[v.path] = np.round(shifted) if v.integer else shifted
    return overrides, scales


def _outputs(drivers: Drivers, draws: FixedDraws, t: StatTarget, xs) -> tuple[np.ndarray, np.ndarray]:
    """(m, n) draws of the target's output at each x, and the (m, n) invalid draws (inputs out
    of bounds: NaN, left out). An n/a of a valid draw counts as the metric's ``missing_as``
    (a year never reached: +inf), or stays NaN and is left out, as in ``finmodel montecarlo``.
    The x values go to the engine in groups of at most :data:`MAX_ROWS` rows, so the tiled
    inputs stay bounded however many draws."""
    xs = np.atleast_1d(np.asarray(xs, dtype=float))
    per_call = max(1, MAX_ROWS // draws.n)
    ys, bad = [], []
    for start in range(0, len(xs), per_call):
        group = xs[start:start + per_call]
        overrides, scales = _batch(drivers, draws, t.vary, group)
        ev = evaluate(drivers, overrides, [t.goal.output], scales)
        y = ev.values[t.goal.output]
        if t.missing_as is not None:
            y = np.where(np.isnan(y) & ~ev.invalid, t.missing_as, y)
        ys.append(y.reshape(len(group), draws.n))
        bad.append(ev.invalid.reshape(len(group), draws.n))
    return np.concatenate(ys), np.concatenate(bad)


def _kept(y: np.ndarray, t: StatTarget) -> np.ndarray:
    """The draws a statistic counts: valid, with a value (or n/a counted as ``missing_as``)."""
    return y[~np.isnan(y)]


def statistic_values(y: np.ndarray, t: StatTarget) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``y`` (m, n): (the statistic solved on, the statistic reported).

    They differ for a probability: solved on its equivalent quantile, reported as the share."""
    solved, shown = np.full(len(y), np.nan), np.full(len(y), np.nan)
    for i, row in enumerate(y):
        x = _kept(row, t)
        if not x.size:
            continue
        g = t.goal
        if g.stat is Stat.MEAN:
            solved[i] = shown[i] = x.mean()
            continue
        with np.errstate(invalid="ignore"):
            solved[i] = np.percentile(x, t.quantile)
            shown[i] = solved[i] if g.stat is Stat.PERCENTILE else \
                np.mean(COMPARE[g.event.op](x, g.event.threshold))
    return solved, shown


def _standard_error(y: np.ndarray, t: StatTarget) -> tuple[float, float, int]:
    """(SE of the statistic solved on, SE of the statistic reported, draws counted) at one x."""
    x = _kept(y, t)
    n = x.size
    if n < 2:
        return np.nan, np.nan, n
    if t.goal.stat is Stat.MEAN:
        se = float(x.std(ddof=1) / np.sqrt(n))
        return se, se, n
    p = percentiles(x, (t.quantile,))
    se = float((p.upper[0] - p.lower[0]) / (2 * Z95))
    if t.goal.stat is Stat.PROBABILITY:
        share = float(np.mean(COMPARE[t.goal.event.op](x, t.goal.event.threshold)))
        return se, float(np.sqrt(share * (1 - share) / n)), n
    return se, se, n


def _fmt(v: float) -> str:
    return "n/a" if not np.isfinite(v) else f"{v:,.4g}"


def _method(t: StatTarget, draws: FixedDraws, vary_note: str) -> str:
    g = t.goal
    if g.stat is Stat.MEAN:
        what = "the mean"
    elif g.stat is Stat.PERCENTILE:
        what = f"the interpolated empirical P{t.quantile:g}"
    else:
        what = (f"P({g.event}) solved as the equivalent quantile P{t.quantile:g}({g.output}) = "
                f"{g.event.threshold:g} (the share of draws is a step function of the input; the "
                "quantile is continuous)")
    se = "sd/sqrt(n)" if g.stat is Stat.MEAN else "95% order-statistic interval half-width/1.96"
    return (f"brentq on {what} over {draws.n:,} fixed draws (common random numbers, seed {draws.seed}"
            f"{', LHS' if draws.lhs else ''}); SE of the solution by the delta method: SE of the "
            f"statistic ({se}) / |slope|, slope by central difference on the same draws"
            + (f"; {vary_note}" if vary_note else ""))


def vary_note(draws: FixedDraws, vary: Variation) -> str:
    """What happens to the varied input's own distribution, if the spec samples it."""
    v = sampled_with(draws, vary)
    if v is None:
        return ""
    how = ("its sampled factor multiplies the solved value" if v.scale and not vary.scale else
           "its sampled factor is multiplied by the solved factor" if v.scale else
           "its sampled value is multiplied by the solved factor" if vary.scale else
           "its sampled value is shifted by (solved - scenario value)")
    return (f"{vary.path} also has a distribution in the spec ({v.name}): {how}, so the solved "
            "value is the location of that input's distribution, its spread kept")


def solve_statistics(drivers: Drivers, targets: Sequence[StatTarget], draws: FixedDraws,
                     progress: Callable[[int], None] | None = None) -> list[Solution]:
    """Solve each statistic target on the same fixed draws; one :class:`Solution` per target
    with ``se`` (Monte Carlo standard error of the solved value), ``statistic_se``, ``slope``,
    ``draws`` and ``evaluations`` (statistic evaluations, each one engine pass of N draws)."""
    out = []
    for t in targets:
        out.append(_solve_one(drivers, t, draws))
        if progress is not None:
            progress(1)
    return out


def _solve_one(drivers: Drivers, t: StatTarget, draws: FixedDraws) -> Solution:
    v = t.vary
    lo, hi = float(v.low), float(v.high)
    grid = np.linspace(lo, hi, SCAN_POINTS)
    base_x = base_value(drivers, v)
    ys = _outputs(drivers, draws, t, np.append(grid, base_x))[0]
    solved, shown = statistic_values(ys, t)
    f = solved[:-1] - t.solved_target
    evaluations = SCAN_POINTS + 1
    method = _method(t, draws, vary_note(draws, v))
    context = dict(base_input=float(base_x), base_output=_finite(shown[-1]),
                   scan_inputs=tuple(float(x) for x in grid),
                   scan_outputs=tuple(float(y) for y in shown[:-1]), draws=draws.n, method=method)
    finite = np.isfinite(f)
    cross = finite[:-1] & finite[1:] & ((f[:-1] * f[1:] < 0) | (f[1:] == 0))
    if finite[0] and f[0] == 0:
        i = None
    else:
        found = np.where(cross)[0]
        if found.size == 0:
            return Solution(t, None, None, _no_root(t, shown[:-1], f), 0, evaluations=evaluations,
                            **context)
        i = int(found[0])
    calls = [0]

    def g(x: float) -> float:
        calls[0] += 1
        return float(statistic_values(_outputs(drivers, draws, t, x)[0], t)[0][0] - t.solved_target)

    if i is None:
        root, iterations = lo, 0
    elif f[i + 1] == 0:
        root, iterations = float(grid[i + 1]), 0
    else:
        root, info = optimize.brentq(g, grid[i], grid[i + 1], xtol=XTOL * (hi - lo), full_output=True)
        iterations = int(info.iterations)
    y_root, bad = (a[0] for a in _outputs(drivers, draws, t, root))
    left_out = int(np.isnan(y_root).sum())
    if left_out:
        method += (f"; at the solution {int(bad.sum()):,} of {draws.n:,} draws are invalid (an input "
                   f"out of its bounds) and {left_out - int(bad.sum()):,} n/a, both left out")
    se_stat, se_shown, _ = _standard_error(y_root, t)
    achieved = float(statistic_values(y_root[None, :], t)[1][0])
    slope, se, extra = _slope_and_se(drivers, draws, t, root, se_stat, lo, hi)
    evaluations += calls[0] + 1 + extra
    return Solution(t, float(root), achieved, "ok", iterations, evaluations=evaluations,
                    se=se, statistic_se=se_shown, slope=slope, **(context | {"method": method}))


def _slope_and_se(drivers, draws, t, root, se_stat, lo, hi) -> tuple[float | None, float | None, int]:
    """d statistic / d input at ``root`` by central difference on the same draws, and the
    delta-method SE of the solved value; returns (slope, se, statistic evaluations used)."""
    h = SLOPE_STEP * (hi - lo)
    slope, se, used = None, None, 0
    for _ in range(2):
        a, b = max(lo, root - h), min(hi, root + h)
        y = _outputs(drivers, draws, t, np.array([a, b]))[0]
        s = statistic_values(y, t)[0]
        used += 2
        slope = float((s[1] - s[0]) / (b - a)) if np.all(np.isfinite(s)) else None
        if slope is None or slope == 0 or not np.isfinite(se_stat):
            return slope, None, used
        se = abs(se_stat / slope)
        if se <= h:
            break
        h = se  # the statistic's trend over the scale of the answer's uncertainty
    return slope, se, used


def _finite(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def _no_root(t: StatTarget, shown: np.ndarray, f: np.ndarray) -> str:
    v = t.vary
    missing = int((~np.isfinite(f)).sum())
    why = f"; {missing} of {SCAN_POINTS} scan points have no value" if missing else ""
    return (f"no solution for {t.goal} with {v.path}{'*' if v.scale else ''} in [{v.low:g}, {v.high:g}]: "
            f"{t.output} is {_fmt(shown[0])} at {v.low:g} and {_fmt(shown[-1])} at {v.high:g} "
            f"(no crossing in {SCAN_POINTS} scan points on the fixed draws{why}); the target is "
            "outside the reachable range: widen --bounds or change the target")
