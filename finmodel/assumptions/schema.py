"""The assumption schema: pydantic v2 models, frozen, ``extra="forbid"``, finite numbers only.

Units live in field names (``_usd_bn``, ``_gw``, ``_fraction``, ``_per_year``). Every number is a
:class:`Quantity`: a value plus its provenance (``basis``, ``source``, ``as_of``). In a file a
quantity may be written in full::

    discount_rate:
      value: 0.12
      basis: judgement
      source: facts-defaults      # a key of the top-level ``sources:`` block

or as a bare number. A *per-year series* is a number (the same every year) or a mapping
``{year: value}`` whose first key is the first timeline year; a value holds until the next
key (step, no interpolation).

Bounds are declared once, on the field, with :func:`Q`; the same bounds check vectorised
overrides in Monte Carlo draws (see ``finmodel.model.drivers``).
"""
from __future__ import annotations

import math
import re
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import (
    AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat,
    StrictInt, ValidationInfo, field_validator, model_validator,
)

from ..errors import code_point

__all__ = [
    "Basis", "Quantity", "Bounds", "Source", "Grade", "GRADE_MEANING", "Timeline", "Commitments", "ExistingFleet",
    "Component", "Capex", "Supplier", "SupplierShare", "BomLine", "Bom", "SupplyChain", "supply_chain_problems", "deal_vendor", "Operations", "RevenuePathKind", "ExplicitPath", "GrowthPath",
    "DecayingGrowthPath", "SCurvePath", "Revenue", "CostMode", "ShareOfRevenueCost",
    "ExplicitCost", "OperatingCosts", "Tax", "Financing", "Valuation", "Scenario",
    "DealKind", "RampKind", "Deal", "COMPONENTS", "field_bounds", "INPUT_FLAG", "Flag", "INFORMATIONAL", "Anchor", "Measure",
    "MeasureKind", "Calibration", "FileRef", "Demand", "Expansion", "ValueCovers",
    "DealStatus", "WorkingCapital", "EquityRound", "DebtTranche",
    "Amortisation", "Revolver", "Warrant", "Covenants", "DealFinancing",
]

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class Basis(str, Enum):
    FACT = "fact"
    ESTIMATE = "estimate"
    JUDGEMENT = "judgement"


_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e"
                     "\u2028\u2029\u2060-\u2064\u2066-\u2069\ufeff]")


def hidden_character_problem(text: str) -> str | None:
    """Why ``text`` may not be used as input text: an invisible control or bidi character."""
    m = _HIDDEN.search(text)
    if m is None:
        return None
    kind = "bidirectional-text control" if ord(m.group()) >= 0x61C else "control"
    return (f"invisible {kind} character {code_point(m.group())} at character {m.start() + 1} is "
            "not allowed (it can make text display differently from what is stored); delete it")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)

    @field_validator("*")
    @classmethod
    def _visible_text(cls, v: Any) -> Any:
        """Every text field (names, labels, notes, sources) holds only visible characters."""
        why = hidden_character_problem(v) if isinstance(v, str) else None
        if why:
            raise ValueError(why)
        return v


class Grade(str, Enum):
    """How far a source can be trusted for its figure (the fact sheet's reliability scale)."""

    A = "A"  # the issuer's own document or filing, or a named research body's own publication
    B = "B"  # a major outlet reporting it (naming its primary), read on that outlet's own site
    C = "C"  # a secondary, mirror, aggregator or vendor page: indicative only; names its primary


GRADE_MEANING = {
    Grade.A: "issuer's own document or filing",
    Grade.B: "major outlet reporting it",
    Grade.C: "secondary / mirror / aggregator page (primary named)",
}


def _grade(v: Any) -> Any:
    if isinstance(v, str) and v.strip().upper() in Grade.__members__:
        return v.strip().upper()
    if isinstance(v, Grade):
        return v
    raise ValueError(f"unknown grade {v!r} (expected one of: "
                     + "; ".join(f"{g.value} = {m}" for g, m in GRADE_MEANING.items()) + ")")


