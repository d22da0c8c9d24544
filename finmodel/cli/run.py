"""``finmodel run`` (also what ``finmodel`` alone does) and ``finmodel validate``."""
from __future__ import annotations

import contextlib
import gc
from pathlib import Path
from typing import Sequence

import click

from .options import (CONTEXT, all_option, assumptions_option, common_options, debug_option,
                      quiet_option, set_option)
from .registry import ANALYSES, execute

__all__ = ["run", "validate", "scenario_paths", "exit_with"]


def exit_with(code: int) -> None:
    """End a command with ``code`` (click reports it as the exit code, also under CliRunner)."""
    if code:
        raise click.exceptions.Exit(code)


def scenario_paths(scenarios: Sequence[str], all_: bool, assumptions_dir: Path) -> list[Path]:
    """The scenario files to run: the named ones (default base), plus every one with ``--all``."""
    from .. import api
    if all_:
        scenarios = tuple(scenarios) + tuple(n for n in api.scenario_names(assumptions_dir)
                                             if n not in scenarios)
    return [api.resolve_scenario(s, assumptions_dir) for s in (scenarios or ("base",))]


@click.command(context_settings=CONTEXT)
@click.argument("scenarios", nargs=-1, metavar="[SCENARIO]...")
@all_option
@common_options
def run(scenarios, all_, overrides, outdir, name, assumptions_dir, csv_, quiet) -> None:
    """Run scenarios and write outputs/<scenario>.xlsx (a live, checked Excel model).

    SCENARIO is a name (base, bull, bear: looked up in the assumptions folder) or a path to a
    scenario file; the default is base. Exit code 1 when a model check fails. --all --csv also
    writes every scenario in one tidy table with a scenario column, all-scenarios.csv (and
    all-scenarios-metrics.csv).

    \b
    Examples:
      finmodel run
      finmodel run bull bear --csv
      finmodel run --set revenue.segments.consumer.initial_growth=1.1 --set deals.oracle-cloud.capacity_gw=5
      finmodel run --set valuation.discount_rate=0.10 --name base-r10
    """
    with _collector_spaced():
        paths = scenario_paths(scenarios, all_, assumptions_dir)
        combined = _combined_plan(outdir, overrides, paths) if all_ and csv_ else None
        code = execute(ANALYSES["run"], paths, overrides, {}, outdir, csv_, quiet, name=name,
                       also=(combined, _write_combined) if combined is not None else None)
    exit_with(code)


_GC_EVERY = 100_000
"""Allocations between young-generation garbage collections during ``run`` (Python: 700)."""


@contextlib.contextmanager
def _collector_spaced():
    """Python's cyclic garbage collector run less often while ``run`` works.

    A run allocates a few hundred thousand short-lived objects (imports, the validated
    assumptions, the workbook's cells); with the default threshold (a young-generation pass
    every 700 allocations) the collector's passes cost ~5-8 % of ``finmodel run``'s CPU time
    (issue 16; measured with ``benchmarks/startup.py``). A pass every :data:`_GC_EVERY`
    allocations costs about as little as none at all and still frees the few cycles a run
    makes. The thresholds are restored afterwards.
    """
    before = gc.get_threshold()
    gc.set_threshold(_GC_EVERY, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


ALL_SCENARIOS = "all-scenarios"  # the combined tables of run --all --csv


def _combined_plan(outdir: Path, overrides: Sequence[str], paths: Sequence[Path]):
    """``all-scenarios.csv`` and ``all-scenarios-metrics.csv`` (``-set-<hash>`` with overrides),
    checked before anything is computed."""
    from ..comparison import CompareRun
    from ..outputs import plan_outputs, variant_name
    return plan_outputs(outdir, variant_name(ALL_SCENARIOS, tuple(overrides)),
                        CompareRun.tables_of[:2], paths)


def _write_combined(runs: Sequence, plan, out) -> None:
    """One tidy table of every scenario's line items (and one of metrics) with a scenario
    column, written through the command's output writer ``out``."""
    from ..comparison import CompareRun
    from ..outputs import write_csv
    combined = CompareRun(tuple(runs), ())
    for table, path in plan.csv.items():
        write_csv(out.path(path), combined.tables[table])


@click.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@set_option
@assumptions_option
@quiet_option
@debug_option
def validate(paths, overrides, assumptions_dir, quiet) -> None:
    """Check scenario files (and their deal tables) without running the model.

    PATH is a scenario (a name or a .yaml file), a deal table (.csv), a sensitivity spec or a
    run record: each is recognised and checked as what it is. With no PATH, every scenario and
    the sensitivity spec of the assumptions folder are checked. Every problem is listed at
    once as file:line:col: field.path: message.

    \b
    Examples:
      finmodel validate
      finmodel validate assumptions/scenarios/bear.yaml --set valuation.discount_rate=0.2
      finmodel validate assumptions/sensitivity.yaml assumptions/commitments.csv
    """
    from .. import api
    lines = api.validate(paths, overrides, assumptions_dir=assumptions_dir)
    if not quiet:
        click.echo("\n".join(lines))
