"""``finmodel import``: read the inputs an analyst edited in a scenario workbook back into an
overlay file (``extends:`` the scenario that wrote the workbook).

The workbook's About sheet names the scenario file, the hashes of its input files and the
run's ``--set`` overrides. That scenario is loaded and laid out again (the same pure layout
that wrote the workbook), so every Inputs cell maps back to its input path through
:func:`finmodel.workbook.layout.input_rows` — the placement the writer itself uses — and every
other cell is compared with what finmodel writes there: a calculated cell typed over, a
formula typed over an input, text in a number cell, a value out of its bounds or a moved row
is reported with its ``Sheet!Cell`` and nothing is written.

The file is read with openpyxl, which parses its XML through defusedxml (entity expansion
and external entities refused), after size caps on the zip container (a zip bomb is refused
before any XML is parsed).
"""
from __future__ import annotations

import io
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import defusedxml  # noqa: F401 - openpyxl parses the xlsx XML through it when it is installed

from .assumptions.fields import InputField
from .assumptions.load import Assumptions, file_sha256, load as load_file, parse_override
from .errors import AssumptionError, InputMissingError, OutputError, Problem
from .workbook.spec import a1

__all__ = ["Edit", "WorkbookImport", "import_workbook", "read_xlsx", "MAX_XLSX_BYTES",
           "MAX_UNPACKED_BYTES", "MAX_MEMBERS", "MAX_RATIO", "MARKER"]

MAX_XLSX_BYTES = 64 << 20        # the file itself (finmodel's scenario workbook: ~0.3 MB)
MAX_UNPACKED_BYTES = 256 << 20   # all its parts unpacked, as the zip declares them
MAX_MEMBERS = 5_000              # parts in the zip
MAX_RATIO = 200                  # unpacked / packed size of one large part (XML packs ~10-20x)
MARKER = "# written by finmodel import"  # the first line of every overlay it writes
TOLERANCE = 1e-12                # relative: a cell within this of the run's value is unedited
EDIT_SOURCE = "workbook-edit"    # the source key the overlay adds for the edited values


@dataclass(frozen=True)
class Edit:
    """One Inputs cell whose value differs from the run that wrote the workbook."""

    path: str            # the input's path (as --set takes it; a deal's: deals.ID.COLUMN)
    cell: str            # "Inputs!I42"
    year: int | None     # the year of a per-year input's cell
    label: str
    unit: str
    before: float        # the value the run wrote
    after: float         # the value in the workbook

    @property
    def column(self) -> str:
        """The year of a per-year cell as people read it: ``2027``, or for a deal's ramp shares
        (by year of its term, from the first year column) ``term year 3``."""
        if self.year is None:
            return ""
        return f"term year {self.term_year}" if self.term_year else str(self.year)

    term_year: int | None = None  # a deal's ramp share: which year of its term


@dataclass(frozen=True)
class WorkbookImport:
    """An edited workbook read back: its edits and the overlay file that reproduces it."""

    workbook: Path
    scenario_path: Path            # the scenario file the workbook was made from
    overrides: tuple[str, ...]     # the --set overrides of the run that wrote it
    edits: tuple[Edit, ...]
    output: Path                   # where the overlay goes
    name: str                      # the overlay's scenario name
    overlay: str | None            # its text; None when there is nothing to write
    assumptions: Assumptions | None = field(default=None, repr=False)  # the overlay, loaded

    @property
    def table(self):
        """The edits as a tidy table (path, cell, year, label, unit, before, after)."""
        import pandas as pd
        cols = ["path", "cell", "year", "label", "unit", "before", "after"]
        return pd.DataFrame([[getattr(e, c) for c in cols] for e in self.edits], columns=cols)

    def write(self, path: str | Path | None = None) -> Path | None:
        """Atomically write the overlay (to ``path`` or :attr:`output`); None when there is
        nothing to write. The overlay names its base by a path relative to :attr:`output`, so
        another folder is refused."""
        from .outputs import write_text
        if self.overlay is None:
            return None
        target = Path(path) if path is not None else self.output
        if target.resolve().parent != self.output.resolve().parent:
            raise OutputError(f"cannot write {target}: this overlay was made for the folder of "
                              f"{self.output} (its 'extends' is relative to it)")
        _check_overwrite(target)
        return write_text(target, self.overlay)

    def text(self) -> str:
        """The terminal summary."""
        lines = [f"{self.workbook}: made from {self.scenario_path}"
                 + (f" with --set {' '.join(self.overrides)}" if self.overrides else "")]
        if not self.edits:
            lines.append("no input was edited in the workbook")
        else:
            lines.append(f"{len(self.edits)} input cell{'s' if len(self.edits) > 1 else ''} edited:")
            width = max(len(e.cell) for e in self.edits)
            for e in self.edits:
                year = f" {e.column}" if e.year is not None else ""
                lines.append(f"  {e.cell:<{width}}  {e.path}{year}: {_num(e.before)} -> {_num(e.after)} "
                             f"{e.unit}".rstrip())
        if self.overlay is None:
            lines.append("nothing to write: the workbook shows its scenario unchanged")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"WorkbookImport(workbook='{self.workbook}', scenario='{self.scenario_path}', "
                f"edits={len(self.edits)}, output='{self.output}')")


