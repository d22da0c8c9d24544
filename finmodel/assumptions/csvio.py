"""Read hand-edited CSV assumption tables with the file line and field number of every value.

Rules: UTF-8 (a BOM is accepted), at most :data:`~finmodel.assumptions.textfile.MAX_FILE_BYTES`
bytes, no control characters except tab, ``,`` as the delimiter, ``"`` for quoting (a quoted
field may hold commas and line breaks), lines starting with ``#`` and blank lines skipped, a
header line first. Every value is kept as text with surrounding spaces removed; numbers are
parsed on request by :meth:`LocatedTable.number`, which returns a located
:class:`~finmodel.errors.Problem` instead of raising, so a caller can collect every problem.
"""
from __future__ import annotations

import csv
import math
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from finmodel.assumptions.textfile import (
    control_character_problems, decode_text, input_error, read_input_bytes,
)
from finmodel.errors import AssumptionError, Problem, did_you_mean

__all__ = ["LocatedTable", "read_csv", "parse_csv", "parse_number"]

_OTHER_DELIMITERS = {";": "';'", "\t": "a tab", "|": "'|'"}


@dataclass(frozen=True)
class LocatedTable:
    """Rows of a CSV file, with the line of each row and the field number of each column.

    Attributes
    ----------
    file : str
        The path as given, for messages.
    columns : list of str
        Column names in header order.
    rows : list of dict[str, str]
        One dict per data row: column name -> the field's text, stripped of surrounding spaces.
    lines : list of int
        ``lines[i]`` is the 1-based file line where row ``i`` starts.
    col_index : dict[str, int]
        Column name -> 0-based position in the header (the field number is this plus 1).
    header_line : int
        1-based file line of the header.
    """

    file: str
    columns: list[str]
    rows: list[dict[str, str]]
    lines: list[int]
    col_index: dict[str, int]
    header_line: int = 1

    def where(self, row_i: int, column: str) -> tuple[int, int | None]:
        """File position of a field.

        Parameters
        ----------
        row_i : int
            0-based row index into :attr:`rows`.
        column : str
            Column name.

        Returns
        -------
        (line, col) : tuple
            1-based line of the row and 1-based field number of the column (the k-th
            comma-separated field, not a character position); ``col`` is ``None`` if the column
            is not in the file.
        """
        index = self.col_index.get(column)
        return self.lines[row_i], None if index is None else index + 1

    def problem(self, row_i: int, column: str, message: str) -> Problem:
        """A located problem for one field, e.g. ``commitments.csv:7:5: capex_usd_bn: ...``.

        Parameters
        ----------
        row_i : int
            0-based row index.
        column : str
            Column name (used as the problem's path).
        message : str
            What is wrong.

        Returns
        -------
        Problem
        """
        line, col = self.where(row_i, column)
        return Problem(message, self.file, line, col, column)

    def number(self, row_i: int, column: str, default: float | None = None) -> float | Problem:
        """Parse a field as a finite float, strictly; never raises for bad input.

        Parameters
        ----------
        row_i : int
            0-based row index.
        column : str
            Column name.
        default : float, optional
            Returned for an empty field or a column absent from the file; without it those
            are problems.

        Returns
        -------
        float or Problem
            The number, or a located problem saying what is wrong and how to fix it:
            ``1,5`` (use a decimal point), ``12%`` (write percentages as fractions, e.g.
            0.12), empty, ``nan``, ``inf``, or anything else that is not a plain decimal.

        Examples
        --------
        >>> value = table.number(3, "capex_usd_bn")             # doctest: +SKIP
        >>> if isinstance(value, Problem):                      # doctest: +SKIP
        ...     problems.append(value)
        """
        if column not in self.col_index:
            if default is not None:
                return default
            return Problem(f"column '{column}' is missing", self.file, self.header_line, None,
                           column)
        text = self.rows[row_i][column]
        if text == "" and default is not None:
            return default
        value, error = parse_number(text)
        return self.problem(row_i, column, error) if error else value


_DECIMAL = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
_PERCENT = re.compile(r"([-+]?(\d+(\.\d*)?|\.\d+))\s*%")
_NON_FINITE = re.compile(r"[-+]?(nan|inf|infinity)", re.IGNORECASE)


