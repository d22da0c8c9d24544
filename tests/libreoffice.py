"""Test support: recalculate workbooks in LibreOffice Calc (headless) and compare values.

Not a test module. Usage::

    from libreoffice import compare, recalculate, requires_soffice

    @requires_soffice
    def test_parity(tmp_path):
        (out,) = recalculate([book], tmp_path / "recalc")
        assert compare(book, out) == []

How it works (see ../shared/reference/libreoffice-recalc.md): LibreOffice never
recalculates an .xlsx on load by default, so every call uses a fresh private profile whose
``registrymodifications.xcu`` forces recalculation on load, converts the files with
``soffice --convert-to``, and checks that each output exists (soffice exits 0 even when it
failed). The process runs in its own session so a timeout kills the whole group.

``requires_soffice`` skips a test when LibreOffice is not installed, except when the
environment variable ``CI`` is set: there LibreOffice is always installed, so the mark does
not skip and the test fails with :class:`SofficeMissingError` when it calls soffice.
"""
from __future__ import annotations

import math
import os
import shutil
import signal
import subprocess
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Iterable, NamedTuple

import openpyxl
import pytest
from openpyxl.utils.datetime import to_excel

__all__ = [
    "SofficeMissingError", "SofficeError", "FormulaCell", "Mismatch", "soffice_available",
    "recalculate", "to_pdf", "formula_cells", "error_cells", "compare", "values_equal",
    "requires_soffice", "in_ci", "format_mismatches", "CellError", "ERROR_VALUES", "to_pdfs",
]

TIMEOUT_S = 180
ERROR_VALUES = frozenset(
    {"#VALUE!", "#DIV/0!", "#NAME?", "#REF!", "#N/A", "#NUM!", "#NULL!", "#GETTING_DATA"}
)
_RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" \
oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" \
oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class SofficeMissingError(RuntimeError):
    """LibreOffice (``soffice``) is not on PATH."""


class SofficeError(RuntimeError):
    """soffice timed out or did not produce an expected output."""


class FormulaCell(NamedTuple):
    sheet: str
    coord: str
    formula: str
    cached_value: Any
    recalculated_value: Any


class Mismatch(NamedTuple):
    sheet: str
    coord: str
    formula: str
    cached_value: Any
    recalculated_value: Any
    reason: str

    def __str__(self) -> str:
        return (f"{self.sheet}!{self.coord} {self.formula}: {self.reason} "
                f"(cached {self.cached_value!r}, LibreOffice {self.recalculated_value!r})")


class CellError(str):
    """An error value read from a cell of error type (``t="e"``), e.g. ``#DIV/0!``."""


# --- running soffice ------------------------------------------------------------------------

def soffice_available() -> bool:
    """True if the ``soffice`` executable is on PATH."""
    return shutil.which("soffice") is not None


def in_ci() -> bool:
    """True if the environment variable CI is set to anything but '', 0, false or no."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _soffice() -> str:
    exe = shutil.which("soffice")
    if exe is None:
        ci = " (CI is set, so LibreOffice is required)" if in_ci() else ""
        raise SofficeMissingError(f"LibreOffice 'soffice' is not on PATH{ci}")
    return exe


def recalculate(paths: list[Path], outdir: Path, timeout: float = TIMEOUT_S) -> list[Path]:
    """Open each workbook in LibreOffice, recalculate every formula, save as xlsx.

    Parameters
    ----------
    paths : list of Path
        Workbooks to recalculate, converted in one soffice call (shared start-up).
        Their file names must be distinct, and none may live in ``outdir``.
    outdir : Path
        Folder for the recalculated copies (created if missing).
    timeout : float
        Seconds before the soffice process group is killed.

    Returns
    -------
    list of Path
        ``outdir / path.name`` for each input, in order.
    """
    return _convert(paths, outdir, "xlsx", timeout)


def to_pdf(path: Path, outdir: Path, timeout: float = TIMEOUT_S) -> Path:
    """Export a workbook to PDF (after recalculation) and return the PDF's path."""
    return _convert([path], outdir, "pdf", timeout)[0]


def to_pdfs(paths: Iterable[Path], outdir: Path, timeout: float = TIMEOUT_S) -> list[Path]:
    """Export several workbooks to PDF in one soffice call (one start-up); their paths."""
    return _convert(list(paths), outdir, "pdf", timeout)


