"""Free text is data, never code: formula-looking text is written as text (xlsx) or
``'``-prefixed (CSV); invisible bidi controls and look-alike letters in identifiers are
rejected at load with a located message.
"""
from __future__ import annotations

import csv
import re
import zipfile

import openpyxl
import pytest

from relhelp import (
    assert_fails, csv_pos, make_project, pos, run_main,
)

Y = "assumptions/base.yaml"
C = "assumptions/deals.csv"

PAYLOADS = {
    "partner": '=HYPERLINK("http://example.invalid","click")',
    "deal": "+Neocloud",
    "source": "-2+3",
    "source_url": "@SUM(A1:A9)",
    "note": "#N/A",
}
TITLE = "=cmd|' /C calc'!A0"  # DDE payload as a source title in the YAML


@pytest.fixture(scope="module")
def injected(tmp_path_factory, golden):
    """The mini scenario with formula-looking free text everywhere, run with --csv."""
    root = tmp_path_factory.mktemp("inject")
    project = make_project(root, golden)
    row = ("cloud-b,{partner},{deal},cloud,0.5,20,contract,2025,4,front,,true,reported,,estimate,"
           "\"{source}\",{source_url},2026-01-01,{note}").format(**{
               k: v.replace('"', '""') if k == "partner" else v for k, v in PAYLOADS.items()})
    row = row.replace(PAYLOADS["partner"].replace('"', '""'), '"' + PAYLOADS["partner"].replace('"', '""') + '"')
    project.edit("deals.csv", "cloud-b,Neo,Neocloud,cloud,0.5,20,contract,2025,4,front,,true,reported,,estimate,"
                 "Test fixture,,2026-01-01,", row)
    project.edit("base.yaml", 'test: {title: "Test fixture"', f'test: {{title: "{TITLE}"')
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        res = run_main("run", "--csv")
    assert res.code in (0, 1), res.err
    return project


def _cells(path):
    book = openpyxl.load_workbook(path)
    return [(ws.title, c) for ws in book for row in ws.iter_rows() for c in row if c.value is not None]


@pytest.mark.parametrize("column", list(PAYLOADS) + ["title"])
def test_formula_looking_text_is_a_text_cell_in_the_workbook(injected, column):
    payload = TITLE if column == "title" else PAYLOADS[column]
    hits = [(s, c) for s, c in _cells(injected.outputs / "base.xlsx")
            if isinstance(c.value, str) and payload in c.value]
    assert hits, f"{payload!r} is not in the workbook"
    for sheet, cell in hits:
        assert cell.data_type == "s", (sheet, cell.coordinate, cell.value)
    if column not in ("partner", "deal"):  # shown inside labels ("partner — deal")
        assert any(c.value == payload for _, c in hits), [c.value for _, c in hits]


