"""Load a scenario: read files, merge overlays, apply ``--set`` overrides, validate.

Every problem is collected and raised at once as an :class:`~finmodel.errors.AssumptionError`
whose problems read ``file:line:col: field.path: message (got X)``.
"""
from __future__ import annotations

import hashlib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
from pydantic import BaseModel, ValidationError

from ..errors import (AssumptionError, InputMissingError, Problem, UsageError, closest, did_you_mean,
                      unexpected_characters, visible)
from .csvio import parse_number, read_csv
from .fields import check_series_years, expand_series, input_fields
from .rules import breaches
from .schema import SLUG, Anchor, Calibration, Deal, Scenario, supply_chain_problems
from .yamlio import Located, read_yaml

__all__ = ["Assumptions", "load", "load_deals", "parse_override", "override_key", "DEAL_COLUMNS", "file_sha256"]

DEAL_COLUMNS = ("id", "partner", "deal", "kind", "capacity_gw", "value_usd_bn", "value_covers",
                "start_year", "term_years", "ramp", "shares", "include", "status", "financing",
                "accelerator_vendor", "delay_years",
                "realisation_fraction", "basis", "source", "source_url", "as_of", "note")
_DEAL_OPTIONAL = ("shares", "financing", "accelerator_vendor", "delay_years", "realisation_fraction", "source_url", "note")
_DEAL_FLOATS = ("capacity_gw", "value_usd_bn", "realisation_fraction")
_DEAL_INTS = ("start_year", "term_years", "delay_years")
_DEAL_BLANK_IS_NONE = ("delay_years", "realisation_fraction")  # blank: the status's value
MAX_EXTENDS_DEPTH = 10
# Included deals a scenario may have: each is its own block of rows on the Deals sheet and in
# the engine (~35 ms per deal to run and write, measured: 400 deals 17 s, 2,000 deals 69 s);
# a portfolio beyond this is a different model (group deals by partner and kind instead).
MAX_INCLUDED_DEALS = 500


@dataclass(frozen=True)
class LocatedAnchor:
    """A calibration anchor with its id and where it is written (for located errors)."""

    key: str
    anchor: Anchor
    file: str
    line: int | None
    col: int | None


@dataclass(frozen=True)
class Assumptions:
    """A validated scenario with its deal table and the record of where it came from."""

    scenario: Scenario
    deals: tuple[Deal, ...]
    path: Path
    files: tuple[Path, ...]          # every file read, in order
    overrides: tuple[str, ...] = ()  # the --set arguments applied
    anchors: tuple[LocatedAnchor, ...] = ()  # calibration anchors, when the scenario names a file

    @property
    def name(self) -> str:
        return self.scenario.name

    def hashes(self) -> dict[str, str]:
        return {str(p): file_sha256(p) for p in self.files}


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- file references: every file an input file names resolves inside the project -------------

def project_roots(path: Path) -> tuple[Path, ...]:
    """The folders a scenario's file references may resolve into (the project): the current
    folder, the folder of the scenario file the user named and, for a scenario in a
    ``scenarios/`` folder, the folder above it (the assumptions folder it extends)."""
    folder = Path(path).resolve().parent
    roots = [Path.cwd().resolve(), folder]
    if folder.name == "scenarios":
        roots.append(folder.parent)
    return tuple(roots)


def inside(path: Path, roots: Iterable[Path]) -> bool:
    """True when ``path`` (symlinks followed) lies in one of ``roots``."""
    real = Path(path).resolve()
    return any(real == r or real.is_relative_to(r) for r in (Path(r).resolve() for r in roots))


def check_inside(path: Path, roots: Iterable[Path], what: str) -> Path:
    """``path`` when it lies in one of ``roots``; else a :class:`UsageError` naming ``what``
    (e.g. ``run record R: scenario``) and the folders allowed."""
    roots = tuple(roots)
    if not inside(path, roots):
        allowed = " or ".join(dict.fromkeys(str(r) for r in roots))
        raise UsageError(f"{what}: {path} is outside the project (files are read from {allowed}); "
                         "name a file outside on the command line instead")
    return Path(path)


