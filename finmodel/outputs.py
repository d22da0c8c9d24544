"""Writing files safely: temp file in the target folder, fsync, rename into place; and the
planning of the set of files one command writes (:func:`plan_outputs`), checked before any work.

CSV cells holding text that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or CR) are prefixed with ``'``.
"""
from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import shutil
import tempfile
from pathlib import Path
from dataclasses import dataclass, field
from typing import Callable, IO, Iterable, Iterator, Mapping, Sequence

from .errors import OutputError, UsageError
from .lazy import lazy_module

__all__ = ["atomic_write", "write_csv", "write_parquet", "write_table", "TABLE_SUFFIXES",
           "parquet_problem", "write_text", "check_output_path", "safe_text",
           "OutputSet", "OutputWriter", "plan_outputs", "check_output_sets", "variant_name"]

pd = lazy_module("pandas")  # imported when a table is first written

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[-+]?\d[\d,]*(\.\d+)?%?")  # "-699.2", "-3.5%": no formula


def safe_text(x):
    """Text for CSV: a leading formula character gets a ``'`` prefix; other values unchanged.

    A plain signed number written as text (``-699.2``) is left as it is: it cannot be a formula.
    """
    if isinstance(x, str) and (x.startswith(_FORMULA_START) or x.strip() == "#N/A") \
            and not _PLAIN_NUMBER.fullmatch(x):
        return "'" + x
    return x


def variant_name(stem: str, overrides: Sequence[str] = ()) -> str:
    """The name of a scenario with ``--set`` overrides: ``<stem>-set-<hash>``, where hash is
    the first 6 hex digits of the SHA-256 of the overrides, each as the model reads it
    (:func:`~finmodel.assumptions.load.override_key`), one per line, sorted (so the same overrides in any order or spelling give the same
    name); just ``<stem>`` without overrides."""
    if not overrides:
        return stem
    import hashlib
    from .assumptions.load import override_key
    last = dict(override_key(o) for o in overrides)  # a path set twice: the model takes the last
    lines = sorted(f"{path}={value}" for path, value in last.items())
    digest = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:6]
    return f"{stem}-set-{digest}"


def check_output_path(path: Path, suffix: str, inputs: tuple[Path, ...] = ()) -> Path:
    """Reject an output path that cannot or must not be written, before any work is done."""
    path = Path(path)
    if path.suffix.lower() != suffix:
        raise OutputError(f"cannot create {path}: expected a {suffix} file name")
    if path.is_dir():
        raise OutputError(f"cannot create {path}: it is a folder")
    if path.parent.exists() and not path.parent.is_dir():
        raise OutputError(f"cannot create {path}: {path.parent} is a file, not a folder "
                          "(-o/--output names a folder)")
    if not path.parent.is_dir():
        raise OutputError(f"cannot create {path}: folder {path.parent} does not exist (-o/--output "
                          "names an existing folder; create it first or leave -o out for outputs/)")
    if not os.access(path.parent, os.W_OK):
        raise OutputError(f"cannot create {path}: folder {path.parent} is not writable")
    for p in inputs:
        with contextlib.suppress(OSError):
            if path.exists() and os.path.samefile(path, p):
                raise OutputError(f"cannot create {path}: it is one of the input files")
    return path


@dataclass(frozen=True)
class OutputSet:
    """The files one run or analysis writes, by role, each checked before any work is done.

    ``xlsx`` the workbook, ``record`` the run record (``.run.json``), ``csv`` table name ->
    CSV file (empty without ``--csv``); the first table is ``<stem>.csv``, the others
    ``<stem>-<table>.csv``. Each file is written atomically on its own (a later step can make
    the whole set atomic: every file or none).
    """

    xlsx: Path
    record: Path
    csv: Mapping[str, Path] = field(default_factory=dict)
    exports: Mapping[str, Path] = field(default_factory=dict)  # e.g. "draws" -> --save-draws FILE

    def paths(self) -> list[Path]:
        """Every file of the set, the record last."""
        return [self.xlsx, *self.csv.values(), *self.exports.values(), self.record]

    def roles(self) -> dict[str, str]:
        """role -> path as text, as stored in a run record (``csv`` marks that CSV was asked)."""
        out = {"xlsx": str(self.xlsx), "record": str(self.record)}
        for i, (name, path) in enumerate(self.csv.items()):
            out["csv" if i == 0 else f"{name}_csv"] = str(path)
        return out | {name: str(path) for name, path in self.exports.items()}

    def __iter__(self) -> Iterator[Path]:
        return iter(self.paths())


