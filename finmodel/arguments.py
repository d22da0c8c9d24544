"""Analysis arguments as small value objects, each with its one-line text form.

The command line and the run records use the text forms; the Python API takes either the
text or the object. ``parse`` raises ``ValueError`` with a message that shows the expected
form and an example (the CLI turns it into a usage error, exit 2); ``str()`` gives back
text that ``parse`` reads, so a run record replays exactly.

=========  =====================================  ============================================
object     text                                   example
=========  =====================================  ============================================
Axis       ``PATH=LO:HI:N`` / ``PATH*=LO:HI:N``   ``valuation.discount_rate=0.08:0.16:9``
Goal       ``METRIC=VALUE``                       ``npv_usd_bn=0``, ``revenue_total@2030=200``
           ``STAT(METRIC)=VALUE`` (Monte Carlo)    ``p90(peak_funding_need_usd_bn)=500``,
                                                  ``mean(npv_usd_bn)=0``, ``prob(npv_usd_bn<0)=0.2``
Vary       ``PATH`` / ``PATH*``                   ``capex.servers.cost_usd_bn_per_gw``
Bounds     ``LO,HI``                              ``0.05,0.3``
Event      ``METRIC<OP><VALUE>`` (OP < <= > >=)   ``peak_unfunded_gap_usd_bn>300``
Precision  ``METRIC:STAT=HALF_WIDTH``             ``npv_usd_bn:p50=5``, ``irr:mean=0.002``
=========  =====================================  ============================================

``PATH*`` scales every year of an input by a factor (then LO, HI are factors). Ranges take
``:`` or ``,`` between their numbers (``0.08:0.16:9`` = ``0.08,0.16,9``; ``0.05,0.3`` =
``0.05:0.3``), so grid and solve read the same way. Every number is finite and within
+-:data:`MAX_MAGNITUDE` (no input, metric or threshold of the model comes near it; beyond it
the model's arithmetic overflows).
"""
from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass
from enum import Enum

__all__ = ["Axis", "Goal", "Stat", "Vary", "Bounds", "Op", "COMPARE", "Event", "MAX_AXIS_POINTS", "MAX_MAGNITUDE", "MIN_DRAWS", "MAX_DRAWS", "MAX_SEED",
           "MAX_HELD_ROWS", "Precision", "heading"]

MAX_AXIS_POINTS = 200
MAX_MAGNITUDE = 1e12  # largest |number| in a range, target or threshold
# Monte Carlo draws; the memory a run needs is checked against the machine's before it starts
MIN_DRAWS, MAX_DRAWS = 10, 1_000_000_000
# Most rows held in memory at once: a statistic goal seek's fixed draws, a Sobol' or Morris
# sample (each row keeps every sampled input and is evaluated whole, not streamed in blocks)
MAX_HELD_ROWS = 5_000_000
MAX_SEED = 2**128 - 1  # covers the ~128-bit entropy seeds that an unseeded run prints
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]+)*")
_OUTPUT = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*(@\d+)?")


def heading(path: str, scale: bool) -> str:
    """An input as a table heads it: ``PATH``, or ``PATH (factor)`` when a factor scales its
    every year (``PATH*``), so the numbers under it read as factors, not as the input's unit."""
    return f"{path} (factor)" if scale else path



