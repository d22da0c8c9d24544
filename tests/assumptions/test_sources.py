"""Sources name their primary document first and carry a reliability grade; bad grades and
grade C sources without a primary are located errors; deals cite the sources block by key."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from finmodel.api import load
from finmodel.assumptions.schema import Grade, Source

from relhelp import assert_fails, csv_pos, pos, run_main

Y = "assumptions/base.yaml"
C = "assumptions/deals.csv"
OLD = 'test: {title: "Test fixture", as_of: "2026-11-25"}'


def _source(extra: str) -> str:
    return ('test: {publisher: "Tester Inc. (Form 8-K)", title: "Test fixture", date: "2026-11-25", '
            + extra + "}")


def _rejected(project, where, words):
    before = project.snapshot()
    assert_fails(run_main("run"), 65, before, project, where=where, words=words)


def test_the_primary_comes_first_and_the_url_is_kept_apart():
    src = Source(publisher="Oracle (Form 8-K)", title="Senior notes", date="2025-09-26", grade="c",
                 url="https://mirror.example/note", primary="Oracle's 8-K of 2025-09-26 on EDGAR")
    assert src.grade is Grade.C
    assert src.cite() == 'Oracle (Form 8-K), "Senior notes" (2025-09-26) [C]'
    assert "mirror.example" not in src.cite()


def test_an_older_source_with_as_of_still_loads():
    src = Source.model_validate({"title": "Old", "as_of": "2025"})
    assert (src.date, src.as_of, src.grade, src.publisher) == ("2025", "2025", None, None)
    with pytest.raises(ValidationError, match="former name"):
        Source.model_validate({"title": "Old", "as_of": "2025", "date": "2025"})


def test_an_unknown_grade_is_a_located_error(mini_project):
    text = mini_project.edit("base.yaml", OLD, _source("grade: D"))
    line, col = pos(text, "D}")
    _rejected(mini_project, f"{Y}:{line}:{col}: sources.test.grade",
              ("unknown grade 'D'", "A = issuer's own document", "C = secondary"))


def test_a_grade_c_source_must_name_its_primary(mini_project):
    text = mini_project.edit("base.yaml", OLD, _source('grade: C, url: "https://mirror.example/x"'))
    line, _ = pos(text, "test: {publisher")
    before = mini_project.snapshot()
    res = run_main("run")
    assert_fails(res, 65, before, mini_project, words=("sources.test.primary", "must name its primary"))
    assert f"{Y}:{line}:" in res.err, res.err


def test_a_grade_c_source_with_its_primary_loads(mini_project):
    mini_project.edit("base.yaml", OLD, _source(
        'grade: C, url: "https://mirror.example/x", primary: "unknown: the page names no report"'))
    src = load(mini_project.assumptions / "base.yaml").scenario.sources["test"]
    assert src.grade is Grade.C and src.primary.startswith("unknown")


def test_a_deal_cites_a_source_key_and_shows_its_citation_and_grade(mini_project):
    mini_project.edit("base.yaml", OLD, _source("grade: A"))
    mini_project.edit("deals.csv", "chip-a,ChipCo,Accelerators,owned,4,180,all_in,2026,4,back,,true,signed,own,"
                      "fact,Test fixture,", "chip-a,ChipCo,Accelerators,owned,4,180,all_in,2026,4,back,,true,"
                      "signed,own,fact,test,")
    a = load(mini_project.assumptions / "base.yaml")
    from finmodel.assumptions.fields import input_fields
    f = next(f for f in input_fields(a.scenario, a.deals) if f.path == "deals.chip-a.capacity_gw")
    assert f.source == 'Tester Inc. (Form 8-K), "Test fixture" (2026-11-25) [A]'
    assert f.grade == "A"


def test_an_unknown_source_key_in_the_deal_table_is_a_located_error(mini_project):
    text = mini_project.edit("deals.csv", "chip-a,ChipCo,Accelerators,owned,4,180,all_in,2026,4,back,,true,"
                             "signed,own,fact,Test fixture,", "chip-a,ChipCo,Accelerators,owned,4,180,all_in,"
                             "2026,4,back,,true,signed,own,fact,tset,")
    line, col = csv_pos(text, "chip-a,", "source")
    _rejected(mini_project, f"{C}:{line}:{col}: deals[chip-a].source",
              ("unknown source 'tset'", "did you mean 'test'"))