def plan_outputs(outdir: Path, stem: str, tables: Sequence[str] = (),
                 inputs: Iterable[Path] = (), exports: Mapping[str, Path] | None = None) -> OutputSet:
    """The outputs ``<outdir>/<stem>.xlsx``, ``.run.json``, one CSV per table and the data
    ``exports`` (name -> a ``.parquet`` or ``.csv`` file the user named), checked.

    Raises
    ------
    OutputError
        a file cannot or must not be written (missing or read-only folder, a folder in the
        way, one of the ``inputs``); raised before anything is computed or written.
    """
    outdir = Path(outdir)
    csv = {name: outdir / (f"{stem}.csv" if i == 0 else f"{stem}-{name}.csv")
           for i, name in enumerate(tables)}
    exports = {name: Path(p) for name, p in (exports or {}).items()}
    for name, p in exports.items():
        if p.suffix.lower() not in TABLE_SUFFIXES:
            raise OutputError(f"cannot create {p}: expected a file name ending in "
                              f"{' or '.join(TABLE_SUFFIXES)}")
        if p.suffix.lower() == ".parquet" and parquet_problem():
            raise OutputError(f"cannot create {p}: {parquet_problem()}")
    plan = OutputSet(outdir / f"{stem}.xlsx", outdir / f"{stem}.run.json", csv, exports)
    inputs = tuple(inputs)
    for p in plan:
        check_output_path(p, ".json" if p == plan.record else p.suffix.lower(), inputs)
    return plan


def check_output_sets(plans: Sequence[OutputSet | Sequence[Path]], sources: Sequence[object] | None = None) -> None:
    """Reject two outputs of one command landing on the same file (e.g. two scenarios named
    ``base`` from different folders), before any work; the message names both ``sources``
    (the scenario files) when given."""
    seen: dict[Path, int] = {}
    for i, plan in enumerate(plans):
        for p in plan:
            key = Path(os.path.abspath(p))
            if key in seen and seen[key] != i:
                j = seen[key]
                who = (f"{sources[j]} and {sources[i]}" if sources is not None
                       else f"outputs {j + 1} and {i + 1}")
                raise UsageError(f"{who} would both write {p} (the second would replace the "
                                 "first): run them separately, with different -o folders, or "
                                 "give one a different name")
            seen[key] = i


class OutputWriter:
    """The files of one command, written as a set: each is written to a temporary file beside
    its target (:meth:`path`), and only when every one succeeded are they renamed into place
    (:meth:`commit`). If writing fails, the temporary files are removed and no target is
    touched; if a rename fails midway, the targets already replaced get their earlier file
    back (or are removed when there was none). Used as a context manager, an exception
    (KeyboardInterrupt included) before :meth:`commit` discards everything.
    """

    def __init__(self) -> None:
        self._files: list[tuple[Path, Path]] = []  # (target, temporary)

    def path(self, target: Path) -> Path:
        """The temporary file to write ``target``'s content to (same folder and suffix)."""
        target = Path(target)
        _check_target(target)
        token = os.urandom(4).hex()
        temp = target.with_name(f".{target.stem}.{token}.part{target.suffix}")
        self._files.append((target, temp))
        return temp

    @property
    def targets(self) -> list[Path]:
        return [target for target, _ in self._files]

    def discard(self) -> None:
        for _, temp in self._files:
            with contextlib.suppress(OSError):
                temp.unlink()
        self._files = []

    def commit(self) -> list[Path]:
        """Rename every temporary file onto its target; all or none. Returns the targets."""
        done: list[tuple[Path, Path | None, str | None]] = []  # target, backup, old link text
        try:
            for target, temp in self._files:
                if not temp.is_file():
                    raise OutputError(f"cannot write {target}: its content was not written")
                backup, link = None, None
                if target.is_symlink():
                    link = os.readlink(target)
                elif target.exists():
                    backup = target.with_name(f".{target.name}.{os.urandom(4).hex()}.bak")
                    try:
                        os.link(target, backup)
                    except OSError:
                        shutil.copy2(target, backup)
                done.append((target, backup, link))
                _replace(temp, target)
        except BaseException as exc:
            for target, backup, link in reversed(done):
                with contextlib.suppress(OSError):
                    if backup is not None:
                        os.replace(backup, target)
                    elif link is not None:
                        target.unlink()
                        os.symlink(link, target)
                    else:
                        target.unlink()
            self.discard()
            if isinstance(exc, OSError):
                raise OutputError(_os_message(done[-1][0] if done else Path("."), exc)
                                  + "; the earlier outputs were kept") from exc
            raise
        for target, backup, _ in done:
            if backup is not None:
                with contextlib.suppress(OSError):
                    backup.unlink()
        for folder in {t.parent for t, _ in self._files}:
            _fsync_dir(folder)
        targets = self.targets
        self._files = []
        return targets

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(self, kind, value, tb) -> None:
        if kind is not None:
            if isinstance(value, OutputError):  # name the file the user asked for, not its temp
                for target, temp in self._files:
                    value.message = value.message.replace(str(temp), str(target))
                value.args = (value.message,)
            self.discard()


