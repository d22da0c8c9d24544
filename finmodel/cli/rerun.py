"""``finmodel rerun RECORD.json``: repeat a recorded run or analysis from its run record.

A record is an input like a command line: :func:`~finmodel.record.read_record` checks the file
and its envelope; the command is rebuilt from the record's fields (never from its stored
``command`` text) and parsed by the very options of that command, so a field is refused
exactly as the option would be (exit 2, named by its record key); the rebuilt command is what
runs and what the new record stores.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import click

from ..errors import UsageError
from .options import CONTEXT, Session, debug_option, name_option, output_option, progress_option, quiet_option
from .registry import Analysis, analysis_named
from .run import exit_with
from .sides import SIDE_ANALYSES, replay

__all__ = ["rerun", "rebuild"]


@click.command(context_settings=CONTEXT)
@click.argument("record", type=click.Path(path_type=Path))
@output_option
@name_option
@quiet_option
@progress_option
@debug_option
@click.pass_context
def rerun(ctx, record, outdir, name, quiet) -> None:
    """Re-run the command recorded in a RECORD.json written beside an output.

    Says clearly when an input file has changed since the record was made. Never replaces
    the original outputs or record: when its files exist in the output folder, the rerun
    writes <name>-rerun.xlsx (then -rerun-2, ...) beside them; --name chooses the name.
    Data exports the run wrote (--save-draws) are written again into the output folder,
    under their own names. The command is rebuilt from the record's fields and checked like
    the command line; its input files must lie in the current folder or the folder that
    holds the record's folder.

    \b
    Examples:
      finmodel rerun outputs/base.run.json
      finmodel rerun outputs/base-montecarlo.run.json -o /tmp
      finmodel rerun outputs/base.run.json --name base-again
    """
    from ..record import changed_inputs, read_record
    doc = read_record(record)
    if doc.get("analysis") in SIDE_ANALYSES:  # compare, diff: several scenarios
        _replay_sides(ctx, doc, record, outdir, name, quiet)
        return
    analysis = analysis_named(doc.get("analysis", "run"))
    command = _command(ctx, analysis)
    args = rebuild(analysis, command, doc, record, outdir, name, quiet)
    changed = changed_inputs(doc, locator(doc, record))
    for line in changed:
        click.echo(f"warning: {line}; the numbers may differ from the recorded run", err=True)
    if not changed and not quiet:
        click.echo("inputs unchanged since the record was made (SHA-256 match)")
    session = ctx.ensure_object(Session)
    session.rerun, session.command = True, ["finmodel", *analysis.command, *args]
    try:
        sub = command.make_context(" ".join(["finmodel", *analysis.command]), list(args), parent=ctx)
    except click.BadParameter as exc:
        raise UsageError(f"run record {record}: {_key_of(analysis, exc.param)}: "
                         f"{exc.format_message()}") from None
    except click.UsageError as exc:
        raise UsageError(f"run record {record}: {exc.format_message()}") from None
    with sub:
        command.invoke(sub)


def _command(ctx: click.Context, analysis: Analysis) -> click.Command:
    """The click command of an analysis (``sensitivity tornado`` -> the tornado command)."""
    command = ctx.find_root().command
    for word in analysis.command:
        command = command.get_command(ctx, word)
    return command


def _key_of(analysis: Analysis, param) -> str:
    """The record key of an option (for a message); the option itself when none."""
    opts = set(getattr(param, "opts", ()) or ())
    for key, flag in analysis.options.items():
        if flag in opts:
            return key
    return "overrides" if "--set" in opts else (opts and sorted(opts)[0]) or "scenario"


def _roots(record: Path) -> tuple[Path, Path]:
    """Where a record's files may be: the current folder, and the folder that holds the
    record's folder (the project of ``outputs/base.run.json``)."""
    return Path.cwd(), Path(record).resolve().parent.parent


