"""The Python API: load a scenario, run it, run its analyses. The CLI is a thin layer on this.

Every function takes a scenario as a name (``"base"``, ``"bull"``: looked up in
``assumptions_dir``), a path to a scenario file, or loaded :class:`Assumptions`; overrides as
``["PATH=VALUE", ...]`` or ``{PATH: VALUE}``; and returns a frozen result
(:mod:`finmodel.runs`) with tidy tables, a short ``repr``, a notebook view and
``write_workbook(path)``. Nothing here prints or exits: errors are raised as
:class:`~finmodel.errors.FinModelError` subclasses (a usage mistake is a ``UsageError``).
Drivers and the line-item catalogue are built once per call.

Examples
--------
>>> import finmodel
>>> r = finmodel.run("bull", {"valuation.discount_rate": 0.10})           # doctest: +SKIP
>>> t = finmodel.tornado("base", metrics=["npv_usd_bn"])                   # doctest: +SKIP
>>> g = finmodel.grid("base", "valuation.discount_rate=0.08:0.16:9",
...                   "capex.servers.cost_usd_bn_per_gw=15:35:11")         # doctest: +SKIP
>>> s = finmodel.solve("base", "npv_usd_bn=0", vary="revenue.segments.consumer.initial_growth",
...                    bounds="0.1,3")                                      # doctest: +SKIP
>>> mc = finmodel.montecarlo("base", draws=10_000, seed=42)                # doctest: +SKIP
>>> mc.write_workbook("outputs/base-montecarlo.xlsx")                      # doctest: +SKIP
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence, Union

from .arguments import MAX_DRAWS, MAX_HELD_ROWS, MAX_SEED, MIN_DRAWS, Axis, Bounds, Event, Goal, Precision, Vary
from .assumptions.load import Assumptions, load as load_file
from .errors import InputMissingError, Problem, UsageError, did_you_mean
from .model.catalogue import Catalogue, build_catalogue
from .model.drivers import Drivers, build_drivers
from .model.result import run as run_engine
from .runs import GridRun, ModelRun, MonteCarloRun, SolveRun, TornadoRun
from .globalruns import MorrisRun, SobolRun
from .progress import Progress, no_progress

__all__ = ["load", "validate", "run", "tornado", "grid", "solve", "montecarlo", "sobol", "morris", "SobolRun",
           "MorrisRun", "diff", "compare", "import_workbook", "drivers_for",
           "resolve_scenario", "load_argument", "scenario_names", "spec_path", "load_spec", "metric_names", "ModelRun", "TornadoRun", "GridRun",
           "SolveRun", "MonteCarloRun", "Progress", "MIN_DRAWS", "MAX_DRAWS", "MAX_SEED"]

Scenario = Union[str, Path, Assumptions]
Overrides = Union[str, Iterable[str], Mapping[str, object]]

DEFAULT_ASSUMPTIONS = Path("assumptions")
SPEC_FILE = "sensitivity.yaml"


# --- scenarios and overrides ---------------------------------------------------------------------

def scenario_names(assumptions_dir: str | Path = DEFAULT_ASSUMPTIONS) -> list[str]:
    """``base`` (if ``base.yaml`` exists) and the stems of ``scenarios/*.yaml``, sorted."""
    folder = Path(assumptions_dir)
    names = ["base"] if (folder / "base.yaml").is_file() else []
    return names + sorted(p.stem for p in (folder / "scenarios").glob("*.yaml"))


def resolve_scenario(name: str | Path, assumptions_dir: str | Path = DEFAULT_ASSUMPTIONS) -> Path:
    """A scenario argument: a file path, or a name looked up in the assumptions folder.

    Raises
    ------
    InputMissingError
        no such file or scenario (the message lists the known names).
    """
    p, folder = Path(name), Path(assumptions_dir)
    if p.suffix.lower() in (".yaml", ".yml") or p.exists():
        if not p.is_file():
            raise InputMissingError(f"scenario file not found: {p}")
        return p
    for cand in (folder / f"{name}.yaml", folder / "scenarios" / f"{name}.yaml"):
        if cand.is_file():
            return cand
    if not folder.is_dir():
        raise InputMissingError(
            f"no scenario {str(name)!r} in {folder}: there is no folder {str(folder)!r} in "
            f"{Path.cwd()}; run from the project folder or give the folder that holds base.yaml "
            "with -a/--assumptions DIR (assumptions_dir= in Python)")
    names = scenario_names(folder)
    hint = did_you_mean(name, names) if names else f"; {folder} holds no base.yaml nor scenarios/*.yaml"
    raise InputMissingError(f"no scenario {str(name)!r} in {folder} (known: {', '.join(names) or 'none'})"
                            f"{hint}")


def _override_texts(overrides: Overrides | None) -> tuple[str, ...]:
    """Overrides as ``PATH=VALUE`` texts: from one text, a list of texts or ``{PATH: VALUE}``."""
    if overrides is None:
        return ()
    if isinstance(overrides, str):
        return (overrides,)
    if isinstance(overrides, Mapping):
        return tuple(f"{path}={_value_text(v)}" for path, v in overrides.items())
    return tuple(overrides)


def _value_text(v: object) -> str:
    """A Python value as the YAML scalar ``--set`` reads (``True`` -> ``true``, floats exact)."""
    item = getattr(v, "item", None)
    if callable(item) and getattr(v, "shape", None) == ():
        v = item()  # a numpy scalar (np.float64, np.int64, np.bool_) as its Python value
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def load(scenario: Scenario, overrides: Overrides | None = (),
         assumptions_dir: str | Path = DEFAULT_ASSUMPTIONS) -> Assumptions:
    """Read, merge, override and validate a scenario (every problem at once).

    Loaded assumptions given with more overrides are loaded again from their file with the
    earlier overrides and then these.

    Raises
    ------
    InputMissingError, AssumptionError, UsageError
    """
    extra = _override_texts(overrides)
    if isinstance(scenario, Assumptions):
        return load_file(scenario.path, scenario.overrides + extra) if extra else scenario
    return load_file(resolve_scenario(scenario, assumptions_dir), extra)


def validate(paths: str | Path | Iterable[str | Path] = (), overrides: Overrides | None = (), *,
             assumptions_dir: str | Path = DEFAULT_ASSUMPTIONS) -> list[str]:
    """Check input files without running the model: one line ``PATH: ok (...)`` per file.

    Each path is told apart by its kind (:func:`~finmodel.assumptions.kinds.file_kind`): a
    scenario (a name or a YAML file, loaded with ``overrides``), a deal table (CSV), a
    sensitivity spec (checked against the base scenario beside it), a calibration file (read
    with that base scenario) or a run record. With no path: every scenario of
    ``assumptions_dir`` and its sensitivity spec.

    Raises
    ------
    InputMissingError, AssumptionError
        the first file with problems (every problem of that file at once).
    UsageError
        a file that is no input (a workbook) or of no known kind.
    """
    from .assumptions.kinds import FileKind, file_kind
    folder = Path(assumptions_dir)
    if not paths:
        lines = [_validate_scenario(resolve_scenario(n, folder), overrides) for n in
                 (scenario_names(folder) or ["base"])]
        spec = spec_path(None, folder)
        return lines + ([_validate_spec(spec, overrides, folder)] if spec.is_file() else [])
    lines = []
    for given in ([paths] if isinstance(paths, (str, Path)) else list(paths)):
        p = Path(given)
        kind = file_kind(p)
        if kind is FileKind.SCENARIO or (kind is FileKind.OTHER and not p.suffix):
            lines.append(_validate_scenario(resolve_scenario(given, folder), overrides))
            continue
        if not p.is_file():
            raise InputMissingError(f"{'file' if kind is FileKind.OTHER else kind.value} not found: {p}")
        if kind is FileKind.DEALS:
            from .assumptions.load import load_deals
            deals = load_deals(p)
            lines.append(f"{p}: ok (deal table: {len(deals)} deals, "
                         f"{sum(d.include for d in deals)} included)")
        elif kind is FileKind.SENSITIVITY:
            lines.append(_validate_spec(p, overrides, folder))
        elif kind is FileKind.CALIBRATION:
            base = _base_beside(p, folder)
            a = load(base, overrides)
            read = any(f.resolve() == p.resolve() for f in a.files)
            lines.append(f"{p}: ok (calibration file: {len(a.anchors)} anchors, read with {base})"
                         if read else f"{p}: not read by {base}, which names no such calibration file")
        elif kind is FileKind.RECORD:
            from .record import read_record
            doc = read_record(p)
            lines.append(f"{p}: ok (run record of a {doc.get('analysis', 'run')}; repeat it with "
                         f"finmodel rerun {p})")
        elif kind is FileKind.WORKBOOK:
            raise UsageError(f"{p} is a workbook (an output); validate checks inputs: a scenario "
                             "(.yaml), a deal table (.csv), a sensitivity spec (.yaml) or a run "
                             "record (.run.json)")
        else:
            raise UsageError(f"cannot tell what kind of file {p} is: validate checks a scenario "
                             "or sensitivity spec (.yaml), a deal table (.csv) or a run record (.json)")
    return lines


def _validate_scenario(path: Path, overrides: Overrides | None) -> str:
    a = load(path, overrides)
    return f"{path}: ok ({len(a.deals)} deals, {sum(d.include for d in a.deals)} included)"


def _base_beside(path: Path, assumptions_dir: Path) -> Path:
    """The base scenario a spec or calibration file belongs to: ``base.yaml`` beside it, else
    the assumptions folder's."""
    beside = path.parent / "base.yaml"
    return beside if beside.is_file() else resolve_scenario("base", assumptions_dir)


def _validate_spec(path: Path, overrides: Overrides | None, assumptions_dir: Path) -> str:
    base = _base_beside(path, assumptions_dir)
    _, variations = load_spec(path, load(base, overrides))
    return f"{path}: ok (sensitivity spec: {len(variations)} inputs, checked against {base})"


def metric_names() -> list[str]:
    """The headline metrics (``--metric``, ``--target``); ``LINE_ITEM@YEAR`` works as well."""
    from .model.catalogue import Catalogue
    from .model.defs import Structure
    from .model.financing import FINANCING_METRICS
    from .model.metrics import METRIC_PARTS
    from .model.supply import SUPPLY_METRICS
    cat = Catalogue()
    for part in METRIC_PARTS + FINANCING_METRICS + SUPPLY_METRICS:  # keys do not depend on the structure
        part(cat, Structure((), (), (), ()))
    return list(cat.metrics)


def drivers_for(assumptions: Assumptions) -> Drivers:
    return build_drivers(assumptions.scenario, assumptions.deals)


@dataclass(frozen=True)
class _Request:
    """One request's scenario, drivers and catalogue, each built once."""

    assumptions: Assumptions
    drivers: Drivers
    catalogue: Catalogue

    @classmethod
    def of(cls, scenario: Scenario, overrides: Overrides | None, assumptions_dir) -> _Request:
        a = load(scenario, overrides, assumptions_dir)
        d = drivers_for(a)
        return cls(a, d, build_catalogue(d.structure))

    def check_outputs(self, names: Sequence[str], option: str) -> None:
        """Unknown metric or line item (with "did you mean"): a usage error naming ``option``."""
        from .sensitivity.evaluate import check_outputs
        problems = check_outputs(names, self.catalogue, list(self.drivers.years))
        if problems:
            raise UsageError(f"invalid {option}", [Problem(p, option) for p in problems])

    def labels(self, names: Sequence[str]) -> dict[str, tuple[str, str]]:
        """output -> (label, unit)."""
        from .sensitivity.evaluate import output_label
        return {o: output_label(o, self.catalogue) for o in names}

    def variation(self, path: str, scale: bool, low: float | None, high: float | None, option: str):
        from .sensitivity.spec import make_variation
        try:
            return make_variation(self.drivers, path, path, scale, low, high)
        except ValueError as why:
            raise UsageError(f"{option}: {why}") from None


def _names(x: str | Iterable[str] | None) -> list[str]:
    if x is None:
        return []
    return [x] if isinstance(x, str) else list(x)


def _parse(parse, value, option: str):
    """An argument in its text form or as its object (:mod:`finmodel.arguments`)."""
    try:
        return parse(value)
    except ValueError as why:
        raise UsageError(f"{option}: {why}") from None


def spec_path(spec: str | Path | None, assumptions_dir: str | Path = DEFAULT_ASSUMPTIONS) -> Path:
    """The sensitivity spec: ``spec`` when given, else ``<assumptions_dir>/sensitivity.yaml``."""
    return Path(spec) if spec is not None else Path(assumptions_dir) / SPEC_FILE


def load_spec(spec: str | Path | None, assumptions: Assumptions,
              assumptions_dir: str | Path = DEFAULT_ASSUMPTIONS):
    """Read and validate a sensitivity spec against a scenario: (spec, variations)."""
    from .sensitivity.spec import load_spec as read_spec
    return read_spec(spec_path(spec, assumptions_dir), drivers_for(assumptions))


# --- run and the analyses ------------------------------------------------------------------------

def run(scenario: Scenario, overrides: Overrides | None = (), *,
        assumptions_dir: str | Path = DEFAULT_ASSUMPTIONS,
        progress: Progress | None = None) -> ModelRun:
    """Load (unless given loaded assumptions) and run one scenario.

    Examples
    --------
    >>> r = run("base", overrides={"valuation.discount_rate": 0.10})  # doctest: +SKIP
    >>> r.metrics.set_index("metric").loc["npv_usd_bn", "value"]       # doctest: +SKIP
    """
    a = load(scenario, overrides, assumptions_dir)
    with (progress or no_progress)(1, "run") as bar:
        result = run_engine(drivers_for(a), a.anchors)
        bar(1)
    return ModelRun(a, result)


def tornado(scenario: Scenario, metrics: str | Sequence[str] | None = (), *,
            spec: str | Path | None = None, overrides: Overrides | None = (),
            assumptions_dir: str | Path = DEFAULT_ASSUMPTIONS,
            progress: Progress | None = None) -> TornadoRun:
    """Swing each input of the sensitivity spec to its low and high; rank inputs by effect.

    Parameters
    ----------
    metrics : outputs to report (a metric key or ``LINE_ITEM@YEAR``); default: the spec's.
    spec : the sensitivity spec; default ``<assumptions_dir>/sensitivity.yaml``.

    Tornado and spider points are ONE engine evaluation.
    """
    from .sensitivity.oneway import tornado as swing
    from .sensitivity.spec import load_spec as read_spec
    req = _Request.of(scenario, overrides, assumptions_dir)
    spec_file = spec_path(spec, assumptions_dir)
    sens, variations = read_spec(spec_file, req.drivers)
    requested = tuple(_names(metrics))
    outputs = list(requested) or list(sens.outputs)
    req.check_outputs(outputs, "--metric")
    result = swing(req.drivers, variations, outputs, progress)
    beyond = frozenset(o for o in outputs if (md := req.catalogue.metrics.get(o)) is not None
                       and md.missing_as == float("inf"))
    return TornadoRun(req.assumptions, spec_file, requested, result, tuple(variations),
                      req.labels(outputs), beyond)


def grid(scenario: Scenario, x: str | Axis, y: str | Axis, metric: str = "npv_usd_bn", *,
         overrides: Overrides | None = (), assumptions_dir: str | Path = DEFAULT_ASSUMPTIONS,
         progress: Progress | None = None) -> GridRun:
    """A two-way data table of ``metric`` over ``x`` (columns) and ``y`` (rows).

    ``x`` and ``y`` are ``PATH=LO:HI:N`` (``PATH*=LO:HI:N`` scales every year by factors)
    or :class:`~finmodel.arguments.Axis`. All nx * ny points are one engine evaluation.
    """
    from .sensitivity.oneway import grid as data_table
    ax, ay = _parse(Axis.parse, x, "--x"), _parse(Axis.parse, y, "--y")
    req = _Request.of(scenario, overrides, assumptions_dir)
    req.check_outputs([metric], "--metric")
    vx = req.variation(ax.path, ax.scale, ax.low, ax.high, "--x")
    vy = req.variation(ay.path, ay.scale, ay.low, ay.high, "--y")
    result = data_table(req.drivers, vx, vy, ax.n, ay.n, metric, progress)
    from .sensitivity.evaluate import output_direction
    return GridRun(req.assumptions, ax, ay, metric, result, req.labels([metric])[metric],
                   output_direction(metric, req.catalogue))


def default_bounds(base: float, scale: bool) -> Bounds:
    """Without bounds: a factor 0.01..10, or base/10..base*10 (or -1..1 around 0)."""
    if scale:
        return Bounds(0.01, 10.0)
    if base == 0:
        return Bounds(-1.0, 1.0)
    lo, hi = sorted((base / 10, base * 10))
    return Bounds(lo, hi)


def _goals(targets) -> list[Goal]:
    if isinstance(targets, Mapping):
        return [_parse(Goal.parse, f"{k}={float(v)!r}", "--target") for k, v in targets.items()]
    items = [targets] if isinstance(targets, (str, Goal)) else list(targets or ())
    return [_parse(Goal.parse, t, "--target") for t in items]


def _bounds_list(bounds) -> list[Bounds]:
    if bounds is None:
        return []
    single = isinstance(bounds, (str, Bounds)) or (
        isinstance(bounds, tuple) and len(bounds) == 2 and all(isinstance(b, (int, float)) for b in bounds))
    return [_parse(Bounds.parse, b, "--bounds") for b in ([bounds] if single else list(bounds))]


def solve(scenario: Scenario, targets, vary, bounds=None, *, spec: str | Path | None = None,
          draws: int | None = None, seed: int | None = None, lhs: bool = False,
          overrides: Overrides | None = (), assumptions_dir: str | Path = DEFAULT_ASSUMPTIONS,
          progress: Progress | None = None) -> SolveRun:
    """Break-even / goal seek: the value of an input at which a metric reaches a target.

    Parameters
    ----------
    targets : ``"METRIC=VALUE"``, a list of them, or ``{METRIC: VALUE}``; solved together. A
        target may be a statistic over the Monte Carlo of the spec's distributions:
        ``"p90(peak_funding_need_usd_bn)=500"``, ``"mean(npv_usd_bn)=0"``,
        ``"prob(npv_usd_bn<0)=0.2"`` (:mod:`finmodel.sensitivity.goalseek`).
    vary : the input to move, ``PATH`` (``PATH*`` scales every year): one for all targets or
        one per target.
    bounds : ``"LO,HI"`` or ``(LO, HI)``, one for all targets or one per target; default
        base/10..base*10 (factor 0.01..10 for ``PATH*``).
    spec, draws, seed, lhs : for statistic targets only: the sensitivity spec whose
        distributions are sampled (default ``<assumptions_dir>/sensitivity.yaml``), the number
        of draws (default 10,000), the seed (default: fresh entropy, recorded) and Latin
        hypercube sampling. The draws are sampled once and held fixed over the search.

    A target with no solution in its bounds has ``value None`` and the reason
    (``SolveRun.ok`` is False); never a guess. A statistic target's solution carries its
    Monte Carlo standard error (``SolveRun.table``: ``se``).
    """
    from .sensitivity.solve import Target, solve as seek
    goals = _goals(targets)
    varies = [_parse(Vary.parse, v, "--vary") for v in ([vary] if isinstance(vary, (str, Vary)) else list(vary or ()))]
    bounds_ = _bounds_list(bounds)
    if not goals:
        raise UsageError("give at least one --target METRIC=VALUE")
    if len(varies) not in (1, len(goals)):
        raise UsageError("give one --vary for all targets or one per --target")
    if bounds_ and len(bounds_) not in (1, len(goals)):
        raise UsageError("give one --bounds for all targets or one per --target")
    statistical = [g.stat is not None for g in goals]
    if not any(statistical) and (spec is not None or draws is not None or seed is not None or lhs):
        raise UsageError("--spec, --draws, --seed and --lhs apply to a statistic target over the Monte "
                         "Carlo draws, e.g. --target 'p90(peak_funding_need_usd_bn)=500'; none was given")
    if any(statistical):
        draws = _draws(10_000 if draws is None else draws, MAX_HELD_ROWS)
    req = _Request.of(scenario, overrides, assumptions_dir)
    req.check_outputs(list(dict.fromkeys(g.output for g in goals)), "--target")
    tlist = []
    for i, g in enumerate(goals):
        v = varies[0] if len(varies) == 1 else varies[i]
        base = req.variation(v.path, v.scale, None, None, "--vary").base
        b = (bounds_[0] if len(bounds_) == 1 else bounds_[i]) if bounds_ else default_bounds(base, v.scale)
        tlist.append(Target(g.output, g.value, req.variation(v.path, v.scale, b.low, b.high, "--vary")))
    solutions: list = [None] * len(goals)
    spec_file, fixed = None, None
    with (progress or no_progress)(len(tlist), "solve") as bar:
        plain = [i for i, s in enumerate(statistical) if not s]
        if plain:
            for i, sol in zip(plain, seek(req.drivers, [tlist[i] for i in plain])):
                solutions[i] = sol
            bar(len(plain))
        if any(statistical):
            from .sensitivity.goalseek import StatTarget, draw_inputs, solve_statistics
            from .sensitivity.spec import load_spec as read_spec
            from .sensitivity.sampling import entropy_seed
            spec_file = spec_path(spec, assumptions_dir)
            sens, variations = read_spec(spec_file, req.drivers)
            fixed = draw_inputs(sens, variations, draws, entropy_seed() if seed is None else seed, lhs)
            stat = [i for i, s in enumerate(statistical) if s]
            found = solve_statistics(req.drivers, [StatTarget(goals[i], tlist[i].vary, _missing_as(req, goals[i]))
                                                   for i in stat], fixed, bar)
            for i, sol in zip(stat, found):
                solutions[i] = sol
    labels = req.labels([g.output for g in goals])
    labels |= {g.name: _statistic_label(g, labels[g.output]) for g in goals if g.stat is not None}
    return SolveRun(req.assumptions, tuple(goals), tuple(varies), tuple(bounds_), tuple(solutions),
                    labels, spec_file, draws if fixed else None, fixed.seed if fixed else None, bool(lhs))


def _draws(draws, most: int = MAX_DRAWS) -> int:
    if isinstance(draws, bool) or not isinstance(draws, int) or not MIN_DRAWS <= draws <= most:
        raise UsageError(f"--draws: expected a whole number from {MIN_DRAWS} to {most:,} (got {draws!r})")
    return draws


def _missing_as(req: _Request, goal: Goal) -> float | None:
    md = req.catalogue.metrics.get(goal.output)
    return md.missing_as if md is not None else None


def _statistic_label(goal: Goal, label: tuple[str, str]) -> tuple[str, str]:
    """(label, unit) of a statistic target: "P90 of <label>", "Mean of ...", "P(<label> < 0)"."""
    from .arguments import Stat
    text, unit = label
    if goal.stat is Stat.PROBABILITY:
        return f"P({text} {goal.event.op.value} {goal.event.threshold:g})", "fraction"
    head = "Mean" if goal.stat is Stat.MEAN else f"P{goal.q:g}"
    return f"{head} of {text}", unit


DEFAULT_DRAWS = 10_000
#: The most draws of a run with precision goals when ``draws`` is not given.
DEFAULT_PRECISION_DRAWS = 1_000_000


def montecarlo(scenario: Scenario, draws: int | None = None, seed: int | None = None, *,
               lhs: bool = False, metrics: str | Sequence[str] | None = (),
               spec: str | Path | None = None, probabilities: str | Sequence[str] | None = (),
               overrides: Overrides | None = (), keep_draws: bool = False,
               precision: str | Sequence[str] | None = (),
               assumptions_dir: str | Path = DEFAULT_ASSUMPTIONS,
               progress: Progress | None = None) -> MonteCarloRun:
    """Monte Carlo over the spec's distributions and rank correlations.

    Parameters
    ----------
    draws : number of draws, 10..1,000,000,000 (default 10,000); with ``precision`` the most
        draws (default 1,000,000). A run that cannot fit in the memory available is refused
        before it starts (``UsageError``, saying how many draws fit).
    seed : the seed; without it fresh entropy is drawn (``result.seed`` records it).
    lhs : Latin hypercube sampling.
    metrics : outputs to report; default the spec's.
    probabilities : events besides the spec's ``probabilities``, ``"METRIC<OP>VALUE"`` with OP
        one of ``< <= > >=`` (e.g. ``"peak_unfunded_gap_usd_bn>300"``); each is reported as
        P(event) with a 95% Wilson interval (``MonteCarloRun.probabilities``).
    keep_draws : keep every draw's inputs and outputs: ``result.draws`` (a DataFrame) and
        ``result.write_draws(path)`` (``.parquet`` or ``.csv``; ``--save-draws``).
    precision : goals ``"METRIC:STAT=HALF_WIDTH"`` (STAT ``pQ`` or ``mean``, e.g.
        ``"npv_usd_bn:p50=5"``): draws proceed until half the width of every goal's 95 %
        interval is at most HALF_WIDTH (in the metric's unit), or ``draws`` is reached;
        ``result.stopped_at`` and ``result.precision`` say where and how close.
    """
    from .sensitivity.montecarlo import montecarlo as simulate
    from .sensitivity.sampling import entropy_seed
    from .sensitivity.spec import load_spec as read_spec
    goals = tuple(_parse(Precision.parse, g, "--precision") for g in _names(precision))
    if draws is None:
        draws = DEFAULT_PRECISION_DRAWS if goals else DEFAULT_DRAWS
    _draws(draws)
    req = _Request.of(scenario, overrides, assumptions_dir)
    spec_file = spec_path(spec, assumptions_dir)
    sens, variations = read_spec(spec_file, req.drivers)
    requested = tuple(_names(metrics))
    outputs = list(requested) or list(sens.outputs)
    req.check_outputs(outputs, "--metric")
    events = tuple(_parse(Event.parse, e, "--prob") for e in _names(probabilities))
    req.check_outputs([e.output for e in events], "--prob")
    req.check_outputs([g.output for g in goals], "--precision")
    seed = entropy_seed() if seed is None else seed
    with (progress or no_progress)(draws, "Monte Carlo") as bar:
        mc = simulate(req.drivers, sens, variations, outputs, draws, seed, lhs, req.catalogue, bar,
                      events, keep_draws, goals)
    return MonteCarloRun(req.assumptions, spec_file, requested, mc, events, goals)


# --- global sensitivity: Sobol' indices and Morris screening ------------------------------------

GLOBAL_METRICS = ("npv_usd_bn", "peak_funding_need_usd_bn")
GLOBAL_ITEMS = ("funding_need",)
MIN_SAMPLES, MAX_SAMPLES = 32, 2**20
MAX_GLOBAL_ROWS = MAX_HELD_ROWS  # model rows of one Sobol' or Morris run


def _row_cap(rows: int, option: str, what: str) -> None:
    """Refuse a Sobol' or Morris run whose sample (held whole) exceeds :data:`MAX_GLOBAL_ROWS`."""
    if rows > MAX_GLOBAL_ROWS:
        raise UsageError(f"{option}: {what} make {rows:,} model rows, more than {MAX_GLOBAL_ROWS:,}; use fewer")


def _whole(value, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise UsageError(f"{name}: expected a whole number from {low:,} to {high:,} (got {value!r})")
    return value


def sobol(scenario: Scenario, samples: int = 2048, seed: int | None = None, *,
          metrics: str | Sequence[str] | None = (), items: str | Sequence[str] | None = GLOBAL_ITEMS,
          spec: str | Path | None = None, independent: bool = False, overrides: Overrides | None = (),
          assumptions_dir: str | Path = DEFAULT_ASSUMPTIONS, progress: Progress | None = None) -> SobolRun:
    """Sobol' indices: first-order (S1) and total (ST), with 95% bootstrap intervals.

    Parameters
    ----------
    samples : base sample size N, a power of 2 from 32 to 2^20; the model runs
        N x (factors + 2) rows in one vectorised evaluation.
    seed : the seed of the scrambled Sobol' sequence and of the bootstrap; without it fresh
        entropy is drawn (``result.seed`` records it).
    metrics : outputs to analyse (a metric or ``LINE_ITEM@YEAR``); default NPV and peak
        funding need.
    items : line items analysed year by year (one output per year: a heat map of inputs x
        years); default ``funding_need``; ``()`` for none.
    spec : the sensitivity spec whose inputs with a distribution are sampled (default
        ``<assumptions_dir>/sensitivity.yaml``). Inputs it correlates are analysed as groups.
    independent : ignore the spec's correlations and give every input its own indices.

    Examples
    --------
    >>> s = sobol("base", samples=1024, seed=1)          # doctest: +SKIP
    >>> s.table()                                        # doctest: +SKIP
    >>> s.leaders("funding_need")                         # doctest: +SKIP
    >>> s.write_workbook("outputs/base-sobol.xlsx")       # doctest: +SKIP
    """
    from .sensitivity.globalsa import run_sobol, sobol_rows
    from .sensitivity.sampling import entropy_seed
    from .sensitivity.spec import load_spec as read_spec
    _whole(samples, "--samples", MIN_SAMPLES, MAX_SAMPLES)
    if samples & (samples - 1):
        raise UsageError(f"--samples: expected a power of 2 (Sobol' points are balanced in blocks of "
                         f"2^k), e.g. {1 << (samples.bit_length() - 1):,} or {1 << samples.bit_length():,} "
                         f"(got {samples:,})")
    req = _Request.of(scenario, overrides, assumptions_dir)
    spec_file = spec_path(spec, assumptions_dir)
    sens, variations = read_spec(spec_file, req.drivers)
    requested = tuple(_names(metrics))
    outputs = list(requested) or list(GLOBAL_METRICS)
    req.check_outputs(outputs, "--metric")
    item_names = tuple(dict.fromkeys(_names(items)))
    req.check_outputs([f"{i}@{int(req.drivers.years[0])}" for i in item_names], "--item")
    chosen = sens.sampled(variations)
    rows = sobol_rows(samples, [v.name for v, _ in chosen], () if independent else sens.correlations)
    _row_cap(rows, "--samples", f"{samples:,} base samples")
    seed = entropy_seed() if seed is None else _whole(seed, "--seed", 0, MAX_SEED)
    result = run_sobol(req.drivers, chosen, outputs, item_names, samples, seed, req.catalogue,
                       sens.correlations, independent, progress)
    return SobolRun(req.assumptions, spec_file, requested, item_names, result)


def morris(scenario: Scenario, trajectories: int = 20, seed: int | None = None, *, levels: int = 4,
           metrics: str | Sequence[str] | None = (), spec: str | Path | None = None,
           all_inputs: bool = False, change: float | None = None, overrides: Overrides | None = (),
           assumptions_dir: str | Path = DEFAULT_ASSUMPTIONS, progress: Progress | None = None) -> MorrisRun:
    """Morris screening: mu* (importance), mu (direction) and sigma (interactions) per input.

    Parameters
    ----------
    trajectories : r, 2 to 10,000: the model runs r x (inputs + 1) rows in one evaluation.
    levels : grid levels of each input's range, an even number from 2 to 20.
    metrics : outputs; default NPV and peak funding need.
    spec : the sensitivity spec whose inputs with a distribution are screened (unbounded
        distributions from their 1st to 99th percentile).
    all_inputs : screen every input of the scenario instead: each scalar within
        +-``change`` of its base, each per-year input by a factor 1 +- ``change``, calendar
        years +-1 year, ranges narrowed to the inputs' bounds and rules (what is left out is
        listed with why). ``change`` defaults to 0.2.
    """
    from .sensitivity.globalsa import DEFAULT_CHANGE, all_input_factors, run_morris
    from .sensitivity.sampling import entropy_seed
    from .sensitivity.spec import load_spec as read_spec
    _whole(trajectories, "--trajectories", 2, 10_000)
    _whole(levels, "--levels", 2, 20)
    if levels % 2:
        raise UsageError(f"--levels: expected an even number (Morris steps of levels/(2(levels-1)) "
                         f"land on the grid only then; got {levels})")
    if change is not None and not all_inputs:
        raise UsageError("--change sets the ranges of --all-inputs; the spec's inputs use their distributions")
    if change is not None and (isinstance(change, bool) or not isinstance(change, (int, float))
                               or not 0 < change < 1):
        raise UsageError(f"--change: expected a fraction between 0 and 1, e.g. 0.2 for +-20% (got {change!r})")
    req = _Request.of(scenario, overrides, assumptions_dir)
    requested = tuple(_names(metrics))
    outputs = list(requested) or list(GLOBAL_METRICS)
    req.check_outputs(outputs, "--metric")
    spec_file, left_out = None, ()
    if all_inputs:
        change = float(DEFAULT_CHANGE if change is None else change)
        chosen, left_out = all_input_factors(req.drivers, change)
    else:
        spec_file = spec_path(spec, assumptions_dir)
        sens, variations = read_spec(spec_file, req.drivers)
        chosen = sens.sampled(variations)
    rows = trajectories * (len(chosen) + 1)
    _row_cap(rows, "--trajectories", f"{trajectories:,} trajectories")
    seed = entropy_seed() if seed is None else _whole(seed, "--seed", 0, MAX_SEED)
    result = run_morris(req.drivers, chosen, outputs, trajectories, seed, levels, req.catalogue,
                        all_inputs, change, left_out, progress)
    return MorrisRun(req.assumptions, spec_file, requested, result)


# --- diff: why two scenarios differ --------------------------------------------------------------

DIFF_METRICS = ("npv_usd_bn", "peak_funding_need_usd_bn", "peak_unfunded_gap_usd_bn")
DIFF_BY = ("auto", "input", "block")


def diff(a: Scenario, b: Scenario, metrics: str | Sequence[str] | None = (), *, by: str = "auto",
         overrides: Overrides | None = (), overrides_a: Overrides | None = (),
         overrides_b: Overrides | None = (), permutations: int = 2000, seed: int = 0,
         assumptions_dir: str | Path = DEFAULT_ASSUMPTIONS,
         progress: Progress | None = None):
    """Every input that differs between A and B, and each metric's change attributed to them.

    Parameters
    ----------
    a, b : scenarios (a name, a file or loaded assumptions); B may be A with ``overrides_b``.
    metrics : outputs to attribute (a metric key or ``LINE_ITEM@YEAR``); default
        :data:`DIFF_METRICS`.
    by : "input" (one player per input), "block" (per Inputs-sheet block, e.g. "Capex:
        Servers and accelerators", "Deal: Oracle ...") or "auto": inputs when at most
        :data:`~finmodel.sensitivity.attribution.EXACT_MAX_GROUPS` differ, else blocks.
    overrides : ``--set`` applied to both; ``overrides_a``, ``overrides_b`` to one side.
    permutations : random orders when there are more groups than can be done exactly (even;
        antithetic pairs); seed : their seed (default 0: the same request gives the same
        numbers; the standard errors say how much another seed would move them).

    Returns
    -------
    :class:`~finmodel.comparison.DiffRun`: Shapley values (exact up to 12 groups, all 2^k
    coalitions in one engine batch; else sampled with standard errors) and the sequential
    attribution, each summing to B - A for every metric.

    Raises
    ------
    AssumptionError
        A and B differ in structure (timeline, included deals, segments, rounds, ...): one
        engine batch needs one structure. Each difference is named with B's file.
    """
    from .comparison import DiffRun
    from .errors import AssumptionError
    from .sensitivity.attribution import (EXACT_MAX_GROUPS, attribute, group_inputs, input_differences,
                                          structure_problems)
    if by not in DIFF_BY:
        raise UsageError(f"--by: expected one of {', '.join(DIFF_BY)} (got {by!r})")
    if isinstance(permutations, bool) or not isinstance(permutations, int) or permutations < 4:
        raise UsageError(f"--permutations: expected a whole number of at least 4 (got {permutations!r})")
    common = _override_texts(overrides)
    ra = _Request.of(a, common + _override_texts(overrides_a), assumptions_dir)
    rb = _Request.of(b, common + _override_texts(overrides_b), assumptions_dir)
    outputs = list(_names(metrics)) or list(DIFF_METRICS)
    ra.check_outputs(outputs, "--metric")
    problems = structure_problems(ra.drivers, rb.drivers)
    if problems:
        raise AssumptionError(
            f"cannot attribute the difference: {ra.assumptions.path} (A) and {rb.assumptions.path} (B) "
            "differ in structure, and one engine batch needs one structure. Make them match (e.g. "
            "--set-a or --set-b deals.ID.include=...) or compare them side by side",
            [Problem(msg, str(rb.assumptions.path), path=what) for what, msg in problems])
    diffs = input_differences(ra.drivers, rb.drivers)
    attributed = {d.path for d in diffs if not d.informational}
    if by == "auto":
        by = "input" if len(attributed) <= EXACT_MAX_GROUPS else "block"
    groups = group_inputs(diffs, by)
    k = len(groups)
    sampled = k > EXACT_MAX_GROUPS
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"--seed: expected a whole number of at least 0 (got {seed!r})")
    seed = seed if sampled else None
    pairs = max(permutations // 2, 2)
    rows = (2 * pairs * (k + 1) if sampled else 2 ** k) + k + 1
    with (progress or no_progress)(rows, "diff") as bar:
        at = attribute(ra.drivers, rb.drivers, groups, outputs, permutations, seed or 0, bar)
    return DiffRun(ra.assumptions, rb.assumptions, tuple(diffs), at, ra.labels(outputs), by)


def load_argument(text: str | Path | Assumptions, overrides: Overrides | None = (),
                  assumptions_dir: str | Path = DEFAULT_ASSUMPTIONS) -> Assumptions:
    """A scenario as ``diff`` and ``compare`` take it, loaded with ``overrides`` after its own.

    ``NAME`` or a scenario file; ``NAME[PATH=VALUE,PATH=VALUE]`` (a ``--set`` variant as one
    argument: quote it in a shell); or ``RECORD.run.json`` (the scenario and overrides of a
    recorded run, refused when an input file changed since: a record keeps the files' hashes,
    not their contents).
    """
    import re
    if isinstance(text, Assumptions):
        return load(text, overrides)
    text = str(text)
    m = re.fullmatch(r"(?P<name>[^\[\]]+)\[(?P<sets>[^\[\]]*)\]", text.strip())
    if m:
        sets = tuple(s.strip() for s in re.split(r",(?=\s*[A-Za-z_][\w.-]*\s*=)", m["sets"]) if s.strip())
        bad = [s for s in sets if "=" not in s]
        if bad or not sets:
            raise UsageError(f"{text!r}: expected NAME[PATH=VALUE,...], e.g. "
                             f"'base[valuation.discount_rate=0.10]'")
        return load(m["name"].strip(), sets + _override_texts(overrides), assumptions_dir)
    if text.endswith(".run.json"):
        from .record import changed_inputs, read_record, recorded_path
        doc = read_record(Path(text))
        if doc.get("analysis") in ("compare", "diff"):
            raise UsageError(f"{text}: the record of a {doc['analysis']} stands for several scenarios; "
                             "give one of them (its record lists them under 'scenarios')")
        changed = changed_inputs(doc)
        if changed:
            raise UsageError(f"{text}: cannot stand for the recorded run, its input files changed since "
                             "(a record keeps their hashes, not their contents)",
                             [Problem(c) for c in changed])
        return load(recorded_path(doc["scenario"], doc), tuple(doc.get("overrides") or ())
                    + _override_texts(overrides), assumptions_dir)
    return load(text, overrides, assumptions_dir)


# --- compare: scenarios side by side -------------------------------------------------------------

COMPARE_DEFAULT = ("base", "bull", "bear")


def compare(scenarios: Sequence[Scenario] = COMPARE_DEFAULT, *, overrides: Overrides | None = (),
            assumptions_dir: str | Path = DEFAULT_ASSUMPTIONS, progress: Progress | None = None):
    """Run several scenarios and set them side by side (the first is the reference).

    Each scenario is a name, a file, ``NAME[PATH=VALUE,...]`` or a run record
    (:func:`load_argument`); ``overrides`` apply to all. Scenarios may differ in structure
    (deals, segments): each runs on its own. Returns a
    :class:`~finmodel.comparison.CompareRun`.
    """
    from .comparison import CompareRun
    from .sensitivity.attribution import input_differences
    loaded = [load_argument(s, overrides, assumptions_dir) for s in (scenarios or COMPARE_DEFAULT)]
    if len(loaded) < 2:
        raise UsageError("compare needs at least two scenarios")
    with (progress or no_progress)(len(loaded), "compare") as bar:
        runs = []
        for a in loaded:
            runs.append(run(a))
            bar(1)
    diffs = input_differences(*(r.result.drivers for r in runs))
    return CompareRun(tuple(runs), tuple(diffs))


def import_workbook(workbook: str | Path, output: str | Path | None = None, name: str | None = None):
    """The inputs edited in a scenario workbook, as an overlay on the scenario that wrote it
    (``finmodel import``): returns a :class:`finmodel.importing.WorkbookImport` with the edits
    (``.edits``, ``.table``), the overlay's text (``.overlay``, None when nothing was edited),
    the overlay loaded (``.assumptions``) and ``.write()``.

    Examples
    --------
    >>> imp = import_workbook("outputs/base.xlsx")          # doctest: +SKIP
    >>> imp.write()                                          # doctest: +SKIP
    >>> run(imp.output)                                      # doctest: +SKIP
    """
    from .importing import import_workbook as read
    return read(workbook, output, name)
