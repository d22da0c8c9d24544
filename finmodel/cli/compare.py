"""``finmodel compare SCENARIO...``: scenarios side by side in one workbook."""
from __future__ import annotations

import click

from .options import CONTEXT, common_options
from .registry import progress_for
from .sides import write_with_record
from .run import exit_with

__all__ = ["compare"]


@click.command(context_settings=CONTEXT)
@click.argument("scenarios", nargs=-1, metavar="[SCENARIO]...")
@common_options
def compare(scenarios, overrides, outdir, name, assumptions_dir, csv_, quiet) -> None:
    """Scenarios side by side (default: base bull bear; the first is the reference).

    SCENARIO is a name, a scenario file, NAME[PATH=VALUE,...] (a --set variant as one column)
    or a RECORD.run.json. Writes outputs/compare-<names>.xlsx: the headline metrics with each
    scenario's difference from the first, key line items by year with overlaid line charts
    (revenue, FCF, cash, funding need, unfunded gap, capacity, capex, EBITDA) and the inputs
    that differ (path, each scenario's value, unit, basis). With --csv, tidy tables with a
    scenario column: compare-<names>.csv (line items), -metrics.csv and -inputs.csv. The run
    record compare-<names>.run.json replays it: finmodel rerun.

    \b
    Examples:
      finmodel compare
      finmodel compare base bear --csv
      finmodel compare base 'base[valuation.discount_rate=0.10]' --name base-r10
    """
    from .. import api
    from ..comparison import CompareRun, compare_stem
    from ..outputs import plan_outputs
    loaded = [api.load_argument(s, overrides, assumptions_dir) for s in (scenarios or api.COMPARE_DEFAULT)]
    if len(loaded) < 2:
        raise click.UsageError("compare needs at least two scenarios")
    files = tuple(p for a in loaded for p in a.files)
    plan = plan_outputs(outdir, name or compare_stem(loaded), CompareRun.tables_of if csv_ else (), files)
    from ..errors import numeric_errors
    with numeric_errors([f"--set {o}" for o in overrides]):
        result = api.compare(loaded, progress=progress_for(quiet))
        code = write_with_record(result, plan, loaded, "compare", quiet)
    exit_with(code)
