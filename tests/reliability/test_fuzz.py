"""Property: a randomly damaged assumption file never gives a traceback.

Mutations of the mini scenario and of its deal table (delete a line, duplicate a line, change
a number to a random token, change indentation, insert random unicode) give exit 0 or 1 (the
model ran) or a clean error, exit 65/66, whose every problem names the file and line. Runs
``main()`` in this process for speed; a file that still validates is also run to the end.
"""
from __future__ import annotations

import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from relhelp import MINI, run_main

NUMBER = re.compile(r"-?\d+(\.\d+)?")
TOKENS = st.one_of(
    st.sampled_from(["", "-", "1e400", ".nan", "-.inf", "true", "null", "~", "'7'", "0x10", "1_0",
                     "12%", "1,5", "[1]", "{}", "99999999999999999999999", "-0", "2030:",
                     "&a", "*a", "!!python/object:os.system", "\"", ":", "#", "- 1", "\t"]),
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=4),
)
UNICODE = st.text(st.characters(codec="utf-8"), min_size=1, max_size=3)
LOCATED = re.compile(r"^  (--set[^:]*|assumptions/[\w.-]+:\d+(:\d+)?): ")


@st.composite
def mutated(draw, text: str) -> str:
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "number", "indent", "unicode"]))
        line = lines[i]
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "number":
            found = list(NUMBER.finditer(line))
            if found:
                m = draw(st.sampled_from(found))
                line = line[:m.start()] + draw(TOKENS) + line[m.end():]
            lines[i] = line
        elif op == "indent":
            delta = draw(st.integers(-3, 3))
            lines[i] = " " * max(0, delta) + line[-delta if delta < 0 else 0:]
        else:
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(UNICODE) + line[at:]
        if not lines:
            lines = [""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "assumptions").mkdir()
    (root / "out").mkdir()
    return root


def _check(root, monkeypatch_ctx, text: str, name: str) -> None:
    shutil.copy(MINI / "scenario.yaml", root / "assumptions" / "base.yaml")
    shutil.copy(MINI / "deals.csv", root / "assumptions" / "deals.csv")
    (root / "assumptions" / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    with monkeypatch_ctx() as mp:
        mp.chdir(root)
        res = run_main("validate", "assumptions/base.yaml")
        if res.code == 0:
            res = run_main("run", "-q", "-o", "out")
            assert res.code in (0, 1), res.err
    assert "Traceback" not in res.err and "internal error" not in res.err, (text, res.err)
    assert res.code in (0, 1, 65, 66), (res.code, res.err)
    if res.code in (65, 66):
        problems = [ln for ln in res.err.splitlines()[1:] if ln.strip()]
        assert problems, res.err
        for ln in problems:
            assert LOCATED.match(ln) or "more problems" in ln, f"unlocated problem: {ln!r}\n{res.err}"


SETTINGS = settings(max_examples=120, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(data=st.data())
def test_mutated_scenario_file_never_crashes(workdir, data):
    text = data.draw(mutated((MINI / "scenario.yaml").read_text(encoding="utf-8")))
    _check(workdir, pytest.MonkeyPatch.context, text, "base.yaml")


@SETTINGS
@given(data=st.data())
def test_mutated_deal_table_never_crashes(workdir, data):
    text = data.draw(mutated((MINI / "deals.csv").read_text(encoding="utf-8")))
    _check(workdir, pytest.MonkeyPatch.context, text, "deals.csv")
