"""``finmodel import WORKBOOK.xlsx``: the inputs edited in a scenario workbook, as an overlay."""
from __future__ import annotations

from pathlib import Path

import click

from .options import CONTEXT, debug_option, quiet_option

__all__ = ["import_"]


@click.command("import", context_settings=CONTEXT)
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=None,
              metavar="FILE.yaml", help="Where to write the overlay [default: <workbook>-edited.yaml "
                                        "beside the workbook].")
@click.option("--name", "name", default=None, metavar="NAME",
              help="The overlay's scenario name (its outputs' name) [default: the file's stem].")
@quiet_option
@debug_option
def import_(workbook, output, name, quiet) -> None:
    """Read the inputs edited in a scenario workbook back into an overlay file.

    WORKBOOK is an .xlsx written by finmodel run, with inputs edited on its Inputs sheet (in
    Excel, LibreOffice, ...). Its About sheet names the scenario that wrote it; the inputs that
    differ from it, and the run's --set overrides, are written as an overlay that extends that
    scenario, each value marked as edited with the cell it came from. run, diff, compare and
    every analysis take the overlay like any scenario file. An edit the model cannot take (a
    calculated cell typed over, a formula over an input, text in a number cell, a value out of
    bounds, moved rows) is reported with its Sheet!Cell, exit code 65, and nothing is written.
    A workbook with no edits writes nothing.

    \b
    Examples:
      finmodel import outputs/base.xlsx
      finmodel run outputs/base-edited.yaml
      finmodel diff base outputs/base-edited.yaml
      finmodel import outputs/base.xlsx -o assumptions/scenarios/base-q3.yaml --name base-q3
    """
    from .. import api
    if output is not None and output.suffix.lower() not in (".yaml", ".yml"):
        raise click.BadParameter(f"{output}: the overlay is a .yaml file", param_hint="-o/--output")
    imp = api.import_workbook(workbook, output=output, name=name)
    written = imp.write()
    if not quiet:
        click.echo(imp.text())
        if written is not None:
            click.echo(f"wrote {written}\n  finmodel run {written}    (or diff, compare, ... with it)")