def _num(x: float) -> str:
    return f"{x:.10g}"


# --- reading the xlsx safely -------------------------------------------------------------------

def read_xlsx(path: str | Path):
    """Open an xlsx with openpyxl (formulas as text) after checking the zip container's sizes.

    Raises
    ------
    InputMissingError
        no such file (66).
    AssumptionError
        not an xlsx, or beyond the size caps (65).
    """
    import openpyxl
    from openpyxl.xml import DEFUSEDXML
    p = Path(path)
    if not p.is_file():
        raise InputMissingError(f"workbook not found: {p}")
    size = p.stat().st_size
    if size > MAX_XLSX_BYTES:
        raise _bad(p, f"the file is {size / 2**20:.0f} MiB; a finmodel workbook is well under "
                      f"{MAX_XLSX_BYTES >> 20} MiB")
    try:
        with zipfile.ZipFile(p) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise _bad(p, f"not an xlsx workbook (not a zip container: {exc})") from exc
    if len(infos) > MAX_MEMBERS:
        raise _bad(p, f"{len(infos)} parts in the zip container (at most {MAX_MEMBERS})")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNPACKED_BYTES:
        raise _bad(p, f"its parts unpack to {total / 2**20:.0f} MiB (at most "
                      f"{MAX_UNPACKED_BYTES >> 20} MiB): refused as a possible zip bomb")
    for i in infos:
        if i.file_size > (1 << 20) and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise _bad(p, f"part {i.filename} unpacks {i.file_size // max(i.compress_size, 1)}x "
                          f"(at most {MAX_RATIO}x): refused as a possible zip bomb")
    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        raise _bad(p, "defusedxml is not installed: refusing to parse a workbook's XML without it")
    try:
        return openpyxl.load_workbook(io.BytesIO(p.read_bytes()), data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        raise _bad(p, f"cannot read it as an xlsx workbook ({type(exc).__name__}: {exc})") from exc


MAX_LISTED = 40  # problems listed one by one (a sheet typed over gives thousands)


def _refused(path: Path, problems: list[Problem]) -> AssumptionError:
    n = len(problems)
    listed = problems[:MAX_LISTED]
    if n > MAX_LISTED:
        listed.append(Problem(f"... and {n - MAX_LISTED} more cells", str(path)))
    return AssumptionError(f"cannot import {path}: {n} cell{'s' if n > 1 else ''} the model cannot take",
                           listed)


def _bad(path: Path, message: str) -> AssumptionError:
    return AssumptionError(f"cannot import {path}", [Problem(message, str(path))])


# --- the run record on the About sheet ---------------------------------------------------------

def _about(wb, path: Path) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str, str]]]:
    """The About sheet's rows: {label: (value, cell)} and the input files [(path, sha256, cell)]."""
    if "About" not in wb.sheetnames:
        raise _bad(path, "not a finmodel workbook: it has no About sheet (the run record)")
    ws = wb["About"]
    rows, files = {}, []
    for r in range(1, min(ws.max_row, 500) + 1):
        label, value = ws.cell(r, 1).value, ws.cell(r, 2).value
        if not isinstance(label, str):
            continue
        cell = f"About!B{r}"
        if label.startswith("Input file: "):
            digest = str(value or "").removeprefix("sha256 ").strip()
            files.append((label.removeprefix("Input file: "), digest, cell))
        else:
            rows.setdefault(label, ("" if value is None else str(value), cell))
    if "finmodel version" not in rows or not files:
        raise _bad(path, "not a finmodel workbook: its About sheet has no finmodel run record")
    if "Inputs" not in wb.sheetnames:
        cmd = rows.get("Command", ("", ""))[0]
        raise _bad(path, "not a scenario workbook: it has no Inputs sheet (the workbook of an "
                         f"analysis{', ' + repr(cmd) if cmd else ''}?); import reads the workbook of "
                         "finmodel run")
    return rows, files