def _replace(temp: Path, target: Path) -> None:
    """Rename ``temp`` onto ``target`` (one place, so a test can make it fail)."""
    os.replace(temp, target)


def atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Write through ``write(fileobj)`` into a temp file beside ``path``, then rename.

    The temporary file ``.<name>.<random>.tmp`` is flushed, fsynced, given normal
    permissions (0o666 masked by the umask, like ``open()``) and renamed onto ``path``. On any
    failure (including KeyboardInterrupt) it is removed and an existing ``path`` is left
    untouched. A symlink at ``path`` is replaced by a regular file (its target is untouched).

    Raises
    ------
    OutputError
        the folder is missing, ``path`` is a directory, the disk is full, or another OS error.
    """
    target = Path(path)
    _check_target(target)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(_os_message(target, exc)) from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0o600
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise OutputError(_os_message(target, exc)) from exc
        raise
    _fsync_dir(target.parent)
    return target


def _check_target(target: Path) -> None:
    """Raise OutputError if ``target`` cannot be a file in an existing folder."""
    folder = target.parent
    if not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "does not exist"
        raise OutputError(f"cannot write {target}: {folder} {problem}")
    if target.is_dir() and not target.is_symlink():
        raise OutputError(f"cannot write {target}: it is a directory")


def _os_message(target: Path, exc: OSError) -> str:
    """One-line description of an OS error while writing ``target``."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"cannot write {target}: disk full (no space left on device)"
    if isinstance(exc, IsADirectoryError):
        return f"cannot write {target}: it is a directory"
    return f"cannot write {target}: {exc.strerror or exc}"


def _umask() -> int:
    """The process umask, read without changing it where the OS allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable where the filesystem allows (best effort)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """Write a DataFrame as UTF-8 CSV with formula-looking text made safe.

    Floating-point residue (``|x| < 1e-9``, e.g. ``-1.4e-14`` left by a difference of equal
    sums) is written as 0: every unit here (US$ bn, GW, fractions) makes 1e-9 immaterial.
    """
    safe = frame.copy()
    for col in safe.columns:
        if pd.api.types.is_float_dtype(safe[col]):
            safe[col] = safe[col].mask(safe[col].abs() < 1e-9, 0.0)
        elif safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(safe_text)
    buf = io.StringIO()
    safe.to_csv(buf, index=False, lineterminator="\n")
    return write_text(path, buf.getvalue())


TABLE_SUFFIXES = (".parquet", ".csv")  # the formats of a data export (--save-draws)


def parquet_problem() -> str | None:
    """Why Parquet cannot be written here (pyarrow missing), or None."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return ("writing Parquet needs pyarrow: pip install 'finmodel[parquet]' (or pyarrow); "
                "or give a .csv file")
    return None


def write_parquet(path: Path, frame: pd.DataFrame) -> Path:
    """Write a DataFrame as Parquet (pyarrow), atomically; text columns are stored as text."""
    why = parquet_problem()
    if why:
        raise OutputError(f"cannot create {path}: {why}")
    return atomic_write(path, lambda f: frame.to_parquet(f, engine="pyarrow", index=False))


def write_table(path: Path, frame: pd.DataFrame) -> Path:
    """A data export by its suffix: ``.parquet`` or ``.csv``."""
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        return write_parquet(path, frame)
    if suffix == ".csv":
        return write_csv(path, frame)
    raise OutputError(f"cannot create {path}: expected a file name ending in "
                      f"{' or '.join(TABLE_SUFFIXES)}")
