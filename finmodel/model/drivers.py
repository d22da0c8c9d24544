"""Drivers: the validated assumptions as numpy arrays shaped (scenario, period).

Every input of a scenario (``finmodel.assumptions.fields``) becomes an array named by its
dotted path (the same path ``--set`` takes): scalars are ``(n, 1)``, per-year series ``(n, T)``.
A base run has n = 1; a sensitivity or Monte Carlo batch replaces some inputs by n values at
once (:meth:`Drivers.with_overrides`) and the engine evaluates all rows in one call. Rows that
leave an input's bounds or break a rule between inputs (``assumptions.rules``) are flagged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Iterable, Mapping

import numpy as np

from ..assumptions.fields import InputField, input_fields
from ..assumptions.rules import broken
from ..assumptions.schema import COMPONENTS, Deal, Scenario, deal_vendor
from ..errors import did_you_mean
from .defs import DealShape, RoundShape, Structure
from .timeline import Timeline

__all__ = ["Drivers", "build_drivers", "structure_of"]


def structure_of(scenario: Scenario, deals: Iterable[Deal],
                 fields: Iterable[InputField] = ()) -> Structure:
    """What is fixed for a whole batch: segments, cost modes, components, included deals and
    the editable inputs with their bounds."""
    deals = tuple(deals)
    chain = scenario.supply_chain
    bom = tuple((k, line.label, c, line.deal_vendor, tuple(line.suppliers))
                for c in COMPONENTS for k, line in getattr(chain.bom, c).items())
    vendors = {d.id: deal_vendor(d, chain.suppliers) for d in deals if d.kind.value == "owned"}
    vendor_line = next((k for k, _, _, dv, _ in bom if dv), None)
    return Structure(
        segments=tuple((k, s.label, s.path) for k, s in scenario.revenue.segments.items()),
        costs=tuple((k, c.label, c.mode) for k in type(scenario.operating_costs).model_fields
                    if hasattr(c := getattr(scenario.operating_costs, k), "mode")),
        components=tuple((c, getattr(scenario.capex, c).label, getattr(scenario.capex, c).it_equipment)
                         for c in COMPONENTS),
        deals=tuple(DealShape(d.id, f"{d.partner} ({d.id})", d.kind.value, d.value_covers.value,
                              d.ramp.value, d.status.value, d.delay_years is not None,
                              d.realisation_fraction is not None, d.financing.value, vendors.get(d.id))
                    for d in deals if d.include),
        rationing=scenario.demand.rationing.value,
        terminal_method=scenario.valuation.terminal_method.value,
        rounds=tuple(RoundShape(k, r.label, r.ipo, r.needs_ipo_by_year is not None, r.with_deal, r.per_gw)
                     for k, r in scenario.financing.rounds.items()),
        tranches=tuple((k, t.label, t.amortisation.value) for k, t in scenario.financing.tranches.items()),
        warrants=tuple((k, w.label, w.deal) for k, w in scenario.financing.warrants.items()),
        inputs=tuple((f.path, f.section, f.bounds, f.series) for f in fields if not f.informational),
        suppliers=tuple((k, v.label, tuple(j for j, _, _, _, sups in bom if k in sups or (
                            j == vendor_line and any(vendors.get(d.id) == k and d.include and d.financing.value == "own"
                                                     for d in deals))),
                         v.reported_revenue_usd_bn is not None)
                        for k, v in chain.suppliers.items()),
        bom=bom,
    )


_YEAR = re.compile(r"^(.*)\.(\d{4})$")


@dataclass(frozen=True)
class Drivers:
    """Inputs as arrays for ``n`` scenarios over the timeline ``years``."""

    timeline: Timeline
    values: Mapping[str, np.ndarray]
    structure: Structure
    fields: tuple[InputField, ...]
    n: int = 1
    invalid: np.ndarray | None = field(default=None)  # (n,) bool: rows outside bounds

    @property
    def years(self) -> np.ndarray:
        """Calendar years (T,)."""
        return self.timeline.array

    @property
    def periods(self) -> int:
        return self.timeline.T

    @cached_property
    def _by_path(self) -> dict[str, InputField]:
        return {f.path: f for f in self.fields}

    def field(self, path: str) -> InputField:
        return self._by_path[path]

    def locate(self, key: str) -> tuple[InputField, int | None]:
        """The input a key names and, for ``PATH.YEAR``, the year's column (else None).

        The one place that reads ``PATH.YEAR`` keys. Raises KeyError with a message for users
        (unknown input with "did you mean", a year outside the timeline, a year of a scalar).
        """
        paths = self._by_path
        if key in paths:
            return self.field(key), None
        m = _YEAR.match(key)
        if m and m.group(1) in paths:
            f, year = self.field(m.group(1)), int(m.group(2))
            if not f.series:
                raise KeyError(f"{m.group(1)!r} is a single number, not a per-year input")
            if year not in self.years:
                raise KeyError(f"year {year} is outside the timeline {self.years[0]}-{self.years[-1]}")
            return f, int(np.searchsorted(self.years, year))
        raise KeyError(f"no input {key!r}{did_you_mean(key, paths)}")

    def base_value(self, key: str) -> float | None:
        """Scenario 0's value of a scalar input or of one year of a series; None for a whole series."""
        f, col = self.locate(key)
        if col is None:
            return None if f.series else float(f.value)
        return float(f.value[col])

    def with_overrides(self, overrides: Mapping[str, np.ndarray],
                       scales: Mapping[str, np.ndarray] | None = None) -> "Drivers":
        """A batch of ``n`` scenarios: each override is n values for an input.

        Keys are input paths (a scalar input, or a whole series: n values applied to every
        year, or an (n, T) array), ``PATH.YEAR`` for one year of a series; ``scales``
        multiplies a whole input by n factors. Rows whose values leave an input's bounds are
        flagged in ``invalid`` (the engine still runs them; callers exclude them).
        """
        values = dict(self.values)
        sizes = {np.shape(v)[0] for v in list(overrides.values()) + list((scales or {}).values())}
        if len(sizes) > 1:
            raise ValueError(f"overrides of different lengths: {sorted(sizes)}")
        n = sizes.pop() if sizes else self.n
        touched = {}
        columns = {}  # path -> (n, 1): the input holds this value in every year (checked so)
        for key, arr in overrides.items():
            arr = np.asarray(arr, dtype=float)
            f, col = self.locate(key)
            width = values[f.path].shape[1]
            columns.pop(f.path, None)
            if col is not None:
                base = np.broadcast_to(values[f.path], (n, width)).copy()
                base[:, col] = arr.reshape(n)
            elif arr.ndim == 2 and arr.shape[1] == self.periods and f.series:
                base = arr.copy()
            else:
                base = np.empty((n, width))
                base[:] = columns[f.path] = arr.reshape(n, 1)
            values[f.path] = base
            touched[f.path] = f
        for key, factor in (scales or {}).items():
            f, _ = self.locate(key)
            values[f.path] = np.asarray(values[f.path], dtype=float) * np.asarray(factor, dtype=float).reshape(n, 1)
            touched[f.path] = f
            columns.pop(f.path, None)
        bad = np.zeros(n, dtype=bool)
        for path, f in touched.items():
            arr = columns[path] if path in columns else np.broadcast_to(values[path], (n, values[path].shape[1]))
            bad |= ~np.isfinite(arr).all(axis=1)
            if f.bounds is not None:
                bad |= f.bounds.outside(arr)
        bad |= broken(values, n, kinds=self.structure.deal_kinds)
        bad |= _bom_shares_broken(values, self.structure, n)
        return replace(self, values=values, n=n, invalid=bad)