def resolve_reference(named_in: str | Path, text: Any, roots: Iterable[Path], key: str,
                      where: tuple) -> Path:
    """The file that ``text`` (a relative path written at ``key`` of the file ``named_in``)
    names, relative to ``named_in``'s folder. One rule for every file reference (``extends``,
    ``commitments.file``, ``calibration.file``): a relative path to an existing regular file
    inside the project (:func:`project_roots`); the problem is located where the path is
    written (``where`` = file, line, col), and the file outside is never opened.

    Raises
    ------
    AssumptionError
        an absolute path or one that leads outside the project (exit 65).
    InputMissingError
        no such file (exit 66).
    """
    if not isinstance(text, str) or not text.strip():
        raise AssumptionError("invalid input data", [Problem(
            f"expected a relative path to a file (got {text!r})", *where, key)])
    target = Path(named_in).parent / text
    if not inside(target, roots):
        allowed = " or ".join(dict.fromkeys(str(r) for r in roots))
        raise AssumptionError("invalid input data", [Problem(
            f"{text!r} is outside the project: a file named in an input file must be a path "
            f"inside {allowed} (the file was not read)", *where, key)])
    if not target.is_file():
        raise InputMissingError("input missing", [Problem(
            f"file {text!r} {'is not a file' if target.exists() else 'not found'} "
            f"(looked for {target})", *where, key)])
    return target


# --- origins: where each value of the merged data came from -----------------------------------

@dataclass
class _Origins:
    """path tuple -> (file, line, col) for every key of the merged document."""

    at: dict[tuple, tuple[str, int | None, int | None]] = field(default_factory=dict)
    keys: dict[tuple, tuple[str, int | None, int | None]] = field(default_factory=dict)

    def add(self, doc: Located, prefix: tuple = ()) -> None:
        for path in set(doc.locations) | set(doc.value_locations):
            line, col = doc.where(path) or (None, None)
            self.at[prefix + tuple(path)] = (doc.file, line, col)
        for path, (line, col) in doc.locations.items():
            self.keys[prefix + tuple(path)] = (doc.file, line, col)

    def find_key(self, path: tuple) -> tuple[str | None, int | None, int | None]:
        """Where the key of ``path`` is written (for an unknown key), else :meth:`find`."""
        return self.keys.get(tuple(path)) or self.find(path)

    def find(self, path: tuple) -> tuple[str | None, int | None, int | None]:
        for cut in range(len(path), -1, -1):
            if tuple(path[:cut]) in self.at:
                return self.at[tuple(path[:cut])]
        return (None, None, None)


def _is_quantity(v: Any) -> bool:
    return isinstance(v, dict) and "value" in v


def _merge(base: Any, over: Any) -> Any:
    """Deep merge of mappings; a full quantity (with ``value``) or any non-mapping replaces."""
    if isinstance(base, dict) and isinstance(over, dict) and not _is_quantity(over):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base.get(k), v) if k in base else v
        return out
    return over


def _read_chain(path: Path, origins: _Origins, files: list[Path], seen: tuple = (),
                roots: tuple[Path, ...] = ()) -> dict:
    """Read a scenario file and the chain of files it ``extends``, base first."""
    resolved = path.resolve()
    if resolved in seen:
        chain = " -> ".join(str(p) for p in seen + (resolved,))
        raise AssumptionError("invalid input data", [Problem(f"'extends' forms a cycle: {chain}",
                                                             str(path))])
    if len(seen) >= MAX_EXTENDS_DEPTH:
        raise AssumptionError("invalid input data", [Problem("'extends' chain is too deep", str(path))])
    doc = read_yaml(path)
    files.append(path)
    data = dict(doc.data)
    parent = data.pop("extends", None)
    if parent is None:
        origins.add(doc)
        return data
    line, col = doc.where(("extends",)) or (None, None)
    target = resolve_reference(path, parent, roots, "extends", (doc.file, line, col))
    chain = seen + (resolved,)
    if target.resolve() in chain:
        names = " -> ".join(str(p) for p in chain + (target.resolve(),))
        raise AssumptionError("invalid input data", [Problem(
            f"'extends' forms a cycle: {names}", doc.file, line, col, "extends")])
    base = _read_chain(target, origins, files, chain, roots)
    origins.add(doc)
    return _merge(base, data)


# --- overrides ----------------------------------------------------------------------------------

def parse_override(text: str) -> tuple[tuple[str, ...], Any]:
    """``a.b.2030=0.3`` -> (("a", "b", "2030"), 0.3). Values use YAML scalar rules."""
    from .yamlio import parse_yaml
    if "=" not in text:
        raise UsageError("invalid option --set", [Problem(
            f"expected PATH=VALUE, e.g. valuation.discount_rate=0.10 (got {text!r})", "--set")])
    key, _, raw = text.partition("=")
    parts = tuple(p for p in key.strip().split("."))
    if not key.strip() or any(not p for p in parts):
        raise UsageError("invalid option --set", [Problem(
            f"bad path {key!r}: expected dotted names, e.g. valuation.discount_rate", "--set")])
    try:
        value = parse_yaml(f"v: {raw.strip() or 'null'}\n", "--set").data["v"]
    except AssumptionError:
        value = raw.strip()
    return parts, value