def _locate(recorded: str, path: Path) -> Path:
    """A recorded input path: as written (from the current folder), else from the folder the
    run was made in (the ``cwd`` of the run record beside the workbook)."""
    p = Path(recorded)
    if p.is_absolute() or p.is_file():
        return p
    record = path.with_suffix(".run.json")
    if record.is_file():
        import json
        try:
            cwd = json.loads(record.read_text(encoding="utf-8")).get("cwd")
        except (OSError, ValueError, AttributeError):
            cwd = None
        if isinstance(cwd, str) and (Path(cwd) / p).is_file():
            return Path(cwd) / p
    return p


# --- comparing the workbook with what finmodel writes ------------------------------------------

def _formula_text(v: Any) -> str | None:
    """A cell's formula as openpyxl gives it (plain or array), else None."""
    text = getattr(v, "text", None)  # openpyxl ArrayFormula
    if isinstance(text, str):
        v = text
    return v if isinstance(v, str) and v.startswith("=") and len(v) > 1 else None


def _norm(formula: str) -> str:
    """Formula text compared as spreadsheet programs may rewrite it on saving (spacing,
    absolute markers, quotes around sheet names, case, function prefixes)."""
    text = formula.lstrip("=")
    for prefix in ("_xlfn.", "_xlws.", "_XLFN.", "_XLWS."):
        text = text.replace(prefix, "")
    return "".join(text.split()).replace("$", "").replace("'", "").upper()


def _close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _structure_problems(wb, spec, input_cells: set[tuple[int, int]],
                        where: str) -> tuple[list[Problem], bool]:
    """Every cell finmodel writes as a formula, a calculated number or an Inputs label, that the
    workbook no longer holds (typed over, cleared, rows moved); the Inputs values are read
    separately. About (the record) and text elsewhere are not compared. Also whether a sheet
    is missing or the Inputs rows moved (then no input cell can be trusted)."""
    out, moved = [], False
    for sheet in spec.sheets:
        if sheet.name == "About":
            continue
        if sheet.name not in wb.sheetnames:
            out.append(Problem(f"the sheet {sheet.name!r} is missing (renamed or deleted): the "
                               "workbook's structure was changed", where))
            moved = True
            continue
        ws = wb[sheet.name]
        for (r, c), cell in sorted(sheet.cells.items()):
            if sheet.name == "Inputs" and (r, c) in input_cells:
                continue
            got = ws.cell(r + 1, c + 1).value
            at = f"{sheet.name}!{a1(r, c)}"
            if cell.formula:
                have = _formula_text(got)
                if have is None:
                    out.append(Problem(f"a calculated cell was edited (it holds {_short(got)} where "
                                       f"finmodel writes the formula {cell.formula}): the model "
                                       "cannot take it; edit the inputs on the Inputs sheet",
                                       where, path=at))
                elif _norm(have) != _norm(cell.formula):
                    out.append(Problem(f"a formula was changed ({have}; finmodel writes "
                                       f"{cell.formula}): the model cannot take it; edit the inputs "
                                       "on the Inputs sheet", where, path=at))
            elif _is_number(cell.value):
                if not (_is_number(got) and _close(float(got), float(cell.value))) or _formula_text(got):
                    out.append(Problem(f"a value that finmodel writes was changed (it holds "
                                       f"{_short(got)}; the model has {cell.value:.10g}): the model "
                                       "cannot take it" + ("; a constant of the method, not an "
                                                           "assumption" if sheet.name == "Inputs" else
                                                           ""), where, path=at))
            elif sheet.name == "Inputs" and c == 0 and cell.comment and got != cell.value:
                moved = True
                out.append(Problem(f"expected the input {cell.value!r} ({cell.comment}) on this row, "
                                   f"found {_short(got)}: rows of the Inputs sheet were moved, "
                                   "inserted or deleted", where, path=at))
    return out, moved


