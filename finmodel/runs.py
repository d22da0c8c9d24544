"""Results of the API functions: a scenario run and the four analyses.

Each result is frozen and holds its assumptions, the analysis result and its tidy tables. It
shows itself in a few lines (``repr``), as its headline table in a notebook
(``_repr_html_``) and on a terminal (:meth:`text`, a pandas ``to_string`` of the same table),
writes its workbook (:meth:`write_workbook`) and knows the arguments that reproduce it
(:attr:`arguments`, written to the run record). Values shown to people go through
:func:`finmodel.tables.format_value`.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import ClassVar, Mapping, Sequence

import numpy as np

from .arguments import Axis, Bounds, Event, Goal, Vary, heading
from .assumptions.load import Assumptions
from .lazy import lazy_module
from .model.result import Result
from .record import run_info as make_run_info
from .tables import (checks_table, format_input, format_value, line_items_table, metric_text, metrics_table,
                     text_grid)
from .workbook.layout import RunInfo

pd = lazy_module("pandas")  # imported when a table is first built

__all__ = ["ModelRun", "TornadoRun", "GridRun", "SolveRun", "MonteCarloRun", "HEADLINE_METRICS",
           "RunInfo", "text_table", "with_scenario"]

# the metrics of the terminal summary and the notebook view of a run
HEADLINE_METRICS = ("npv_usd_bn", "terminal_share", "irr", "irr_with_terminal", "moic", "payback_year",
                    "peak_funding_need_usd_bn", "peak_funding_year", "cumulative_commitments_usd_bn",
                    "revenue_coverage", "peak_unfunded_gap_usd_bn", "unfunded_gap_year",
                    "peak_net_debt_usd_bn", "first_breach_year", "ownership_final")
_PLAIN_UNITS = ("fraction", "year", "x")  # shown by their format, not by a unit label
TOP_INPUTS = 8  # inputs shown per output in a tornado's terminal table


class _Run:
    """What every result shares: kind, tables, arguments, text, repr and the workbook."""

    kind: ClassVar[str]
    tables_of: ClassVar[tuple[str, ...]]  # table names, the first written as <stem>.csv
    assumptions: Assumptions

    @classmethod
    def stem_for(cls, assumptions: Assumptions) -> str:
        """The name of the outputs: the scenario's file stem (``-set-<hash>`` after it with
        ``--set`` overrides: :func:`~finmodel.outputs.variant_name`), then ``-<kind>`` for an
        analysis."""
        from .outputs import variant_name
        return variant_name(assumptions.path.stem, assumptions.overrides) + \
            ("" if cls.kind == "run" else f"-{cls.kind}")

    @classmethod
    def text_of(cls, runs: Sequence[_Run]) -> str:
        """The terminal summary of several results of this kind."""
        return "\n\n".join(r.text() for r in runs)

    @property
    def scenario(self) -> str:
        """The scenario's file stem (``base``, ``bull``, ...)."""
        return self.assumptions.path.stem

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Tidy tables by name (what ``--csv`` writes), each led by a ``scenario`` column, so the
        tables of several scenarios stack with ``pd.concat``."""
        return {name: with_scenario(frame, self.scenario) for name, frame in self._tables().items()}

    def _tables(self) -> dict[str, pd.DataFrame]:
        raise NotImplementedError

    @property
    def arguments(self) -> dict:
        """The analysis arguments that reproduce this result (JSON-able, as recorded)."""
        return {}

    @property
    def headline(self) -> pd.DataFrame:
        """The headline table, values formatted for people."""
        raise NotImplementedError

    @property
    def ok(self) -> bool:
        """False when the command must exit 1 (a model check failed, a target unsolved)."""
        return True

    @property
    def problems(self) -> list[str]:
        """Lines for stderr when not :attr:`ok`."""
        return []

    @property
    def seed(self) -> int | None:
        return None

    @property
    def input_files(self) -> tuple[Path, ...]:
        """Input files besides the scenario's own (hashed in the run record)."""
        return ()

    def text(self) -> str:
        """The terminal summary."""
        return self.headline.to_string()

    def run_info(self, command: list[str] | None = None) -> RunInfo:
        """The run record (versions, input hashes, command line, overrides, seed)."""
        return make_run_info(self.assumptions, command, seed=self.seed, extra_files=self.input_files)

    def write_workbook(self, path: str | Path, run_info: RunInfo | None = None) -> Path:
        """Lay out and atomically write this result's workbook; returns the path."""
        from .workbook.writer import write_workbook
        return write_workbook(self._layout(run_info or self.run_info()), Path(path))

    def _layout(self, info: RunInfo):
        raise NotImplementedError

    def _summary_line(self) -> str:
        return ""

    def __repr__(self) -> str:
        a = self.assumptions
        sets = f", overrides={list(a.overrides)}" if a.overrides else ""
        lines = [f"{type(self).__name__}(scenario={self.scenario!r}, path='{a.path}'{sets})"]
        if self._summary_line():
            lines.append("  " + self._summary_line())
        lines.append("  tables: " + ", ".join(f"{k} ({len(v)} rows)" for k, v in self.tables.items()))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        title = (f"<p><b>{type(self).__name__}</b> {html.escape(self.scenario)} — "
                 f"{html.escape(self._summary_line())}</p>")
        return title + self.headline.to_html()


