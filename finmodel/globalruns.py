"""Results of the global sensitivity analyses: Sobol' indices and Morris screening.

Like every result (:mod:`finmodel.runs`): frozen, tidy tables (``tables``, what ``--csv``
writes), a terminal summary (:meth:`text`), a notebook view, ``write_workbook(path)`` and the
arguments that reproduce it (``arguments``, written to the run record).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import ClassVar

import numpy as np

from .assumptions.load import Assumptions
from .lazy import lazy_module
from .runs import RunInfo, _Run, text_table

pd = lazy_module("pandas")  # imported when a table is first built

__all__ = ["SobolRun", "MorrisRun", "TOP_FACTORS"]

TOP_FACTORS = 8  # factors shown per output on the terminal


def _in_order(t: pd.DataFrame, outputs) -> pd.DataFrame:
    """Rows by output (in the order asked), then by rank (0, "no index", first)."""
    order = {o: i for i, o in enumerate(outputs)}
    key = t["output"].map(order).to_numpy() * (len(t) + 1) + t["rank"].to_numpy()
    return t.iloc[np.argsort(key, kind="stable")].reset_index(drop=True)


def censored_note(result, output: str) -> str:
    """The note of a year output counted as the year after the horizon (imported when used, so
    loading the API does not load the samplers)."""
    from .sensitivity.globalsa import censored_note as note
    return note(result, output)


def _ci(x: float, conf: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{x:.3f} ± {conf:.3f}" if np.isfinite(conf) else f"{x:.3f}"


@dataclass(frozen=True, eq=False, repr=False)
class SobolRun(_Run):
    """Sobol' first-order (S1) and total (ST) indices of metrics and of line items by year."""

    assumptions: Assumptions
    spec: Path
    metrics: tuple[str, ...]            # as requested; empty = the defaults
    items: tuple[str, ...]              # line items analysed by year
    result: object                      # sensitivity.globalsa.SobolResult

    kind: ClassVar[str] = "sobol"
    tables_of: ClassVar[tuple[str, ...]] = ("indices", "by_year", "convergence")

    @property
    def seed(self) -> int:
        return int(self.result.seed)

    @property
    def input_files(self) -> tuple[Path, ...]:
        return (self.spec,)

    @property
    def arguments(self) -> dict:
        r = self.result
        return {"spec": str(self.spec), "metrics": list(self.metrics), "items": list(self.items),
                "samples": int(r.indices.n), "seed": self.seed, "independent": bool(r.independent)}

    def _with_output(self, t: pd.DataFrame) -> pd.DataFrame:
        from .sensitivity.globalsa import factor_labels
        labels = factor_labels(self.result)
        out = t.copy()
        out.insert(out.columns.get_loc("factor") + 1, "factor_label", out["factor"].map(labels))
        for side in ("S1", "ST"):
            out[f"{side}_lo"] = out[side] - out[f"{side}_conf"]
            out[f"{side}_hi"] = out[side] + out[f"{side}_conf"]
        return out

    @cached_property
    def indices(self) -> pd.DataFrame:
        """One row per (metric, factor): output, output_label, unit, factor (an input or a group
        "a + b" of correlated inputs), factor_label, inputs, grouped, S1, S1_conf, ST, ST_conf
        (half-widths of the 95% bootstrap intervals), S1_lo, S1_hi, ST_lo, ST_hi [-], rank (by
        ST), base_points (used), dropped (base points with an n/a row)."""
        t = self.result.indices.table
        t = self._with_output(t[t["output"].isin(self.result.outputs)])
        t.insert(1, "output_label", t["output"].map(lambda o: self.result.labels[o][0]))
        t.insert(2, "unit", t["output"].map(lambda o: self.result.labels[o][1]))
        t["base_points"] = t["output"].map(self.result.indices.used)
        t["dropped"] = t["output"].map(self.result.indices.dropped)
        return _in_order(t, self.result.outputs)

    @cached_property
    def by_year(self) -> pd.DataFrame:
        """One row per (line item, year, factor): item, year, factor, factor_label, inputs,
        grouped, S1, S1_conf, ST, ST_conf, S1_lo, S1_hi, ST_lo, ST_hi, rank (within the year)."""
        t = self.result.indices.table
        t = t[~t["output"].isin(self.result.outputs)]
        parts = t["output"].str.rsplit("@", n=1, expand=True) if len(t) else pd.DataFrame({0: [], 1: []})
        t = self._with_output(t)
        t.insert(0, "item", parts[0].to_numpy())
        t.insert(1, "year", parts[1].astype(int).to_numpy() if len(t) else [])
        return t.drop(columns="output").reset_index(drop=True)

    @cached_property
    def convergence(self) -> pd.DataFrame:
        """Indices on the first n base points (n = 32, 64, ...) for each metric: output, n,
        factor, factor_label, inputs, grouped, S1, S1_conf, ST, ST_conf, lo/hi."""
        return self._with_output(self.result.indices.convergence)

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"indices": self.indices, "by_year": self.by_year, "convergence": self.convergence}

    def table(self) -> pd.DataFrame:
        """The indices of the metrics (as :attr:`indices`)."""
        return self.indices

    @property
    def group_note(self) -> str:
        """Which factors are groups, and why."""
        r = self.result
        groups = [" + ".join(g) for g in r.indices.grouped]
        if groups:
            return ("indices of groups " + "; ".join(groups) + " because the spec correlates their "
                    "inputs (sampled together through a Gaussian copula; a group's indices are those of its "
                    "inputs together)")
        if r.independent and r.spec_correlations:
            pairs = ", ".join(f"{a} ~ {b} ({rho:g})" for a, b, rho in r.spec_correlations)
            return (f"inputs treated as independent (--independent): the spec's correlations {pairs} are "
                    "ignored, so these indices describe a model without them")
        return "inputs independent (the spec correlates none of them): one index per input"

    def leaders(self, item: str) -> pd.DataFrame:
        """For each year of ``item``: the factor with the largest ST, its ST and S1 (n/a where
        the item does not vary that year)."""
        t = self.by_year[self.by_year["item"] == item]
        rows = []
        for year, g in t.groupby("year"):
            top = g.sort_values("ST", ascending=False).iloc[0]
            rows.append({"year": int(year), "leader": top["factor_label"] if np.isfinite(top["ST"]) else "n/a (no variance)",
                         "ST": top["ST"], "S1": top["S1"]})
        return pd.DataFrame(rows)

    def _top(self, output: str, top: int = TOP_FACTORS) -> pd.DataFrame:
        t = self.indices[self.indices["output"] == output].head(top)
        return pd.DataFrame({"factor": t["factor_label"].to_numpy(),
                             "S1 (95% CI)": [_ci(a, b) for a, b in zip(t["S1"], t["S1_conf"])],
                             "ST (95% CI)": [_ci(a, b) for a, b in zip(t["ST"], t["ST_conf"])]},
                            index=pd.Index([f"{r}." if r else "-" for r in t["rank"]]))

    def _title(self, output: str) -> str:
        label, unit = self.result.labels[output]
        r = self.result.indices
        drop = f"; {r.dropped[output]:,} base points dropped (an n/a row)" if r.dropped.get(output) else ""
        return f"{label} [{unit}]{drop}{censored_note(self.result, output)}"

    @property
    def headline(self) -> pd.DataFrame:
        return pd.concat({self._title(o): self._top(o) for o in self.result.outputs}, names=["output", "rank"])

    def _summary_line(self) -> str:
        r = self.result.indices
        return (f"N = {r.n:,} base samples, {r.rows:,} model rows, {len(r.factors)} factors; seed {r.seed}; "
                f"{self.result.invalid_rows:,} rows outside an input's bounds")

    def text(self) -> str:
        parts = [self._summary_line(), self.group_note]
        for o in self.result.outputs:
            table = text_table(self._top(o), left=["factor"])
            parts += ["", self._title(o), "\n".join("  " + line for line in table.splitlines())]
        for item in self.result.items:
            lead = self.leaders(item)
            if len(lead):
                label = self.result.labels[f"{item}@{int(lead['year'].iloc[0])}"][0].rsplit(" ", 1)[0]
                lines = [f"  {y}: {name} (ST {st:.2f})" if np.isfinite(st) else f"  {y}: {name}"
                         for y, name, st in zip(lead["year"], lead["leader"], lead["ST"])]
                parts += ["", f"{label}: the largest total index by year", *lines]
        return "\n".join(parts)

    def _layout(self, info: RunInfo):
        from .workbook.globalsa import layout_sobol
        return layout_sobol(self, self.scenario, info)


