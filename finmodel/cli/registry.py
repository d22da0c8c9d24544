"""The one registry of analyses, and the one way a command runs them and writes their outputs.

An :class:`Analysis` is named after the API function that computes it (``finmodel.api.<name>``,
whose return annotation is its result class: tables, the arguments that reproduce it) and
says how those arguments are stored in a run record. The commands call :func:`execute` with
the parsed arguments; ``rerun`` reads them back from the record with
:meth:`Analysis.arguments_from` and calls the same :func:`execute`. The API is imported when
an analysis runs, so ``--help`` and ``--version`` stay fast.
"""
from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import click

from ..errors import UsageError

__all__ = ["Analysis", "Export", "ANALYSES", "analysis_named", "execute", "progress_for", "write_one"]


@dataclass(frozen=True)
class Export:
    """A data file an analysis writes on request (``--save-draws FILE``): the keyword of
    ``compute`` that keeps the data, and the result's method that writes it."""

    keep: str       # e.g. "keep_draws"
    write: str      # e.g. "write_draws"


@dataclass(frozen=True)
class Analysis:
    """How to compute one kind of run and how to record its arguments.

    record: run-record key -> keyword argument of ``compute`` (the record keys of earlier
            versions are kept so old records still replay).
    paths:  arguments that hold file paths (relative to the folder the record was made in).
    """

    name: str
    record: Mapping[str, str] = field(default_factory=dict)
    paths: tuple[str, ...] = ()
    exports: Mapping[str, Export] = field(default_factory=dict)  # command argument -> export
    failed_suffix: str | None = None  # a result that is not ok is written as <stem>-<suffix>

    @property
    def compute(self) -> Callable:
        """The API function: ``compute(scenario, **arguments, progress=...)``."""
        from .. import api
        return getattr(api, self.name)

    @property
    def result(self) -> type:
        """The result class (:mod:`finmodel.runs`), from the API function's return annotation."""
        return typing.get_type_hints(self.compute)["return"]

    def record_fields(self, result) -> dict:
        """The arguments of ``result`` as stored in its run record."""
        args = result.arguments
        return {key: args[arg] for key, arg in self.record.items()}

    def arguments_from(self, doc: Mapping, locate: Callable[[str], Path]) -> dict:
        """Keyword arguments of ``compute`` from a run record; ``locate`` finds recorded paths."""
        out = {arg: doc[key] for key, arg in self.record.items() if doc.get(key) is not None}
        missing = [key for key, arg in self.record.items() if arg in self.required and arg not in out]
        if missing:
            raise UsageError(f"the run record of a {self.name} lacks {', '.join(map(repr, missing))}")
        return out | {arg: locate(out[arg]) for arg in self.paths if arg in out}

    @property
    def required(self) -> tuple[str, ...]:
        """Arguments of ``compute`` without a default (besides the scenario)."""
        params = list(inspect.signature(self.compute).parameters.values())[1:]
        return tuple(p.name for p in params if p.default is inspect.Parameter.empty
                     and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


ANALYSES: dict[str, Analysis] = {a.name: a for a in (
    Analysis("run"),
    Analysis("tornado", {"spec": "spec", "metrics": "metrics"}, paths=("spec",)),
    Analysis("grid", {"x": "x", "y": "y", "metric": "metric"}),
    Analysis("solve", {"targets": "targets", "varies": "vary", "bounds": "bounds"},
             failed_suffix="failed"),  # no solution: never over the last good solve's outputs
    Analysis("montecarlo",
             {"spec": "spec", "metrics": "metrics", "draws": "draws", "seed": "seed",
              "lhs": "lhs", "probabilities": "probabilities"}, paths=("spec",),
             exports={"save_draws": Export("keep_draws", "write_draws")}),
)}


def analysis_named(name: str) -> Analysis:
    try:
        return ANALYSES[name]
    except (KeyError, TypeError):
        raise UsageError(f"unknown analysis {name!r} in the run record "
                         f"(known: {', '.join(ANALYSES)})") from None


def progress_for(quiet: bool) -> Callable:
    """The progress reporter of this invocation: ``--quiet`` and ``--progress/--no-progress``
    (kept on the session, :class:`~finmodel.cli.options.Session`) decide (:mod:`.progress`)."""
    from .options import Session
    from .progress import progress_reporter
    ctx = click.get_current_context(silent=True)
    session = ctx.find_object(Session) if ctx is not None else None
    return progress_reporter(quiet, session.progress if session is not None else None)


def execute(analysis: Analysis, scenarios: Sequence[Path], overrides: Sequence[str],
            arguments: Mapping, outdir: Path, csv_: bool, quiet: bool,
            command: list[str] | None = None, collect: list | None = None,
            name: str | None = None, fresh: bool = False) -> int:
    """Load every scenario, plan and check every output, then compute and write each.

    Returns the exit code: 1 when a result is not ok (a model check failed, a target has no
    solution), else 0. Errors are raised (``cli.main`` maps them to exit codes). ``collect``,
    when given, receives the results. ``name`` names the outputs (one scenario only) instead
    of :meth:`stem_for`; ``fresh`` (rerun) never replaces an existing output: the name gets
    ``-rerun`` (``-rerun-2``, ...) when its files exist. Companion files an earlier run of the
    same name wrote (its record's CSVs) that this run does not write are removed, so no stale
    CSV stays beside a newer workbook. A result that is not ok of an analysis with a
    ``failed_suffix`` (a solve without a solution) is written as ``<stem>-failed``, leaving the
    outputs of the last good one as they were.
    """
    from .. import api
    from ..outputs import check_output_sets, plan_outputs, write_csv, write_text
    from ..record import record_json
    loaded = [api.load(s, overrides) for s in scenarios]  # every input validated first
    exports = {arg: Path(arguments[arg]) for arg in analysis.exports if arguments.get(arg)}
    arguments = {k: v for k, v in arguments.items() if k not in analysis.exports} | \
        {analysis.exports[arg].keep: True for arg in exports}
    extra_inputs = tuple(Path(arguments[p]) for p in analysis.paths if arguments.get(p))
    tables = analysis.result.tables_of if csv_ else ()
    if name is not None and len(loaded) > 1:
        raise UsageError("--name names the outputs of one scenario; give one scenario (or none with --name)")
    stems = [name or analysis.result.stem_for(a) for a in loaded]
    if fresh and name is None:
        stems = [_free_stem(outdir, s, tables) for s in stems]
    plans = [plan_outputs(outdir, stem, tables, a.files + extra_inputs, exports)
             for stem, a in zip(stems, loaded)]
    check_output_sets(plans)
    results = []
    for a, stem, plan in zip(loaded, stems, plans):
        r = analysis.compute(a, **arguments, progress=progress_for(quiet))
        if not r.ok and analysis.failed_suffix:  # e.g. base-solve-failed.xlsx
            plan = plan_outputs(outdir, f"{stem}-{analysis.failed_suffix}", tables,
                                a.files + extra_inputs, exports)
        info = r.run_info(command)
        stale = _earlier_outputs(plan)
        r.write_workbook(plan.xlsx, info)
        for name, path in plan.csv.items():
            write_csv(path, r.tables[name])
        for arg, path in plan.exports.items():
            getattr(r, analysis.exports[arg].write)(path)
        write_text(plan.record, record_json(info, a.path, analysis.name,
                                            {**analysis.record_fields(r), "outputs": plan.roles()}))
        _remove(stale - {Path(p) for p in plan.paths()})
        results.append(r)
        if collect is not None:
            collect.append(r)
        if not quiet:
            click.echo("wrote " + ", ".join(str(p) for p in plan.paths() if p != plan.record))
    report = analysis.result.text_of(results)
    if not quiet and report:
        click.echo("")
        click.echo(report)
    for r in results:
        for line in r.problems:
            click.echo(line, err=True)
    return 0 if all(r.ok for r in results) else 1


def write_one(result, plan, quiet: bool, run_info=None) -> int:
    """Write a result with one output set (``compare``, ``diff``): its workbook (with
    ``run_info`` on its About sheet) and CSV tables; report what was written, its summary and
    its problems. Returns the exit code (1 when the result is not ok). The run record is
    written by :func:`.sides.write_with_record`."""
    from ..outputs import write_csv
    result.write_workbook(plan.xlsx, run_info)
    for table, path in plan.csv.items():
        write_csv(path, result.tables[table])
    if not quiet:
        click.echo("wrote " + ", ".join(str(p) for p in [plan.xlsx, *plan.csv.values()]))
        click.echo("")
        click.echo(result.text())
    for line in result.problems:
        click.echo(line, err=True)
    return 0 if result.ok else 1


def _free_stem(outdir: Path, stem: str, tables: Sequence[str]) -> str:
    """``stem``, or ``stem-rerun``, ``stem-rerun-2``, ... : the first whose files do not exist."""
    from ..outputs import plan_outputs
    candidates = [stem, f"{stem}-rerun"] + [f"{stem}-rerun-{k}" for k in range(2, 1000)]
    for c in candidates:
        if not any(p.exists() for p in plan_outputs(outdir, c, tables)):
            return c
    raise UsageError(f"too many reruns of {stem} in {outdir}: give --name")


def _earlier_outputs(plan) -> set[Path]:
    """The companion files the earlier record of this name says it wrote (CSV tables)."""
    import json
    try:
        doc = json.loads(plan.record.read_text(encoding="utf-8"))
        roles = doc.get("outputs") or {}
    except (OSError, ValueError, AttributeError):
        return set()
    folder = plan.xlsx.parent.resolve()
    out = set()
    for role, path in roles.items() if isinstance(roles, dict) else ():
        p = Path(str(path))
        if role not in ("xlsx", "record") and p.suffix == ".csv" and p.name.startswith(plan.xlsx.stem) \
                and (plan.xlsx.parent / p.name).resolve().parent == folder:
            out.add(plan.xlsx.parent / p.name)
    return out


def _remove(paths) -> None:
    import contextlib
    for p in paths:
        with contextlib.suppress(OSError):
            p.unlink()
