"""Read hand-edited YAML assumption files into plain Python data with file:line:col locations.

ruamel.yaml composes the file into its node tree (every node carries its start position,
a mapping keeps every key/value pair in order, duplicates included, and anchors and tags stay
visible); this module walks that tree into plain Python values, recording where each key and
value is written and every problem found. No ruamel constructor ever runs, so no tag can create
an object or run code, and every value comes back as a plain
``dict``/``list``/``str``/``int``/``float``/``bool``/``None``. A small composer subclass keeps
aliases where they are written (they are rejected, never expanded), stops at nesting deeper
than :data:`MAX_DEPTH`, and leaves plain scalars untyped for the walk below.

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

Quoted and block (``|``, ``>``) scalars, and scalars with the non-specific tag ``!``, are always
strings.

Two parsers feed the same composer (:class:`_Composer`). libyaml's C parser from
``ruamel.yaml.clib`` reads a file first (~10x faster than ruamel's pure-Python parser on
``base.yaml``); a file with a tab, a directive or a line break that YAML 1.1 and 1.2 count
differently, or in which anything is wrong, is read again by ruamel's parser, which alone words
the messages and positions. Both give the same data and positions
(``tests/assumptions/test_yamlio_fast.py``).

The text-level helpers that the CSV reader shares live in :mod:`finmodel.assumptions.textfile`;
their names are re-exported here.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent, DocumentStartEvent, ScalarEvent, SequenceStartEvent, StreamEndEvent,
)
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # libyaml's parser, shipped as ruamel.yaml.clib (a dependency; absent e.g. on PyPy)
    from ruamel.yaml.cyaml import CParser
except ImportError:  # pragma: no cover - the pure parser reads everything then
    CParser = None

from finmodel.assumptions.textfile import (
    MAX_FILE_BYTES, MAX_PROBLEMS, control_character_problems, decode_text, input_error,
    read_input_bytes,
)
from finmodel.errors import Problem

__all__ = [
    "Located", "read_yaml", "parse_yaml", "format_path", "MAX_FILE_BYTES", "MAX_DEPTH",
    "MAX_PROBLEMS", "read_input_bytes", "decode_text", "control_character_problems",
    "input_error",
]

MAX_DEPTH = 50
"""Deepest nesting of mappings and lists accepted [levels]; the top-level mapping is level 1."""

_CORE = "tag:yaml.org,2002:"

#: Texts read only by ruamel's own parser: a tab (YAML 1.2 and libyaml's 1.1 differ on where
#: one may stand), a line break the two versions count differently (CR, NEL, LS, PS), a byte-order
#: mark inside the text, or a directive (``%YAML``/``%TAG``, whose versions they treat differently).
_SLOW_ONLY = re.compile("[\t\r\x85\u2028\u2029\ufeff]|^%", re.MULTILINE)

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
        Every problem found: invalid UTF-8, control characters, YAML syntax or nesting deeper
        than :data:`MAX_DEPTH` (reading stops there), tabs, several documents, anchors/aliases,
        tags, keys that are not strings or integers, duplicate keys, an empty file, or a top
        level that is not a mapping.

    Notes
    -----
    ruamel only parses and composes: no constructor runs, an alias stays a reference to its
    name, and the walk is linear in the (capped) file size, so parsing cannot execute code or
    expand aliases.
    """
    text = decode_text(text, file)
    problems = control_character_problems(text, file)
    if problems:
        raise input_error(file, problems)
    if CParser is not None and not _SLOW_ONLY.search(text):
        try:
            walk = _Walk(file)
            data = walk.document(*_compose_fast(text))
            if not walk.problems:
                return Located(data, file, walk.locations, walk.value_locations)
        except Exception:  # noqa: BLE001, S110 - read again below, where every message is ruamel's
            pass
    try:
        root, second_document = _compose(text)
    except Exception as exc:  # noqa: BLE001 - any parser failure is a syntax problem
        raise input_error(file, _syntax_problems(exc, text, file)) from None
    walk = _Walk(file)
    data = walk.document(root, second_document)
    if walk.problems:
        raise input_error(file, walk.problems)
    return Located(data, file, walk.locations, walk.value_locations)


# ---------------------------------------------------------------------------------------------
# Composing: ruamel's node tree, with aliases kept where they are written
# ---------------------------------------------------------------------------------------------


def _compose(text: str) -> tuple[Node | None, Any]:
    """Compose the first document of ``text``; also the start mark of a second one, if any."""
    yaml = YAML(typ="safe", pure=True)
    yaml.Composer = _Composer
    root = yaml.compose(text)
    return root, yaml.composer.second_document


def _compose_fast(text: str) -> tuple[Node | None, Any]:
    """:func:`_compose` on libyaml's parser (``ruamel.yaml.clib``, ~8x faster on base.yaml): the
    same composer and so the same node tree, marks included. ``parse_yaml`` takes it only for a
    text with no tab and no directive, and keeps it only when the tree has no problem: anything
    else is read again by ruamel's own parser, so every message stays ruamel's."""
    parser = CParser(text)
    try:
        loader = SimpleNamespace(_parser=parser, parser=parser, max_depth=None,
                                 _resolver=YAML(typ="safe", pure=True).resolver)
        composer = _Composer(loader)
        return composer.get_single_node(), composer.second_document
    finally:
        parser.dispose()