def with_scenario(frame: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """``frame`` led by a ``scenario`` column (unchanged when it has one)."""
    if "scenario" in frame.columns:
        return frame
    return pd.concat([pd.DataFrame({"scenario": [scenario] * len(frame)}, index=frame.index), frame],
                     axis=1)


def text_table(frame: pd.DataFrame, left: Sequence[str] = ()) -> str:
    """``frame.to_string()`` with the text columns ``left`` (and their headers) left-aligned."""
    widths = {c: max([len(c)] + [len(str(v)) for v in frame[c]]) for c in left}
    return frame.to_string(formatters={c: (lambda v, w=w: str(v).ljust(w)) for c, w in widths.items()},
                           header=[c.ljust(widths[c]) if c in widths else c for c in frame.columns])


def _unit_label(unit: str) -> str:
    return "" if unit in _PLAIN_UNITS else unit


# --- a scenario run ------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False, repr=False)
class ModelRun(_Run):
    """A scenario and its engine result, with tidy tables."""

    assumptions: Assumptions
    result: Result

    kind: ClassVar[str] = "run"
    tables_of: ClassVar[tuple[str, ...]] = ("line_items", "metrics")

    @cached_property
    def line_items(self) -> pd.DataFrame:
        """scenario, line_item, label, unit, sheet, year, value (US$ bn, GW, fractions as labelled)."""
        return with_scenario(line_items_table(self.result), self.scenario)

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """scenario, metric, label, unit, value (NaN when n/a), text."""
        return with_scenario(metrics_table(self.result), self.scenario)

    @cached_property
    def checks(self) -> pd.DataFrame:
        return checks_table(self.result)

    @property
    def checks_pass(self) -> bool:
        return bool(self.result.checks_pass[0])

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"line_items": self.line_items, "metrics": self.metrics}

    @property
    def ok(self) -> bool:
        return self.checks_pass

    @property
    def problems(self) -> list[str]:
        return [f"CHECK FAILED [{self.assumptions.name}]: {self.result.catalogue.checks[k].label}"
                for k, v in self.result.checks.items() if not v[0]]

    @property
    def headline(self) -> pd.DataFrame:
        """Headline metrics: index label; columns unit and the scenario (formatted text)."""
        labels, units, texts = self._headline_rows()
        return pd.DataFrame({"unit": units, self.scenario: texts}, index=pd.Index(labels))

    def _headline_rows(self) -> tuple[list[str], list[str], list[str]]:
        """Labels, unit labels and texts of the headline metrics, then of the model checks."""
        metrics = self.result.catalogue.metrics
        return ([metrics[k].label for k in HEADLINE_METRICS] + ["Model checks"],
                [_unit_label(metrics[k].unit) for k in HEADLINE_METRICS] + [""],
                [metric_text(self.result, k) for k in HEADLINE_METRICS]
                + ["all pass" if self.checks_pass else "FAILED"])

    @staticmethod
    def side_by_side(runs: Sequence[ModelRun]) -> pd.DataFrame:
        """The headline tables of several runs, one column per scenario."""
        return pd.concat([runs[0].headline] + [r.headline.drop(columns="unit") for r in runs[1:]],
                         axis=1)

    @classmethod
    def text_of(cls, runs: Sequence[ModelRun]) -> str:
        """``side_by_side(runs).to_string()``, built without pandas (``finmodel run``)."""
        rows = [r._headline_rows() for r in runs]
        labels, units, _ = rows[0]
        return text_grid(labels, [("unit", units)] + [(r.scenario, texts) for r, (*_, texts) in zip(runs, rows)])

    def text(self) -> str:
        return self.text_of([self])

    def _summary_line(self) -> str:
        m = self.metrics.set_index("metric")["text"]
        return (f"NPV {m['npv_usd_bn']} US$ bn; IRR {m['irr']}; peak funding need "
                f"{m['peak_funding_need_usd_bn']} US$ bn; checks "
                f"{'all pass' if self.checks_pass else 'FAILED'}")

    def write_workbook(self, path: str | Path, run_info: RunInfo | None = None) -> Path:
        from .workbook.output import write_scenario_workbook
        return write_scenario_workbook(self, path, run_info or self.run_info())


