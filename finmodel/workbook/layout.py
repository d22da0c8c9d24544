"""Pure layout: engine result + assumptions -> :class:`WorkbookSpec` (no xlsx library here).

Every calculation sheet has the same timeline: period numbers on row 4, years on row 5,
one column per year from column E; each row is one line item with a label, a unit, a total
and one formula copied across. Formulas come from the line-item catalogue and reference
Inputs (named cells for scalars, the same column for per-year inputs); each is written
with the engine's value cached.
"""
from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping, Sequence

import numpy as np

from .. import __version__
from ..assumptions.fields import InputField
from ..assumptions.schema import GRADE_MEANING
from ..engine.metrics import IRR_GRID
from ..model.calibration import anchor_formula
from ..model.defs import CONSTANTS, SHEETS, LineItem, short_label
from ..model.result import IRR_FLOWS, Result, metric_value
from ..model.supply import active_suppliers
from .formats import number_format
from .paging import col_px
from .spec import (
    Cell, Chart, ChartSeries, ConditionalFormat, DefinedName, Sheet, Style, WorkbookSpec, a1,
    abs_a1, col_letter, quote_sheet,
)

__all__ = ["layout_workbook", "laid_out", "RunInfo", "PERIOD_ROW", "YEAR_ROW", "FIRST_COL", "input_rows", "input_cell"]

FIRST_COL = 4      # column E: the first period on every timeline sheet
PERIOD_ROW = 3     # row 4: period numbers
YEAR_ROW = 4       # row 5: calendar years
FIRST_ROW = 6      # row 7: first line item
VALUE_COL = 2      # column C: scalar inputs, totals, metric values
TIMELINE_HOME = "Cash flow"  # timeline used by formulas on sheets without one

BLUE, GREEN, ORANGE, GREY, RED, PURPLE = "#1F4E79", "#70AD47", "#ED7D31", "#A5A5A5", "#C00000", "#7030A0"


@dataclass(frozen=True)
class RunInfo:
    """The run record shown on the About sheet (made by the caller: the layout does no I/O)."""

    command: str = ""
    created_utc: str = ""
    files: tuple[tuple[str, str], ...] = ()  # (path, sha256)
    versions: tuple[tuple[str, str], ...] = ()
    overrides: tuple[str, ...] = ()
    seed: int | None = None
    git_commit: str | None = None


@lru_cache(maxsize=None)  # every formula that names an input asks again
def name_of(path: str) -> str:
    """Defined name for an input or constant path: ``in_valuation_discount_rate``."""
    return re.sub(r"[^A-Za-z0-9_]", "_", path)


def _cached(x: float) -> float | str:
    return "n/a" if isinstance(x, float) and math.isnan(x) else float(x)


_TOKEN = re.compile(r"\{([^{}]+)\}")  # {name}, {name.suffix}, {m:KEY} in a formula template


@dataclass
class _Book:
    result: Result
    spec: WorkbookSpec
    rows: dict[str, tuple[str, int]] = field(default_factory=dict)         # line item -> (sheet, row)
    inputs: dict[str, tuple[int, InputField]] = field(default_factory=dict)  # path -> (row, field)
    cells: dict[str, tuple[str, int, int]] = field(default_factory=dict)    # m:KEY, scan:..., check:KEY -> cell

    @property
    def T(self) -> int:
        return self.result.drivers.periods

    @property
    def last_col(self) -> int:
        return FIRST_COL + self.T - 1

    def col_of_year(self, year: int) -> int:
        return FIRST_COL + self.result.timeline.index(year)

    # -- model.calibration.Addresser: references written on the Calibration sheet ----------

    def cell(self, item: str, year: int) -> str:
        return self.address(f"li:{item}", "Calibration", self.col_of_year(year))

    def span(self, item: str, first: int, last: int) -> str:
        sheet, row = self.rows[item]
        return (f"{quote_sheet(sheet)}!{abs_a1(row, self.col_of_year(first))}:"
                f"{abs_a1(row, self.col_of_year(last))}")

    def metric(self, key: str) -> str:
        return self.address(f"m:{key}", "Calibration", 0)

    # -- references -------------------------------------------------------------------------

    def _span(self, sheet: str, row: int, suffix: str, col: int, here: str) -> str:
        pre = "" if sheet == here else quote_sheet(sheet) + "!"
        if suffix == "":
            return pre + a1(row, col)
        if suffix == "prev":
            return pre + a1(row, col - 1)
        if suffix == "row":
            return f"{pre}{abs_a1(row, FIRST_COL)}:{abs_a1(row, self.last_col)}"
        if suffix == "lag":  # periods 1..T-1: beside .fcst, each period's previous one
            return f"{pre}{abs_a1(row, FIRST_COL)}:{abs_a1(row, self.last_col - 1)}"
        if suffix == "before":  # the empty column before the first period .. the previous period
            return f"{pre}{abs_a1(row, FIRST_COL - 1)}:{a1(row, col - 1)}"
        if suffix == "fcst":
            return f"{pre}{abs_a1(row, FIRST_COL + 1)}:{abs_a1(row, self.last_col)}"
        if suffix == "last":
            return pre + abs_a1(row, self.last_col)
        raise ValueError(f"bad reference suffix {suffix!r}")

    def address(self, ref: Any, here: str, col: int, suffix: str = "") -> str:
        if isinstance(ref, tuple):
            parts = [self.address(r, here, col, suffix) for r in ref]
            return "(" + "+".join(parts) + ")" if parts else "0"
        if ref in ("period", "year"):
            sheet = here if here in SHEETS else TIMELINE_HOME
            if suffix == "":
                pre = "" if sheet == here else quote_sheet(sheet) + "!"
                return f"{pre}{col_letter(col)}${(PERIOD_ROW if ref == 'period' else YEAR_ROW) + 1}"
            return self._span(sheet, PERIOD_ROW if ref == "period" else YEAR_ROW, suffix, col, here)
        kind, _, name = ref.partition(":")
        if kind == "li":
            sheet, row = self.rows[name]
            return self._span(sheet, row, suffix, col, here)
        if kind == "in":
            row, f = self.inputs[name]
            if f.series:
                return self._span("Inputs", row, suffix, col, here)
            if suffix:
                raise ValueError(f"{ref}.{suffix}: a scalar input has no periods")
            return name_of("in." + name)
        if kind == "k":
            return name_of("k." + name)
        if kind in ("m", "scan", "rdcf"):
            sheet, row, c = self.cells[ref]
            return ("" if sheet == here else quote_sheet(sheet) + "!") + abs_a1(row, c)
        raise ValueError(f"bad reference {ref!r}")

    def render(self, template: str, refs: Mapping[str, Any], here: str, col: int,
               self_key: str | None = None, extra: Mapping[str, str] | None = None) -> str:
        def sub(m: re.Match) -> str:
            token = m.group(1)
            if extra and token in extra:
                return extra[token]
            if token.startswith(("m:", "scan:", "rdcf:")):
                return self.address(token, here, col)
            name, _, suffix = token.partition(".")
            ref = f"li:{self_key}" if name == "self" else refs[name]
            return self.address(ref, here, col, suffix)
        return _TOKEN.sub(sub, template)


