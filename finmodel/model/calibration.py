"""Calibration: the model's figure for each public anchor, and its spreadsheet formula.

Anchors are data (``assumptions/calibration.yaml``, validated at load). Each measure kind is
defined once here: how the engine forms the model's figure from line items or a metric, and
the formula the Calibration sheet writes for the same figure. The layout supplies only the
addresses (:class:`Addresser`); it computes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

import numpy as np

from ..assumptions.load import LocatedAnchor
from ..assumptions.schema import Anchor, MeasureKind
from ..engine import metrics as m
from ..errors import AssumptionError, Problem

__all__ = ["AnchorValue", "evaluate_anchors", "anchor_formula", "check_anchors", "Addresser"]


class Addresser(Protocol):
    """What a view supplies to render an anchor's formula."""

    def cell(self, item: str, year: int) -> str: ...      # a line item in one year
    def span(self, item: str, first: int, last: int) -> str: ...  # a line item over years
    def metric(self, key: str) -> str: ...                # a metric's cell


@dataclass(frozen=True)
class AnchorValue:
    """An anchor with the model's figure per scenario (n,) and whether it is within tolerance."""

    key: str
    anchor: Anchor
    model: np.ndarray

    @property
    def gap(self) -> np.ndarray:
        """(model - reported) / reported [fraction]."""
        return (self.model - self.anchor.reported) / self.anchor.reported

    @property
    def within(self) -> np.ndarray:
        """(n,) bool: the model's figure is within the tolerance (False where it has none)."""
        with np.errstate(invalid="ignore"):
            return np.abs(self.gap) <= self.anchor.tolerance_fraction

    @property
    def status(self) -> str:
        """Scenario 0 as shown on the Calibration sheet: fitted / within / miss."""
        if self.anchor.fitted:
            return "fitted"
        return "within tolerance" if bool(self.within[0]) else "MISS"


def _rows(result, items) -> np.ndarray:
    return sum(result.line_items[k] for k in items)


# kind -> (engine figure from a result, formula from an addresser)
_MEASURES: dict[MeasureKind, tuple[Callable, Callable]] = {
    MeasureKind.AT: (lambda r, ms: _rows(r, ms.items)[:, r.timeline.index(ms.year)],
                     lambda a, ms: "=" + "+".join(a.cell(k, ms.year) for k in ms.items)),
    MeasureKind.SUM: (lambda r, ms: m.window_sum(_rows(r, ms.items), r.years, *ms.years),
                      lambda a, ms: "=" + "+".join(f"SUM({a.span(k, *ms.years)})" for k in ms.items)),
    MeasureKind.BURN: (lambda r, ms: m.window_burn(_rows(r, ms.items), r.years, *ms.years),
                       lambda a, ms: "=" + "+".join(
                           f"SUMPRODUCT(({a.span(k, *ms.years)}<0)*-{a.span(k, *ms.years)})"
                           for k in ms.items)),
    MeasureKind.METRIC: (lambda r, ms: r.metrics[ms.metric].value,
                         lambda a, ms: "=" + a.metric(ms.metric))
}


def evaluate_anchors(anchors: Sequence[LocatedAnchor], result) -> tuple[AnchorValue, ...]:
    """The model's figure of every anchor for every scenario of ``result``."""
    return tuple(AnchorValue(a.key, a.anchor,
                             np.asarray(_MEASURES[a.anchor.measure.kind][0](result, a.anchor.measure),
                                        dtype=float))
                 for a in anchors)


def anchor_formula(anchor: Anchor, addresser: Addresser) -> str:
    """The spreadsheet formula of an anchor's model figure."""
    return _MEASURES[anchor.measure.kind][1](addresser, anchor.measure)


def check_anchors(anchors: Sequence[LocatedAnchor], catalogue, timeline) -> None:
    """Raise a located AssumptionError when an anchor names an unknown line item, metric or year."""
    problems = []
    for a in anchors:
        ms = a.anchor.measure
        where = (a.file, a.line, a.col, f"anchors.{a.key}.measure")
        for item in ms.items:
            if item not in catalogue.line_items:
                problems.append(Problem(f"unknown line item {item!r}", *where))
        if ms.metric is not None and ms.metric not in catalogue.metrics:
            problems.append(Problem(f"unknown metric {ms.metric!r}", *where))
        for y in ([ms.year] if ms.year else []) + list(ms.years or ()):
            if y not in timeline:
                problems.append(Problem(f"year {y} is outside the timeline "
                                        f"{timeline.first_year}-{timeline.last_year}", *where))
    if problems:
        raise AssumptionError("invalid calibration anchors", problems)
