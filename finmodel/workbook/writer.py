"""Write a :class:`~finmodel.workbook.spec.WorkbookSpec` to an ``.xlsx`` file.

This is the only module in the package that imports XlsxWriter. It turns the plain-data spec
into cells, formats, defined names, charts and conditional formats, and saves atomically:
the workbook is written to a temporary file next to the target, flushed to disk and renamed
onto the target, so a reader never sees a half-written file and a failed run leaves an
existing file untouched.

Writing rules
-------------
- Formula cells are written with their cached value (number, text or boolean) so readers
  that do not recalculate still show the engine's numbers. A formula cell without a cached
  value is a layout bug and raises :class:`ValueError`.
- Literal ``str`` values are always written as text: ``"=1+1"``, ``"#N/A"`` or ``"@SUM(A1)"``
  stay text.
- NaN and infinite numbers are rejected with :class:`ValueError`; the layout must never
  produce them (numbers that may not exist are reported as text such as ``"n/a"``).
"""
from __future__ import annotations

import io
import math
import os
import re
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import xlsxwriter
from xlsxwriter.exceptions import FileCreateError, XlsxWriterException
from xlsxwriter.worksheet import Worksheet

from finmodel.outputs import atomic_write
from finmodel.workbook.paging import MARGIN_IN, HEADER_IN, plan_print
from finmodel.workbook.spec import (
    Cell, Chart, ChartSeries, ConditionalFormat, Sheet, Style, WorkbookSpec, a1,
)

__all__ = ["write_workbook"]

_WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": False,
    "in_memory": True,  # no temporary files outside the target folder
    "use_future_functions": False,  # layouts use only Excel 2007 functions (tested); 150 regex passes per formula otherwise
}

# The Excel 365 dynamic-array functions XlsxWriter prefixes with "_xlfn." in every formula
# (its Worksheet._prepare_formula: ~30 regex substitutions per formula, ~1 s for the 8,000
# formulas of a scenario workbook). finmodel's formulas use none of them, so a formula that names
# none skips those substitutions; one that does goes through XlsxWriter's own code. The pattern
# matches what those substitutions match (case-sensitive, ``\bNAME(``; ``INGLE(`` covers their
# ``\SINGLE(``), so it is exact and ~10x faster than a case-insensitive search without anchors.
_DYNAMIC_FUNCTIONS = re.compile(
    r"\b(?:ANCHORARRAY|BYCOL|BYROW|CHOOSECOLS|CHOOSEROWS|DROP|EXPAND|FILTER|HSTACK|LAMBDA|MAKEARRAY"
    r"|MAP|RANDARRAY|REDUCE|SCAN|SEQUENCE|SORT|SORTBY|SWITCH|TAKE|TEXTSPLIT|TOCOL|TOROW|UNIQUE"
    r"|VSTACK|WRAPCOLS|WRAPROWS|XLOOKUP)\(|INGLE\(|_xlfn\.")


class _Worksheet(Worksheet):
    """XlsxWriter's worksheet with a fast path for formulas without dynamic-array functions
    (the same text XlsxWriter would write; ``tests/workbook/test_writer.py`` compares them)."""

    def _prepare_formula(self, formula, *args, **kwargs):
        if self.use_future_functions or args or kwargs or _DYNAMIC_FUNCTIONS.search(formula):
            return super()._prepare_formula(formula, *args, **kwargs)
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula


_FONT = {"font_name": "Arial", "font_size": 10}
_GREY = "#808080"
_STYLE_PROPS: dict[Style, dict[str, Any]] = {
    Style.DEFAULT: {},
    Style.TITLE: {"bold": True, "font_size": 14},
    Style.SUBTITLE: {"italic": True, "font_color": _GREY},
    Style.HEADER: {"bold": True, "bg_color": "#DCE6F1", "bottom": 1, "align": "center"},
    Style.SECTION: {"bold": True, "bg_color": "#EDEDED"},
    Style.LABEL: {},
    Style.UNIT: {"font_color": _GREY},
    Style.INPUT: {"font_color": "#0000FF", "bg_color": "#FFF2CC", "border": 1,
                  "border_color": "#BFBFBF"},
    Style.CALC: {"font_color": "#000000"},
    Style.TOTAL: {"bold": True, "top": 1},
    Style.LINK: {"font_color": "#00803C"},
    Style.CHECK: {"align": "center"},
    Style.TEXT: {"text_wrap": True, "valign": "top"},
    Style.NOTE: {"font_color": _GREY},  # full size: it must stay readable on paper
    Style.NA: {"font_color": _GREY, "align": "right"},
}
_HIGHLIGHTS = {
    "bad": {"bg_color": "#FFC7CE", "font_color": "#9C0006"},
    "good": {"bg_color": "#C6EFCE", "font_color": "#006100"},
}
_SCALE_COLORS = ("#F8696B", "#FFEB84", "#63BE7B")  # red, yellow, green (low -> high)

