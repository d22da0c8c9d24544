"""Read hand-edited YAML assumption files into plain Python data with file:line:col locations.

The reader works on ruamel.yaml's *event stream* (its safe parser) and builds plain Python
values itself. No ruamel constructor ever runs, so no tag can create an object or run code,
an alias can never be expanded (aliases are rejected), and every value comes back as a plain
``dict``/``list``/``str``/``int``/``float``/``bool``/``None``.

Scalars are resolved with the YAML 1.2 core schema, whatever a ``%YAML`` directive says:

==========================================  ==========================================
plain scalar                                Python value
==========================================  ==========================================
``true``/``True``/``TRUE``, ``false``...    ``bool``
``~``, ``null``/``Null``/``NULL``, empty    ``None``
``123``, ``-7``, ``0x1F``, ``0o17``         ``int`` (any size)
``1.5``, ``1e3``, ``.inf``, ``.nan``        ``float`` (``.nan``/``.inf`` pass through)
anything else (``yes``, ``no``, ``on``,     ``str``
``2025-10-28``, ``1_000``, ``12:30``)
==========================================  ==========================================

Quoted and block (``|``, ``>``) scalars are always strings.

The text-level helpers (:func:`read_input_bytes`, :func:`decode_text`,
:func:`control_character_problems`, :func:`input_error`) are shared with
:mod:`finmodel.assumptions.csvio`.
"""
from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent, DocumentStartEvent, Event, MappingEndEvent,
    MappingStartEvent, ScalarEvent, SequenceEndEvent, SequenceStartEvent, StreamEndEvent,
)

from finmodel.errors import AssumptionError, InputMissingError, Problem

