"""The global sensitivity commands: ``sensitivity sobol`` and ``sensitivity morris``.

Their options are defined here, once (``cli`` adds the commands to the ``sensitivity`` group);
the commands hand the arguments of their API functions
(:func:`finmodel.api.sobol`, :func:`finmodel.api.morris`) to the registry's
:func:`~finmodel.cli.registry.execute` like every analysis.
"""
from __future__ import annotations

import click

from .analyses import _run, _spec
from .options import (CONTEXT, METRIC_HELP, _complete_metric, common_options, scenario_argument, seed_option,
                      spec_option)

__all__ = ["sobol", "morris"]


def _power_of_two(ctx, param, value: int) -> int:
    if value & (value - 1):
        raise click.BadParameter(f"expected a power of 2 (Sobol' points are balanced in blocks of 2^k), "
                                 f"e.g. {1 << (value.bit_length() - 1)} or {1 << value.bit_length()} "
                                 f"(got {value})", ctx, param)
    return value


def _even(ctx, param, value: int) -> int:
    if value % 2:
        raise click.BadParameter(f"expected an even number (got {value})", ctx, param)
    return value


metrics_option = click.option(
    "--metric", "metrics", multiple=True, metavar="METRIC", shell_complete=_complete_metric,
    help=f"Output to analyse (repeatable; default: npv_usd_bn and peak_funding_need_usd_bn): {METRIC_HELP}.")
samples_option = click.option(
    "--samples", "samples", type=click.IntRange(32, 2**20), default=2048, show_default=True,
    callback=_power_of_two,
    help="Base sample size N, a power of 2; the model runs N x (factors + 2) rows.")
item_option = click.option(
    "--item", "items", multiple=True, metavar="LINE_ITEM",
    help="Line item analysed year by year, one set of indices per year (repeatable; default "
         "funding_need), e.g. fcf, revenue_total, cash_closing.")
independent_option = click.option(
    "--independent", is_flag=True,
    help="Ignore the spec's correlations: one index per input (default: correlated inputs form groups).")
trajectories_option = click.option(
    "--trajectories", "trajectories", type=click.IntRange(2, 10_000), default=20, show_default=True,
    help="Morris trajectories r; the model runs r x (inputs + 1) rows.")
levels_option = click.option(
    "--levels", "levels", type=click.IntRange(2, 20), default=4, show_default=True, callback=_even,
    help="Grid levels of each input's range (even).")
all_inputs_option = click.option(
    "--all-inputs", "all_inputs", is_flag=True,
    help="Screen every input of the scenario, not the spec's: scalars base -/+ --change, per-year "
         "inputs by a factor 1 -/+ --change, calendar years -/+ 1 year.")
change_option = click.option(
    "--change", "change", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
    help="With --all-inputs: the relative range around each base (default 0.2 for -/+20%).")


@click.command(context_settings=CONTEXT)
@scenario_argument
@samples_option
@seed_option
@spec_option
@metrics_option
@item_option
@independent_option
@common_options
def sobol(scenario, samples, seed, spec_path, metrics, items, independent, overrides, outdir, name,
          assumptions_dir, csv_, quiet) -> None:
    """Sobol' indices: each input's share of the variance of NPV, peak funding need and, year by
    year, a line item (first-order S1 and total ST, with 95% bootstrap intervals).

    Inputs and distributions come from the spec; inputs it correlates are analysed as one
    group. Writes outputs/<scenario>-sobol.xlsx: indices with a bar chart, a heat map of the
    inputs x years, and the "stable at N" convergence charts.

    \b
    Examples:
      finmodel sensitivity sobol --seed 1
      finmodel sensitivity sobol --samples 4096 --item funding_need --item fcf --csv
      finmodel sensitivity sobol bear --metric irr --independent
    """
    _run("sobol", scenario, overrides, outdir, name, assumptions_dir, csv_, quiet,
         spec=_spec(spec_path, assumptions_dir), metrics=list(metrics), items=list(items) or ["funding_need"],
         samples=samples, seed=seed, independent=independent)


@click.command(context_settings=CONTEXT)
@scenario_argument
@trajectories_option
@levels_option
@seed_option
@spec_option
@metrics_option
@all_inputs_option
@change_option
@common_options
def morris(scenario, trajectories, levels, seed, spec_path, metrics, all_inputs, change, overrides, outdir,
           name, assumptions_dir, csv_, quiet) -> None:
    """Morris screening: rank many inputs cheaply by mu* (mean absolute elementary effect).

    The spec's inputs by default; --all-inputs screens every input of the scenario.

    \b
    Examples:
      finmodel sensitivity morris --seed 1
      finmodel sensitivity morris --all-inputs --trajectories 40 --seed 1 --csv
      finmodel sensitivity morris --all-inputs --change 0.1 --metric irr
    """
    if change is not None and not all_inputs:
        raise click.UsageError("--change sets the ranges of --all-inputs; give --all-inputs too")
    if spec_path is not None and all_inputs:
        raise click.UsageError("--spec and --all-inputs choose the inputs two ways: give one of them")
    _run("morris", scenario, overrides, outdir, name, assumptions_dir, csv_, quiet,
         spec=None if all_inputs else _spec(spec_path, assumptions_dir), metrics=list(metrics),
         trajectories=trajectories, levels=levels, seed=seed, all_inputs=all_inputs, change=change)
