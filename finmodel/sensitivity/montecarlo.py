"""Monte Carlo: sample the spec's distributions -> evaluate every draw in one vectorised,
chunked engine pass -> percentiles, bands, probabilities, convergence.

Draws whose inputs leave their bounds (e.g. terminal growth >= discount rate) are invalid:
counted, reported and excluded. An output that does not exist for a draw (IRR with no sign
change, payback never reached) is counted per output and left out of that output's
percentiles; for "payback later than Y" a payback never reached counts as later.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from ..model.drivers import Drivers
from ..errors import AssumptionError, Problem
from .correlation import spearman_matrix
from .evaluate import evaluate, output_label
from .oneway import Variation
from .sampling import sample
from .spec import SensitivitySpec
from .stats import mean_with_se, percentiles, probability

__all__ = ["MonteCarloResult", "montecarlo", "QUANTILES", "BAND_QUANTILES", "BAND_ITEMS"]

QUANTILES = (5, 10, 25, 50, 75, 90, 95)
BAND_QUANTILES = (5, 25, 50, 75, 95)
BAND_ITEMS = {"revenue_total": "Revenue", "fcf": "Free cash flow", "cash_closing": "Closing cash"}
_NEEDED = ("npv_usd_bn", "peak_funding_need_usd_bn", "payback_year")


@dataclass
class MonteCarloResult:
    draws: int
    valid: int
    seed: int
    lhs: bool
    quantiles: tuple
    percentiles: dict          # output -> row dict (label, unit, mean, se, missing, pX, pX_lo, pX_hi)
    probabilities: list        # dicts: label, p, lo, hi, n
    bands: dict                # line item -> (label, DataFrame index quantile, columns years)
    input_summary: list
    correlation_table: list | None
    correlation_note: str
    years: np.ndarray
    values: dict = field(repr=False)   # output -> (valid,) values of valid draws

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{"output": o, **row} for o, row in self.percentiles.items()])


def _distributions(spec: SensitivitySpec, variations: Sequence[Variation]):
    chosen = [(v, spec.inputs[v.name].distribution) for v in variations
              if spec.inputs[v.name].distribution is not None]
    if not chosen:
        raise AssumptionError("nothing to sample", [Problem(
            "no input of the sensitivity spec has a distribution; add one, e.g. "
            "distribution: {dist: triangular, low: .., mode: .., high: ..}", path="inputs")])
    return chosen


def montecarlo(drivers: Drivers, spec: SensitivitySpec, variations: Sequence[Variation],
               outputs: Sequence[str], draws: int, seed: int | None, lhs: bool, catalogue,
               progress: Callable[[int], None] | None = None) -> MonteCarloResult:
    chosen = _distributions(spec, variations)
    names = [v.name for v, _ in chosen]
    corr = spec.correlation_matrix(names) if spec.correlations else None
    s = sample([d for _, d in chosen], draws, seed, lhs, corr, spec.montecarlo_method, names=names)
    overrides, scales = {}, {}
    for j, (v, _) in enumerate(chosen):
        col = np.round(s.values[:, j]) if v.integer else s.values[:, j]
        (scales if v.scale else overrides)[v.path] = col
    wanted = list(dict.fromkeys(list(outputs) + list(_NEEDED)))
    ev = evaluate(drivers, overrides, wanted, scales, keep_rows=tuple(BAND_ITEMS), progress=progress)
    ok = ~ev.invalid
    valid = int(ok.sum())
    if valid == 0:
        raise AssumptionError("no valid draws", [Problem(
            "every draw left an input's bounds; check the distributions", path="inputs")])
    table, values = {}, {}
    for o in outputs:
        x = ev.values[o][ok]
        finite = x[np.isfinite(x)]
        values[o] = x
        label, unit = output_label(o, catalogue)
        row = {"label": label, "unit": unit, "missing": int(x.size - finite.size),
               "mean": np.nan, "se": np.nan}
        if finite.size:
            m = mean_with_se(finite)
            row |= {"mean": float(m.mean), "se": float(m.se)}
            p = percentiles(finite, QUANTILES)
            for q, est, lo, hi in zip(p.q, p.estimate, p.lower, p.upper):
                row |= {f"p{q:g}": float(est), f"p{q:g}_lo": float(lo), f"p{q:g}_hi": float(hi)}
        else:
            for q in QUANTILES:
                row |= {f"p{q:g}": np.nan, f"p{q:g}_lo": np.nan, f"p{q:g}_hi": np.nan}
        table[o] = row
    probs = _probabilities(spec, ev.values, ok)
    bands = {}
    for key, label in BAND_ITEMS.items():
        by_year = ev.rows[key].T if ok.all() else ev.rows[key][ok].T  # (T, n): contiguous years
        q = np.percentile(by_year, BAND_QUANTILES, axis=1)
        bands[key] = (label, pd.DataFrame(q, index=list(BAND_QUANTILES), columns=[int(y) for y in ev.years]))
    summary = []
    qs = np.percentile(s.values, [5, 50, 95], axis=0)
    for j, (v, d) in enumerate(chosen):
        x = s.values[:, j]
        summary.append({"label": v.label, "path": v.path + (" (factor)" if v.scale else ""),
                        "dist": _describe(d), "spec_mean": float(d.mean()), "mean": float(x.mean()),
                        "sd": float(x.std(ddof=1)), "p5": float(qs[0, j]), "p50": float(qs[1, j]),
                        "p95": float(qs[2, j])})
    corr_table, note = _correlations(s, names, corr)
    return MonteCarloResult(draws, valid, int(s.seed), lhs, QUANTILES, table, probs, bands, summary,
                            corr_table, note, ev.years, values)


def _probabilities(spec: SensitivitySpec, values: dict, ok: np.ndarray) -> list[dict]:
    p = spec.probabilities
    npv = values["npv_usd_bn"][ok]
    peak = values["peak_funding_need_usd_bn"][ok]
    payback = values["payback_year"][ok]
    events = [
        (f"P(NPV < {p.npv_below_usd_bn:g} US$ bn)", npv < p.npv_below_usd_bn),
        (f"P(peak funding need > {p.peak_funding_above_usd_bn:g} US$ bn)", peak > p.peak_funding_above_usd_bn),
        (f"P(payback later than {p.payback_after_year} or never)",
         ~np.isfinite(payback) | (payback > p.payback_after_year)),
    ]
    out = []
    for label, mask in events:
        est = probability(mask)
        out.append({"label": label, "p": float(est.estimate), "lo": float(est.lower),
                    "hi": float(est.upper), "n": int(est.n)})
    return out


def _describe(d) -> str:
    fields = {k: v for k, v in d.model_dump().items() if k != "dist" and v is not None}
    return f"{d.kind.value}(" + ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                          for k, v in fields.items()) + ")"


def _correlations(s, names: list[str], specified: np.ndarray | None):
    if specified is None:
        return None, "none imposed (inputs independent)"
    achieved = spearman_matrix(s.values[: min(len(s.values), 50_000)])  # sampling error ~0.005
    used = s.correlation
    rows = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if specified[i, j] != 0 or used[i, j] != 0:
                rows.append((names[i], names[j], float(specified[i, j]), float(used[i, j]),
                             float(achieved[i, j])))
    report = s.correlation_report
    note = f"{s.method.value if s.method else 'none'}; " + (str(report) if report is not None else "")
    return rows, note.strip("; ")
