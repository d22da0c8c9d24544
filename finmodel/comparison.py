"""The result of ``finmodel diff``: two scenarios, the inputs that differ, and the attribution.

Like the results of :mod:`finmodel.runs` it is frozen, holds tidy tables (:attr:`DiffRun.tables`),
prints a terminal summary (:meth:`DiffRun.text`: a waterfall table per output) and writes its
workbook (:meth:`DiffRun.write_workbook`).
"""
from __future__ import annotations

import html
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .assumptions.load import Assumptions
from .outputs import variant_name
from .record import run_info as make_run_info
from .tables import counted, format_input, format_value
from .workbook.layout import RunInfo

__all__ = ["DiffRun", "CompareRun", "side_name", "diff_names", "diff_stem", "compare_names", "compare_stem",
           "COMPARE_ITEMS"]

_SHOWN_UNITS = ("fraction", "fraction / yr", "factor", "year", "flag")  # shown by their format
BAR_WIDTH = 20  # characters of the terminal waterfall's largest bar


def _values_differ(n: int) -> str:
    return f"{n:,} input value differs" if n == 1 else f"{n:,} input values differ"


def side_name(a: Assumptions) -> str:
    """A scenario's name in a diff: its file stem, ``-set-<hash>`` with overrides."""
    return variant_name(a.path.stem, a.overrides)


def diff_names(a: Assumptions, b: Assumptions) -> tuple[str, str]:
    """(A, B) as shown and in file names; B gets a ``-b`` suffix when both would read alike."""
    na, nb = side_name(a), side_name(b)
    return na, (nb if nb != na else nb + "-b")


def diff_stem(a: Assumptions, b: Assumptions) -> str:
    """The default name of a diff's outputs: ``diff-<A>-<B>``."""
    return "diff-{}-{}".format(*diff_names(a, b))


