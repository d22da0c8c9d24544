"""One-way and two-way sensitivity: tornado, spider and grid — sample -> evaluate -> analyse.

Every point of an analysis is one row of a single vectorised evaluation; row 0 is always the
base point (every varied input at its base value), so the base equals the base run exactly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..arguments import heading
from ..lazy import lazy_module
from ..progress import Progress, no_progress
from ..model.drivers import Drivers
from .evaluate import Evaluation, evaluate

pd = lazy_module("pandas")  # ~0.2 s: only results are tables; reading a spec needs none

__all__ = ["Variation", "base_value", "TornadoResult", "off_scale", "rank_swings", "tornado", "GridResult", "grid", "SPIDER_STEPS"]

SPIDER_STEPS = 7  # points from low to high for each input of the spider chart


@dataclass(frozen=True)
class Variation:
    """How one input is varied.

    path:  an input path (``valuation.discount_rate``, ``operations.pue.2030``).
    scale: when True the whole input (every year) is multiplied by a factor and ``base``,
           ``low`` and ``high`` are factors (base 1.0).
    unit:  the unit of ``base``, ``low`` and ``high``: the input's unit, or "factor".
    """

    name: str
    label: str
    path: str
    base: float
    low: float
    high: float
    scale: bool = False
    integer: bool = False
    rationale: str = ""
    unit: str = ""


def base_value(drivers: Drivers, v: Variation) -> float:
    """The scenario's own value of a variation's input (1.0 for a scale factor).

    Points leave an input at this value when they do not vary it, whatever ``v.base`` says, so
    a base point always equals the base run exactly.
    """
    return 1.0 if v.scale else drivers.base_value(v.path)


def _rows(drivers: Drivers, vars_: Sequence[Variation], points: list[dict[str, float]]) -> tuple[dict, dict]:
    """Override and scale arrays for a list of points {variation name: value}."""
    overrides, scales = {}, {}
    for v in vars_:
        col = np.array([p.get(v.name, base_value(drivers, v)) for p in points], dtype=float)
        (scales if v.scale else overrides)[v.path] = col
    return overrides, scales


@dataclass(frozen=True)
class TornadoResult:
    """swings: one row per (output, input): low/high values, swing, off_scale, rank; spider:
    the curves; years: the timeline (an n/a year output lies beyond its last year)."""

    base: dict[str, float]
    swings: pd.DataFrame
    spider: pd.DataFrame
    invalid_points: int
    years: np.ndarray | None = None


def off_scale(swings: pd.DataFrame) -> np.ndarray:
    """(rows,) int: how many of an input's two ends (low, high) change the output between
    having a value and "n/a" (payback within the horizon or not, an IRR or none) against the
    base. Such a change is off the output's scale: larger than any finite swing."""
    lo, hi, base = (~np.isfinite(swings[c].to_numpy(dtype=float))
                    for c in ("output_low", "output_high", "output_base"))
    return (lo != base).astype(int) + (hi != base).astype(int)


def rank_swings(swings: pd.DataFrame) -> pd.Series:
    """The rank (1 = largest effect) of each row of ``swings`` within its output.

    An input whose low or high makes the output "n/a" where the base has a value (payback
    pushed beyond the horizon), or gives it a value where the base has none (payback brought
    within the horizon), moves it off its scale: it ranks before every finite swing, both ends
    before one end, then by the finite change (the larger first). The rest rank by swing; an
    input that leaves the output n/a at both ends and at base has no measurable effect (0).
    Ties keep the spec's order.
    """
    lo, hi, base = (swings[c].to_numpy(dtype=float) for c in ("output_low", "output_high", "output_base"))
    ends = off_scale(swings)
    with np.errstate(invalid="ignore"):
        side = np.fmax(np.abs(lo - base), np.abs(hi - base))
    swing = np.abs(hi - lo)
    size = np.nan_to_num(np.where(np.isfinite(swing), swing, side), nan=0.0)
    key = pd.DataFrame({"output": swings["output"].to_numpy(), "ends": ends, "size": size,
                        "order": np.arange(len(swings))})
    key = key.sort_values(["output", "ends", "size", "order"], ascending=[True, False, False, True],
                          kind="stable")
    ranks = key.groupby("output", sort=False).cumcount() + 1  # key's index: row positions
    return pd.Series(ranks.to_numpy(), index=swings.index[key.index]).reindex(swings.index).astype(int)


