"""Class 2: no formula from text, anywhere. Every free text the project writes (cells, chart
titles, series names, axis titles, comments, document properties, headers) is literal text:
the generated xlsx XML has no ``<f>`` / ``<c:f>`` element and no defined name built from it.
Two tests: random labels through the writer (every sink of the spec), and hostile labels in
every label of a scenario through the whole ``run`` (every sink the layout uses).
"""
from __future__ import annotations

import json
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from relhelp import run_main
from finmodel.workbook.spec import Cell, Chart, ChartSeries, DefinedName, Sheet, WorkbookSpec
from finmodel.workbook.writer import write_workbook

MARK = "ZQX"  # in every hostile label: found in an <f> means text became a formula
HOSTILE = [f"='\\\\srv\\share\\[{MARK}.xlsx]S'!$A$1", f"={MARK}!$A$1", f"{MARK}!A1",
           f"=HYPERLINK(\"http://{MARK}.invalid\",\"x\")", f"+{MARK}()", f"-{MARK}+1", f"@{MARK}",
           f"={MARK}", f"'{MARK}'!$B$2:$B$9", f"=[1]{MARK}!A1", f"&Z&F{MARK}", f"{{={MARK}}}"]
LABELS = st.one_of(st.sampled_from(HOSTILE),
                   st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20)
                   .map(lambda t: f"={t}{MARK}" if len(t) % 2 else f"{MARK}!{t}"))
_FORMULA = re.compile(r"<(?:c:)?f(?:\s[^>]*)?>(.*?)</(?:c:)?f>", re.S)
_NAMES = re.compile(r"<definedName\s(?![^>]*_xlnm\.)[^>]*>(.*?)</definedName>", re.S)  # not print areas


def _formulas(path) -> list[tuple[str, str]]:
    """(part, text) of every formula and defined name in the workbook's XML."""
    out = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith(".xml") or name.endswith(".vml"):
                xml = z.read(name).decode("utf-8")
                out += [(name, f) for f in _FORMULA.findall(xml) + _NAMES.findall(xml)]
    return out


def _all_text(path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(labels=st.lists(LABELS, min_size=8, max_size=8))
def test_random_labels_in_every_sink_of_the_writer_stay_text(tmp_path, labels):
    cell, comment, title, series, x_title, y_title, book_title, subject = labels
    sheet = Sheet("Data")
    for r in range(3):
        sheet.put(r, 0, Cell(2025 + r))
        sheet.put(r, 1, Cell(float(r)))
    sheet.put(4, 0, Cell(cell, comment=comment))
    sheet.put(5, 0, Cell(3.0, formula="=SUM(Data!$B$1:$B$3)"))
    sheet.charts.append(Chart("line", title, (ChartSeries(series, "=Data!$A$1:$A$3", "=Data!$B$1:$B$3"),),
                              (7, 0), y_title=y_title, x_title=x_title))
    spec = WorkbookSpec([sheet], [DefinedName("total", "=Data!$A$6")], title=book_title,
                        subject=subject, comments=cell)
    book = write_workbook(spec, tmp_path / "t.xlsx")
    formulas = _formulas(book)
    assert sorted(f for _, f in formulas) == sorted(
        ["Data!$A$1:$A$3", "Data!$B$1:$B$3", "SUM(Data!$B$1:$B$3)", "Data!$A$6"]), formulas
    assert MARK in _all_text(book)  # the labels were written, as text


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, golden):
    """The mini scenario with a hostile label in every label, description and title."""
    from relhelp import make_project
    root = tmp_path_factory.mktemp("sinks")
    project = make_project(root, golden)
    text = project.text("base.yaml")
    labels = iter(HOSTILE * 4)

    def sub(m):
        return f"{m.group(1)}{json.dumps(next(labels))}"
    text = re.sub(r"(\blabel: )([^,}\n]+)", sub, text)
    text = re.sub(r"(\btitle: )(\"[^\"]*\")", sub, text)
    text = re.sub(r"(^description: )(.*)$", sub, text, flags=re.M)
    project.write("base.yaml", text)
    deals = project.text("deals.csv").replace(",ChipCo,Accelerators,",
                                              f",\"{HOSTILE[0].replace(chr(34), chr(34) * 2)}\",\"{HOSTILE[3].replace(chr(34), chr(34) * 2)}\",")
    project.write("deals.csv", deals)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        res = run_main("run", "-q")
        assert res.code in (0, 1), res.err
        tornado_spec = project.assumptions / "sensitivity.yaml"
        tornado_spec.write_text(
            "outputs: [npv_usd_bn]\ninputs:\n  rate:\n    path: valuation.discount_rate\n"
            f"    label: {json.dumps(HOSTILE[0])}\n    low: 0.09\n    high: 0.15\n"
            "    distribution: {dist: uniform, low: 0.09, high: 0.15}\n    source: \"Test.\"\n")
        assert run_main("sensitivity", "tornado", "-q").code in (0, 1)
        assert run_main("montecarlo", "--draws", "20", "--seed", "1", "-q").code in (0, 1)
    return project


@pytest.mark.parametrize("book", ["base.xlsx", "base-tornado.xlsx", "base-montecarlo.xlsx"])
def test_hostile_scenario_labels_never_become_formulas(hostile_run, book):
    path = hostile_run.outputs / book
    bad = [(part, f) for part, f in _formulas(path) if MARK in f]
    assert not bad, bad[:5]
    assert MARK in _all_text(path)
