"""A validated scenario flattened to its inputs: one :class:`InputField` per number.

Every number of a scenario is an input named by its dotted path (the path ``--set`` takes),
with its label, unit (from the suffix of its name: units live in names), section, bounds and
provenance. The model turns these into arrays (``finmodel.model.drivers``); the workbook shows
them on the Inputs sheet. The walk is generic: a new block of the schema needs no code here.
"""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Iterable, Mapping

import annotated_types as at
from pydantic import BaseModel

from .schema import (
    INFORMATIONAL, INPUT_FLAG, Bounds, Deal, Quantity, RampKind, Scenario, ValueCovers, field_bounds,
)

__all__ = ["InputField", "input_fields", "deal_fields", "expand_series", "unit_of", "humanise",
           "check_series_years", "deal_bounds"]

# name suffix -> unit shown to people (first match wins: longer suffixes first)
_UNITS = (
    ("_usd_bn_per_gw_year", "US$ bn / GW-yr"), ("_usd_bn_per_gw", "US$ bn / GW"),
    ("_usd_per_mwh", "$/MWh"), ("_usd_bn", "US$ bn"), ("_gw", "GW"), ("_fraction", "fraction"),
    ("_per_year", "fraction / yr"), ("_years", "years"), ("_rate", "fraction / yr"),
    ("_growth", "fraction / yr"), ("pue", "ratio"), ("schedule", "fraction"),
    ("schedule_max", "fraction"), ("renewal_share", "fraction"), ("end_year", "year"),
    ("first_year", "year"),
)
# whole names whose unit the suffix rules would miss or get wrong (checked first)
_NAMED_UNITS = {
    "rate": "fraction / yr", "fraction": "fraction", "year": "year", "draw_year": "year",
    "needs_ipo_by_year": "year", "shares_m": "m shares", "share_price_usd": "US$ / share",
    "max_net_debt_to_ebitda": "x", "min_dscr": "x", "min_interest_cover": "x", "dscr_target": "x",
    "minimum_cash_months": "months", "cloud_price_factor": "x", "renewal_price_factor": "x",
    "max_build_gw_per_year": "GW / yr", "inference_gw_per_usd_bn": "GW / US$ bn",
    "tariff_rate": "fraction",
}
# name suffix -> the kind of unit mistake to hint at (rates as %, amounts in millions)
_KINDS = (("_usd_bn", "usd_bn"), ("_usd_bn_per_gw", "usd_bn"), ("_usd_bn_per_gw_year", "usd_bn"),
          ("_fraction", "fraction"), ("_rate", "fraction"), ("_growth", "fraction"))
_WORDS = {"usd": "US$", "bn": "bn", "gw": "GW", "pue": "PUE", "it": "IT", "mwh": "MWh",
          "opex": "opex", "fraction": "", "per": "per", "dscr": "DSCR", "ebitda": "EBITDA",
          "ipo": "IPO", "loi": "LOI", "fcf": "FCF", "m": "", "us": "US"}
# whole names whose words would read badly (the unit column says the rest)
_NAMED_LABELS = {"inference_gw_per_usd_bn": "Inference compute per US$ bn of revenue",
                 "share_price_usd": "Share price", "terminal_fcf_years": "Terminal FCF averaged over",
                 "max_build_gw_per_year": "Max build per year", "needs_ipo_by_year": "Paid only if the IPO is by"}
_UNIT_SUFFIXES = ("_usd_bn_per_gw_year", "_usd_bn_per_gw", "_usd_per_mwh", "_usd_bn", "_gw",
                  "_fraction", "_years")


def unit_of(path: str) -> str:
    """Unit of an input from the suffix of its name (units live in names); a name without one
    (``status_delay_years.signed``) takes its parent's."""
    for name in reversed(path.split(".")):
        unit = _NAMED_UNITS.get(name) or next((unit for suffix, unit in _UNITS if name.endswith(suffix)), None)
        if unit:
            return unit
    return "-"


def humanise(name: str) -> str:
    """``power_price_usd_per_mwh`` -> ``Power price`` (the unit column says the rest)."""
    if name in _NAMED_LABELS:
        return _NAMED_LABELS[name]
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
    informational: bool = False  # shown for the record; no formula reads it (not input-styled)
    grade: str | None = None  # reliability grade of the cited source (A/B/C), if it has one


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


