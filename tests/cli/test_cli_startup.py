"""Start-up: ``--help`` and ``finmodel run`` import only what they use (issue 16).

Each check runs in a fresh interpreter and reads ``sys.modules`` after the command: what a
command never imports it cannot spend time on. No timings are asserted
(``benchmarks/startup.py`` prints them).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from finmodel.cli import cli

ROOT = Path(__file__).resolve().parents[2]
# what a help text never needs: the model, the tables, the analyses and their libraries
NOT_FOR_HELP = ("pandas", "scipy", "openpyxl", "pyarrow", "xlsxwriter", "pydantic", "finmodel.api",
                "finmodel.sensitivity", "finmodel.comparison", "finmodel.importing")
# what a plain `finmodel run` (a workbook and its record, no CSV) never needs
NOT_FOR_RUN = ("pandas", "scipy", "openpyxl", "pyarrow", "finmodel.sensitivity", "finmodel.comparison",
               "finmodel.importing")


def _loaded_after(argv: list[str], cwd: Path, watch: tuple[str, ...]) -> tuple[int, list[str], str]:
    """Run ``finmodel argv`` through ``main`` in a fresh interpreter: exit code, the modules of
    ``watch`` (or their submodules) it imported, and what it wrote to stderr."""
    code = (
        "import json, sys\n"
        "from finmodel.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        f"watch = {watch!r}\n"
        "hit = sorted(w for w in watch if any(m == w or m.startswith(w + '.') for m in sys.modules))\n"
        "print('\\n' + json.dumps([code, hit]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                         timeout=120, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    exit_code, hit = json.loads(out.stdout.strip().splitlines()[-1])
    return exit_code, hit, out.stderr


@pytest.mark.parametrize("argv", [["--help"], ["--version"]]
                         + [[name, "--help"] for name in sorted(cli.commands)]
                         + [["sensitivity", name, "--help"] for name in sorted(cli.commands["sensitivity"].commands)])
def test_help_imports_no_model_nor_analysis_library(argv):
    code, hit, err = _loaded_after(argv, ROOT, NOT_FOR_HELP)
    assert code == 0, err
    assert hit == [], f"finmodel {' '.join(argv)} imported {hit}"


def test_run_imports_neither_pandas_nor_the_analyses(tmp_path):
    """The base case to its workbook and run record needs no table library, no scipy, no
    openpyxl; with --csv it writes its tables through pandas."""
    code, hit, err = _loaded_after(["run", "-q", "-o", str(tmp_path)], ROOT, NOT_FOR_RUN)
    assert code == 0, err
    assert hit == [], f"finmodel run imported {hit}"
    assert {p.name for p in tmp_path.iterdir()} == {"base.xlsx", "base.run.json"}
    code, hit, err = _loaded_after(["run", "-q", "--csv", "-o", str(tmp_path)], ROOT, ("pandas",))
    assert code == 0, err
    assert hit == ["pandas"] and (tmp_path / "base.csv").stat().st_size > 0


def test_validate_imports_no_table_library():
    """Checking every scenario and the spec (run after each edit) builds no table: no pandas,
    pyarrow or openpyxl (the spec's tails need scipy.special, not scipy.stats)."""
    code, hit, err = _loaded_after(["validate"], ROOT, ("pandas", "pyarrow", "openpyxl", "scipy.stats"))
    assert code == 0, err
    assert hit == [], f"finmodel validate imported {hit}"


def test_help_lists_every_command_with_its_help():
    """Every command of the group is on ``finmodel --help`` with the start of its one-line help."""
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(cli.commands) >= 9
    for name, command in cli.commands.items():
        short = command.get_short_help_str(limit=200)
        assert short, f"{name} has no help text"
        words = " ".join(short.split()[:3])
        assert any(line.split()[:1] == [name] and words in line for line in lines), (name, words)
