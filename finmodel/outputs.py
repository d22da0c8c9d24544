"""Writing files safely: temp file in the target folder, fsync, rename into place.

CSV cells holding text that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or CR) are prefixed with ``'``.
"""
from __future__ import annotations

import contextlib
import errno
import io
import os
import tempfile
from pathlib import Path
from typing import Callable, IO

import pandas as pd

from .errors import OutputError

__all__ = ["atomic_write", "write_csv", "write_text", "check_output_path", "safe_text"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(x):
    """Text for CSV: a leading formula character gets a ``'`` prefix; other values unchanged."""
    if isinstance(x, str) and (x.startswith(_FORMULA_START) or x.strip() == "#N/A"):
        return "'" + x
    return x


def check_output_path(path: Path, suffix: str, inputs: tuple[Path, ...] = ()) -> Path:
    """Reject an output path that cannot or must not be written, before any work is done."""
    path = Path(path)
    if path.suffix.lower() != suffix:
        raise OutputError(f"cannot create {path}: expected a {suffix} file name")
    if path.is_dir():
        raise OutputError(f"cannot create {path}: it is a folder")
    if not path.parent.is_dir():
        raise OutputError(f"cannot create {path}: folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK):
        raise OutputError(f"cannot create {path}: folder {path.parent} is not writable")
    for p in inputs:
        with contextlib.suppress(OSError):
            if path.exists() and os.path.samefile(path, p):
                raise OutputError(f"cannot create {path}: it is one of the input files")
    return path


def atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Write through ``write(fileobj)`` into a temp file beside ``path``, then rename.

    On any failure (including KeyboardInterrupt) the temp file is removed and an existing
    ``path`` is left untouched. A symlink at ``path`` is replaced by a regular file.
    """
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"cannot create {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            reason = "disk full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
            raise OutputError(f"cannot write {path}: {reason}") from exc
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """Write a DataFrame as UTF-8 CSV with formula-looking text made safe."""
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(safe_text)
    buf = io.StringIO()
    safe.to_csv(buf, index=False, lineterminator="\n")
    return write_text(path, buf.getvalue())
