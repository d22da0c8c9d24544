"""What the analysis commands do: tornado, grid, solve, Monte Carlo (content first, then write).

Each function validates everything before computing, computes with one vectorised engine
evaluation (chunked), writes ``<outdir>/<scenario>-<analysis>.xlsx`` (+ CSV, + run record)
and returns an exit code. Errors are raised as FinModelError subclasses.
"""
from __future__ import annotations

import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

import click
import numpy as np
import pandas as pd

from .api import drivers_for
from .assumptions.load import Assumptions, load
from .errors import Problem, UsageError
from .model.catalogue import build_catalogue
from .outputs import check_output_path, write_csv, write_text
from .record import record_json, run_info
from .sensitivity.evaluate import check_outputs, output_label
from .tables import format_value
from .sensitivity.oneway import Variation, grid, tornado
from .sensitivity.solve import Target, solve
from .sensitivity.spec import load_spec, make_variation
from .workbook.analysis import layout_grid, layout_solve, layout_tornado
from .workbook.writer import write_workbook

__all__ = ["tornado_command", "grid_command", "solve_command", "parse_axis", "parse_target"]

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


@dataclass(frozen=True)
class Common:
    """What every analysis command shares."""

    scenario: Path
    overrides: tuple[str, ...]
    outdir: Path
    csv_: bool
    quiet: bool
    echo: Callable[..., None]


