"""The README's Python examples run: its ``pycon`` session is checked as a doctest (outputs
included, ``...`` for numbers that move with the assumptions) and its ``python`` blocks are
executed, each in a copy of the shipped project."""
from __future__ import annotations

import doctest
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", README, flags=re.S | re.M)


@pytest.fixture()
def shipped(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "assumptions", tmp_path / "assumptions")
    (tmp_path / "outputs").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_readme_has_python_examples():
    assert _blocks("pycon") and _blocks("python")


@pytest.mark.parametrize("i", range(len(_blocks("pycon"))))
def test_readme_session_prints_what_it_shows(shipped, i):
    parser, flags = doctest.DocTestParser(), doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    test = parser.get_doctest(_blocks("pycon")[i], {}, f"README.md pycon block {i + 1}", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=flags)
    runner.run(test)
    assert runner.tries >= 5 and runner.failures == 0, f"{runner.failures} README example(s) differ (see the output above)"


@pytest.mark.parametrize("i", range(len(_blocks("python"))))
def test_readme_python_block_runs(shipped, i, capsys):
    exec(compile(_blocks("python")[i], f"README.md python block {i + 1}", "exec"), {})
