"""Command line: thin — parse, call the API (:mod:`finmodel.api`), write, report.

Errors become exit codes in one place (:func:`main`): 0 ok, 1 model checks failed (or a
target unsolved), 2 usage, 65 invalid input data, 66 input missing, 73 cannot create output,
71 out of memory or another resource refused, 130 interrupted, 70 internal error (a bug). A
reader that leaves early (``finmodel run --all | head -1``, ``2>&1 | head -1`` too) ends the
printing, not the run (:class:`_Printing`): every file is written and the exit code is the run's.

Modules: ``options`` (every option and the mini-syntax types), ``registry`` (the analyses and
how a command runs one), ``run`` (run, validate), ``analyses`` (sensitivity tornado/grid,
solve, montecarlo), ``globalsa`` (sensitivity sobol/morris), ``rerun``, ``diff``, ``compare``, ``importwb`` (import).
"""
from __future__ import annotations

import errno
import os
import signal
import sys
import traceback

import click

from .. import __version__
from ..errors import FinModelError, WorkerDied, closest
from . import analyses, compare, diff, globalsa, importwb, rerun, run
from .options import CONTEXT, Session, debug_option

__all__ = ["cli", "main", "EXIT_INTERNAL", "EXIT_OSERR", "EXIT_INTERRUPTED"]

EXIT_INTERNAL = 70
EXIT_OSERR = 71  # the machine refused: out of memory, too many open files (not a bug)
EXIT_INTERRUPTED = 130
_RESOURCE_ERRNOS = (errno.ENOMEM, errno.EMFILE, errno.ENFILE, errno.EAGAIN)


class _Group(click.Group):
    """A group whose unknown command names the one most likely meant, in every click version
    (click before 8.2 says only "No such command")."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0] if args else None
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            best = closest(name, self.list_commands(ctx))
            if best is not None:
                ctx.fail(f"No such command {name!r}. Did you mean {best!r}?")
        return super().resolve_command(ctx, args)


@click.group(cls=_Group, context_settings=CONTEXT, invoke_without_command=True,
             epilog="Run with no command to run the shipped base case into outputs/.")
@click.version_option(__version__, "-V", "--version", prog_name="finmodel")
@debug_option
@click.pass_context
def cli(ctx: click.Context) -> None:
    """finmodel: cash-flow model of an AI lab's compute build-out, with live Excel workbooks.

    \b
    Examples:
      finmodel                                 run the base case into outputs/base.xlsx
      finmodel run --all --csv                 every shipped scenario's workbook and CSV tables
      finmodel run bear --set valuation.discount_rate=0.10 -o /tmp
      finmodel validate assumptions/base.yaml
      finmodel sensitivity tornado             rank the inputs by their effect on NPV
      finmodel compare                         base, bull and bear side by side
      finmodel diff base bear                  why bear differs from base, input by input
      finmodel import outputs/base.xlsx        the inputs edited in a workbook, as an overlay
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(run.run)


for command in (run.run, run.validate, analyses.sensitivity, analyses.solve,
                analyses.montecarlo, rerun.rerun, diff.diff, compare.compare, importwb.import_):
    cli.add_command(command)
for command in (globalsa.sobol, globalsa.morris):
    analyses.sensitivity.add_command(command)


class _Printing:
    """Standard output (or error) that stops printing once its reader has gone and lets the
    run go on.

    Python ignores SIGPIPE, so a write into a pipe whose reader left (``| head -1``) raises
    BrokenPipeError, and click turns that into exit 1, "a model check failed", in the middle of
    a run, whatever the run had still to write. Here the first such write points the stream's
    descriptor at the null device (so nothing later, the interpreter's last flush
    included, meets the closed pipe) and every later write is dropped. Everything else is the
    stream's own."""

    def __init__(self, stream):
        self._stream = stream
        self.gone = False

    def write(self, text):
        if not self.gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._leave()
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._leave()

    def _leave(self) -> None:
        self.gone = True
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, self._stream.fileno())
        finally:
            os.close(null)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn every outcome into an exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    session = Session()
    signal.signal(signal.SIGTERM, _raise_interrupt)
    saved_argv, sys.argv = sys.argv, [sys.argv[0] if sys.argv else "finmodel", *argv]  # recorded
    saved, null = (sys.stdout, sys.stderr), None
    if None in saved:  # started with one closed (>&-): Python gives None, which click before
        null = open(os.devnull, "w")  # 8.1.4 cannot echo to; the null device takes it instead
    # progress and messages go to stderr (2>&1 | head -1 closes it too)
    sys.stdout, sys.stderr = (_Printing(stream if stream is not None else null) for stream in saved)
    try:
        code = cli.main(args=argv, prog_name="finmodel", standalone_mode=False, obj=session)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        code = EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("interrupted: no output was changed", err=True)
        code = EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except FinModelError as exc:
        click.echo(f"error: {exc}", err=True)
        code = exc.exit_code
    except WorkerDied as exc:
        click.echo(f"error: {exc}: nothing was written; run again (with fewer --draws if memory "
                   "is short)", err=True)
        code = EXIT_OSERR
    except MemoryError:
        click.echo("error: out of memory: this run needs more memory than is free; use fewer "
                   "--draws, a smaller grid or fewer deals (nothing was written)", err=True)
        code = EXIT_OSERR
    except OSError as exc:
        if exc.errno not in _RESOURCE_ERRNOS:
            code = _internal(exc, session)
        else:
            click.echo(f"error: the system refused a resource: {exc.strerror or exc} "
                       "(nothing was written); free some and run again", err=True)
            code = EXIT_OSERR
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        code = _internal(exc, session)
    finally:
        sys.argv = saved_argv
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = saved
        if null is not None:
            null.close()
    sys.exit(code if isinstance(code, int) else 0)


def _internal(exc: BaseException, session: Session) -> int:
    """Report a bug (exit 70): what was raised, and how to see the traceback."""
    if session.debug:
        traceback.print_exception(exc)
    click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
               "This is a bug in finmodel; run again with --debug for the traceback.", err=True)
    return EXIT_INTERNAL


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt
