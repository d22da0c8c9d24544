"""The error hierarchy. The CLI maps each class to an exit code in one place (``cli.py``).

Every error a user can cause is a :class:`FinModelError`; anything else reaching the top
is a bug and is reported as an internal error.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable

__all__ = [
    "Problem", "FinModelError", "AssumptionError", "InputMissingError", "OutputError",
    "UsageError", "closest", "did_you_mean",
]


def closest(word: object, options: Iterable[object]) -> str | None:
    """The valid name a user most likely meant by ``word``, or None.

    A close spelling (difflib, ratio >= 0.6) first; else the shortest option that starts with
    ``word`` (``npv`` -> ``npv_usd_bn``, ``value`` -> ``value_usd_bn``); else the shortest dotted
    option whose trailing parts are ``word`` (``discount_rate`` -> ``valuation.discount_rate``).
    """
    text, names = str(word), [str(o) for o in options]
    close = difflib.get_close_matches(text, names, n=1, cutoff=0.6)
    if close:
        return close[0]
    if len(text) >= 2:
        starts = [o for o in names if o.lower().startswith(text.lower())]
        if starts:
            return min(starts, key=len)
    tails = [o for o in names if o.endswith("." + text)]
    return min(tails, key=len) if tails else None


def did_you_mean(word: object, options: Iterable[object]) -> str:
    """``"; did you mean 'X'?"`` for the closest option (:func:`closest`), else ``""``."""
    best = closest(word, options)
    return f"; did you mean {best!r}?" if best is not None else ""


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file.

    Rendered as ``file:line:col: field.path: message``; parts that are unknown are left out.
    """

    message: str
    file: str | None = None
    line: int | None = None  # 1-based
    col: int | None = None  # 1-based
    path: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.col is not None:
                    where += f":{self.col}"
            where += ": "
        field = f"{self.path}: " if self.path else ""
        return f"{where}{field}{self.message}"


class FinModelError(Exception):
    """Base class of every error a user can cause."""

    exit_code = 1

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [self.message] + [f"  {p}" for p in self.problems]
        return "\n".join(lines)


class AssumptionError(FinModelError):
    """Input data is invalid (exit 65, EX_DATAERR)."""

    exit_code = 65


class InputMissingError(FinModelError):
    """An input file is missing or unreadable (exit 66, EX_NOINPUT)."""

    exit_code = 66


class OutputError(FinModelError):
    """An output cannot be created (exit 73, EX_CANTCREAT)."""

    exit_code = 73


class UsageError(FinModelError):
    """The command line is wrong (exit 2)."""

    exit_code = 2