def _short(v: Any) -> str:
    if v is None:
        return "nothing"
    text = _formula_text(v) or repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _read_inputs(wb, fields: Iterable[InputField], rows: dict[str, int], years: list[int],
                 where: str) -> tuple[list[Edit], list[Problem]]:
    """Each Inputs cell's value against the run's: the edits, and the cells the model cannot take."""
    from .workbook.layout import input_cell
    ws = wb["Inputs"]
    edits, problems = [], []
    for f in fields:
        cells = ([(t, input_cell(rows[f.path], t)) for t in range(len(f.value))] if f.series
                 else [(None, input_cell(rows[f.path]))])
        for t, (r, c) in cells:
            before = float(f.value[t] if t is not None else f.value)
            got = ws.cell(r + 1, c + 1).value
            at = f"Inputs!{a1(r, c)}"
            column = "" if t is None else f", term year {t + 1}" if f.path.startswith("deals.") else f", {years[t]}"
            name = f"{f.label} ({f.path}{column})"
            if _formula_text(got):
                problems.append(Problem(f"{name}: a formula ({_formula_text(got)}) was typed over an "
                                        "input: type the number (an input is a value)", where, path=at))
                continue
            if got is None or (isinstance(got, str) and not got.strip()):
                problems.append(Problem(f"{name}: the cell is empty: an input needs a number", where,
                                        path=at))
                continue
            if not _is_number(got):
                problems.append(Problem(f"{name}: expected a number, found {type(got).__name__} "
                                        f"{_short(got)} (a number typed as text?)", where, path=at))
                continue
            after = float(got)
            if _close(after, before):
                continue
            if f.path == "timeline.first_year":
                problems.append(Problem(f"{name}: the timeline is fixed for a run (the workbook shows "
                                        "it; change timeline.first_year in the scenario file)", where,
                                        path=at))
                continue
            why = f.bounds.problem(after) if f.bounds is not None else None
            if why:
                problems.append(Problem(f"{name}: {why}", where, path=at))
                continue
            term = t + 1 if t is not None and f.path.startswith("deals.") else None  # ramp shares
            edits.append(Edit(f.path, at, years[t] if t is not None else None, f.label, f.unit,
                              before, after, term))
    return edits, problems


# --- the overlay -------------------------------------------------------------------------------

def _override_paths(overrides: Iterable[str]) -> dict[str, list[str]]:
    """{path (a per-year override: its input's path): [--set texts]}."""
    out: dict[str, list[str]] = {}
    for text in overrides:
        parts, _ = parse_override(text)
        key = ".".join(parts[:-1]) if len(parts) > 1 and parts[-1].isdigit() else ".".join(parts)
        out.setdefault(key, []).append(text)
    return out


def _compress(values: list[float], years: list[int]) -> dict[int, float]:
    """A per-year series as its steps: the first year and each year whose value changes."""
    out, last = {}, None
    for y, v in zip(years, values):
        if last is None or v != last:
            out[y] = v
        last = v
    return out


def _put(doc, parts: Iterable[str], value: Any) -> None:
    from ruamel.yaml.comments import CommentedMap
    parts = list(parts)
    node = doc
    for p in parts[:-1]:
        key = int(p) if p.isdigit() else p
        if not isinstance(node.get(key), dict):
            node[key] = CommentedMap()
        node = node[key]
    node[int(parts[-1]) if parts[-1].isdigit() else parts[-1]] = value


def _quantity(value: Any, basis: str, source: str | None, note: str):
    from ruamel.yaml.comments import CommentedMap
    q = CommentedMap(value=value, basis=basis)
    if source:
        q["source"] = source
    q["note"] = note
    q.fa.set_flow_style()
    return q