_CHART_TYPES = {
    "column": {"type": "column"},
    "stacked_column": {"type": "column", "subtype": "stacked"},
    "line": {"type": "line"},
    "bar": {"type": "bar"},
    "scatter": {"type": "scatter", "subtype": "straight_with_markers"},
}
_LINE_KINDS = ("line", "scatter")
_RANGE_RE = re.compile(
    r"^(?:'(?P<quoted>(?:[^']|'')+)'|(?P<plain>[^'!]+))!"
    r"\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?$"
)
_PAPER_A4 = 9


def write_workbook(spec: WorkbookSpec, path: str | os.PathLike) -> Path:
    """Write ``spec`` to ``path`` as an ``.xlsx`` workbook, atomically.

    The workbook is written to a temporary file ``.<name>.<random>.tmp`` in the target's
    folder, flushed and fsynced, given normal permissions (``0o666`` masked by the umask,
    like a file created with ``open()``) and renamed onto the target with
    :func:`os.replace`. On any exception (including :class:`KeyboardInterrupt`) the
    temporary file is removed and an existing target is left untouched.

    If the target is a symbolic link, the link itself is replaced by a regular file; the
    file it pointed to is not modified.

    Parameters
    ----------
    spec : WorkbookSpec
        The workbook as plain data (see :mod:`finmodel.workbook.spec`).
    path : str or os.PathLike
        The ``.xlsx`` file to create or replace. Its folder must exist.

    Returns
    -------
    pathlib.Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    OutputError
        The folder does not exist, the target is a directory, the disk is full or the
        file cannot be written for another operating-system reason.
    ValueError
        The spec is invalid: NaN/inf numbers, a formula cell without a cached value, an
        unknown chart kind, a chart range naming a missing sheet, an invalid sheet or
        defined name, and similar layout bugs.
    """
    return atomic_write(Path(path), lambda fh: _build(spec, fh))


# --- building the workbook ------------------------------------------------------------------