def override_key(text: str) -> tuple[str, str]:
    """(path, value) of a ``--set PATH=VALUE`` as the model reads it, for naming its outputs:
    the path stripped; a deal's column as the text the deal table gets (:func:`_as_text`:
    ``1`` and ``1.0`` differ); any other number as its float (``0.1``, ``0.10``, ``.10`` and
    ``1e-1`` are one value, ``2030`` is ``2030.0``); anything else as typed. A text that does
    not parse stays as it is."""
    path, _, typed = text.partition("=")
    try:
        parts, value = parse_override(text)
    except UsageError:
        return path, typed
    if parts[0] == "deals":
        return ".".join(parts), _as_text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ".".join(parts), repr(float(value))
    return ".".join(parts), typed.strip()


def _apply_override(data: dict, deals: list[dict], parts: tuple, value: Any, years: list[int],
                    text: str) -> Problem | None:
    """Set one override in the raw data; returns a Problem when the path does not exist."""
    if parts[0] == "deals":
        if len(parts) != 3:
            return Problem(f"expected deals.ID.COLUMN (got {'.'.join(parts)})", "--set", path=text)
        row = next((r for r in deals if r.get("id", "").strip() == parts[1]), None)
        if row is None:
            ids = [r.get("id", "") for r in deals]
            return Problem(f"no deal {parts[1]!r}{_did_you_mean(parts[1], ids)}", "--set", path=text)
        if parts[2] not in DEAL_COLUMNS or parts[2] == "id":
            columns = DEAL_COLUMNS[1:]
            return Problem(f"no deal column {parts[2]!r}{_did_you_mean(parts[2], columns)} "
                           f"(columns: {', '.join(columns)})", "--set", path=text)
        row[parts[2]] = _as_text(value)
        return None
    node = data
    for i, part in enumerate(parts[:-1]):
        key = _key(node, part)
        if not isinstance(node, dict) or key not in node:
            return _unknown(node, part, parts[:i + 1], text, data)
        if parts[i + 1].isdigit() and i + 2 == len(parts) and _is_number_or_series(node[key]):
            q = node[key] if _is_quantity(node[key]) else {"value": node[key]}
            node[key] = q
            return _set_year(q, int(parts[i + 1]), value, years, text)
        node = node[key]
    last = _key(node, parts[-1])
    if not isinstance(node, dict) or last not in node:
        return _unknown(node, parts[-1], parts, text, data)
    if _is_quantity(node[last]):
        node[last] = {**node[last], "value": value, "basis": "judgement",
                      "note": f"overridden on the command line: --set {text}"}
        node[last].pop("source", None)
    elif isinstance(node[last], bool) and not isinstance(value, bool) and value in (0, 1):
        node[last] = bool(value)  # a switch, shown as 1 / 0 on the Inputs sheet
    else:
        node[last] = value
    return None