# --- sheets --------------------------------------------------------------------------------------

def _title(sheet: Sheet, title: str, subtitle: str) -> None:
    sheet.put(0, 0, Cell(title, style=Style.TITLE))
    sheet.put(1, 0, Cell(subtitle, style=Style.SUBTITLE))


def _timeline_header(book: _Book, sheet: Sheet, with_total: bool = True) -> None:
    years = book.result.years
    sheet.put(PERIOD_ROW, 0, Cell("Period", style=Style.HEADER))
    sheet.put(YEAR_ROW, 0, Cell("Line item", style=Style.HEADER))
    sheet.put(YEAR_ROW, 1, Cell("Unit", style=Style.HEADER))
    sheet.put(YEAR_ROW, VALUE_COL, Cell("Total" if with_total else "Value", style=Style.HEADER))
    for t, year in enumerate(years):
        c = FIRST_COL + t
        sheet.put(PERIOD_ROW, c, Cell(t + 1, f"=COLUMN()-COLUMN({abs_a1(PERIOD_ROW, FIRST_COL)})+1",
                                      Style.HEADER, "0"))
        sheet.put(YEAR_ROW, c, Cell(int(year), f"={name_of('in.timeline.first_year')}+{a1(PERIOD_ROW, c)}-1",
                                    Style.HEADER, "0"))
    sheet.col_widths.update({0: 46, 1: 12, VALUE_COL: 11, 3: 2})
    sheet.col_widths.update({FIRST_COL + t: 9.5 for t in range(len(years))})
    sheet.freeze = (YEAR_ROW + 1, FIRST_COL)


def _inputs_sheet(book: _Book) -> Sheet:
    sheet = Sheet("Inputs", tab_color="#FFC000")
    _title(sheet, "Inputs", "Blue on yellow = an assumption you may edit; grey = information no formula reads (or the timeline: change it in the file). "
                            "Basis and source of each number at the right and on the Sources sheet.")
    years = book.result.years
    T = len(years)
    src_col = FIRST_COL + T
    sheet.put(YEAR_ROW, 0, Cell("Input", style=Style.HEADER))
    sheet.put(YEAR_ROW, 1, Cell("Unit", style=Style.HEADER))
    sheet.put(YEAR_ROW, VALUE_COL, Cell("Value", style=Style.HEADER))
    sheet.put(YEAR_ROW, 3, Cell("Basis", style=Style.HEADER))
    for t, year in enumerate(years):
        c = FIRST_COL + t
        sheet.put(YEAR_ROW, c, Cell(int(year), f"={name_of('in.timeline.first_year')}+COLUMN()-COLUMN({abs_a1(YEAR_ROW, FIRST_COL)})",
                                    Style.HEADER, "0"))
    sheet.put(YEAR_ROW, src_col, Cell("Source (note: cell comment and Sources sheet)", style=Style.HEADER))
    fields = book.result.drivers.fields
    placed, section, row = input_rows(fields), None, FIRST_ROW
    for f in fields:
        row = placed[f.path]
        if f.section != section:
            section = f.section
            sheet.put(row - 1, 0, Cell(section, style=Style.SECTION))
        book.inputs[f.path] = (row, f)
        fmt = number_format(f.unit, "input")
        style = Style.NOTE if f.informational else Style.INPUT  # only true inputs look editable
        sheet.put(row, 0, Cell(f.label, style=Style.LABEL, comment=f.path))
        sheet.put(row, 1, Cell(f.unit, style=Style.UNIT))
        sheet.put(row, 3, Cell(f.basis or "", style=Style.NOTE))
        source = f.source or ("" if f.basis else "no source given")
        if f.as_of and f"({f.as_of})" not in source:
            source += f" ({f.as_of})"
        comment = _comment(f)
        if f.series:
            for t, v in enumerate(f.value):
                sheet.put(*input_cell(row, t), Cell(float(v), style=style, num_format=fmt,
                                                   comment=comment if t == 0 else None))
        else:
            sheet.put(*input_cell(row), Cell(float(f.value), style=style, num_format=fmt,
                                             comment=comment))
            book.spec.names.append(DefinedName(name_of("in." + f.path),
                                               f"=Inputs!{abs_a1(row, VALUE_COL)}"))
        short = source if len(source) <= 95 else source[:94] + "…"  # full text: comment, Sources
        sheet.put(row, src_col, Cell(short, style=Style.NOTE))
    row += 2
    sheet.put(row, 0, Cell("Constants (fixed by the method; not assumptions)", style=Style.SECTION))
    row += 1
    for key, (value, unit, label) in CONSTANTS.items():
        sheet.put(row, 0, Cell(label, style=Style.LABEL))
        sheet.put(row, 1, Cell(unit, style=Style.UNIT))
        sheet.put(row, VALUE_COL, Cell(value, style=Style.CALC, num_format="General"))
        book.spec.names.append(DefinedName(name_of("k." + key), f"=Inputs!{abs_a1(row, VALUE_COL)}"))
        row += 1
    sheet.col_widths.update({0: 40, 1: 14, VALUE_COL: 11, 3: 9, src_col: 60})
    sheet.col_widths.update({FIRST_COL + t: 9 for t in range(T)})
    sheet.freeze = (YEAR_ROW + 1, 1)
    return sheet


def input_rows(fields: Sequence[InputField]) -> dict[str, int]:
    """The row (0-based) of each input on the Inputs sheet, in the fields' order, each section
    headed by its name on the row above its first input and a blank row between sections. The
    one placement that the writer and ``finmodel import`` (reading an edited workbook) share."""
    out, row, section = {}, FIRST_ROW - 1, None
    for f in fields:
        if f.section != section:
            row += 1
            section = f.section
            row += 1
        out[f.path] = row
        row += 1
    return out


def input_cell(row: int, year_index: int | None = None) -> tuple[int, int]:
    """(row, col) of an input's value: column C for a number, the year's column for a per-year
    input (``year_index`` 0 = the first timeline year)."""
    return (row, VALUE_COL if year_index is None else FIRST_COL + year_index)


def _comment(f: InputField) -> str | None:
    parts = [p for p in (f.basis and f"Basis: {f.basis}", f.source and f"Source: {f.source}",
                         f.as_of and f"As of: {f.as_of}", f.note) if p]
    return "\n".join(parts) if parts else None


def _place_calc_sheets(book: _Book) -> dict[str, Sheet]:
    """Pass 1: give every line item its row (formulas may reference rows placed later)."""
    sheets = {}
    for name in SHEETS:
        sheet = Sheet(name)
        row = FIRST_ROW
        for li in book.result.catalogue.on(name):
            if li.section:
                row += 1 if row > FIRST_ROW else 0
                row += 1  # section label row
            if li.kind == "vintage":
                row += book.T
            book.rows[li.key] = (name, row)
            row += 1
        sheets[name] = sheet
    return sheets