__all__ = [
    "Located", "read_yaml", "parse_yaml", "format_path", "MAX_FILE_BYTES", "MAX_DEPTH",
    "MAX_PROBLEMS", "read_input_bytes", "decode_text", "control_character_problems",
    "input_error",
]

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Largest input file accepted [bytes]; larger files are rejected by size before reading."""

MAX_DEPTH = 50
"""Deepest nesting of mappings and lists accepted [levels]; the top-level mapping is level 1."""

MAX_PROBLEMS = 50
"""Most problems listed individually in one error; the rest are counted in a final line."""

_CORE = "tag:yaml.org,2002:"

# ---------------------------------------------------------------------------------------------
# Text-level helpers (shared with csvio)
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Located data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Located:
    """Plain data read from a YAML file, with the position of every key, item and value.

    Attributes
    ----------
    data : Any
        Plain Python: ``dict`` (keys ``str`` or ``int``), ``list``, ``str``, ``int``,
        ``float``, ``bool`` or ``None``. No ruamel types.
    file : str
        The path as given by the caller, for messages.
    locations : dict[tuple, tuple[int, int]]
        Path (tuple of mapping keys and list indices) -> 1-based ``(line, col)`` of the KEY for
        a mapping entry and of the item for a list entry; ``()`` -> ``(1, 1)``.
    value_locations : dict[tuple, tuple[int, int]]
        The same paths -> 1-based ``(line, col)`` where the VALUE starts. For an empty
        (null) value this is the key's position.
    """

    data: Any
    file: str
    locations: dict[tuple, tuple[int, int]]
    value_locations: dict[tuple, tuple[int, int]]
    _loose: dict[tuple, tuple[int, int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        loose: dict[tuple, tuple[int, int]] = {}
        for table in (self.locations, self.value_locations):  # values win: written last
            loose.update({_loosen(path): pos for path, pos in table.items()})
        object.__setattr__(self, "_loose", loose)

    def where(self, path: tuple) -> tuple[int, int] | None:
        """Position of ``path``, or of its longest known prefix.

        Parameters
        ----------
        path : tuple
            Mapping keys and list indices, e.g. ``("capex", "schedule", 2, "amount_usd_bn")``
            or a pydantic error ``loc``. Elements that do not exist (e.g. a missing field)
            fall back to the parent. ``2030`` and ``"2030"`` match each other.

        Returns
        -------
        tuple of int or None
            1-based ``(line, col)``: the value's position when known, else the key's;
            ``None`` only if nothing matches (never for a file that parsed).
        """
        path = tuple(path)
        for size in range(len(path), -1, -1):
            prefix = path[:size]
            for table in (self.value_locations, self.locations):
                if prefix in table:
                    return table[prefix]
            if _loosen(prefix) in self._loose:
                return self._loose[_loosen(prefix)]
        return None

    def problem(self, path: tuple, message: str) -> Problem:
        """Build a located :class:`~finmodel.errors.Problem` for ``path``.

        Parameters
        ----------
        path : tuple
            As for :meth:`where`.
        message : str
            What is wrong, e.g. ``"must be a fraction (got 25; expected 0.25)"``.

        Returns
        -------
        Problem
            With this file, the position from :meth:`where` and ``format_path(path)``.
        """
        line, col = self.where(path) or (None, None)
        return Problem(message, self.file, line, col, format_path(path, self.data) or None)


def _loosen(path: tuple) -> tuple:
    """Path with every element as text, so ``2030`` and ``"2030"`` compare equal."""
    return tuple(str(part) for part in path)


def format_path(path: tuple, data: Any = None) -> str:
    """Write a path for messages: keys joined by dots, list indices in brackets.

    Parameters
    ----------
    path : tuple
        Mapping keys and list indices.
    data : Any, optional
        The document the path points into; with it, an integer is written as a key
        (``growth.2030``) where the data holds a mapping and as an index (``deals[2]``) where it
        holds a list. Without it every integer is written as an index.

    Returns
    -------
    str

    Examples
    --------
    >>> format_path(("capex", "schedule", 2, "amount_usd_bn"))
    'capex.schedule[2].amount_usd_bn'
    >>> format_path(("growth", 2030), {"growth": {2030: 0.1}})
    'growth.2030'
    """
    text, node = "", data
    for part in path:
        is_index = isinstance(node, list) or (node is None and isinstance(part, int)
                                              and not isinstance(part, bool))
        text += f"[{part}]" if is_index else (f".{part}" if text else str(part))
        node = _child(node, part)
    return text


def _child(node: Any, part: Any) -> Any:
    """The child of ``node`` at ``part``, or ``None`` if there is none."""
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def read_yaml(path: str | os.PathLike[str]) -> Located:
    """Read a YAML assumptions file.

    Parameters
    ----------
    path : str or os.PathLike
        The file. It must be a UTF-8 (optionally with BOM) text file of at most
        :data:`MAX_FILE_BYTES` bytes holding one mapping of settings.

    Returns
    -------
    Located
        Plain data with the position of every key, list item and value.

    Raises
    ------
    InputMissingError
        The file is missing, a directory, or unreadable (exit 66).
    AssumptionError
        The content is invalid (exit 65); ``problems`` lists every problem found, each with
        file, line and column.

    Examples
    --------
    >>> located = read_yaml("assumptions/base.yaml")          # doctest: +SKIP
    >>> located.where(("capex", "schedule", 0))               # doctest: +SKIP
    (12, 7)
    """
    file = os.fspath(path)
    return parse_yaml(read_input_bytes(file), file)


def parse_yaml(text: str | bytes, file: str = "<string>") -> Located:
    """Parse YAML text (or UTF-8 bytes) into :class:`Located` plain data.

    Parameters
    ----------
    text : str or bytes
        The document. Bytes must be UTF-8; a leading BOM is ignored.
    file : str, optional
        Name used in messages.

    Returns
    -------
    Located

    Raises
    ------
    AssumptionError
        Every problem found: invalid UTF-8, control characters, YAML syntax (parsing stops
        there), tabs, several documents, anchors/aliases, tags, nesting deeper than
        :data:`MAX_DEPTH`, keys that are not strings or integers, duplicate keys, an empty file,
        or a top level that is not a mapping.

    Notes
    -----
    Nothing is ever constructed by ruamel: only its parser's events are read, so parsing
    costs time linear in the (capped) file size and cannot execute code or expand aliases.
    """
    text = decode_text(text, file)
    problems = control_character_problems(text, file)
    if problems:
        raise input_error(file, problems)
    builder = _Builder(file)
    data = builder.build(text)
    if builder.problems:
        raise input_error(file, builder.problems)
    return Located(data, file, builder.locations, builder.value_locations)


# ---------------------------------------------------------------------------------------------
# Event stream -> plain data
# ---------------------------------------------------------------------------------------------


class _Stop(Exception):
    """Building cannot go on (nesting too deep); the problem is already recorded."""


def _pos(event: Event) -> tuple[int, int]:
    """1-based ``(line, col)`` where an event starts."""
    return event.start_mark.line + 1, event.start_mark.column + 1


class _Builder:
    """Turn ruamel parser events into plain data, recording locations and problems."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.locations: dict[tuple, tuple[int, int]] = {(): (1, 1)}
        self.value_locations: dict[tuple, tuple[int, int]] = {(): (1, 1)}
        self.events: Iterator[Event] = iter(())

    def add(self, message: str, pos: tuple[int, int] | None, label: str = "") -> None:
        """Record a problem at 1-based ``pos`` for the field ``label``."""
        line, col = pos or (None, None)
        self.problems.append(Problem(message, self.file, line, col, label or None))

    def build(self, text: str) -> Any:
        """Parse ``text`` and return its single document as plain data (``None`` on failure)."""
        self.events = _events(text)
        try:
            return self.document()
        except _Stop:
            return None
        except _SyntaxProblem as exc:
            self.problems.extend(_syntax_problems(exc.error, text, self.file))
            return None

    def next(self) -> Event:
        """The next parser event."""
        return next(self.events)

    def document(self) -> Any:
        """Read the stream: exactly one document holding a mapping."""
        self.next()  # StreamStartEvent
        event = self.next()
        if isinstance(event, StreamEndEvent):
            self.add("file is empty (expected a mapping of settings)", (1, 1))
            return None
        first = self.next()
        data = self.node(first, (), "", 0)
        self.check_top(first, data)
        self.next()  # DocumentEndEvent
        event = self.next()
        if isinstance(event, DocumentStartEvent):
            self.add("several YAML documents in one file (a second document starts here); "
                     "put all settings in one document and remove the extra '---'",
                     _pos(event))
        return data

    def check_top(self, first: Event, data: Any) -> None:
        """Require a mapping at the top level."""
        if isinstance(first, (MappingStartEvent, AliasEvent)):
            return
        if data is None and isinstance(first, ScalarEvent):
            self.add("file is empty (expected a mapping of settings)", (1, 1))
            return
        self.value_locations[()] = _pos(first)
        self.add("expected a mapping of settings at the top level (lines of 'name: value'), "
                 f"got {_describe(data)}", _pos(first))

    def node(self, event: Event, path: tuple | None, label: str, depth: int) -> Any:
        """Build the node that starts with ``event``; ``path=None`` records no locations."""
        self.check_anchor_and_tag(event, label)
        if isinstance(event, ScalarEvent):
            return self.scalar(event, label)
        if isinstance(event, AliasEvent):
            self.add(f"aliases (*{event.anchor}) are not allowed in assumption files; "
                     "write the value out in full", _pos(event), label)
            return None
        if depth + 1 > MAX_DEPTH:
            self.add(f"nesting is deeper than {MAX_DEPTH} levels; flatten the structure",
                     _pos(event), label)
            raise _Stop
        if isinstance(event, SequenceStartEvent):
            return self.sequence(path, label, depth + 1)
        return self.mapping(path, label, depth + 1)

    def check_anchor_and_tag(self, event: Event, label: str) -> None:
        """Reject anchors (``&name``) and tags other than the plain core-schema ones."""
        anchor = getattr(event, "anchor", None)
        if anchor is not None and not isinstance(event, AliasEvent):
            self.add(f"anchors (&{anchor}) are not allowed in assumption files; "
                     "write values out in full (aliases are not supported)", _pos(event), label)
        tag = getattr(event, "tag", None)
        allowed = _SCALAR_TAGS if isinstance(event, ScalarEvent) else _COLLECTION_TAGS
        if tag not in allowed:
            self.add(f"tag '{_short_tag(tag)}' is not allowed; assumption files hold plain "
                     "values only (remove the tag)", _pos(event), label)

    def scalar(self, event: ScalarEvent, label: str) -> Any:
        """Resolve a scalar with the YAML 1.2 core schema (quoted and block scalars are text)."""
        if event.tag not in _SCALAR_TAGS:
            return None  # a disallowed tag, already reported
        want = _SCALAR_TAGS[event.tag]
        if want is None and event.style is not None:
            return event.value
        value, error = _resolve(event.value, want)
        if error:
            self.add(error, _pos(event), label)
        return value

    def sequence(self, path: tuple | None, label: str, depth: int) -> list:
        """Build a list; each item's position is recorded as both key and value location."""
        items: list = []
        event = self.next()
        while not isinstance(event, SequenceEndEvent):
            index = len(items)
            item_path = None if path is None else path + (index,)
            if item_path is not None:
                self.locations[item_path] = self.value_locations[item_path] = _pos(event)
            items.append(self.node(event, item_path, f"{label}[{index}]", depth))
            event = self.next()
        return items

    def mapping(self, path: tuple | None, label: str, depth: int) -> dict:
        """Build a dict, checking keys and duplicates; locations of keys and values."""
        result: dict = {}
        seen: dict[str, int] = {}
        event = self.next()
        while not isinstance(event, MappingEndEvent):
            key = self.key(event, label, depth)
            value_event = self.next()
            entry = self.entry_path(path, key)
            entry_label = _join(label, key)
            if entry is not None:
                self.record_entry(entry, event, value_event)
            if key is not _BAD_KEY:
                self.check_duplicate(key, event, seen, entry_label)
            value = self.node(value_event, entry, entry_label, depth)
            if key is not _BAD_KEY and key not in result:
                result[key] = value
            event = self.next()
        return result

    @staticmethod
    def entry_path(path: tuple | None, key: Any) -> tuple | None:
        """Path of a mapping entry, or ``None`` if locations are not recorded."""
        if path is None or key is _BAD_KEY:
            return None
        return path + (key,)

    def record_entry(self, entry: tuple, key_event: Event, value_event: Event) -> None:
        """Record key and value positions (an empty value gets the key's position)."""
        key_pos = _pos(key_event)
        self.locations[entry] = key_pos
        empty = (isinstance(value_event, ScalarEvent) and value_event.value == ""
                 and value_event.style is None)
        self.value_locations[entry] = key_pos if empty else _pos(value_event)

    def key(self, event: Event, label: str, depth: int) -> Any:
        """Build a mapping key; only strings and integers are allowed."""
        key = self.node(event, None, label, depth)
        if isinstance(event, (SequenceStartEvent, MappingStartEvent)):
            kind = "a list" if isinstance(event, SequenceStartEvent) else "a mapping"
            self.add(f"{kind} cannot be used as a key", _pos(event), label)
            return _BAD_KEY
        if isinstance(event, AliasEvent) or event.tag not in _SCALAR_TAGS:
            return _BAD_KEY
        if isinstance(key, str) or (isinstance(key, int) and not isinstance(key, bool)):
            return key
        self.add(_bad_key_message(event.value, key), _pos(event), label)
        return _BAD_KEY

    def check_duplicate(self, key: Any, event: Event, seen: dict[str, int], label: str) -> None:
        """Report a key already defined in this mapping (``2030`` and ``'2030'`` clash)."""
        line = _pos(event)[0]
        if str(key) in seen:
            self.add(f"duplicate key '{key}' (first defined at line {seen[str(key)]}); "
                     "each key may appear only once", _pos(event), label)
        else:
            seen[str(key)] = line