class Source(_Frozen):
    """A cited document: the primary document first, the page where the figure was read second.

    publisher: issuer or outlet of the primary document ("Amazon (Form 10-K)", "Reuters").
    title / date: the primary document's title and date (ISO, or as precise as known).
    grade: A = the issuer's own document or filing (or a named research body's own page);
        B = a major outlet reporting it; C = a secondary, mirror, aggregator or vendor page,
        indicative only. A grade C source names its ``primary`` (or says it is unknown).
    url: where the figure was read (secondary when it is not the publisher's own page).
    primary: the primary document when ``url`` is not it (outlet, title, date; or "unknown: ...").
    ``as_of`` is the former name of ``date`` (older files still load).
    """

    publisher: str | None = Field(default=None, min_length=1, max_length=120)
    title: str = Field(min_length=1, max_length=300)
    date: str | None = Field(default=None, min_length=1, max_length=40)
    grade: Annotated[Grade, BeforeValidator(_grade)] | None = None
    url: str | None = Field(default=None, max_length=500)
    primary: str | None = Field(default=None, validate_default=True, max_length=500)
    note: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="before")
    @classmethod
    def _former_names(cls, v: Any) -> Any:
        if isinstance(v, dict) and "as_of" in v:
            v = dict(v)
            if "date" in v:
                raise ValueError("give the document's date as `date` only (`as_of` is its former name)")
            v["date"] = v.pop("as_of")
        return v

    @field_validator("primary")
    @classmethod
    def _primary_named(cls, v: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("grade") is Grade.C and not (v and v.strip()):
            raise ValueError("a grade C source must name its primary document (outlet or issuer, "
                             "title, date), or say `primary: \"unknown: ...\"`")
        return v

    @property
    def as_of(self) -> str | None:
        """The document's date (former name)."""
        return self.date

    def cite(self) -> str:
        """``Publisher, "Title" (date) [grade]``: the primary first; the URL is not included."""
        head = f"{self.publisher}, \"{self.title}\"" if self.publisher else self.title
        date = f" ({self.date})" if self.date else ""
        grade = f" [{self.grade.value}]" if self.grade else ""
        return head + date + grade


@dataclass(frozen=True)
class Bounds:
    """Allowed range of a quantity and the hints given when it is outside.

    kind: "fraction" adds the hint "write 12% as 0.12"; "usd_bn" adds the billions hint.
    """

    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    integer: bool = False
    kind: str = ""
    series: bool = False

    def outside(self, arr) -> "np.ndarray":
        """Per row of ``arr`` (n, k): True where any value is outside the bounds (vectorised;
        the same test as :meth:`problem` applies to one number)."""
        arr = np.asarray(arr, dtype=float)
        bad = np.zeros(arr.shape[0], dtype=bool)
        with np.errstate(invalid="ignore"):
            for limit, test in ((self.ge, np.less), (self.gt, np.less_equal),
                                (self.le, np.greater), (self.lt, np.greater_equal)):
                if limit is not None:
                    bad |= test(arr, limit).any(axis=1)
            if self.integer:
                bad |= (arr != np.floor(arr)).any(axis=1)
        return bad

    def problem(self, x: float) -> str | None:
        """Return a message if ``x`` is outside the bounds, else None."""
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            return f"expected a number (got {x!r})"
        if not math.isfinite(x):
            return f"expected a finite number (got {x})"
        if self.integer and x != int(x):
            return f"expected a whole number (got {x})"
        if not self.outside([[float(x)]])[0]:
            return None
        return f"{self.describe()} (got {x:g}){self.hint(x)}"

    def describe(self) -> str:
        parts = []
        if self.ge is not None:
            parts.append(f">= {self.ge:g}")
        if self.gt is not None:
            parts.append(f"> {self.gt:g}")
        if self.le is not None:
            parts.append(f"<= {self.le:g}")
        if self.lt is not None:
            parts.append(f"< {self.lt:g}")
        return "expected a value " + " and ".join(parts)

    def hint(self, x: float) -> str:
        upper = self.le if self.le is not None else self.lt
        if self.kind == "fraction" and upper is not None and upper <= 10 and 1 < abs(x) <= 1000:
            return f"; rates are fractions: did you mean {x / 100:g} for {x:g}%?"
        if self.kind == "usd_bn" and upper is not None and abs(x) > upper and abs(x) >= 1000:
            return f"; amounts are in US$ billions: did you mean {x / 1000:g} (US$ {x:g} million)?"
        return ""


class Quantity(_Frozen):
    """A number, or a per-year series, with its provenance."""

    value: StrictFloat | dict[StrictInt, StrictFloat]
    basis: Basis | None = None
    source: str | None = Field(default=None, max_length=200)
    as_of: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=1000)


def _wrap(v: Any) -> Any:
    """Accept a bare number or year map as a quantity with no provenance."""
    if isinstance(v, dict) and ("value" in v or any(isinstance(k, str) for k in v)):
        return v  # a full quantity (a misspelt key such as 'vaule' is reported as unknown)
    if isinstance(v, (int, float, dict)) and not isinstance(v, bool):
        return {"value": v}
    if isinstance(v, (bool, str, list)) or v is None:
        raise ValueError(f"expected a number or a per-year mapping {{year: number}} (got {v!r})")
    return v


def _coerce_numbers(v: Any) -> Any:
    """Ints are numbers; bools and strings are not (strict)."""
    if isinstance(v, dict) and "value" in v:
        val = v["value"]
        if isinstance(val, int) and not isinstance(val, bool):
            v = {**v, "value": _float(val)}
        elif isinstance(val, dict):
            v = {**v, "value": {k: (_float(x) if isinstance(x, int) and not isinstance(x, bool)
                                    else x) for k, x in val.items()}}
    return v


def _float(x: int) -> float:
    try:
        return float(x)
    except OverflowError:
        raise ValueError(f"number is too large ({len(str(abs(x)))} digits)") from None


def _check(bounds: Bounds):
    def check(q: Quantity) -> Quantity:
        if isinstance(q.value, dict):
            if not bounds.series:
                raise ValueError("expected a single number, not a per-year series")
            if not q.value:
                raise ValueError("a per-year series needs at least one year")
            for year, x in q.value.items():
                msg = bounds.problem(x)
                if msg:
                    raise ValueError(f"year {year}: {msg}")
        else:
            msg = bounds.problem(q.value)
            if msg:
                raise ValueError(msg)
        return q
    return check


# Upper bounds of company-scale amounts [US$ bn], set so that an amount typed in millions
# (1,000x too large) is caught with the "did you mean" hint, as it is for costs per GW:
# one segment's first-year revenue and any one balance or cash amount (a round, a tranche,
# cash, a loss pool). Judgement: above any company's annual revenue today (no company reports
# US$ 1 trillion a year), yet 1,000x a typical first-year segment (1-10) is refused.
FIRST_YEAR_REVENUE_MAX = 1_000
COMPANY_AMOUNT_MAX = 5_000