def locator(doc: dict, record: Path) -> Callable[[str], Path | None]:
    """Find a recorded path: relative to the recorded folder, else to the current folder or
    the record's project, whichever exists inside the project first; None when it is outside."""
    from ..assumptions.load import inside
    from ..record import recorded_path
    roots = _roots(record)

    def find(text: str) -> Path | None:
        first = recorded_path(text, doc)
        candidates = [first] if Path(text).is_absolute() else [first, Path(text), roots[1] / text]
        for candidate in candidates:
            if candidate.exists() and inside(candidate, roots):
                return candidate
        return first if inside(first, roots) else None
    return find


def rebuild(analysis: Analysis, command: click.Command, doc: dict, record: Path, outdir: Path,
            name: str | None, quiet: bool) -> list[str]:
    """The arguments of ``command`` that repeat the run of ``doc``: one option per record field
    (a flag for true, the option repeated for a list), the recorded paths located and kept
    inside the project, the outputs into ``outdir``.

    Raises
    ------
    UsageError
        a field is missing, of the wrong type, or names a file outside the project.
    """
    from ..assumptions.load import check_inside
    from ..record import recorded_path
    where = f"run record {record}"
    missing = [key for key, arg in analysis.record.items()
               if arg in analysis.required and doc.get(key) is None]
    if missing:
        raise UsageError(f"the run record of a {analysis.name} lacks {', '.join(map(repr, missing))}")
    find = locator(doc, record)

    def locate(key: str, text: str) -> str:
        found = find(text)
        if found is None:
            check_inside(recorded_path(text, doc), _roots(record), f"{where}: {key}")
        return str(found)

    params = {opt: p for p in command.params for opt in getattr(p, "opts", ())}
    args: list[str] = []
    for key, flag in analysis.options.items():
        value = doc.get(key)
        if key in analysis.exports:
            value = (doc.get("outputs") or {}).get(key)
            if value is not None:
                value = str(Path(outdir) / Path(value).name)
        if value is None:
            continue
        param = params[flag]
        if getattr(param, "is_flag", False):
            if not isinstance(value, bool):
                raise UsageError(f"{where}: {key}: expected true or false (got {value!r})")
            args += [flag] if value else []
            continue
        values = value if param.multiple else [value]
        if param.multiple and not isinstance(value, list):
            raise UsageError(f"{where}: {key}: expected a list (got {value!r})")
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                raise UsageError(f"{where}: {key}: expected {'a list of texts' if param.multiple else 'a value'} "
                                 f"(got {value!r})")
            is_path = analysis.record.get(key) in analysis.paths
            if is_path and not isinstance(v, str):
                raise UsageError(f"{where}: {key}: expected a file path (got {value!r})")
            text = locate(key, v) if is_path else str(v)
            args.append(f"{flag}={text}")
    for text in doc.get("overrides") or ():
        args.append(f"--set={text}")
    if "csv" in (doc.get("outputs") or {}):
        args.append("--csv")
    args += [f"--output={outdir}"] + ([f"--name={name}"] if name else []) + (["-q"] if quiet else [])
    return args + ["--", locate("scenario", doc["scenario"])]


def _replay_sides(ctx: click.Context, doc: dict, record: Path, outdir: Path, name: str | None,
                  quiet: bool) -> None:
    """Repeat a recorded ``compare`` or ``diff`` (:func:`.sides.replay`), its scenario files
    found as every record's are (inside the project) and the command recorded as this rerun."""
    from ..assumptions.load import check_inside
    from ..record import changed_inputs, recorded_path
    find = locator(doc, record)

    def locate(text: str) -> Path:
        found = find(text)
        if found is None:
            check_inside(recorded_path(text, doc), _roots(record), f"run record {record}: scenarios")
        return found

    changed = changed_inputs(doc, find)
    for line in changed:
        click.echo(f"warning: {line}; the numbers may differ from the recorded run", err=True)
    if not changed and not quiet:
        click.echo("inputs unchanged since the record was made (SHA-256 match)")
    command = ["finmodel", "rerun", str(record), "-o", str(outdir)] + (["--name", name] if name else [])
    exit_with(replay(doc, locate, outdir, name, quiet, command))
