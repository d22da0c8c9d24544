"""Tests for finmodel.assumptions.yamlio: plain data, locations, one located error per bad input.

Expected positions are computed from the text each test writes (``pos``), never typed by hand.
"""
from __future__ import annotations

import math
import os
import sys
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finmodel.assumptions.yamlio import (
    MAX_DEPTH, MAX_FILE_BYTES, Located, format_path, parse_yaml, read_yaml,
)
from finmodel.errors import AssumptionError, InputMissingError, Problem

F = "a.yaml"


def pos(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based (line, col) of the ``occurrence``-th ``needle`` in ``text``."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def error_of(text: str | bytes) -> AssumptionError:
    """The AssumptionError that parsing ``text`` must raise."""
    with pytest.raises(AssumptionError) as info:
        parse_yaml(text, F)
    return info.value


def assert_at(err: AssumptionError, where: tuple[int, int], *words: str) -> Problem:
    """Assert one problem is at ``where`` and its text contains every word; return it."""
    located = [p for p in err.problems if (p.line, p.col) == where]
    assert located, f"no problem at {where}: {err}"
    text = str(located[0])
    assert text.startswith(f"{F}:{where[0]}:{where[1]}: "), text
    for word in words:
        assert word in text, text
    return located[0]


def plain_types_only(value) -> bool:
    """True if ``value`` holds only builtin dict/list/str/int/float/bool/None."""
    if isinstance(value, dict):
        return type(value) is dict and all(
            type(k) in (str, int) and plain_types_only(v) for k, v in value.items())
    if isinstance(value, list):
        return type(value) is list and all(plain_types_only(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


# --- valid input ------------------------------------------------------------------------------

VALID = """\
# programme assumptions
name: Stargate
as_of: 2025-10-28
capacity:
  target_gw: 30
  growth: {2025: 0.2, 2031: 0.0}
deals:
  - id: d1
    capex_usd_bn: 1.5
  - id: d2
    capex_usd_bn: 300
flags: [yes, no, on, true, false, ~]
big: 123456789012345678901234567890
odd: [.nan, -.inf, 0x10, 1e3]
"""


def test_valid_file_gives_plain_python_types():
    data = parse_yaml(VALID, F).data
    assert plain_types_only(data)
    assert data["capacity"]["target_gw"] == 30
    assert data["deals"][1] == {"id": "d2", "capex_usd_bn": 300}


def test_integer_year_keys_stay_ints():
    growth = parse_yaml(VALID, F).data["capacity"]["growth"]
    assert growth == {2025: 0.2, 2031: 0.0}
    assert all(type(key) is int for key in growth)


def test_dates_stay_strings():
    assert parse_yaml(VALID, F).data["as_of"] == "2025-10-28"


def test_yaml_12_booleans_and_strings():
    assert parse_yaml(VALID, F).data["flags"] == ["yes", "no", "on", True, False, None]


def test_large_integers_and_special_floats_pass_through():
    data = parse_yaml(VALID, F).data
    assert data["big"] == 123456789012345678901234567890
    nan, minus_inf, hexa, sci = data["odd"]
    assert math.isnan(nan) and minus_inf == -math.inf and hexa == 16 and sci == 1000.0


def test_quoted_and_explicitly_tagged_scalars_are_strings():
    data = parse_yaml("a: '2030'\nb: !!str 12\nc: ! true\nd: !!float 3\n", F).data
    assert data == {"a": "2030", "b": "12", "c": "true", "d": 3.0}


def test_locations_of_nested_keys_and_values():
    located = parse_yaml(VALID, F)
    assert located.locations[()] == (1, 1)
    assert located.locations[("capacity", "target_gw")] == pos(VALID, "target_gw")
    assert located.value_locations[("capacity", "target_gw")] == pos(VALID, "30")
    assert located.locations[("capacity", "growth", 2031)] == pos(VALID, "2031")
    assert located.value_locations[("capacity", "growth", 2031)] == pos(VALID, "0.0")


def test_locations_of_list_items():
    located = parse_yaml(VALID, F)
    assert located.locations[("deals", 1)] == pos(VALID, "id: d2")
    assert located.locations[("deals", 1, "capex_usd_bn")] == pos(VALID, "capex_usd_bn", 2)
    assert located.value_locations[("deals", 1, "capex_usd_bn")] == pos(VALID, "300")
    assert located.locations[("flags", 2)] == pos(VALID, "on,")


def test_where_prefers_value_and_falls_back_to_longest_prefix():
    located = parse_yaml(VALID, F)
    assert located.where(("deals", 0, "capex_usd_bn")) == pos(VALID, "1.5")
    assert located.where(("deals", 0, "no_such_field")) == pos(VALID, "id: d1")
    assert located.where(("capacity", "growth", "2031")) == pos(VALID, "0.0")  # str finds int
    assert located.where(("nothing", "here")) == (1, 1)


def test_problem_helper_locates_and_names_the_field():
    located = parse_yaml(VALID, F)
    problem = located.problem(("deals", 1, "capex_usd_bn"), "too large")
    line, col = pos(VALID, "300")
    assert str(problem) == f"{F}:{line}:{col}: deals[1].capex_usd_bn: too large"
    assert format_path(("a", 2, "b")) == "a[2].b"
    growth = located.problem(("capacity", "growth", 2031), "negative")
    assert growth.path == "capacity.growth.2031"


def test_empty_value_is_located_at_its_key():
    text = "a: 1\nmissing:\nc: 2\n"
    located = parse_yaml(text, F)
    assert located.data["missing"] is None
    assert located.where(("missing",)) == pos(text, "missing")


def test_bom_file_parses_with_columns_unchanged(tmp_path: Path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfname: x\nrate: 0.25\n")
    located = read_yaml(path)
    assert located.data == {"name": "x", "rate": 0.25}
    assert located.locations[("name",)] == (1, 1)
    assert located.value_locations[("rate",)] == (2, 7)


def test_crlf_line_endings_keep_line_numbers():
    located = parse_yaml(b"a: 1\r\nb:\r\n  c: 2\r\n", F)
    assert located.data == {"a": 1, "b": {"c": 2}}
    assert located.locations[("b", "c")] == (3, 3)


def test_read_yaml_keeps_the_path_as_given(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("rel.yaml").write_text("a: [1\n", encoding="utf-8")
    with pytest.raises(AssumptionError) as info:
        read_yaml("rel.yaml")
    assert info.value.problems[0].file == "rel.yaml"


# --- one located error per bad input ----------------------------------------------------------

def test_syntax_error_has_parser_position_and_friendly_message():
    text = "name: x\nnote: costs: high\n"
    err = error_of(text)
    assert_at(err, pos(text, ": high"), "unexpected ':'", "quote")


def test_unclosed_quote_points_at_the_opening_quote():
    text = "a: 1\nname: 'Stargate\nb: 2\n"
    assert_at(error_of(text), pos(text, "'Stargate"), "never closed")


def test_bad_indentation_is_a_located_syntax_error():
    text = "a:\n  b: 1\n c: 2\n"
    assert_at(error_of(text), pos(text, "c: 2"), "indentation")


def test_tab_indentation_is_rejected_on_every_line():
    text = "a:\n\tb: 1\nc:\n  \td: 2\n"
    err = error_of(text)
    first = (2, 1)
    second = pos(text, "\td")
    for where in (first, second):
        assert_at(err, where, "tabs are not allowed for indentation; use spaces")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n  # another\n", "---\n"])
def test_empty_or_comment_only_file(text: str):
    err = error_of(text)
    assert "file is empty" in str(err)
    assert err.problems[0].line == 1


def test_top_level_list_is_rejected():
    text = "# header\n- a\n- b\n"
    assert_at(error_of(text), pos(text, "- a"),
              "expected a mapping of settings at the top level", "got a list")


def test_top_level_scalar_is_rejected():
    text = "just text\n"
    assert_at(error_of(text), (1, 1), "expected a mapping of settings", "got a string")


def test_duplicate_keys_name_both_lines():
    text = "rate: 0.1\nname: x\nrate: 0.2\n"
    first, second = pos(text, "rate", 1), pos(text, "rate", 2)
    problem = assert_at(error_of(text), second,
                        f"duplicate key 'rate' (first defined at line {first[0]})")
    assert str(problem).startswith(f"{F}:{second[0]}:")


def test_nested_duplicate_and_int_string_clash_are_both_reported():
    text = "growth:\n  2030: 0.1\n  '2030': 0.2\ncapex:\n  a: 1\n  a: 2\n"
    err = error_of(text)
    assert len(err.problems) == 2
    assert_at(err, pos(text, "'2030'"), "duplicate key '2030'", f"line {pos(text, '2030')[0]}")
    assert_at(err, pos(text, "a: 2"), "capex.a", f"first defined at line {pos(text, 'a: 1')[0]}")


def test_invalid_utf8_gives_byte_offset_and_position():
    data = "name: ok\nnote: caf".encode() + b"\xe9 au lait\n"
    offset = data.index(b"\xe9")
    assert_at(error_of(data), (2, len("note: caf") + 1),
              f"not valid UTF-8 at byte offset {offset}", "save the file as UTF-8")


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u2028"])
def test_control_characters_are_rejected_with_position(char: str):
    text = f"a: 1\nname: ab{char}c\n"
    assert_at(error_of(text), pos(text, char), f"U+{ord(char):04X}", "not allowed")


def test_several_documents_are_rejected():
    text = "a: 1\n---\nb: 2\n"
    assert_at(error_of(text), pos(text, "---"), "several YAML documents")


def test_several_documents_still_report_the_first_documents_problems():
    text = "a: 1\na: 2\n---\nb: 2\n"
    err = error_of(text)
    assert_at(err, pos(text, "a: 2"), "duplicate key 'a'")
    assert_at(err, pos(text, "---"), "several YAML documents")


def test_yaml_11_directive_does_not_change_how_scalars_are_read():
    data = parse_yaml("%YAML 1.1\n---\nflag: yes\nbits: 0b11\nsize: 1_000\n", F).data
    assert data == {"flag": "yes", "bits": "0b11", "size": "1_000"}


def test_anchors_and_aliases_are_rejected():
    text = "base: &b 0.1\nrate: *b\n"
    err = error_of(text)
    assert_at(err, pos(text, "&b"), "anchors (&b) are not allowed")
    assert_at(err, pos(text, "*b"), "aliases (*b) are not allowed")


def test_billion_laughs_is_rejected_without_expanding():
    # 40 levels of 9 aliases would expand to 9**40 strings: finishing at all proves that
    # nothing is expanded, and the memory peak stays that of the (small) text.
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 40):
        lines.append(f"l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * 9) + "]")
    text = "\n".join(lines) + "\n"
    tracemalloc.start()
    try:
        err = error_of(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20
    assert_at(err, pos(text, "*l0"), "aliases (*l0) are not allowed")


def test_python_object_tag_is_rejected_and_never_executed(tmp_path: Path):
    marker = tmp_path / "pwned"
    text = f'cmd: !!python/object/apply:os.system ["touch {marker}"]\n'
    path = tmp_path / "evil.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AssumptionError) as info:
        read_yaml(path)
    assert str(pos(text, "!!python")[1]) in str(info.value.problems[0].col)
    assert "tag '!!python/object/apply:os.system' is not allowed" in str(info.value)
    assert not marker.exists()


@pytest.mark.parametrize("tag", ["!foo", "!!binary", "!!timestamp", "!!set",
                                 "!<tag:example.com,2000:x>"])
def test_non_standard_tags_are_rejected(tag: str):
    text = f"a: 1\nb: {tag} x\n"
    assert_at(error_of(text), pos(text, tag), "is not allowed")


def test_collection_tag_of_the_other_kind_is_rejected():
    text = "a: !!map [1, 2]\nb: !!seq {c: 1}\nd: !!seq [1]\n"
    err = error_of(text)
    assert len(err.problems) == 2
    assert_at(err, pos(text, "!!map"), "tag '!!map' is not allowed")
    assert_at(err, pos(text, "!!seq {"), "tag '!!seq' is not allowed")


def test_undefined_alias_and_alias_as_key_are_located():
    text = "a: *nowhere\n*b : 1\n"
    err = error_of(text)
    assert_at(err, pos(text, "*nowhere"), "aliases (*nowhere) are not allowed")
    assert_at(err, pos(text, "*b"), "aliases (*b) are not allowed")


def test_value_not_matching_its_standard_tag_is_rejected():
    text = "years: !!int ten\n"
    assert_at(error_of(text), pos(text, "!!int"), "not a valid int")


def test_nesting_of_fifty_levels_is_accepted():
    text = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    assert parse_yaml(text, F).data["a"] is not None


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_absurd_nesting_is_rejected(depth: int):
    text = "a: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"
    assert_at(error_of(text), (1, 3 + MAX_DEPTH), f"deeper than {MAX_DEPTH} levels")


@pytest.mark.parametrize("key, why", [
    ("~", "null key"), ("null", "null key"), ("1.5", "fraction"), ("true", "boolean"),
])
def test_scalar_keys_that_are_not_names_or_years_are_rejected(key: str, why: str):
    text = f"name: x\n{key}: 1\n"
    assert_at(error_of(text), pos(text, f"{key}:"), why)


def test_list_and_mapping_keys_are_rejected():
    text = "? [a, b]\n: 1\n? {c: d}\n: 2\n"
    err = error_of(text)
    assert_at(err, pos(text, "[a"), "a list cannot be used as a key")
    assert_at(err, pos(text, "{c"), "a mapping cannot be used as a key")


def test_every_problem_is_reported_at_once():
    text = "a: 1\na: 2\nb: !foo x\nc: &x 1\nd: *x\n"
    assert len(error_of(text).problems) == 4


# --- files ------------------------------------------------------------------------------------

def test_file_over_the_size_cap_is_rejected_before_reading(tmp_path: Path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: no disk blocks, nothing to read
    tracemalloc.start()
    try:
        with pytest.raises(AssumptionError) as info:
            read_yaml(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MAX_FILE_BYTES  # the 100 MB were never read
    assert "too large" in str(info.value) and "5 MB" in str(info.value)


def test_missing_file_is_input_missing(tmp_path: Path):
    with pytest.raises(InputMissingError) as info:
        read_yaml(tmp_path / "nope.yaml")
    assert info.value.exit_code == 66 and "file not found" in str(info.value)


def test_directory_is_input_missing(tmp_path: Path):
    with pytest.raises(InputMissingError, match="is a directory"):
        read_yaml(tmp_path)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0,
                    reason="root and Windows ignore file permissions")
def test_unreadable_file_is_input_missing(tmp_path: Path):
    path = tmp_path / "secret.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    path.chmod(0)
    try:
        with pytest.raises(InputMissingError, match="permission denied"):
            read_yaml(path)
    finally:
        path.chmod(0o600)


def test_permission_error_while_reading_is_input_missing(tmp_path: Path, monkeypatch):
    import finmodel.assumptions.textfile as textfile  # reads the bytes for yamlio

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    path = tmp_path / "locked.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    monkeypatch.setattr(textfile, "open", refuse, raising=False)
    with pytest.raises(InputMissingError, match="permission denied"):
        read_yaml(path)


def test_located_is_frozen():
    located = parse_yaml("a: 1\n", F)
    assert isinstance(located, Located)
    with pytest.raises(AttributeError):
        located.data = {}  # type: ignore[misc]


# --- fuzzing: never anything but AssumptionError ----------------------------------------------

YAMLISH = st.lists(st.sampled_from(
    list("ab: -?[]{},#&*!|>'\"%@`\t\n\r ~01.xe\\") + ["\ufeff", "\x00", "---", "...", "é",
                                                     "!!python/object", "2030", "  "]),
    max_size=40).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=80), st.binary(max_size=80), YAMLISH))
def test_parse_yaml_returns_or_raises_assumption_error_only(text):
    try:
        located = parse_yaml(text, F)
    except AssumptionError as err:
        assert err.problems and all(isinstance(p, Problem) for p in err.problems)
    else:
        assert isinstance(located.data, dict) and plain_types_only(located.data)

