"""A workbook described as plain data: sheets, cells, formulas with cached values, charts.

Layout code builds a :class:`WorkbookSpec`; ``writer.write_workbook`` puts it on disk. Nothing
here knows an xlsx library, so layouts are testable without one.

Coordinates are 0-based ``(row, col)`` like XlsxWriter. Formulas are strings beginning
with ``=`` in A1 notation; every formula cell carries the engine's value as its cached
``value`` so viewers that do not recalculate still show the right number.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from enum import Enum

__all__ = [
    "Style", "Cell", "ChartSeries", "Chart", "ScalePoint", "ConditionalFormat", "Sheet", "DefinedName",
    "WorkbookSpec", "col_letter", "a1", "abs_a1",
]


class Style(str, Enum):
    """Cell roles; the writer maps each to a font/fill/border. Number formats are separate."""

    DEFAULT = "default"
    TITLE = "title"          # sheet title, large bold
    SUBTITLE = "subtitle"    # grey italic explanatory line
    HEADER = "header"        # column headers (timeline), bold, bottom border, shaded
    SECTION = "section"      # section label row, bold
    LABEL = "label"          # row label
    UNIT = "unit"            # unit column, grey
    INPUT = "input"          # an assumption the user may edit: blue font, pale yellow fill
    CALC = "calc"            # a formula
    TOTAL = "total"          # a formula that totals rows: bold, top border
    LINK = "link"            # a formula that only links another sheet: green font
    CHECK = "check"          # a check cell (0 / TRUE when ok)
    TEXT = "text"            # free text (sources, notes), wrapped
    NOTE = "note"            # small grey text
    NA = "na"                # a number that does not exist ("n/a", "after 2040"): grey, right-aligned


@dataclass(frozen=True)
class Cell:
    """One cell.

    value:   the literal value, or for formula cells the cached value computed by the engine.
             ``str`` values are always written as text (never interpreted as a formula).
    formula: ``"=..."`` or None.
    num_format: an Excel number format such as ``'#,##0.0'`` or ``'0.0%'``; None for General.
    comment: a cell note (used for sources on inputs).
    """

    value: float | int | str | bool | None = None
    formula: str | None = None
    style: Style = Style.DEFAULT
    num_format: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class ChartSeries:
    name: str
    categories: str  # absolute range with sheet, e.g. "'Capacity'!$F$3:$U$3"
    values: str
    color: str | None = None  # "#RRGGBB"
    line: bool = False  # draw this series as a line (on a column chart: combined)
    invisible: bool = False  # no fill and no border: the base of a waterfall's floating bars


@dataclass(frozen=True)
class Chart:
    """A native chart.

    kind: "column", "stacked_column", "line", "bar" (horizontal; tornado) or "scatter".
    anchor: top-left cell (row, col) of the chart on its sheet.
    Axis titles go by direction: ``x_title`` is the horizontal axis, ``y_title`` the
    vertical one (on a "bar" chart the horizontal axis holds the values). Number formats go
    by role: ``y_num_format`` formats the values, ``x_num_format`` the category labels (on a
    "scatter" chart: the horizontal values).
    """

    kind: str
    title: str
    series: tuple[ChartSeries, ...]
    anchor: tuple[int, int]
    y_title: str = ""
    x_title: str = ""
    y_num_format: str = "#,##0"
    width_px: int = 620
    height_px: int = 320
    gap: int | None = None  # gap between bars (bar/column), percent
    overlap: int | None = None
    # Added for the writer (optional): number format of the category axis labels (years show
    # as "2025" with General; for a scatter chart this is the horizontal value axis).
    x_num_format: str = "General"
    # bar (tornado) charts: value at which the bars start (the base case); None = 0.
    value_axis_crossing: float | None = None
    # first category at the top of a bar chart (its sheet order); None = True for "bar",
    # False otherwise (on column/line charts True runs the categories right to left).
    reverse_categories: bool | None = None
    # horizontal offset of the chart's left edge from its anchor cell's [px] (to line charts up
    # side by side on columns of unequal widths)
    x_offset_px: int = 0
    # font size of the category labels [pt] (a narrow chart of many years: smaller labels
    # stay level and apart); None: the programs' 10 pt
    x_font_pt: float | None = None
    # series (0-based, in order) left out of the legend: a waterfall's invisible base and the
    # below-zero halves that repeat a colour already named
    legend_hidden: tuple[int, ...] = ()
    # a scatter chart's horizontal axis on a log-10 scale (draw counts 100 .. 10,000,000)
    x_log: bool = False


@dataclass(frozen=True)
class ScalePoint:
    """One stop of a colour scale: ``kind`` "min", "max", "num" (at ``value``), "percent" (of
    the range between min and max) or "percentile"; ``color`` "#RRGGBB"."""

    kind: str
    color: str
    value: float | None = None


@dataclass(frozen=True)
class ConditionalFormat:
    """A conditional format; kind "3_color_scale" (heat map), "2_color_scale" or "cell" with
    criteria. A colour scale takes its stops from ``points`` (2 or 3 :class:`ScalePoint`);
    without them: red (min), yellow (median), green (max), or reversed."""

    first: tuple[int, int]
    last: tuple[int, int]
    kind: str = "3_color_scale"
    criteria: str | None = None  # for kind "cell": e.g. "!=" ; value in ``value``
    value: float | str | None = None  # a formula operand: 0, "FALSE", '"n/a"' (quoted text)
    fmt: str | None = None       # for kind "cell": "bad" or "good"
    reverse: bool = False        # for kind "3_color_scale": green (low) .. red (high)
    points: tuple[ScalePoint, ...] = ()  # colour scales: explicit stops, low to high


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    col_widths: dict[int, float] = field(default_factory=dict)
    row_heights: dict[int, float] = field(default_factory=dict)  # points; for wrapped text
    freeze: tuple[int, int] | None = None
    charts: list[Chart] = field(default_factory=list)
    conditional_formats: list[ConditionalFormat] = field(default_factory=list)
    tab_color: str | None = None
    landscape: bool = True
    fit_width: bool = True  # print: fit all columns on one page width if text stays readable
    zoom: int = 90
    hide_gridlines: bool = False  # hide gridlines on screen and in print (Summary-type sheets)
    # (first, last) rows / columns repeated on each printed page; None: the frozen panes' rows
    # and (when the sheet prints across pages) columns
    print_title_rows: tuple[int, int] | None = None
    print_title_cols: tuple[int, int] | None = None

    def put(self, row: int, col: int, cell: Cell) -> None:
        self.cells[(row, col)] = cell


@dataclass(frozen=True)
class DefinedName:
    name: str
    ref: str  # e.g. "=Inputs!$D$12"


@dataclass
class WorkbookSpec:
    sheets: list[Sheet]
    names: list[DefinedName] = field(default_factory=list)
    title: str = ""
    subject: str = ""
    comments: str = ""  # document properties

    def sheet(self, name: str) -> Sheet:
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)


@lru_cache(maxsize=None)  # ~40,000 calls per workbook on a few dozen columns
def col_letter(col: int) -> str:
    """0-based column index to letters: 0 -> A, 26 -> AA."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    """0-based (row, col) to a relative A1 reference."""
    return f"{col_letter(col)}{row + 1}"


def abs_a1(row: int, col: int) -> str:
    return f"${col_letter(col)}${row + 1}"


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"