_SUBTITLES = {
    "Deals": "Each included deal: its slip and realisation (by status), its share each year from start, term and ramp, "
             "GW added and IT price (owned) or payments, renewals and GW in use (cloud).",
    "Capacity": "Announced capacity, compute demand (inference from revenue, training), expansion beyond the deals, "
                "and how much demand the capacity in use serves.",
    "Capex": "Owned capex by component: GW bought (new capacity at its IT price, IT refresh) x cost per GW x price index "
             "x supply factor (tariffs, US premium).",
    "Depreciation": "Straight-line depreciation by vintage (one row per purchase year) down to the residual value.",
    "Suppliers": "Owned capex by bill-of-materials line, origin (US-made with its premium, imported with its tariff) "
                 "and supplier (paid as capex is paid), the cloud partners' receipts, the SPV leases, and a "
                 "supplier's payments against its reported revenue.",
    "Revenue": "Revenue demand by segment, and the revenue the capacity in use serves.",
    "P&L": "Revenue, partner share, compute (inference = cost of revenue; training), operating costs, "
           "EBIT, EBITDA and tax with loss carry-forward.",
    "Cash flow": "Free cash flow, financing, cash balance, funding need and discounting.",
    "Financing": "How the gap is filled: equity rounds and dilution, vendor warrants, term debt (corkscrews), the "
                 "revolver, interest on opening balances, tax after interest, cash, the unfunded gap and covenants.",
    "Unit economics": "Revenue and compute cost per GW and per US$ of revenue, margins, and the all-in cost of a "
                      "GW-year owned vs rented.",
}


def _fill_calc_sheet(book: _Book, sheet: Sheet) -> None:
    """Pass 2: labels, formulas with cached values, totals."""
    _title(sheet, sheet.name, _SUBTITLES[sheet.name])
    _timeline_header(book, sheet)
    for li in book.result.catalogue.on(sheet.name):
        _, row = book.rows[li.key]
        if li.section:
            top = row - 1 - (book.T if li.kind == "vintage" else 0)
            sheet.put(top, 0, Cell(li.section, style=Style.SECTION))
        if li.kind == "vintage":
            _vintage_block(book, sheet, li, row - book.T)
        _item_row(book, sheet, li, row)


def _item_row(book: _Book, sheet: Sheet, li: LineItem, row: int) -> None:
    style = {"link": Style.LINK, "total": Style.TOTAL}.get(li.kind, Style.CALC)
    sheet.put(row, 0, Cell(li.label, style=Style.TOTAL if li.kind in ("total", "vintage") else Style.LABEL,
                           comment=li.note or None))
    sheet.put(row, 1, Cell(li.unit, style=Style.UNIT))
    values = book.result.line_items[li.key][0]
    for t in range(book.T):
        c = FIRST_COL + t
        if li.kind == "vintage":
            start = row - book.T
            formula = f"=SUM({a1(start, c)}:{a1(row - 1, c)})"
        else:
            formula = book.render(li.formula, li.formula_refs, sheet.name, c, li.key)
        sheet.put(row, c, Cell(_cached(float(values[t])), formula, style, number_format(li.unit)))
    if li.total:
        total = float(np.sum(values))
        sheet.put(row, VALUE_COL, Cell(total, f"=SUM({a1(row, FIRST_COL)}:{a1(row, book.last_col)})",
                                       Style.TOTAL, number_format(li.unit)))


def _vintage_block(book: _Book, sheet: Sheet, li: LineItem, start: int) -> None:
    matrix = book.result.vintages(li.key.split(".", 1)[1])
    first = name_of("in.timeline.first_year")
    for k in range(book.T):
        r = start + k
        sheet.put(r, 0, Cell(f"  vintage {int(book.result.years[k])}", style=Style.NOTE))
        sheet.put(r, 1, Cell("US$ bn", style=Style.UNIT))
        sheet.put(r, VALUE_COL, Cell(int(book.result.years[k]),
                                     f"={first}+ROW()-ROW({abs_a1(start, VALUE_COL)})", Style.NOTE, "0"))
        for t in range(book.T):
            c = FIRST_COL + t
            formula = book.render(li.formula, li.formula_refs, sheet.name, c, li.key,
                                  extra={"r": str(r + 1)})
            sheet.put(r, c, Cell(float(matrix[k, t]), formula, Style.CALC, number_format(li.unit)))


# The IRR root analysis below the metrics: per flow, two columns (NPV at each rate, bracket flag).
SCAN_ROWS = (
    ("roots", "Sign changes of NPV across the scan (brackets found)", "0"),
    ("guess", "Rate just below the first bracket (IRR start value)", "0.0%"),
    ("descartes", "Sign changes of the flows, zeros skipped (Descartes: the most real IRRs there can be)", "0"),
    ("stored", "Engine: real roots of the NPV polynomial (companion-matrix eigenvalues; a value, "
               "used only with 2+ sign changes)", "0"),
    ("exact", "Real IRRs above -100% (exact: 0 or 1 by Descartes, else the engine's count)", "0"),
    ("first", "Engine: the lowest real IRR (a value; 0 when none)", "0.0%"),
    ("note", "Engine: what the IRR is when the flows change sign 2+ times (a value)", "@"),
)


# The reverse DCF: the rate at which NPV + cash equals the latest round's pre-money, by bisection.
RDCF_ROWS = (
    ("target", "Value to match: the latest round's post-money less its money, less cash at the valuation date",
     "#,##0.0"),
    ("v_low", "NPV + cash - value to match, at the lowest rate searched (growth + margin)", "#,##0.0"),
    ("v_high", "NPV + cash - value to match, at the highest rate searched", "#,##0.0"),
    ("found", "A rate in between gives the price (1 when the two differ in sign)", "0"),
    ("rate", "The rate after the last bisection step (the implied discount rate)", "0.00%"),
)


def _rdcf_value(book: _Book, rate: str) -> str:
    """NPV of forecast FCF + the terminal value (from its base and one-off) at ``rate``, less the
    value to match: the engine's ``reverse_dcf_value``."""
    fcf = book.address("li:fcf", "Valuation", 0, "fcst")
    base, one_off = book.address("m:terminal_base_usd_bn", "Valuation", 0), book.address("m:terminal_one_off_usd_bn", "Valuation", 0)
    g, target = book.address("in:valuation.terminal_growth", "Valuation", 0), book.address("rdcf:target", "Valuation", 0)
    return (f"NPV({rate},{fcf})+({base}*(1+{g})/({rate}-{g})+{one_off}/(1+{rate}))"
            f"/(1+{rate})^COUNT({fcf})-{target}")