def _overlay(imp: dict, fields: list[InputField], years: list[int], edits: list[Edit]) -> str:
    """The overlay's YAML text: each edited input (and each input a --set of the run changed)
    in full with its provenance, the run's other --set overrides as they were given."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
    workbook, overrides = imp["workbook"].name, imp["overrides"]
    by_path: dict[str, list[Edit]] = {}
    for e in edits:
        by_path.setdefault(e.path, []).append(e)
    set_by = _override_paths(overrides)
    doc = CommentedMap()
    doc["extends"] = imp["extends"]
    doc["name"] = imp["name"]
    n = len(edits)
    doc["description"] = (f"{imp['scenario_name']} with {n} input cell{'s' if n != 1 else ''} edited in "
                          f"the workbook {workbook}" + (f" and the --set overrides of the run that "
                                                        f"wrote it ({'; '.join(overrides)})"
                                                        if overrides else "")
                          + f"; imported by finmodel on {imp['date']}.")
    if edits:
        src = CommentedMap(publisher="finmodel import", title=f"Inputs edited in the workbook {workbook}",
                           date=imp["date"], note=f"read from {imp['workbook']} (made from "
                                                  f"{imp['scenario_path']}); each value names its cell")
        doc["sources"] = CommentedMap({EDIT_SOURCE: src})
    covered = set()
    for f in fields:
        mine, sets = by_path.get(f.path, []), set_by.get(f.path, [])
        if not mine and not sets:
            continue
        covered.add(f.path)
        notes = []
        if mine:
            where = ", ".join(f"{e.column} at {e.cell}" if e.year is not None else e.cell for e in mine)
            notes.append(f"edited in {workbook}, {where}")
        if sets:
            notes.append(f"set on the run that wrote {workbook}: --set {'; --set '.join(sets)}")
        note = "; ".join(notes)
        source = EDIT_SOURCE if mine else None
        edited = {e.year: e.after for e in mine}
        if f.series:
            values = [edited.get(y, float(v)) for y, v in zip(years, f.value)]
        else:
            values = edited.get(None, float(f.value))
        parts = f.path.split(".")
        if parts[0] == "deals":
            if parts[2] == "shares":
                cut = max([i + 1 for i, v in enumerate(values) if v != 0] or [1])
                value: Any = " ".join(_num(v) for v in values[:cut])
            elif f.bounds is not None and f.bounds.integer:
                value = int(values)
            else:
                value = float(values)
            _put(doc, parts, _quantity(value, "judgement", source, note))
        elif f.unit == "flag":
            _put(doc, parts, bool(values))
            doc_node = _node(doc, parts[:-1])
            doc_node.yaml_add_eol_comment(note, parts[-1])
        elif f.series:
            _put(doc, parts, _quantity(_compress(values, years), "judgement", source, note))
        else:
            _put(doc, parts, _quantity(values, "judgement", source, note))
    for path, texts in set_by.items():  # structure: a switch of text, a deal's include, ...
        if path in covered:
            continue
        for text in texts:
            parts, value = parse_override(text)
            _put(doc, parts, value)
    out = io.StringIO()
    yaml = YAML()
    yaml.representer.add_representer(float, _exact_float)
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.dump(doc, out)
    head = (f"{MARKER} from {workbook} on {imp['date']}.\n"
            f"# The inputs edited in the workbook (each value's note names its cell) over the scenario\n"
            f"# that wrote it. Run it like any scenario: finmodel run {imp['output_name']}\n")
    return head + out.getvalue()


def _exact_float(representer, value: float):
    """A float as its shortest exact text (``repr``; ruamel's own format can lose the last
    digit), with a decimal point so that YAML reads it as a float: ``1.0e-05``."""
    text = repr(float(value))
    mantissa, e, exponent = text.partition("e")
    if e and "." not in mantissa:
        text = f"{mantissa}.0e{exponent}"
    return representer.represent_scalar("tag:yaml.org,2002:float", text)


def _node(doc, parts):
    node = doc
    for p in parts:
        node = node[int(p) if p.isdigit() else p]
    return node


def _check_overwrite(target: Path) -> None:
    """An existing file is replaced only if finmodel import wrote it."""
    if not target.exists():
        return
    try:
        with open(target, encoding="utf-8", errors="replace") as fh:
            first = fh.readline()
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    if not first.startswith(MARKER):
        raise OutputError(f"cannot write {target}: it exists and was not written by finmodel import "
                          "(give another file with -o)")


def _validate(text: str, target: Path, cells: dict[str, str], where: str) -> Assumptions:
    """Load the overlay from a temporary file beside ``target`` (its 'extends' is relative);
    its problems (a rule between inputs, ...) are located at the workbook's cells."""
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {target}: {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".yaml", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        return load_file(tmp)
    except AssumptionError as exc:
        problems = []
        for p in exc.problems:
            key = (p.path or "").replace("deals[", "deals.").replace("]", "")
            cell = cells.get(key)
            problems.append(Problem(p.message, where, path=f"{cell} ({p.path})" if cell else p.path))
        raise AssumptionError(f"cannot import {where}: the edited inputs break a rule of the model",
                              problems) from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def default_output(workbook: str | Path) -> Path:
    """``outputs/base.xlsx`` -> ``outputs/base-edited.yaml``."""
    p = Path(workbook)
    return p.with_name(f"{p.stem}-edited.yaml")


def import_workbook(workbook: str | Path, output: str | Path | None = None,
                    name: str | None = None) -> WorkbookImport:
    """Read an edited scenario workbook and make the overlay that reproduces it.

    Parameters
    ----------
    workbook : the ``.xlsx`` written by ``finmodel run`` (edited in Excel, LibreOffice, ...).
    output : where the overlay will be written (default ``<workbook>-edited.yaml`` beside the
        workbook); its ``extends`` names the scenario file relative to it.
    name : the overlay's scenario name (default the output file's stem).

    Returns
    -------
    WorkbookImport
        the edits and the overlay's text (validated by loading it); ``.write()`` writes it.

    Raises
    ------
    InputMissingError
        the workbook, or the scenario file it was made from, is missing (66).
    AssumptionError
        not a finmodel scenario workbook, its input files changed since, or a cell the model
        cannot take (each located as ``Sheet!Cell``) (65).
    """
    from .api import drivers_for
    from .model.result import run as run_engine
    from .workbook.layout import input_cell, input_rows, layout_workbook
    path = Path(workbook)
    where = str(path)
    wb = read_xlsx(path)
    about, files = _about(wb, path)
    scenario_path = _locate(files[0][0], path)
    if not scenario_path.is_file():
        raise InputMissingError(f"cannot import {path}", [Problem(
            f"the scenario file it was made from, {files[0][0]}, is not found (run the import from "
            "the folder the workbook was made in)", where, path=files[0][2])])
    changed = []
    for recorded, digest, cell in files:
        p = _locate(recorded, path)
        if not p.is_file():
            changed.append(Problem(f"the input file {recorded} is missing", where, path=cell))
        elif file_sha256(p) != digest:
            changed.append(Problem(f"the input file {recorded} changed since the workbook was made: "
                                   "the import compares the workbook with the scenario as it was; "
                                   "run the scenario again and edit the new workbook", where, path=cell))
    if changed:
        raise AssumptionError(f"cannot import {path}", changed)
    text = about.get("Overrides (--set)", ("none", ""))[0]
    overrides = () if text.strip() in ("", "none") else tuple(t.strip() for t in text.split("; "))
    try:
        a = load_file(scenario_path, overrides)
    except AssumptionError as exc:
        raise AssumptionError(f"cannot import {path}: the run it records no longer loads",
                              exc.problems) from None
    result = run_engine(drivers_for(a), a.anchors)
    spec = layout_workbook(result, a)
    fields = list(result.drivers.fields)
    years = [int(y) for y in result.years]
    rows = input_rows(fields)
    cells: dict[str, str] = {}
    input_at: set[tuple[int, int]] = set()
    for f in fields:
        if f.series:
            for t, y in enumerate(years):
                rc = input_cell(rows[f.path], t)
                input_at.add(rc)
                cells[f"{f.path}.{y}"] = f"Inputs!{a1(*rc)}"
            cells[f.path] = f"Inputs!{a1(*input_cell(rows[f.path], 0))}"
        else:
            rc = input_cell(rows[f.path])
            input_at.add(rc)
            cells[f.path] = f"Inputs!{a1(*rc)}"
    problems, moved = _structure_problems(wb, spec, input_at, where)
    if moved:
        raise _refused(path, problems)  # the input cells cannot be trusted to be what they were
    edits, bad_inputs = _read_inputs(wb, fields, rows, years, where)
    if problems or bad_inputs:  # every cell the model cannot take, at once
        raise _refused(path, bad_inputs + problems)
    out = Path(output) if output is not None else default_output(path)
    name = name or out.stem
    if not edits and not overrides:
        return WorkbookImport(path, scenario_path, overrides, (), out, name, None)
    extends = os.path.relpath(scenario_path.resolve(), out.resolve().parent)
    info = dict(workbook=path, overrides=overrides, extends=Path(extends).as_posix(), name=name,
                scenario_name=a.scenario.name, scenario_path=scenario_path,
                date=datetime.now(timezone.utc).strftime("%Y-%m-%d"), output_name=str(out))
    overlay = _overlay(info, fields, years, edits)
    loaded = _validate(overlay, out, cells, where)
    return WorkbookImport(path, scenario_path, overrides, tuple(edits), out, name, overlay, loaded)