# --- tornado -------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False, repr=False)
class TornadoRun(_Run):
    """One-way swings of each input of the spec (tornado) and the spider curves."""

    assumptions: Assumptions
    spec: Path
    metrics: tuple[str, ...]            # as requested; empty = the spec's outputs
    result: object                      # sensitivity.oneway.TornadoResult
    variations: tuple                   # sensitivity.oneway.Variation, one per input
    labels: Mapping[str, tuple[str, str]]  # output -> (label, unit)
    beyond_horizon: frozenset = frozenset()  # outputs whose n/a is a year after the horizon

    kind: ClassVar[str] = "tornado"
    tables_of: ClassVar[tuple[str, ...]] = ("swings", "spider")

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"swings": self.result.swings, "spider": self.result.spider}

    @property
    def arguments(self) -> dict:
        return {"spec": str(self.spec), "metrics": list(self.metrics)}

    @property
    def input_files(self) -> tuple[Path, ...]:
        return (self.spec,)

    def swing_table(self, output: str, top: int = TOP_INPUTS) -> pd.DataFrame:
        """The ``top`` inputs by swing of one output: index rank; input, its low-high (with its
        unit), the output at low and high, swing. An input that makes the output n/a ranks
        first; beyond the horizon it reads "after <last year>"."""
        unit = self.labels[output][1]
        t = self.result.swings[self.result.swings["output"] == output].sort_values("rank").head(top)
        units = {v.name: v.unit for v in self.variations}
        years = getattr(self.result, "years", None)
        beyond = output in self.beyond_horizon and years is not None
        na = f"after {int(years[-1])}" if beyond else "n/a"
        out = lambda col: [format_value(v, unit) if np.isfinite(v) else na for v in t[col]]  # noqa: E731
        ranges = [f"{format_input(lo, units.get(n, ''))} - {format_input(hi, units.get(n, ''))}"
                  for n, lo, hi in zip(t["input"], t["input_low"], t["input_high"])]
        base = self.result.base[output]
        moved = ("beyond horizon" if np.isfinite(base) else "into horizon") if beyond else \
            ("to n/a" if np.isfinite(base) else "from n/a")
        swing = [moved if off else format_value(v if np.isfinite(v) else 0.0, unit)
                 for v, off in zip(t["swing"], t["off_scale"])]
        return pd.DataFrame({"input": t["label"].to_numpy(), "range": ranges, "low": out("output_low"),
                             "high": out("output_high"), "swing": swing},
                            index=pd.Index([f"{r}." for r in t["rank"]]))

    def _title(self, output: str) -> str:
        label, unit = self.labels[output]
        base, years = self.result.base[output], getattr(self.result, "years", None)
        shown = (f"after {int(years[-1])}" if output in self.beyond_horizon and years is not None
                 and not np.isfinite(base) else format_value(base, unit))
        return f"{label} [{unit}]: base {shown}"

    @property
    def headline(self) -> pd.DataFrame:
        return pd.concat({self._title(o): self.swing_table(o) for o in self.labels},
                         names=["output", "rank"])

    def text(self) -> str:
        blocks = []
        for o in self.labels:
            table = text_table(self.swing_table(o), left=["input", "range"])
            blocks.append(self._title(o) + "\n" + "\n".join("  " + line for line in table.splitlines()))
        return "\n\n".join(blocks)

    def _summary_line(self) -> str:
        return f"{len(self.variations)} inputs, outputs {', '.join(self.labels)}"

    def _layout(self, info: RunInfo):
        from .workbook.analysis import layout_tornado
        return layout_tornado(self.result, self.variations, dict(self.labels), self.scenario, info,
                              tuple(self.beyond_horizon))


