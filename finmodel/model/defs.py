"""The kinds of catalogue entries: line items, metrics, checks; and what fixes a batch's shape.

Each entry names the engine function that computes it, binds that function's arguments to
line items, inputs, constants, metrics and the timeline, and gives the spreadsheet formula
that computes the same thing from the same references, with its label and unit (the unit
picks the number format, ``workbook.formats``). ``model.result.run`` evaluates the bindings
with numpy; the workbook layout renders the formulas; LibreOffice proves in the tests that
both agree. The definitions live beside this module: ``lineitems``, ``metrics``, ``checks``.

References (``Ref``):
  ``"li:KEY"``  a line item: for a line item the same period, for a metric or check the row
  ``"in:PATH"`` an input (scalar or per-year)       ``"k:NAME"``  a constant (named cell)
  ``"m:KEY"``   a metric's value                    ``"period"`` / ``"year"``  the timeline
  a tuple of references: their sum
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Callable, NamedTuple, Union

from ..engine.financing import COVER_TOLERANCE
from ..engine.metrics import MATERIAL_USD_BN

__all__ = ["short_label", "Ref", "BETTER", "LineItem", "MetricDef", "CheckDef", "DealShape", "RoundShape", "Structure", "CONSTANTS", "SHEETS"]

Ref = Union[str, tuple]


def short_label(label: str) -> str:
    """A label without its parenthetical explanations, for a row that combines two labels or a
    compact table (the full label is shown where the thing is defined): "Other IT vendors (CPUs,
    memory, ...)" -> "Other IT vendors"."""
    return re.sub(r"\s*\([^()]*\)", "", label)

#: The values of ``MetricDef.better``: which direction of a metric is good.
BETTER = ("higher", "lower", None)

# Unit conversions and method settings shown as named constants on the Inputs sheet (never
# typed inside formulas): key -> (value, unit, label).
CONSTANTS = {
    "hours_per_year": (8760.0, "hours", "Hours in a year"),
    "usd_per_usd_bn_mwh_per_gwh": (1e6, "-", "Conversion: GWh x $/MWh to US$ bn (1e9 / 1,000)"),
    "check_tolerance": (1e-6, "US$ bn", "Tolerance of the model checks"),
    "material_usd_bn": (MATERIAL_USD_BN, "US$ bn", "Smallest funding need counted (float residue below)"),
    "cover_tolerance": (COVER_TOLERANCE, "x", "Covenant tests: a cover this close below its minimum meets it"),
    "rdcf_margin": (1e-4, "fraction", "Reverse DCF: the lowest rate searched, above terminal growth by"),
    "rdcf_high": (1.0, "fraction", "Reverse DCF: the highest rate searched"),
    "months_per_year": (12.0, "months", "Months in a year"),
    "root_tolerance": (1e-9, "-", "Tolerance of a stored IRR root: |NPV| / its largest possible term"),
    "usd_m_per_usd_bn": (1000.0, "-", "Conversion: US$ million to US$ bn"),
}

# Calculation sheets, left to right.
SHEETS = ("Deals", "Capacity", "Capex", "Depreciation", "Suppliers", "Revenue", "P&L", "Cash flow",
          "Financing", "Unit economics")


@dataclass(frozen=True)
class LineItem:
    """One row: engine function + argument bindings + spreadsheet formula.

    kind: "calc", "link" (shows another row or an input), "total" (sums rows), "vintage"
    (a depreciation block: one row per purchase year above the total row).
    """

    key: str
    label: str
    unit: str
    sheet: str
    fn: Callable
    args: dict[str, Ref]
    formula: str
    refs: dict[str, Ref] | None = None  # formula bindings when they differ from ``args``
    pick: str | None = None  # ``fn`` returns a dict of rows (one recurrence for many rows): this one;
    # ``fn`` takes ``rows``, the picks a run reads (None: every row), and returns at least those
    total: bool = False  # show the sum over periods in the Total column
    section: str | None = None  # a section heading shown above this row
    kind: str = "calc"
    note: str = ""

    @property
    def formula_refs(self) -> dict[str, Ref]:
        return self.refs if self.refs is not None else self.args


