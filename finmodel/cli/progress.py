"""Progress of long runs on stderr: a bar on a terminal, lines in a log, nothing when quiet.

The API reports progress through ``progress(total, label)``, a context manager that yields
``update(k)`` (k more steps done; :data:`finmodel.api.Progress`). :func:`progress_reporter`
makes one for the command line:

- on a terminal: a bar redrawn at most 10 times a second with the share done, the steps,
  the time so far and the time left;
- not on a terminal (CI logs, ``!finmodel`` in a notebook, a pipe): a line every
  :data:`LINE_INTERVAL_S` seconds, so short runs print nothing and long ones are never silent
  for long; with ``--progress`` a line at every 10 % as well;
- ``--quiet`` or ``--no-progress``: nothing.

The time left is honest: it is the rate measured from the first finished step on (setting
up, e.g. sampling the draws, is not counted as progress), times the steps left; until a second
step has finished, and for half a second after it, it is not guessed.
"""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from enum import Enum
from typing import Callable, Iterator, TextIO

__all__ = ["Mode", "mode_for", "progress_reporter", "Tracker", "LINE_INTERVAL_S"]

LINE_INTERVAL_S = 2.0   # seconds between progress lines when not on a terminal
BAR_INTERVAL_S = 0.1    # seconds between redraws of the bar
BAR_WIDTH = 30
MIN_RATE_S = 0.5        # the rate is measured over at least this long before a time left is shown


class Mode(str, Enum):
    OFF = "off"
    BAR = "bar"          # a terminal
    LINES = "lines"      # a log: a line every LINE_INTERVAL_S
    STEPS = "steps"      # --progress without a terminal: also a line at every 10 %


def mode_for(quiet: bool, progress: bool | None, stream: TextIO) -> Mode:
    """``--quiet`` silences; ``--no-progress`` too; else a bar on a terminal, lines elsewhere
    (at every 10 % as well when ``--progress`` asked for them)."""
    if quiet or progress is False:
        return Mode.OFF
    if _isatty(stream):
        return Mode.BAR
    return Mode.STEPS if progress else Mode.LINES


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _seconds(s: float) -> str:
    if s < 60:
        return f"{s:.1f} s"
    m, s = divmod(int(round(s)), 60)
    return f"{m} min {s:02d} s" if m < 60 else f"{m // 60} h {m % 60:02d} min"


class Tracker:
    """Steps done, the time so far and the time left (pure: the clock is given)."""

    def __init__(self, total: int, label: str, clock: Callable[[], float]):
        self.total, self.label, self.clock = max(int(total), 1), label, clock
        self.start = clock()
        self.done = 0
        self._first: tuple[float, int] | None = None  # (time, steps) of the first update

    def update(self, k: int) -> None:
        self.done = min(self.done + int(k), self.total)
        if self._first is None:
            self._first = (self.clock(), self.done)

    @property
    def fraction(self) -> float:
        return self.done / self.total

    @property
    def elapsed(self) -> float:
        return self.clock() - self.start

    def left(self) -> float | None:
        """Seconds left at the rate since the first finished step; None until it can be told."""
        if self._first is None or self.done >= self.total:
            return None if self.done < self.total else 0.0
        t0, d0 = self._first
        steps, seconds = self.done - d0, self.clock() - t0
        if steps <= 0 or seconds < MIN_RATE_S:
            return None  # steps that finish together (parallel chunks) tell no rate
        return seconds / steps * (self.total - self.done)

    def line(self) -> str:
        """``Monte Carlo: 40% (4,000 of 10,000) in 1.2 s, about 1.8 s left``."""
        if self.done >= self.total:
            return f"{self.label}: done ({self.total:,} of {self.total:,}) in {_seconds(self.elapsed)}"
        left = self.left()
        tail = f", about {_seconds(left)} left" if left is not None else ""
        return (f"{self.label}: {self.fraction:.0%} ({self.done:,} of {self.total:,}) in "
                f"{_seconds(self.elapsed)}{tail}")

    def bar(self) -> str:
        filled = int(round(self.fraction * BAR_WIDTH))
        left = self.left()
        eta = "" if left is None or self.done >= self.total else f"  {_seconds(left)} left"
        return (f"{self.label} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {self.fraction:4.0%} "
                f"{self.done:,}/{self.total:,}  {_seconds(self.elapsed)}{eta}")


def progress_reporter(quiet: bool = False, progress: bool | None = None,
                      stream: TextIO | None = None,
                      clock: Callable[[], float] = time.monotonic) -> Callable:
    """A ``progress(total, label)`` for the API functions, writing to ``stream`` (stderr)."""

    @contextmanager
    def report(total: int, label: str) -> Iterator[Callable[[int], None]]:
        out = stream or sys.stderr
        mode = mode_for(quiet, progress, out)
        if mode is Mode.OFF:
            yield lambda k: None
            return
        t = Tracker(total, label, clock)
        state = {"shown": t.start, "tenth": 0, "printed": False}

        def write(text: str, end: str) -> None:
            out.write(text + end)
            out.flush()
            state["printed"] = True

        def update(k: int) -> None:
            t.update(k)
            now = clock()
            if mode is Mode.BAR:
                if now - state["shown"] >= BAR_INTERVAL_S or t.done >= t.total:
                    write("\r" + t.bar(), "")
                    state["shown"] = now
                return
            tenth = int(t.fraction * 10)
            if t.done >= t.total:
                return  # the closing line says done
            if (mode is Mode.STEPS and tenth > state["tenth"]) or now - state["shown"] >= LINE_INTERVAL_S:
                write(t.line(), "\n")
                state["shown"], state["tenth"] = now, tenth

        try:
            yield update
        finally:
            if mode is Mode.BAR and state["printed"]:
                write("\r" + t.bar(), "\n")
            elif mode is not Mode.BAR and (state["printed"] or mode is Mode.STEPS) and t.done >= t.total:
                write(t.line(), "\n")

    return report