def _section(path: str, model: BaseModel) -> str:
    """``capex.servers`` with label "Servers" -> ``Capex: Servers``."""
    head = humanise(path.split(".", 1)[0])
    label = getattr(model, "label", None)
    return f"{head}: {label}" if label and "." in path else head


def _walk(model: BaseModel, prefix: str, years: list[int], sources: Mapping,
          parent: str | None = None) -> Iterable[InputField]:
    """The model's own numbers and flags (in declared order), then its sub-blocks'. A nested
    block without a label of its own is in its parent's section (a line's supplier shares)."""
    section = parent if parent and not getattr(model, "label", None) else _section(prefix, model)
    children = []
    # a nested block without a label of its own names its inputs ("Status delay: signed")
    head = humanise(prefix.rsplit(".", 1)[1]) if "." in prefix and not getattr(model, "label", None) else ""

    def label_of(name: str) -> str:
        text = humanise(name)
        keep = text.split(" ", 1)[0].isupper()  # an acronym: "DSCR target", "PUE"
        return f"{head}: {text if keep else text[:1].lower() + text[1:]}" if head else text

    for name, info in type(model).model_fields.items():
        v = getattr(model, name)
        path = f"{prefix}.{name}"
        if isinstance(v, Quantity):
            bounds = field_bounds(type(model), name)
            series = bool(bounds and bounds.series)
            value = tuple(expand_series(v.value, years)) if series else float(v.value)
            src = sources.get(v.source) if v.source else None
            yield InputField(path, label_of(name), unit_of(path), section, value, series, bounds,
                             v.basis.value if v.basis else None,
                             (src.cite() if src else v.source), (src.date if src else v.as_of) or v.as_of,
                             v.note, informational=INFORMATIONAL in info.metadata,
                             grade=src.grade.value if src and src.grade else None)
        elif isinstance(v, bool) and INPUT_FLAG in info.metadata:
            yield InputField(path, label_of(name), "flag", section, 1.0 if v else 0.0, False,
                             Bounds(ge=0, le=1, integer=True))  # 1 = on, 0 = off
        elif isinstance(v, BaseModel):
            children.append((path, v))
        elif isinstance(v, dict) and name != "sources":
            children += [(f"{path}.{k}", item) for k, item in v.items() if isinstance(item, BaseModel)]
    for path, child in children:
        yield from _walk(child, path, years, sources, section)


def deal_bounds(column: str) -> Bounds:
    """Bounds of a numeric deal column, read from the :class:`Deal` schema (declared once there)."""
    b: dict = {}
    for m in Deal.model_fields[column].metadata:
        for attr in ("ge", "gt", "le", "lt"):
            if isinstance(m, getattr(at, attr.capitalize())):
                b[attr] = getattr(m, attr)
    kind = next((k for suffix, k in _KINDS if column.endswith(suffix)), "")
    ann = Deal.model_fields[column].annotation
    integer = ann is int or int in typing.get_args(ann)
    return Bounds(kind=kind, integer=integer, **b)


def input_fields(scenario: Scenario, deals: Iterable[Deal]) -> list[InputField]:
    """Every input of a scenario in Inputs-sheet order."""
    years = scenario.timeline.years
    # The timeline is fixed for a run (change it in the file): shown, not an editable input.
    out: list[InputField] = [InputField("timeline.first_year", "First year (last actual)", "year",
                                        "Timeline", float(scenario.timeline.first_year), False,
                                        informational=True)]
    for name in type(scenario).model_fields:
        block = getattr(scenario, name)
        if isinstance(block, BaseModel) and name != "timeline":
            out += _walk(block, name, years, scenario.sources)
    included = [d for d in deals if d.include]
    for d in included:
        out += deal_fields(d, len(years), scenario.sources)
    return _structurally_unused(out, included, scenario)


