"""The run record: versions, input hashes, command line, overrides and seed.

Shown on every workbook's About sheet and written beside it as JSON so that
``finmodel rerun RECORD.json`` can reproduce the numbers.
"""
from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Callable

from . import __version__
from .errors import FinModelError, InputMissingError, UsageError
from .workbook.layout import RunInfo

__all__ = ["run_info", "record_json", "git_commit", "library_versions", "read_record",
           "recorded_path", "changed_inputs", "check_record"]

_LIBS = ("numpy", "pandas", "pydantic", "XlsxWriter", "click", "threadpoolctl",
         "ruamel.yaml", "scipy", "SALib")


def library_versions() -> tuple[tuple[str, str], ...]:
    out = [("python", platform.python_version())]
    for name in _LIBS:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, "not installed"))
    return tuple(out)


def git_commit() -> str | None:
    """The commit of the finmodel checkout, when it is one (None otherwise), marked when the
    tracked files have uncommitted changes. One ``git status`` answers both (its porcelain v2
    header names the commit), so a run starts one process, not two."""
    here = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "-C", str(here), "status", "--porcelain=v2", "--branch",
                              "--untracked-files=no"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.stdout.splitlines() if out.returncode == 0 else []
    head = next((line.split()[2] for line in lines if line.startswith("# branch.oid ")), "(initial)")
    if head == "(initial)":  # not a checkout, or no commit yet
        return None
    dirty = any(not line.startswith("#") for line in lines)
    return head + (" (with uncommitted changes)" if dirty else "")


def run_info(assumptions, command: list[str] | None = None, seed: int | None = None,
             extra_files: tuple[Path, ...] = ()) -> RunInfo:
    """The run record of a run on ``assumptions`` (plus ``extra_files`` such as a sensitivity
    spec, hashed like the scenario files)."""
    cmd = command if command is not None else ["finmodel", *sys.argv[1:]]
    from .assumptions.load import file_sha256
    return RunInfo(
        command=" ".join(cmd),
        created_utc=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        files=tuple(assumptions.hashes().items()) + tuple((str(p), file_sha256(Path(p))) for p in extra_files),
        versions=(("finmodel", __version__),) + library_versions(),
        overrides=assumptions.overrides,
        seed=seed,
        git_commit=git_commit(),
    )


def record_json(info: RunInfo, scenario_path: Path, analysis: str, extra: dict | None = None) -> str:
    """The JSON run record written beside an output."""
    doc = {
        "finmodel_record": 1,
        "analysis": analysis,
        "scenario": str(scenario_path),
        "command": info.command,
        "created_utc": info.created_utc,
        "git_commit": info.git_commit,
        "versions": dict(info.versions),
        "inputs": {p: h for p, h in info.files},
        "overrides": list(info.overrides),
        "seed": info.seed,
        "cwd": os.getcwd(),  # relative paths above are relative to this folder
    }
    doc.update(extra or {})
    return json.dumps(doc, indent=2) + "\n"


MAX_RECORD_BYTES = 1024 * 1024  # a run record is a few kB; a larger file is not one
MAX_RECORD_DEPTH = 8  # the deepest record nests 3 levels ("versions", "outputs", lists)
MAX_RECORD_TEXT = 4096  # characters of one text field (a path, an override, a metric)
MAX_RECORD_ITEMS = 1000  # entries of one list or mapping (overrides, inputs, metrics)

# The envelope every record has: key -> (JSON types accepted, required). The analysis fields
# (draws, seed, spec, ...) are checked by the command's own options when rerun rebuilds them.
_ENVELOPE = {
    "finmodel_record": ((int,), True),
    "analysis": ((str,), False),
    "scenario": ((str,), True),
    "command": ((str,), False),
    "created_utc": ((str,), False),
    "git_commit": ((str, type(None)), False),
    "versions": ((dict,), False),
    "inputs": ((dict,), False),
    "overrides": ((list,), False),
    "seed": ((int, type(None)), False),
    "cwd": ((str, type(None)), False),
    "outputs": ((dict,), False),
}
_JSON_TYPE = {int: "a whole number", str: "text", dict: "a mapping", list: "a list",
              type(None): "null", bool: "true or false", float: "a number"}