def _fill_reverse_dcf(book: _Book, sheet: Sheet) -> None:
    d = book.result.reverse_dcf
    _, first, col = book.cells["rdcf:target"]
    sheet.put(first - 1, 0, Cell("Reverse DCF: the discount rate at which the model is worth what the "
                                 "latest round paid (bisection; the engine takes the same steps)", style=Style.SECTION))
    cell = {name: a1(*book.cells[f"rdcf:{name}"][1:]) for name, _, _ in RDCF_ROWS}
    val = lambda name: book.address(f"li:{name}", "Valuation", 0, "row")  # noqa: E731
    g = book.address("in:valuation.terminal_growth", "Valuation", 0)
    low0 = f"{g}+{book.address('k:rdcf_margin', 'Valuation', 0)}"
    high0 = book.address("k:rdcf_high", "Valuation", 0)
    formulas = {
        "target": f"=INDEX({val('valuation_so_far')},2)-INDEX({val('equity_raised')},2)-INDEX({val('cash_closing')},1)",
        "v_low": "=" + _rdcf_value(book, f"({low0})"),
        "v_high": "=" + _rdcf_value(book, high0),
        "found": f"=IF({cell['v_low']}*{cell['v_high']}<0,1,0)",
    }
    _, top, _ = book.cells["rdcf:steps"]
    steps = d["mid"].shape[0]
    formulas["rate"] = f"={a1(top + steps - 1, 3)}"
    for name, label, fmt in RDCF_ROWS:
        _, r, c = book.cells[f"rdcf:{name}"]
        value = int(d[name]) if name == "found" else float(d[name])
        sheet.put(r, 0, Cell(label, style=Style.LABEL))
        sheet.put(r, c, Cell(value, formulas[name], Style.TOTAL if name == "rate" else Style.CALC, fmt))
    for j, head in enumerate(("Step", "Low", "High", "Mid", "Value at mid")):
        sheet.put(top - 1, j, Cell(head, style=Style.HEADER))
    for k in range(steps):
        r = top + k
        lo, hi, mid, v = (a1(r, j) for j in (1, 2, 3, 4))
        if k == 0:
            f_lo, f_hi = f"={low0}", f"={high0}"
        else:
            same = f"{a1(r - 1, 4)}*{cell['v_low']}>0"
            f_lo = f"=IF({same},{a1(r - 1, 3)},{a1(r - 1, 1)})"
            f_hi = f"=IF({same},{a1(r - 1, 2)},{a1(r - 1, 3)})"
        sheet.put(r, 0, Cell(k + 1, style=Style.NOTE, num_format="0"))
        sheet.put(r, 1, Cell(float(d["low"][k]), f_lo, Style.CALC, "0.000000%"))
        sheet.put(r, 2, Cell(float(d["high"][k]), f_hi, Style.CALC, "0.000000%"))
        sheet.put(r, 3, Cell(float(d["mid"][k]), f"=({lo}+{hi})/2", Style.CALC, "0.000000%"))
        sheet.put(r, 4, Cell(float(d["value"][k]), "=" + _rdcf_value(book, mid), Style.CALC, "#,##0.000"))


def _scan_col(j: int) -> int:
    return VALUE_COL + 2 * j


def _valuation_sheet(book: _Book) -> Sheet:
    sheet = Sheet("Valuation")
    _title(sheet, "Valuation and metrics", "NPV at the end of the first (actual) year; forecast "
           "years discounted end of period; IRRs with an exact root count, so no root is chosen silently.")
    sheet.put(YEAR_ROW, 0, Cell("Metric", style=Style.HEADER))
    sheet.put(YEAR_ROW, 1, Cell("Unit", style=Style.HEADER))
    sheet.put(YEAR_ROW, VALUE_COL, Cell("Value", style=Style.HEADER))
    row = FIRST_ROW
    for key in book.result.catalogue.metrics:
        book.cells[f"m:{key}"] = ("Valuation", row, VALUE_COL)
        row += 1
    top = row + 3  # first rate of the scan
    below = top + len(IRR_GRID) + 1
    for j, flow in enumerate(IRR_FLOWS):
        for k, (name, _, _) in enumerate(SCAN_ROWS):
            book.cells[f"scan:{flow}:{name}"] = ("Valuation", below + k, _scan_col(j))
    book.cells["scan:top"] = ("Valuation", top, 0)
    r = below + len(SCAN_ROWS) + 3  # the reverse DCF below the root analysis
    for k, (name, _, _) in enumerate(RDCF_ROWS):
        book.cells[f"rdcf:{name}"] = ("Valuation", r + k, VALUE_COL)
    book.cells["rdcf:steps"] = ("Valuation", r + len(RDCF_ROWS) + 2, 0)
    return sheet


def _fill_valuation(book: _Book, sheet: Sheet) -> None:
    for key, md in book.result.catalogue.metrics.items():
        _, row, col = book.cells[f"m:{key}"]
        sheet.put(row, 0, Cell(md.label, style=Style.LABEL))
        sheet.put(row, 1, Cell(md.unit, style=Style.UNIT))
        sheet.put(row, col, Cell(metric_value(book.result.metrics[key]),
                                 book.render(md.formula, md.formula_refs, "Valuation", col),
                                 Style.CALC, number_format(md.unit)))
    _, top, _ = book.cells["scan:top"]
    G = len(IRR_GRID)
    sheet.put(top - 2, 0, Cell("IRR root analysis: NPV at each rate (a sign change between two rates "
                               "brackets an IRR), Descartes' bound and the exact count", style=Style.SECTION))
    sheet.put(top - 1, 0, Cell("Rate", style=Style.HEADER))
    sheet.put(top - 1, 1, Cell("", style=Style.HEADER))
    for g, rate in enumerate(IRR_GRID):
        sheet.put(top + g, 0, Cell(float(rate), style=Style.NOTE, num_format="0.0%"))
        sheet.put(top + g, 1, Cell("US$ bn", style=Style.UNIT))
    rate_range = f"{abs_a1(top, 0)}:{abs_a1(top + G - 2, 0)}"
    for j, flow in enumerate(IRR_FLOWS):
        c = _scan_col(j)
        a = book.result.irr_analysis[flow]
        label = book.result.catalogue[flow].label.split(" (")[0]
        sheet.put(top - 1, c, Cell(f"NPV: {label}", style=Style.HEADER))
        sheet.put(top - 1, c + 1, Cell("Bracket", style=Style.HEADER))
        flows = book.address(f"li:{flow}", "Valuation", 0, "fcst")
        flags = [int(f) for f in a["brackets"]]
        for g in range(G):
            r = top + g
            sheet.put(r, c, Cell(float(a["scan"][g]), f"=NPV({a1(r, 0)},{flows})", Style.CALC, "0.00E+00"))
            if g < G - 1:
                sheet.put(r, c + 1, Cell(flags[g], f"=IF({a1(r, c)}*{a1(r + 1, c)}<0,1,0)", Style.CALC, "0"))
        flag_range = f"{abs_a1(top, c + 1)}:{abs_a1(top + G - 2, c + 1)}"
        signs = book.address(f"li:{flow}_sign", "Valuation", 0, "fcst")
        lags = book.address(f"li:{flow}_sign", "Valuation", 0, "lag")
        cell = {name: a1(*book.cells[f"scan:{flow}:{name}"][1:]) for name, _, _ in SCAN_ROWS}
        n_roots = sum(flags)
        formulas = {
            "roots": (n_roots, f"=SUM({flag_range})", Style.TOTAL),
            "guess": (float(IRR_GRID[flags.index(1)]) if n_roots else "n/a",
                      f'=IF({cell["roots"]}=0,"n/a",INDEX({rate_range},MATCH(1,{flag_range},0)))', Style.CALC),
            "descartes": (a["descartes"], f"=SUMPRODUCT(({signs}*{lags}<0)*1)", Style.CALC),
            "stored": (a["exact"], None, Style.NOTE),
            "exact": (a["exact"], f'=IF({cell["descartes"]}<=1,{cell["descartes"]},{cell["stored"]})', Style.TOTAL),
            "first": (a["first"], None, Style.NOTE),
            "note": (a["note"], None, Style.TEXT),
        }
        for name, label_text, fmt in SCAN_ROWS:
            _, r, col = book.cells[f"scan:{flow}:{name}"]
            if j == 0:
                sheet.put(r, 0, Cell(label_text, style=Style.LABEL))
            value, formula, style = formulas[name]
            sheet.put(r, col, Cell(value, formula, style, fmt))
    _fill_reverse_dcf(book, sheet)
    sheet.col_widths.update({0: 50, 1: 12, VALUE_COL: 14, 3: 12, 4: 14, 5: 8})


