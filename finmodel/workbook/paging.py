"""How a sheet prints: scale, page breaks, repeated titles, heights of wrapped rows.

Pure: it reads a :class:`~finmodel.workbook.spec.Sheet` and returns a :class:`PrintPlan`;
the writer applies the plan. The rule, the same for every sheet of every workbook:

- **Scale.** A sheet is fitted to one page width (at most 100 %) when that prints its
  smallest text at least :data:`MIN_PRINTED_PT` (font size x scale: 55 % for 10 pt text);
  otherwise it prints at :data:`ACROSS_SCALE` across several pages wide, with its title rows
  and label columns repeated on every page. (LibreOffice's PDF word boxes are ~1.3 x the
  font size: 10 pt text at 55 % measures ~7.2 pt.)
- **Whole tables.** The scale is lowered further (not below the floor) when that keeps every
  table and chart, with what overlaps it, on one page.
- **Page breaks.** Manual breaks are placed where they cut no chart and no table (a run of
  non-empty rows; a run of non-empty columns), falling back to a cut that spares the charts,
  and only then to a cut at the page's edge. Page capacity is estimated with Excel's own
  row and column sizes (what XlsxWriter writes) and a margin, so the spreadsheet program's
  automatic breaks never come first.
- **Wrapped rows.** A row holding wrapped text and no explicit height gets one tall enough
  for its longest cell.

Sizes: Excel column widths are in "characters" (7 px each plus 5 px padding with the default
font), row heights in points (default 15 pt), charts in pixels (96 per inch = 0.75 pt each).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from finmodel.workbook.spec import Chart, Sheet

__all__ = ["PrintPlan", "plan_print", "MIN_PRINTED_PT", "col_px", "row_px"]

MIN_PRINTED_PT = 5.5        # font size x scale when fitting to width: 10 pt text >= 55 %
ACROSS_SCALE = 75            # scale of a sheet printed across pages [percent]
PAPER_PT = (841.89, 595.28)  # A4, landscape (width, height)
MARGIN_IN = {"left": 0.4, "right": 0.4, "top": 0.75, "bottom": 0.75}
HEADER_IN = 0.3              # header and footer sit this far from the paper's edge
SAFETY = (0.99, 0.95)        # share of the printable (width, height) used in estimates:
                             # widths are exact, row heights vary with the program
DEFAULT_COL_WIDTH = 8.43
COL_PT_PER_PX = 0.8          # a column pixel (XlsxWriter's count) prints ~0.75 pt in Excel and
                             # ~0.79 pt in LibreOffice (Carlito's digit width): the larger
DEFAULT_ROW_PT = 15.0
LINE_PT = 12.5               # one line of 10 pt text in a wrapped cell
CHARS_PER_WIDTH = 1.15       # characters of wrapped 10 pt Arial per unit of column width
MIN_FILL = 0.4               # a preferred break must leave the page at least this full


@dataclass(frozen=True)
class PrintPlan:
    """What the writer sets on a worksheet.

    scale: print scale [percent]. fit_width: True when the whole width fits on one page at
    ``scale`` (informative; the writer prints at ``scale`` either way). h_breaks / v_breaks:
    0-based index of the first row / column of each new page. repeat_rows / repeat_cols:
    (first, last) rows / columns printed on every page, or None. row_heights: heights [pt]
    of rows holding wrapped text. print_area: (last row, last column) printed, from A1.
    """

    scale: int
    fit_width: bool
    h_breaks: tuple[int, ...] = ()
    v_breaks: tuple[int, ...] = ()
    repeat_rows: tuple[int, int] | None = None
    repeat_cols: tuple[int, int] | None = None
    row_heights: dict[int, float] = field(default_factory=dict)
    print_area: tuple[int, int] = (0, 0)


def col_px(width: float) -> int:
    """Pixel width of a column ``width`` characters wide (XlsxWriter's conversion)."""
    if width < 1:
        return int(width * 12 + 0.5)
    return int(width * 7 + 0.5) + 5


def row_px(height_pt: float) -> int:
    return int(4.0 / 3.0 * height_pt)


def printable_pt(landscape: bool) -> tuple[float, float]:
    """(width, height) [pt] inside the margins of an A4 page."""
    w, h = PAPER_PT if landscape else PAPER_PT[::-1]
    return (w - 72 * (MARGIN_IN["left"] + MARGIN_IN["right"]),
            h - 72 * (MARGIN_IN["top"] + MARGIN_IN["bottom"]))


def plan_print(sheet: Sheet, min_font_pt: float, wrapped: set[tuple[int, int]] = frozenset(),
               font_pt: float = 10.0, cell_font_pt=None) -> PrintPlan:
    """The print plan of ``sheet``.

    Parameters
    ----------
    sheet : Sheet
    min_font_pt : float
        The smallest font size used on the sheet [pt] (cells and charts).
    wrapped : set of (row, col)
        Cells whose text wraps; their rows get heights unless the sheet sets one.
    font_pt : float
        Font size of wrapped text [pt].
    cell_font_pt : callable, optional
        (row, col) -> font size [pt] of that cell, to estimate how far text that does not
        wrap runs into the empty cells on its right; default ``font_pt`` everywhere.
    """
    heights = {**_wrapped_heights(sheet, wrapped, font_pt), **sheet.row_heights}
    widths_px = _col_widths_px(sheet)
    heights_px = _row_heights_px(sheet, heights)
    n_cols = len(widths_px)
    page_w, page_h = printable_pt(sheet.landscape)
    floor = math.ceil(100 * MIN_PRINTED_PT / min_font_pt)
    overflow_px = _overflow_px(sheet, widths_px, wrapped, cell_font_pt or (lambda r, c: font_pt))
    scale, fits = _width_scale(sheet, widths_px, overflow_px, floor, SAFETY[0] * page_w)
    repeat_rows = sheet.print_title_rows or (
        (0, sheet.freeze[0] - 1) if sheet.freeze and sheet.freeze[0] > 0 else None)
    repeat_cols = None if fits else sheet.print_title_cols or (
        (0, sheet.freeze[1] - 1) if sheet.freeze and sheet.freeze[1] > 0 else None)
    spans = [_chart_span(ch, widths_px, heights_px) for ch in sheet.charts]
    rows_used, cols_used = _used(sheet, spans, len(heights_px), len(widths_px))
    whole = _scale_to_keep_whole(heights_px, _runs(rows_used) + [(a, b) for a, b, _, _ in spans],
                                 _title_size(heights_px, repeat_rows), SAFETY[1] * page_h)
    if floor <= whole < scale:  # a smaller scale keeps every table and chart on one page
        scale = whole
    h_breaks = _breaks(heights_px, 0.75 * scale / 100, SAFETY[1] * page_h,
                       _title_size(heights_px, repeat_rows),
                       _runs(rows_used), [(r0, r1) for (r0, r1, _, _) in spans])
    v_breaks = () if fits else _breaks(
        widths_px, COL_PT_PER_PX * scale / 100, SAFETY[0] * page_w,
        _title_size(widths_px, repeat_cols),
        _runs(cols_used), [(c0, c1) for (_, _, c0, c1) in spans])
    return PrintPlan(scale, fits, h_breaks, v_breaks, repeat_rows, repeat_cols,
                     {r: h for r, h in heights.items() if r not in sheet.row_heights},
                     (len(heights_px) - 1, (len(widths_px) if fits else n_cols) - 1))


def _width_scale(sheet: Sheet, widths_px: list[int], overflow_px: int, floor: int,
                 page_pt: float) -> tuple[int, bool]:
    """(scale [percent], fits one page wide). When the cells fit, text running on to the
    right is printed too (``widths_px`` grows by the columns it needs), shrinking the page
    for it no further than to :data:`ACROSS_SCALE`; the rest of such text is cut."""
    room_px = page_pt / COL_PT_PER_PX  # at 100 %
    fit_cells = math.floor(100 * room_px / sum(widths_px)) if widths_px else 100
    if not (sheet.fit_width and fit_cells >= floor):
        return max(floor, ACROSS_SCALE), False
    fit = min(fit_cells, math.floor(100 * room_px / overflow_px) if overflow_px else 100)
    fit = min(100, max(fit, min(fit_cells, ACROSS_SCALE)))

    def next_px() -> int:
        return col_px(sheet.col_widths.get(len(widths_px), DEFAULT_COL_WIDTH))

    while sum(widths_px) < overflow_px and sum(widths_px) + next_px() <= room_px * 100 / fit:
        widths_px.append(next_px())
    return fit, True


# --- sizes ------------------------------------------------------------------------------------

def _last_col(sheet: Sheet) -> int:
    return max((c for _, c in sheet.cells), default=0)


def _last_row(sheet: Sheet) -> int:
    return max((r for r, _ in sheet.cells), default=0)


def _col_widths_px(sheet: Sheet) -> list[int]:
    """Pixel widths of the columns up to the last one holding a cell or a chart's edge."""
    n = _last_col(sheet) + 1
    widths = [col_px(sheet.col_widths.get(c, DEFAULT_COL_WIDTH)) for c in range(n)]
    for ch in sheet.charts:
        c, left = ch.anchor[1], ch.width_px + ch.x_offset_px
        while c < len(widths):
            left -= widths[c]
            c += 1
        while left > 0:
            widths.append(col_px(sheet.col_widths.get(len(widths), DEFAULT_COL_WIDTH)))
            left -= widths[-1]
    return widths


def _row_heights_px(sheet: Sheet, heights: dict[int, float]) -> list[int]:
    n = _last_row(sheet) + 1
    rows = [row_px(heights.get(r, DEFAULT_ROW_PT)) for r in range(n)]
    for ch in sheet.charts:
        r, left = ch.anchor[0], ch.height_px
        while r < len(rows):
            left -= rows[r]
            r += 1
        while left > 0:
            rows.append(row_px(heights.get(len(rows), DEFAULT_ROW_PT)))
            left -= rows[-1]
    return rows


def _chart_span(chart: Chart, widths_px: list[int], heights_px: list[int]
                ) -> tuple[int, int, int, int]:
    """(first row, last row, first col, last col) that ``chart`` covers."""
    r0, c0 = chart.anchor
    return (r0, _last_covered(heights_px, r0, chart.height_px),
            c0, _last_covered(widths_px, c0, chart.width_px + chart.x_offset_px))


def _last_covered(sizes: list[int], start: int, extent: int) -> int:
    i, left = start, extent
    while i < len(sizes) - 1 and left > sizes[i]:
        left -= sizes[i]
        i += 1
    return i


TEXT_PX_PER_CHAR = 6.5        # average advance of 10 pt Arial text [px]


def _overflow_px(sheet: Sheet, widths_px: list[int], wrapped, font_of) -> int:
    """How far [px from column A's left edge] text runs on into the empty cells on its right
    (only the last text of a row can)."""
    last: dict[int, int] = {}
    for (r, c), cell in sheet.cells.items():
        if cell.value not in (None, ""):
            last[r] = max(last.get(r, -1), c)
    edges = [0]
    for w in widths_px:
        edges.append(edges[-1] + w)
    reach = 0
    for r, c in last.items():
        value = sheet.cells[(r, c)].value
        if isinstance(value, str) and (r, c) not in wrapped:
            text_px = len(value) * TEXT_PX_PER_CHAR * font_of(r, c) / 10.0
            reach = max(reach, edges[c] + int(text_px))
    return reach


def _wrapped_heights(sheet: Sheet, wrapped, font_pt: float) -> dict[int, float]:
    """Heights [pt] of rows holding wrapped text: lines of the tallest cell x line height."""
    heights: dict[int, float] = {}
    line = LINE_PT * font_pt / 10.0
    for (r, c) in wrapped:
        text = sheet.cells[(r, c)].value
        if not isinstance(text, str) or not text:
            continue
        per_line = max(1, int(sheet.col_widths.get(c, DEFAULT_COL_WIDTH) * CHARS_PER_WIDTH))
        lines = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
        if lines > 1:
            heights[r] = max(heights.get(r, 0.0), lines * line + 3)
    return heights


def _used(sheet: Sheet, spans, n_rows: int, n_cols: int) -> tuple[list[bool], list[bool]]:
    rows, cols = [False] * n_rows, [False] * n_cols
    for (r, c), cell in sheet.cells.items():
        if cell.value not in (None, "") or cell.formula:
            rows[r] = cols[c] = True
    for r0, r1, c0, c1 in spans:
        rows[r0:r1 + 1] = [True] * (r1 + 1 - r0)
        cols[c0:c1 + 1] = [True] * (c1 + 1 - c0)
    return rows, cols


def _runs(used: list[bool]) -> list[tuple[int, int]]:
    """(first, last) of each run of used entries: a table, seen along one direction."""
    runs, start = [], None
    for i, u in enumerate(used + [False]):
        if u and start is None:
            start = i
        elif not u and start is not None:
            runs.append((start, i - 1))
            start = None
    return runs


def _title_size(sizes: list[int], repeat: tuple[int, int] | None) -> int:
    return sum(sizes[repeat[0]:repeat[1] + 1]) if repeat else 0


# --- page breaks ------------------------------------------------------------------------------

def _breaks(sizes_px: list[int], pt_per_px: float, page_pt: float, title_px: int,
            tables: list[tuple[int, int]], charts: list[tuple[int, int]]) -> tuple[int, ...]:
    """First index of each new page along one direction (rows or columns).

    A cut before index ``i`` is "clean" when no table or chart spans ``i - 1`` and ``i``,
    "spares charts" when no chart does. Each page ends at the last clean cut that fits, else
    the last cut that spares charts, else where the page is full.
    """
    n = len(sizes_px)
    if n == 0:
        return ()
    clean = _free_cuts(n, tables + charts)
    spare = _free_cuts(n, charts)
    breaks: list[int] = []
    start, extra = 0, 0
    while True:
        room = page_pt / pt_per_px - extra
        end, used = start, 0
        while end < n and used + sizes_px[end] <= room:
            used += sizes_px[end]
            end += 1
        if end >= n:
            return tuple(breaks)
        end = max(end, start + 1)
        cut = (_last_cut(clean, start, end, sizes_px, room)
               or _last_cut(spare, start, end, sizes_px, room) or end)
        breaks.append(cut)
        start, extra = cut, title_px


def _scale_to_keep_whole(sizes_px: list[int], spans: list[tuple[int, int]], title_px: int,
                         page_pt: float) -> int:
    """The largest scale [percent] at which each group of overlapping tables and charts
    fits on one page (the first group with everything above it)."""
    tallest, end = 0, -1
    for a, b in sorted(spans):
        if a > end:  # a new group
            start = a if end >= 0 else 0
        end = max(end, b)
        extra = title_px if start > 0 else 0
        tallest = max(tallest, sum(sizes_px[start:end + 1]) + extra)
    return math.floor(100 * page_pt / (0.75 * tallest)) if tallest else 100


def _free_cuts(n: int, spans: list[tuple[int, int]]) -> list[bool]:
    """free[i]: a page may start at index i (0 < i < n) without cutting any span."""
    free = [True] * (n + 1)
    for a, b in spans:
        for i in range(a + 1, min(b, n - 1) + 1):
            free[i] = False
    return free


def _last_cut(free: list[bool], start: int, end: int, sizes_px: list[int], room: float
              ) -> int | None:
    """The last free cut in (start, end] that leaves the page at least MIN_FILL full."""
    filled = sum(sizes_px[start:end])
    for i in range(end, start, -1):
        if free[i] and filled >= MIN_FILL * room:
            return i
        filled -= sizes_px[i - 1]
    return None