def _convert(paths: list[Path], outdir: Path, fmt: str, timeout: float) -> list[Path]:
    paths = [Path(p).resolve() for p in paths]
    outdir = Path(outdir).resolve()
    _check_inputs(paths, outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    outputs = [outdir / f"{p.stem}.{fmt}" for p in paths]
    for out in outputs:
        out.unlink(missing_ok=True)  # a stale output must not pass for a fresh one
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        _write_profile(Path(profile))
        cmd = [_soffice(), f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
               "--norestore", "--nolockcheck", "--convert-to", fmt, "--outdir", str(outdir),
               *map(str, paths)]
        log = _run(cmd, timeout)
    missing = [str(o) for o in outputs if not o.is_file()]
    if missing:
        raise SofficeError(f"soffice produced no {', '.join(missing)}\n{log}")
    return outputs


def _check_inputs(paths: list[Path], outdir: Path) -> None:
    if not paths:
        raise ValueError("no workbooks given")
    for p in paths:
        if not p.is_file():
            raise FileNotFoundError(p)
        if p.parent == outdir:
            raise ValueError(f"outdir must differ from the folder of {p} "
                             "(soffice silently fails otherwise)")
    stems = [p.stem for p in paths]
    if len(set(stems)) != len(stems):
        raise ValueError(f"workbook names must be distinct: {stems}")


def _write_profile(profile: Path) -> None:
    user = profile / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(_RECALC_XCU, encoding="utf-8")


def _run(cmd: list[str], timeout: float) -> str:
    """Run soffice in its own session; on timeout kill the whole process group."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, text=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise SofficeError(f"soffice timed out after {timeout} s: {' '.join(cmd)}") from None
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    return out


def _soffice_mark():
    if soffice_available() or in_ci():
        # In CI a missing soffice must fail the test (SofficeMissingError), never skip it.
        return pytest.mark.soffice
    return pytest.mark.skipif(True, reason="LibreOffice (soffice) is not installed")


requires_soffice = _soffice_mark()
"""Mark for tests that run LibreOffice: skip if it is missing, fail if missing under CI."""


# --- reading and comparing ------------------------------------------------------------------

def _cell_value(cell) -> Any:
    if cell.data_type == "e" and isinstance(cell.value, str):
        return CellError(cell.value)
    return cell.value


def _formula_text(value: Any) -> str | None:
    """The formula of an openpyxl cell value, or None if the cell holds no formula."""
    if isinstance(value, str):
        return value if value.startswith("=") else None
    text = getattr(value, "text", None)  # ArrayFormula and similar
    return text if isinstance(text, str) else None


def formula_cells(original_xlsx: Path, recalculated_xlsx: Path) -> list[FormulaCell]:
    """Every formula cell of ``original_xlsx`` with its cached and recalculated values.

    openpyxl reads either formulas or cached values, so the original is loaded twice
    (``data_only=False`` for formulas, ``True`` for cached values) and the recalculated
    copy once. Error cells come back as :class:`CellError` strings.
    """
    formulas = openpyxl.load_workbook(original_xlsx, data_only=False)
    cached = openpyxl.load_workbook(original_xlsx, data_only=True)
    recalc = openpyxl.load_workbook(recalculated_xlsx, data_only=True)
    found = []
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                formula = _formula_text(cell.value) if cell.data_type == "f" else None
                if formula is None:
                    continue
                found.append(FormulaCell(
                    ws.title, cell.coordinate, formula,
                    _cell_value(cached[ws.title][cell.coordinate]),
                    _cell_value(recalc[ws.title][cell.coordinate]),
                ))
    return found


def error_cells(xlsx: Path) -> list[tuple[str, str, str]]:
    """``(sheet, coord, error)`` for every cell of error type in ``xlsx`` (values view)."""
    book = openpyxl.load_workbook(xlsx, data_only=True)
    return [(ws.title, c.coordinate, str(c.value))
            for ws in book.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "e"]


def _is_error(value: Any) -> bool:
    if isinstance(value, CellError):
        return True
    return isinstance(value, str) and (value in ERROR_VALUES or value.startswith("Err:"))


def _normalise(value: Any) -> Any:
    """Comparable form: '' -> None, datetimes -> Excel serial numbers."""
    if value == "" and isinstance(value, str):
        return None
    if isinstance(value, (datetime, date, time)):
        return to_excel(value)
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    return value


def values_equal(a: Any, b: Any, rtol: float = 1e-9, atol: float = 1e-9) -> bool:
    """Equal as spreadsheet values: numbers within tolerance, text exactly, booleans as
    booleans (LibreOffice may give 1/0 for TRUE/FALSE), None equal to ''."""
    a, b = _normalise(a), _normalise(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return _as_bool(a) is not None and _as_bool(a) == _as_bool(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)
    return a == b


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    return None


def compare(original_xlsx: Path, recalculated_xlsx: Path, rtol: float = 1e-9,
            atol: float = 1e-9) -> list[Mismatch]:
    """Formula cells whose LibreOffice value differs from the cached one, plus every error.

    Any error value (``#VALUE!``, ``#DIV/0!``, ``#N/A``, ``Err:...``; cached or
    recalculated) in a formula cell is a failure, and so is any error-type cell elsewhere
    in the recalculated workbook. An empty list means the workbook is proven equal.
    """
    mismatches = [_check_cell(c, rtol, atol) for c in formula_cells(original_xlsx,
                                                                    recalculated_xlsx)]
    found = [m for m in mismatches if m is not None]
    seen = {(m.sheet, m.coord) for m in found}
    found += [Mismatch(sheet, coord, "", None, err, "error cell")
              for sheet, coord, err in error_cells(recalculated_xlsx)
              if (sheet, coord) not in seen]
    return found


def _check_cell(cell: FormulaCell, rtol: float, atol: float) -> Mismatch | None:
    if _is_error(cell.recalculated_value):
        reason = "LibreOffice gives an error"
    elif _is_error(cell.cached_value):
        reason = "cached value is an error"
    elif not values_equal(cell.cached_value, cell.recalculated_value, rtol, atol):
        reason = "value differs"
    else:
        return None
    return Mismatch(*cell, reason)


def format_mismatches(mismatches: Iterable[Mismatch], limit: int = 20) -> str:
    """A readable report for assertion messages."""
    items = list(mismatches)
    lines = [str(m) for m in items[:limit]]
    if len(items) > limit:
        lines.append(f"... and {len(items) - limit} more")
    return "\n".join(lines)
