"""Tests for finmodel.assumptions.csvio: rows with file lines, field numbers, strict numbers.

In CSV problems the column is the field number (the k-th comma-separated field); expected lines
and fields are computed from the text each test writes.
"""
from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finmodel.assumptions.csvio import LocatedTable, parse_csv, read_csv
from finmodel.assumptions.textfile import MAX_FILE_BYTES
from finmodel.errors import AssumptionError, InputMissingError, Problem

F = "commitments.csv"
REQUIRED = ["id", "partner", "capex_usd_bn"]
OPTIONAL = ["notes"]


def line_of(text: str, needle: str) -> int:
    """1-based line of the first ``needle`` in ``text``."""
    return text.count("\n", 0, text.index(needle)) + 1


def write(tmp_path: Path, text: str | bytes, name: str = F) -> Path:
    """Write ``text`` (UTF-8 if str) to ``tmp_path / name``."""
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def error_of(text: str | bytes) -> AssumptionError:
    """The AssumptionError parsing ``text`` must raise."""
    with pytest.raises(AssumptionError) as info:
        parse_csv(text, REQUIRED, OPTIONAL, F)
    return info.value


def assert_at(err: AssumptionError, line: int, col: int | None, *words: str) -> Problem:
    """Assert one problem is at ``line``/``col`` and contains every word; return it."""
    found = [p for p in err.problems if (p.line, p.col) == (line, col)]
    assert found, f"no problem at {line}:{col}: {err}"
    text = str(found[0])
    prefix = f"{F}:{line}:{col}: " if col is not None else f"{F}:{line}: "
    assert text.startswith(prefix), text
    for word in words:
        assert word in text, text
    return found[0]


GOOD = """\
# commitments announced in 2025
id,partner,capex_usd_bn,notes

# first block
d1,"Oracle, Inc.",300,"five-year deal"
d2, Nvidia ,100.5,"line one
line two"
d3,AMD,12%,
d4,Broadcom,"1,5",
"""


def good_table() -> LocatedTable:
    return parse_csv(GOOD, REQUIRED, OPTIONAL, F)


# --- valid input ------------------------------------------------------------------------------

def test_rows_columns_and_quoted_commas():
    table = good_table()
    assert table.columns == ["id", "partner", "capex_usd_bn", "notes"]
    assert [row["id"] for row in table.rows] == ["d1", "d2", "d3", "d4"]
    assert table.rows[0]["partner"] == "Oracle, Inc."
    assert table.rows[1]["partner"] == "Nvidia"  # surrounding spaces removed
    assert table.rows[1]["notes"] == "line one\nline two"


def test_lines_skip_comments_and_blanks_but_keep_numbering():
    table = good_table()
    assert table.header_line == line_of(GOOD, "id,partner")
    assert table.lines == [line_of(GOOD, "d1"), line_of(GOOD, "d2"), line_of(GOOD, "d3"),
                           line_of(GOOD, "d4")]


def test_where_gives_line_and_field_number():
    table = good_table()
    assert table.col_index == {"id": 0, "partner": 1, "capex_usd_bn": 2, "notes": 3}
    assert table.where(2, "capex_usd_bn") == (line_of(GOOD, "d3"), 3)


def test_bom_and_crlf_are_accepted(tmp_path: Path):
    path = write(tmp_path, b"\xef\xbb\xbfid,partner,capex_usd_bn\r\nd1,x,1\r\n")
    table = read_csv(path, REQUIRED)
    assert table.columns == REQUIRED and table.lines == [2]


def test_optional_column_may_be_absent():
    table = parse_csv("id,partner,capex_usd_bn\nd1,x,1\n", REQUIRED, OPTIONAL, F)
    assert "notes" not in table.col_index
    assert table.where(0, "notes") == (2, None)
    assert table.number(0, "notes", default=0.0) == 0.0
    assert isinstance(table.number(0, "notes"), Problem)


def test_header_only_gives_an_empty_table():
    table = parse_csv("id,partner,capex_usd_bn\n", REQUIRED, (), F)
    assert table.rows == [] and table.lines == []


# --- number() ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("300", 300.0), (" -0.25 ", -0.25), ("1e3", 1000.0), (".5", 0.5), ("+2.", 2.0),
])
def test_number_parses_plain_decimals(text: str, value: float):
    table = parse_csv(f"id,partner,capex_usd_bn\nd1,x,\"{text}\"\n", REQUIRED, (), F)
    assert table.number(0, "capex_usd_bn") == value


def test_number_rejects_decimal_comma_with_hint():
    table = good_table()
    problem = table.number(3, "capex_usd_bn")
    assert isinstance(problem, Problem)
    assert str(problem).startswith(f"{F}:{line_of(GOOD, 'd4')}:3: capex_usd_bn: ")
    assert "use a decimal point" in problem.message


def test_number_rejects_percentages_with_hint():
    problem = good_table().number(2, "capex_usd_bn")
    assert isinstance(problem, Problem)
    assert (problem.line, problem.col) == (line_of(GOOD, "d3"), 3)
    assert "write percentages as fractions, e.g. 0.12" in problem.message


@pytest.mark.parametrize("text, words", [
    ("", "missing value"), ("nan", "finite"), ("-inf", "finite"), ("Infinity", "finite"),
    ("1e999", "too large"), ("$5", "expected a number"), ("1_000", "expected a number"),
    ("five", "expected a number"),
])
def test_number_rejects_non_numbers(text: str, words: str):
    table = parse_csv(f"id,partner,capex_usd_bn\nd1,x,{text}\n", REQUIRED, (), F)
    problem = table.number(0, "capex_usd_bn")
    assert isinstance(problem, Problem) and words in problem.message
    assert (problem.line, problem.col) == (2, 3)