_BAD_KEY = object()


def _join(label: str, key: Any) -> str:
    """Field label of a mapping entry for messages."""
    text = "?" if key is _BAD_KEY else str(key)
    return f"{label}.{text}" if label else text


def _bad_key_message(raw: str, key: Any) -> str:
    """Explain why a resolved key is not allowed."""
    if key is None:
        return ("empty or null key is not allowed; keys must be names (or whole years); "
                "quote it if you mean the text")
    if isinstance(key, bool):
        return (f"key '{raw}' is read as a boolean; keys must be names (or whole years); "
                f"quote it (\"{raw}\") if you mean the text")
    return (f"key '{raw}' is a number with a fraction; keys must be names or whole years; "
            f"quote it (\"{raw}\") if you mean the text")


def _describe(value: Any) -> str:
    """Describe a value's kind for messages, e.g. ``a list`` or ``a number (3)``."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"a string ({value[:40]!r})"
    if isinstance(value, bool) or value is None:
        return f"a single value ({value})"
    return f"a number ({value})"


# ---------------------------------------------------------------------------------------------
# Scalars: the YAML 1.2 core schema
# ---------------------------------------------------------------------------------------------

_SCALAR_TAGS: dict[str | None, str | None] = {
    None: None, "!": "str", **{_CORE + name: name for name in ("str", "int", "float", "bool",
                                                               "null")},
}
_COLLECTION_TAGS = (None, "!", _CORE + "map", _CORE + "seq")

_NULL = re.compile(r"~|null|Null|NULL|")
_TRUE = re.compile(r"true|True|TRUE")
_FALSE = re.compile(r"false|False|FALSE")
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF = re.compile(r"([-+]?)\.(inf|Inf|INF)")
_NAN = re.compile(r"\.(nan|NaN|NAN)")
_MAX_DIGITS = 4000  # Python refuses int(str) beyond 4300 digits


def _resolve(raw: str, want: str | None) -> tuple[Any, str | None]:
    """Resolve a plain scalar with the core schema.

    Parameters
    ----------
    raw : str
        The scalar's text.
    want : str or None
        Explicit core tag name (``"int"``, ``"float"``...) or ``None`` for implicit resolution.

    Returns
    -------
    value, error
        The value, and a message if it cannot be resolved as its tag demands.
    """
    if want == "str":
        return raw, None
    for kind, parse in _RESOLVERS:
        if want not in (None, kind) and (want, kind) != ("float", "int"):
            continue
        value = parse(raw)
        if value is _TOO_LONG:
            return None, f"integer with more than {_MAX_DIGITS} digits is not allowed"
        if value is not _NO:
            return (float(value) if want == "float" else value), None
    if want is None:
        return raw, None
    return None, f"'{raw}' is not a valid {want} (it has the tag '!!{want}')"


_NO = object()  # "does not match"
_TOO_LONG = object()  # an integer too long to convert


def _parse_null(raw: str) -> Any:
    return None if _NULL.fullmatch(raw) else _NO


def _parse_bool(raw: str) -> Any:
    if _TRUE.fullmatch(raw):
        return True
    return False if _FALSE.fullmatch(raw) else _NO


def _parse_int(raw: str) -> Any:
    if not _INT.fullmatch(raw):
        return _NO
    if len(raw) > _MAX_DIGITS:
        return _TOO_LONG
    if raw.startswith(("0o", "0x")):
        return int(raw[2:], 8 if raw[1] == "o" else 16)
    return int(raw)


def _parse_float(raw: str) -> Any:
    if _FLOAT.fullmatch(raw):
        return float(raw)
    inf = _INF.fullmatch(raw)
    if inf:
        return float(f"{inf.group(1)}inf")
    return float("nan") if _NAN.fullmatch(raw) else _NO


_RESOLVERS = (("null", _parse_null), ("bool", _parse_bool), ("int", _parse_int),
              ("float", _parse_float))


def _short_tag(tag: str) -> str:
    """Write ``tag:yaml.org,2002:python/object`` as ``!!python/object``."""
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


# ---------------------------------------------------------------------------------------------
# Parser events and syntax errors
# ---------------------------------------------------------------------------------------------


class _SyntaxProblem(Exception):
    """Wraps the parser's exception so the builder can report it."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


