"""The run record: versions, input hashes, command line, overrides and seed.

Shown on every workbook's About sheet and written beside it as JSON so that
``finmodel rerun RECORD.json`` can reproduce the numbers.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from . import __version__
from .errors import InputMissingError, UsageError
from .workbook.layout import RunInfo

__all__ = ["run_info", "record_json", "git_commit", "library_versions", "read_record",
           "recorded_path", "changed_inputs"]

_LIBS = ("numpy", "pandas", "pydantic", "XlsxWriter", "click", "threadpoolctl",
         "ruamel.yaml", "scipy")


def library_versions() -> tuple[tuple[str, str], ...]:
    out = [("python", platform.python_version())]
    for name in _LIBS:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, "not installed"))
    return tuple(out)


def git_commit() -> str | None:
    """The commit of the finmodel checkout, when it is one (None otherwise)."""
    here = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, timeout=5).stdout.strip()
    return out.stdout.strip() + (" (with uncommitted changes)" if dirty else "")


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


def read_record(path: Path) -> dict:
    """A JSON run record written beside an output.

    Raises
    ------
    InputMissingError
        the file is missing or unreadable (exit 66).
    UsageError
        the file is not a finmodel run record (exit 2).
    """
    from .assumptions.kinds import FileKind, file_kind
    kind = file_kind(path)
    if kind is not FileKind.RECORD and kind is not FileKind.OTHER and Path(path).is_file():
        beside = _record_beside(Path(path))
        hint = f": finmodel rerun {beside}" if beside else " (<name>.run.json)"
        raise UsageError(f"{path} is a {kind.value}; rerun takes the run record written beside an "
                         f"output{hint}")
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputMissingError(f"run record not found: {path}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        beside = Path(path).with_suffix(".run.json")
        hint = f"; did you mean {beside}?" if beside.is_file() and beside != Path(path) else \
            " (a run record is the <name>.run.json written beside each output)"
        raise InputMissingError(f"cannot read run record {path}: not JSON{hint}") from exc
    except OSError as exc:
        raise InputMissingError(f"cannot read run record {path}: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("finmodel_record") != 1 or not isinstance(doc.get("scenario"), str):
        raise UsageError(f"{path} is not a finmodel run record")
    return doc


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


def changed_inputs(doc: dict) -> list[str]:
    """Input files of a record that are missing or changed since it was made (SHA-256)."""
    from .assumptions.load import file_sha256
    changed = []
    for path, digest in (doc.get("inputs") or {}).items():
        p = recorded_path(path, doc)
        if not p.is_file():
            changed.append(f"{path}: missing")
        elif file_sha256(p) != digest:
            changed.append(f"{path}: changed since the record was made")
    return changed
