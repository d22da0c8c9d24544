"""``finmodel rerun RECORD.json``: repeat a recorded run or analysis from its run record."""
from __future__ import annotations

import shlex
from pathlib import Path

import click

from .options import CONTEXT, debug_option, name_option, output_option, progress_option, quiet_option
from .registry import analysis_named, execute
from .run import exit_with
from .sides import SIDE_ANALYSES, replay

__all__ = ["rerun"]


@click.command(context_settings=CONTEXT)
@click.argument("record", type=click.Path(path_type=Path))
@output_option
@name_option
@quiet_option
@progress_option
@debug_option
def rerun(record, outdir, name, quiet) -> None:
    """Re-run the command recorded in a RECORD.json written beside an output.

    Says clearly when an input file has changed since the record was made. Never replaces
    the original outputs or record: when its files exist in the output folder, the rerun
    writes <name>-rerun.xlsx (then -rerun-2, ...) beside them; --name chooses the name.
    Data exports the run wrote (--save-draws) are written again into the output folder,
    under their own names.

    \b
    Examples:
      finmodel rerun outputs/base.run.json
      finmodel rerun outputs/base-montecarlo.run.json -o /tmp
      finmodel rerun outputs/base.run.json --name base-again
    """
    from ..record import changed_inputs, read_record, recorded_path
    doc = read_record(record)
    multi = doc.get("analysis") in SIDE_ANALYSES  # compare, diff: several scenarios
    analysis = None if multi else analysis_named(doc.get("analysis", "run"))
    changed = changed_inputs(doc)
    for line in changed:
        click.echo(f"warning: {line}; the numbers may differ from the recorded run", err=True)
    if not changed and not quiet:
        click.echo("inputs unchanged since the record was made (SHA-256 match)")

    def locate(path: str) -> Path:
        return recorded_path(path, doc)

    if multi:
        exit_with(replay(doc, locate, outdir, name, quiet))
        return
    recorded = doc.get("outputs") or {}
    exports = {arg: outdir / Path(recorded[arg]).name for arg in analysis.exports if arg in recorded}
    exit_with(execute(analysis, [locate(doc["scenario"])], tuple(doc.get("overrides") or ()),
                      analysis.arguments_from(doc, locate) | exports, outdir,
                      "csv" in (doc.get("outputs") or {}), quiet,
                      command=shlex.split(doc.get("command", "")) or None, name=name, fresh=True))