def tornado(drivers: Drivers, variations: Sequence[Variation], outputs: Sequence[str],
            progress: Progress | None = None) -> TornadoResult:
    """Tornado and spider in ONE engine call: base, then low and high of each input, then the
    spider points (low..high in equal steps) of each input; reported as
    ``progress(points, "tornado")``."""
    points: list[dict[str, float]] = [{}]
    for v in variations:
        points += [{v.name: v.low}, {v.name: v.high}]
    spider_index = []
    for v in variations:
        for x in _spider_values(v):
            spider_index.append((v, x))
            points.append({v.name: x})
    with (progress or no_progress)(len(points), "tornado") as bar:
        ev = _evaluate(drivers, variations, points, outputs, bar)
    base = {o: float(ev.values[o][0]) for o in outputs}
    rows = []
    for o in outputs:
        for i, v in enumerate(variations):
            lo, hi = ev.values[o][1 + 2 * i], ev.values[o][2 + 2 * i]
            swing = abs(hi - lo) if np.isfinite(lo) and np.isfinite(hi) else np.nan
            rows.append({"output": o, "input": v.name, "label": v.label, "path": v.path,
                         "input_low": v.low, "input_base": v.base, "input_high": v.high,
                         "output_base": base[o], "output_low": lo, "output_high": hi,
                         "swing": swing})
    swings = pd.DataFrame(rows)
    swings["off_scale"] = off_scale(swings) > 0
    swings["rank"] = rank_swings(swings)
    swings = swings.sort_values(["output", "rank"]).reset_index(drop=True)
    offset = 1 + 2 * len(variations)
    spider = []
    for j, (v, x) in enumerate(spider_index):
        change = (x / v.base - 1.0) if v.base != 0 else np.nan
        for o in outputs:
            spider.append({"output": o, "input": v.name, "label": v.label, "input_value": x,
                           "change_fraction": change, "value": float(ev.values[o][offset + j])})
    invalid = int(ev.invalid.sum())
    return TornadoResult(base, swings, pd.DataFrame(spider), invalid, np.asarray(ev.years))


def _spider_values(v: Variation) -> list[float]:
    xs = np.linspace(v.low, v.high, SPIDER_STEPS)
    if v.integer:
        xs = np.unique(np.round(xs))
    return [float(x) for x in xs]


def _evaluate(drivers, variations, points, outputs, progress) -> Evaluation:
    overrides, scales = _rows(drivers, variations, points)
    return evaluate(drivers, overrides, outputs, scales, progress=progress)


@dataclass(frozen=True)
class GridResult:
    """values: (ny, nx) of the output; x/y: the axis values; base: the base point's output."""

    x: Variation
    y: Variation
    xs: np.ndarray
    ys: np.ndarray
    output: str
    values: np.ndarray
    base: float
    invalid_points: int

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.values, index=pd.Index(self.ys, name=heading(self.y.path, self.y.scale)),
                            columns=pd.Index(self.xs, name=heading(self.x.path, self.x.scale)))

    def tidy(self) -> pd.DataFrame:
        X, Y = np.meshgrid(self.xs, self.ys)
        return pd.DataFrame({heading(self.x.path, self.x.scale): X.ravel(),
                             heading(self.y.path, self.y.scale): Y.ravel(), self.output: self.values.ravel()})


def grid(drivers: Drivers, x: Variation, y: Variation, nx: int, ny: int, output: str,
         progress: Progress | None = None) -> GridResult:
    """A two-way data table of ``output`` over x in [x.low, x.high] and y in [y.low, y.high],
    with the base point first; ONE engine call for all nx * ny + 1 points."""
    xs = np.linspace(x.low, x.high, nx)
    ys = np.linspace(y.low, y.high, ny)
    if x.integer:
        xs = np.unique(np.round(xs))
    if y.integer:
        ys = np.unique(np.round(ys))
    points = [{}] + [{x.name: float(a), y.name: float(b)} for b in ys for a in xs]
    with (progress or no_progress)(len(points), "grid") as bar:
        ev = _evaluate(drivers, (x, y), points, [output], bar)
    vals = ev.values[output]
    return GridResult(x, y, xs, ys, output, vals[1:].reshape(len(ys), len(xs)), float(vals[0]),
                      int(ev.invalid[1:].sum()))