# --- grid ----------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False, repr=False)
class GridRun(_Run):
    """A two-way data table of one metric over two inputs."""

    assumptions: Assumptions
    x: Axis
    y: Axis
    metric: str
    result: object                      # sensitivity.oneway.GridResult
    label: tuple[str, str]              # (label, unit) of the metric
    direction: tuple = (None, None)     # (better, midpoint) of the metric (MetricDef)

    kind: ClassVar[str] = "grid"
    tables_of: ClassVar[tuple[str, ...]] = ("grid",)

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"grid": self.result.tidy()}

    @property
    def arguments(self) -> dict:
        return {"x": str(self.x), "y": str(self.y), "metric": self.metric}

    @property
    def headline(self) -> pd.DataFrame:
        """The table: rows y, columns x, values formatted."""
        return self.result.table().map(lambda v: format_value(v, self.label[1]))

    def _summary_line(self) -> str:
        label, unit = self.label
        x, y = self.result.x, self.result.y
        return (f"{label} [{unit}]; rows {heading(y.path, y.scale)}, columns {heading(x.path, x.scale)}; "
                f"base {format_value(self.result.base, unit)}")

    def text(self) -> str:
        return self._summary_line() + "\n" + self.headline.to_string()

    def _layout(self, info: RunInfo):
        from .workbook.analysis import layout_grid
        return layout_grid(self.result, self.label, self.scenario, info, tuple(self.direction))