def Q(*, ge=None, gt=None, le=None, lt=None, integer=False, kind="", series=False):
    """A :class:`Quantity` type with bounds (``series=True`` allows a per-year mapping)."""
    bounds = Bounds(ge=ge, gt=gt, le=le, lt=lt, integer=integer, kind=kind, series=series)
    return Annotated[Quantity, BeforeValidator(lambda v: _coerce_numbers(_wrap(v))),
                     AfterValidator(_check(bounds)), bounds]


def S(**kw):
    """A per-year series quantity with bounds."""
    return Q(series=True, **kw)


class _InputFlag:
    """Marks a yes/no setting that is a model input (0/1 on the Inputs sheet, variable in a
    batch), as opposed to a structural switch such as a component's ``it_equipment``."""

    def __repr__(self) -> str:
        return "INPUT_FLAG"


INPUT_FLAG = _InputFlag()


class _Informational:
    """Marks a number shown for context that no formula reads (e.g. partners' debt, whose cost
    is inside the cloud prices): shown on the Inputs sheet, not styled as an input."""

    def __repr__(self) -> str:
        return "INFORMATIONAL"


INFORMATIONAL = _Informational()
Flag = Annotated[StrictBool, INPUT_FLAG]




class Timeline(_Frozen):
    """Annual periods ``first_year..last_year``; the first year is the last actual year."""

    first_year: StrictInt = Field(ge=1990, le=2100)
    last_year: StrictInt = Field(ge=1990, le=2150)

    @model_validator(mode="after")
    def _order(self) -> "Timeline":
        if self.last_year <= self.first_year:
            raise ValueError(f"last_year ({self.last_year}) must be after first_year ({self.first_year})")
        if self.last_year - self.first_year >= 100:
            raise ValueError("the timeline may hold at most 100 years")
        return self

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))


class DealStatus(str, Enum):
    """How firm a deal is: it sets the deal's slip and realisation (``commitments``)."""

    SIGNED = "signed"          # a signed, binding contract
    TERM_SHEET = "term_sheet"  # a term sheet: terms agreed, not binding
    LOI = "loi"                # a letter of intent
    REPORTED = "reported"      # reported by the press, not announced by the parties


class StatusDelay(_Frozen):
    """Years a deal slips beyond its announced start, by status."""

    signed: Q(ge=0, le=10, integer=True)
    term_sheet: Q(ge=0, le=10, integer=True)
    loi: Q(ge=0, le=10, integer=True)
    reported: Q(ge=0, le=10, integer=True)


class StatusRealisation(_Frozen):
    """Share of a deal that happens, by status."""

    signed: Q(ge=0, le=1.5, kind="fraction")
    term_sheet: Q(ge=0, le=1.5, kind="fraction")
    loi: Q(ge=0, le=1.5, kind="fraction")
    reported: Q(ge=0, le=1.5, kind="fraction")


class Commitments(_Frozen):
    """Where the deal table is, how firm each deal is, and what cloud capacity costs.

    A deal's delay = its own ``delay_years`` (deal table) or its status's, + ``delay_years`` here
    (an extra slip for every deal, a scenario lever); its realisation = its own or its status's
    x ``realisation_fraction`` here.
    """

    file: str = Field(default="commitments.csv", min_length=1, max_length=300)
    status_delay_years: StatusDelay
    status_realisation_fraction: StatusRealisation
    realisation_fraction: Q(ge=0, le=1.5, kind="fraction")
    delay_years: Q(ge=0, le=10, integer=True)
    renew_cloud: Flag  # re-contract a cloud deal's final-year capacity when its term ends
    cloud_price_factor: Q(gt=0, le=5)  # contract payments x this (1 = as signed)
    renewal_price_factor: Q(gt=0, le=5)  # renewal price per GW-year / the final contract year's
    renewal_escalator_per_year: Q(gt=-0.5, le=0.5, kind="fraction")


class Rationing(str, Enum):
    """Who is served first when demand exceeds usable capacity."""

    PROPORTIONAL = "proportional"    # revenue and training cut in the same proportion
    REVENUE_FIRST = "revenue_first"  # inference (revenue) first, training gets the rest
    TRAINING_FIRST = "training_first"  # training first, inference (revenue) gets the rest


class Demand(_Frozen):
    """Compute that revenue needs (inference) and training and research compute [used GW]."""

    rationing: Rationing = Rationing.PROPORTIONAL
    inference_gw_per_usd_bn: Q(gt=0, le=1)  # used GW per US$ bn of revenue, first year
    efficiency_gain_per_year: S(gt=-1, lt=1, kind="fraction")  # fall in GW per US$ of revenue
    training_gw: S(ge=0, le=1000)  # used GW for training and research


class Expansion(_Frozen):
    """Generic capacity added when demand outgrows the announced deals (owned and rented)."""

    enabled: Flag
    lead_time_years: Q(ge=0, le=10, integer=True)  # years from the first year to the first addition
    max_build_gw_per_year: S(ge=0, le=200)
    owned_fraction: Q(ge=0, le=1, kind="fraction")  # the rest is rented
    rent_usd_bn_per_gw_year: S(ge=0, le=200, kind="usd_bn")


class ExistingFleet(_Frozen):
    """Compute already in use before the new deals (rented), and what it costs."""

    capacity_gw: S(ge=0, le=200)
    cost_usd_bn_per_gw_year: S(ge=0, le=200, kind="usd_bn")