@dataclass(frozen=True, eq=False, repr=False)
class DiffRun:
    """Why B differs from A: the inputs that differ and each output's change attributed to them
    (:class:`~finmodel.sensitivity.attribution.Attribution`)."""

    a: Assumptions
    b: Assumptions
    differences: tuple          # attribution.Difference, Inputs-sheet order
    attribution: object         # attribution.Attribution
    labels: Mapping[str, tuple[str, str]]  # output -> (label, unit)
    by: str                     # "input" or "block"

    kind = "diff"
    tables_of = ("contributions", "inputs")

    @property
    def names(self) -> tuple[str, str]:
        """(A, B) as shown (:func:`diff_names`)."""
        return diff_names(self.a, self.b)

    @property
    def stem(self) -> str:
        """The outputs' default name: ``diff-<A>-<B>``."""
        return diff_stem(self.a, self.b)

    @property
    def seed(self) -> int | None:
        return self.attribution.seed

    @property
    def ok(self) -> bool:
        return True

    @property
    def problems(self) -> list[str]:
        return []

    @cached_property
    def contributions(self) -> pd.DataFrame:
        """metric, label, unit, input (a group: an input path or a block), members,
        contribution (Shapley) [unit of the metric], standard_error (0 when exact),
        sequential, plus a ``total`` row per metric (B - A); NaN for a metric not attributed."""
        at, rows = self.attribution, []
        for i, o in enumerate(at.outputs):
            label, unit = self.labels[o]
            na = o in at.missing
            for g, group in enumerate(at.groups):
                rows.append({"metric": o, "label": label, "unit": unit, "input": group.name,
                             "members": " ".join(group.paths),
                             "contribution": np.nan if na else at.shapley[i, g],
                             "standard_error": np.nan if na else at.se[i, g],
                             "sequential": np.nan if na else at.sequential[i, g]})
            rows.append({"metric": o, "label": label, "unit": unit, "input": "total", "members": "",
                         "contribution": at.total[i], "standard_error": 0.0, "sequential": at.total[i]})
        return pd.DataFrame(rows)

    @cached_property
    def inputs(self) -> pd.DataFrame:
        """input (path, or PATH.YEAR), label, block, unit, a, b, basis_a, basis_b, attributed."""
        return pd.DataFrame([{"input": d.key, "label": d.label, "block": d.block, "unit": d.unit,
                              "a": d.a, "b": d.b, "basis_a": d.basis_a or "", "basis_b": d.basis_b or "",
                              "attributed": not d.informational} for d in self.differences],
                            columns=["input", "label", "block", "unit", "a", "b", "basis_a", "basis_b",
                                     "attributed"])

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {"contributions": self.contributions, "inputs": self.inputs}

    @property
    def arguments(self) -> dict:
        at = self.attribution
        return {"b": str(self.b.path), "overrides_b": list(self.b.overrides), "metrics": list(at.outputs),
                "by": self.by, "permutations": at.permutations, "seed": at.seed}

    # --- text ---------------------------------------------------------------------------------

    def inputs_text(self) -> str:
        na, nb = self.names
        if not self.differences:
            return f"No input differs between {na} and {nb}."
        shown = lambda x, unit: format_input(x, unit if unit in _SHOWN_UNITS else "")  # noqa: E731
        frame = pd.DataFrame({"input": [d.key for d in self.differences],
                              na: [shown(d.a, d.unit) for d in self.differences],
                              nb: [shown(d.b, d.unit) for d in self.differences],
                              "unit": [d.unit for d in self.differences],
                              "": ["(informational)" if d.informational else "" for d in self.differences]})
        from .runs import text_table
        table = text_table(frame.set_index(pd.Index([""] * len(frame))), left=["input", "unit", ""])
        table = "\n".join(line.rstrip() for line in table.splitlines())
        return f"{_values_differ(len(self.differences))} ({na} -> {nb}):\n" + table

    def _how(self) -> str:
        at = self.attribution
        groups = counted(len(at.groups), self.by)
        if at.method == "exact":
            return f"exact Shapley values over {groups} ({at.rows:,} engine runs)"
        return (f"Shapley values from {at.permutations:,} random orders of {groups} "
                f"(seed {at.seed}; {at.rows:,} engine runs), ± one standard error")

    def waterfall_text(self, i: int) -> str:
        """One output's waterfall: A, each group (largest Shapley value first), B."""
        at = self.attribution
        o = at.outputs[i]
        label, unit = self.labels[o]
        na, nb = self.names
        f = lambda x: format_value(x, unit)  # noqa: E731
        head = f"{label} [{unit}]: {na} {f(at.a[i])} -> {nb} {f(at.b[i])}, change {f(at.total[i])}"
        if o in at.missing:
            return head + (f"\n  not attributed: n/a in {at.missing[o]:,} of {at.rows:,} engine runs "
                           "(the metric does not exist for some mixes of the inputs)")
        order = np.argsort(-np.abs(at.shapley[i]), kind="stable")
        scale = max(float(np.max(np.abs(at.shapley[i]))) if len(order) else 0.0, 1e-300)
        rows, running = [], at.a[i]
        rows.append((na, "", "", f(running), "", ""))
        for g in order:
            x = at.shapley[i, g]
            running += x
            bar = ("+" if x >= 0 else "-") * int(round(BAR_WIDTH * abs(x) / scale))
            rows.append((at.groups[g].name, f(x), "" if at.method == "exact" else f"{at.se[i, g]:,.2f}",
                         f(running), f(at.sequential[i, g]), bar))
        rows.append((nb, f(at.total[i]), "", f(at.b[i]), f(float(np.sum(at.sequential[i]))), ""))
        cols = ["", "Shapley", "± se", "running", "sequential", ""]
        if at.method == "exact":
            rows = [r[:2] + r[3:] for r in rows]
            cols = cols[:2] + cols[3:]
        frame = pd.DataFrame(rows, columns=cols)
        name_w = max(len(str(v)) for v in frame.iloc[:, 0])
        widths = [max(len(c), *(len(str(v)) for v in frame[c])) for c in frame.columns]
        lines = []
        for r in [cols] + rows:
            cells = [str(r[0]).ljust(name_w)] + [str(v).rjust(w) for v, w in zip(r[1:-1], widths[1:-1])] + [str(r[-1])]
            lines.append("  " + "  ".join(cells).rstrip())
        return head + "\n" + "\n".join(lines)

    def text(self) -> str:
        na, nb = self.names
        at = self.attribution
        parts = [self.inputs_text(), "",
                 f"Attribution: {self._how()}; they sum to the change exactly. Sequential: the "
                 f"{self.by}s switched from {na} to {nb} one at a time in Inputs-sheet order."]
        if at.invalid:
            parts.append(f"Note: {at.invalid:,} of {at.rows:,} runs mix the inputs in a way their bounds or "
                         "rules reject; the engine computes them all the same.")
        for i in range(len(at.outputs)):
            parts += ["", self.waterfall_text(i)]
        return "\n".join(parts)

    def __repr__(self) -> str:
        na, nb = self.names
        return (f"DiffRun({na!r} -> {nb!r}: {_values_differ(len(self.differences))}; "
                f"{self._how()})\n  tables: " + ", ".join(f"{k} ({len(v)} rows)" for k, v in self.tables.items()))

    def _repr_html_(self) -> str:
        return f"<p><b>DiffRun</b> {html.escape(' -> '.join(self.names))}</p>" + self.contributions.to_html()

    # --- record and workbook --------------------------------------------------------------------

    def run_info(self, command: list[str] | None = None) -> RunInfo:
        """The run record: both scenarios' files hashed, A's and B's overrides marked."""
        info = make_run_info(self.a, command, seed=self.seed)
        files = dict(info.files) | dict(make_run_info(self.b, command).files)
        overrides = tuple(f"A: {o}" for o in self.a.overrides) + tuple(f"B: {o}" for o in self.b.overrides)
        return replace(info, files=tuple(files.items()), overrides=overrides)

    def write_workbook(self, path: str | Path, run_info: RunInfo | None = None) -> Path:
        from .workbook.diff import layout_diff
        from .workbook.writer import write_workbook
        spec = layout_diff(self.attribution, self.differences, dict(self.labels), self.names,
                           run_info or self.run_info())
        return write_workbook(spec, Path(path))


