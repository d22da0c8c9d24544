"""The one registry of analyses, and the one way a command runs them and writes their outputs.

An :class:`Analysis` is named after the API function that computes it (``finmodel.api.<name>``,
whose return annotation is its result class: tables, the arguments that reproduce it) and
says how those arguments are stored in a run record. The commands call :func:`execute` with
the parsed arguments; ``rerun`` rebuilds the command line from the record's fields
(``command`` and ``options``) and runs it through the same command, options and :func:`execute`. The API is imported when
an analysis runs, so ``--help`` and ``--version`` stay fast.
"""
from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import click

from ..errors import UsageError, numeric_errors

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
    command: tuple[str, ...] = ()   # the command line words, e.g. ("sensitivity", "tornado")
    options: Mapping[str, str] = field(default_factory=dict)  # record key -> its option (--draws)
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

    @property
    def required(self) -> tuple[str, ...]:
        """Arguments of ``compute`` without a default (besides the scenario)."""
        params = list(inspect.signature(self.compute).parameters.values())[1:]
        return tuple(p.name for p in params if p.default is inspect.Parameter.empty
                     and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


ANALYSES: dict[str, Analysis] = {a.name: a for a in (
    Analysis("run", command=("run",)),
    Analysis("tornado", {"spec": "spec", "metrics": "metrics"}, paths=("spec",),
             command=("sensitivity", "tornado"), options={"spec": "--spec", "metrics": "--metric"}),
    Analysis("grid", {"x": "x", "y": "y", "metric": "metric"}, command=("sensitivity", "grid"),
             options={"x": "--x", "y": "--y", "metric": "--metric"}),
    Analysis("solve", {"targets": "targets", "varies": "vary", "bounds": "bounds", "spec": "spec",
                       "draws": "draws", "seed": "seed", "lhs": "lhs"}, paths=("spec",), command=("solve",),
             options={"targets": "--target", "varies": "--vary", "bounds": "--bounds", "spec": "--spec",
                      "draws": "--draws", "seed": "--seed", "lhs": "--lhs"},
             failed_suffix="failed"),  # no solution: never over the last good solve's outputs
    Analysis("montecarlo",
             {"spec": "spec", "metrics": "metrics", "draws": "draws", "seed": "seed",
              "lhs": "lhs", "probabilities": "probabilities", "precision": "precision"}, paths=("spec",),
             exports={"save_draws": Export("keep_draws", "write_draws")}, command=("montecarlo",),
             options={"spec": "--spec", "metrics": "--metric", "draws": "--draws", "seed": "--seed",
                      "lhs": "--lhs", "probabilities": "--prob", "precision": "--precision",
                      "save_draws": "--save-draws"}),
    Analysis("sobol",
             {"spec": "spec", "metrics": "metrics", "items": "items", "samples": "samples", "seed": "seed",
              "independent": "independent"}, paths=("spec",), command=("sensitivity", "sobol"),
             options={"spec": "--spec", "metrics": "--metric", "items": "--item", "samples": "--samples",
                      "seed": "--seed", "independent": "--independent"}),
    Analysis("morris",
             {"spec": "spec", "metrics": "metrics", "trajectories": "trajectories", "levels": "levels",
              "seed": "seed", "all_inputs": "all_inputs", "change": "change"}, paths=("spec",),
             command=("sensitivity", "morris"),
             options={"spec": "--spec", "metrics": "--metric", "trajectories": "--trajectories",
                      "levels": "--levels", "seed": "--seed", "all_inputs": "--all-inputs", "change": "--change"}),
)}


def analysis_named(name: str) -> Analysis:
    try:
        return ANALYSES[name]
    except (KeyError, TypeError):
        raise UsageError(f"unknown analysis {name!r} in the run record "
                         f"(known: {', '.join(ANALYSES)})") from None


def _session():
    """The :class:`~finmodel.cli.options.Session` of this invocation, or None outside one."""
    from .options import Session
    ctx = click.get_current_context(silent=True)
    return ctx.find_object(Session) if ctx is not None else None


def progress_for(quiet: bool) -> Callable:
    """The progress reporter of this invocation: ``--quiet`` and ``--progress/--no-progress``
    (kept on the session, :class:`~finmodel.cli.options.Session`) decide (:mod:`.progress`)."""
    from .progress import progress_reporter
    session = _session()
    return progress_reporter(quiet, session.progress if session is not None else None)


def execute(analysis: Analysis, scenarios: Sequence[Path], overrides: Sequence[str],
            arguments: Mapping, outdir: Path, csv_: bool, quiet: bool,
            command: list[str] | None = None, collect: list | None = None,
            name: str | None = None, fresh: bool = False,
            also: tuple | None = None) -> int:
    """Load every scenario, plan and check every output, then compute and write each.

    Returns the exit code: 1 when a result is not ok (a model check failed, a target has no
    solution), else 0. Errors are raised (``cli.main`` maps them to exit codes). ``collect``,
    when given, receives the results. ``name`` names the outputs (one scenario only) instead
    of :meth:`stem_for`; ``fresh`` (rerun) never replaces an existing output: the name gets
    ``-rerun`` (``-rerun-2``, ...) when its files exist. Companion files an earlier run of the
    same name wrote (its record's CSVs) that this run does not write are removed, so no stale
    CSV stays beside a newer workbook. ``also`` = (plan, write(results, plan, writer)) adds
    files computed from every result (``run --all --csv``'s combined tables) to the set.

    Every file of the command is written through one :class:`~finmodel.outputs.OutputWriter`:
    when any computation or write fails, no earlier output is replaced and none is created.
    A result that is not ok of an analysis with a ``failed_suffix`` (a solve without a
    solution) is written as ``<stem>-failed``, leaving the outputs of the last good one as they
    were.
    """
    from .. import api
    from ..outputs import OutputWriter, check_output_sets, plan_outputs, write_csv, write_text
    from ..record import record_json
    session = _session()
    if session is not None and session.rerun:
        fresh, command = True, command or session.command
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
    check_output_sets(plans + ([list(also[0].csv.values())] if also else []),
                      [a.path for a in loaded] + (["the combined tables"] if also else []))
    results, written, stale, used = [], [], set(), []
    with OutputWriter() as out:  # every file of the command, or none
        for a, stem, plan in zip(loaded, stems, plans):
            with numeric_errors([f"--set {o}" for o in overrides]):  # computing and laying out
                r = analysis.compute(a, **arguments, progress=progress_for(quiet))
                if not r.ok and analysis.failed_suffix:  # e.g. base-solve-failed.xlsx
                    plan = plan_outputs(outdir, f"{stem}-{analysis.failed_suffix}", tables,
                                        a.files + extra_inputs, exports)
                info = r.run_info(command)
                r.write_workbook(out.path(plan.xlsx), info)
            stale |= _earlier_outputs(plan) - set(plan.paths())
            for table, path in plan.csv.items():
                write_csv(out.path(path), r.tables[table])
            for arg, path in plan.exports.items():
                getattr(r, analysis.exports[arg].write)(out.path(path))
            write_text(out.path(plan.record), record_json(
                info, a.path, analysis.name, {**analysis.record_fields(r), "outputs": plan.roles()}))
            results.append(r)
            used.append(plan)
            written.append([p for p in plan.paths() if p != plan.record])
        if also:
            also[1](results, also[0], out)
            written.append(list(also[0].csv.values()))
        out.commit()
    _remove(stale - {p for plan in used for p in plan.paths()})
    if collect is not None:
        collect.extend(results)
    if not quiet:
        for paths in written:
            click.echo("wrote " + ", ".join(str(p) for p in paths))
    report = analysis.result.text_of(results)
    if not quiet and report:
        click.echo("")
        click.echo(report)
    for r in results:
        for line in r.problems:
            click.echo(line, err=True)
    return 0 if all(r.ok for r in results) else 1


def write_one(result, plan, quiet: bool, run_info=None, record: str | None = None) -> int:
    """Write a result with one output set (``compare``, ``diff``): its workbook (with
    ``run_info`` on its About sheet), CSV tables and, given, its run record text, as one set;
    report what was written, its summary and its problems. Returns the exit code (1 when the
    result is not ok)."""
    from ..outputs import OutputWriter, write_csv, write_text
    with OutputWriter() as out:
        result.write_workbook(out.path(plan.xlsx), run_info)
        for table, path in plan.csv.items():
            write_csv(out.path(path), result.tables[table])
        if record is not None:
            write_text(out.path(plan.record), record)
        out.commit()
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