class Component(_Frozen):
    """One capex component of an owned gigawatt."""

    label: str = Field(min_length=1, max_length=60)
    cost_usd_bn_per_gw: Q(ge=0, le=500, kind="usd_bn")
    life_years: Q(gt=0, le=60)
    residual_fraction: Q(ge=0, lt=1, kind="fraction")
    price_change_per_year: Q(gt=-1, le=1, kind="fraction")
    lead_time_years: Q(ge=0, le=5, integer=True)  # paid evenly over these years before online
    it_equipment: StrictBool


COMPONENTS = ("servers", "networking", "power_cooling", "building_land")


class Capex(_Frozen):
    """Owned capacity: cost per GW by component, lives, and refresh of IT equipment."""

    servers: Component
    networking: Component
    power_cooling: Component
    building_land: Component
    refresh_it: Flag


class Operations(_Frozen):
    """Running cost of owned capacity."""

    utilisation_fraction: S(ge=0, le=1, kind="fraction")
    pue: S(ge=1, le=3)
    power_price_usd_per_mwh: S(ge=0, le=2000)
    fixed_opex_usd_bn_per_gw_year: S(ge=0, le=50, kind="usd_bn")


class RevenuePathKind(str, Enum):
    EXPLICIT = "explicit"
    GROWTH = "growth"
    DECAYING_GROWTH = "decaying_growth"
    S_CURVE = "s_curve"


class _Segment(_Frozen):
    label: str = Field(min_length=1, max_length=60)


class ExplicitPath(_Segment):
    """Revenue given year by year."""

    path: Literal["explicit"]
    usd_bn: S(ge=0, le=20_000, kind="usd_bn")  # a fifth of world GDP in any year


class GrowthPath(_Segment):
    """First-year revenue grown by a growth rate per year (a number or a per-year series)."""

    path: Literal["growth"]
    start_usd_bn: Q(ge=0, le=FIRST_YEAR_REVENUE_MAX, kind="usd_bn")
    growth_per_year: S(gt=-1, le=20, kind="fraction")


class DecayingGrowthPath(_Segment):
    """Growth that decays geometrically from ``initial_growth`` towards ``long_run_growth``.

    g(t) = long_run + (initial - long_run) * (1 - decay)^(t - 1) for t = 1, 2, ... years after
    the first year.
    """

    path: Literal["decaying_growth"]
    start_usd_bn: Q(ge=0, le=FIRST_YEAR_REVENUE_MAX, kind="usd_bn")
    initial_growth: Q(gt=-1, le=20, kind="fraction")
    decay_fraction: Q(ge=0, le=1, kind="fraction")
    long_run_growth: Q(gt=-1, le=1, kind="fraction")


class SCurvePath(_Segment):
    """Logistic S-curve from ``start_usd_bn`` in the first year towards ``ceiling_usd_bn``.

    R(t) = C / (1 + (C / R0 - 1) * exp(-k t)).
    """

    path: Literal["s_curve"]
    start_usd_bn: Q(gt=0, le=FIRST_YEAR_REVENUE_MAX, kind="usd_bn")
    ceiling_usd_bn: Q(gt=0, le=20_000, kind="usd_bn")  # a fifth of world GDP
    steepness_per_year: Q(gt=0, le=5)



Segment = Annotated[Union[ExplicitPath, GrowthPath, DecayingGrowthPath, SCurvePath],
                    Field(discriminator="path")]


def _non_ascii(word: str) -> str:
    """``; 'а' is U+0430, not ASCII`` for the first non-ASCII character of an id (look-alikes)."""
    ch = next((c for c in word if not c.isascii()), None)
    return f"; {ch!r} is {code_point(ch)}, not an ASCII letter" if ch else ""


def _slug(kind: str):
    def check(key: str) -> str:
        if not SLUG.match(key):
            raise ValueError(f"{kind} ids must be lower-case ASCII letters, digits, '-' or '_' "
                             f"(got {key!r}{_non_ascii(key)})")
        return key
    return check


def slug_id(kind: str):
    """A text type for ids: lower-case ASCII slugs (rejects look-alike letters)."""
    return Annotated[str, AfterValidator(_slug(kind))]


SegmentId = slug_id("segment")
SourceId = slug_id("source")
FrozenModel = _Frozen  # the base of every input model: frozen, extra="forbid", visible text only


SupplierId = slug_id("supplier")
BomLineId = slug_id("bill-of-materials line")


class Supplier(_Frozen):
    """Who is paid for owned capex (a name the bill of materials' lines refer to), and a
    reported revenue to set the programme's spend against (context)."""

    label: str = Field(min_length=1, max_length=60)
    reported_revenue_usd_bn: Q(gt=0, le=100_000, kind="usd_bn") | None = None  # a year's, for context


class SupplierShare(_Frozen):
    """A supplier's share of a bill-of-materials line, per year (a weight: normalised over the
    line's suppliers, so the shipped shares sum to 1 and an edit of one keeps the total)."""

    share_fraction: S(ge=0, le=1, kind="fraction")


class BomLine(_Frozen):
    """One line of the bill of materials inside a capex component (accelerators and systems,
    racks and servers, cabling, ...): its share of the component's value before tariffs, where
    it is made and what that costs, and who supplies it.

    ``deal_vendor``: the GW an owned deal brings pays the deal's accelerator vendor (the deal
    table's ``accelerator_vendor``) for this line; refreshes and expansion capacity pay the
    line's supplier shares. At most one line of the whole bill of materials has it."""

    label: str = Field(min_length=1, max_length=60)
    us_made_fraction: S(ge=0, le=1, kind="fraction")
    tariff_rate: S(ge=0, le=5, kind="fraction")  # on the imported value
    us_premium_fraction: S(ge=0, le=2, kind="fraction")  # US-made cost above the imported price
    # of the component's value before tariffs (the lines of a component sum to 1: edit two together)
    share_fraction: S(ge=0, le=1, kind="fraction")
    suppliers: dict[SupplierId, SupplierShare] = Field(min_length=1, max_length=30)
    deal_vendor: StrictBool = False


