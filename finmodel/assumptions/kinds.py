"""What kind of finmodel file a path is, so that ``validate`` and ``rerun`` can say what they
were given instead of parsing a CSV as YAML or a workbook as JSON.

Told by the suffix, and for YAML by the top-level keys (a sensitivity spec has ``inputs`` and
``outputs``; a calibration file ``anchors``; anything else is a scenario). Nothing here
validates a file: it only decides which reader should.
"""
from __future__ import annotations

from enum import Enum
from pathlib import Path

__all__ = ["FileKind", "file_kind", "WORKBOOK_SUFFIXES"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
_SPEC_KEYS = {"inputs", "outputs", "correlations", "probabilities", "year_distributions"}


class FileKind(str, Enum):
    """The kinds of file finmodel reads or writes (the value is how messages name it)."""

    SCENARIO = "scenario"
    DEALS = "deal table"
    SENSITIVITY = "sensitivity spec"
    CALIBRATION = "calibration file"
    WORKBOOK = "workbook"
    RECORD = "run record"
    OTHER = "file of unknown kind"


def file_kind(path: str | Path) -> FileKind:
    """The kind of ``path`` (which must exist to be told apart beyond its suffix).

    A YAML file that cannot be read is a scenario: its reader then reports the problem.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return FileKind.WORKBOOK
    if suffix == ".json":
        return FileKind.RECORD
    if suffix == ".csv":
        return FileKind.DEALS
    if suffix not in (".yaml", ".yml"):
        return FileKind.OTHER
    from ..errors import FinModelError
    from .yamlio import read_yaml
    try:
        data = read_yaml(p).data
    except FinModelError:
        return FileKind.SCENARIO
    keys = set(data) if isinstance(data, dict) else set()
    if "anchors" in keys and "timeline" not in keys:
        return FileKind.CALIBRATION
    if len(keys & _SPEC_KEYS) >= 2 and "timeline" not in keys and "extends" not in keys:
        return FileKind.SENSITIVITY
    return FileKind.SCENARIO
