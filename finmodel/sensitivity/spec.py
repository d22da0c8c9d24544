"""The sensitivity spec (``assumptions/sensitivity.yaml``): inputs to vary, outputs to report.

Read and validated like every assumption file: every problem at once, located.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, StrictBool, StrictFloat, ValidationError, model_validator

from ..arguments import Event, Op
from ..assumptions.schema import FrozenModel, slug_id
from ..assumptions.yamlio import read_yaml
from ..assumptions.fields import humanise
from ..model.drivers import Drivers
from ..errors import AssumptionError, Problem
from ..model.catalogue import build_catalogue
from .distributions import Dist as Distribution, DistKind, Finite
from .evaluate import check_outputs
from .oneway import Variation

__all__ = ["InputSpec", "Probability", "SensitivitySpec", "load_spec", "variations",
           "resolve_path", "make_variation"]

_DIST_TAGS = {k.value for k in DistKind}


_Frozen = FrozenModel  # frozen, extra="forbid", only visible characters in text
InputName = slug_id("sensitivity input")


class InputSpec(_Frozen):
    """One varied input.

    For the one-way analyses give ``low``/``high`` (absolute values; factors when ``scale``)
    or ``change`` (a fraction: low = base x (1 - change), high = base x (1 + change)). For
    Monte Carlo give ``distribution`` (absolute values; factors when ``scale``).
    """

    path: str = Field(min_length=1, max_length=200)
    label: str | None = Field(default=None, max_length=80)
    low: Finite | None = None
    high: Finite | None = None
    change: Finite | None = Field(default=None, gt=0, le=10)
    scale: StrictBool = False
    distribution: Distribution | None = None
    source: str = Field(min_length=1, max_length=500)

    @model_validator(mode="before")
    @classmethod
    def _ints(cls, v: Any) -> Any:
        if isinstance(v, dict):
            v = {k: (float(x) if k in ("low", "high", "change") and isinstance(x, int)
                     and not isinstance(x, bool) else x) for k, x in v.items()}
        return v

    @model_validator(mode="after")
    def _range(self) -> "InputSpec":
        if self.change is not None and (self.low is not None or self.high is not None):
            raise ValueError("give either change or low/high, not both")
        if (self.low is None) != (self.high is None):
            raise ValueError("give both low and high")
        if self.low is not None and self.low == self.high:
            raise ValueError(f"low and high are equal ({self.low:g})")
        if self.low is not None and self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is above high ({self.high:g}): give the smaller value as low")
        return self


class Probability(_Frozen):
    """One Monte Carlo probability: P(output op threshold), e.g. P(peak unfunded gap > 200).

    An output's "n/a" counts as its metric's ``missing_as`` (a first breach year "never
    within horizon" is later than every year: no breach by any year); an output whose n/a has
    no place on the scale (IRR) leaves those draws out of the count, reported beside it.
    """

    output: str = Field(min_length=1, max_length=80)
    op: Op
    threshold: Finite
    label: str | None = Field(default=None, max_length=80)

    @model_validator(mode="before")
    @classmethod
    def _ints(cls, v: Any) -> Any:
        if isinstance(v, dict) and isinstance(v.get("threshold"), int) and not isinstance(v["threshold"], bool):
            v = {**v, "threshold": float(v["threshold"])}
        return v

    @property
    def event(self) -> Event:
        return Event(self.output, self.op, self.threshold)

    @classmethod
    def of(cls, event: Event) -> "Probability":
        return cls(output=event.output, op=event.op, threshold=event.threshold)


class SensitivitySpec(_Frozen):
    outputs: list[str] = Field(min_length=1, max_length=30)
    inputs: dict[InputName, InputSpec] = Field(min_length=1, max_length=100)
    correlations: list[tuple[str, str, StrictFloat]] = Field(default_factory=list)
    probabilities: list[Probability] = Field(default_factory=list, max_length=50)
    # year outputs whose distribution (share of draws in each year, and "never") is shown
    year_distributions: list[str] = Field(default_factory=list, max_length=10)
    montecarlo_method: str = Field(default="iman_conover", pattern="^(iman_conover|gaussian_copula)$")

    def correlation_matrix(self, names: list[str]) -> np.ndarray | None:
        if not self.correlations:
            return None
        idx = {n: i for i, n in enumerate(names)}
        m = np.eye(len(names))
        for a, b, rho in self.correlations:
            m[idx[a], idx[b]] = m[idx[b], idx[a]] = rho
        return m

    def sampled(self, variations, needed_by: str = "") -> list[tuple[Variation, Distribution]]:
        """The inputs that have a distribution, with it, in the spec's order: what the Monte
        Carlo, the statistic goal seek and the Sobol' analysis sample. ``needed_by`` names
        the analysis in the error when there is none (e.g. "a statistic target")."""
        chosen = [(v, self.inputs[v.name].distribution) for v in variations
                  if self.inputs[v.name].distribution is not None]
        if not chosen:
            raise AssumptionError("nothing to sample", [Problem(
                "no input of the sensitivity spec has a distribution" + (f"; {needed_by} needs one" if needed_by
                                                                         else "")
                + "; add one, e.g. distribution: {dist: triangular, low: .., mode: .., high: ..}", path="inputs")])
        return chosen


def resolve_path(drivers: Drivers, path: str) -> tuple[str | None, float | None, str | None]:
    """(input path, base value, problem) for a spec or CLI path; the base value is None for a
    whole per-year input."""
    try:
        return path, drivers.base_value(path), None
    except KeyError as err:
        return None, None, err.args[0]


PER_YEAR_HINT = "a per-year input: vary one year (PATH.YEAR) or scale every year (scale: true, or PATH* on the command line)"


def make_variation(drivers: Drivers, name: str, path: str, scale: bool, low: float | None,
                   high: float | None, change: float | None = None, label: str | None = None,
                   rationale: str = "") -> Variation:
    """A :class:`Variation` of one input, its base value taken from the scenario.

    ``change`` (a fraction) gives low/high = base x (1 -/+ change). Raises ValueError with the
    reason when the path is unknown or names a whole per-year input without ``scale``.
    """
    resolved, base, why = resolve_path(drivers, path)
    if why:
        raise ValueError(why)
    if base is None and not scale:
        raise ValueError(f"{path}: {PER_YEAR_HINT}")
    base = 1.0 if scale else base
    if change is not None:
        low, high = base * (1 - change), base * (1 + change)
    elif low is None:
        low = high = base
    field, _ = drivers.locate(resolved)
    integer = bool(not scale and field.bounds and field.bounds.integer)
    label = label or (f"{field.label} ({field.section})" if field.section else field.label)
    return Variation(name, label, resolved, base, low, high, scale, integer, rationale,
                     "factor" if scale else field.unit)


def variations(spec: SensitivitySpec, drivers: Drivers) -> tuple[list[Variation], list[Problem]]:
    """One :class:`Variation` per spec input, with its base value from the scenario."""
    out, problems = [], []
    for name, inp in spec.inputs.items():
        try:
            out.append(make_variation(drivers, name, inp.path, inp.scale, inp.low, inp.high,
                                      inp.change, inp.label or humanise(name), inp.source))
        except ValueError as why:
            problems.append(Problem(str(why), path=f"inputs.{name}.path"))
    return out, problems


def _located(doc, loc: tuple, msg: str) -> Problem:
    """A problem at ``loc``; a bad mapping KEY (pydantic's "[key]") is located at the key."""
    if "[key]" not in loc:
        return doc.problem(loc, msg)
    path = tuple(p for p in loc if p != "[key]")
    line, col = doc.locations.get(path) or doc.where(path) or (None, None)
    return Problem(msg, doc.file, line, col, ".".join(str(p) for p in path))


def _raw_path_problems(doc, raw: dict, drivers: Drivers) -> list[Problem]:
    """Unknown input paths and outputs, checked on the raw data so they are reported even when
    other parts of the spec are invalid."""
    out = []
    inputs = raw.get("inputs") if isinstance(raw.get("inputs"), dict) else {}
    for name, inp in inputs.items():
        if isinstance(inp, dict) and isinstance(inp.get("path"), str):
            _, base, why = resolve_path(drivers, inp["path"])
            if not why and base is None and inp.get("scale") is not True:
                why = PER_YEAR_HINT
            if why:
                out.append(doc.problem(("inputs", name, "path"), why))
    cat = build_catalogue(drivers.structure)
    years = list(drivers.years)
    outputs = raw.get("outputs")
    if isinstance(outputs, list) and all(isinstance(o, str) for o in outputs):
        out += [doc.problem(("outputs",), why) for why in check_outputs(outputs, cat, years)]
    probs = raw.get("probabilities")
    for i, p in enumerate(probs if isinstance(probs, list) else []):
        if isinstance(p, dict) and isinstance(p.get("output"), str):
            out += [doc.problem(("probabilities", i, "output"), why)
                    for why in check_outputs([p["output"]], cat, years)]
    dists = raw.get("year_distributions")
    for i, o in enumerate(dists if isinstance(dists, list) else []):
        if isinstance(o, str):
            why = check_outputs([o], cat, years)
            if not why and (o not in cat.metrics or cat.metrics[o].unit != "year"):
                why = [f"{o!r} is not a year metric (e.g. first_breach_year, payback_year)"]
            out += [doc.problem(("year_distributions", i), w) for w in why]
    return out


def load_spec(path: str | Path, drivers: Drivers) -> tuple[SensitivitySpec, list[Variation]]:
    """Read, validate and resolve a sensitivity spec against a scenario's inputs."""
    doc = read_yaml(path)
    problems: list[Problem] = []
    spec = None
    try:
        spec = SensitivitySpec.model_validate(doc.data)
    except ValidationError as err:
        for e in err.errors():
            loc = tuple(p for p in e["loc"] if p not in _DIST_TAGS)  # drop union tags
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "extra_forbidden":
                msg = f"unknown key {loc[-1]!r}"
            elif e["type"] == "missing":
                msg = "missing required field"
            elif "got" not in msg and not isinstance(e.get("input"), dict):  # a block: says why
                msg += f" (got {str(e.get('input'))[:60]!r})"
            problems.append(_located(doc, loc, msg))
    raw = doc.data if isinstance(doc.data, dict) else {}
    problems += _raw_path_problems(doc, raw, drivers)
    if spec is None:
        raise AssumptionError(f"{len(problems)} problem(s) in {path}", problems)
    vars_, _ = variations(spec, drivers)  # path problems were reported from the raw data
    names = list(spec.inputs)
    for i, (a, b, rho) in enumerate(spec.correlations):
        for n in (a, b):
            if n not in names:
                problems.append(doc.problem(("correlations", i), f"unknown input {n!r} in a correlation"))
        if not -1 <= rho <= 1 or (a == b and rho != 1):
            problems.append(doc.problem(("correlations", i), f"a correlation must lie in [-1, 1] (got {rho:g})"))
    if problems:
        raise AssumptionError(f"{len(problems)} problem(s) in {path}", problems)
    return spec, vars_
