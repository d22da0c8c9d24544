"""What the CLI commands do, as plain functions (content first, writing second).

Each takes parsed arguments and an ``echo`` function and returns an exit code; errors are
raised as :class:`~finmodel.errors.FinModelError` and mapped to exit codes by ``cli.main``.
"""
from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Callable, Sequence

from .api import ModelRun, run
from .assumptions.load import file_sha256, load
from .errors import InputMissingError, UsageError
from .outputs import check_output_path, write_csv, write_text
from .record import record_json, run_info

__all__ = ["run_scenarios", "metrics_block", "rerun_record", "output_paths"]


def output_paths(outdir: Path, stem: str, csv_: bool) -> dict[str, Path]:
    paths = {"xlsx": outdir / f"{stem}.xlsx", "record": outdir / f"{stem}.run.json"}
    if csv_:
        paths |= {"csv": outdir / f"{stem}.csv", "metrics_csv": outdir / f"{stem}-metrics.csv"}
    return paths


def run_scenarios(paths: Sequence[Path], overrides: Sequence[str], outdir: Path, csv_: bool,
                  quiet: bool, echo: Callable[..., None], command: list[str] | None = None) -> int:
    """Load every scenario, then run and write each; return 1 if any model check fails."""
    from .workbook.output import write_scenario_workbook

    loaded = [load(p, overrides) for p in paths]  # all inputs validated before any output
    plans = []
    for a in loaded:
        outs = output_paths(Path(outdir), a.path.stem, csv_)
        for suffix_key, p in outs.items():
            check_output_path(p, p.suffix.lower(), a.files)
        plans.append((a, outs))
    runs: list[ModelRun] = []
    for a, outs in plans:
        r = run(a)
        info = run_info(a, command)
        write_scenario_workbook(r, outs["xlsx"], info)
        if csv_:
            write_csv(outs["csv"], r.line_items)
            write_csv(outs["metrics_csv"], r.metrics)
        write_text(outs["record"], record_json(info, a.path, "run", {
            "outputs": {k: str(v) for k, v in outs.items()}}))
        runs.append(r)
        if not quiet:
            echo(f"wrote {outs['xlsx']}" + (f", {outs['csv']}" if csv_ else ""))
    if not quiet:
        echo("")
        echo(metrics_block(runs))
    failed = [(r.assumptions.name, row.label) for r in runs for row in r.checks.itertuples() if not row.ok]
    for name, label in failed:
        echo(f"CHECK FAILED [{name}]: {label}", err=True)
    return 1 if failed else 0


def metrics_block(runs: Sequence[ModelRun]) -> str:
    """A compact text table: one row per headline metric, one column per scenario."""
    keys = ("npv_usd_bn", "irr", "payback_year", "peak_funding_need_usd_bn", "peak_funding_year",
            "cumulative_commitments_usd_bn", "revenue_coverage")
    names = [r.assumptions.path.stem for r in runs]
    tables = [r.metrics.set_index("metric") for r in runs]
    rows = [["", ""] + names]
    for k in keys:
        label, unit = tables[0].loc[k, "label"], tables[0].loc[k, "unit"]
        rows.append([label, "" if unit in ("fraction", "year", "x") else unit]
                    + [t.loc[k, "text"] for t in tables])
    rows.append(["Model checks", ""] + ["all pass" if r.checks_pass else "FAILED" for r in runs])
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for i, r in enumerate(rows):
        cells = [str(r[0]).ljust(widths[0]), str(r[1]).ljust(widths[1])]
        cells += [str(c).rjust(w) for c, w in zip(r[2:], widths[2:])]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)


def rerun_record(record: Path, outdir: Path, quiet: bool, echo: Callable[..., None]) -> int:
    """Re-run a recorded run; warn when input files changed since it was recorded."""
    try:
        doc = json.loads(Path(record).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputMissingError(f"run record not found: {record}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputMissingError(f"cannot read run record {record}: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("finmodel_record") != 1:
        raise UsageError(f"{record} is not a finmodel run record")
    changed = []
    for path, digest in (doc.get("inputs") or {}).items():
        p = _recorded_path(path, doc)
        if not p.is_file():
            changed.append(f"{path}: missing")
        elif file_sha256(p) != digest:
            changed.append(f"{path}: changed since the record was made")
    for line in changed:
        echo(f"warning: {line}; the numbers may differ from the recorded run", err=True)
    if not changed and not quiet:
        echo("inputs unchanged since the record was made (SHA-256 match)")
    analysis = doc.get("analysis", "run")
    overrides = tuple(doc.get("overrides") or ())
    scenario = _recorded_path(doc["scenario"], doc)
    if analysis == "run":
        return run_scenarios([scenario], overrides, outdir, "csv" in (doc.get("outputs") or {}),
                             quiet, echo, command=shlex.split(doc.get("command", "")) or None)
    from .analysis_cli import rerun_analysis
    doc = {**doc, "scenario": str(scenario)}
    if doc.get("spec"):
        doc["spec"] = str(_recorded_path(doc["spec"], doc))
    return rerun_analysis(doc, outdir, quiet, echo)


def _recorded_path(path: str, doc: dict) -> Path:
    """A path from a run record: a relative one is taken from the folder the run was made in."""
    p, cwd = Path(path), doc.get("cwd")
    if p.is_absolute() or not cwd or Path(cwd).resolve() == Path.cwd().resolve():
        return p
    return Path(cwd) / p