def _build(spec: WorkbookSpec, fh: BinaryIO) -> None:
    """Write the whole workbook into the open binary file ``fh``.

    The zip is built in memory and written with one ``fh.write``: a full disk then fails
    that one call cleanly (XlsxWriter's zip file writing to ``fh`` directly was left half
    closed, and its finaliser printed a traceback after the error)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, _WORKBOOK_OPTIONS)
    try:
        _populate(book, spec)
        book.close()
        fh.write(buffer.getbuffer())
    except FileCreateError as exc:
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
        raise cause or OSError(str(exc)) from exc
    except XlsxWriterException as exc:
        raise ValueError(f"invalid workbook spec: {type(exc).__name__}: {exc}") from exc


def _populate(book: xlsxwriter.Workbook, spec: WorkbookSpec) -> None:
    formats = _Formats(book)
    _set_properties(book, spec)
    sheet_names = {s.name for s in spec.sheets}
    worksheets = [(book.add_worksheet(s.name, worksheet_class=_Worksheet), s) for s in spec.sheets]
    for name in spec.names:
        ref = name.ref if name.ref.startswith("=") else "=" + name.ref
        _check(book.define_name(name.name, ref), f"defined name {name.name!r} = {ref}")
    for ws, sheet in worksheets:
        _write_sheet(book, ws, sheet, formats, sheet_names, spec.title)


def _set_properties(book: xlsxwriter.Workbook, spec: WorkbookSpec) -> None:
    props = {"title": spec.title, "subject": spec.subject, "comments": spec.comments}
    book.set_properties({k: v for k, v in props.items() if v})


def _check(code: int | None, what: str) -> None:
    """XlsxWriter reports many problems as a negative return code plus a warning."""
    if code is not None and code < 0:
        raise ValueError(f"XlsxWriter rejected {what} (code {code})")


class _Formats:
    """XlsxWriter formats, created once per (style, number format)."""

    def __init__(self, book: xlsxwriter.Workbook):
        self._book = book
        self._cells: dict[tuple[Style, str | None], Any] = {}
        self._highlights: dict[str, Any] = {}

    def cell(self, style: Style, num_format: str | None):
        found = self._cells.get((style, num_format))  # the usual case: a Style seen before
        if found is not None:
            return found
        key = (Style(style), num_format)
        if key not in self._cells:
            props = {**_FONT, **_STYLE_PROPS[key[0]]}
            if num_format:
                props["num_format"] = num_format
            self._cells[key] = self._book.add_format(props)
        return self._cells[key]

    def highlight(self, name: str):
        if name not in _HIGHLIGHTS:
            raise ValueError(f"conditional format fmt must be one of {sorted(_HIGHLIGHTS)}, "
                             f"got {name!r}")
        if name not in self._highlights:
            self._highlights[name] = self._book.add_format(_HIGHLIGHTS[name])
        return self._highlights[name]


# --- sheets and cells -----------------------------------------------------------------------

def _write_sheet(book, ws, sheet: Sheet, formats: _Formats, sheet_names: set[str],
                 book_title: str = "") -> None:
    _setup_sheet(ws, sheet)
    _setup_print(ws, sheet, book_title)
    cells = {**_section_fill(sheet), **sheet.cells}
    for (row, col), cell in sorted(cells.items()):
        where = _At(sheet.name, row, col)
        _write_cell(ws, row, col, cell, formats.cell(cell.style, cell.num_format), where)
        if cell.comment:
            _check(ws.write_comment(row, col, cell.comment, _comment_size(cell.comment)),
                   f"comment at {where}")
    for cf in sheet.conditional_formats:
        _add_conditional_format(ws, cf, formats, sheet.name)
    for chart in sheet.charts:
        _check(ws.insert_chart(*chart.anchor, _make_chart(book, chart, sheet_names),
                               {"x_offset": chart.x_offset_px} if chart.x_offset_px else None),
               f"chart {chart.title!r} on {sheet.name}")


def _setup_sheet(ws, sheet: Sheet) -> None:
    for col, width in sheet.col_widths.items():
        ws.set_column(col, col, width)
    for row, height in sheet.row_heights.items():
        ws.set_row(row, height)
    if sheet.freeze:
        ws.freeze_panes(*sheet.freeze)
    if sheet.tab_color:
        ws.set_tab_color(sheet.tab_color)
    ws.set_zoom(sheet.zoom)
    if sheet.hide_gridlines:
        ws.hide_gridlines(2)


_CHART_FONT_PT = 10  # XlsxWriter charts: LibreOffice and Excel draw their text at 10 pt


def _font_pt(style: Style) -> float:
    return _STYLE_PROPS[Style(style)].get("font_size", _FONT["font_size"])


def _setup_print(ws, sheet: Sheet, book_title: str) -> None:
    """Page setup from :func:`finmodel.workbook.paging.plan_print`: scale (never below the
    readable floor), manual page breaks, repeated titles, heights of wrapped rows; header
    with the workbook's title and the sheet, footer with the page number."""
    styles = {cell.style for cell in sheet.cells.values()}
    fonts = {_font_pt(style) for style in styles}
    if sheet.charts:
        fonts.add(_CHART_FONT_PT)
        fonts |= {ch.x_font_pt for ch in sheet.charts if ch.x_font_pt}
    wrapping = {style for style in styles if _STYLE_PROPS[Style(style)].get("text_wrap")}
    wrapped = {rc for rc, cell in sheet.cells.items() if cell.style in wrapping}
    plan = plan_print(sheet, min(fonts, default=_FONT["font_size"]), wrapped,
                      _FONT["font_size"], lambda r, c: _font_pt(sheet.cells[(r, c)].style))
    for row, height in plan.row_heights.items():
        ws.set_row(row, height)
    if sheet.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(_PAPER_A4)
    ws.set_margins(**MARGIN_IN)
    ws.set_print_scale(plan.scale)
    ws.print_area(0, 0, *plan.print_area)
    if plan.h_breaks:
        ws.set_h_pagebreaks(list(plan.h_breaks))
    if plan.v_breaks:
        ws.set_v_pagebreaks(list(plan.v_breaks))
    if plan.repeat_rows:
        ws.repeat_rows(*plan.repeat_rows)
    if plan.repeat_cols:
        ws.repeat_columns(*plan.repeat_cols)
    title = (book_title or "finmodel")[:120].replace("&", "&&")  # Excel: <= 255 characters
    ws.set_header(f"&L{title}&R&A", {"margin": HEADER_IN})
    ws.set_footer("&L&F&RPage &P of &N", {"margin": HEADER_IN})