def test_formula_looking_text_is_quote_prefixed_in_csv(injected):
    seen = set()
    for name in ("base.csv", "base-metrics.csv"):
        with open(injected.outputs / name, newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for field in row:
                    if field.startswith(("=", "+", "@", "\t", "\r")) or field == "#N/A":
                        pytest.fail(f"{name}: unprefixed formula-looking field {field!r}")
                    if field.startswith("-"):
                        assert re.fullmatch(r"-\d[\d,]*(\.\d+)?([eE][-+]?\d+)?%?", field), (name, field)
                    if field.startswith("'="):
                        seen.add(field[:11])
    assert "'=HYPERLINK" in seen


# --- hidden characters and look-alikes ------------------------------------------------------

def _rejected(project, where, words, code=65):
    before = project.snapshot()
    assert_fails(run_main("run"), code, before, project, where=where, words=words)


def test_bidi_override_in_a_deal_note_is_rejected(mini_project):
    text = mini_project.edit("deals.csv", ",overlaps chip-a", ",overlaps \u202echip-a")
    line, col = csv_pos(text, "dup-x,", "note")
    _rejected(mini_project, f"{C}:{line}:{col}: deals[dup-x].note", ("U+202E", "bidirectional"))


def test_bidi_isolate_in_a_yaml_label_is_rejected(mini_project):
    text = mini_project.edit("base.yaml", "label: Networking,", 'label: "Net\u2067working",')
    line, col = pos(text, '"Net')
    _rejected(mini_project, f"{Y}:{line}:{col}: capex.networking.label", ("U+2067",))


def test_bidi_override_in_a_source_title_is_rejected(mini_project):
    text = mini_project.edit("base.yaml", 'title: "Test fixture"', 'title: "Test \u202efixture"')
    line, col = pos(text, '"Test ')
    _rejected(mini_project, f"{Y}:{line}:{col}: sources.test.title", ("U+202E",))


def test_cyrillic_letter_in_a_deal_id_is_rejected(mini_project):
    text = mini_project.edit("deals.csv", "cloud-b,Neo", "cloud-\u0431,Neo")
    line, col = csv_pos(text, "cloud-\u0431,", "id")
    _rejected(mini_project, f"{C}:{line}:{col}: deals[cloud-\u0431].id", ("should match pattern",))


def test_cyrillic_letter_in_a_segment_id_is_rejected(mini_project):
    text = mini_project.edit("base.yaml", "    ads: {label", "    \u0430ds: {label")
    line, col = pos(text, "\u0430ds:")
    _rejected(mini_project, f"{Y}:{line}:{col}: revenue.segments.\u0430ds",
              ("segment ids", "U+0430 CYRILLIC SMALL LETTER A, not an ASCII letter"))


def test_bidi_control_in_a_segment_id_is_rejected_and_shown_escaped(mini_project):
    text = mini_project.edit("base.yaml", "    ads: {label", "    ads\u202e: {label")
    line, col = pos(text, "ads\u202e:")
    before = mini_project.snapshot()
    res = run_main("run")
    assert_fails(res, 65, before, mini_project, where=f"{Y}:{line}:{col}: revenue.segments.ads\\u202e",
                 words=("segment ids", "U+202E"))
    assert "\u202e" not in res.err  # never printed raw: it would reorder the terminal line


def test_cyrillic_letter_in_a_source_id_is_rejected(mini_project):
    text = mini_project.edit("base.yaml", "  test: {title", "  t\u0435st: {title")
    mini_project.edit("base.yaml", "source: test}", "source: t\u0435st}")
    line, col = pos(text, "t\u0435st:")
    _rejected(mini_project, f"{Y}:{line}:{col}: sources.t\u0435st", ("source ids", "U+0435"))


def test_non_ascii_free_text_is_kept(mini_project):
    mini_project.edit("deals.csv", ",overlaps chip-a", ",\u00e9tude \u2014 \u20ac5bn \u4e2d\u6587")
    res = run_main("run", "-q")
    assert res.code == 0, res.err
    values = [c.value for _, c in _cells(mini_project.outputs / "base.xlsx")]
    assert "\u00e9tude \u2014 \u20ac5bn \u4e2d\u6587" in values


def test_look_alike_sensitivity_input_name_is_rejected(shipped_project):
    text = shipped_project.edit("sensitivity.yaml", "  discount_rate:\n    path:", "  disc\u043eunt_rate:\n    path:")
    line, col = pos(text, "disc\u043eunt_rate")
    before = shipped_project.snapshot()
    res = run_main("sensitivity", "tornado", "-q")
    assert_fails(res, 65, before, shipped_project,
                 where=f"assumptions/sensitivity.yaml:{line}:{col}: inputs.disc\u043eunt_rate")


# --- chart text: never a reference ---------------------------------------------------------------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from finmodel.workbook.spec import Cell, Chart, ChartSeries, Sheet, WorkbookSpec  # noqa: E402
from finmodel.workbook.writer import write_workbook  # noqa: E402

_OURS = re.compile(r"^(?:'[^']+'|[A-Za-z]+)!\$[A-Z]+\$\d+(?::\$[A-Z]+\$\d+)?$")
_HOSTILE = st.one_of(
    st.sampled_from(["='\\\\server\\share\\[x.xlsx]S'!$A$1", "=Data!$A$1", "=Data!$A$1:$A$3",
                     "=SUM(1,2)", "=", "=[1]Sheet1!A1", "='Data'!$B$2",
                     "Data!$A$1", "Wow!A1 is not a cell", "Capex!B2"]),
    st.text(min_size=1, max_size=30).map(lambda t: "=" + t))


def _chart_formulas(path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [f for name in z.namelist() if name.startswith("xl/charts/")
                for f in re.findall(r"<c:f>(.*?)</c:f>", z.read(name).decode())]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=_HOSTILE, name=_HOSTILE, axis=_HOSTILE)
def test_chart_titles_series_names_and_axis_titles_are_literal_text(tmp_path, title, name, axis):
    """Text that looks like a reference (even one into another workbook) is written as text:
    the only references in the chart XML are the data ranges the layout gave."""
    sheet = Sheet("Data")
    for r in range(3):
        sheet.put(r, 0, Cell(2025 + r))
        sheet.put(r, 1, Cell(float(r)))
    sheet.charts.append(Chart("line", title, (ChartSeries(name, "=Data!$A$1:$A$3", "=Data!$B$1:$B$3"),),
                              (5, 0), y_title=axis, x_title=axis))
    book = write_workbook(WorkbookSpec([sheet]), tmp_path / "c.xlsx")
    formulas = _chart_formulas(book)
    assert sorted(formulas) == ["Data!$A$1:$A$3", "Data!$B$1:$B$3"], formulas
    assert all(_OURS.match(f) and "[" not in f for f in formulas)
