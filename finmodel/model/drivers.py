"""Drivers: the validated assumptions as numpy arrays shaped (scenario, period).

Every number of a scenario becomes an input named by its dotted path (the same path
``--set`` takes): scalars are ``(n, 1)`` arrays, per-year series ``(n, T)``. A base run has
n = 1; a sensitivity or Monte Carlo batch replaces some inputs by n values at once
(:meth:`Drivers.with_overrides`) and the engine evaluates all rows in one call.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

import numpy as np
from pydantic import BaseModel

from ..assumptions.schema import (
    COMPONENTS, Bounds, Deal, DealKind, Quantity, Scenario, field_bounds,
)
from .catalogue import Structure

__all__ = ["InputField", "Drivers", "build_drivers", "expand_series", "unit_of", "humanise"]

_UNITS = (
    ("_usd_bn_per_gw_year", "US$ bn / GW-yr"), ("_usd_bn_per_gw", "US$ bn / GW"),
    ("_usd_per_mwh", "$/MWh"), ("_usd_bn", "US$ bn"), ("_gw", "GW"), ("_fraction", "fraction"),
    ("_per_year", "fraction / yr"), ("_years", "years"), ("_rate", "fraction / yr"),
    ("_growth", "fraction / yr"), ("pue", "ratio"), ("refresh_it", "flag"),
    ("it_equipment", "flag"), ("renew_cloud", "flag"), ("schedule", "fraction"),
    ("schedule_max", "fraction"), ("renewal_share", "fraction"), ("end_year", "year"),
    ("first_year", "year"),
)
_WORDS = {"usd": "US$", "bn": "bn", "gw": "GW", "pue": "PUE", "it": "IT", "mwh": "MWh",
          "opex": "opex", "fraction": "", "per": "per"}


def unit_of(path: str) -> str:
    """Unit of an input from the suffix of its name (units live in names)."""
    name = path.rsplit(".", 1)[-1]
    for suffix, unit in _UNITS:
        if name.endswith(suffix):
            return unit
    return "-"


_UNIT_SUFFIXES = ("_usd_bn_per_gw_year", "_usd_bn_per_gw", "_usd_per_mwh", "_usd_bn", "_gw",
                  "_fraction", "_years")


def humanise(name: str) -> str:
    """``power_price_usd_per_mwh`` -> ``Power price`` (the unit column says the rest)."""
    for suffix in _UNIT_SUFFIXES:
        if name.endswith(suffix) and name != suffix.lstrip("_"):
            name = name[: -len(suffix)]
            break
    if name == "fraction":
        return "Share of revenue"
    if name == "usd_bn":
        return "Amount"
    words = [_WORDS.get(w, w) for w in name.split("_") if w]
    text = " ".join(w for w in words if w)
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class InputField:
    """One input as shown on the Inputs sheet and fed to the engine."""

    path: str
    label: str
    unit: str
    section: str
    value: float | tuple[float, ...]  # a number, or one value per timeline year
    series: bool
    bounds: Bounds | None = None
    basis: str | None = None
    source: str | None = None
    as_of: str | None = None
    note: str | None = None


def expand_series(value: float | Mapping[int, float], years: list[int]) -> list[float]:
    """A number or a step series ``{year: value}`` to one value per timeline year.

    The caller has validated that the first key is the first year and all keys lie in the
    timeline; each value holds until the next key.
    """
    if not isinstance(value, Mapping):
        return [float(value)] * len(years)
    out, current = [], None
    for y in years:
        if y in value:
            current = float(value[y])
        out.append(current)
    return out


def _quantity_fields(model: BaseModel, prefix: str, section: str, years: list[int],
                     sources: Mapping) -> Iterable[InputField]:
    for name, info in type(model).model_fields.items():
        v = getattr(model, name)
        path = f"{prefix}.{name}"
        if isinstance(v, Quantity):
            bounds = field_bounds(type(model), name)
            series = bool(bounds and bounds.series)
            value = tuple(expand_series(v.value, years)) if series else float(v.value)
            src = sources.get(v.source) if v.source else None
            yield InputField(path, humanise(name), unit_of(name), section, value, series, bounds,
                             v.basis.value if v.basis else None,
                             (src.title if src else v.source), (src.as_of if src else v.as_of) or v.as_of,
                             v.note)
        elif isinstance(v, bool) and name in ("refresh_it", "renew_cloud"):
            yield InputField(path, humanise(name), "flag", section, 1.0 if v else 0.0, False,
                             Bounds(ge=0, le=1))


def input_fields(scenario: Scenario, deals: Iterable[Deal]) -> list[InputField]:
    """Every input of a scenario in Inputs-sheet order."""
    years = scenario.timeline.years
    src = scenario.sources
    out: list[InputField] = [InputField("timeline.first_year", "First year (last actual)", "year",
                                        "Timeline", float(scenario.timeline.first_year), False)]
    out += _quantity_fields(scenario.commitments, "commitments", "Commitments", years, src)
    out += _quantity_fields(scenario.existing_fleet, "existing_fleet", "Existing fleet", years, src)
    out += _quantity_fields(scenario.capex, "capex", "Owned capacity", years, src)
    for c in COMPONENTS:
        comp = getattr(scenario.capex, c)
        out += _quantity_fields(comp, f"capex.{c}", f"Capex: {comp.label}", years, src)
    out += _quantity_fields(scenario.operations, "operations", "Operations", years, src)
    for seg_id, seg in scenario.revenue.segments.items():
        out += _quantity_fields(seg, f"revenue.segments.{seg_id}", f"Revenue: {seg.label}", years, src)
    out += _quantity_fields(scenario.revenue, "revenue", "Revenue share", years, src)
    for key in ("research_staff", "sales_marketing", "general_admin"):
        cost = getattr(scenario.operating_costs, key)
        out += _quantity_fields(cost, f"operating_costs.{key}", f"Operating costs: {cost.label}", years, src)
    for group in ("tax", "financing", "valuation"):
        out += _quantity_fields(getattr(scenario, group), group, group.capitalize(), years, src)
    for d in deals:
        if not d.include:
            continue
        sec = f"Deal: {d.partner} — {d.deal}"
        common = dict(section=sec, basis=d.basis.value, source=d.source, as_of=d.as_of, note=d.note)
        out.append(InputField(f"deals.{d.id}.capacity_gw", "Capacity", "GW", value=d.capacity_gw,
                              series=False, bounds=Bounds(ge=0, le=100), **common))
        out.append(InputField(f"deals.{d.id}.value_usd_bn", "Value", "US$ bn", value=d.value_usd_bn,
                              series=False, bounds=Bounds(ge=0, le=5000, kind="usd_bn"), **common))
        sched = deal_schedule(d, years)
        out.append(InputField(f"deals.{d.id}.schedule",
                              f"Schedule ({d.ramp.value}, {d.start_year}+{d.term_years}y)",
                              "fraction", value=tuple(sched), series=True, **common))
        out.append(InputField(f"deals.{d.id}.schedule_max", "Largest yearly share", "fraction",
                              value=max(d.schedule()), series=False, **common))
        if d.kind is DealKind.CLOUD:
            out.append(InputField(f"deals.{d.id}.end_year", "Last year of the term", "year",
                                  value=float(d.start_year + d.term_years - 1), series=False, **common))
            out.append(InputField(f"deals.{d.id}.renewal_share", "Yearly share when renewed",
                                  "fraction", value=d.schedule()[-1], series=False, **common))
    return out


def deal_schedule(deal: Deal, years: list[int]) -> list[float]:
    """The deal's shares placed on the timeline (parts outside the timeline are dropped)."""
    shares = deal.schedule()
    return [shares[y - deal.start_year] if 0 <= y - deal.start_year < len(shares) else 0.0
            for y in years]