@dataclass(frozen=True)
class MetricDef:
    """A headline number per scenario: ``fn(**args)`` returns an engine ``Metric`` (a value
    with an "n/a" reason) or an array of values; ``formula`` is its cell on the Valuation
    sheet. Formula placeholders as for line items, plus ``{name.fcst}`` (the forecast periods
    2..T), ``{m:KEY}`` (another metric's cell) and ``{scan:FLOW:NAME}`` (the IRR root
    analysis of line item FLOW on the Valuation sheet: roots, guess, descartes, exact, first,
    note) and ``{rdcf:NAME}`` (the reverse DCF's block: target, v_low, v_high, found, rate).

    ``missing_as``: what an "n/a" of this metric means when a draw is compared with a
    threshold (Monte Carlo probabilities): ``inf`` for a year never reached within the horizon
    (later than every year) or a cover with nothing to cover (above every minimum); None when
    "n/a" has no place on the scale (an IRR that does not exist): such draws are left out of
    the count and reported.

    ``better``: the direction that is good for whoever holds the plan, "higher" (NPV, cash,
    cover ratios, a later covenant breach) or "lower" (funding need, unfunded gap, leverage, a
    later payback); None when neither is good in itself (capex, capacity, a year of peak
    need). Views colour by it (the grid heat map: green good, red bad).
    ``midpoint``: the value that divides good from bad outcomes where one does (0 for NPV,
    cash, FCF and for a need or gap, which is nothing at 0); None when none does (IRR, a year).
    A heat map diverges there instead of at the median."""

    key: str
    label: str
    unit: str
    fn: Callable
    args: dict[str, Ref]
    formula: str
    refs: dict[str, Ref] | None = None
    missing_as: float | None = None
    better: str | None = None  # "higher" | "lower" | None
    midpoint: float | None = None

    def __post_init__(self) -> None:
        if self.better not in BETTER:
            raise ValueError(f"metric {self.key}: better must be one of {BETTER}, got {self.better!r}")

    @property
    def formula_refs(self) -> dict[str, Ref]:
        return self.refs if self.refs is not None else self.args


@dataclass(frozen=True)
class CheckDef:
    """A model check: ``fn(**args)`` returns (n,) bool, True where the model is consistent;
    ``formula`` returns TRUE in the workbook under the same condition."""

    key: str
    label: str
    fn: Callable
    args: dict[str, Ref]
    formula: str
    refs: dict[str, Ref] | None = None

    @property
    def formula_refs(self) -> dict[str, Ref]:
        return self.refs if self.refs is not None else self.args


class DealShape(NamedTuple):
    """What of a deal fixes the catalogue's shape."""

    id: str
    label: str
    kind: str    # "owned" or "cloud"
    covers: str  # what an owned deal's value pays for (all_in, it, servers, none); cloud: contract
    ramp: str    # linear, front, back, explicit
    status: str  # signed, term_sheet, loi, reported: picks the status's slip and realisation
    own_delay: bool = False        # the deal gives its own slip (else its status's)
    own_realisation: bool = False  # the deal gives its own realisation (else its status's)
    financing: str = "own"         # owned deals: own (capex) or lease (through an SPV)
    vendor: str | None = None      # owned deals: the supplier paid for the deal-vendor BOM line


class RoundShape(NamedTuple):
    """What of an equity round fixes the catalogue's shape."""

    id: str
    label: str
    ipo: bool = False
    needs_ipo: bool = False       # paid only if the IPO is by a given year
    with_deal: str | None = None  # scaled by that deal's realisation (or per GW of it)
    per_gw: bool = False


@dataclass(frozen=True)
class Structure:
    """What is fixed for a whole batch: segments, cost modes, components and included deals."""

    segments: tuple[tuple[str, str, str], ...]    # (id, label, path kind)
    costs: tuple[tuple[str, str, str], ...]       # (key, label, mode)
    components: tuple[tuple[str, str, bool], ...]  # (key, label, it_equipment)
    deals: tuple[DealShape, ...]
    rationing: str = "proportional"  # who is served first when capacity is short
    terminal_method: str = "normalised"  # the FCF the terminal value grows (normalised, averaged)
    rounds: tuple[RoundShape, ...] = ()
    tranches: tuple[tuple[str, str, str], ...] = ()  # (id, label, amortisation)
    warrants: tuple[tuple[str, str, str], ...] = ()  # (id, label, deal id)
    # every editable input: (path, Inputs-sheet section, its bounds or None, per year?) — the
    # checks that an edit in the workbook stays inside what the engine accepts
    inputs: tuple[tuple[str, str, object, bool], ...] = ()
    # the supply chain: (supplier id, label, the bill-of-materials lines it supplies (by share or
    # as a deal's vendor), has a reported revenue)
    suppliers: tuple[tuple[str, str, tuple[str, ...], bool], ...] = ()
    # the bill of materials: (line id, label, capex component, deal_vendor, its suppliers by share)
    bom: tuple[tuple[str, str, str, bool, tuple[str, ...]], ...] = ()

    @property
    def deal_kinds(self) -> dict[str, str]:
        """Deal id -> what its value covers: the ``kinds`` a rule between inputs limited to some
        deals (``assumptions.rules.Rule.only``) is matched against."""
        return {d.id: d.covers for d in self.deals}

    def __hash__(self) -> int:
        """The hash of the fields (as the dataclass's own), computed once: every run looks its
        catalogue up by the structure (~27 us a hash, a single run's path takes ~0.3 ms)."""
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash(tuple(getattr(self, f.name) for f in fields(self)))
            object.__setattr__(self, "_hash", h)
        return h

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}  # str hashes vary by process