@dataclass(frozen=True, eq=False, repr=False)
class MorrisRun(_Run):
    """Morris elementary-effects screening: mu*, mu, sigma of each input for each metric."""

    assumptions: Assumptions
    spec: Path | None                   # None when every input of the scenario is screened
    metrics: tuple[str, ...]
    result: object                      # sensitivity.globalsa.MorrisResult

    kind: ClassVar[str] = "morris"
    tables_of: ClassVar[tuple[str, ...]] = ("effects",)

    @property
    def seed(self) -> int:
        return int(self.result.seed)

    @property
    def input_files(self) -> tuple[Path, ...]:
        return (self.spec,) if self.spec is not None else ()

    @property
    def arguments(self) -> dict:
        r = self.result
        return {"spec": None if self.spec is None else str(self.spec), "metrics": list(self.metrics),
                "trajectories": int(r.indices.trajectories), "levels": int(r.indices.levels),
                "seed": self.seed, "all_inputs": bool(r.all_inputs),
                "change": r.change if r.all_inputs else None}

    @cached_property
    def effects(self) -> pd.DataFrame:
        """One row per (metric, input): output, output_label, unit, input (its path), label,
        low, high (its range: the 1st-99th percentiles of an unbounded distribution) [input
        unit], input_unit, mu_star, mu_star_conf (95% bootstrap half-width), mu, sigma [output
        unit, per move across the input's range], rank (by mu*), trajectories (used), dropped."""
        r = self.result
        t = r.indices.table.copy()
        by = {v.name: (v, d) for v, d in zip(r.variations, r.dists)}
        from .sensitivity.morris import level_values, unit_to_quantile
        ends = {}
        for name, (v, d) in by.items():
            q = unit_to_quantile(np.array([[0.0], [1.0]]), [d])[:, 0]
            ends[name] = tuple(float(x) for x in level_values(q, d))
        t.insert(1, "output_label", t["output"].map(lambda o: r.labels[o][0]))
        t.insert(2, "unit", t["output"].map(lambda o: r.labels[o][1]))
        t.insert(4, "label", t["input"].map(lambda n: by[n][0].label))
        t.insert(5, "path", t["input"].map(lambda n: by[n][0].path + ("*" if by[n][0].scale else "")))
        t.insert(6, "low", t["input"].map(lambda n: ends[n][0]))
        t.insert(7, "high", t["input"].map(lambda n: ends[n][1]))
        t.insert(8, "input_unit", t["input"].map(lambda n: by[n][0].unit))
        t["trajectories"] = t["output"].map(r.indices.used)
        t["dropped"] = t["output"].map(r.indices.dropped)
        return _in_order(t, r.outputs)

    def _tables(self) -> dict[str, pd.DataFrame]:
        return {"effects": self.effects}

    def table(self) -> pd.DataFrame:
        return self.effects

    def _top(self, output: str, top: int = TOP_FACTORS) -> pd.DataFrame:
        t = self.effects[self.effects["output"] == output].head(top)
        unit = self.result.labels[output][1]
        from .tables import format_value
        return pd.DataFrame({"input": t["label"].to_numpy(),
                             "mu*": [format_value(x, unit) for x in t["mu_star"]],
                             "± 95%": [format_value(x, unit) for x in t["mu_star_conf"]],
                             "mu": [format_value(x, unit) for x in t["mu"]],
                             "sigma": [format_value(x, unit) for x in t["sigma"]]},
                            index=pd.Index([f"{r}." if r else "-" for r in t["rank"]]))

    def _title(self, output: str) -> str:
        label, unit = self.result.labels[output]
        d = self.result.indices.dropped.get(output)
        return f"{label} [{unit}]" + (f"; {d:,} trajectories dropped (an n/a row)" if d else "") + \
            censored_note(self.result, output)

    @property
    def headline(self) -> pd.DataFrame:
        return pd.concat({self._title(o): self._top(o) for o in self.result.outputs}, names=["output", "rank"])

    def _summary_line(self) -> str:
        r = self.result
        what = (f"every input of the scenario ({len(r.variations)} screened, {len(r.left_out)} left out; "
                f"scalars base -/+ {r.change:.0%}, per-year inputs x(1 -/+ {r.change:g}), calendar years -/+ 1)"
                if r.all_inputs else f"{len(r.variations)} inputs of the spec")
        return (f"{r.indices.trajectories} trajectories x {len(r.variations) + 1} rows = {r.indices.rows:,} model "
                f"rows, {r.indices.levels} levels; seed {r.seed}; {what}")

    def text(self) -> str:
        parts = [self._summary_line(), "mu*: mean absolute change of the output when the input moves across "
                 "its range (importance); sigma: spread of those changes (interactions, non-linearity)"]
        for o in self.result.outputs:
            table = text_table(self._top(o), left=["input"])
            parts += ["", self._title(o), "\n".join("  " + line for line in table.splitlines())]
        return "\n".join(parts)

    def _layout(self, info: RunInfo):
        from .workbook.globalsa import layout_morris
        return layout_morris(self, self.scenario, info)