def _events(text: str) -> Iterator[Event]:
    """ruamel's safe-parser events for ``text``; parser failures become ``_SyntaxProblem``."""
    parser = YAML(typ="safe", pure=True).parse(text)
    while True:
        try:
            event = next(parser)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - any parser failure is a syntax problem
            raise _SyntaxProblem(exc) from None
        yield event


_FRIENDLY = (
    ("'\\t'", "tabs are not allowed for indentation; use spaces"),
    ("mapping values are not allowed here",
     "unexpected ':' here; quote a value that contains ': ', or check that the line above "
     "is a complete 'key: value'"),
    ("could not find expected ':'", "expected 'key: value' here (is a ':' missing?)"),
    ("while scanning a quoted scalar", "a quoted value is never closed; add the missing quote"),
    ("while scanning a double-quoted scalar", "invalid or unclosed double-quoted value"),
    ("expected ',' or ']'", "a '[' list is not closed with ']'"),
    ("expected ',' or '}'", "a '{' mapping is not closed with '}'"),
    ("expected <block end>", "indentation does not line up with the lines above"),
    ("did not find expected key", "indentation does not line up with the lines above"),
    ("did not find expected '-' indicator", "expected a list item ('- ...') at this "
     "indentation"),
    ("while scanning an alias", "'*' starts an alias, which is not allowed; quote the value"),
    ("while scanning an anchor", "'&' starts an anchor, which is not allowed; quote the value"),
    ("that cannot start any token", "a value cannot start with this character; put the value "
     "in quotes"),
)