@dataclass(frozen=True)
class _Alias:
    """An alias (``*name``) where it is written; ruamel would return the anchored node itself."""

    anchor: str
    start_mark: Any


class _Plain(ScalarNode):
    """A plain scalar written without a tag: its type comes from the core schema below."""

    __slots__ = ()


class _TooDeep(Exception):
    """Nesting deeper than :data:`MAX_DEPTH`; the argument is the mark where that level opens."""


class _Composer(Composer):
    """ruamel's composer, changed where assumption files need it.

    An alias becomes an :class:`_Alias` at its own position; a collection nested deeper than
    :data:`MAX_DEPTH` stops composition (:class:`_TooDeep`) before Python's recursion limit
    could; scalars keep the tag they were written with (no resolver runs); and a second document
    is noted in :attr:`second_document` instead of raised, so the first one is still checked.
    """

    second_document: Any = None
    level = 0
    parser: Any = None  # the loader's parser, looked up once (ruamel's property runs per event)

    def get_single_node(self) -> Node | None:
        self.parser = self.loader.parser
        self.parser.get_event()  # StreamStartEvent
        if self.parser.check_event(StreamEndEvent):
            return None
        root = self.compose_document()
        if self.parser.check_event(DocumentStartEvent):
            self.second_document = self.parser.peek_event().start_mark
        return root

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            self.parser.get_event()
            return _Alias(event.anchor, event.start_mark)
        if isinstance(event, ScalarEvent):
            return self.compose_scalar_node(event.anchor)
        self.level += 1
        if self.level > MAX_DEPTH:
            raise _TooDeep(event.start_mark)
        compose = (self.compose_sequence_node if isinstance(event, SequenceStartEvent)
                   else self.compose_mapping_node)
        node = compose(event.anchor)
        self.level -= 1
        return node

    def compose_scalar_node(self, anchor: Any) -> ScalarNode:
        event = self.parser.get_event()
        plain = event.tag is None and not event.style  # libyaml's plain style is "", ruamel's None
        tag = _CORE + "str" if event.tag in (None, "!") else event.tag
        return (_Plain if plain else ScalarNode)(tag, event.value, event.start_mark,
                                                 event.end_mark, style=event.style,
                                                 anchor=anchor)


def _at(mark: Any) -> tuple[int, int]:
    """1-based ``(line, col)`` of a ruamel mark (0-based)."""
    return mark.line + 1, mark.column + 1


def _pos(node: Node | _Alias) -> tuple[int, int]:
    """1-based ``(line, col)`` where a node starts (at its tag or anchor, if it has one)."""
    return _at(node.start_mark)


# ---------------------------------------------------------------------------------------------
# Node tree -> plain data
# ---------------------------------------------------------------------------------------------