def structure_of(scenario: Scenario, deals: Iterable[Deal]) -> Structure:
    return Structure(
        segments=tuple((k, s.label, s.path) for k, s in scenario.revenue.segments.items()),
        costs=tuple((k, getattr(scenario.operating_costs, k).label,
                     getattr(scenario.operating_costs, k).mode)
                    for k in ("research_staff", "sales_marketing", "general_admin")),
        components=tuple((c, getattr(scenario.capex, c).label, getattr(scenario.capex, c).it_equipment)
                         for c in COMPONENTS),
        deals=tuple((d.id, f"{d.partner} ({d.id})", d.kind.value) for d in deals if d.include),
    )


_YEAR = re.compile(r"^(.*)\.(\d{4})$")


@dataclass(frozen=True)
class Drivers:
    """Inputs as arrays for ``n`` scenarios over the timeline ``years``."""

    years: np.ndarray
    values: Mapping[str, np.ndarray]
    structure: Structure
    fields: tuple[InputField, ...]
    n: int = 1
    invalid: np.ndarray | None = field(default=None)  # (n,) bool: rows outside bounds

    @property
    def periods(self) -> int:
        return len(self.years)

    def field(self, path: str) -> InputField:
        for f in self.fields:
            if f.path == path:
                return f
        raise KeyError(path)

    def locate(self, key: str) -> tuple[InputField, int | None]:
        """The input a key names and, for ``PATH.YEAR``, the year's column (else None).

        The one place that reads ``PATH.YEAR`` keys. Raises KeyError with a message for users
        (unknown input with "did you mean", a year outside the timeline, a year of a scalar).
        """
        paths = [f.path for f in self.fields]
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
        close = difflib.get_close_matches(key, paths, n=1, cutoff=0.6)
        raise KeyError(f"no input {key!r}" + (f"; did you mean {close[0]!r}?" if close else ""))

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
        for key, arr in overrides.items():
            arr = np.asarray(arr, dtype=float)
            f, col = self.locate(key)
            base = np.broadcast_to(values[f.path], (n, values[f.path].shape[1])).copy()
            if col is not None:
                base[:, col] = arr.reshape(n)
            elif arr.ndim == 2 and arr.shape[1] == self.periods and f.series:
                base = arr.copy()
            else:
                base[:] = arr.reshape(n, 1)
            values[f.path] = base
            touched[f.path] = f
        for key, factor in (scales or {}).items():
            f, _ = self.locate(key)
            values[f.path] = np.asarray(values[f.path], dtype=float) * np.asarray(factor, dtype=float).reshape(n, 1)
            touched[f.path] = f
        bad = np.zeros(n, dtype=bool)
        for path, f in touched.items():
            bad |= _out_of_bounds(f, values[path], n)
        bad |= _cross_invalid(values, n)
        return replace(self, values=values, n=n, invalid=bad)