def _syntax_problems(error: Exception, text: str, file: str) -> list[Problem]:
    """Turn a parser exception into friendly located problems."""
    if not isinstance(error, MarkedYAMLError):
        reason = str(error) if isinstance(error, YAMLError) else f"{type(error).__name__}"
        return [Problem(f"YAML syntax error ({reason})", file)]
    parser_says = " ".join(str(part) for part in (error.context, error.problem) if part)
    friendly = next((nice for needle, nice in _FRIENDLY if needle in parser_says),
                    "YAML syntax error")
    mark = error.problem_mark or error.context_mark
    if "quoted scalar" in str(error.context) and error.context_mark is not None:
        mark = error.context_mark  # point at the opening quote, not the end of the file
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    if friendly.startswith("tabs"):
        return _tab_problems(text, file, line, col, error.problem)
    return [Problem(f"{friendly} (YAML parser: {error.problem or error.context})",
                    file, line, col)]


def _tab_problems(text: str, file: str, line: int | None, col: int | None,
                  said: str | None) -> list[Problem]:
    """Report the tab the parser hit and every later line indented with a tab."""
    lines = text.split("\n")
    if line is None or col is None or line > len(lines):
        return [Problem(f"YAML syntax error ({said})", file, line, col)]
    current = lines[line - 1]
    indent = len(current) - len(current.lstrip(" \t"))
    message = ("tabs are not allowed for indentation; use spaces" if col <= indent
               else "tabs are not allowed between items in YAML; use spaces")
    problems = [Problem(message, file, line, col)]
    for number in range(line + 1, len(lines) + 1):
        tab = _indent_tab(lines[number - 1])
        if tab is not None:
            problems.append(Problem("tabs are not allowed for indentation; use spaces",
                                    file, number, tab))
    return problems


def _indent_tab(line: str) -> int | None:
    """1-based column of the first tab in a content line's indentation, if any."""
    stripped = line.lstrip(" \t")
    if not stripped or stripped.startswith("#"):
        return None
    indent = line[: len(line) - len(stripped)]
    return indent.index("\t") + 1 if "\t" in indent else None