def _number_at(data: Any, parts: tuple) -> bool:
    """True when ``parts`` names a single number (or a quantity holding one) in ``data``."""
    node = data
    for part in parts:
        if not isinstance(node, dict):
            return False
        node = node.get(_key(node, part))
    value = node.get("value") if _is_quantity(node) else node
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_number_or_series(v: Any) -> bool:
    if _is_quantity(v):
        return True
    if isinstance(v, dict):
        return bool(v) and all(isinstance(k, int) for k in v)
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _as_text(value: Any) -> str:
    """An override value as CSV text (the deal table is parsed from text)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _key(node: Any, part: str) -> Any:
    if isinstance(node, dict) and part.isdigit() and int(part) in node:
        return int(part)
    return part


def _set_year(q: dict, year: int, value: Any, years: list[int], text: str) -> Problem | None:
    if year not in years:
        return Problem(f"year {year} is outside the timeline {years[0]}-{years[-1]}", "--set",
                       path=text)
    current = q["value"]
    if isinstance(current, dict):
        try:
            full = dict(zip(years, expand_series(current, years)))
        except (TypeError, ValueError):
            full = dict(current)
    else:
        full = {y: current for y in years}
    full[year] = value
    q["value"] = full
    q["note"] = f"year {year} overridden on the command line: --set {text}"
    return None


def _unknown(node: Any, part: str, parts: tuple, text: str, data: dict) -> Problem:
    """No such setting: suggest the path with the nearest sibling key (``valuation.discount_rat``
    -> ``valuation.discount_rate``), else a full path that ends with what was typed
    (``discount_rate`` -> ``valuation.discount_rate``)."""
    keys = [str(k) for k in node] if isinstance(node, dict) else []
    typed = text.partition("=")[0].strip().split(".")
    sibling = closest(part, keys) if len(parts) > 1 else None
    if sibling is not None:
        best = ".".join([*parts[:-1], sibling, *typed[len(parts):]])
    else:
        whole = ".".join(typed)
        best = closest(whole, [p for p in _setting_paths(data) if p.endswith("." + whole)])
        if best is None and (near := closest(part, keys)) is not None:
            best = ".".join([near, *typed[1:]])
    hint = (f"; did you mean {best!r}?" if best else "") + unexpected_characters(part)
    return Problem(f"no setting '{visible('.'.join(parts))}'{hint}", "--set", path=visible(text))


def _setting_paths(node: Any, prefix: str = "") -> Iterable[str]:
    """Every dotted path of a settings tree (a quantity is a leaf; years are not listed)."""
    if not isinstance(node, dict) or _is_quantity(node):
        return
    for k, v in node.items():
        if isinstance(k, int):
            continue
        path = f"{prefix}{k}"
        yield path
        yield from _setting_paths(v, path + ".")


_did_you_mean = did_you_mean  # the one suggestion rule (errors.closest)


# --- pydantic errors -> located problems --------------------------------------------------------

def _data_path(data: Any, loc: tuple) -> tuple:
    """Keep the parts of a pydantic ``loc`` that are keys of the data (drop union tags)."""
    path, node = [], data
    for part in loc:
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part.isdigit() and int(part) in node:
            path.append(int(part))
            node = node[int(part)]
        elif isinstance(node, (list, tuple)) and isinstance(part, int) and part < len(node):
            path.append(part)
            node = node[part]
        elif not isinstance(node, dict) or part in ("value", "[key]") or part in (node.get("path"),
                                                                         node.get("mode")):
            continue  # not a key of the data: a union member's tag (e.g. the path type)
        else:
            path.append(part)  # a missing or unknown key: keep it for the message
            node = None
    return tuple(path)


def _model_at(model: type, data: Any, path: tuple) -> type | None:
    """The pydantic model class whose fields sit at ``path`` (for "did you mean")."""
    node = data
    for part in path:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        info = model.model_fields.get(part)
        node = node.get(part) if isinstance(node, dict) else None
        if info is None:
            return None
        model = _resolve(info.annotation, node)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _resolve(annotation: Any, node: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _resolve(typing.get_args(annotation)[0], node)
    if origin is typing.Union:
        for arg in typing.get_args(annotation):
            arg = _resolve(arg, node)
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                for name, f in arg.model_fields.items():
                    lits = typing.get_args(f.annotation) if typing.get_origin(f.annotation) is typing.Literal else ()
                    if lits and isinstance(node, dict) and node.get(name) in lits:
                        return arg
        return None
    if origin is dict:
        return annotation  # handled by the caller's next step
    return annotation


def _problems_from(err: ValidationError, data: Any, origins: _Origins, model: type,
                   prefix: tuple = ()) -> list[Problem]:
    out, seen = [], set()
    for e in err.errors():
        loc = _data_path(data, e["loc"])
        msg = e["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if e["type"] == "extra_forbidden":
            parent = _model_at(model, data, loc[:-1]) if not prefix else model
            known = list(parent.model_fields) if parent else []
            msg = f"unknown key {loc[-1]!r}{_did_you_mean(loc[-1], known)}"
        elif e["type"] == "missing":
            msg = "missing required field"
            if e["loc"] and isinstance(e["loc"][-1], str) and (not loc or loc[-1] != e["loc"][-1]):
                loc += (e["loc"][-1],)  # name the field (e.g. a quantity's 'value')
        elif e["type"] == "union_tag_invalid":
            ctx = e.get("ctx") or {}
            tags = [s.strip(" '") for s in str(ctx.get("expected_tags", "")).split(",")]
            loc += (ctx.get("discriminator", "").strip("'"),)
            msg = (f"unknown {loc[-1]} {ctx.get('tag')!r}{_did_you_mean(ctx.get('tag'), tags)} "
                   f"(expected one of: {', '.join(tags)})")
        elif e["type"] == "union_tag_not_found":
            loc += (str((e.get("ctx") or {}).get("discriminator", "")).strip("'"),)
            msg = "missing required field"
        elif "got" not in msg and not isinstance(e.get("input"), dict):
            msg += f" (got {_short(e.get('input'))})"
        path = prefix + loc
        key = (path, msg)
        if key in seen or any(p == path for p, _ in seen) and "Input should be" in msg:
            continue
        seen.add(key)
        at_key = e["type"] == "extra_forbidden" or "[key]" in e["loc"]
        file, line, col = (origins.find_key if at_key else origins.find)(path)
        out.append(Problem(msg, file, line, col, _dotted(path) or None))
    return out


def _dotted(path: tuple) -> str:
    """``a.b.2030`` for messages; invisible characters in a key are shown as ``\\uXXXX``."""
    return ".".join(visible(p) for p in path)


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


# --- deals ---------------------------------------------------------------------------------------

def _read_deals(path: Path) -> tuple[list[dict], Any]:
    table = read_csv(path, [c for c in DEAL_COLUMNS if c not in _DEAL_OPTIONAL], _DEAL_OPTIONAL)
    return [dict(r) for r in table.rows], table


def _deal_values(row: dict, i: int, where: Any, problems: list[Problem]) -> dict:
    """Convert one CSV row's text to typed values, collecting problems."""
    out: dict[str, Any] = {k: (v or "").strip() for k, v in row.items() if k in DEAL_COLUMNS}
    name = f"deals[{_dotted((out.get('id') or i + 1,))}]"
    for col in _DEAL_FLOATS + _DEAL_INTS:
        if col in _DEAL_BLANK_IS_NONE and not out.get(col):
            out[col] = None
            continue
        value, why = parse_number(out.get(col, ""))
        if why:
            got = "" if "got" in why else f" (got {out.get(col, '')!r})"
            problems.append(Problem(f"{why}{got}", *where(i, col), f"{name}.{col}"))
        elif col in _DEAL_INTS and value != int(value):
            problems.append(Problem(f"expected a whole number (got {out[col]!r})", *where(i, col),
                                    f"{name}.{col}"))
        else:
            out[col] = int(value) if col in _DEAL_INTS else value
    inc = out.get("include", "").lower()
    if inc in ("true", "false"):
        out["include"] = inc == "true"
    if not out.get("financing"):
        out.pop("financing", None)  # blank: owned deals are owned
    if not out.get("accelerator_vendor"):
        out.pop("accelerator_vendor", None)  # blank: from the partner (schema.deal_vendor)
    parsed = []
    for part in out.get("shares", "").split():
        value, why = parse_number(part)
        if why:
            got = "" if "got" in why else f" (got {part!r})"
            problems.append(Problem(f"ramp shares: {why}{got}", *where(i, "shares"), f"{name}.shares"))
        else:
            parsed.append(value)
    out["shares"] = tuple(parsed)
    return out


