"""Monte Carlo: sample the spec's distributions -> evaluate every draw in one vectorised,
chunked engine pass -> percentiles, bands, probabilities, convergence.

Draws whose inputs leave their bounds (e.g. terminal growth >= discount rate) are invalid:
counted, reported and excluded. An output that does not exist for a draw (IRR with no sign
change, payback never reached) is counted per output and left out of that output's
percentiles. Probabilities P(output op threshold) are data (the spec's ``probabilities``
and ``--prob``): an n/a counts as its metric's ``missing_as`` (a payback or a covenant breach
never reached within the horizon is later than every year), or, for an output whose n/a
has no place on the scale (IRR), is left out of that probability's draws and counted beside
it. The distribution of a year output (e.g. the first covenant breach) is the share of valid
draws in each year plus the share "never within horizon".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from ..arguments import COMPARE, Event
from ..model.drivers import Drivers
from ..errors import AssumptionError, Problem
from .correlation import spearman_matrix
from .evaluate import evaluate, output_label
from .oneway import Variation
from .sampling import sample
from .spec import Probability, SensitivitySpec
from .stats import mean_with_se, percentiles, probability

__all__ = ["MonteCarloResult", "montecarlo", "draw_table", "event_probability", "year_distribution", "histogram",
           "QUANTILES", "BAND_QUANTILES", "BAND_ITEMS", "NEVER_LABEL", "HISTOGRAM_BINS"]

QUANTILES = (5, 10, 25, 50, 75, 90, 95)
BAND_QUANTILES = (5, 25, 50, 75, 95)
BAND_ITEMS = {"revenue_total": "Revenue", "fcf": "Free cash flow", "cash_closing": "Closing cash"}
NEVER_LABEL = "never within horizon"  # the row of a year distribution for draws with no year
HISTOGRAM_BINS = 20  # bins of a histogram of a continuous output (a year output: one per year)


@dataclass
class MonteCarloResult:
    draws: int
    valid: int
    seed: int
    lhs: bool
    quantiles: tuple
    percentiles: dict          # output -> row dict (label, unit, mean, se, missing, pX, pX_lo, pX_hi)
    probabilities: list        # dicts: label, event, output, output_label, unit, p, lo, hi, count, n,
                               # missing, missing_as (see event_probability)
    year_distributions: dict   # output -> (label, DataFrame: year or "never within horizon" ->
                               # count, share, lo, hi)
    bands: dict                # line item -> (label, DataFrame index quantile, columns years)
    input_summary: list
    correlation_table: list | None
    correlation_note: str
    years: np.ndarray
    values: dict = field(repr=False)   # output -> (valid,) values of valid draws
    base: dict = field(default_factory=dict)        # output -> the base case's value (NaN if n/a)
    histograms: dict = field(default_factory=dict)  # output -> DataFrame (see histogram)
    na_labels: dict = field(default_factory=dict)   # output -> what an n/a draw means
    draw_table: pd.DataFrame | None = field(default=None, repr=False)  # every draw (keep_draws)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([{"output": o, **row} for o, row in self.percentiles.items()])

    def probability_table(self) -> pd.DataFrame:
        """One row per probability: event, label, output, p, lo, hi, count, n, missing, missing_as."""
        cols = ["label", "event", "output", "output_label", "unit", "p", "lo", "hi", "count", "n",
                "missing", "missing_as"]
        return pd.DataFrame(self.probabilities, columns=cols)

    def year_table(self) -> pd.DataFrame:
        """Tidy: output, year ("never within horizon" for no year), count, share, lo, hi."""
        frames = [t.assign(output=o).reset_index(names="year")
                  for o, (_, t) in self.year_distributions.items()]
        cols = ["output", "year", "count", "share", "lo", "hi"]
        return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


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
               progress: Callable[[int], None] | None = None,
               events: Sequence[Event] = (), keep_draws: bool = False) -> MonteCarloResult:
    """Sample, evaluate every draw in one chunked engine pass, summarise.

    ``events``: probabilities to report besides the spec's (``--prob``). ``keep_draws``: keep
    every draw's inputs and outputs (:func:`draw_table`) in ``MonteCarloResult.draw_table``.
    """
    chosen = _distributions(spec, variations)
    names = [v.name for v, _ in chosen]
    corr = spec.correlation_matrix(names) if spec.correlations else None
    s = sample([d for _, d in chosen], draws, seed, lhs, corr, spec.montecarlo_method, names=names)
    overrides, scales = {}, {}
    for j, (v, _) in enumerate(chosen):
        col = np.round(s.values[:, j]) if v.integer else s.values[:, j]
        (scales if v.scale else overrides)[v.path] = col
    asked = list(spec.probabilities) + [Probability.of(e) for e in events]
    wanted = list(dict.fromkeys(list(outputs) + [p.output for p in asked] + list(spec.year_distributions)))
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
    probs = [event_probability(p.event, ev.values[p.output][ok], _missing_as(p.output, catalogue),
                               catalogue, p.label) for p in asked]
    years = {o: (output_label(o, catalogue)[0], year_distribution(ev.values[o][ok], ev.years))
             for o in spec.year_distributions}
    bands = {}
    for key, label in BAND_ITEMS.items():
        by_year = ev.rows[key].T if ok.all() else ev.rows[key][ok].T  # (T, n): contiguous years
        q = np.percentile(by_year, BAND_QUANTILES, axis=1)
        bands[key] = (label, pd.DataFrame(q, index=list(BAND_QUANTILES), columns=[int(y) for y in ev.years]))
    summary = []
    qs = np.percentile(s.values, [5, 50, 95], axis=0)
    for j, (v, d) in enumerate(chosen):
        x = s.values[:, j]
        summary.append({"label": v.label, "path": v.path + (" (factor)" if v.scale else ""), "unit": v.unit,
                        "dist": _describe(d), "spec_mean": float(d.mean()), "mean": float(x.mean()),
                        "sd": float(x.std(ddof=1)), "p5": float(qs[0, j]), "p50": float(qs[1, j]),
                        "p95": float(qs[2, j])})
    corr_table, note = _correlations(s, names, corr)
    # the base case: one row with the first sampled input scaled by exactly 1
    base_ev = evaluate(drivers, {}, list(outputs), {chosen[0][0].path: np.ones(1)})
    base = {o: float(base_ev.values[o][0]) for o in outputs}
    na_labels = {o: _na_label(o, catalogue) for o in outputs}
    hists = {o: histogram(values[o], table[o]["unit"], na_labels[o]) for o in outputs}
    kept = draw_table([v for v, _ in chosen], s.values, ev.values, ev.invalid) if keep_draws else None
    return MonteCarloResult(draws, valid, int(s.seed), lhs, QUANTILES, table, probs, years, bands,
                            summary, corr_table, note, ev.years, values, base, hists, na_labels, kept)


def draw_table(variations: Sequence[Variation], inputs: np.ndarray, outputs: dict[str, np.ndarray],
               invalid: np.ndarray) -> pd.DataFrame:
    """One row per draw: draw (0-based), valid, each sampled input under its path (``PATH*``
    for a factor on a whole per-year input; whole numbers rounded as the engine used them) in
    its unit, then each output evaluated [its unit], NaN where n/a or the draw is invalid."""
    cols: dict[str, np.ndarray] = {"draw": np.arange(len(invalid)), "valid": ~invalid}
    for j, v in enumerate(variations):
        cols[v.path + ("*" if v.scale else "")] = np.round(inputs[:, j]) if v.integer else inputs[:, j]
    for o, x in outputs.items():
        cols[o] = np.where(invalid, np.nan, x)
    return pd.DataFrame(cols)


def _na_label(output: str, catalogue) -> str:
    """What an n/a draw of an output means: a year never reached, or no value."""
    return "not within horizon" if _missing_as(output, catalogue) == np.inf else "n/a"


def histogram(x: np.ndarray, unit: str, na_label: str = "n/a", bins: int = HISTOGRAM_BINS) -> pd.DataFrame:
    """Counts of the draws ``x`` in bins, and of the n/a draws (NaN) as a last row.

    A year output (``unit`` "year") has one bin per year; any other output ``bins`` equal bins
    from its 0.5th to its 99.5th percentile, the end bins also holding the tails beyond. Index:
    the bin's label value (the year, or the bin's middle), then ``na_label`` when some draws
    are n/a; columns low, high (the bin's edges; NaN for n/a), count, share (of all ``x``).
    """
    finite = x[np.isfinite(x)]
    rows: list[tuple] = []
    if finite.size and unit == "year":
        years = np.arange(int(finite.min()), int(finite.max()) + 1)
        counts = np.bincount((np.round(finite) - years[0]).astype(int), minlength=years.size)
        rows = [(int(y), y - 0.5, y + 0.5, int(c)) for y, c in zip(years, counts)]
    elif finite.size:
        lo, hi = np.percentile(finite, [0.5, 99.5])
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, bins + 1)
        idx = np.clip(np.searchsorted(edges, finite, side="right") - 1, 0, bins - 1)
        counts = np.bincount(idx, minlength=bins)
        rows = [(float((a + b) / 2), float(a), float(b), int(c)) for a, b, c in zip(edges[:-1], edges[1:], counts)]
    missing = int(x.size - finite.size)
    if missing:
        rows.append((na_label, np.nan, np.nan, missing))
    frame = pd.DataFrame(rows, columns=["bin", "low", "high", "count"])
    frame["share"] = frame["count"] / max(x.size, 1)
    return frame.set_index("bin")


def _missing_as(output: str, catalogue) -> float | None:
    md = catalogue.metrics.get(output)
    return md.missing_as if md is not None else None


def event_probability(event: Event, x: np.ndarray, missing_as: float | None, catalogue,
                      label: str | None = None, confidence: float = 0.95) -> dict:
    """P(event) over the valid draws ``x`` of its output, with a Wilson interval.

    A NaN (the output is "n/a" for that draw) counts as ``missing_as`` when given (a year never
    reached: +inf, later than every year); otherwise the draw is left out of ``n`` and counted
    in ``missing``. Returns a dict: label, event, output, output_label, unit, p, lo, hi,
    count, n, missing, missing_as ("excluded" or the value n/a counts as).
    """
    na = np.isnan(x)
    x = np.where(na, missing_as, x) if missing_as is not None else x[~na]
    out_label, unit = output_label(event.output, catalogue)
    row = {"label": label or f"P({event.output} {event.op.value} {event.threshold:g})",
           "event": str(event), "output": event.output, "output_label": out_label, "unit": unit,
           "p": np.nan, "lo": np.nan, "hi": np.nan, "count": 0, "n": int(x.size),
           "missing": int(na.sum()),
           "missing_as": "excluded" if missing_as is None else f"{missing_as:g}"}
    if x.size:
        with np.errstate(invalid="ignore"):
            est = probability(np.asarray(COMPARE[event.op](x, event.threshold), dtype=bool), confidence)
        row |= {"p": float(est.estimate), "lo": float(est.lower), "hi": float(est.upper),
                "count": int(est.count)}
    return row


def year_distribution(x: np.ndarray, years: np.ndarray, confidence: float = 0.95) -> pd.DataFrame:
    """Share of the valid draws ``x`` in each year of the horizon, and with no year (NaN:
    "never within horizon"), each with a Wilson interval. Index: the years, then NEVER_LABEL;
    columns count, share, lo, hi. The shares sum to 1."""
    years = [int(y) for y in years]
    masks = np.column_stack([x == y for y in years] + [np.isnan(x)])
    est = probability(masks, confidence)
    return pd.DataFrame({"count": est.count.astype(int), "share": est.estimate, "lo": est.lower,
                         "hi": est.upper}, index=pd.Index(years + [NEVER_LABEL], dtype=object))


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