def _out_of_bounds(f: InputField, arr: np.ndarray, n: int) -> np.ndarray:
    b = f.bounds
    arr = np.broadcast_to(arr, (n, arr.shape[1]))
    bad = ~np.isfinite(arr).all(axis=1)
    if b is None:
        return bad
    with np.errstate(invalid="ignore"):
        if b.ge is not None:
            bad |= (arr < b.ge).any(axis=1)
        if b.gt is not None:
            bad |= (arr <= b.gt).any(axis=1)
        if b.le is not None:
            bad |= (arr > b.le).any(axis=1)
        if b.lt is not None:
            bad |= (arr >= b.lt).any(axis=1)
        if b.integer:
            bad |= (arr != np.floor(arr)).any(axis=1)
    return bad


def _cross_invalid(values: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Rows breaking a rule between inputs (terminal growth < discount rate, S-curve ceiling)."""
    def col(p):
        return np.broadcast_to(values[p], (n, 1))[:, 0]
    bad = col("valuation.terminal_growth") >= col("valuation.discount_rate")
    for p in values:
        if p.endswith(".ceiling_usd_bn"):
            bad |= col(p) <= col(p.replace(".ceiling_usd_bn", ".start_usd_bn"))
    return bad


def build_drivers(scenario: Scenario, deals: Iterable[Deal]) -> Drivers:
    """Drivers for one scenario (n = 1)."""
    deals = tuple(deals)
    fields = tuple(input_fields(scenario, deals))
    values = {f.path: (np.asarray(f.value, dtype=float).reshape(1, -1)) for f in fields}
    return Drivers(np.array(scenario.timeline.years), values, structure_of(scenario, deals), fields)


def check_series_years(scenario: Scenario) -> list[tuple[tuple, str]]:
    """Per-year series whose years do not fit the timeline: [(path tuple, message)]."""
    years = scenario.timeline.years
    problems = []

    def walk(model: BaseModel, path: tuple):
        for name in type(model).model_fields:
            v = getattr(model, name)
            if isinstance(v, Quantity) and isinstance(v.value, dict):
                keys = list(v.value)
                if keys != sorted(keys):
                    problems.append((path + (name,), f"years must be in increasing order (got {keys})"))
                elif keys[0] != years[0]:
                    problems.append((path + (name, keys[0]),
                                     f"a per-year series must start at the first timeline year "
                                     f"{years[0]} (got {keys[0]})"))
                for y in keys:
                    if y < years[0] or y > years[-1]:
                        problems.append((path + (name, y), f"year {y} is outside the timeline "
                                         f"{years[0]}-{years[-1]}"))
            elif isinstance(v, BaseModel):
                walk(v, path + (name,))
            elif isinstance(v, dict):
                for k, item in v.items():
                    if isinstance(item, BaseModel):
                        walk(item, path + (name, k))
    walk(scenario, ())
    return problems
