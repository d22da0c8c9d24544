"""The error hierarchy. The CLI maps each class to an exit code in one place (``cli.py``).

Every error a user can cause is a :class:`FinModelError`; anything else reaching the top
is a bug and is reported as an internal error.
"""
from __future__ import annotations

import contextlib
import difflib
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Iterable

__all__ = [
    "Problem", "FinModelError", "AssumptionError", "InputMissingError", "OutputError",
    "UsageError", "WorkerDied", "closest", "did_you_mean", "code_point", "unexpected_characters", "visible",
    "numeric_errors",
]


def code_point(ch: str) -> str:
    """One character as people can read it whatever it is: ``U+0430 CYRILLIC SMALL LETTER A``
    (``U+202E`` plus its name for an invisible one; the code point alone when unnamed)."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}" if name else f"U+{ord(ch):04X}"


def visible(text: object) -> str:
    """``text`` with every character that is not printable (controls, bidi overrides, zero
    widths) shown as ``\\uXXXX``, so a message never reorders or hides part of a line."""
    return "".join(c if c.isprintable() and unicodedata.category(c) != "Cf" else f"\\u{ord(c):04x}"
                   for c in str(text))


def unexpected_characters(text: object) -> str:
    """``"; 'valuatiоn' has U+043E CYRILLIC SMALL LETTER O at character 8 (not ASCII: a
    look-alike?)"`` for a name with characters outside printable ASCII; else ``""``. The one
    place where a look-alike or hidden character in a name is described."""
    text = str(text)
    odd = [(i, c) for i, c in enumerate(text) if not (c.isascii() and c.isprintable())]
    if not odd:
        return ""
    shown = ", ".join(f"{code_point(c)} at character {i + 1}" for i, c in odd[:3])
    more = f" and {len(odd) - 3} more" if len(odd) > 3 else ""
    return f"; '{visible(text)}' has {shown}{more} (not ASCII: a look-alike or hidden character?)"


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
    """``"; did you mean 'X'?"`` for the closest option (:func:`closest`), else ``""``; the
    code points of look-alike or hidden characters in ``word`` (:func:`unexpected_characters`)."""
    best = closest(word, options)
    return (f"; did you mean {best!r}?" if best is not None else "") + unexpected_characters(word)


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


class WorkerDied(RuntimeError):
    """A worker process of the engine ended before returning its rows (killed, or out of
    memory): not the user's input, and not a bug; the CLI says so (exit 71)."""


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


@contextlib.contextmanager
def numeric_errors(inputs: Iterable[str] = ()):
    """Run model arithmetic with numpy's warnings (overflow, invalid value, division by
    zero) as errors: one reaching here means an input outside what the model can compute,
    reported as :class:`AssumptionError` (exit 65) naming ``inputs`` (e.g. the ``--set``
    values), never as a warning beside a number that is wrong."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            yield
        except (RuntimeWarning, FloatingPointError, OverflowError) as exc:
            given = list(inputs)
            where = f" (given: {', '.join(given)})" if given else ""
            raise AssumptionError(
                f"an input is outside what the model can compute: {exc}{where}; check the "
                "values set and the spec's ranges and distributions") from None
