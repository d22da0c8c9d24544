"""``finmodel diff A B``: the inputs that differ and each metric's change attributed to them."""
from __future__ import annotations

import click

from .options import (CONTEXT, by_option, common_options, diff_metrics_option,
                      permutations_option, diff_seed_option, set_a_option, set_b_option)
from .registry import progress_for
from .sides import diff_record, write_with_record
from .run import exit_with

__all__ = ["diff"]


@click.command(context_settings=CONTEXT)
@click.argument("a")
@click.argument("b")
@diff_metrics_option
@by_option
@set_a_option
@set_b_option
@permutations_option
@diff_seed_option
@common_options
def diff(a, b, metrics, by, overrides_a, overrides_b, permutations, seed, overrides, outdir, name,
         assumptions_dir, csv_, quiet) -> None:
    """Why B differs from A: every input that differs, and each metric's change attributed to
    the inputs by Shapley values (exact up to 12 groups, else sampled with a standard error),
    with the one-at-a-time sequential attribution beside them.

    A and B are scenario names or files, NAME[PATH=VALUE,...] (a --set variant in one argument)
    or a RECORD.run.json (its scenario and overrides). Writes outputs/diff-A-B.xlsx (a waterfall table and
    chart per metric, the inputs that differ, the run record) and, with --csv, diff-A-B.csv
    (metric, input, contribution, ...; a total row per metric) and diff-A-B-inputs.csv. A side
    with overrides is named <scenario>-set-<hash>. A and B must share their structure (timeline,
    included deals, segments, rounds ...): otherwise each difference is listed and the exit code
    is 65. The run record diff-A-B.run.json replays it: finmodel rerun.

    \b
    Examples:
      finmodel diff base bear
      finmodel diff base bull --metric npv_usd_bn --metric revenue_total@2030 --by block
      finmodel diff base base --set-b valuation.discount_rate=0.10 --set-b capex.servers.cost_usd_bn_per_gw=30
      finmodel diff base 'base[valuation.discount_rate=0.10,operations.pue=1.3]'
      finmodel diff outputs/base.run.json bear
    """
    from .. import api
    from ..comparison import DiffRun, diff_stem
    from ..outputs import plan_outputs
    common = tuple(overrides)
    la = api.load_argument(a, common + tuple(overrides_a), assumptions_dir)
    lb = api.load_argument(b, common + tuple(overrides_b), assumptions_dir)
    plan = plan_outputs(outdir, name or diff_stem(la, lb), DiffRun.tables_of if csv_ else (),
                        la.files + lb.files)
    from ..errors import numeric_errors
    with numeric_errors([f"--set {o}" for o in common + tuple(overrides_a) + tuple(overrides_b)]):
        result = api.diff(la, lb, list(metrics), by=by, permutations=permutations, seed=seed,
                          progress=progress_for(quiet))
        code = write_with_record(result, plan, [la, lb], "diff", quiet, diff_record(result, permutations))
    exit_with(code)
