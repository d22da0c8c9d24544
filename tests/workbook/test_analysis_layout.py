"""The analysis workbooks as users see them (issue 11, items 4 and 5): tornado ranking with
n/a swings, the heat map's colours from the metric's good direction, readable spider charts,
the solve chart, Monte Carlo histograms and number formats of at most four decimals."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from finmodel import api
from finmodel.model.defs import BETTER
from finmodel.model.catalogue import build_catalogue
from finmodel.sensitivity.oneway import rank_swings
from finmodel.workbook.analysis import (BAD, GOOD, MIDDLE, NEUTRAL, SERIES_COLORS, SPIDER_SERIES,
                                        heat_scale)
from finmodel.workbook.layout import RunInfo
from finmodel.workbook.spec import Style

ROOT = Path(__file__).resolve().parents[2]
ASSUMPTIONS = ROOT / "assumptions"
NAN = np.nan


def _swings(base, lows, highs):
    frame = pd.DataFrame({"output": "payback_year", "output_base": base, "output_low": lows,
                          "output_high": highs})
    frame["swing"] = (frame["output_high"] - frame["output_low"]).abs()
    return frame


def test_an_input_that_pushes_payback_beyond_the_horizon_ranks_first():
    # base 2032. A: 2031..2034 (swing 3); B: 2030..never (n/a at high); C: 2032..2033 (swing 1);
    # D: never at both ends. A finite swing can never beat "beyond the horizon": D (both ends
    # off scale) first, then B (one end), then A, C by swing.
    t = _swings(2032.0, [2031, 2030, 2032, NAN], [2034, NAN, 2033, NAN])
    assert rank_swings(t).tolist() == [3, 2, 4, 1]


def test_with_payback_beyond_the_horizon_at_base_bringing_it_within_ranks_first():
    # base never. A: never at both ends (no effect); B: 2038 at high; C: 2039..2036 (both ends
    # within the horizon); D: 2040 at high.
    t = _swings(NAN, [NAN, NAN, 2039, NAN], [NAN, 2038, 2036, 2040])
    assert rank_swings(t).tolist() == [4, 2, 1, 3]


def test_shipped_tornado_ranks_the_payback_killers_first():
    run = api.tornado("base", ["payback_year", "npv_usd_bn"], assumptions_dir=ASSUMPTIONS)
    sw = run.result.swings
    pay = sw[sw["output"] == "payback_year"].sort_values("rank")
    off = pay["off_scale"].to_numpy()
    assert off.any() and not (np.diff(off.astype(int)) > 0).any()  # every off-scale input before the rest
    npv = sw[sw["output"] == "npv_usd_bn"].sort_values("rank")["swing"].to_numpy()
    assert np.all(np.diff(npv) <= 1e-12)
    table = run.swing_table("payback_year")
    assert list(table.columns) == ["input", "range", "low", "high", "swing"]
    ranges = run.swing_table("payback_year", top=100).set_index("input")["range"]  # with units
    assert ranges["Discount rate (valuation only)"] == "9% - 15%"
    assert ranges["Consumer revenue demand: first-year growth (factor)"] == "x0.75 - x1.25"
    assert ranges["Servers life (owned capacity: depreciation and refresh)"] == "3.5 years - 6 years"


def test_every_metric_states_its_good_direction_once():
    d = api.drivers_for(api.load("base", assumptions_dir=ASSUMPTIONS))
    metrics = build_catalogue(d.structure).metrics
    assert all(m.better in BETTER for m in metrics.values())
    assert metrics["npv_usd_bn"].better == "higher" and metrics["npv_usd_bn"].midpoint == 0
    for key in ("peak_funding_need_usd_bn", "peak_unfunded_gap_usd_bn", "max_leverage", "payback_year"):
        assert metrics[key].better == "lower", key


def test_heat_scale_follows_the_metric_direction():
    both = np.array([[-50.0, 10.0], [30.0, 80.0]])
    npv = heat_scale(both, "higher", 0.0)
    assert [(p.kind, p.color, p.value) for p in npv] == [("min", BAD, None), ("num", MIDDLE, 0.0),
                                                          ("max", GOOD, None)]
    need = heat_scale(both, "lower", 0.0)
    assert [p.color for p in need] == [GOOD, MIDDLE, BAD]
    gap = heat_scale(np.array([400.0, 800.0]), "lower", 0.0)  # all a gap: white at 0, red growing
    assert [(p.kind, p.color, p.value) for p in gap] == [("num", MIDDLE, 0.0), ("max", BAD, None)]
    assert [p.color for p in heat_scale(both, None, None)] == [MIDDLE, NEUTRAL]
    year = heat_scale(np.array([2030.0, 2040.0]), "lower", None)  # no midpoint: not the median
    assert [p.kind for p in year] == ["min", "percent", "max"] and year[0].color == GOOD


def test_grid_heat_map_of_a_funding_gap_is_red_where_the_gap_is_large():
    run = api.grid("base", "valuation.discount_rate=0.08:0.16:3", "capex.servers.cost_usd_bn_per_gw*=0.8:1.2:3",
                   "peak_unfunded_gap_usd_bn", assumptions_dir=ASSUMPTIONS)
    assert run.direction == ("lower", 0.0)
    spec = run._layout(RunInfo())
    (cf,) = spec.sheet("Grid").conditional_formats
    assert cf.points[-1].color == BAD and cf.points[-1].kind == "max"
    texts = [c.value for c in spec.sheet("Grid").cells.values() if isinstance(c.value, str)]
    assert any("factor on every year" in t for t in texts)  # PATH*= axis labelled as a factor


def test_spider_charts_have_few_distinct_series_and_the_legend_below():
    run = api.tornado("base", ["npv_usd_bn", "irr"], assumptions_dir=ASSUMPTIONS)
    spec = run._layout(RunInfo())
    charts = spec.sheet("Spider").charts
    assert len(charts) == 2  # one per output
    for chart in charts:
        assert 1 <= len(chart.series) <= SPIDER_SERIES
        colors = [s.color for s in chart.series]
        assert len(set(colors)) == len(colors) and set(colors) <= set(SERIES_COLORS)
    assert len(spec.sheet("Tornado").charts) == 2


def test_solve_sheet_shows_base_solution_change_and_the_scanned_curve():
    run = api.solve("base", "npv_usd_bn=0", "revenue.segments.consumer.initial_growth", "0.1,3",
                    assumptions_dir=ASSUMPTIONS)
    s = run.solutions[0]
    assert s.base_input == pytest.approx(0.8) and s.change == pytest.approx(s.value - 0.8)
    assert s.base_output is not None and len(s.scan_inputs) == len(s.scan_outputs) > 10
    sheet = run._layout(RunInfo()).sheet("Solve")
    labels = {c.value for (r, col), c in sheet.cells.items() if col == 0}
    assert {"Output at base", "Input at base", "Input solved", "Change of input"} <= labels
    (chart,) = sheet.charts
    assert chart.kind == "scatter" and len(chart.series) >= 3  # curve, target, solution


def test_montecarlo_has_a_histogram_per_output_and_a_base_case_column():
    run = api.montecarlo("base", draws=200, seed=1, metrics=["npv_usd_bn", "payback_year"],
                         assumptions_dir=ASSUMPTIONS)
    spec = run._layout(RunInfo())
    hist = spec.sheet("Histograms")
    assert len(hist.charts) == 2 and all(c.kind == "column" for c in hist.charts)
    frame = run.result.histograms["npv_usd_bn"]
    assert frame["count"].sum() == run.result.valid
    summ = spec.sheet("Summary")
    assert summ.cells[(3, 2)].value == "Base case"
    assert summ.cells[(4, 2)].value == pytest.approx(run.result.base["npv_usd_bn"])
    notes = [c.value for c in summ.cells.values() if c.style == Style.NOTE]
    assert any("n/a draws are left out" in n for n in notes)


def _decimals(fmt: str) -> int:
    return max(len(m) for m in re.findall(r"\.([0#]*)", fmt)) if "." in fmt else 0


@pytest.fixture(scope="module")
def analysis_specs():
    kw = {"assumptions_dir": ASSUMPTIONS}
    return [api.tornado("base", ["npv_usd_bn", "payback_year"], **kw)._layout(RunInfo()),
            api.grid("base", "valuation.discount_rate=0.08:0.16:3", "capex.servers.cost_usd_bn_per_gw=15:35:3",
                     "npv_usd_bn", **kw)._layout(RunInfo()),
            api.solve("base", "npv_usd_bn=0", "revenue.segments.consumer.initial_growth", "0.1,3", **kw)._layout(RunInfo()),
            api.montecarlo("base", draws=200, seed=2, **kw)._layout(RunInfo())]


def test_every_number_has_a_format_of_at_most_four_decimals(analysis_specs):
    for spec in analysis_specs:
        for sheet in spec.sheets:
            if sheet.name == "About":
                continue
            for (r, c), cell in sheet.cells.items():
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    where = f"{spec.title} {sheet.name}!R{r}C{c}"
                    assert cell.num_format not in (None, "General"), where
                    assert _decimals(cell.num_format) <= 4, (where, cell.num_format)


def test_columns_are_wide_enough_for_their_headers(analysis_specs):
    for spec in analysis_specs:
        for sheet in spec.sheets:
            if sheet.name == "About":
                continue
            for (r, c), cell in sheet.cells.items():
                if cell.style == Style.HEADER and isinstance(cell.value, str):
                    assert sheet.col_widths.get(c, 8.43) >= min(len(cell.value), 40), (sheet.name, cell.value)


def test_writer_writes_colour_scales_with_explicit_stops(tmp_path):
    import zipfile

    from finmodel.workbook.spec import Cell, ConditionalFormat, ScalePoint, Sheet, WorkbookSpec
    from finmodel.workbook.writer import write_workbook
    sheet = Sheet("Grid")
    for i, x in enumerate((-2.0, 1.0, 5.0)):
        sheet.put(i, 0, Cell(x, num_format="0.0"))
    sheet.conditional_formats.append(ConditionalFormat((0, 0), (2, 0), "3_color_scale", points=heat_scale(
        np.array([-2.0, 5.0]), "higher", 0.0)))
    sheet.conditional_formats.append(ConditionalFormat((0, 0), (2, 0), "2_color_scale", points=heat_scale(
        np.array([1.0, 5.0]), "lower", 0.0)))
    path = write_workbook(WorkbookSpec([sheet]), tmp_path / "scale.xlsx")
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert xml.count("<colorScale>") == 2
    assert '<cfvo type="num" val="0.0"/>' in xml and '<cfvo type="min"' in xml
    assert GOOD.lstrip("#") in xml and BAD.lstrip("#") in xml
    bad = Sheet("Grid", cells=dict(sheet.cells),
                conditional_formats=[ConditionalFormat((0, 0), (2, 0), "2_color_scale",
                                                       points=(ScalePoint("min", GOOD),))])
    with pytest.raises(ValueError, match="needs 2 points"):
        write_workbook(WorkbookSpec([bad]), tmp_path / "bad.xlsx")