def read_record(path: Path) -> dict:
    """A JSON run record written beside an output, validated like a command line.

    The file must be a regular file of at most :data:`MAX_RECORD_BYTES` (a FIFO or a device
    such as ``/dev/zero`` is refused before it is read), JSON nested at most
    :data:`MAX_RECORD_DEPTH` deep, with the envelope fields of their types
    (:func:`check_record`).

    Raises
    ------
    InputMissingError
        the file is missing, unreadable or not a regular file (exit 66).
    UsageError
        the file is not a finmodel run record, or a field has the wrong type (exit 2).
    """
    from .assumptions.kinds import FileKind, file_kind
    from .assumptions.textfile import read_input_bytes
    path = Path(path)
    if path.is_file():
        kind = file_kind(path)
        if kind is not FileKind.RECORD and kind is not FileKind.OTHER:
            beside = _record_beside(path)
            hint = f": finmodel rerun {beside}" if beside else " (<name>.run.json)"
            raise UsageError(f"{path} is a {kind.value}; rerun takes the run record written beside "
                             f"an output{hint}")
    elif not path.exists():
        raise InputMissingError(f"run record not found: {path}")
    try:
        if path.is_file() and path.stat().st_size > MAX_RECORD_BYTES:
            raise UsageError(f"{path} is not a finmodel run record: {path.stat().st_size:,} bytes "
                             f"(a run record is at most {MAX_RECORD_BYTES:,})")
    except OSError:
        pass  # reported by the read below
    try:
        data = read_input_bytes(path)
    except InputMissingError as exc:
        why = exc.problems[0].message if exc.problems else str(exc)
        raise InputMissingError(f"cannot read run record {path}: {why}") from None
    except FinModelError:
        raise UsageError(f"{path} is not a finmodel run record: larger than "
                         f"{MAX_RECORD_BYTES:,} bytes") from None
    try:
        doc = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise UsageError(f"{path} is not a finmodel run record: JSON nested too deeply "
                         f"(at most {MAX_RECORD_DEPTH} levels)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        beside = path.with_suffix(".run.json")
        hint = f"; did you mean {beside}?" if beside.is_file() and beside != path else \
            " (a run record is the <name>.run.json written beside each output)"
        where = f" (line {exc.lineno}, column {exc.colno}: {exc.msg})" \
            if isinstance(exc, json.JSONDecodeError) else ""
        raise InputMissingError(f"cannot read run record {path}: not JSON{where}{hint}") from None
    check_record(doc, path)
    return doc


def check_record(doc, path: Path) -> None:
    """Raise :class:`UsageError` unless ``doc`` is a run record: a mapping nested at most
    :data:`MAX_RECORD_DEPTH` deep whose envelope fields have their types, texts at most
    :data:`MAX_RECORD_TEXT` characters, lists and mappings at most :data:`MAX_RECORD_ITEMS`
    entries, and ``overrides`` a list of texts."""
    if not isinstance(doc, dict) or doc.get("finmodel_record") != 1 or not isinstance(doc.get("scenario"), str):
        raise UsageError(f"{path} is not a finmodel run record")
    where = f"run record {path}"
    problem = _shape_problem(doc, "", 1)
    if problem:
        raise UsageError(f"{where}: {problem}")
    for key, (types, required) in _ENVELOPE.items():
        if key not in doc:
            continue
        value = doc[key]
        if isinstance(value, bool) or not isinstance(value, types):
            want = " or ".join(_JSON_TYPE[t] for t in types)
            raise UsageError(f"{where}: {key}: expected {want} (got {_shown(value)})")
    for i, text in enumerate(doc.get("overrides") or ()):
        if not isinstance(text, str):
            raise UsageError(f"{where}: overrides[{i}]: expected text PATH=VALUE (got {_shown(text)})")
    for name, value in (doc.get("outputs") or {}).items():
        if not isinstance(value, str):
            raise UsageError(f"{where}: outputs.{name}: expected a file name (got {_shown(value)})")
    for name, value in (doc.get("inputs") or {}).items():
        if not isinstance(value, str):
            raise UsageError(f"{where}: inputs.{name}: expected a SHA-256 digest (got {_shown(value)})")
    if "\0" in doc["scenario"] or not doc["scenario"].strip():
        raise UsageError(f"{where}: scenario: expected a file path (got {_shown(doc['scenario'])})")


def _shape_problem(value, at: str, depth: int) -> str | None:
    """The first size or depth problem of a parsed JSON value, or None."""
    if depth > MAX_RECORD_DEPTH:
        return f"{at or 'the record'}: nested too deeply (at most {MAX_RECORD_DEPTH} levels)"
    if isinstance(value, str) and len(value) > MAX_RECORD_TEXT:
        return f"{at}: text of {len(value):,} characters (at most {MAX_RECORD_TEXT:,})"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{at}: {value!r} is not a finite number"
    if isinstance(value, (list, dict)):
        if len(value) > MAX_RECORD_ITEMS:
            return f"{at or 'the record'}: {len(value):,} entries (at most {MAX_RECORD_ITEMS:,})"
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for k, v in items:
            sub = f"{at}.{k}" if isinstance(value, dict) else f"{at}[{k}]"
            problem = _shape_problem(v, sub.lstrip("."), depth + 1)
            if problem:
                return problem
    return None


def _shown(value) -> str:
    """A value of a record for a message: its repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _record_beside(path: Path) -> Path | None:
    """The run record written beside an output (``base.xlsx`` -> ``base.run.json``), if any."""
    beside = path.with_suffix(".run.json")
    return beside if beside.is_file() and beside != path else None


def recorded_path(path: str, doc: dict) -> Path:
    """A path from a run record: a relative one is taken from the folder the run was made in."""
    p, cwd = Path(path), doc.get("cwd")
    if p.is_absolute() or not cwd or Path(cwd).resolve() == Path.cwd().resolve():
        return p
    return Path(cwd) / p


def changed_inputs(doc: dict, locate: Callable[[str], Path | None] | None = None) -> list[str]:
    """Input files of a record that are missing or changed since it was made (SHA-256).
    ``locate`` finds a recorded path (default :func:`recorded_path`); when it gives None (a
    file outside the project, in a tampered record) the file is reported, never opened."""
    from .assumptions.load import file_sha256
    changed = []
    for path, digest in (doc.get("inputs") or {}).items():
        p = locate(path) if locate is not None else recorded_path(path, doc)
        if p is None:
            changed.append(f"{path}: outside the project, not read")
        elif not p.is_file():
            changed.append(f"{path}: missing")
        elif file_sha256(p) != digest:
            changed.append(f"{path}: changed since the record was made")
    return changed