def _deal_cell(table: Any, set_at: Mapping[tuple[int, str], str], i: int,
               col: str) -> tuple[str, int | None, int | None]:
    """Where row ``i``'s ``col`` of the deal table comes from: the ``--set`` that set it, else its
    cell (a column the table lacks: the row's first cell)."""
    if (i, col) in set_at:
        at = set_at[(i, col)]
        return at if isinstance(at, tuple) else (f"--set {at}", None, None)
    return (table.file, *table.where(i, col if col in table.col_index else DEAL_COLUMNS[0]))


def _validate_deals(rows: list[dict], table: Any, set_at: Mapping[tuple[int, str], str] | None = None,
                    ) -> tuple[list[Deal], list[Problem]]:
    """Validate the deal rows; a value set by ``--set`` (``set_at[(row, column)]``) is located there."""
    set_at = set_at or {}

    def where(i: int, col: str) -> tuple[str, int | None, int | None]:
        return _deal_cell(table, set_at, i, col)

    problems: list[Problem] = []
    deals, seen = [], {}
    for i, row in enumerate(rows):
        before = len(problems)
        values = _deal_values(row, i, where, problems)
        norm = "".join(values.get("id", "").split()).lower()
        if norm in seen:
            problems.append(Problem(f"duplicate deal id {values['id']!r} (first at line {seen[norm]})",
                                    *where(i, "id"), "deals.id"))
            continue
        seen[norm] = table.lines[i]
        if len(problems) > before:
            continue
        try:
            deals.append(Deal.model_validate(values))
        except ValidationError as err:
            for e in err.errors():
                col = next((p for p in e["loc"] if p in DEAL_COLUMNS), "id")
                msg = e["msg"].removeprefix("Value error, ")
                if "got" not in msg:
                    msg += f" (got {_short(e.get('input'))})"
                problems.append(Problem(msg, *where(i, col), f"deals[{_dotted((values.get('id') or i + 1,))}].{col}"))
    return deals, problems