def _checks_sheet(book: _Book) -> Sheet:
    sheet = Sheet("Checks", tab_color="#70AD47")
    _title(sheet, "Checks", "Each check is TRUE when the model is consistent; the master check "
                            "is TRUE only when all are.")
    sheet.put(YEAR_ROW, 0, Cell("Check", style=Style.HEADER))
    sheet.put(YEAR_ROW, VALUE_COL, Cell("OK?", style=Style.HEADER))
    checks = book.result.checks
    row = FIRST_ROW + 1
    first = row
    for key, chk in book.result.catalogue.checks.items():
        sheet.put(row, 0, Cell(chk.label, style=Style.LABEL))
        book.cells[f"check:{key}"] = ("Checks", row, VALUE_COL)
        sheet.put(row, VALUE_COL, Cell(bool(checks[key][0]),
                                       book.render(chk.formula, chk.formula_refs, "Checks", 0), Style.CHECK))
        row += 1
    master = bool(book.result.checks_pass[0])
    sheet.put(FIRST_ROW - 1, 0, Cell("MASTER CHECK", style=Style.TOTAL))
    sheet.put(FIRST_ROW - 1, VALUE_COL, Cell(master, f"=AND({a1(first, VALUE_COL)}:{a1(row - 1, VALUE_COL)})",
                                             Style.CHECK))
    for top, bottom in ((FIRST_ROW - 1, FIRST_ROW - 1), (first, row - 1)):  # not the blank row between
        sheet.conditional_formats.append(ConditionalFormat((top, VALUE_COL), (bottom, VALUE_COL),
                                                           "cell", "==", "FALSE", "bad"))
        sheet.conditional_formats.append(ConditionalFormat((top, VALUE_COL), (bottom, VALUE_COL),
                                                           "cell", "==", "TRUE", "good"))
    book.cells["check:master"] = ("Checks", FIRST_ROW - 1, VALUE_COL)
    # the longest label whole on screen and on paper (a deal's range check names the deal: ~110)
    longest = max((len(c.label) for c in book.result.catalogue.checks.values()), default=0)
    sheet.col_widths.update({0: min(max(75, longest * 0.92 + 2), 120), 1: 4, VALUE_COL: 10})
    return sheet


def _calibration_sheet(book: _Book, sources: Mapping) -> Sheet:
    sheet = Sheet("Calibration")
    _title(sheet, "Calibration against public figures",
           "Model vs reported, side by side. 'fitted': an input was fitted to the figure (not a check); "
           "'MISS': outside the tolerance, with the reason.")
    heads = ("Figure", "Unit", "Model", "Reported", "Difference", "Difference %", "Tolerance ±",
             "Status", "Why it misses / note", "Source", "As of")
    for c, h in enumerate(heads):
        sheet.put(YEAR_ROW, c, Cell(h, style=Style.HEADER))
    row = FIRST_ROW
    for av in book.result.anchors:
        anchor = av.anchor
        src = sources.get(anchor.source)
        source = (src.cite() + (f" — read at {src.url}" if src.url else "")) if src else anchor.source
        fmt = number_format(anchor.unit)
        model = float(av.model[0])
        ms = anchor.measure
        cached = (metric_value(book.result.metrics[ms.metric]) if ms.metric else
                  ("n/a" if not math.isfinite(model) else model))
        m, rep, diff, pct = (a1(row, c) for c in (2, 3, 4, 5))
        sheet.put(row, 0, Cell(anchor.label, style=Style.LABEL))
        sheet.put(row, 1, Cell(anchor.unit, style=Style.UNIT))
        sheet.put(row, 2, Cell(cached, anchor_formula(anchor, book), Style.LINK, fmt))
        sheet.put(row, 3, Cell(anchor.reported, style=Style.NOTE, num_format=fmt))
        sheet.put(row, 4, Cell(_cached(model - anchor.reported), f'=IF(ISNUMBER({m}),{m}-{rep},"n/a")',
                               Style.CALC, fmt))
        sheet.put(row, 5, Cell(_cached(float(av.gap[0])), f'=IF(ISNUMBER({diff}),{diff}/{rep},"n/a")',
                               Style.CALC, "0%;[Red]-0%"))
        sheet.put(row, 6, Cell(anchor.tolerance_fraction, style=Style.NOTE, num_format="0.0%"))
        if anchor.fitted:
            sheet.put(row, 7, Cell("fitted", style=Style.NOTE))
        else:
            sheet.put(row, 7, Cell(av.status, f'=IF(ISNUMBER({pct}),IF(ABS({pct})<={a1(row, 6)},'
                                              f'"within tolerance","MISS"),"MISS")', Style.CALC))
        why = anchor.miss_reason or anchor.note
        sheet.put(row, 8, Cell(why, style=Style.TEXT))
        sheet.put(row, 9, Cell(source, style=Style.TEXT))
        sheet.put(row, 10, Cell((src.date if src else "") or "", style=Style.NOTE))
        sheet.row_heights[row] = 13.0 * max(2, math.ceil(max(len(source) / 45, len(why) / 60)))
        row += 1
    sheet.conditional_formats.append(ConditionalFormat((FIRST_ROW, 7), (row - 1, 7), "cell", "==",
                                                       '"MISS"', "bad"))
    sheet.col_widths.update({0: 46, 1: 10, 2: 10, 3: 10, 4: 10, 5: 11, 6: 10, 7: 15, 8: 60, 9: 45, 10: 10})
    return sheet


# --- Summary: the one-page story ------------------------------------------------------------
# What the Summary shows, chosen for the question "what does the build-out take, who pays for
# it, and what if it slips?"; every figure is a link to the cell that computes it.

#: Key assumptions (input path, label on the Summary): the inputs that move the answer most.
KEY_ASSUMPTIONS = (
    ("valuation.discount_rate", "Discount rate"),
    ("valuation.terminal_growth", "Terminal growth"),
    ("commitments.delay_years", "Slip of every deal (on top of its status's)"),
    ("commitments.realisation_fraction", "Realisation of every deal"),
    ("commitments.cloud_price_factor", "Cloud contract price factor"),
    ("demand.inference_gw_per_usd_bn", "Inference compute per US$ bn of revenue"),
    ("capex.servers.cost_usd_bn_per_gw", "Servers and accelerators: cost per GW"),
    ("operations.power_price_usd_per_mwh", "Power price"),
    ("tax.rate_fraction", "Tax rate"),
    ("financing.unfunded_gap_rate", "Cost of the unfunded gap"),
)
#: What the build-out is worth: NPV as explicit period + terminal value, beside the IRRs.
WORTH = ("npv_explicit_usd_bn", "pv_terminal_usd_bn", "npv_usd_bn", "terminal_share", "irr",
         "irr_with_terminal", "implied_discount_rate", "todays_holders_value_usd_bn")
