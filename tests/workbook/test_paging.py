"""The print plan of a sheet (pure; the rendered pages are checked in test_print.py)."""
from __future__ import annotations

import pytest

from finmodel.workbook.paging import (
    ACROSS_SCALE, COL_PT_PER_PX, MIN_PRINTED_PT, SAFETY, col_px, plan_print, printable_pt, row_px,
)
from finmodel.workbook.spec import Cell, Chart, ChartSeries, Sheet, Style

PAGE_W, PAGE_H = printable_pt(landscape=True)


def _table(sheet: Sheet, top: int, rows: int, cols: int) -> None:
    for r in range(top, top + rows):
        for c in range(cols):
            sheet.put(r, c, Cell(1.0 if c else f"row {r}", style=Style.CALC))


def _time_series(years: int) -> Sheet:
    sheet = Sheet("Series", freeze=(3, 2))
    sheet.put(0, 0, Cell("Title", style=Style.TITLE))
    _table(sheet, 2, 120, 2 + years)
    sheet.col_widths.update({0: 40, 1: 10, **{2 + t: 10 for t in range(years)}})
    return sheet


def _chart(anchor: tuple[int, int], height_px: int = 300, width_px: int = 540) -> Chart:
    ref = "'S'!$B$1:$B$3"
    return Chart("line", "c", (ChartSeries("s", ref, ref),), anchor, width_px=width_px,
                 height_px=height_px)


def _page_sizes(sizes: list[int], breaks: tuple[int, ...]) -> list[int]:
    edges = [0, *breaks, len(sizes)]
    return [sum(sizes[a:b]) for a, b in zip(edges, edges[1:])]


def test_a_narrow_sheet_prints_at_full_size_on_one_page_width():
    sheet = Sheet("S", col_widths={0: 30, 1: 10})
    _table(sheet, 0, 10, 2)
    plan = plan_print(sheet, 10)
    assert (plan.scale, plan.fit_width, plan.h_breaks, plan.v_breaks) == (100, True, (), ())
    assert plan.repeat_cols is None and plan.print_area == (9, 1)


def test_a_sheet_is_fitted_to_width_only_while_its_text_stays_readable():
    fitted = plan_print(_time_series(16), 10)  # ~1,250 pt wide: fits at ~60 %
    assert fitted.fit_width and MIN_PRINTED_PT / 10 * 100 <= fitted.scale < 100
    assert fitted.v_breaks == () and fitted.repeat_cols is None
    wide = plan_print(_time_series(40), 10)
    assert not wide.fit_width and wide.scale == ACROSS_SCALE
    assert wide.repeat_rows == (0, 2) and wide.repeat_cols == (0, 1)  # the frozen panes
    # the smaller the smallest font, the higher the floor: 9 pt text needs >= 62 %
    assert plan_print(_time_series(16), 9).scale >= 62
    assert plan_print(_time_series(17), 9).scale == ACROSS_SCALE


def test_pages_across_hold_the_repeated_label_columns_and_no_more():
    sheet = _time_series(40)
    plan = plan_print(sheet, 10)
    widths = [col_px(sheet.col_widths[c]) for c in range(42)]
    room_px = SAFETY[0] * PAGE_W / (COL_PT_PER_PX * plan.scale / 100)
    pages = _page_sizes(widths, plan.v_breaks)
    assert len(pages) >= 3
    assert pages[0] <= room_px
    assert all(p + sum(widths[:2]) <= room_px for p in pages[1:])
    assert all(p > 0.4 * room_px for p in pages[:-1])


def test_long_sheets_break_between_rows_that_fit_a_page():
    sheet = _time_series(16)
    plan = plan_print(sheet, 10)
    heights = [row_px(15)] * 122
    room_px = SAFETY[1] * PAGE_H / (0.75 * plan.scale / 100)
    pages = _page_sizes(heights, plan.h_breaks)
    assert len(pages) >= 2 and all(p <= room_px for p in pages)


def test_breaks_fall_between_tables_and_charts_never_inside_them():
    sheet = Sheet("S", col_widths={0: 30, 1: 10, 2: 10})
    sheet.put(0, 0, Cell("Title", style=Style.TITLE))
    top, blocks = 2, []
    for _ in range(6):  # a table of 12 rows beside a chart 15 rows tall, then blank rows
        _table(sheet, top, 12, 3)
        sheet.charts.append(_chart((top, 4)))
        blocks.append((top, top + 14))  # 300 px = 15 rows of 20 px
        top += 17
    plan = plan_print(sheet, 10)
    assert plan.fit_width and plan.h_breaks
    for b in plan.h_breaks:
        assert not any(a < b <= z for a, z in blocks), (b, blocks)


def test_a_chart_right_of_a_table_starts_a_page_when_the_sheet_is_too_wide():
    sheet = Sheet("S", col_widths={0: 48, 1: 9, **{2 + j: 11 for j in range(10)}})
    _table(sheet, 0, 30, 12)
    sheet.charts.append(_chart((0, 13), width_px=540))
    sheet.charts.append(_chart((0, 22), width_px=540))
    plan = plan_print(sheet, 10)
    assert not plan.fit_width and plan.v_breaks[0] in (12, 13)  # after the table
    assert plan.repeat_cols is None  # nothing frozen: no label columns to repeat


def test_wrapped_text_gets_rows_tall_enough_and_explicit_heights_win():
    sheet = Sheet("S", col_widths={0: 20, 1: 30})
    sheet.put(0, 1, Cell("word " * 60, style=Style.TEXT))  # 300 characters in 30-wide cells
    sheet.put(1, 1, Cell("short", style=Style.TEXT))
    sheet.put(2, 1, Cell("word " * 60, style=Style.TEXT))
    sheet.row_heights[2] = 40.0
    plan = plan_print(sheet, 10, wrapped={(0, 1), (1, 1), (2, 1)})
    assert plan.row_heights[0] >= 8 * 12  # >= 300 / 34.5 characters a line, 12 pt each
    assert 1 not in plan.row_heights and 2 not in plan.row_heights


@pytest.mark.parametrize("chars, scale", [(150, range(76, 100)), (600, [ACROSS_SCALE])])
def test_text_running_on_to_the_right_is_printed_as_far_as_a_readable_scale_allows(chars, scale):
    sheet = Sheet("S", col_widths={0: 20})
    sheet.put(0, 0, Cell("x" * chars, style=Style.SUBTITLE))
    _table(sheet, 2, 5, 3)
    plan = plan_print(sheet, 10)
    assert plan.fit_width and plan.scale in scale
    widths = [col_px(20)] + [col_px(8.43)] * plan.print_area[1]
    room_px = SAFETY[0] * PAGE_W / (COL_PT_PER_PX * plan.scale / 100)
    assert sum(widths) <= room_px  # the print area stays one page wide
    if chars == 150:  # and covers the text
        assert sum(widths) >= chars * 6.5
    else:  # or as much of it as fits
        assert sum(widths) + col_px(8.43) > room_px
