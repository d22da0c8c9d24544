"""Input text files: bounded reading, UTF-8 decoding, control characters, the error for a bad file.

Shared by the YAML reader (:mod:`finmodel.assumptions.yamlio`) and the CSV reader
(:mod:`finmodel.assumptions.csvio`), so both refuse the same files in the same words.
"""
from __future__ import annotations

import os
import re
import stat

from finmodel.errors import AssumptionError, InputMissingError, Problem

__all__ = ["MAX_FILE_BYTES", "MAX_PROBLEMS", "read_input_bytes", "decode_text",
           "control_character_problems", "input_error"]

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Largest input file accepted [bytes]; larger files are rejected by size before reading."""

MAX_PROBLEMS = 50
"""Most problems listed individually in one error; the rest are counted in a final line."""


def read_input_bytes(path: str | os.PathLike[str]) -> bytes:
    """Read an input file's bytes, refusing files that are missing, odd or too large.

    The size is checked with ``stat`` before the file is opened, and at most
    ``MAX_FILE_BYTES + 1`` bytes are ever read, so memory use is bounded whatever the file.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.

    Returns
    -------
    bytes
        The file's content.

    Raises
    ------
    InputMissingError
        The file does not exist, is a directory or not a regular file, or cannot be read.
    AssumptionError
        The file is larger than :data:`MAX_FILE_BYTES`.
    """
    file = os.fspath(path)
    try:
        info = os.stat(file)
    except (OSError, ValueError) as exc:
        raise _missing(file, _os_reason(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise _missing(file, "is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise _missing(file, "is not a regular file")
    _check_size(file, info.st_size)
    try:
        with open(file, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _missing(file, _os_reason(exc)) from None
    _check_size(file, len(data))
    return data


def _os_reason(exc: BaseException) -> str:
    """Say in words why the operating system refused a file."""
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, PermissionError):
        return "permission denied (cannot read the file)"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a file"
    if isinstance(exc, ValueError):
        return f"invalid file name ({exc})"
    return f"cannot read the file ({exc.strerror or exc})"


def _missing(file: str, reason: str) -> InputMissingError:
    """Build the error for an input file that cannot be read."""
    return InputMissingError(f"cannot read input file {file}", [Problem(reason, file)])


def _check_size(file: str, size: int) -> None:
    """Raise if ``size`` [bytes] exceeds :data:`MAX_FILE_BYTES`."""
    if size > MAX_FILE_BYTES:
        message = (f"file is too large ({size / 2**20:.1f} MB; the limit is "
                   f"{MAX_FILE_BYTES / 2**20:.0f} MB for an assumptions file)")
        raise input_error(file, [Problem(message, file)])


def input_error(file: str, problems: list[Problem]) -> AssumptionError:
    """Build the :class:`AssumptionError` for a file with ``problems``.

    Parameters
    ----------
    file : str
        File name for the summary line.
    problems : list of Problem
        Every problem found; at most :data:`MAX_PROBLEMS` are listed, the rest counted.

    Returns
    -------
    AssumptionError
    """
    shown = problems[:MAX_PROBLEMS]
    if len(problems) > MAX_PROBLEMS:
        shown.append(Problem(f"... and {len(problems) - MAX_PROBLEMS} more problems", file))
    count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
    return AssumptionError(f"invalid input file {file} ({count})", shown)


def decode_text(data: str | bytes, file: str) -> str:
    """Decode UTF-8 bytes, dropping a leading byte-order mark and normalising line ends.

    Parameters
    ----------
    data : str or bytes
        Raw file content (text is only normalised).
    file : str
        File name for messages.

    Returns
    -------
    str
        The text with ``\\r\\n`` and lone ``\\r`` turned into ``\\n`` (so line numbers agree
        with editors) and without a leading BOM.

    Raises
    ------
    AssumptionError
        The bytes are not valid UTF-8; the problem gives the byte offset (0-based) and the
        line and column of the first bad byte.
    """
    if isinstance(data, str):
        return _normalise(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise input_error(file, [_utf8_problem(data, exc.start, file)]) from None
    return _normalise(text)


def _normalise(text: str) -> str:
    """Drop a leading BOM and turn CRLF / CR line ends into LF."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _utf8_problem(data: bytes, offset: int, file: str) -> Problem:
    """Locate the first invalid UTF-8 byte at ``offset`` [0-based] as a Problem."""
    before = _normalise(data[:offset].decode("utf-8", errors="replace"))
    line = before.count("\n") + 1
    col = len(before) - (before.rfind("\n") + 1) + 1
    hint = "save the file as UTF-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        hint = "the file looks like UTF-16; save it as UTF-8"
    message = f"not valid UTF-8 at byte offset {offset} (byte 0x{data[offset]:02x}); {hint}"
    return Problem(message, file, line, col)


_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]"
)


def control_character_problems(text: str, file: str) -> list[Problem]:
    """Find invisible control characters (anything but tab and newline) in normalised text.

    Parameters
    ----------
    text : str
        Text as returned by :func:`decode_text` (a leading BOM already removed).
    file : str
        File name for messages.

    Returns
    -------
    list of Problem
        One per character found, each with its 1-based line and column.
    """
    problems = []
    for match in _CONTROL.finditer(text):
        start = match.start()
        line = text.count("\n", 0, start) + 1
        col = start - (text.rfind("\n", 0, start) + 1) + 1
        message = (f"control character U+{ord(match.group()):04X} is not allowed (an invisible "
                   "character, often from copy-paste; delete it)")
        problems.append(Problem(message, file, line, col))
    return problems