def _number(text: str, what: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise ValueError(f"{what} {text.strip()!r} is not a number") from None
    if not math.isfinite(x):
        raise ValueError(f"{what} must be a finite number (got {text.strip()!r})")
    if abs(x) > MAX_MAGNITUDE:
        raise ValueError(f"{what} must be within +-{MAX_MAGNITUDE:g} (got {text.strip()!r})")
    return x


def _numbers(text: str) -> list[str]:
    """``a:b:c`` or ``a,b,c`` -> the parts (one separator kind per value)."""
    sep = ":" if ":" in text else ","
    return [p.strip() for p in text.split(sep)]


def _fmt(x: float) -> str:
    """Shortest text that reads back as the same float, without a trailing ``.0``."""
    s = repr(float(x))
    return s[:-2] if s.endswith(".0") else s


def _path(text: str, example: str) -> tuple[str, bool]:
    """``PATH`` or ``PATH*`` -> (path, scale)."""
    text = text.strip()
    scale = text.endswith("*")
    path = text[:-1].strip() if scale else text
    if not _PATH.fullmatch(path):
        raise ValueError(f"{path!r} is not an input path; expected dotted names, e.g. {example}")
    return path, scale


@dataclass(frozen=True)
class Axis:
    """One axis of a grid: ``PATH=LO:HI:N`` (N points from LO to HI) or ``PATH*=LO:HI:N``."""

    path: str
    low: float
    high: float
    n: int
    scale: bool = False

    FORM = "PATH=LO:HI:N, e.g. valuation.discount_rate=0.08:0.16:9 (PATH*=LO:HI:N scales every year)"

    def __post_init__(self) -> None:
        if not 2 <= self.n <= MAX_AXIS_POINTS:
            raise ValueError(f"N must be between 2 and {MAX_AXIS_POINTS} (got {self.n})")
        if self.low == self.high:
            raise ValueError(f"LO and HI are equal ({_fmt(self.low)})")

    @classmethod
    def parse(cls, text: str | Axis) -> Axis:
        if isinstance(text, Axis):
            return text
        if not isinstance(text, str) or "=" not in text:
            raise ValueError(f"expected {cls.FORM} (got {text!r})")
        lhs, _, rhs = text.partition("=")
        parts = _numbers(rhs)
        if len(parts) != 3:
            raise ValueError(f"expected {cls.FORM} (got {text!r})")
        path, scale = _path(lhs, "valuation.discount_rate")
        lo, hi = _number(parts[0], "LO"), _number(parts[1], "HI")
        if not re.fullmatch(r"\d+", parts[2]):
            raise ValueError(f"N must be a whole number of points (got {parts[2]!r} in {text!r})")
        return cls(path, lo, hi, int(parts[2]), scale)

    def __str__(self) -> str:
        return f"{self.path}{'*' if self.scale else ''}={_fmt(self.low)}:{_fmt(self.high)}:{self.n}"


class Stat(str, Enum):
    """A statistic over Monte Carlo draws that a goal seek can target."""

    MEAN = "mean"
    PERCENTILE = "p"
    PROBABILITY = "prob"


_STAT = re.compile(r"\s*(?P<stat>[A-Za-z][A-Za-z0-9.+\-]*)\s*\((?P<inner>.*)\)\s*=(?P<value>[^=]*)")
_PERCENTILE = re.compile(r"p(?P<q>[0-9.][0-9.eE+\-]*)")


@dataclass(frozen=True)
class Goal:
    """A goal-seek target: ``METRIC=VALUE`` (a metric key or ``LINE_ITEM@YEAR``), or a statistic
    of the metric over Monte Carlo draws: ``mean(METRIC)=VALUE``, ``pQ(METRIC)=VALUE`` (the Q-th
    percentile, 0 < Q < 100) or ``prob(METRIC<OP>VALUE)=P`` (0 < P < 1)."""

    output: str
    value: float
    stat: Stat | None = None
    q: float | None = None          # the percentile of ``pQ`` [%]
    event: Event | None = None      # the event of ``prob(...)`` (its output is ``output``)

    FORM = ("METRIC=VALUE, e.g. npv_usd_bn=0 or revenue_total@2030=200, or a Monte Carlo statistic: "
            "mean(METRIC)=VALUE, pQ(METRIC)=VALUE with 0<Q<100, e.g. p90(peak_funding_need_usd_bn)=500, "
            "or prob(METRIC<OP>VALUE)=P with 0<P<1, e.g. prob(npv_usd_bn<0)=0.2")

    @classmethod
    def parse(cls, text: str | Goal) -> Goal:
        if isinstance(text, Goal):
            return text
        if not isinstance(text, str) or "=" not in text:
            raise ValueError(f"expected {cls.FORM} (got {text!r})")
        m = _STAT.fullmatch(text) if "(" in text else None
        if m is not None:
            return cls._statistic(m["stat"].strip(), m["inner"].strip(), m["value"], text)
        lhs, _, rhs = text.partition("=")
        output = lhs.strip()
        if not _OUTPUT.fullmatch(output):
            raise ValueError(f"{output!r} is not a metric name; expected {cls.FORM}")
        return cls(output, _number(rhs, "VALUE"))

    @classmethod
    def _statistic(cls, stat: str, inner: str, value: str, text: str) -> Goal:
        target = _number(value, "VALUE")
        if stat == "prob":
            try:
                event = Event.parse(inner)
            except ValueError as why:
                raise ValueError(f"prob(...) in {text!r}: {why}") from None
            if not 0 < target < 1:
                raise ValueError(f"a probability target must lie strictly between 0 and 1 "
                                 f"(got {_fmt(target)} in {text!r})")
            return cls(event.output, target, Stat.PROBABILITY, event=event)
        if not _OUTPUT.fullmatch(inner):
            raise ValueError(f"{inner!r} in {text!r} is not a metric name; expected {cls.FORM}")
        if stat == "mean":
            return cls(inner, target, Stat.MEAN)
        pm = _PERCENTILE.fullmatch(stat)
        if pm is None:
            raise ValueError(f"unknown statistic {stat!r} in {text!r}: expected mean, pQ (0<Q<100) "
                             "or prob")
        q = _number(pm["q"], "Q")
        if not 0 < q < 100:
            raise ValueError(f"percentile {stat!r} in {text!r}: Q must lie strictly between 0 and 100")
        return cls(inner, target, Stat.PERCENTILE, q=q)

    @property
    def name(self) -> str:
        """The left side: ``METRIC``, ``p90(METRIC)``, ``mean(METRIC)``, ``prob(METRIC<0)``."""
        if self.stat is None:
            return self.output
        if self.stat is Stat.PROBABILITY:
            return f"prob({self.event})"
        head = "mean" if self.stat is Stat.MEAN else f"p{_fmt(self.q)}"
        return f"{head}({self.output})"

    def __str__(self) -> str:
        return f"{self.name}={_fmt(self.value)}"


@dataclass(frozen=True)
class Vary:
    """The input a solve moves: ``PATH``, or ``PATH*`` to scale every year by a factor."""

    path: str
    scale: bool = False

    @classmethod
    def parse(cls, text: str | Vary) -> Vary:
        if isinstance(text, Vary):
            return text
        if not isinstance(text, str):
            raise ValueError(f"expected PATH or PATH* (got {text!r})")
        return cls(*_path(text, "revenue.segments.consumer.initial_growth"))

    def __str__(self) -> str:
        return self.path + ("*" if self.scale else "")


@dataclass(frozen=True)
class Bounds:
    """Where a solve looks: ``LO,HI`` (or ``LO:HI``) with LO < HI."""

    low: float
    high: float

    FORM = "LO,HI with LO < HI, e.g. 0.05,0.3"

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"expected {self.FORM} (got LO {_fmt(self.low)} >= HI {_fmt(self.high)})")

    @classmethod
    def parse(cls, text: str | Bounds | tuple) -> Bounds:
        if isinstance(text, Bounds):
            return text
        if isinstance(text, tuple) and len(text) == 2:
            return cls(float(text[0]), float(text[1]))
        if not isinstance(text, str):
            raise ValueError(f"expected {cls.FORM} (got {text!r})")
        parts = _numbers(text)
        if len(parts) != 2:
            raise ValueError(f"expected {cls.FORM} (got {text!r})")
        return cls(_number(parts[0], "LO"), _number(parts[1], "HI"))

    def __str__(self) -> str:
        return f"{_fmt(self.low)},{_fmt(self.high)}"


