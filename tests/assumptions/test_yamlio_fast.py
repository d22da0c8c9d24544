"""The C-parser fast path of finmodel.assumptions.yamlio against the pure ruamel path.

The pure path (``FINMODEL_PURE_YAML=1``) is the reference: for every text, the fast path must
give the same data and the same positions of every key and value, or the same error
(every message, line and column). The texts are the shipped assumption files, broken copies of
them (one edit each) and generated documents.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finmodel.assumptions import yamlio
from finmodel.assumptions.yamlio import parse_yaml
from finmodel.errors import AssumptionError

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "assumptions").rglob("*.yaml"))
needs_c = pytest.mark.skipif(yamlio._CParser is None, reason="ruamel.yaml.clib not installed")


def outcome(text: str, pure: bool, monkeypatch: pytest.MonkeyPatch):
    """What parse_yaml gives: the Located's tables, or the error's problems as text."""
    with monkeypatch.context() as patch:
        if pure:
            patch.setenv("FINMODEL_PURE_YAML", "1")
        else:
            patch.delenv("FINMODEL_PURE_YAML", raising=False)
        try:
            got = parse_yaml(text, "a.yaml")
        except AssumptionError as error:
            return "error", [str(problem) for problem in error.problems]
        return "data", (got.data, got.locations, got.value_locations)


def test_shipped_files_exist():
    assert len(SHIPPED) >= 7  # base, calibration, sensitivity and the scenarios


@needs_c
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_files_take_the_fast_path_and_equal_the_pure_one(path, monkeypatch):
    text = path.read_text(encoding="utf-8")
    monkeypatch.delenv("FINMODEL_PURE_YAML", raising=False)
    assert yamlio._fast_parse(text, path.name) is not None  # the fast path did read it
    fast, pure = outcome(text, False, monkeypatch), outcome(text, True, monkeypatch)
    assert fast[0] == "data"
    assert fast == pure


def _broken_copies() -> list[tuple[str, str]]:
    """One edit per copy of base.yaml, at lines spread over the file."""
    lines = (ROOT / "assumptions" / "base.yaml").read_text(encoding="utf-8").split("\n")
    content = [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    picks = content[:: max(1, len(content) // 12)]
    edits = {
        "tab indent": lambda line: "\t" + line,
        "extra indent": lambda line: "   " + line,
        "dedent": lambda line: line.lstrip(),
        "stray colon": lambda line: line + ": x",
        "open quote": lambda line: line + ' "x',
        "open bracket": lambda line: line + " [1, 2",
        "alias": lambda line: line.replace(": ", ": *a ", 1),
        "anchor": lambda line: line.replace(": ", ": &a ", 1),
        "tag": lambda line: line.replace(": ", ": !!python/object ", 1),
        "bad int tag": lambda line: line.replace(": ", ": !!int ", 1),
        "duplicate": lambda line: line + "\n" + line,
        "flow junk": lambda line: line + " }",
        "at sign": lambda line: line.replace(": ", ": @", 1),
        "second document": lambda line: line + "\n---\nx: 1",
        "bool key": lambda line: "true: 1\n" + line if not line.startswith(" ") else line,
    }
    copies = []
    for name, edit in edits.items():
        for index in picks:
            changed = list(lines)
            changed[index] = edit(lines[index])
            copies.append((f"{name}@{index + 1}", "\n".join(changed)))
    return copies


BROKEN = _broken_copies()


@needs_c
@pytest.mark.parametrize("text", [text for _, text in BROKEN], ids=[name for name, _ in BROKEN])
def test_edited_copies_give_the_same_data_or_the_same_errors(text, monkeypatch):
    assert outcome(text, False, monkeypatch) == outcome(text, True, monkeypatch)


def test_most_edits_are_errors(monkeypatch):
    """The edited copies exercise the error path (else the test above proves little)."""
    errors = sum(outcome(text, True, monkeypatch)[0] == "error" for _, text in BROKEN)
    assert errors >= len(BROKEN) // 2


@needs_c
@pytest.mark.parametrize("text", [
    "",
    "# only a comment\n",
    "- 1\n- 2\n",
    "just text\n",
    "a: 1\n---\nb: 2\n",
    "a: [1, 2, {b: c}]\nd: {e: 'f', g: \"h\"}\n",
    "a: |\n  block\n  text\nb: >\n  folded\n  text\n",
    "a:\nb: ~\nc: null\n2030: 0.1\n'q': x\n",
    "a: é x\nü: 1\n",
    "a: b\r\nc: d\r\n",
    "a: [" * 60 + "]" * 60 + "\n",
    "a: ! 1\n",
    "? [1]\n: 2\n",
    "a: 1\n  b: 2\n",
    "a:\n  - 1\n   - 2\n",
    "a: 0x1F\nb: 0o17\nc: .inf\nd: -.5e3\ne: 1_000\nf: yes\n",
])
def test_special_texts_give_the_same_data_or_the_same_errors(text, monkeypatch):
    assert outcome(text, False, monkeypatch) == outcome(text, True, monkeypatch)


_names = st.text(alphabet="abcxyz_09 -.:#'\"é", min_size=1, max_size=6)
_scalars = st.one_of(_names, st.integers(-10**6, 10**6).map(str),
                     st.floats(allow_nan=False).map(repr), st.sampled_from(["", "~", "true", "[]", "{}"]))


@needs_c
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["", "- "]), _names, _scalars),
                min_size=1, max_size=12))
def test_generated_documents_give_the_same_data_or_the_same_errors(rows, monkeypatch):
    """Lines of ``[indent][- ]key: value``, valid or not, read alike by both paths."""
    text = "".join(f"{'  ' * indent}{dash}{key}: {value}\n" for indent, dash, key, value in rows)
    assert outcome(text, False, monkeypatch) == outcome(text, True, monkeypatch)