BomLines = Annotated[dict[BomLineId, BomLine], Field(min_length=1, max_length=10)]


class Bom(_Frozen):
    """The bill of materials: the lines of each capex component (the same components as
    ``capex``); a component's line shares sum to 1 in every year."""

    servers: BomLines
    networking: BomLines
    power_cooling: BomLines
    building_land: BomLines


class SupplyChain(_Frozen):
    """The bill of materials of owned capex: lines within each capex component, each with its
    origin and suppliers.

    Capex per GW is the price of imported content before tariffs; a component's capex is raised
    by its supply factor, the sum over its lines of share x (1 + imported share x tariff + US
    share x US premium) (``engine.supply``). Depreciation stays by component."""

    suppliers: dict[SupplierId, Supplier] = Field(min_length=1, max_length=30)
    bom: Bom


def _step_values(value: Any, years: list[int]) -> list[float]:
    """A number or a step series ``{year: value}`` at each of ``years`` (the latest key at or
    before the year; before the first key, the first value)."""
    if not isinstance(value, dict):
        return [float(value)] * len(years)
    keys = sorted(value)
    return [float(value[max([k for k in keys if k <= y], default=keys[0])]) for y in years]


def supply_chain_problems(chain: SupplyChain, years: list[int]) -> list[tuple[tuple, str]]:
    """What the schema of one block cannot see in the supply chain: a component's line shares
    that do not sum to 1 in some year, a line's supplier that is not in the suppliers block,
    more than one ``deal_vendor`` line. [(path tuple, message)], located at the offending key."""
    out: list[tuple[tuple, str]] = []
    at = ("supply_chain", "bom")
    for comp in COMPONENTS:
        lines = getattr(chain.bom, comp)
        series = {k: _step_values(line.share_fraction.value, years) for k, line in lines.items()}
        for t, y in enumerate(years):
            total = sum(v[t] for v in series.values())
            if abs(total - 1.0) > 1e-9:
                parts = " + ".join(f"{k} {v[t]:g}" for k, v in series.items())
                out.append((at + (comp,), f"the shares of the {comp} lines sum to {total:g} in {y} "
                            f"({parts}); they must sum to 1 (each is a share of the component's value)"))
                break
        for k, line in lines.items():
            for sup in line.suppliers:
                if sup not in chain.suppliers:
                    known = ", ".join(chain.suppliers)
                    out.append((at + (comp, k, "suppliers", sup),
                                f"unknown supplier {sup!r}; add it to supply_chain.suppliers (known: {known})"))
    seen: dict[str, str] = {}
    for c in COMPONENTS:
        for k in getattr(chain.bom, c):
            if k in seen:
                out.append((at + (c, k), f"line id {k!r} is already a line of {seen[k]}: "
                            "each line of the bill of materials needs its own id"))
            seen.setdefault(k, c)
    vendors = [(c, k) for c in COMPONENTS for k, line in getattr(chain.bom, c).items() if line.deal_vendor]
    for c, k in vendors[1:]:
        out.append((at + (c, k, "deal_vendor"), f"only one line may have deal_vendor: true "
                    f"(already {vendors[0][0]}.{vendors[0][1]})"))
    return out


def deal_vendor(deal: "Deal", supplier_ids) -> str | None:
    """The supplier an owned deal pays for the ``deal_vendor`` line of its GW: the deal table's
    ``accelerator_vendor`` if given, else the supplier whose id is the partner's name (``AMD``
    -> ``amd``), else None (the line's supplier shares, as for expansion capacity)."""
    if deal.accelerator_vendor:
        return deal.accelerator_vendor
    slug = re.sub(r"[^a-z0-9]+", "_", deal.partner.lower()).strip("_")
    return slug if slug in supplier_ids else None


class Revenue(_Frozen):
    """Revenue by segment and the share paid to partners (e.g. Microsoft's 20% to 2030)."""

    segments: dict[SegmentId, Segment] = Field(min_length=1, max_length=10)
    partner_share_fraction: S(ge=0, le=1, kind="fraction")


class CostMode(str, Enum):
    SHARE_OF_REVENUE = "share_of_revenue"
    EXPLICIT = "explicit"


class ShareOfRevenueCost(_Frozen):
    label: str = Field(min_length=1, max_length=60)
    mode: Literal["share_of_revenue"]
    fraction: S(ge=0, le=10, kind="fraction")


class ExplicitCost(_Frozen):
    label: str = Field(min_length=1, max_length=60)
    mode: Literal["explicit"]
    usd_bn: S(ge=0, le=20_000, kind="usd_bn")


Cost = Annotated[Union[ShareOfRevenueCost, ExplicitCost], Field(discriminator="mode")]


class OperatingCosts(_Frozen):
    """Operating costs other than compute: staff R&D, sales & marketing, G&A."""

    research_staff: Cost
    sales_marketing: Cost
    general_admin: Cost
    # share of revenue paid in stock, part of the costs above: a cost in the P&L and in the FCF
    # that is valued, but not cash (it dilutes the holders instead)
    stock_compensation_fraction: S(ge=0, le=5, kind="fraction")


