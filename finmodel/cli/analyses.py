"""The analysis commands: ``sensitivity tornado``, ``sensitivity grid``, ``solve``, ``montecarlo``.

Each parses its options, names the analysis in the registry and hands the arguments of its
API function (:mod:`finmodel.api`) to :func:`~finmodel.cli.registry.execute`.
"""
from __future__ import annotations

import click

from .options import (CONTEXT, bounds_option, common_options, debug_option, draws_option,
                      lhs_option, metric_option, metrics_option, precision_option, prob_option, save_draws_option,
                      scenario_argument, seed_option, solve_draws_option,
                      spec_option, target_option, vary_option, x_option, y_option)
from .registry import ANALYSES, execute
from .run import exit_with

__all__ = ["sensitivity", "tornado", "grid", "solve", "montecarlo"]


def _run(analysis: str, scenario: str, overrides, outdir, name, assumptions_dir, csv_, quiet,
         **arguments) -> None:
    from ..api import resolve_scenario
    exit_with(execute(ANALYSES[analysis], [resolve_scenario(scenario, assumptions_dir)], overrides,
                      arguments, outdir, csv_, quiet, name=name))


def _spec(spec_path, assumptions_dir):
    """``--spec``, or the sensitivity spec of the assumptions folder (recorded as such)."""
    from ..api import spec_path as default_spec
    return default_spec(spec_path, assumptions_dir)


@click.group(context_settings=CONTEXT)
@debug_option
def sensitivity() -> None:
    """One-way (tornado, spider), two-way (grid) and global (Sobol' indices, Morris screening)
    sensitivity analyses.

    \b
    Examples:
      finmodel sensitivity tornado --metric npv_usd_bn
      finmodel sensitivity sobol --seed 1
      finmodel sensitivity morris --all-inputs --seed 1
      finmodel sensitivity grid --x valuation.discount_rate=0.08:0.16:9 --y commitments.delay_years=0:3:4
    """


@sensitivity.command(context_settings=CONTEXT)
@scenario_argument
@spec_option
@metrics_option
@common_options
def tornado(scenario, spec_path, metrics, overrides, outdir, name, assumptions_dir, csv_, quiet) -> None:
    """Swing each input of the spec to its low and high; rank inputs by effect.

    Writes outputs/<scenario>-tornado.xlsx with a tornado and a spider chart per metric.

    \b
    Examples:
      finmodel sensitivity tornado
      finmodel sensitivity tornado bear --metric npv_usd_bn --metric peak_funding_need_usd_bn
    """
    _run("tornado", scenario, overrides, outdir, name, assumptions_dir, csv_, quiet,
         spec=_spec(spec_path, assumptions_dir), metrics=list(metrics))


@sensitivity.command(context_settings=CONTEXT)
@scenario_argument
@x_option
@y_option
@metric_option
@common_options
def grid(scenario, x, y, metric, overrides, outdir, name, assumptions_dir, csv_, quiet) -> None:
    """A two-way data table of one metric, as a heat map with the base case marked.

    \b
    Examples:
      finmodel sensitivity grid --x valuation.discount_rate=0.08:0.16:9 \\
          --y capex.servers.cost_usd_bn_per_gw=15:35:11 --metric npv_usd_bn
      finmodel sensitivity grid --x "operations.power_price_usd_per_mwh*=0.5:2:7" \\
          --y commitments.delay_years=0:3:4 --metric peak_funding_need_usd_bn --csv
    """
    _run("grid", scenario, overrides, outdir, name, assumptions_dir, csv_, quiet, x=x, y=y, metric=metric)


@click.command(context_settings=CONTEXT)
@scenario_argument
@target_option
@vary_option
@bounds_option
@solve_draws_option
@seed_option
@lhs_option
@spec_option
@common_options
def solve(scenario, targets, varies, bounds, draws, seed, lhs, spec_path, overrides, outdir, name,
          assumptions_dir, csv_, quiet) -> None:
    """Break-even / goal seek: the input value at which a metric hits a target.

    A target may be a statistic over the Monte Carlo of the spec's distributions (a
    percentile, a mean or a probability): the draws are sampled once and held fixed while the
    input moves, and the solution comes with its Monte Carlo standard error.

    Exit code 1 when a target has no solution within its bounds (the message says why).

    \b
    Examples:
      finmodel solve bull --target npv_explicit_usd_bn=0 --vary valuation.discount_rate --bounds 0.05,1
      finmodel solve --target npv_usd_bn=0 --vary revenue.segments.consumer.initial_growth
      finmodel solve --target peak_funding_need_usd_bn=500 --vary capex.servers.cost_usd_bn_per_gw --bounds 5,40
      finmodel solve --target 'p90(peak_funding_need_usd_bn)=500' \\
          --vary revenue.segments.consumer.initial_growth --bounds 0.5,6 --draws 10000 --seed 42
      finmodel solve --target 'prob(npv_usd_bn<0)=0.2' --vary revenue.segments.consumer.initial_growth --bounds 0.5,6
    """
    statistic = any(g.stat is not None for g in targets)
    _run("solve", scenario, overrides, outdir, name, assumptions_dir, csv_, quiet,
         targets=list(targets), vary=list(varies), bounds=list(bounds), draws=draws, seed=seed, lhs=lhs,
         spec=_spec(spec_path, assumptions_dir) if statistic or spec_path is not None else None)


@click.command(context_settings=CONTEXT)
@scenario_argument
@draws_option
@seed_option
@lhs_option
@spec_option
@metrics_option
@prob_option
@precision_option
@save_draws_option
@common_options
def montecarlo(scenario, draws, seed, lhs, spec_path, metrics, probabilities, precision, save_draws, overrides,
               outdir, name, assumptions_dir, csv_, quiet) -> None:
    """Monte Carlo: percentiles, per-year bands and probabilities of the chosen metrics.

    Inputs, distributions, rank correlations and the probabilities to report (e.g. of a
    covenant breach, of an unfunded gap above a threshold) come from the spec; --prob adds
    more. The first covenant breach year is shown as a distribution. --precision draws until
    the asked statistics are known well enough (--draws is then the maximum) and says at
    what number of draws it stopped; the workbook's "Stable at N" sheet shows the estimates
    and their intervals against the number of draws.

    \b
    Examples:
      finmodel montecarlo --draws 100000 --seed 42
      finmodel montecarlo --prob 'peak_unfunded_gap_usd_bn>300' --prob 'min_dscr<1'
      finmodel montecarlo bear --draws 1000000 --lhs --csv
      finmodel montecarlo --draws 100000 --seed 42 --save-draws outputs/draws.parquet
      finmodel montecarlo --seed 1 --precision npv_usd_bn:p50=5 --precision peak_funding_need_usd_bn:p90=10
    """
    _run("montecarlo", scenario, overrides, outdir, name, assumptions_dir, csv_, quiet,
         spec=_spec(spec_path, assumptions_dir), metrics=list(metrics), draws=draws, seed=seed,
         lhs=lhs, probabilities=[str(p) for p in probabilities], precision=[str(g) for g in precision],
         save_draws=save_draws)