def parse_number(text: str) -> tuple[float, str | None]:
    """Parse a plain decimal number; return ``(value, None)`` or ``(nan, message)``.

    Parameters
    ----------
    text : str
        The field's text (surrounding spaces are ignored).

    Returns
    -------
    value, error : float, str or None
    """
    text = text.strip()
    if _DECIMAL.fullmatch(text):
        value = float(text)
        if math.isfinite(value):
            return value, None
        return math.nan, f"number is too large (got {text})"
    return math.nan, _number_hint(text)


def _number_hint(text: str) -> str:
    """Explain why ``text`` is not a plain decimal number."""
    if text == "":
        return "missing value (expected a number)"
    percent = _PERCENT.fullmatch(text)
    if percent:
        fraction = float(percent.group(1)) / 100
        return (f"write percentages as fractions, e.g. {fraction:g} "
                f"(got {text}; expected {fraction:g})")
    if _NON_FINITE.fullmatch(text):
        return f"must be a finite number (got {text})"
    if "," in text and _DECIMAL.fullmatch(text.replace(",", "")):
        return (f"'{text}' is not a number: use a decimal point (1.5, not 1,5) and no "
                "thousands separators (1500, not 1,500)")
    return f"expected a number like 12.5 or -0.25 (got '{text}')"


def read_csv(path: str | os.PathLike[str], required_columns: Sequence[str],
             optional_columns: Sequence[str] = ()) -> LocatedTable:
    """Read a CSV assumptions table.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    required_columns : sequence of str
        Columns the header must contain.
    optional_columns : sequence of str, optional
        Columns the header may contain. Any other column is an error.

    Returns
    -------
    LocatedTable
        Every data row as text, with its file line.

    Raises
    ------
    InputMissingError
        The file is missing, a directory, or unreadable (exit 66).
    AssumptionError
        The file is too large or not UTF-8, holds control characters, uses another delimiter,
        has no header, unknown, duplicate or missing columns, or rows with the wrong number of
        fields (all reported together, each located).
    """
    file = os.fspath(path)
    text = decode_text(read_input_bytes(file), file)
    return parse_csv(text, required_columns, optional_columns, file)


def parse_csv(text: str | bytes, required_columns: Sequence[str],
              optional_columns: Sequence[str] = (), file: str = "<string>") -> LocatedTable:
    """Parse CSV text (or UTF-8 bytes); see :func:`read_csv` for the rules and errors."""
    text = decode_text(text, file)
    problems = _control_problems(text, file)
    if problems:
        raise _invalid(file, problems)
    records, problems = _read_records(text, file)
    if not records:
        problems.append(Problem("file is empty; expected a header line with the columns "
                                + ", ".join(required_columns), file, 1, 1))
        raise _invalid(file, problems)
    (header_line, header), body = records[0], records[1:]
    columns = [name.strip() for name in header]
    known = list(required_columns) + [c for c in optional_columns if c not in required_columns]
    delimiter = _other_delimiter(columns, known)
    if delimiter:
        raise _invalid(file, [Problem(f"this file seems to use {delimiter} as the delimiter; "
                                      "finmodel expects ','", file, header_line, 1)])
    problems = _header_problems(columns, header_line, required_columns, known, file) + problems
    table = _table(file, columns, header_line, body, problems)
    if problems:
        raise _invalid(file, problems)
    return table


def _invalid(file: str, problems: list[Problem]) -> AssumptionError:
    """Build the error listing ``problems``, sorted by position."""
    return input_error(file, sorted(problems, key=lambda p: (p.line or 0, p.col or 0)))


def _control_problems(text: str, file: str) -> list[Problem]:
    """Control characters, located by line; the character position goes in the message.

    In CSV messages the column number is always a field number, so the character position
    of a control character is given in words instead.
    """
    return [Problem(f"{p.message} (character {p.col} of the line)", file, p.line)
            for p in control_character_problems(text, file)]