# --- solve ---------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False, repr=False)
class SolveRun(_Run):
    """Break-even / goal seek: the input value at which each target is reached. A statistic
    target (``p90(METRIC)=VALUE``, ``mean(...)``, ``prob(...)``) is solved over ``draws`` Monte
    Carlo draws of ``spec`` sampled once with ``mc_seed``, with the solution's standard error."""

    assumptions: Assumptions
    goals: tuple[Goal, ...]
    varies: tuple[Vary, ...]
    bounds: tuple[Bounds, ...]          # as requested; empty = the default bounds
    solutions: tuple                    # sensitivity.solve.Solution, one per goal
    labels: Mapping[str, tuple[str, str]]
    spec: Path | None = None            # statistic targets: the spec sampled
    draws: int | None = None            # ... its number of draws
    mc_seed: int | None = None          # ... the seed used
    lhs: bool = False                   # ... Latin hypercube sampling

    kind: ClassVar[str] = "solve"
    tables_of: ClassVar[tuple[str, ...]] = ("solutions",)

    @property
    def statistical(self) -> bool:
        """True when some target is a statistic over Monte Carlo draws."""
        return self.draws is not None

    @property
    def seed(self) -> int | None:
        return self.mc_seed

    @property
    def input_files(self) -> tuple[Path, ...]:
        return (self.spec,) if self.spec is not None else ()

    @cached_property
    def table(self) -> pd.DataFrame:
        """output, target, input, lower_bound, upper_bound, base_input, solution, change,
        base_output, achieved, result; with a statistic target also se (Monte Carlo standard
        error of the solution [input unit]), statistic_se (of the statistic at the solution),
        slope (d statistic / d input), draws, seed, evaluations (statistic evaluations, each an
        engine pass of the draws) and method."""
        rows = []
        for s in self.solutions:
            row = {"output": s.target.output, "target": s.target.value,
                   "input": s.target.vary.path, "lower_bound": s.target.vary.low,
                   "upper_bound": s.target.vary.high, "base_input": s.base_input,
                   "solution": s.value, "change": s.change, "base_output": s.base_output,
                   "achieved": s.achieved, "result": s.message}
            if self.statistical:
                mc = s.draws is not None
                row |= {"se": s.se, "statistic_se": s.statistic_se, "slope": s.slope,
                        "draws": s.draws, "seed": str(self.mc_seed) if mc else None,
                        "evaluations": s.evaluations if mc else None, "method": s.method or None}
            rows.append(row)
        frame = pd.DataFrame(rows)
        if self.statistical:  # whole numbers, blank for a target on the model itself
            frame = frame.astype({"draws": "Int64", "evaluations": "Int64"})
        return frame

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"solutions": self.table}

    @property
    def arguments(self) -> dict:
        return {"targets": [str(g) for g in self.goals], "vary": [str(v) for v in self.varies],
                "bounds": [str(b) for b in self.bounds],
                "spec": str(self.spec) if self.spec is not None else None, "draws": self.draws,
                "seed": self.mc_seed, "lhs": bool(self.lhs)}

    @property
    def ok(self) -> bool:
        return all(s.value is not None for s in self.solutions)

    @property
    def problems(self) -> list[str]:
        return [f"{self.labels[s.target.output][0]} = {s.target.value:g}: {s.message}"
                for s in self.solutions if s.value is None]

    @property
    def headline(self) -> pd.DataFrame:
        rows = []
        for s in self.solutions:
            label, unit = self.labels[s.target.output]
            vunit = s.target.vary.unit
            row = {"target": f"{label} = {format_value(s.target.value, unit)}",
                   "input": heading(s.target.vary.path, s.target.vary.scale),
                   "base": format_input(s.base_input, vunit),
                   "solution": "n/a" if s.value is None else f"{s.value:.4g}"}
            if self.statistical:
                row["MC s.e."] = "" if s.draws is None else ("n/a" if s.se is None else f"{s.se:.2g}")
            row |= {"change": "n/a" if s.change is None else f"{s.change:+.4g}",
                    "achieved": format_value(s.achieved, unit), "result": s.message}
            rows.append(row)
        return pd.DataFrame(rows)

    def text(self) -> str:
        lines = []
        for s in self.solutions:
            label, unit = self.labels[s.target.output]
            if s.value is not None:
                se = "" if s.se is None else f" +- {s.se:.2g} (Monte Carlo s.e.)"
                lines.append(f"{label} = {format_value(s.achieved, unit)} when "
                             f"{s.target.vary.path} = {s.value:.6g}{se} (base {s.base_input:.6g}, "
                             f"change {s.change:+.4g}; {label} at base "
                             f"{format_value(s.base_output, unit)})")
        if self.statistical:
            mc = [s for s in self.solutions if s.draws is not None]
            lines.append(f"Monte Carlo: {self.draws:,} draws of {self.spec} (seed {self.mc_seed}"
                         f"{', LHS' if self.lhs else ''}) fixed over the search; "
                         f"{sum(s.evaluations for s in mc)} statistic evaluations")
            lines += [f"  {s.target.output}: {s.method}" for s in mc]
        return "\n".join(lines)

    def _summary_line(self) -> str:
        solved = sum(s.value is not None for s in self.solutions)
        return f"{solved} of {len(self.solutions)} targets solved"

    def _layout(self, info: RunInfo):
        from .workbook.analysis import layout_solve
        return layout_solve(list(self.solutions), dict(self.labels), self.scenario, info)


