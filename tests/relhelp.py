"""Helpers of the reliability tests: a throw-away project, in-process runs of ``main()``, and
the assertions every bad-input case makes (exit code, no traceback, file:line:col and field
path in the message, outputs untouched).
"""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "mini"
SHIPPED = ROOT / "assumptions"
OLD = 1_600_000_000  # mtime (s) given to the outputs that exist before a run
DEAL_HEADER = (ROOT / "tests" / "data" / "mini" / "deals.csv").read_text().splitlines()[1].split(",")


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Project:
    """A working folder with ``assumptions/`` and an ``outputs/`` holding an earlier run."""

    root: Path

    @property
    def assumptions(self) -> Path:
        return self.root / "assumptions"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    def text(self, name: str) -> str:
        return (self.assumptions / name).read_text(encoding="utf-8")

    def write(self, name: str, text: str) -> str:
        (self.assumptions / name).write_text(text, encoding="utf-8")
        return text

    def edit(self, name: str, old: str, new: str) -> str:
        """Replace the first ``old`` by ``new`` in an assumption file; returns the new text."""
        text = self.text(name)
        assert old in text, f"{old!r} not in {name}"
        return self.write(name, text.replace(old, new, 1))

    def snapshot(self, folder: Path | None = None) -> dict[str, tuple[bytes, int, bool]]:
        """Every entry of the outputs folder (hidden ones too): bytes, mtime, is-symlink."""
        folder = folder or self.outputs
        out = {}
        for p in sorted(folder.iterdir()):
            if p.is_file() and not p.is_symlink():
                out[p.name] = (p.read_bytes(), p.stat().st_mtime_ns, False)
            else:
                out[p.name] = (b"", 0, p.is_symlink())
        return out


def make_project(root: Path, golden: dict[str, bytes], kind: str = "mini") -> Project:
    """Copy the mini fixture (as ``base.yaml``) or the shipped assumptions into ``root``.

    ``outputs/`` gets a real ``base.xlsx`` and ``base.run.json`` from an earlier run, dated
    in the past, so a test can prove that a failed run neither created nor touched a file.
    """
    if kind == "mini":
        (root / "assumptions").mkdir(parents=True)
        shutil.copy(MINI / "scenario.yaml", root / "assumptions" / "base.yaml")
        shutil.copy(MINI / "deals.csv", root / "assumptions" / "deals.csv")
    else:
        shutil.copytree(SHIPPED, root / "assumptions")
    (root / "outputs").mkdir()
    for name, data in golden.items():
        p = root / "outputs" / name
        p.write_bytes(data)
        os.utime(p, (OLD, OLD))
    return Project(root)


def run_main(*args: str) -> Result:
    """``finmodel ARGS`` through ``cli.main()`` in this process (exit-code mapping included)."""
    from finmodel.cli import main
    out, err = io.StringIO(), io.StringIO()
    handler = signal.getsignal(signal.SIGTERM)
    code = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(list(args))
    except SystemExit as exc:
        code = exc.code
    finally:
        signal.signal(signal.SIGTERM, handler)
    assert code is not None, "main() must end with sys.exit"
    return Result(code, out.getvalue(), err.getvalue())


def run_console(*args: str, cwd: Path, timeout: float = 120) -> Result:
    """The installed ``finmodel`` console script in a subprocess."""
    r = subprocess.run([finmodel_exe(), *args], cwd=cwd, capture_output=True, text=True,
                       timeout=timeout)
    return Result(r.returncode, r.stdout, r.stderr)


def finmodel_exe() -> str:
    """The console script of the interpreter running the tests (a venv's, not the first on PATH)."""
    beside = Path(sys.executable).parent / "finmodel"
    return str(beside) if beside.exists() else (shutil.which("finmodel") or str(beside))


def pos(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """1-based (line, column) where ``needle`` (plus ``offset`` characters) starts in ``text``."""
    i = text.index(needle) + offset
    line = text.count("\n", 0, i) + 1
    col = i - (text.rfind("\n", 0, i) + 1) + 1
    return line, col


def csv_pos(text: str, row_start: str, column: str) -> tuple[int, int]:
    """(line, field number) of ``column`` in the CSV row that starts with ``row_start``."""
    line, _ = pos(text, "\n" + row_start, 1)
    return line, DEAL_HEADER.index(column) + 1


def assert_fails(res: Result, code: int, before: dict, project: Project, *,
                 where: str | None = None, words: tuple[str, ...] = ()) -> None:
    """A clean failure: the exit code, no traceback, the location and words, outputs unchanged.

    ``where`` is ``"file:line:col: field.path"`` (the start of one problem line).
    """
    assert res.code == code, (res.code, res.err)
    assert "Traceback" not in res.err and "internal error" not in res.err, res.err
    if where is not None:
        assert f"{where}: " in res.err, f"expected {where!r} in:\n{res.err}"
    for w in words:
        assert w in res.err, f"expected {w!r} in:\n{res.err}"
    assert project.snapshot() == before, "a failed run created or changed an output"


def kill_worker_at(monkeypatch, row: int) -> None:
    """The engine's worker process that takes the chunk starting at ``row`` kills itself with
    SIGKILL, as the kernel's out-of-memory killer would (it inherits the patch at the fork);
    never the test's own process, where a chunk may run when the work stays in it."""
    from finmodel.sensitivity import evaluate as evaluate_module
    real, tests = evaluate_module._run_chunk, os.getpid()

    def killed(*args):
        if args[-1].sl.start == row and os.getpid() != tests:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args)

    monkeypatch.setattr(evaluate_module, "_run_chunk", killed)
