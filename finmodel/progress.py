"""How a long computation reports progress: ``progress(total, label)``, a context manager that
yields ``update(k)`` (k more of ``total`` steps done). The command line's reporter is
:func:`finmodel.cli.progress.progress_reporter`; a run in phases (an engine pass, then an
analysis) opens one context per phase, each with its own label and total, so each phase's time
left is its own."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, ContextManager, Iterator

__all__ = ["Progress", "no_progress"]

Progress = Callable[[int, str], ContextManager[Callable[[int], None]]]
"""``progress(total, label)`` -> a context manager yielding ``update(k)``; k steps done."""


@contextmanager
def no_progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A ``progress`` that reports nothing."""
    yield lambda k: None