def _apply_deal_block(block: Any, rows: list[dict], years: list[int], origins: _Origins,
                      set_at: dict[tuple[int, str], Any]) -> list[Problem]:
    """A scenario file's ``deals:`` block: ``{ID: {COLUMN: VALUE}}`` changes the deal table's
    cells as ``--set deals.ID.COLUMN=VALUE`` does (``finmodel import`` writes one). A value
    given in full, ``{value: V, basis: ..., source: ..., note: ...}``, also sets the row's
    basis and source, and its note (the notes of several such columns are joined). A problem
    with a value is located at its line in the file."""
    if block is None:
        return []
    file, line, col = origins.find_key(("deals",))
    if not isinstance(block, dict):
        return [Problem(f"expected a mapping {{deal id: {{column: value}}}} (got {_short(block)})",
                        file, line, col, "deals")]
    problems, notes = [], {}
    for deal_id, columns in block.items():
        where = origins.find_key(("deals", deal_id))
        if not isinstance(columns, dict) or not columns:
            problems.append(Problem(f"expected a mapping {{column: value}} (got {_short(columns)})",
                                    *where, f"deals.{deal_id}"))
            continue
        for column, value in columns.items():
            at = origins.find(("deals", deal_id, column))
            text = f"deals.{deal_id}.{column}"
            prov = {}
            if _is_quantity(value):
                prov = {k: v for k, v in value.items() if k != "value"}
                unknown = set(prov) - {"basis", "source", "note", "as_of"}
                if unknown:
                    problems.append(Problem(f"unknown key {sorted(unknown)[0]!r} (a deal value takes "
                                            "value, basis, source, note, as_of)", *at, text))
                    continue
                value = value["value"]
            problem = _apply_override({}, rows, ("deals", str(deal_id), str(column)), value, years, text)
            if problem is not None:
                problems.append(Problem(problem.message, *at, text))
                continue
            i = next(i for i, r in enumerate(rows) if r.get("id", "").strip() == str(deal_id))
            set_at[(i, str(column))] = at
            for key in ("basis", "source", "as_of"):
                if key in prov:
                    rows[i][key] = _as_text(prov[key])
                    set_at[(i, key)] = at
            if "note" in prov:
                notes.setdefault(i, []).append(str(prov["note"]))
                rows[i]["note"] = "; ".join(notes[i])
    return problems


# --- the whole load ------------------------------------------------------------------------------

def load(path: str | Path, overrides: Iterable[str] = ()) -> Assumptions:
    """Read, merge, override and validate a scenario file and its deal table.

    Raises
    ------
    InputMissingError
        a file is missing or unreadable (exit 66).
    AssumptionError
        anything is invalid; every problem found is listed (exit 65).
    """
    path = Path(path)
    if not path.exists():
        raise InputMissingError(f"scenario file not found: {path}")
    origins, files = _Origins(), []
    roots = project_roots(path)
    data = _read_chain(path, origins, files, roots=roots)
    problems: list[Problem] = []

    commit_file = (data.get("commitments") or {}).get("file", "commitments.csv") \
        if isinstance(data.get("commitments"), dict) else "commitments.csv"
    csv_origin = origins.find(("commitments", "file"))[0] if "file" in (data.get("commitments") or {}) else None
    csv_dir = Path(csv_origin).parent if csv_origin else path.parent
    csv_path = resolve_reference(csv_dir / "_", commit_file, roots, "commitments.file",
                                 origins.find(("commitments", "file")))
    rows, table = [], None
    rows, table = _read_deals(csv_path)
    files.append(csv_path)

    overrides = tuple(overrides)
    years = _years(data)
    set_at: dict[tuple[int, str], Any] = {}
    problems += _apply_deal_block(data.pop("deals", None), rows, years, origins, set_at)
    for text in overrides:
        parts, value = parse_override(text)
        one_year_of_a_number = len(parts) > 1 and parts[-1].isdigit() and _number_at(data, parts[:-1])
        problem = _apply_override(data, rows, parts, value, years, text)
        if problem:
            problems.append(problem)
        elif parts[0] == "deals":
            row = next(i for i, r in enumerate(rows) if r.get("id", "").strip() == parts[1])
            set_at[(row, parts[2])] = text
        else:
            key = tuple(int(p) if p.isdigit() else p for p in parts)
            origins.at[key] = origins.at[key + ("value",)] = (f"--set {text}", None, None)
            if one_year_of_a_number:  # the --set made a single number a series: its problem
                origins.at[key[:-1]] = origins.at[key[:-1] + ("value",)] = (f"--set {text}", None, None)

    scenario = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        problems += _problems_from(err, data, origins, Scenario)
    if scenario is not None:
        problems += _cross_problems(scenario, origins)
    deals, deal_problems = _validate_deals(rows, table, set_at)
    problems += deal_problems
    if scenario is not None:
        problems += _deal_source_problems(scenario, rows, table, set_at)
        problems += _deal_timeline_problems(scenario, rows, deals, table, set_at)
        problems += _deal_vendor_problems(scenario, rows, deals, table, set_at)
    included = sum(d.include for d in deals)
    if included > MAX_INCLUDED_DEALS:
        problems.append(Problem(f"{included} included deals: at most {MAX_INCLUDED_DEALS} (each is its own "
                                "rows on the Deals sheet; group small deals by partner and kind, or "
                                "set include to false)", table.file, None, None, "deals"))
    if scenario is not None and not problems:
        problems += _deal_reference_problems(scenario, deals, origins)
    if scenario is not None and not problems:
        problems += _rule_problems(scenario, deals, origins, rows, table, set_at)
    if scenario is not None and not any(d.include for d in deals) and not deal_problems:
        col = table.col_index["include"] + 1 if "include" in table.col_index else None
        problems.append(Problem("no deal has include = true (the model needs at least one deal)",
                                table.file, table.header_line, col, "deals.include"))
    anchors: tuple[LocatedAnchor, ...] = ()
    if scenario is not None and scenario.calibration is not None:
        anchors, anchor_problems = _read_calibration(scenario, origins, files, path, roots)
        problems += anchor_problems
    if problems:
        raise AssumptionError(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in the "
                              "assumptions", problems)
    return Assumptions(scenario, tuple(deals), path, tuple(files), overrides, anchors)