class Op(str, Enum):
    """A comparison of an output with a threshold."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


#: Each comparison as a function (numpy arrays compare element-wise).
COMPARE = {Op.LT: operator.lt, Op.LE: operator.le, Op.GT: operator.gt, Op.GE: operator.ge}
_EVENT = re.compile(r"\s*(?P<output>[^<>=\s]+)\s*(?P<op><=|>=|<|>)\s*(?P<value>\S.*?)\s*")


@dataclass(frozen=True)
class Event:
    """A Monte Carlo event: ``METRIC<OP><VALUE>``, e.g. ``peak_unfunded_gap_usd_bn>300``."""

    output: str
    op: Op
    threshold: float

    FORM = "METRIC<OP>VALUE with OP one of < <= > >=, e.g. peak_unfunded_gap_usd_bn>300"

    @classmethod
    def parse(cls, text: str | Event) -> Event:
        if isinstance(text, Event):
            return text
        m = _EVENT.fullmatch(text) if isinstance(text, str) else None
        if m is None:
            raise ValueError(f"expected {cls.FORM} (got {text!r})")
        if not _OUTPUT.fullmatch(m["output"]):
            raise ValueError(f"{m['output']!r} is not a metric name; expected {cls.FORM}")
        return cls(m["output"], Op(m["op"]), _number(m["value"], "VALUE"))

    def __str__(self) -> str:
        return f"{self.output}{self.op.value}{_fmt(self.threshold)}"


_PRECISION = re.compile(r"\s*(?P<output>[^:=\s]+)\s*:\s*(?P<stat>[^=\s]+)\s*=\s*(?P<value>\S.*?)\s*")
_PRECISION_STAT = re.compile(r"p(?P<q>\d+(\.\d+)?)|mean")


@dataclass(frozen=True)
class Precision:
    """A Monte Carlo precision goal: ``METRIC:STAT=HALF_WIDTH``, e.g. ``npv_usd_bn:p50=5``.

    STAT is a percentile ``pQ`` (0 < Q < 100, e.g. ``p5``, ``p50``, ``p97.5``) or ``mean``;
    HALF_WIDTH (> 0, in the metric's unit) is the most half the width of the statistic's 95 %
    interval may be (the order-statistic interval of a percentile, mean +- 1.96 standard
    errors).
    """

    output: str
    stat: str           # "p50", "mean"
    half_width: float

    FORM = "METRIC:STAT=HALF_WIDTH with STAT pQ (0<Q<100) or mean, e.g. npv_usd_bn:p50=5"

    @property
    def q(self) -> float | None:
        """The percentile [%], None for the mean."""
        return None if self.stat == "mean" else float(self.stat[1:])

    @classmethod
    def parse(cls, text: str | Precision) -> Precision:
        if isinstance(text, Precision):
            return text
        m = _PRECISION.fullmatch(text) if isinstance(text, str) else None
        if m is None:
            raise ValueError(f"expected {cls.FORM} (got {text!r})")
        if not _OUTPUT.fullmatch(m["output"]):
            raise ValueError(f"{m['output']!r} is not a metric name; expected {cls.FORM}")
        stat = m["stat"].lower()
        sm = _PRECISION_STAT.fullmatch(stat)
        if sm is None or (sm["q"] is not None and not 0 < float(sm["q"]) < 100):
            raise ValueError(f"STAT {m['stat']!r} in {text!r} is not a percentile p1..p99 (e.g. p5, p50, "
                             f"p97.5) or mean")
        hw = _number(m["value"], "HALF_WIDTH")
        if hw <= 0:
            raise ValueError(f"HALF_WIDTH must be above 0, in the metric's unit (got {m['value'].strip()!r} "
                             f"in {text!r})")
        if sm["q"] is not None:
            stat = "p" + _fmt(float(sm["q"]))
        return cls(m["output"], stat, hw)

    def __str__(self) -> str:
        return f"{self.output}:{self.stat}={_fmt(self.half_width)}"
