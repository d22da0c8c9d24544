"""Every option of the command line, defined once, and the types of its mini-syntaxes.

Commands stack these decorators; :func:`common_options` is the stack every command that
writes outputs takes. The ``click.ParamType`` subclasses turn ``PATH=VALUE``, ``PATH=LO:HI:N``,
``METRIC=VALUE``, ``PATH[*]`` and ``LO,HI`` into values (:mod:`finmodel.arguments`) or into a
usage error (exit 2) that shows the expected form and an example.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import click
from click.shell_completion import CompletionItem

from ..arguments import MAX_DRAWS, MAX_HELD_ROWS, MAX_SEED, MIN_DRAWS, Axis, Bounds, Event, Goal, Precision, Vary
from ..errors import unexpected_characters

__all__ = ["CONTEXT", "Session", "OverrideType", "AxisType", "GoalType", "EventType", "VaryType", "BoundsType",
           "debug_option", "progress_option", "set_option", "output_option", "assumptions_option", "quiet_option",
           "csv_option", "common_options", "scenario_argument", "spec_option", "metrics_option",
           "metric_option", "x_option", "y_option", "target_option", "vary_option",
           "bounds_option", "prob_option", "precision_option", "PrecisionType", "draws_option", "seed_option", "lhs_option", "save_draws_option", "all_option",
           "name_option", "diff_metrics_option", "by_option", "set_a_option", "set_b_option",
           "permutations_option", "diff_seed_option"]

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
METRIC_HELP = ("a metric such as npv_usd_bn, irr, payback_year, peak_funding_need_usd_bn, or "
               "LINE_ITEM@YEAR such as revenue_total@2030")


@dataclass
class Session:
    """State of one invocation of ``main()``, shared by every context (``ctx.obj``)."""

    debug: bool = False
    progress: bool | None = None  # --progress / --no-progress; None: a bar on a terminal, else lines
    rerun: bool = False  # a command rebuilt by ``rerun``: never replace an existing output
    command: list[str] | None = None  # the command line recorded (``rerun``: the rebuilt one)


# --- types of the mini-syntaxes ------------------------------------------------------------------

class _Parsed(click.ParamType):
    """A value parsed by ``parse`` (raising ValueError with the reason)."""

    parse: Callable

    def convert(self, value, param, ctx):
        try:
            return type(self).parse(value)
        except ValueError as why:
            self.fail(str(why) + unexpected_characters(value), param, ctx)


class OverrideType(click.ParamType):
    """``PATH=VALUE`` (kept as text: the loader parses and validates it like the files)."""

    name = "PATH=VALUE"

    def convert(self, value, param, ctx):
        key, eq, _ = str(value).partition("=")
        if not eq:
            self.fail(f"expected PATH=VALUE, e.g. valuation.discount_rate=0.10 (got {value!r}); "
                      "write the value after '=' with no space", param, ctx)
        if not key.strip() or any(not p for p in key.strip().split(".")):
            self.fail(f"bad path {key!r}: expected dotted names, e.g. valuation.discount_rate=0.10",
                      param, ctx)
        return value


class AxisType(_Parsed):
    name = "PATH=LO:HI:N"
    parse = staticmethod(Axis.parse)


class GoalType(_Parsed):
    name = "METRIC=VALUE"
    parse = staticmethod(Goal.parse)


class VaryType(_Parsed):
    name = "PATH"
    parse = staticmethod(Vary.parse)


class EventType(_Parsed):
    name = "METRIC<OP>VALUE"
    parse = staticmethod(Event.parse)


class PrecisionType(_Parsed):
    name = "METRIC:STAT=HALF_WIDTH"
    parse = staticmethod(Precision.parse)


class BoundsType(_Parsed):
    name = "LO,HI"
    parse = staticmethod(Bounds.parse)


def _complete_metric(ctx, param, incomplete: str) -> list[CompletionItem]:
    from ..api import metric_names
    return [CompletionItem(m) for m in metric_names() if m.startswith(incomplete)]


# --- options every command takes -----------------------------------------------------------------

def _set_debug(ctx: click.Context, param, value: bool) -> None:
    if value:
        ctx.ensure_object(Session).debug = True


debug_option = click.option(
    "--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
    help="Show the full traceback of internal errors.")
set_option = click.option(
    "--set", "overrides", multiple=True, type=OverrideType(), metavar="PATH=VALUE",
    help="Override an assumption, validated like the file; repeatable. A year of a per-year "
         "input: PATH.YEAR=VALUE; a deal: deals.ID.COLUMN=VALUE.")
def _default_outdir(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    """The default ``outputs/`` is created beside ``assumptions/`` when missing (a folder given
    with -o must exist: a typo there should not scatter outputs)."""
    if value == param.default and not value.exists() and Path("assumptions").is_dir():
        try:
            value.mkdir()
        except OSError:
            pass  # reported with its reason when the outputs are planned
    return value


output_option = click.option(
    "-o", "--output", "outdir", type=click.Path(path_type=Path), default=Path("outputs"),
    show_default=True, callback=_default_outdir,
    help="Folder for the outputs (a folder given here must exist; the default is created).")
assumptions_option = click.option(
    "-a", "--assumptions", "assumptions_dir", type=click.Path(path_type=Path),
    default=Path("assumptions"), show_default=True,
    help="Folder holding base.yaml and scenarios/.")
quiet_option = click.option("-q", "--quiet", is_flag=True, help="Print only errors (and no progress).")


def _set_progress(ctx: click.Context, param, value: bool | None) -> None:
    if value is not None:
        ctx.ensure_object(Session).progress = value


progress_option = click.option(
    "--progress/--no-progress", default=None, expose_value=False, callback=_set_progress,
    help="Show progress on stderr: by default a bar on a terminal and, elsewhere (a log, a "
         "pipe), a line every 2 s of a long run; --progress adds a line at every 10 %.")
csv_option = click.option("--csv", "csv_", is_flag=True,
                          help="Also write the tables as CSV beside the workbook.")


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _check_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and (not _NAME.match(value) or value.endswith((".xlsx", ".csv", ".json"))):
        raise click.BadParameter(f"expected a file name stem of letters, digits, '.', '_' or '-' with no "
                                 f"folder and no extension, e.g. base-r10 (got {value!r})", ctx, param)
    return value


name_option = click.option(
    "--name", "name", default=None, metavar="NAME", callback=_check_name,
    help="Name of the outputs (NAME.xlsx, NAME.csv, NAME.run.json ...) instead of the default "
         "(<scenario>, <scenario>-set-<hash> with --set, then -<analysis>).")

def common_options(f):
    """The options of every command that writes outputs, defined once."""
    for option in reversed((set_option, output_option, name_option, assumptions_option, csv_option,
                            quiet_option, progress_option, debug_option)):
        f = option(f)
    return f


scenario_argument = click.argument("scenario", default="base")
all_option = click.option("--all", "all_", is_flag=True,
                          help="Run base and every scenario in scenarios/.")

# --- analysis options ----------------------------------------------------------------------------

spec_option = click.option(
    "--spec", "spec_path", type=click.Path(path_type=Path), default=None,
    help="Sensitivity spec (default: sensitivity.yaml in the assumptions folder).")
metrics_option = click.option(
    "--metric", "metrics", multiple=True, metavar="METRIC", shell_complete=_complete_metric,
    help=f"Output to report (repeatable; default: the spec's outputs): {METRIC_HELP}.")
metric_option = click.option(
    "--metric", "metric", default="npv_usd_bn", show_default=True, metavar="METRIC",
    shell_complete=_complete_metric, help=f"The output shown in the table: {METRIC_HELP}.")
x_option = click.option(
    "--x", "x", required=True, type=AxisType(),
    help="Column input and its range: N points from LO to HI; PATH*=LO:HI:N scales a whole "
         "per-year input by factors. LO,HI,N also works.")
y_option = click.option("--y", "y", required=True, type=AxisType(), help="Row input and its range.")
target_option = click.option(
    "--target", "targets", multiple=True, type=GoalType(),
    help=f"What to reach, e.g. npv_usd_bn=0 (repeatable: solved together); METRIC is {METRIC_HELP}. "
         "A statistic over the spec's Monte Carlo draws: p90(METRIC)=VALUE (any pQ, 0<Q<100), "
         "mean(METRIC)=VALUE or 'prob(METRIC<VALUE)=P' (quote it).")
vary_option = click.option(
    "--vary", "varies", multiple=True, type=VaryType(),
    help="The input to move (one for all targets, or one per target); PATH* scales a whole "
         "per-year input.")
bounds_option = click.option(
    "--bounds", "bounds", multiple=True, type=BoundsType(),
    help="Where to look (default: base/10..base*10, or factor 0.01..10); LO:HI also works.")
draws_option = click.option(
    "--draws", "draws", type=click.IntRange(MIN_DRAWS, MAX_DRAWS), default=None,
    help="Number of draws (default 10,000); with --precision the most draws (default "
         "1,000,000). A run that cannot fit in the memory available is refused before it starts.")
precision_option = click.option(
    "--precision", "precision", multiple=True, type=PrecisionType(), shell_complete=_complete_metric,
    help="Draw until half the width of a statistic's 95 % interval is at most HALF_WIDTH (in the "
         "metric's unit), or --draws is reached: METRIC:STAT=HALF_WIDTH with STAT pQ (a percentile, "
         "0<Q<100) or mean, e.g. npv_usd_bn:p50=5; repeatable (every goal must be met).")
solve_draws_option = click.option(
    "--draws", "draws", type=click.IntRange(MIN_DRAWS, MAX_HELD_ROWS), default=None,
    help="Monte Carlo draws for a statistic target such as p90(METRIC)=VALUE (default 10,000).")
seed_option = click.option(
    "--seed", "seed", type=click.IntRange(0, MAX_SEED), default=None,
    help="Seed for the draws; without it fresh entropy is drawn and recorded.")
prob_option = click.option(
    "--prob", "probabilities", multiple=True, type=EventType(), shell_complete=_complete_metric,
    help="Also report P(METRIC OP VALUE), OP one of < <= > >=, e.g. "
         "'peak_unfunded_gap_usd_bn>300' (quote it: < and > are shell redirections); repeatable.")
lhs_option = click.option("--lhs", is_flag=True, help="Latin hypercube sampling.")
save_draws_option = click.option(
    "--save-draws", "save_draws", type=click.Path(path_type=Path, dir_okay=False), default=None,
    metavar="FILE.parquet",
    help="Also write every draw (its sampled inputs and its outputs, one row per draw) to "
         "FILE: Parquet (.parquet, needs pyarrow) or CSV (.csv).")


# --- naming and diff options -----------------------------------------------------------------------

diff_metrics_option = click.option(
    "--metric", "metrics", multiple=True, metavar="METRIC", shell_complete=_complete_metric,
    help=f"Output to attribute (repeatable; default: npv_usd_bn, peak_funding_need_usd_bn, "
         f"peak_unfunded_gap_usd_bn): {METRIC_HELP}.")
by_option = click.option(
    "--by", "by", type=click.Choice(["auto", "input", "block"]), default="auto", show_default=True,
    help="Attribute to each input, or to each Inputs-sheet block (e.g. 'Capex: Servers and "
         "accelerators', 'Deal: Oracle ...'); auto: inputs when at most 12 differ, else blocks.")
set_a_option = click.option(
    "--set-a", "overrides_a", multiple=True, type=OverrideType(), metavar="PATH=VALUE",
    help="Override an assumption of A only (repeatable); --set applies to both.")
set_b_option = click.option(
    "--set-b", "overrides_b", multiple=True, type=OverrideType(), metavar="PATH=VALUE",
    help="Override an assumption of B only (repeatable), e.g. diff base base --set-b valuation.discount_rate=0.10.")
diff_seed_option = click.option(
    "--seed", "seed", type=click.IntRange(0, MAX_SEED), default=0, show_default=True,
    help="Seed of the random orders when the attribution is sampled (the same command gives the "
         "same numbers; the standard errors say how much another seed would move them).")
permutations_option = click.option(
    "--permutations", "permutations", type=click.IntRange(4, 1_000_000), default=2000, show_default=True,
    help="Random orders (in antithetic pairs) when more than 12 groups differ.")