def load_deals(path: str | Path) -> tuple[Deal, ...]:
    """Read and validate a deal table on its own (``finmodel validate deals.csv``).

    Rules that need the scenario (sources, the deals that rounds and warrants name) are
    checked when a scenario that uses the table is loaded.

    Raises
    ------
    InputMissingError, AssumptionError
    """
    path = Path(path)
    if not path.is_file():
        raise InputMissingError(f"deal table not found: {path}")
    rows, table = _read_deals(path)
    deals, problems = _validate_deals(rows, table)
    if problems:
        raise AssumptionError(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in the "
                              "deal table", problems)
    return tuple(deals)


def _read_calibration(scenario: Scenario, origins: _Origins, files: list[Path],
                      path: Path, roots: tuple[Path, ...]) -> tuple[tuple[LocatedAnchor, ...], list[Problem]]:
    """Read and validate the calibration file the scenario names; sources must be known."""
    where = origins.find(("calibration", "file"))
    src = where[0] if where[0] and not where[0].startswith("--set") else str(path)
    cal_path = resolve_reference(src, scenario.calibration.file, roots, "calibration.file", where)
    doc = read_yaml(cal_path)
    files.append(cal_path)
    cal_origins = _Origins()
    cal_origins.add(doc)
    try:
        cal = Calibration.model_validate(doc.data)
    except ValidationError as err:
        return (), _problems_from(err, doc.data, cal_origins, Calibration)
    out, problems = [], []
    for key, anchor in cal.anchors.items():
        f, line, col = cal_origins.find(("anchors", key))
        if anchor.source not in scenario.sources:
            sf, sl, sc = cal_origins.find(("anchors", key, "source"))
            problems.append(Problem(f"unknown source {anchor.source!r}"
                                    f"{_did_you_mean(anchor.source, scenario.sources)}; add it to "
                                    "the scenario's sources block", sf, sl, sc,
                                    f"anchors.{key}.source"))
        out.append(LocatedAnchor(key, anchor, f, line, col))
    return tuple(out), problems


def _years(data: dict) -> list[int]:
    t = data.get("timeline") if isinstance(data.get("timeline"), dict) else {}
    a, b = t.get("first_year"), t.get("last_year")
    if isinstance(a, int) and isinstance(b, int) and 0 < b - a < 100:
        return list(range(a, b + 1))
    return []


def _cross_problems(scenario: Scenario, origins: _Origins) -> list[Problem]:
    out = []
    for path, msg in check_series_years(scenario):
        f, line, col = origins.find(path)
        out.append(Problem(msg, f, line, col, ".".join(str(p) for p in path)))
    for path, msg in supply_chain_problems(scenario.supply_chain, scenario.timeline.years):
        by_set = [k for k, v in origins.at.items() if v[0].startswith("--set") and k[:len(path)] == path
                  and "share_fraction" in k]  # a line's share that a --set changed
        f, line, col = origins.find(by_set[0]) if by_set else origins.find(path)
        out.append(Problem(msg, f, line, col, ".".join(str(p) for p in path)))
    for path, key in _source_keys(scenario):
        if key not in scenario.sources:
            f, line, col = origins.find(path + ("source",))
            out.append(Problem(f"unknown source {key!r}{_did_you_mean(key, scenario.sources)}; "
                               "add it to the sources block", f, line, col,
                               ".".join(map(str, path)) + ".source"))
    return out


def _deal_source_problems(scenario: Scenario, rows: list[dict], table: Any,
                          set_at: Mapping[tuple[int, str], str]) -> list[Problem]:
    """A deal's ``source`` that looks like a source key (``oracle-wsj``) must be one of the
    scenario's sources block; other text is an older table's free-text title (still accepted)."""
    out = []
    for i, row in enumerate(rows):
        key = (row.get("source") or "").strip()
        if key in scenario.sources or not SLUG.fullmatch(key):
            continue
        out.append(Problem(f"unknown source {key!r}{_did_you_mean(key, scenario.sources)}; add it to "
                           "the scenario's sources block", *_deal_cell(table, set_at, i, "source"),
                           f"deals[{_dotted(((row.get('id') or '').strip() or i + 1,))}].source"))
    return out