def _structurally_unused(fields: list[InputField], deals: list[Deal],
                         scenario: Scenario) -> list[InputField]:
    """Inputs that the structure leaves unread move nothing: they are shown as information, not
    as inputs — a status's slip or realisation that no included deal takes (from its status),
    the cover target of a tranche that is not sculpted, the years averaged by a terminal
    value that is not averaged, the share of a component's only bill-of-materials line and of a
    line's only supplier."""
    used = {d.status.value for d in deals if d.delay_years is None}
    used_real = {d.status.value for d in deals if d.realisation_fraction is None}
    tranches = scenario.financing.tranches
    unsculpted = {f"financing.tranches.{k}.dscr_target" for k, t in tranches.items()
                  if t.amortisation.value != "sculpted"}
    for comp in type(scenario.supply_chain.bom).model_fields:
        lines = getattr(scenario.supply_chain.bom, comp)
        if len(lines) == 1:  # a component's only line is all of it (its share must be 1)
            unsculpted.add(f"supply_chain.bom.{comp}.{next(iter(lines))}.share_fraction")
        for k, line in lines.items():
            if len(line.suppliers) == 1:  # a line's only supplier is paid all of it, whatever its share
                unsculpted.add(f"supply_chain.bom.{comp}.{k}.suppliers.{next(iter(line.suppliers))}.share_fraction")
    if scenario.valuation.terminal_method.value != "averaged":
        unsculpted.add("valuation.terminal_fcf_years")  # read only by the averaged terminal value
    out = []
    for f in fields:
        head, _, status = f.path.rpartition(".")
        if (head == "commitments.status_delay_years" and status not in used) or \
                (head == "commitments.status_realisation_fraction" and status not in used_real) or \
                f.path in unsculpted:
            f = dataclasses.replace(f, informational=True)
        out.append(f)
    return out


def deal_fields(d: Deal, periods: int, sources: Mapping = {}) -> list[InputField]:
    """The inputs of an included deal (its text columns are structure: ``model.drivers``).
    Its ``source`` is a key of the scenario's sources block (shown as the citation) or, in older
    tables, the title itself."""
    src = sources.get(d.source)
    common = dict(section=f"Deal: {d.partner} — {d.deal}", basis=d.basis.value,
                  source=src.cite() if src else d.source, as_of=d.as_of, note=d.note,
                  grade=src.grade.value if src and src.grade else None)
    p = f"deals.{d.id}"
    out = [InputField(f"{p}.capacity_gw", "Capacity", "GW", value=d.capacity_gw, series=False,
                      bounds=deal_bounds("capacity_gw"), **common),
           InputField(f"{p}.value_usd_bn", f"Value ({d.value_covers.value.replace('_', '-')})",
                      "US$ bn", value=d.value_usd_bn, series=False, bounds=deal_bounds("value_usd_bn"),
                      informational=d.value_covers is ValueCovers.NONE, **common),
           InputField(f"{p}.start_year", "Start year (as announced)", "year", value=float(d.start_year),
                      series=False, bounds=deal_bounds("start_year"), **common),
           # an owned deal's explicit ramp is its term (the shares); a cloud deal's term also
           # says which share is renewed
           InputField(f"{p}.term_years", f"Term ({d.ramp.value} ramp)", "years", value=float(d.term_years),
                      series=False, bounds=deal_bounds("term_years"),
                      informational=d.ramp is RampKind.EXPLICIT and d.kind.value == "owned", **common)]
    if d.ramp is RampKind.EXPLICIT:
        shares = tuple(d.shares) + (0.0,) * (periods - len(d.shares))
        out.append(InputField(f"{p}.shares", "Ramp shares by term year (1st, 2nd, ... from the first "
                              "year column)", "fraction", value=shares, series=True,
                              bounds=Bounds(ge=0, le=1), **common))
    if d.delay_years is not None:
        out.append(InputField(f"{p}.delay_years", "Slip (this deal's own)", "years",
                              value=float(d.delay_years), series=False,
                              bounds=deal_bounds("delay_years"), **common))
    if d.realisation_fraction is not None:
        out.append(InputField(f"{p}.realisation_fraction", "Realisation (this deal's own)", "fraction",
                              value=d.realisation_fraction, series=False,
                              bounds=deal_bounds("realisation_fraction"), **common))
    return out


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