#: What it takes and who pays.
TAKES = ("cumulative_capacity_spend_usd_bn", "peak_funding_need_usd_bn", "peak_funding_year",
         "equity_raised_usd_bn", "debt_drawn_usd_bn", "peak_net_debt_usd_bn",
         "peak_unfunded_gap_usd_bn", "unfunded_gap_year", "first_breach_year", "ownership_final",
         "us_made_share", "cumulative_tariff_usd_bn")
#: Line items by key year, then the unit economics.
SUMMARY_ITEMS = ("total_gw", "installed_needed_gw", "revenue_total", "ebitda", "capex_total", "fcf",
                 "funding_need", "unfunded_gap", "ownership")
UNIT_ITEMS = ("revenue_per_gw", "gross_margin", "compute_cost_per_revenue", "owned_cost_per_gw_year",
              "rented_cost_per_gw_year", "cloud_cost_per_gw_year")
NA_CHARS, NA_LONG = 26, "n/a (see Valuation)"  # the longest "n/a: why" the value column shows
SUMMARY_ROW_PT = 13.5  # row height on the Summary (10 pt text), so the page holds the story
RIGHT = 4  # column E: the key-years table and the charts


def _short(label: str) -> str:
    """A label without its parenthetical explanations (shown in full on the sheet it comes
    from): "Funding need with no new money (below minimum cash)" -> "Funding need with no new
    money"."""
    return short_label(label)


def _summary_sheet(book: _Book, scenario_name: str, description: str) -> Sheet:
    """One landscape page: key assumptions, what the build-out is worth (NPV as explicit period
    + terminal value, beside the IRRs), what it takes and who pays, key years with the
    peak-funding year and unit economics, and three charts that each say one thing."""
    sheet = Sheet("Summary", tab_color="#1F4E79", hide_gridlines=True)
    lines = textwrap.wrap(description or "AI compute build-out cash-flow model", 190)[:3] or [""]
    _title(sheet, f"finmodel — {scenario_name}: what the build-out takes, who pays, what if it slips",
           lines[0])
    for i, line in enumerate(lines[1:]):
        sheet.put(2 + i, 0, Cell(line, style=Style.SUBTITLE))
    top = 2 + len(lines)
    row = _key_assumptions(book, sheet, top)
    row = _metric_panel(book, sheet, row + 1, "What the build-out is worth", WORTH)
    row = _metric_panel(book, sheet, row + 1, "What it takes and who pays", TAKES)
    _, r, c = book.cells["check:master"]
    sheet.put(row + 1, 0, Cell("Master check (all model checks pass)", style=Style.TOTAL))
    sheet.put(row + 1, 2, Cell(bool(book.result.checks_pass[0]), f"=Checks!{abs_a1(r, c)}", Style.CHECK))
    last = row + 1
    row = _key_years(book, sheet, top)
    n_years = len(key_years(book.result.timeline)) + 1
    sheet.col_widths.update({0: 42, 1: 11, 2: 10, 3: 2, RIGHT: 40, RIGHT + 1: 13})
    sheet.col_widths.update({RIGHT + 2 + j: 8.5 for j in range(n_years)})
    right = [col_px(sheet.col_widths[c]) for c in range(RIGHT, RIGHT + 2 + n_years)]
    _summary_charts(book, sheet, row + 1, RIGHT, right)
    for r in range(2, max(last, row + 1 + CHART_ROWS) + 1):
        sheet.row_heights.setdefault(r, SUMMARY_ROW_PT)
    return sheet


def _key_assumptions(book: _Book, sheet: Sheet, row: int) -> int:
    """The key assumptions, each a link to its Inputs cell (per-year inputs: the first
    forecast year); returns the next free row."""
    sheet.put(row, 0, Cell("Key assumptions (links to Inputs; edit them there)", style=Style.SECTION))
    sheet.put(row, 1, Cell("", style=Style.SECTION))
    sheet.put(row, 2, Cell("", style=Style.SECTION))
    row += 1
    year = int(book.result.years[1])
    for path, label in KEY_ASSUMPTIONS:
        if path not in book.inputs:
            continue
        r, f = book.inputs[path]
        if f.series:
            value, ref = float(f.value[1]), f"=Inputs!{abs_a1(r, FIRST_COL + 1)}"
            label = f"{label}, {year}"
        else:
            value, ref = float(f.value), "=" + name_of("in." + path)
        sheet.put(row, 0, Cell(label, style=Style.LABEL))
        sheet.put(row, 1, Cell(f.unit, style=Style.UNIT))
        sheet.put(row, 2, Cell(value, ref, Style.LINK, number_format(f.unit, "input")))
        row += 1
    return row


def _metric_panel(book: _Book, sheet: Sheet, row: int, title: str, keys) -> int:
    """Headline metrics linked to the Valuation sheet; NPV is the sum of its two parts (so the
    bridge shows on the page); returns the next free row."""
    sheet.put(row, 0, Cell(title, style=Style.SECTION))
    sheet.put(row, 1, Cell("", style=Style.SECTION))
    sheet.put(row, 2, Cell("", style=Style.SECTION))
    row += 1
    years = book.result.years
    parts = {"npv_explicit_usd_bn": f"PV of forecast FCF, {int(years[1])}-{int(years[-1])}",
             "pv_terminal_usd_bn": f"+ PV of the terminal value (end of {int(years[-1])})",
             "npv_usd_bn": "= NPV at the discount rate"}
    first = row
    for key in keys:
        md = book.result.catalogue.metrics[key]
        if key == "npv_usd_bn":  # the sum of the two rows above it
            formula, style = f"=SUM({a1(first, 2)}:{a1(row - 1, 2)})", Style.TOTAL
        else:
            ref = book.address(f"m:{key}", "Summary", 0)
            # a reason too long for the cell reads "n/a (see Valuation)" here, in full there
            formula = f'=IF(ISNUMBER({ref}),{ref},IF(LEN({ref})<={NA_CHARS},{ref},"{NA_LONG}"))'
            style = Style.LINK
        value = metric_value(book.result.metrics[key])
        if isinstance(value, str) and len(value) > NA_CHARS:
            value = NA_LONG
        sheet.put(row, 0, Cell(parts.get(key, _short(md.label)), style=Style.TOTAL if key == "npv_usd_bn" else Style.LABEL))
        if isinstance(value, str):  # "n/a: why": right-aligned, running left over the unit
            style = Style.NA
        else:
            sheet.put(row, 1, Cell(md.unit, style=Style.UNIT))
        sheet.put(row, 2, Cell(value, formula, style, number_format(md.unit)))
        row += 1
    return row