def _bom_shares_broken(values: Mapping[str, np.ndarray], s: Structure, n: int) -> np.ndarray:
    """(n,) bool: rows where a capex component's bill-of-materials shares do not sum to 1 in
    some year (the rule ``assumptions.schema.supply_chain_problems`` applies at load)."""
    bad = np.zeros(n, dtype=bool)
    for comp in {c for _, _, c, _, _ in s.bom}:
        # summed as stored ((1, T) unless a share is varied), then spread over the n rows
        total = sum(np.asarray(values[f"supply_chain.bom.{comp}.{j}.share_fraction"], dtype=float)
                    for j, _, c, _, _ in s.bom if c == comp)
        bad |= np.broadcast_to((np.abs(total - 1.0) > 1e-9).any(axis=1), (n,))
    return bad


def build_drivers(scenario: Scenario, deals: Iterable[Deal]) -> Drivers:
    """Drivers for one scenario (n = 1)."""
    deals = tuple(deals)
    fields = tuple(input_fields(scenario, deals))
    values = {f.path: (np.asarray(f.value, dtype=float).reshape(1, -1)) for f in fields}
    timeline = Timeline.annual(scenario.timeline.first_year, scenario.timeline.last_year)
    return Drivers(timeline, values, structure_of(scenario, deals, fields), fields)
