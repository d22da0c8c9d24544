"""The layout is pure: a WorkbookSpec from a result, with formulas that reference Inputs."""
from __future__ import annotations

import re

from finmodel.workbook.formats import number_format
from finmodel.workbook.layout import MAX_KEY_YEARS, key_years, layout_workbook


def test_key_years_include_the_ends_and_the_peak_funding_year_has_a_live_column(base_run):
    r = base_run.result
    years = key_years(r.timeline)
    assert years[0] == r.timeline.first_year and years[-1] == r.timeline.last_year
    assert len(years) <= MAX_KEY_YEARS and years == sorted(set(years))
    summary = layout_workbook(r, base_run.assumptions).sheet("Summary")
    peak = [c for c in summary.cells.values() if c.formula and "peak" not in c.formula
            and isinstance(c.value, (int, float)) and c.value == r.metrics["peak_funding_year"].value[0]]
    assert peak, "the peak funding year column header is a formula"


def test_every_metric_and_check_of_the_catalogue_is_on_the_sheets(base_run):
    spec = layout_workbook(base_run.result, base_run.assumptions)
    valuation = {c.value for c in spec.sheet("Valuation").cells.values() if isinstance(c.value, str)}
    checks = {c.value for c in spec.sheet("Checks").cells.values() if isinstance(c.value, str)}
    for md in base_run.result.catalogue.metrics.values():
        assert md.label in valuation
    for chk in base_run.result.catalogue.checks.values():
        assert chk.label in checks


def test_calibration_rows_are_formulas_of_the_model(base_run):
    spec = layout_workbook(base_run.result, base_run.assumptions)
    sheet = spec.sheet("Calibration")
    model_cells = [c for (r, col), c in sheet.cells.items() if col == 2 and c.formula]
    assert len(model_cells) == len(base_run.result.anchors)
    assert all(re.search(r"[A-Z]+\$?\d", c.formula) for c in model_cells)


def test_number_formats_come_from_units():
    assert number_format("fraction") == "0.0%"
    assert number_format("US$ bn", "input") != number_format("US$ bn")
    assert number_format("no such unit") == number_format("US$ bn")