def _deal_timeline_problems(scenario: Scenario, rows: list[dict], deals: list[Deal], table: Any,
                            set_at: Mapping[tuple[int, str], str]) -> list[Problem]:
    """An included deal that starts after the timeline's last year would silently add nothing."""
    last = scenario.timeline.last_year
    by_id = {d.id: d for d in deals}
    out = []
    for i, row in enumerate(rows):
        d = by_id.get((row.get("id") or "").strip())
        if d is None or not d.include or d.start_year <= last:
            continue
        out.append(Problem(f"deal {d.id!r} starts in {d.start_year}, after the timeline ends in {last}: "
                           "it would add nothing; extend timeline.last_year or set include to false",
                           *_deal_cell(table, set_at, i, "start_year"), f"deals[{d.id}].start_year"))
    return out


def _deal_vendor_problems(scenario: Scenario, rows: list[dict], deals: list[Deal], table: Any,
                          set_at: Mapping[tuple[int, str], str]) -> list[Problem]:
    """A deal's ``accelerator_vendor`` names a supplier of the scenario's supply chain."""
    known = scenario.supply_chain.suppliers
    by_id = {d.id: d for d in deals}
    out = []
    for i, row in enumerate(rows):
        d = by_id.get((row.get("id") or "").strip())
        if d is None or not d.accelerator_vendor or d.accelerator_vendor in known:
            continue
        out.append(Problem(f"unknown accelerator vendor {d.accelerator_vendor!r}"
                           f"{_did_you_mean(d.accelerator_vendor, known)}; name a supplier of "
                           f"supply_chain.suppliers ({', '.join(known)}) or leave it blank",
                           *_deal_cell(table, set_at, i, "accelerator_vendor"),
                           f"deals[{d.id}].accelerator_vendor"))
    return out


def _deal_reference_problems(scenario: Scenario, deals: list[Deal], origins: _Origins) -> list[Problem]:
    """A round's ``with_deal`` and a warrant's ``deal`` name an included deal of the table."""
    included = [d.id for d in deals if d.include]
    refs = [(("financing", "rounds", k, "with_deal"), r.with_deal, f"round {k!r} comes with deal")
            for k, r in scenario.financing.rounds.items() if r.with_deal is not None]
    refs += [(("financing", "warrants", k, "deal"), w.deal, f"warrant {k!r} vests with deal")
             for k, w in scenario.financing.warrants.items()]
    out = []
    for at, deal, what in refs:
        if deal not in included:
            why = "is not included (include = false)" if any(d.id == deal for d in deals) else "is not in the deal table"
            f, line, col = origins.find(at)
            out.append(Problem(f"{what} {deal!r}, which {why}; "
                               f"included deals: {', '.join(included)}", f, line, col, ".".join(at)))
    return out


def _rule_problems(scenario: Scenario, deals: list[Deal], origins: _Origins, rows: list[dict], table: Any,
                   set_at: Mapping[tuple[int, str], str]) -> list[Problem]:
    """Rules between inputs (``rules.RULES``), located at the input a ``--set`` changed, else at
    the rule's own input (a deal's: its cell of the deal table)."""
    values = {f.path: np.asarray(f.value, dtype=float).reshape(1, -1)
              for f in input_fields(scenario, deals)}
    row_of = {(r.get("id") or "").strip(): i for i, r in enumerate(rows)}

    def deal(key: tuple) -> tuple[int, str] | None:  # (row, column) of a deal's input in the table
        return (row_of[key[1]], key[2]) if key[0] == "deals" and len(key) == 3 and key[1] in row_of else None

    def set_by_user(key: tuple) -> bool:
        cell = deal(key)
        return cell in set_at if cell else origins.at.get(key, ("",))[0].startswith("--set")

    out = []
    for b in breaches(values, kinds={d.id: d.value_covers.value for d in deals}):
        keys = [tuple(int(p) if p.isdigit() else p for p in path.split(".")) for path in b.paths]
        by_set = [k for k in keys if set_by_user(k)]
        at = by_set[0] if by_set else keys[b.paths.index(b.located_at)]
        f, line, col = _deal_cell(table, set_at, *deal(at)) if deal(at) else origins.find(at)
        out.append(Problem(b.message, f, line, col, ".".join(map(str, at))))
    return out


def _source_keys(model: BaseModel, path: tuple = ()) -> Iterable[tuple[tuple, str]]:
    from .schema import Quantity
    for name in type(model).model_fields:
        v = getattr(model, name)
        if isinstance(v, Quantity) and v.source:
            yield path + (name,), v.source
        elif isinstance(v, BaseModel):
            yield from _source_keys(v, path + (name,))
        elif isinstance(v, dict) and name != "sources":
            for k, item in v.items():
                if isinstance(item, BaseModel):
                    yield from _source_keys(item, path + (name, k))
