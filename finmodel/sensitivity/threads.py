"""Run independent pieces of numpy work on a pool of threads.

numpy releases the GIL inside its array operations, so pieces that are mostly array work
(a column of samples, a percentile partition) run in parallel on threads: no worker
processes to start, no inputs to copy or pickle, no shared memory, and the same behaviour on
every platform. The engine, which holds the GIL between its many smaller operations, runs
its chunks in worker processes where the platform forks (:mod:`.processes`), and here
otherwise. Ctrl-C (and the CLI's SIGTERM, raised as KeyboardInterrupt) reaches the
calling thread; pieces not yet started are cancelled and the running ones are waited for,
so nothing is left behind when the interrupt propagates.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TypeVar

__all__ = ["for_each"]

T = TypeVar("T")
R = TypeVar("R")


def for_each(fn: Callable[[T], R], items: Iterable[T], workers: int,
             done: Callable[[R], None] | None = None) -> None:
    """Call ``fn(item)`` for every item, on up to ``workers`` threads.

    Parameters
    ----------
    fn : callable
        Work on one item; pieces must not depend on each other or on their order.
    items : iterable
        The pieces.
    workers : int
        Most threads used; with 1, or a single item, the items run in order in the calling
        thread.
    done : callable, optional
        Called with each result in the calling thread as soon as its piece finishes (e.g.
        a progress bar, which need not be thread-safe).

    Raises
    ------
    Exception or KeyboardInterrupt
        The first error of a piece, or an interrupt, after the pieces already running have
        finished and the others were cancelled.
    """
    items = list(items)
    done = done or (lambda result: None)
    if workers <= 1 or len(items) <= 1:
        for item in items:
            done(fn(item))
        return
    pool = ThreadPoolExecutor(max_workers=min(workers, len(items)))
    try:
        for future in as_completed([pool.submit(fn, item) for item in items]):
            done(future.result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