def _key_years(book: _Book, sheet: Sheet, row: int) -> int:
    """Key figures and unit economics by key year, with a live peak-funding-year column;
    returns the last row used."""
    years = key_years(book.result.timeline)
    c0 = RIGHT + 2
    peak_col = c0 + len(years)
    sheet.put(row, RIGHT, Cell("Key figures by year", style=Style.SECTION))
    for c in range(RIGHT + 1, peak_col + 1):
        sheet.put(row, c, Cell("", style=Style.SECTION))
    row += 1
    sheet.put(row, RIGHT, Cell("Line item", style=Style.HEADER))
    sheet.put(row, RIGHT + 1, Cell("Unit", style=Style.HEADER))
    for j, y in enumerate(years):
        sheet.put(row, c0 + j, Cell(int(y), style=Style.HEADER, num_format="0"))
    # the peak-funding year's column follows the model (a formula), so an edit moves it too
    peak = book.result.metrics["peak_funding_year"]
    head = abs_a1(row, peak_col)
    sheet.put(row, peak_col, Cell(metric_value(peak), "=" + book.address("m:peak_funding_year", "Summary", 0),
                                  Style.HEADER, "0"))
    sheet.put(row - 1, peak_col, Cell("Peak need", style=Style.SECTION))
    year_row = book.address("year", "Summary", 0, "row")
    row += 1
    for key in SUMMARY_ITEMS + (None,) + UNIT_ITEMS:
        if key is None:
            sheet.put(row, RIGHT, Cell("Unit economics", style=Style.SECTION))
            for c in range(RIGHT + 1, peak_col + 1):
                sheet.put(row, c, Cell("", style=Style.SECTION))
            row += 1
            continue
        li = book.result.catalogue[key]
        fmt = number_format(li.unit)
        sheet.put(row, RIGHT, Cell(_short(li.label), style=Style.LABEL))
        sheet.put(row, RIGHT + 1, Cell(li.unit, style=Style.UNIT))
        for j, y in enumerate(years):
            c = book.col_of_year(y)
            value = _cached(float(book.result.line_items[key][0, c - FIRST_COL]))
            sheet.put(row, c0 + j, Cell(value, "=" + book.address(f"li:{key}", "Summary", c),
                                        Style.NA if isinstance(value, str) else Style.LINK, fmt))
        at_peak = (_cached(float(book.result.line_items[key][0, book.col_of_year(int(peak.value[0])) - FIRST_COL]))
                   if not peak.reason[0] else "n/a")
        sheet.put(row, peak_col, Cell(at_peak, f'=IF(ISNUMBER({head}),INDEX({book.address(f"li:{key}", "Summary", 0, "row")},'
                                               f'1,MATCH({head},{year_row},0)),"n/a")',
                                        Style.NA if isinstance(at_peak, str) else Style.LINK, fmt))
        row += 1
    return row


MAX_KEY_YEARS = 8


def key_years(timeline) -> list[int]:
    """Years shown on the Summary: the actual year, the first three forecast years and the
    last year, the rest spread evenly; at most :data:`MAX_KEY_YEARS` (the peak-funding year has
    its own column, a formula)."""
    years = list(timeline.years)
    must = set(years[:4]) | {years[-1]}
    rest = [y for y in years if y not in must]
    room = max(MAX_KEY_YEARS - len(must), 0)
    if rest and room:
        step = len(rest) / room
        must |= {rest[min(int((i + 0.5) * step), len(rest) - 1)] for i in range(room)}
    return sorted(must)


def _rng(book: _Book, key: str) -> str:
    sheet, row = book.rows[key]
    return f"={quote_sheet(sheet)}!{abs_a1(row, FIRST_COL)}:{abs_a1(row, book.last_col)}"


CHART_ROWS = 22  # rows of the Summary the charts take
CHART_GAP_PX = 12


def _place_side_by_side(widths_px: list[int], n: int, gap: int) -> tuple[int, list[tuple[int, int]]]:
    """Width of each of ``n`` charts filling columns of ``widths_px`` with ``gap`` between
    them, and each chart's (column index, x offset)."""
    total = sum(widths_px)
    w = (total - gap * (n - 1)) // n
    out = []
    for k in range(n):
        x, c = k * (w + gap), 0
        while c < len(widths_px) - 1 and x >= widths_px[c]:
            x -= widths_px[c]
            c += 1
        out.append((c, x))
    return w, out


def _summary_charts(book: _Book, sheet: Sheet, row: int, col: int, widths_px: list[int]) -> None:
    """Two charts side by side under the key years, each saying one thing: is there capacity
    for the demand; how the cash need is filled and what is left unfunded (revenue and costs
    are in the key figures above)."""
    cats = f"={quote_sheet(TIMELINE_HOME)}!{abs_a1(YEAR_ROW, FIRST_COL)}:{abs_a1(YEAR_ROW, book.last_col)}"
    s = lambda name, key, color, line=False: ChartSeries(name, cats, _rng(book, key), color, line)  # noqa: E731
    h = int(CHART_ROWS * SUMMARY_ROW_PT * 4 / 3)
    charts = [
        ("stacked_column", "Capacity vs what demand needs (GW)",
         (s("Existing", "existing_gw", GREY), s("Cloud", "cloud_gw", ORANGE),
          s("Owned", "owned_deals_online_gw", BLUE), s("Expansion", "expansion_in_use_gw", PURPLE),
          s("Needed", "installed_needed_gw", RED, line=True))),
        ("stacked_column", "Cash need: how it is filled (US$ bn)",
         (s("Equity", "equity_raised", BLUE), s("Term debt", "debt_drawn", ORANGE),
          s("Revolver", "revolver.draw", GREY), s("Unfunded gap", "unfunded_gap", RED, line=True))),
    ]
    w, places = _place_side_by_side(widths_px, len(charts), CHART_GAP_PX)
    for (kind, title, series), (c, x) in zip(charts, places):
        sheet.charts.append(Chart(kind, title, series, (row, col + c), y_num_format="#,##0",
                                  width_px=w, height_px=h, gap=40 if kind != "line" else None,
                                  x_offset_px=x, x_font_pt=9))


SUPPLIER_COLORS = (GREEN, "#C00000", "#000000", BLUE, GREY, ORANGE, PURPLE, "#FFC000", "#5B9BD5", "#264478")