@contextmanager
def progress(total: int, label: str, quiet: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal (stderr); silent when quiet or not a terminal."""
    if quiet or not sys.stderr.isatty():
        yield lambda k: None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


def _plan(c: Common, analysis: str, extra_csv: Sequence[str] = ()) -> tuple[Assumptions, dict[str, Path]]:
    a = load(c.scenario, c.overrides)
    stem = f"{a.path.stem}-{analysis}"
    outs = {"xlsx": c.outdir / f"{stem}.xlsx", "record": c.outdir / f"{stem}.run.json"}
    if c.csv_:
        outs["csv"] = c.outdir / f"{stem}.csv"
        for name in extra_csv:
            outs[name] = c.outdir / f"{stem}-{name}.csv"
    for p in outs.values():
        check_output_path(p, p.suffix.lower(), a.files)
    return a, outs


def _labels(a: Assumptions, outputs: Sequence[str]) -> dict[str, tuple[str, str]]:
    cat = build_catalogue(drivers_for(a).structure)
    return {o: output_label(o, cat) for o in outputs}


def _check_outputs(a: Assumptions, outputs: Sequence[str]) -> None:
    d = drivers_for(a)
    problems = check_outputs(outputs, build_catalogue(d.structure), list(d.years))
    if problems:
        raise UsageError("invalid --metric", [Problem(p, "--metric") for p in problems])


def _finish(c: Common, a: Assumptions, outs: dict[str, Path], spec, analysis: str, record: dict,
            tables: dict[str, pd.DataFrame], info) -> None:
    write_workbook(spec, outs["xlsx"])
    for key, frame in tables.items():
        if key in outs:
            write_csv(outs[key], frame)
    write_text(outs["record"], record_json(info, a.path, analysis, record))
    if not c.quiet:
        written = ", ".join(str(p) for k, p in outs.items() if k != "record")
        c.echo(f"wrote {written}")


# --- tornado ---------------------------------------------------------------------------------------

def tornado_command(c: Common, spec_path: Path, metrics: Sequence[str]) -> int:
    a, outs = _plan(c, "tornado", ["spider"])
    d = drivers_for(a)
    spec, variations = load_spec(spec_path, d)
    outputs = list(metrics) or spec.outputs
    _check_outputs(a, outputs)
    with progress(1 + 2 * len(variations), "tornado", c.quiet) as bar:
        result = tornado(d, variations, outputs, bar)
    labels = _labels(a, outputs)
    info = run_info(a, extra_files=(spec_path,))
    book = layout_tornado(result, variations, labels, a.path.stem, info)
    _finish(c, a, outs, book, "tornado",
            {"spec": str(spec_path), "metrics": list(metrics)},
            {"csv": result.swings, "spider": result.spider}, info)
    if not c.quiet:
        c.echo("")
        c.echo(tornado_text(result, labels))
    return 0


def tornado_text(result, labels: dict[str, tuple[str, str]], top: int = 8) -> str:
    lines = []
    for o, (label, unit) in labels.items():
        t = result.swings[result.swings["output"] == o].head(top)
        lines.append(f"{label} [{unit}]: base {format_value(result.base[o], unit)}")
        width = max((len(x) for x in t["label"]), default=10)
        for r in t.itertuples():
            lines.append(f"  {r.rank:>2}. {r.label.ljust(width)}  low {format_value(r.output_low, unit):>10}"
                         f"  high {format_value(r.output_high, unit):>10}  swing {format_value(r.swing, unit):>10}")
        lines.append("")
    return "\n".join(lines).rstrip()


# --- grid ----------------------------------------------------------------------------------------

def parse_axis(text: str, option: str, drivers) -> tuple[Variation, int]:
    """``PATH=LO:HI:N`` (or ``PATH*=LO:HI:N`` to scale a whole input by factors)."""
    m = re.fullmatch(rf"\s*([^=*\s]+)(\*?)=({_NUM}):({_NUM}):(\d+)\s*", text)
    if not m:
        raise UsageError(f"{option}: expected PATH=LO:HI:N, e.g. valuation.discount_rate=0.08:0.16:9 "
                         f"(got {text!r})")
    path, star, lo, hi, n = m.group(1), m.group(2), float(m.group(3)), float(m.group(4)), int(m.group(5))
    if not 2 <= n <= 200:
        raise UsageError(f"{option}: N must be between 2 and 200 (got {n})")
    if lo == hi:
        raise UsageError(f"{option}: LO and HI are equal")
    try:
        return make_variation(drivers, path, path, bool(star), lo, hi), n
    except ValueError as why:
        raise UsageError(f"{option}: {why}") from None


def grid_command(c: Common, x: str, y: str, metric: str) -> int:
    a, outs = _plan(c, "grid")
    d = drivers_for(a)
    _check_outputs(a, [metric])
    (vx, nx), (vy, ny) = parse_axis(x, "--x", d), parse_axis(y, "--y", d)
    with progress(nx * ny + 1, "grid", c.quiet) as bar:
        g = grid(d, vx, vy, nx, ny, metric, bar)
    label = _labels(a, [metric])[metric]
    info = run_info(a)
    book = layout_grid(g, label, a.path.stem, info)
    _finish(c, a, outs, book, "grid", {"x": x, "y": y, "metric": metric}, {"csv": g.tidy()}, info)
    if not c.quiet:
        c.echo("")
        c.echo(f"{label[0]} [{label[1]}]; rows {vy.path}, columns {vx.path}; base {format_value(g.base, label[1])}")
        c.echo(g.table().to_string(float_format=lambda v: format_value(v, label[1])))
    return 0


# --- solve ---------------------------------------------------------------------------------------

def parse_target(text: str) -> tuple[str, float]:
    m = re.fullmatch(rf"\s*([A-Za-z0-9_@]+)\s*=\s*({_NUM})\s*", text)
    if not m:
        raise UsageError(f"--target: expected METRIC=VALUE, e.g. npv_usd_bn=0 (got {text!r})")
    return m.group(1), float(m.group(2))


def parse_bounds(text: str) -> tuple[float, float]:
    m = re.fullmatch(rf"\s*({_NUM})\s*,\s*({_NUM})\s*", text)
    if not m or float(m.group(1)) >= float(m.group(2)):
        raise UsageError(f"--bounds: expected LO,HI with LO < HI (got {text!r})")
    return float(m.group(1)), float(m.group(2))


def default_bounds(base: float, scale: bool) -> tuple[float, float]:
    """Without --bounds: a factor 0.01..10, or base/10..base*10 (or -1..1 around 0)."""
    if scale:
        return 0.01, 10.0
    if base == 0:
        return -1.0, 1.0
    lo, hi = sorted((base / 10, base * 10))
    return lo, hi


def solve_command(c: Common, targets: Sequence[str], varies: Sequence[str], bounds: Sequence[str]) -> int:
    if not targets:
        raise UsageError("give at least one --target METRIC=VALUE")
    if len(varies) not in (1, len(targets)):
        raise UsageError("give one --vary for all targets or one per --target")
    if bounds and len(bounds) not in (1, len(targets)):
        raise UsageError("give one --bounds for all targets or one per --target")
    a, outs = _plan(c, "solve")
    d = drivers_for(a)
    parsed = [parse_target(t) for t in targets]
    _check_outputs(a, [o for o, _ in parsed])
    tlist = []
    for i, (output, value) in enumerate(parsed):
        vary = varies[0] if len(varies) == 1 else varies[i]
        scale, path = vary.endswith("*"), vary.rstrip("*")
        try:
            base = make_variation(d, path, path, scale, None, None).base
            lo, hi = parse_bounds(bounds[0] if len(bounds) == 1 else bounds[i]) if bounds else \
                default_bounds(base, scale)
            tlist.append(Target(output, value, make_variation(d, path, path, scale, lo, hi)))
        except ValueError as why:
            raise UsageError(f"--vary: {why}") from None
    solutions = solve(d, tlist)
    labels = _labels(a, [o for o, _ in parsed])
    info = run_info(a)
    book = layout_solve(solutions, labels, a.path.stem, info)
    table = pd.DataFrame([{"output": s.target.output, "target": s.target.value,
                           "input": s.target.vary.path, "lower_bound": s.target.vary.low,
                           "upper_bound": s.target.vary.high, "solution": s.value,
                           "achieved": s.achieved, "result": s.message} for s in solutions])
    _finish(c, a, outs, book, "solve", {"targets": list(targets), "varies": list(varies),
                                         "bounds": list(bounds)}, {"csv": table}, info)
    for s in solutions:
        label, unit = labels[s.target.output]
        if s.value is None:
            c.echo(f"{label} = {s.target.value:g}: {s.message}", err=True)
        elif not c.quiet:
            c.echo(f"{label} = {format_value(s.achieved, unit)} when {s.target.vary.path} = {s.value:.10g}")
    return 0 if all(s.value is not None for s in solutions) else 1


# --- Monte Carlo -------------------------------------------------------------------------------

def montecarlo_command(c: Common, spec_path: Path, metrics: Sequence[str], draws: int,
                       seed: int | None, lhs: bool) -> int:
    from .sensitivity.montecarlo import montecarlo
    from .sensitivity.sampling import entropy_seed
    from .workbook.analysis import layout_montecarlo
    a, outs = _plan(c, "montecarlo", ["draws"])
    d = drivers_for(a)
    spec, variations = load_spec(spec_path, d)
    outputs = list(metrics) or spec.outputs
    _check_outputs(a, outputs)
    seed = entropy_seed() if seed is None else seed
    cat = build_catalogue(d.structure)
    with progress(draws, "Monte Carlo", c.quiet) as bar:
        mc = montecarlo(d, spec, variations, outputs, draws, seed, lhs, cat, bar)
    info = run_info(a, seed=seed, extra_files=(spec_path,))
    book = layout_montecarlo(mc, a.path.stem, info)
    _finish(c, a, outs, book, "montecarlo",
            {"spec": str(spec_path), "metrics": list(metrics), "draws": draws, "seed": seed, "lhs": lhs},
            {"csv": mc.table()}, info)
    if not c.quiet:
        c.echo("")
        c.echo(montecarlo_text(mc))
    return 0


def montecarlo_text(mc) -> str:
    lines = [f"{mc.draws:,} draws, {mc.valid:,} valid ({mc.draws - mc.valid:,} invalid, excluded); "
             f"seed {mc.seed}{'; Latin hypercube' if mc.lhs else ''}",
             f"correlation: {mc.correlation_note}", ""]
    head = f"{'':48} {'mean':>10} {'+-se':>8} " + " ".join(f"{'P' + format(q, 'g'):>9}" for q in mc.quantiles)
    lines.append(head + "   n/a")
    for o, row in mc.percentiles.items():
        unit = row["unit"]
        cells = [f"{format_value(row[f'p{q:g}'], unit):>9}" for q in mc.quantiles]
        lines.append(f"{row['label'][:48]:48} {format_value(row['mean'], unit):>10} {_fmt_se(row['se'], unit):>8} "
                     + " ".join(cells) + f"   {row['missing']}")
    lines.append("")
    for p in mc.probabilities:
        lines.append(f"{p['label']}: {p['p']:.1%} (95% CI {p['lo']:.1%}-{p['hi']:.1%})")
    return "\n".join(lines)


def _fmt_se(x: float, unit: str) -> str:
    """A standard error: years and rates need more decimals than their values."""
    if x is None or not np.isfinite(x):
        return "n/a"
    if unit == "fraction":
        return f"{x:.2%}"
    return f"{x:,.2f}"
