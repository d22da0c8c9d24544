"""``finmodel rerun RECORD.json``: repeat a recorded run or analysis from its run record."""
from __future__ import annotations

import json
import shlex
from pathlib import Path

import click

from ..errors import InputMissingError, UsageError
from .options import CONTEXT, debug_option, output_option, quiet_option
from .registry import analysis_named, execute
from .run import exit_with

__all__ = ["rerun", "read_record", "changed_inputs"]


def read_record(record: Path) -> dict:
    """The JSON run record written beside an output."""
    try:
        doc = json.loads(Path(record).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputMissingError(f"run record not found: {record}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputMissingError(f"cannot read run record {record}: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("finmodel_record") != 1 or not isinstance(doc.get("scenario"), str):
        raise UsageError(f"{record} is not a finmodel run record")
    return doc


def recorded_path(path: str, doc: dict) -> Path:
    """A path from a run record: a relative one is taken from the folder the run was made in."""
    p, cwd = Path(path), doc.get("cwd")
    if p.is_absolute() or not cwd or Path(cwd).resolve() == Path.cwd().resolve():
        return p
    return Path(cwd) / p


def changed_inputs(doc: dict) -> list[str]:
    """Input files missing or changed since the record was made (SHA-256)."""
    from ..assumptions.load import file_sha256
    changed = []
    for path, digest in (doc.get("inputs") or {}).items():
        p = recorded_path(path, doc)
        if not p.is_file():
            changed.append(f"{path}: missing")
        elif file_sha256(p) != digest:
            changed.append(f"{path}: changed since the record was made")
    return changed


@click.command(context_settings=CONTEXT)
@click.argument("record", type=click.Path(path_type=Path))
@output_option
@quiet_option
@debug_option
def rerun(record, outdir, quiet) -> None:
    """Re-run the command recorded in a RECORD.json written beside an output.

    Says clearly when an input file has changed since the record was made.

    \b
    Examples:
      finmodel rerun outputs/base.run.json
      finmodel rerun outputs/base-montecarlo.run.json -o /tmp
    """
    doc = read_record(record)
    analysis = analysis_named(doc.get("analysis", "run"))
    changed = changed_inputs(doc)
    for line in changed:
        click.echo(f"warning: {line}; the numbers may differ from the recorded run", err=True)
    if not changed and not quiet:
        click.echo("inputs unchanged since the record was made (SHA-256 match)")
    def locate(p: str) -> Path:
        return recorded_path(p, doc)
    exit_with(execute(analysis, [locate(doc["scenario"])], tuple(doc.get("overrides") or ()),
                      analysis.arguments_from(doc, locate), outdir,
                      "csv" in (doc.get("outputs") or {}), quiet,
                      command=shlex.split(doc.get("command", "")) or None))