# --- compare: scenarios side by side ---------------------------------------------------------------

#: Line items shown by year per scenario in a comparison, each with its overlaid chart.
COMPARE_ITEMS = ("revenue_total", "fcf", "cash_closing", "funding_need", "unfunded_gap", "total_gw",
                 "capex_total", "ebitda")


def compare_names(scenarios: Sequence[Assumptions]) -> tuple[str, ...]:
    """Each scenario's name in a comparison (:func:`side_name`; a repeated name gets ``-2``, ...)."""
    names: list[str] = []
    for a in scenarios:
        name = side_name(a)
        k, base = 2, name
        while name in names:
            name, k = f"{base}-{k}", k + 1
        names.append(name)
    return tuple(names)


def compare_stem(scenarios: Sequence[Assumptions]) -> str:
    """The default name of a comparison's outputs: ``compare-<name>-<name>...``."""
    return "compare-" + "-".join(compare_names(scenarios))


@dataclass(frozen=True, eq=False, repr=False)
class CompareRun:
    """Several scenario runs side by side, with the inputs that differ between them."""

    runs: tuple                 # runs.ModelRun, in the order given; the first is the reference
    differences: tuple          # attribution.Difference (values: one per scenario)

    kind = "compare"
    tables_of = ("line_items", "metrics", "inputs")

    @property
    def names(self) -> tuple[str, ...]:
        return compare_names([r.assumptions for r in self.runs])

    @property
    def stem(self) -> str:
        return compare_stem([r.assumptions for r in self.runs])

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.runs)

    @property
    def problems(self) -> list[str]:
        return [line for r in self.runs for line in r.problems]

    @property
    def seed(self) -> None:
        return None

    def _tidy(self, table: str) -> pd.DataFrame:
        """One run's table per scenario, stacked; ``scenario`` (which every run's table leads
        with) is the name in this comparison (a ``--set`` variant's ``-set-<hash>``)."""
        return pd.concat([getattr(r, table).assign(scenario=n) for r, n in zip(self.runs, self.names)],
                         ignore_index=True)

    @cached_property
    def line_items(self) -> pd.DataFrame:
        """scenario, line_item, label, unit, sheet, year, value: every scenario's line items."""
        return self._tidy("line_items")

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """scenario, metric, label, unit, value (NaN when n/a), text."""
        return self._tidy("metrics")

    @cached_property
    def inputs(self) -> pd.DataFrame:
        """input, label, block, unit, one value column and one basis column per scenario."""
        rows = []
        for d in self.differences:
            row = {"input": d.key, "label": d.label, "block": d.block, "unit": d.unit}
            row |= {n: (np.nan if v is None else v) for n, v in zip(self.names, d.values)}
            row |= {f"basis_{n}": b or "" for n, b in zip(self.names, d.bases)}
            rows.append(row)
        return pd.DataFrame(rows, columns=["input", "label", "block", "unit", *self.names,
                                           *(f"basis_{n}" for n in self.names)])

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {"line_items": self.line_items, "metrics": self.metrics, "inputs": self.inputs}

    def text(self) -> str:
        """The headline metrics side by side and each scenario's difference from the first
        ("bull − base"), as the workbook's Compare sheet shows them."""
        from .runs import HEADLINE_METRICS, ModelRun
        from .tables import format_difference
        table = ModelRun.side_by_side(self.runs)
        table.columns = ["unit", *self.names]
        first = self.runs[0].metrics.set_index("metric")
        for name, r in zip(self.names[1:], self.runs[1:]):
            m = r.metrics.set_index("metric")
            delta = [format_difference(m.loc[k, "value"] - first.loc[k, "value"], first.loc[k, "unit"])
                     for k in HEADLINE_METRICS]
            table[f"{name} − {self.names[0]}"] = delta + [""]  # the last row: model checks
        return (table.to_string() + f"\n\n{_values_differ(len(self.differences))} "
                f"(the table 'Inputs that differ' of the workbook; --csv: {self.stem}-inputs.csv).")

    def __repr__(self) -> str:
        return (f"CompareRun({', '.join(self.names)}: {_values_differ(len(self.differences))})\n  tables: "
                + ", ".join(f"{k} ({len(v)} rows)" for k, v in self.tables.items()))

    def run_info(self, command: list[str] | None = None) -> RunInfo:
        """The run record: every scenario's files hashed, each one's overrides marked."""
        infos = [make_run_info(r.assumptions, command) for r in self.runs]
        files: dict = {}
        for info in infos:
            files |= dict(info.files)
        overrides = tuple(f"{n}: {o}" for n, r in zip(self.names, self.runs) for o in r.assumptions.overrides)
        return replace(infos[0], files=tuple(files.items()), overrides=overrides)

    def write_workbook(self, path: str | Path, run_info: RunInfo | None = None) -> Path:
        from .workbook.compare import layout_compare
        from .workbook.writer import write_workbook
        return write_workbook(layout_compare(self, run_info or self.run_info()), Path(path))
