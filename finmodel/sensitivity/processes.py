"""Run independent pieces of engine work in forked worker processes (``concurrent.futures``).

Threads share a process's GIL, which the engine holds between its array operations; so on
two cores a second thread adds ~1.3x to a Monte Carlo's engine pass, a second process ~1.6x
(``benchmarks/montecarlo_parallel.py``). The workers are forked, so the function they run
and all it holds (the drivers) are inherited, not pickled; only each piece's item (a
chunk's inputs) goes out and its result comes back. Fork is what makes that cheap, so
:func:`available` is False where the platform has no fork (Windows) or forking a process
that has started threads is unsafe (macOS); callers then use threads
(:mod:`~finmodel.sensitivity.threads`). The processes live as long as their :class:`Workers`
context (one ``evaluate`` call, or every block of a Monte Carlo: forked once, their heaps
stay warm), so nothing outlives it.

Ctrl-C reaches the calling process only (workers ignore SIGINT, and take SIGTERM's default
action rather than the CLI's handler): pieces not yet started are cancelled, the running ones
finish, and the interrupt propagates. A worker that dies (killed, out of memory) ends the call
with :class:`WorkerDied`, never a hang; a calling process that dies takes its workers with it.
"""
from __future__ import annotations

import itertools
import os
import pickle
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import as_completed
from typing import TypeVar

from ..errors import WorkerDied

__all__ = ["Workers", "available", "alone", "WorkerDied"]

T = TypeVar("T")
R = TypeVar("R")

#: Each pool's function, by pool: set before the workers are forked, so each worker finds it
#: (and everything it holds, such as the drivers) here without pickling it.
_FUNCTIONS: dict[int, Callable] = {}
_NEXT = itertools.count()


def available() -> bool:
    """Whether pieces can run in forked processes here: Linux and other non-macOS POSIX, and
    not inside a daemonic process (a ``multiprocessing`` pool's worker may have no children)."""
    import multiprocessing  # here: the command-line paths that never fork do not import it
    return (sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)


def alone() -> bool:
    """Whether this process runs no other Python thread now. A thread holding a lock at the
    fork would leave it held in the worker, which could then wait for it forever; so where
    the caller has threads of its own (a notebook's kernel, an application) the engine's
    workers are threads by default. The only other threads of a command are BLAS's idle pool,
    which OpenBLAS shuts down before a fork and starts again after it (``pthread_atfork``)."""
    return threading.active_count() == 1


def _worker_start(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _end_with(parent)


def _end_with(parent: int) -> None:
    """End this worker when the process that forked it ends, however it ends: a SIGKILL or
    the out-of-memory killer gives the parent no chance to stop its workers, which would
    otherwise wait for work forever. Linux's ``PR_SET_PDEATHSIG``; elsewhere a thread that
    looks for a new parent every half second."""
    if sys.platform.startswith("linux"):
        import ctypes
        if ctypes.CDLL(None).prctl(1, int(signal.SIGKILL), 0, 0, 0) == 0:  # PR_SET_PDEATHSIG = 1
            if os.getppid() != parent:  # it ended before the call
                os._exit(1)
            return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="finmodel-parent-watch", daemon=True).start()


def _call(pool: int, item):
    try:
        return _FUNCTIONS[pool](item)
    except BaseException as err:  # one that would not come back whole is sent as text
        try:
            pickle.loads(pickle.dumps(err))
        except Exception:
            raise RuntimeError("".join(traceback.format_exception(err)).rstrip()) from None
        raise


class Workers:
    """``workers`` forked processes that run ``fn`` (inherited at the fork with all it holds,
    never pickled) on the items of as many :meth:`for_each` calls as the caller makes (a Monte
    Carlo's blocks): a context manager, whose exit ends the processes. ``tag`` is the caller's
    note of what ``fn`` holds (``evaluate`` checks it is its drivers). Create it in a thread
    that outlives it (the workers end with the thread that forked them)."""

    def __init__(self, fn: Callable[[T], R], workers: int, tag: object = None):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        self.workers, self.tag = workers, tag
        self._key = next(_NEXT)
        _FUNCTIONS[self._key] = fn
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                         initializer=_worker_start, initargs=(os.getpid(),))
        # Fork every worker now, in this thread, after ``fn`` is in place: a worker ends with
        # the thread that forked it (PR_SET_PDEATHSIG), so that thread must outlive the pool.
        # Python 3.12+ warns of a fork in a process with threads: they are BLAS's (``alone``).
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
            try:
                self._pool.submit(os.getpid).result()
            except BaseException:
                self.close()
                raise

    def for_each(self, items: Iterable[T], done: Callable[[R], None] | None = None) -> None:
        """Call ``fn(item)`` for every item in the workers; each item and each result must
        pickle. ``done(result)`` is called in the calling thread as each piece finishes (in
        completion order).

        Raises
        ------
        Exception or KeyboardInterrupt
            The first error of a piece, or an interrupt, after the running pieces have
            finished and the others were cancelled (the processes are then ended).
        WorkerDied
            A worker process ended without returning its piece.
        """
        from concurrent.futures.process import BrokenProcessPool
        done = done or (lambda result: None)
        try:
            for future in as_completed([self._pool.submit(_call, self._key, item) for item in items]):
                done(future.result())
        except BaseException as err:
            self.close()
            if isinstance(err, BrokenProcessPool):
                raise WorkerDied("a worker process ended before finishing its rows (killed, or out of "
                                 "memory?)") from err
            raise

    def close(self) -> None:
        """End the processes (waiting for running pieces; pending ones are cancelled)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        _FUNCTIONS.pop(self._key, None)

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
