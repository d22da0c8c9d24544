"""One-way and two-way sensitivity: tornado, spider and grid — sample -> evaluate -> analyse.

Every point of an analysis is one row of a single vectorised evaluation; row 0 is always the
base point (every varied input at its base value), so the base equals the base run exactly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from ..model.drivers import Drivers
from .evaluate import Evaluation, evaluate

__all__ = ["Variation", "base_value", "TornadoResult", "tornado", "GridResult", "grid", "SPIDER_STEPS"]

SPIDER_STEPS = 7  # points from low to high for each input of the spider chart


@dataclass(frozen=True)
class Variation:
    """How one input is varied.

    path:  an input path (``valuation.discount_rate``, ``operations.pue.2030``).
    scale: when True the whole input (every year) is multiplied by a factor and ``base``,
           ``low`` and ``high`` are factors (base 1.0).
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
    """swings: one row per (output, input): low/high values, swing, rank; spider: the curves."""

    base: dict[str, float]
    swings: pd.DataFrame
    spider: pd.DataFrame
    invalid_points: int


def tornado(drivers: Drivers, variations: Sequence[Variation], outputs: Sequence[str],
            progress: Callable[[int], None] | None = None) -> TornadoResult:
    """Tornado and spider in ONE engine call: base, then low and high of each input, then the
    spider points (low..high in equal steps) of each input."""
    points: list[dict[str, float]] = [{}]
    for v in variations:
        points += [{v.name: v.low}, {v.name: v.high}]
    spider_index = []
    for v in variations:
        for x in _spider_values(v):
            spider_index.append((v, x))
            points.append({v.name: x})
    ev = _evaluate(drivers, variations, points, outputs, progress)
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
    swings["rank"] = swings.groupby("output")["swing"].rank(ascending=False, method="first",
                                                              na_option="bottom").astype(int)
    swings = swings.sort_values(["output", "rank"]).reset_index(drop=True)
    offset = 1 + 2 * len(variations)
    spider = []
    for j, (v, x) in enumerate(spider_index):
        change = (x / v.base - 1.0) if v.base != 0 else np.nan
        for o in outputs:
            spider.append({"output": o, "input": v.name, "label": v.label, "input_value": x,
                           "change_fraction": change, "value": float(ev.values[o][offset + j])})
    invalid = int(ev.invalid.sum())
    return TornadoResult(base, swings, pd.DataFrame(spider), invalid)


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
        return pd.DataFrame(self.values, index=pd.Index(self.ys, name=self.y.path),
                            columns=pd.Index(self.xs, name=self.x.path))

    def tidy(self) -> pd.DataFrame:
        X, Y = np.meshgrid(self.xs, self.ys)
        return pd.DataFrame({self.x.path: X.ravel(), self.y.path: Y.ravel(),
                             self.output: self.values.ravel()})


def grid(drivers: Drivers, x: Variation, y: Variation, nx: int, ny: int, output: str,
         progress: Callable[[int], None] | None = None) -> GridResult:
    """A two-way data table of ``output`` over x in [x.low, x.high] and y in [y.low, y.high],
    with the base point first; ONE engine call for all nx * ny + 1 points."""
    xs = np.linspace(x.low, x.high, nx)
    ys = np.linspace(y.low, y.high, ny)
    if x.integer:
        xs = np.unique(np.round(xs))
    if y.integer:
        ys = np.unique(np.round(ys))
    points = [{}] + [{x.name: float(a), y.name: float(b)} for b in ys for a in xs]
    ev = _evaluate(drivers, (x, y), points, [output], progress)
    vals = ev.values[output]
    return GridResult(x, y, xs, ys, output, vals[1:].reshape(len(ys), len(xs)), float(vals[0]),
                      int(ev.invalid[1:].sum()))