class WorkingCapital(_Frozen):
    """Balances that move cash before or after the P&L: customers paying in advance, bills to
    partners paid later, prepayments to vendors (each a share of its flow in the year)."""

    deferred_revenue_fraction: S(ge=0, le=1, kind="fraction")  # of revenue
    payables_fraction: S(ge=0, le=1, kind="fraction")          # of compute cost (cash)
    prepayments_fraction: S(ge=0, le=1, kind="fraction")       # of cloud contract payments


class Tax(_Frozen):
    rate_fraction: Q(ge=0, le=0.9, kind="fraction")
    opening_loss_carryforward_usd_bn: Q(ge=0, le=COMPANY_AMOUNT_MAX, kind="usd_bn")
    loss_usage_limit_fraction: Q(ge=0, le=1, kind="fraction")


class EquityRound(_Frozen):
    """An equity round: money in the year it is paid, at a post-money valuation (the price that
    sets the dilution of everyone holding shares before it)."""

    label: str = Field(min_length=1, max_length=80)
    year: Q(ge=1990, le=2150, integer=True)
    amount_usd_bn: Q(ge=0, le=COMPANY_AMOUNT_MAX, kind="usd_bn")
    post_money_usd_bn: Q(gt=0, le=50_000, kind="usd_bn")  # ~10x the largest company today
    ipo: bool = False  # this round is the IPO (rounds may depend on its year)
    needs_ipo_by_year: Q(ge=1990, le=2150, integer=True) | None = None  # paid only if the IPO is by then
    with_deal: str | None = Field(default=None, max_length=40)  # a partner's cheque tied to its deal
    per_gw: bool = False  # amount_usd_bn is per GW of the deal deployed (vendor equity, Nvidia-style)


class Amortisation(str, Enum):
    BULLET = "bullet"        # all at maturity
    STRAIGHT = "straight"    # equal parts over the tenor after the draw year
    SCULPTED = "sculpted"    # cash available for debt service / DSCR target, less interest


class DebtTranche(_Frozen):
    """A corporate term loan or bond: drawn in one year, repaid by its amortisation."""

    label: str = Field(min_length=1, max_length=80)
    draw_year: Q(ge=1990, le=2150, integer=True)
    amount_usd_bn: Q(ge=0, le=COMPANY_AMOUNT_MAX, kind="usd_bn")
    rate: Q(ge=0, le=1, kind="fraction")  # all-in fixed rate (base + spread)
    tenor_years: Q(ge=1, le=40, integer=True)
    amortisation: Amortisation
    dscr_target: Q(gt=0, le=10)  # sculpted: repay what leaves this cover
    fee_fraction: Q(ge=0, le=0.2, kind="fraction")  # upfront fee on the amount drawn


class Revolver(_Frozen):
    """A revolving facility: draws to hold the minimum cash, up to its limit; repaid first from
    surplus cash."""

    limit_usd_bn: Q(ge=0, le=COMPANY_AMOUNT_MAX, kind="usd_bn")
    rate: Q(ge=0, le=1, kind="fraction")
    commitment_fee_fraction: Q(ge=0, le=0.1, kind="fraction")  # on the undrawn limit


class Warrant(_Frozen):
    """Vendor shares granted to the buyer, vesting per GW of the deal deployed (AMD-style);
    sold as they vest: a rebate on the deal."""

    label: str = Field(min_length=1, max_length=80)
    deal: str = Field(min_length=1, max_length=40)
    shares_m: Q(ge=0, le=100_000)  # millions of shares at full vesting (over the deal's capacity)
    share_price_usd: S(ge=0, le=100_000)  # the vendor's share price when they vest


class Covenants(_Frozen):
    """Lender tests, checked every year; the first year each breaks is reported."""

    max_net_debt_to_ebitda: Q(gt=0, le=100)
    min_dscr: Q(gt=0, le=10)
    min_interest_cover: Q(gt=0, le=100)


class Financing(_Frozen):
    """Cash, the cash floor, and the instruments that fill the gap: equity rounds, vendor
    financing, term debt, a revolver; leases of owned deals through SPVs (deal table)."""

    opening_cash_usd_bn: Q(ge=0, le=COMPANY_AMOUNT_MAX, kind="usd_bn")
    minimum_cash_usd_bn: Q(ge=0, le=COMPANY_AMOUNT_MAX, kind="usd_bn")  # the floor under the buffer below
    minimum_cash_months: Q(ge=0, le=60)  # months of cash costs held as a buffer
    cash_interest_rate: Q(ge=0, le=1, kind="fraction")  # earned on cash
    unfunded_gap_rate: Q(ge=0, le=1, kind="fraction")  # charged on last year's unfunded gap
    sweep_fraction: Q(ge=0, le=1, kind="fraction")  # of surplus cash used to prepay term debt
    other_financing_usd_bn: S(ge=-100_000, le=100_000, kind="usd_bn")
    rounds: dict[Annotated[str, AfterValidator(lambda k: _slug("round")(k))], EquityRound] = Field(
        default_factory=dict, max_length=30)
    tranches: dict[Annotated[str, AfterValidator(lambda k: _slug("tranche")(k))], DebtTranche] = Field(
        default_factory=dict, max_length=20)
    revolver: Revolver
    warrants: dict[Annotated[str, AfterValidator(lambda k: _slug("warrant")(k))], Warrant] = Field(
        default_factory=dict, max_length=10)
    lease_rate: Q(ge=0, le=1, kind="fraction")  # an SPV's cost of capital for leased deals
    covenants: Covenants
    partner_debt_usd_bn: Annotated[Q(ge=0, le=100_000, kind="usd_bn"), INFORMATIONAL]  # inside cloud prices

    @model_validator(mode="after")
    def _one_ipo(self) -> "Financing":
        ipos = [k for k, r in self.rounds.items() if r.ipo]
        if len(ipos) > 1:
            raise ValueError(f"at most one round is the IPO (got {', '.join(ipos)})")
        needs = [k for k, r in self.rounds.items() if r.needs_ipo_by_year is not None]
        if needs and not ipos:
            raise ValueError(f"rounds {', '.join(needs)} depend on an IPO, but no round has ipo: true")
        return self


