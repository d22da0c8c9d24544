"""Command line: thin — parse, build a request, call the library, report.

Errors become exit codes in one place (:func:`main`): 0 ok, 1 model checks failed, 2 usage,
65 invalid input data, 66 input missing, 73 cannot create output, 130 interrupted,
70 internal error.
"""
from __future__ import annotations

import signal
import sys
import traceback
from pathlib import Path

import click

from . import __version__
from .errors import FinModelError, InputMissingError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
EXIT_INTERNAL = 70

set_option = click.option(
    "--set", "overrides", multiple=True, metavar="PATH=VALUE",
    help="Override an assumption, validated like the file; repeatable. A year of a per-year "
         "input: PATH.YEAR=VALUE; a deal: deals.ID.COLUMN=VALUE.")
output_option = click.option(
    "-o", "--output", "outdir", type=click.Path(path_type=Path), default=Path("outputs"),
    show_default=True, help="Folder for the outputs (must exist).")
assumptions_option = click.option(
    "-a", "--assumptions", "assumptions_dir", type=click.Path(path_type=Path),
    default=Path("assumptions"), show_default=True,
    help="Folder holding base.yaml and scenarios/.")
quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
csv_option = click.option("--csv", "csv_", is_flag=True,
                          help="Also write the tables as CSV beside the workbook.")


def resolve_scenario(name: str, assumptions_dir: Path) -> Path:
    """A scenario argument: a file path, or a name looked up in the assumptions folder."""
    p = Path(name)
    if p.suffix.lower() in (".yaml", ".yml") or p.exists():
        if not p.is_file():
            raise InputMissingError(f"scenario file not found: {p}")
        return p
    for cand in (assumptions_dir / f"{name}.yaml", assumptions_dir / "scenarios" / f"{name}.yaml"):
        if cand.is_file():
            return cand
    known = ", ".join(scenario_names(assumptions_dir)) or "none"
    raise InputMissingError(f"no scenario {name!r} in {assumptions_dir} (known: {known})")


def scenario_names(assumptions_dir: Path) -> list[str]:
    names = ["base"] if (assumptions_dir / "base.yaml").is_file() else []
    return names + sorted(p.stem for p in (assumptions_dir / "scenarios").glob("*.yaml"))


def scenario_paths(scenarios, all_: bool, assumptions_dir: Path) -> list[Path]:
    if all_:
        scenarios = tuple(scenarios) + tuple(n for n in scenario_names(assumptions_dir)
                                             if n not in scenarios)
    return [resolve_scenario(s, assumptions_dir) for s in (scenarios or ("base",))]


@click.group(context_settings=CONTEXT, invoke_without_command=True,
             epilog="Run with no command to run the shipped base case into outputs/.")
@click.version_option(__version__, "-V", "--version", prog_name="finmodel")
@click.option("--debug", is_flag=True, help="Show the full traceback of internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> int | None:
    """finmodel: cash-flow model of an AI lab's compute build-out, with live Excel workbooks.

    \b
    Examples:
      finmodel                                 run the base case into outputs/base.xlsx
      finmodel run --all --csv                 base, bull and bear workbooks and CSV tables
      finmodel run bear --set valuation.discount_rate=0.10 -o /tmp
      finmodel validate assumptions/base.yaml
    """
    if ctx.invoked_subcommand is None:
        return ctx.invoke(run)
    return None


@cli.command()
@click.argument("scenarios", nargs=-1, metavar="[SCENARIO]...")
@click.option("--all", "all_", is_flag=True, help="Run base and every scenario in scenarios/.")
@set_option
@output_option
@assumptions_option
@csv_option
@quiet_option
def run(scenarios, all_, overrides, outdir, assumptions_dir, csv_, quiet) -> int:
    """Run scenarios and write outputs/<scenario>.xlsx (a live, checked Excel model).

    SCENARIO is a name (base, bull, bear: looked up in the assumptions folder) or a path to a
    scenario file; the default is base.

    \b
    Examples:
      finmodel run
      finmodel run bull bear --csv
      finmodel run --set revenue.segments.consumer.initial_growth=1.1 --set deals.oracle-cloud.capacity_gw=5
    """
    from .commands import run_scenarios
    return run_scenarios(scenario_paths(scenarios, all_, assumptions_dir), overrides, outdir, csv_,
                         quiet, click.echo)


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@set_option
@assumptions_option
@quiet_option
def validate(paths, overrides, assumptions_dir, quiet) -> int:
    """Check scenario files (and their deal tables) without running the model.

    With no PATH, every scenario and the sensitivity spec of the assumptions folder are
    checked. Every problem is listed at once as file:line:col: field.path: message.

    \b
    Examples:
      finmodel validate
      finmodel validate assumptions/scenarios/bear.yaml --set valuation.discount_rate=0.2
    """
    from .assumptions.load import load
    targets = [resolve_scenario(p, assumptions_dir) for p in paths] if paths else \
        scenario_paths((), True, assumptions_dir)
    for path in targets:
        a = load(path, overrides)
        if not quiet:
            included = sum(d.include for d in a.deals)
            click.echo(f"{path}: ok ({len(a.deals)} deals, {included} included)")
    spec = Path(assumptions_dir) / "sensitivity.yaml"
    if not paths and spec.is_file():
        from .api import drivers_for
        from .sensitivity.spec import load_spec
        _, variations = load_spec(spec, drivers_for(load(targets[0], overrides)))
        if not quiet:
            click.echo(f"{spec}: ok ({len(variations)} inputs)")
    return 0


@cli.command()
@click.argument("record", type=click.Path(path_type=Path))
@output_option
@quiet_option
def rerun(record, outdir, quiet) -> int:
    """Re-run the command recorded in a RECORD.json written beside an output.

    Says clearly when an input file has changed since the record was made.

    \b
    Examples:
      finmodel rerun outputs/base.run.json
      finmodel rerun outputs/base-montecarlo.run.json -o /tmp
    """
    from .commands import rerun_record
    return rerun_record(record, outdir, quiet, click.echo)


def _register_analysis_commands() -> None:
    try:
        from .analysis_cli import register
    except ImportError:  # the analysis commands are optional while being built
        return
    register(cli)


_register_analysis_commands()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn every outcome into an exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    signal.signal(signal.SIGTERM, _raise_interrupt)
    saved_argv, sys.argv = sys.argv, [sys.argv[0] if sys.argv else "finmodel", *argv]  # recorded
    try:
        code = cli.main(args=argv, prog_name="finmodel", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        code = 130
    except KeyboardInterrupt:
        click.echo("interrupted: no output was changed", err=True)
        code = 130
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except FinModelError as exc:
        click.echo(f"error: {exc}", err=True)
        code = exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if debug:
            traceback.print_exc()
        click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
                   "This is a bug in finmodel; run again with --debug for the traceback.", err=True)
        code = EXIT_INTERNAL
    finally:
        sys.argv = saved_argv
    sys.stdout.flush()
    sys.exit(code if isinstance(code, int) else 0)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":  # pragma: no cover
    main()
