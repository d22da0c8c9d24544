"""Click commands of the analyses (registered on the main group by ``cli.py``)."""
from __future__ import annotations

from pathlib import Path

import click

from .cli import (CONTEXT, assumptions_option, csv_option, output_option, quiet_option,
                  resolve_scenario, set_option)

__all__ = ["register", "rerun_analysis"]

spec_option = click.option(
    "--spec", "spec_path", type=click.Path(path_type=Path), default=None,
    help="Sensitivity spec (default: sensitivity.yaml in the assumptions folder).")
metric_option = click.option(
    "--metric", "metrics", multiple=True, metavar="METRIC",
    help="Output to report (repeatable): a metric such as npv_usd_bn, irr, payback_year, "
         "peak_funding_need_usd_bn, or LINE_ITEM@YEAR such as revenue_total@2030.")


def common_options(f):
    """The options every analysis command takes, defined once."""
    for option in reversed((set_option, output_option, assumptions_option, csv_option, quiet_option)):
        f = option(f)
    return f


def _common(scenario, overrides, outdir, assumptions_dir, csv_, quiet):
    from .analysis_commands import Common
    return Common(resolve_scenario(scenario, assumptions_dir), tuple(overrides), Path(outdir),
                  csv_, quiet, click.echo)


def _spec(spec_path, assumptions_dir) -> Path:
    return Path(spec_path) if spec_path else Path(assumptions_dir) / "sensitivity.yaml"


def register(cli: click.Group) -> None:
    @cli.group(context_settings=CONTEXT)
    def sensitivity():
        """One-way (tornado, spider) and two-way (grid) sensitivity analyses."""

    @sensitivity.command()
    @click.argument("scenario", default="base")
    @spec_option
    @metric_option
    @common_options
    def tornado(scenario, spec_path, metrics, overrides, outdir, assumptions_dir, csv_, quiet):
        """Swing each input of the spec to its low and high; rank inputs by effect.

        Writes outputs/<scenario>-tornado.xlsx with a tornado and a spider chart per metric.

        \b
        Examples:
          finmodel sensitivity tornado
          finmodel sensitivity tornado bear --metric npv_usd_bn --metric peak_funding_need_usd_bn
        """
        from .analysis_commands import tornado_command
        return tornado_command(_common(scenario, overrides, outdir, assumptions_dir, csv_, quiet),
                               _spec(spec_path, assumptions_dir), metrics)

    @sensitivity.command()
    @click.argument("scenario", default="base")
    @click.option("--x", "x", required=True, metavar="PATH=LO:HI:N",
                  help="Column input and its range; PATH*=LO:HI:N scales a whole per-year input.")
    @click.option("--y", "y", required=True, metavar="PATH=LO:HI:N", help="Row input and its range.")
    @click.option("--metric", "metric", default="npv_usd_bn", show_default=True, metavar="METRIC",
                  help="The output shown in the table.")
    @common_options
    def grid(scenario, x, y, metric, overrides, outdir, assumptions_dir, csv_, quiet):
        """A two-way data table of one metric, as a heat map with the base case marked.

        \b
        Examples:
          finmodel sensitivity grid --x valuation.discount_rate=0.08:0.16:9 \\
              --y capex.servers.cost_usd_bn_per_gw=15:35:11 --metric npv_usd_bn
          finmodel sensitivity grid --x "operations.power_price_usd_per_mwh*=0.5:2:7" \\
              --y commitments.delay_years=0:3:4 --metric peak_funding_need_usd_bn --csv
        """
        from .analysis_commands import grid_command
        return grid_command(_common(scenario, overrides, outdir, assumptions_dir, csv_, quiet), x, y, metric)

    @cli.command(context_settings=CONTEXT)
    @click.argument("scenario", default="base")
    @click.option("--target", "targets", multiple=True, metavar="METRIC=VALUE",
                  help="What to reach, e.g. npv_usd_bn=0 (repeatable: solved together).")
    @click.option("--vary", "varies", multiple=True, metavar="PATH",
                  help="The input to move (one for all targets, or one per target); PATH* scales "
                       "a whole per-year input.")
    @click.option("--bounds", "bounds", multiple=True, metavar="LO,HI",
                  help="Where to look (default: base/10..base*10, or factor 0.01..10).")
    @common_options
    def solve(scenario, targets, varies, bounds, overrides, outdir, assumptions_dir, csv_, quiet):
        """Break-even / goal seek: the input value at which a metric hits a target.

        Exit code 1 when a target has no solution within its bounds (the message says why).

        \b
        Examples:
          finmodel solve bull --target npv_explicit_usd_bn=0 --vary valuation.discount_rate --bounds 0.05,1
          finmodel solve --target npv_usd_bn=0 --vary revenue.segments.consumer.initial_growth
          finmodel solve --target peak_funding_need_usd_bn=500 --vary capex.servers.cost_usd_bn_per_gw --bounds 5,40
        """
        from .analysis_commands import solve_command
        return solve_command(_common(scenario, overrides, outdir, assumptions_dir, csv_, quiet),
                             targets, varies, bounds)

    @cli.command(context_settings=CONTEXT)
    @click.argument("scenario", default="base")
    @click.option("--draws", "draws", type=click.IntRange(10, 5_000_000), default=10_000,
                  show_default=True, help="Number of draws.")
    @click.option("--seed", "seed", type=click.IntRange(0, 2**63 - 1), default=None,
                  help="Seed for the draws; without it fresh entropy is drawn and recorded.")
    @click.option("--lhs", is_flag=True, help="Latin hypercube sampling.")
    @spec_option
    @metric_option
    @common_options
    def montecarlo(scenario, draws, seed, lhs, spec_path, metrics, overrides, outdir,
                   assumptions_dir, csv_, quiet):
        """Monte Carlo: percentiles, per-year bands and probabilities of the chosen metrics.

        Inputs, distributions and rank correlations come from the spec.

        \b
        Examples:
          finmodel montecarlo --draws 100000 --seed 42
          finmodel montecarlo bear --draws 1000000 --lhs --csv
        """
        from .analysis_commands import montecarlo_command
        return montecarlo_command(_common(scenario, overrides, outdir, assumptions_dir, csv_, quiet),
                                  _spec(spec_path, assumptions_dir), metrics, draws, seed, lhs)


def rerun_analysis(doc: dict, outdir: Path, quiet: bool, echo) -> int:
    """Re-run a recorded analysis with the same arguments (and seed)."""
    from . import analysis_commands as ac
    c = ac.Common(Path(doc["scenario"]), tuple(doc.get("overrides") or ()), Path(outdir), False,
                  quiet, echo)
    kind = doc.get("analysis")
    if kind == "tornado":
        return ac.tornado_command(c, Path(doc["spec"]), doc.get("metrics") or ())
    if kind == "grid":
        return ac.grid_command(c, doc["x"], doc["y"], doc["metric"])
    if kind == "solve":
        return ac.solve_command(c, doc["targets"], doc["varies"], doc["bounds"])
    if kind == "montecarlo":
        return ac.montecarlo_command(c, Path(doc["spec"]), doc.get("metrics") or (), doc["draws"],
                                     doc["seed"], doc.get("lhs", False))
    from .errors import UsageError
    raise UsageError(f"unknown analysis {kind!r} in the run record")