# --- Monte Carlo ---------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False, repr=False)
class MonteCarloRun(_Run):
    """Monte Carlo: percentiles with confidence intervals, bands and probabilities."""

    assumptions: Assumptions
    spec: Path
    metrics: tuple[str, ...]            # as requested; empty = the spec's outputs
    result: object                      # sensitivity.montecarlo.MonteCarloResult
    events: tuple[Event, ...] = ()      # --prob: probabilities besides the spec's
    goals: tuple = ()                   # --precision: arguments.Precision goals

    kind: ClassVar[str] = "montecarlo"
    tables_of: ClassVar[tuple[str, ...]] = ("percentiles", "probabilities", "years", "convergence")

    @property
    def seed(self) -> int:
        return int(self.result.seed)

    @property
    def probabilities(self) -> pd.DataFrame:
        """One row per probability (the spec's, then ``--prob``): label, event, output,
        output_label, unit, p, lo, hi (95% Wilson interval) [-], count (draws where the event
        happens), n (draws counted), missing (draws whose output is n/a), missing_as (what an
        n/a counts as: a value such as inf, or "excluded" from n)."""
        return self.result.probability_table()

    @property
    def year_distributions(self) -> pd.DataFrame:
        """Per year output of the spec's ``year_distributions`` (e.g. first_breach_year): the
        share of valid draws in each year and "never within horizon" (count, share, lo, hi)."""
        return self.result.year_table()

    @property
    def stopped_at(self) -> int:
        """Draws evaluated: where a run with precision goals stopped (else the draws asked)."""
        return int(self.result.draws)

    @property
    def precision(self) -> pd.DataFrame:
        """One row per precision goal: goal, output, stat, asked (half-width), half_width
        (achieved, half the width of the 95 % interval), estimate, lo, hi, met."""
        return self.result.precision_table()

    @property
    def convergence(self) -> pd.DataFrame:
        """The stable-at-N series: per output and draw count N (100, 125, 160, ... ten per
        decade, then the last), the mean and P5/P50/P95 of the first N draws, each with its
        95 % interval (``mean_lo``, ``mean_hi``, ``p5_lo`` ...); ``values``: the draws with a
        value among them."""
        return self.result.convergence_table()

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"percentiles": self.result.table(), "probabilities": self.probabilities,
                "years": self.year_distributions, "convergence": self.convergence}

    @property
    def arguments(self) -> dict:
        mc = self.result
        return {"spec": str(self.spec), "metrics": list(self.metrics), "draws": mc.max_draws or mc.draws,
                "seed": self.seed, "lhs": bool(mc.lhs), "probabilities": [str(e) for e in self.events],
                "precision": [str(g) for g in self.goals]}

    @property
    def input_files(self) -> tuple[Path, ...]:
        return (self.spec,)

    @property
    def headline(self) -> pd.DataFrame:
        """Per output: mean, its standard error, the percentiles and the n/a draws."""
        mc = self.result
        rows = {}
        for row in mc.percentiles.values():
            unit = row["unit"]
            rows[row["label"]] = {"mean": format_value(row["mean"], unit), "+-se": _format_se(row["se"], unit),
                                  **{f"P{q:g}": format_value(row[f"p{q:g}"], unit) for q in mc.quantiles},
                                  "n/a": row["missing"]}
        return pd.DataFrame.from_dict(rows, orient="index")

    @property
    def probability_table(self) -> pd.DataFrame:
        """The probabilities formatted for people (terminal, notebook)."""
        rows = {}
        for p in self.result.probabilities:
            rows[p["label"]] = {"probability": _pct(p["p"]), "95% CI": f"{_pct(p['lo'])}-{_pct(p['hi'])}",
                                "draws": f"{p['count']:,} of {p['n']:,}", "n/a draws": _na_rule(p)}
        return pd.DataFrame.from_dict(rows, orient="index")

    def year_text(self) -> str:
        """Each year distribution as a block: the years with draws, then "never"."""
        blocks = []
        for o, (label, t) in self.result.year_distributions.items():
            shown = t[(t["count"] > 0) | (t.index == t.index[-1])]
            table = pd.DataFrame({"share": [_pct(x) for x in shown["share"]],
                                  "95% CI": [f"{_pct(a)}-{_pct(b)}" for a, b in zip(shown["lo"], shown["hi"])]},
                                 index=[str(i) for i in shown.index])
            blocks.append(f"{label} ({o}), share of valid draws:\n{table.to_string()}")
        return "\n\n".join(blocks)

    def _summary_line(self) -> str:
        mc = self.result
        return (f"{mc.draws:,} draws, {mc.valid:,} valid ({mc.draws - mc.valid:,} invalid, excluded); "
                f"seed {mc.seed}{'; Latin hypercube' if mc.lhs else ''}")

    def precision_text(self) -> str:
        """Where the draws stopped and each goal's 95 % interval against the one asked."""
        mc = self.result
        rows = {g["goal"]: {"estimate": format_value(g["estimate"], mc.percentiles[g["output"]]["unit"]),
                            "95% CI": f"{format_value(g['lo'], mc.percentiles[g['output']]['unit'])} to "
                                      f"{format_value(g['hi'], mc.percentiles[g['output']]['unit'])}",
                            "+-": f"{g['half_width']:.4g}", "asked +-": f"{g['asked']:.4g}",
                            "met": "yes" if g["met"] else "NO"} for g in mc.precision}
        return mc.stop_note + ("\n" + pd.DataFrame.from_dict(rows, orient="index").to_string() if rows else "")

    def text(self) -> str:
        parts = [self._summary_line(), f"correlation: {self.result.correlation_note}"]
        if self.result.precision:
            parts += [self.precision_text()]
        parts += ["", self.headline.to_string()]
        if self.result.probabilities:
            parts += ["", self.probability_table.to_string()]
        if self.result.year_distributions:
            parts += ["", self.year_text()]
        return "\n".join(parts)

    @property
    def draws(self) -> pd.DataFrame:
        """Every draw: scenario, draw, valid, each sampled input (by its path; ``PATH*`` a
        factor), each output (NaN where n/a or invalid). Kept when asked: ``keep_draws=True``."""
        if self.result.draw_table is None:
            from .errors import UsageError
            raise UsageError("the draws were not kept: run montecarlo(..., keep_draws=True)")
        return with_scenario(self.result.draw_table, self.scenario)

    def write_draws(self, path: str | Path) -> Path:
        """Write :attr:`draws` atomically as Parquet (``.parquet``) or CSV (``.csv``)."""
        from .outputs import write_table
        return write_table(Path(path), self.draws)

    def _repr_html_(self) -> str:
        return super()._repr_html_() + self.probability_table.to_html()

    def _layout(self, info: RunInfo):
        from .workbook.analysis import layout_montecarlo
        return layout_montecarlo(self.result, self.scenario, info)


def _pct(x: float) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.1%}"


def _na_rule(p: dict) -> str:
    """How a probability's n/a draws were counted, for people."""
    if not p["missing"]:
        return ""
    how = {"excluded": "left out", "inf": "counted as never"}.get(p["missing_as"], f"counted as {p['missing_as']}")
    return f"{p['missing']:,} {how}"


def _format_se(x: float, unit: str) -> str:
    """A standard error: years and rates need more decimals than their values."""
    if x is None or not np.isfinite(x):
        return "n/a"
    if unit == "fraction":
        return f"{x:.2%}"
    return f"{x:,.2f}"