class _Walk:
    """Turn a composed node tree into plain data, recording locations and problems."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.locations: dict[tuple, tuple[int, int]] = {(): (1, 1)}
        self.value_locations: dict[tuple, tuple[int, int]] = {(): (1, 1)}

    def add(self, message: str, pos: tuple[int, int], label: str = "") -> None:
        """Record a problem at 1-based ``pos`` for the field ``label``."""
        self.problems.append(Problem(message, self.file, *pos, label or None))

    def document(self, root: Node | None, second_document: Any) -> Any:
        """Plain data of the root node, which must be a mapping; one document only."""
        data = None if root is None else self.node(root, (), "")
        if root is None or (data is None and isinstance(root, ScalarNode)):
            self.add("file is empty (expected a mapping of settings)", (1, 1))
        elif not isinstance(root, (MappingNode, _Alias)):
            self.value_locations[()] = _pos(root)
            self.add("expected a mapping of settings at the top level (lines of 'name: value'), "
                     f"got {_describe(data)}", _pos(root))
        if second_document is not None:
            self.add("several YAML documents in one file (a second document starts here); "
                     "put all settings in one document and remove the extra '---'",
                     _at(second_document))
        return data

    def node(self, node: Node | _Alias, path: tuple | None, label: str) -> Any:
        """Plain value of ``node``; ``path=None`` records no locations (inside a key)."""
        if isinstance(node, _Alias):
            self.add(f"aliases (*{node.anchor}) are not allowed in assumption files; "
                     "write the value out in full", _pos(node), label)
            return None
        if node.anchor is not None:
            self.add(f"anchors (&{node.anchor}) are not allowed in assumption files; "
                     "write values out in full (aliases are not supported)", _pos(node), label)
        if isinstance(node, ScalarNode):
            return self.scalar(node, label)
        if node.tag != _COLLECTION_TAGS[type(node)]:
            self.add(_tag_message(node.tag), _pos(node), label)
        if isinstance(node, SequenceNode):
            return self.sequence(node, path, label)
        return self.mapping(node, path, label)

    def scalar(self, node: ScalarNode, label: str) -> Any:
        """Resolve a scalar with the core schema, as its tag (if any) demands."""
        plain = isinstance(node, _Plain)
        if not plain and node.tag not in _SCALAR_TAGS:
            self.add(_tag_message(node.tag), _pos(node), label)
            return None
        value, error = _resolve(node.value, None if plain else _SCALAR_TAGS[node.tag])
        if error:
            self.add(error, _pos(node), label)
        return value

    def sequence(self, node: SequenceNode, path: tuple | None, label: str) -> list:
        """Build a list; each item's position is recorded as both key and value location."""
        items: list = []
        for index, item in enumerate(node.value):
            item_path = None if path is None else path + (index,)
            if item_path is not None:
                self.locations[item_path] = self.value_locations[item_path] = _pos(item)
            items.append(self.node(item, item_path, f"{label}[{index}]"))
        return items

    def mapping(self, node: MappingNode, path: tuple | None, label: str) -> dict:
        """Build a dict, checking keys and duplicates; locations of keys and values."""
        result: dict = {}
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node, label)
            entry_label = _join(label, key)
            entry = None if path is None or key is _BAD_KEY else path + (key,)
            if entry is not None:
                empty = isinstance(value_node, _Plain) and value_node.value == ""
                self.locations[entry] = _pos(key_node)
                self.value_locations[entry] = _pos(key_node if empty else value_node)
            if key is not _BAD_KEY:
                if str(key) in seen:
                    self.add(f"duplicate key '{key}' (first defined at line {seen[str(key)]}); "
                             "each key may appear only once", _pos(key_node), entry_label)
                else:
                    seen[str(key)] = _pos(key_node)[0]
            value = self.node(value_node, entry, entry_label)
            if key is not _BAD_KEY and key not in result:
                result[key] = value
        return result

    def key(self, node: Node | _Alias, label: str) -> Any:
        """A mapping key: a string or an integer, else ``_BAD_KEY`` (with its problem)."""
        known = len(self.problems) + (getattr(node, "anchor", None) is not None)
        key = self.node(node, None, label)
        if isinstance(node, (SequenceNode, MappingNode)):
            kind = "a list" if isinstance(node, SequenceNode) else "a mapping"
            self.add(f"{kind} cannot be used as a key", _pos(node), label)
            return _BAD_KEY
        if isinstance(node, _Alias) or len(self.problems) > known:
            return _BAD_KEY  # an alias, a bad tag or a value that does not fit it: already said
        if isinstance(key, str) or (isinstance(key, int) and not isinstance(key, bool)):
            return key
        self.add(_bad_key_message(node.value, key), _pos(node), label)
        return _BAD_KEY


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

_SCALAR_TAGS = {_CORE + name: name for name in ("str", "int", "float", "bool", "null")}
"""Explicit scalar tags allowed -> the core type they demand."""

_COLLECTION_TAGS = {SequenceNode: _CORE + "seq", MappingNode: _CORE + "map"}
"""The only tag each kind of collection may have (what an untagged one resolves to)."""

def _int(raw: str) -> int:
    """Convert a core-schema integer: decimal, ``0o`` octal or ``0x`` hexadecimal."""
    base = {"0o": 8, "0x": 16}.get(raw[:2])
    return int(raw[2:], base) if base else int(raw)


_CORE_SCHEMA = (  # (type, pattern, conversion) in the order the schema tries them
    ("null", re.compile(r"~|null|Null|NULL|"), lambda raw: None),
    ("bool", re.compile(r"true|True|TRUE|false|False|FALSE"), lambda raw: raw[0] in "tT"),
    ("int", re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"), _int),
    ("float", re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"), float),
    ("float", re.compile(r"[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"),
     lambda raw: float(raw.replace(".", "", 1))),
)
_MAX_DIGITS = 4000  # Python refuses int(str) beyond 4300 digits


def _resolve(raw: str, want: str | None) -> tuple[Any, str | None]:
    """Resolve a scalar's text with the core schema.

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
    for kind, pattern, convert in _CORE_SCHEMA:
        if want in (None, kind) or (want, kind) == ("float", "int"):
            if not pattern.fullmatch(raw):
                continue
            if kind == "int" and len(raw) > _MAX_DIGITS:
                return None, f"integer with more than {_MAX_DIGITS} digits is not allowed"
            value = convert(raw)
            return (float(value) if want == "float" else value), None
    if want is None:
        return raw, None
    return None, f"'{raw}' is not a valid {want} (it has the tag '!!{want}')"


def _short_tag(tag: str) -> str:
    """Write ``tag:yaml.org,2002:python/object`` as ``!!python/object``."""
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


def _tag_message(tag: str) -> str:
    """Explain that ``tag`` is not allowed."""
    return (f"tag '{_short_tag(tag)}' is not allowed; assumption files hold plain values only "
            "(remove the tag)")


# ---------------------------------------------------------------------------------------------
# Syntax errors
# ---------------------------------------------------------------------------------------------

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
    """Turn a parser exception (or nesting too deep) into friendly located problems."""
    if isinstance(error, _TooDeep):
        return [Problem(f"nesting is deeper than {MAX_DEPTH} levels; flatten the structure",
                        file, *_at(error.args[0]))]
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