def _read_records(text: str, file: str) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    """Split ``text`` into CSV records, each with its 1-based starting line.

    Comment (``#``) and blank lines between records are skipped; inside a quoted field they
    are data. A quoting error stops reading and is returned as a problem.
    """
    state = {"at_start": True, "record_line": 0}
    reader = csv.reader(_physical_lines(text, state), strict=True, skipinitialspace=True)
    records: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            records.append((state["record_line"], row))
            state["at_start"] = True
    except csv.Error as exc:
        return records, [Problem(_quote_message(str(exc)), file, state["record_line"], None)]
    return records, []


def _quote_message(error: str) -> str:
    """Explain a quoting error reported by the csv module."""
    if "unexpected end of data" in error:
        return ("a quoted field that starts in this row is never closed (missing closing '\"')")
    return (f"badly quoted field ({error}); a field that contains a quote must be quoted "
            "as a whole, with each quote inside doubled (\"\")")


def _physical_lines(text: str, state: dict) -> Iterator[str]:
    """Feed the CSV reader line by line, skipping comments and blanks between records."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, 1):
        if state["at_start"]:
            if line.strip() == "" or line.lstrip().startswith("#"):
                continue
            state["record_line"] = number
            state["at_start"] = False
        yield line + "\n"


def _header_problems(columns: list[str], line: int, required: Sequence[str],
                     known: list[str], file: str) -> list[Problem]:
    """Check the header for empty, unknown, duplicate and missing column names."""
    problems = []
    first_at: dict[str, int] = {}
    for number, name in enumerate(columns, 1):
        problem = _column_problem(name, number, first_at, known)
        if problem:
            problems.append(Problem(problem, file, line, number, name or None))
        first_at.setdefault(name, number)
    missing = [name for name in required if name not in first_at]
    if missing:
        listed = ", ".join(f"'{name}'" for name in missing)
        problems.append(Problem(f"missing required column(s) {listed} (the header has: "
                                f"{', '.join(columns)})", file, line, 1))
    return problems


def _other_delimiter(columns: list[str], known: list[str]) -> str | None:
    """Name the delimiter the file seems to use instead of ',' (None if it looks fine)."""
    if len(columns) != 1:
        return None
    for char, name in _OTHER_DELIMITERS.items():
        if char in columns[0] and columns[0] not in known:
            return name
    return None


def _column_problem(name: str, number: int, first_at: dict[str, int],
                    known: list[str]) -> str | None:
    """Say what is wrong with one header name, or return None."""
    if name == "":
        return f"column {number} has no name (is there a trailing ',' in the header?)"
    if name in first_at:
        return f"duplicate column '{name}' (first at field {first_at[name]})"
    if name not in known:
        hint = did_you_mean(name, known) or f" (expected: {', '.join(known)})"
        return f"unknown column '{name}'{hint}"
    return None


def _table(file: str, columns: list[str], header_line: int,
           body: list[tuple[int, list[str]]], problems: list[Problem]) -> LocatedTable:
    """Build the table from the data records; rows of the wrong width become problems."""
    rows, lines = [], []
    for line, fields in body:
        if len(fields) != len(columns):
            problems.append(_width_problem(fields, len(columns), line, file))
            continue
        rows.append({name: value.strip() for name, value in zip(columns, fields)})
        lines.append(line)
    col_index: dict[str, int] = {}
    for index, name in enumerate(columns):
        col_index.setdefault(name, index)
    return LocatedTable(file, columns, rows, lines, col_index, header_line)


def _width_problem(fields: list[str], expected: int, line: int, file: str) -> Problem:
    """Report a row with the wrong number of fields, hinting at decimal commas."""
    message = (f"row has {_count(len(fields), 'field')} but the header has "
               f"{_count(expected, 'column')}")
    col = None
    if len(fields) > expected:
        col = expected + 1
        pairs = zip(fields, fields[1:])
        if any(a.strip().lstrip("+-").isdigit() and b.strip().isdigit() for a, b in pairs):
            message += ("; a decimal comma (1,5) splits a number in two: use a decimal point "
                        "(1.5), or quote fields that contain commas")
        else:
            message += "; quote fields that contain commas"
    return Problem(message, file, line, col)


def _count(number: int, noun: str) -> str:
    """``3 fields``, ``1 field``."""
    return f"{number} {noun}" + ("" if number == 1 else "s")