class TerminalMethod(str, Enum):
    """What FCF the Gordon terminal value grows."""

    NORMALISED = "normalised"  # last year's FCF with steady-state capex (replacement + growth at g)
    AVERAGED = "averaged"      # the average FCF of the last terminal_fcf_years years


class Valuation(_Frozen):
    """Discounting: NPV at the end of the first (actual) year; Gordon terminal value."""

    discount_rate: Q(gt=-1, le=1, kind="fraction")
    terminal_growth: Q(gt=-1, le=0.5, kind="fraction")
    terminal_fcf_years: Q(ge=1, le=10, integer=True)  # years of FCF averaged (averaged method)
    terminal_method: TerminalMethod = TerminalMethod.NORMALISED



class FileRef(_Frozen):
    """Where a companion file of the scenario is (relative to the file that names it)."""

    file: str = Field(min_length=1, max_length=300)


class MeasureKind(str, Enum):
    AT = "at"          # line items in one year
    SUM = "sum"        # line items summed over years [from, to]
    BURN = "burn"      # the negative part of line items summed over years (cash burn)
    METRIC = "metric"  # a headline metric


class Measure(_Frozen):
    """How the model's figure for an anchor is formed from line items or a metric."""

    kind: MeasureKind
    items: tuple[str, ...] = ()
    metric: str | None = Field(default=None, max_length=60)
    year: int | None = Field(default=None, ge=1990, le=2150)
    years: tuple[int, int] | None = None

    @model_validator(mode="after")
    def _shape(self) -> "Measure":
        needs = {MeasureKind.AT: ("items", "year"), MeasureKind.SUM: ("items", "years"),
                 MeasureKind.BURN: ("items", "years"), MeasureKind.METRIC: ("metric",)}[self.kind]
        missing = [f for f in needs if not getattr(self, f)]
        if missing:
            raise ValueError(f"a {self.kind.value!r} measure needs {' and '.join(missing)}")
        if self.years and self.years[0] > self.years[1]:
            raise ValueError(f"years must be [from, to] with from <= to (got {list(self.years)})")
        return self


MAX_ANCHOR = 1e6  # largest |reported| of a calibration anchor (US$ 1,000 trillion in US$ bn)


class Anchor(_Frozen):
    """A public figure the model is compared with (the Calibration sheet)."""

    label: str = Field(min_length=1, max_length=120)
    unit: str = Field(min_length=1, max_length=20)
    reported: StrictFloat
    measure: Measure
    source: str = Field(min_length=1, max_length=60)  # a key of the scenario's sources block
    tolerance_fraction: float = Field(ge=0, le=10)  # how far the base case may sit from it
    fitted: bool = False  # an input was fitted to this figure: it is shown, not a check
    miss_reason: str = Field(default="", max_length=1000)  # why the base case misses it (if it does)
    note: str = Field(default="", max_length=1000)

    @field_validator("reported")
    @classmethod
    def _reported(cls, x: float) -> float:
        """Not zero (the gap is relative to it) and within +-MAX_ANCHOR (US$ bn, GW, fractions)."""
        if x == 0:
            raise ValueError("must not be 0: the model's gap is measured relative to it")
        if abs(x) > MAX_ANCHOR:
            raise ValueError(f"must be within +-{MAX_ANCHOR:g}")
        return x

    @model_validator(mode="before")
    @classmethod
    def _ints(cls, v: Any) -> Any:
        if isinstance(v, dict) and isinstance(v.get("reported"), int) and not isinstance(v["reported"], bool):
            v = {**v, "reported": float(v["reported"])}
        return v


class Calibration(_Frozen):
    """The calibration file: anchors by id."""

    anchors: dict[Annotated[str, AfterValidator(lambda k: _slug("anchor")(k))], Anchor] = Field(max_length=50)


class Scenario(_Frozen):
    """A whole scenario: the base case or a base with an overlay merged in."""

    name: str = Field(min_length=1, max_length=60)
    description: str = Field(default="", max_length=2000)
    sources: dict[SourceId, Source] = Field(default_factory=dict)
    timeline: Timeline
    calibration: FileRef | None = None  # the calibration anchors (e.g. calibration.yaml)
    commitments: Commitments
    existing_fleet: ExistingFleet
    demand: Demand
    expansion: Expansion
    capex: Capex
    supply_chain: SupplyChain
    operations: Operations
    revenue: Revenue
    operating_costs: OperatingCosts
    working_capital: WorkingCapital
    tax: Tax
    financing: Financing
    valuation: Valuation


# --- the deal table (commitments.csv) -------------------------------------------------------

class DealKind(str, Enum):
    OWNED = "owned"   # build or purchase: capex
    CLOUD = "cloud"   # cloud contract: take-or-pay payments