def _supplier_charts(book: _Book, sheet: Sheet) -> None:
    """Below the Suppliers rows, side by side: who is paid for owned capex (each supplier, and
    the tariffs), where it is made (US-made, imported, tariffs as a line), and the cloud
    partners' receipts with the SPVs' lease payments."""
    structure = book.result.drivers.structure
    cats = f"={quote_sheet(TIMELINE_HOME)}!{abs_a1(YEAR_ROW, FIRST_COL)}:{abs_a1(YEAR_ROW, book.last_col)}"
    s = lambda name, key, color, line=False: ChartSeries(name, cats, _rng(book, key), color, line)  # noqa: E731
    suppliers = tuple(s(label, f"supplier.{k}", SUPPLIER_COLORS[i % len(SUPPLIER_COLORS)])
                      for i, (k, label, *_) in enumerate(active_suppliers(structure)))
    cloud = tuple(s(li.label.split(":", 1)[0], li.key, SUPPLIER_COLORS[i % len(SUPPLIER_COLORS)])
                  for i, li in enumerate(x for x in book.result.catalogue.on("Suppliers")
                                         if x.key.startswith(("supplier.cloud.", "supplier.lease."))))
    charts = [
        ("Owned capex by supplier (US$ bn)", suppliers + (s("Tariffs", "supplier.tariff", RED),)),
        ("Owned capex by origin (US$ bn)", (s("US-made", "supply.us_made_total", BLUE),
                                            s("Imported", "supply.imported_total", ORANGE),
                                            s("of which tariffs", "supply.tariff_total", RED, line=True))),
    ]
    if cloud:
        charts.append(("Cloud partners and SPV leases (US$ bn)", cloud))
    row = max(r for r, _ in sheet.cells) + 2
    widths = [col_px(sheet.col_widths.get(c, 9.5)) for c in range(0, book.last_col + 1)]
    w, places = _place_side_by_side(widths, len(charts), CHART_GAP_PX)
    for (title, series), (c, x) in zip(charts, places):
        sheet.charts.append(Chart("stacked_column", title, series, (row, c), y_num_format="#,##0",
                                  width_px=w, height_px=int(CHART_ROWS * 20 * 4 / 3 * 0.75), gap=40,
                                  x_offset_px=x, x_font_pt=9))


def _sources_sheet(book: _Book, assumptions) -> Sheet:
    """Every cited document (the primary first: publisher, title, date, grade; the URL where the
    figure was read is secondary), then the deals and the inputs with their sources."""
    sheet = Sheet("Sources")
    sources = assumptions.scenario.sources
    _title(sheet, "Sources", "Every cited document (primary document first; the URL is where the figure "
           "was read), then every deal and input with its basis and source. Grade: "
           + "; ".join(f"{g.value} = {m}" for g, m in GRADE_MEANING.items()) + ".")
    heads = ("Key", "Publisher (issuer or outlet)", "Title", "Date", "Grade",
             "Primary document (when read elsewhere)", "Read at (URL)", "Note")
    for c, h in enumerate(heads):
        sheet.put(YEAR_ROW, c, Cell(h, style=Style.HEADER))
    row = FIRST_ROW
    for key, src in sources.items():
        vals = (key, src.publisher or "", src.title, src.date or "", src.grade.value if src.grade else "",
                src.primary or "", src.url or "", src.note or "")
        for c, v in enumerate(vals):
            sheet.put(row, c, Cell(v, style=Style.TEXT))
        row += 1
    row += 1
    sheet.put(row, 0, Cell("Deals (commitments.csv)", style=Style.SECTION))
    row += 1
    # the same 8 columns (and widths) as the tables above and below: no narrow column of notes
    for c, h in enumerate(("Deal id", "Partner — deal", "Kind / status / include / basis", "As of", "Grade",
                           "Source", "Read at (URL)", "Note")):
        sheet.put(row, c, Cell(h, style=Style.HEADER))
    row += 1
    for d in assumptions.deals:
        src = sources.get(d.source)
        vals = (d.id, f"{d.partner} — {d.deal}", f"{d.kind.value} / {d.status.value} / "
                f"{'included' if d.include else 'excluded'} / {d.basis.value}", d.as_of,
                src.grade.value if src and src.grade else "", src.cite() if src else d.source,
                d.source_url or (src.url if src else "") or "", d.note)
        for c, v in enumerate(vals):
            sheet.put(row, c, Cell(v, style=Style.TEXT))
        row += 1
    row += 1
    sheet.put(row, 0, Cell("Inputs", style=Style.SECTION))
    row += 1
    for c, h in enumerate(("Input path", "Label", "Unit", "Basis", "Grade", "Source", "As of", "Note")):
        sheet.put(row, c, Cell(h, style=Style.HEADER))
    row += 1
    for f in book.result.drivers.fields:
        vals = (f.path, f.label, f.unit, f.basis or "", f.grade or "", f.source or "",
                f.as_of or "", f.note or "")
        for c, v in enumerate(vals):
            if v != "":
                sheet.put(row, c, Cell(v, style=Style.TEXT))
        row += 1
    # wrapped text in columns that print at a readable scale (the writer sizes the rows)
    sheet.col_widths.update({0: 26, 1: 30, 2: 34, 3: 11, 4: 8, 5: 34, 6: 30, 7: 36})
    return sheet


def _about_rows(scenario: str, run: RunInfo) -> list[tuple[str, str]]:
    rows = [("finmodel version", __version__), ("git commit", run.git_commit or "unknown"),
            ("Scenario", scenario), ("Command", run.command),
            ("Created (UTC)", run.created_utc), ("Seed", "" if run.seed is None else str(run.seed)),
            ("Overrides (--set)", "; ".join(run.overrides) or "none")]
    rows += [(f"Input file: {p}", f"sha256 {h}") for p, h in run.files]
    rows += [(f"Version: {k}", v) for k, v in run.versions]
    rows += [("Conventions", "Money in US$ billions (nominal); capacity in GW of IT load; rates as "
              "fractions per year; annual periods, end-of-period cash flows; NPV at the end of the "
              "first (actual) year.")]
    return rows


def about_sheet(scenario: str, run: RunInfo, extra=()) -> Sheet:
    """The About sheet: the run record (shared by every workbook finmodel writes)."""
    sheet = Sheet("About")
    _title(sheet, "About this workbook", "The run record: how these numbers were made and how to make them again.")
    for i, (k, v) in enumerate(_about_rows(scenario, run) + list(extra)):
        sheet.put(FIRST_ROW + i, 0, Cell(k, style=Style.LABEL))
        sheet.put(FIRST_ROW + i, 1, Cell(v, style=Style.TEXT))
    sheet.col_widths.update({0: 60, 1: 100})
    return sheet


def layout_workbook(result: Result, assumptions, run: RunInfo | None = None) -> WorkbookSpec:
    """The scenario workbook for scenario 0 of ``result`` (pure: no I/O)."""
    return laid_out(result, assumptions, run).spec


def laid_out(result: Result, assumptions, run: RunInfo | None = None) -> _Book:
    """``layout_workbook`` with where it put things: ``.spec`` the workbook, ``.rows`` each line
    item's (sheet, row), ``.inputs`` each input's (row, field), ``.cells`` the cell of each
    metric (``m:KEY``), check (``check:KEY``) and row of the IRR root analysis (``scan:FLOW:NAME``)."""
    run = run or RunInfo()
    sc = assumptions.scenario
    spec = WorkbookSpec([], title=f"finmodel — {sc.name}", subject="AI compute build-out cash-flow model",
                        comments=f"finmodel {__version__}")
    book = _Book(result, spec)
    inputs = _inputs_sheet(book)
    calc = _place_calc_sheets(book)
    valuation = _valuation_sheet(book)
    for sheet in calc.values():
        _fill_calc_sheet(book, sheet)
    if "Suppliers" in calc:
        _supplier_charts(book, calc["Suppliers"])
    _fill_valuation(book, valuation)
    checks = _checks_sheet(book)
    summary = _summary_sheet(book, sc.name, sc.description)
    spec.sheets = [summary, inputs, *calc.values(), valuation, checks, _calibration_sheet(book, sc.sources),
                   _sources_sheet(book, assumptions), about_sheet(sc.name, run)]
    return book