def test_number_lets_the_caller_collect_every_problem():
    table = good_table()
    results = [table.number(i, "capex_usd_bn") for i in range(len(table.rows))]
    problems = [r for r in results if isinstance(r, Problem)]
    assert results[:2] == [300.0, 100.5]
    assert [p.line for p in problems] == [line_of(GOOD, "d3"), line_of(GOOD, "d4")]
    # number() leaves the table unchanged
    assert table.rows[2]["capex_usd_bn"] == "12%"


# --- one located error per bad input ----------------------------------------------------------

def test_unknown_column_suggests_the_closest_name():
    text = "id,partnr,capex_usd_bn,colour\n"
    err = error_of(text)
    assert_at(err, 1, 2, "unknown column 'partnr'", "did you mean 'partner'?")
    assert_at(err, 1, 4, "unknown column 'colour'")


def test_missing_required_columns_are_listed():
    err = error_of("# header below\nid,notes\n")
    assert_at(err, 2, 1, "missing required column(s) 'partner', 'capex_usd_bn'")


def test_duplicate_column_names_both_fields():
    err = error_of("id,partner,capex_usd_bn,id\n")
    assert_at(err, 1, 4, "duplicate column 'id' (first at field 1)")


def test_empty_column_name_from_trailing_comma():
    assert_at(error_of("id,partner,capex_usd_bn,\n"), 1, 4, "no name")


def test_rows_with_wrong_field_count_are_reported_with_their_lines():
    text = "id,partner,capex_usd_bn\n# note\nd1,x\nd2,y,1,2,3\nd3,z,1\n"
    err = error_of(text)
    assert_at(err, line_of(text, "d1"), None, "row has 2 fields but the header has 3 columns")
    assert_at(err, line_of(text, "d2"), 4, "row has 5 fields")
    assert len(err.problems) == 2


def test_decimal_comma_splitting_a_row_gets_a_hint():
    text = "id,partner,capex_usd_bn\nd1,x,1,5\n"
    assert_at(error_of(text), 2, 4, "decimal comma", "use a decimal point")


def test_semicolon_delimiter_is_detected():
    text = "# exported from Excel\nid;partner;capex_usd_bn\nd1;x;1,5\n"
    err = error_of(text)
    assert_at(err, 2, 1, "this file seems to use ';' as the delimiter; finmodel expects ','")
    assert len(err.problems) == 1


def test_unclosed_quote_is_located_at_its_row():
    text = 'id,partner,capex_usd_bn\nd1,"Oracle,1\nd2,x,2\n'
    assert_at(error_of(text), 2, None, "never closed")


def test_stray_quote_inside_a_quoted_field():
    text = 'id,partner,capex_usd_bn\nd1,"Ora"cle,1\n'
    assert_at(error_of(text), 2, None, "badly quoted field")


@pytest.mark.parametrize("text", ["", "\n\n", "# just a comment\n"])
def test_empty_file_is_rejected(text: str):
    assert_at(error_of(text), 1, 1, "file is empty", "id, partner, capex_usd_bn")


def test_invalid_utf8_gives_byte_offset():
    data = b"id,partner,capex_usd_bn\nd1,Soci\xe9t\xe9,1\n"
    offset = data.index(b"\xe9")
    err = error_of(data)
    assert f"not valid UTF-8 at byte offset {offset}" in str(err)
    assert (err.problems[0].line, err.problems[0].col) == (2, len("d1,Soci") + 1)


def test_control_character_is_rejected_with_position():
    text = "id,partner,capex_usd_bn\nd1,x\x0b,1\n"
    character = text.split("\n")[1].index("\x0b") + 1
    assert_at(error_of(text), 2, None, "U+000B", f"character {character} of the line")


def test_every_structural_problem_at_once():
    err = error_of("id,partnr\nd1\n")
    assert len(err.problems) == 3  # unknown column, missing columns, short row


# --- files ------------------------------------------------------------------------------------

def test_file_over_the_size_cap_is_rejected_before_reading(tmp_path: Path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(AssumptionError, match="too large"):
            read_csv(path, REQUIRED)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MAX_FILE_BYTES


def test_missing_file_is_input_missing(tmp_path: Path):
    with pytest.raises(InputMissingError) as info:
        read_csv(tmp_path / "nope.csv", REQUIRED)
    assert info.value.exit_code == 66


def test_read_csv_reports_the_path_as_given(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "id,partner\n", "deals.csv")
    with pytest.raises(AssumptionError) as info:
        read_csv("deals.csv", REQUIRED)
    assert str(info.value.problems[0]).startswith("deals.csv:1:1: ")


# --- fuzzing ----------------------------------------------------------------------------------

CSVISH = st.lists(st.sampled_from(
    list(',;"#\n\r \t%x1.') + ["id", "partner", "capex_usd_bn", "\ufeff", "\x00", "é"]),
    max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=80), st.binary(max_size=80), CSVISH))
def test_parse_csv_returns_or_raises_assumption_error_only(text):
    try:
        table = parse_csv(text, ["id"], ["partner", "capex_usd_bn"], F)
    except AssumptionError as err:
        assert err.problems
    else:
        for i in range(len(table.rows)):
            for column in table.columns:
                assert isinstance(table.number(i, column), (float, Problem))