class ValueCovers(str, Enum):
    """What an owned deal's value pays for (it prices the deal's first IT purchase)."""

    ALL_IN = "all_in"    # IT and facility: IT per GW = value / GW - facility cost per GW
    IT = "it"            # servers and networking: IT per GW = value / GW
    SERVERS = "servers"  # servers and accelerators: IT per GW = value / GW + networking cost
    NONE = "none"        # an estimate shown for the record: IT at the generic cost per GW
    CONTRACT = "contract"  # a cloud deal: the value is the contract's payments


class DealFinancing(str, Enum):
    """How an owned deal is paid for."""

    OWN = "own"      # OpenAI buys it: capex
    LEASE = "lease"  # an SPV buys it and leases it to OpenAI: a yearly payment at the lease rate


class RampKind(str, Enum):
    LINEAR = "linear"
    FRONT = "front"
    BACK = "back"
    EXPLICIT = "explicit"


class Deal(_Frozen):
    """One row of commitments.csv."""

    id: str = Field(pattern=SLUG.pattern)
    partner: str = Field(min_length=1, max_length=60)
    deal: str = Field(min_length=1, max_length=120)
    kind: DealKind
    capacity_gw: float = Field(ge=0, le=100, allow_inf_nan=False)
    value_usd_bn: float = Field(ge=0, le=5_000, allow_inf_nan=False)
    start_year: int = Field(ge=1990, le=2150)
    term_years: int = Field(ge=1, le=40)
    ramp: RampKind
    shares: tuple[float, ...] = ()
    value_covers: ValueCovers
    include: bool
    status: DealStatus
    financing: DealFinancing = DealFinancing.OWN  # owned deals: own or lease through an SPV
    # owned deals: the supplier paid for the accelerator line of its GW (blank: from the partner)
    accelerator_vendor: str | None = Field(default=None, pattern=SLUG.pattern)
    delay_years: int | None = Field(default=None, ge=0, le=10)  # blank: the status's slip
    realisation_fraction: float | None = Field(default=None, ge=0, le=1.5, allow_inf_nan=False)
    basis: Basis
    source: str = Field(min_length=1, max_length=300)
    source_url: str = Field(default="", max_length=500)
    as_of: str = Field(min_length=1, max_length=40)
    note: str = Field(default="", max_length=1000)

    @field_validator("shares")
    @classmethod
    def _shares(cls, shares: tuple[float, ...], info: ValidationInfo) -> tuple[float, ...]:
        """Checked on the field (so the error points at the shares column); needs ramp and term."""
        ramp, term = info.data.get("ramp"), info.data.get("term_years")
        if ramp is RampKind.EXPLICIT and term is not None:
            if len(shares) != term:
                raise ValueError(f"an explicit ramp needs {term} shares, one per year of "
                                 f"the term (got {len(shares)})")
            if any(s < 0 or not math.isfinite(s) for s in shares):
                raise ValueError("ramp shares must be finite and >= 0")
            if abs(sum(shares) - 1) > 1e-6:
                raise ValueError(f"ramp shares must sum to 1 (got {sum(shares):.6g})")
        elif ramp is not None and ramp is not RampKind.EXPLICIT and shares:
            raise ValueError(f"shares are only given with ramp 'explicit' (the ramp is {ramp.value!r})")
        return shares

    @field_validator("status", mode="before")
    @classmethod
    def _status_case(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v

    @field_validator("financing")
    @classmethod
    def _lease_owned_only(cls, financing: DealFinancing, info: ValidationInfo) -> DealFinancing:
        if financing is DealFinancing.LEASE and info.data.get("kind") is DealKind.CLOUD:
            raise ValueError("only an owned deal can be leased (a cloud deal is already a lease)")
        return financing

    @field_validator("accelerator_vendor")
    @classmethod
    def _vendor_owned_only(cls, vendor: str | None, info: ValidationInfo) -> str | None:
        if vendor and info.data.get("kind") is DealKind.CLOUD:
            raise ValueError("only an owned deal has an accelerator vendor (a cloud deal's "
                             "payments go to its partner); leave it blank")
        return vendor

    @field_validator("value_covers")
    @classmethod
    def _covers(cls, covers: ValueCovers, info: ValidationInfo) -> ValueCovers:
        """Checked on the field (the error points at the value_covers column); needs kind."""
        kind = info.data.get("kind")
        if kind is not None and (kind is DealKind.CLOUD) != (covers is ValueCovers.CONTRACT):
            want = "contract" if kind is DealKind.CLOUD else "all_in, it, servers or none"
            raise ValueError(f"value_covers of a {kind.value} deal must be {want} (got {covers.value!r})")
        return covers

    def schedule(self) -> list[float]:
        """Share of the deal in each year of its term (sums to 1)."""
        n = self.term_years
        weights = {
            RampKind.LINEAR: [1.0] * n,
            RampKind.FRONT: [float(n - i) for i in range(n)],
            RampKind.BACK: [float(i + 1) for i in range(n)],
            RampKind.EXPLICIT: list(self.shares),
        }[self.ramp]
        total = sum(weights)
        return [w / total for w in weights]


def field_bounds(model: type[BaseModel], name: str) -> Bounds | None:
    """The :class:`Bounds` declared on ``model.name`` (None for non-quantity fields)."""
    info = model.model_fields[name]
    found = next((m for m in info.metadata if isinstance(m, Bounds)), None)
    if found is None:  # an optional quantity: Q(...) | None
        for arg in typing.get_args(info.annotation):
            found = next((m for m in getattr(arg, "__metadata__", ()) if isinstance(m, Bounds)), found)
    return found