def _section_fill(sheet: Sheet) -> dict[tuple[int, int], Cell]:
    """Blank SECTION-styled cells so a section row's fill spans the sheet's used columns."""
    last_col = max((c for _, c in sheet.cells), default=-1)
    rows = {r for (r, _), cell in sheet.cells.items() if cell.style == Style.SECTION}
    return {(r, c): Cell(style=Style.SECTION) for r in rows for c in range(last_col + 1)}


def _comment_size(text: str) -> dict[str, int]:
    lines = sum(1 + len(part) // 48 for part in text.splitlines() or [""])
    return {"width": 320, "height": min(400, max(60, 16 * lines + 12))}


class _At:
    """Where a cell is, ``Sheet!B7`` in messages; spelled out only when a message needs it."""

    __slots__ = ("sheet", "row", "col")

    def __init__(self, sheet: str, row: int, col: int):
        self.sheet, self.row, self.col = sheet, row, col

    def __str__(self) -> str:
        return f"{self.sheet}!{a1(self.row, self.col)}"


def _write_cell(ws, row: int, col: int, cell: Cell, fmt, where: _At) -> None:
    if cell.formula is not None:
        code = ws.write_formula(row, col, _formula(cell.formula, where), fmt,
                                _cached_value(cell.value, where))
    else:
        code = _write_literal(ws, row, col, _plain(cell.value, where), fmt, where)
    if code:
        _check(code, f"cell {where}")


def _write_literal(ws, row: int, col: int, value, fmt, where: str) -> int:
    if isinstance(value, str):
        return ws.write_string(row, col, value, fmt)
    if isinstance(value, bool):
        return ws.write_boolean(row, col, value, fmt)
    if value is None:
        return ws.write_blank(row, col, None, fmt)
    return ws.write_number(row, col, _finite(value, where), fmt)


def _formula(formula: str, where: str) -> str:
    if not isinstance(formula, str) or not formula.startswith("=") or len(formula) < 2:
        raise ValueError(f"{where}: a formula must be a string beginning with '=', "
                         f"got {formula!r}")
    return formula


def _cached_value(value, where: str) -> float | int | str | bool:
    value = _plain(value, where)
    if value is None:
        raise ValueError(f"{where}: formula cell has no cached value; every formula cell "
                         "must carry the engine's value")
    if isinstance(value, (str, bool)):
        return value
    return _finite(value, where)


def _plain(value, where: str):
    """Convert numpy scalars to Python ones and reject unsupported types."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise ValueError(f"{where}: unsupported cell value {value!r} of type "
                     f"{type(value).__name__}")


def _finite(value: int | float, where: str) -> int | float:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where}: number is {value}; the layout must never produce NaN or "
                         "infinite values (report them as text such as 'n/a')")
    return value


# --- conditional formats --------------------------------------------------------------------

def _add_conditional_format(ws, cf: ConditionalFormat, formats: _Formats, sheet: str) -> None:
    where = f"conditional format {sheet}!{a1(*cf.first)}:{a1(*cf.last)}"
    if cf.kind in _SCALES and cf.points:
        options = _scale_options(cf, where)
    elif cf.kind == "3_color_scale":
        low, mid, high = reversed(_SCALE_COLORS) if cf.reverse else _SCALE_COLORS
        options = {"type": "3_color_scale", "min_color": low, "mid_color": mid,
                   "max_color": high}
    elif cf.kind == "cell":
        if not cf.criteria:
            raise ValueError(f"{where}: kind 'cell' needs criteria such as '!='")
        options = {"type": "cell", "criteria": cf.criteria,
                   "value": _criteria_value(cf.value, where),
                   "format": formats.highlight(cf.fmt or "bad")}
    else:
        raise ValueError(f"{where}: unknown kind {cf.kind!r} "
                         "(expected '3_color_scale', '2_color_scale' or 'cell')")
    _check(ws.conditional_format(*cf.first, *cf.last, options), where)


_SCALES = {"2_color_scale": ("min", "max"), "3_color_scale": ("min", "mid", "max")}
_POINT_KINDS = ("min", "max", "num", "percent", "percentile")


def _scale_options(cf: ConditionalFormat, where: str) -> dict[str, Any]:
    """XlsxWriter options of a colour scale with explicit stops (``cf.points``)."""
    roles = _SCALES[cf.kind]
    if len(cf.points) != len(roles):
        raise ValueError(f"{where}: a {cf.kind} needs {len(roles)} points, got {len(cf.points)}")
    options: dict[str, Any] = {"type": cf.kind}
    for role, point in zip(roles, cf.points):
        if point.kind not in _POINT_KINDS:
            raise ValueError(f"{where}: scale point kind must be one of {_POINT_KINDS}, got {point.kind!r}")
        options[f"{role}_type"] = point.kind
        options[f"{role}_color"] = point.color
        if point.kind not in ("min", "max"):
            if point.value is None:
                raise ValueError(f"{where}: a {point.kind!r} scale point needs a value")
            options[f"{role}_value"] = _finite(_plain(point.value, where), where)
    return options


def _criteria_value(value, where: str) -> str | int | float:
    """A criteria operand as XlsxWriter takes it: numbers as numbers, booleans as
    TRUE/FALSE, strings as formula operands (``"FALSE"``, ``"$B$3"``, ``'"n/a"'`` for a
    text literal; a leading ``=`` is dropped)."""
    value = _plain(value, where)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if value is None or value == "":
        raise ValueError(f"{where}: kind 'cell' needs a value")
    if isinstance(value, str):
        return value[1:] if value.startswith("=") else value
    return _finite(value, where)


# --- charts ---------------------------------------------------------------------------------

def _make_chart(book: xlsxwriter.Workbook, chart: Chart, sheet_names: set[str]):
    """Build an XlsxWriter chart; column series with ``line=True`` become a combined line."""
    if chart.kind not in _CHART_TYPES:
        raise ValueError(f"chart {chart.title!r}: unknown kind {chart.kind!r} "
                         f"(expected one of {sorted(_CHART_TYPES)})")
    if not chart.series:
        raise ValueError(f"chart {chart.title!r} has no series")
    main = _new_chart(book, chart.kind)
    combined = None
    first = True
    for series in chart.series:
        as_line = series.line and chart.kind in ("column", "stacked_column")
        if series.line and chart.kind == "bar":
            raise ValueError(f"chart {chart.title!r}: a bar chart cannot have line series")
        if as_line:
            combined = combined or _new_chart(book, "line")
            combined.add_series(_series_options(series, "line", chart, sheet_names))
        else:
            options = _series_options(series, chart.kind, chart, sheet_names)
            if first:
                options.update(_gap_overlap(chart))
                first = False
            main.add_series(options)
    if first:
        raise ValueError(f"chart {chart.title!r}: needs at least one non-line series")
    if combined is not None:
        main.combine(combined)
    _style_chart(main, chart)
    return main


def _new_chart(book: xlsxwriter.Workbook, kind: str):
    chart = book.add_chart(dict(_CHART_TYPES[kind]))
    if kind in _LINE_KINDS:
        _write_smoothing_explicitly(chart)
    return chart


def _write_smoothing_explicitly(chart) -> None:
    """Always write ``<c:smooth val="0|1"/>``.

    XlsxWriter omits the element when smoothing is off, and LibreOffice then draws
    smoothed curves that overshoot. This patches the one private XlsxWriter method that
    writes it (checked against XlsxWriter 3.3).
    """
    def write_c_smooth(smooth) -> None:
        chart._xml_empty_tag("c:smooth", [("val", "1" if smooth else "0")])

    chart._write_c_smooth = write_c_smooth


def _gap_overlap(chart: Chart) -> dict[str, int]:
    options = {}
    overlap = chart.overlap
    if overlap is None and chart.kind == "bar":
        overlap = 100  # tornado: low and high bars of a driver on one line
    if overlap is not None:
        options["overlap"] = overlap
    gap = chart.gap if chart.gap is not None else (50 if chart.kind == "bar" else None)
    if gap is not None:
        options["gap"] = gap
    return options


def _series_options(series: ChartSeries, kind: str, chart: Chart,
                    sheet_names: set[str]) -> dict[str, Any]:
    options: dict[str, Any] = {
        "name": _literal(series.name),
        "categories": _chart_range(series.categories, chart, sheet_names),
        "values": _chart_range(series.values, chart, sheet_names),
    }
    color = {"color": series.color} if series.color else {}
    if series.invisible:
        options["fill"] = {"none": True}
        options["border"] = {"none": True}
    elif kind in _LINE_KINDS:
        options["smooth"] = False
        options["line"] = {"width": 2.0, **color}
        options["marker"] = ({"type": "circle", "size": 5, "fill": color, "border": color}
                             if kind == "scatter" else {"type": "none"})
    elif color:
        options["fill"] = color
        options["border"] = color
    return options


def _chart_range(ref: str, chart: Chart, sheet_names: set[str]) -> str:
    """Normalise ``'Sheet'!$A$1:$B$1`` (with or without '=') and check the sheet exists."""
    text = ref[1:] if ref.startswith("=") else ref
    match = _RANGE_RE.match(text)
    if not match:
        raise ValueError(f"chart {chart.title!r}: range {ref!r} is not like "
                         "'Sheet'!$A$1:$D$1")
    sheet = match["plain"] if match["plain"] is not None else match["quoted"].replace("''", "'")
    if sheet not in sheet_names:
        raise ValueError(f"chart {chart.title!r}: range {ref!r} names sheet {sheet!r}, "
                         "which is not in the workbook")
    return "=" + text


# XlsxWriter's test for "this chart text is a reference" (chart.Chart._process_names)
_LOOKS_LIKE_A_REFERENCE = re.compile(r"^=?[^!]+!\$?[A-Z]+\$?\d+")


def _literal(text: str) -> str:
    """Chart text as literal text. XlsxWriter reads a chart title, series name or axis title
    that looks like ``Sheet!A1`` (with or without "=") as a reference, which could point at
    another workbook; text from assumptions (a scenario, deal or segment label) must never
    become one, so a zero-width space after each "!" keeps such text looking the same and
    literal."""
    if isinstance(text, str) and _LOOKS_LIKE_A_REFERENCE.match(text):
        return text.replace("!", "!\u200b")
    return text


def _style_chart(xl_chart, chart: Chart) -> None:
    xl_chart.set_title({"name": _literal(chart.title), "name_font": {"size": 11, "bold": True}})
    xl_chart.set_legend({"position": "bottom", **({"delete_series": list(chart.legend_hidden)}
                                                  if chart.legend_hidden else {})})
    xl_chart.set_size({"width": chart.width_px, "height": chart.height_px})
    horizontal, vertical = _axes(chart)
    xl_chart.set_x_axis(horizontal)  # XlsxWriter: x_axis is the horizontal axis, also for bar
    xl_chart.set_y_axis(vertical)


def _axes(chart: Chart) -> tuple[dict[str, Any], dict[str, Any]]:
    """XlsxWriter options of the (horizontal, vertical) axes.

    Titles go by direction, number formats by role (see :class:`Chart`). Labels sit at the
    "low" edge so they stay outside the plot when the other axis crosses at zero.
    """
    bar = chart.kind == "bar"
    reverse = bar if chart.reverse_categories is None else chart.reverse_categories
    category = {"num_format": chart.x_num_format, "label_position": "low", "reverse": reverse}
    values = {"num_format": chart.y_num_format,
              "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
    if chart.kind == "scatter":
        category = {**category, "major_gridlines": {"visible": False}}
        if chart.x_log:
            category["log_base"] = 10
        values = {**values, "label_position": "low"}
    elif bar:
        # "max": the value axis stays at the bottom although the categories run top-down.
        if reverse:
            category["crossing"] = "max"
        if chart.value_axis_crossing is not None:
            values["crossing"] = _finite(chart.value_axis_crossing, f"chart {chart.title!r}")
    else:
        category["text_axis"] = True
    if chart.x_font_pt:
        category["num_font"] = {"size": chart.x_font_pt, "rotation": 0}
    if bar:
        return {**values, "name": _literal(chart.x_title)}, {**category, "name": _literal(chart.y_title)}
    return {**category, "name": _literal(chart.x_title)}, {**values, "name": _literal(chart.y_title)}
